"""`ml-engineer`: the terminal surface.

    ml-engineer run output/<slug>/data [--goal "predict churn"] [--yes]
    ml-engineer resume output/<slug>/data --approve | --reject "reason"

A user's mistake ends as one paragraph and an exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from ml_engineer import __version__
from ml_engineer.errors import InputsError, MLEngineerError

FRAMEWORKS = ("sklearn", "lightgbm", "xgboost", "pytorch", "spark")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except MLEngineerError as exc:
        from ml_engineer.terminal import show_error

        show_error(exc.message, exc.exit_code)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\nInterrupted. The run's progress is saved; continue with `ml-engineer resume`.")
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ml-engineer",
        description="Turn a data analyst's profile into a reviewed, runnable ML design.",
    )
    parser.add_argument("--version", action="version", version=f"ml-engineer {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="design, write and check the three deliverables")
    run.add_argument("data_dir", type=Path, help="the analyst's folder, output/<slug>/data")
    run.add_argument("--goal", help='the goal in words, e.g. "predict churn"')
    run.add_argument("--target", help="the target column, when the goal does not name it")
    run.add_argument("--framework", default="sklearn", choices=FRAMEWORKS)
    run.add_argument("--tracker", default="none", choices=("none", "mlflow", "wandb"))
    run.add_argument("--seed", type=int, default=42)
    run.add_argument("--yes", action="store_true", help="approve without asking")
    run.add_argument("--no-validate", action="store_true", help="do not run the script")
    run.add_argument("--sample-rows", type=int, default=50_000, help="check-run sample size")
    run.add_argument("--timeout", type=int, default=600, help="check-run time limit (s)")
    run.set_defaults(func=_run)

    resume = sub.add_parser("resume", help="answer the approval question of a paused run")
    resume.add_argument("data_dir", type=Path, help="the same folder given to `run`")
    answer = resume.add_mutually_exclusive_group()
    answer.add_argument("--approve", action="store_true")
    answer.add_argument("--reject", metavar="REASON", nargs="?", const="")
    resume.set_defaults(func=_resume)
    return parser


def _run(args: argparse.Namespace) -> int:
    from ml_engineer import api
    from ml_engineer.graphs.state import Context

    if args.framework != "sklearn":
        raise MLEngineerError(
            f"--framework {args.framework} is not supported yet; this version writes "
            "scikit-learn scripts. Run again with --framework sklearn (the default)."
        )
    _check_data_dir(args.data_dir)
    graph = api.build_graph(checkpointer=api.sqlite_checkpointer(args.data_dir))
    thread_id = api.new_thread_id(args.data_dir)
    config = {"configurable": {"thread_id": thread_id}}
    context = Context(
        validate=not args.no_validate, sample_rows=args.sample_rows, timeout_s=args.timeout
    )
    state = api.initial_state(
        args.data_dir, goal=args.goal, target=args.target, tracker=args.tracker, seed=args.seed
    )
    from ml_engineer.terminal import out

    out.print(f"[dim]ml-engineer {__version__} · run {thread_id}[/]")
    payload = _stream(graph, state, config, context)
    return _answer(graph, payload, config, context, args.data_dir, auto_approve=args.yes)


def _resume(args: argparse.Namespace) -> int:
    from langgraph.types import Command

    from ml_engineer import api
    from ml_engineer.graphs.state import Context

    _check_data_dir(args.data_dir)
    thread_id = api.latest_thread_id(args.data_dir)
    if thread_id is None:
        raise InputsError(
            f"No run of {args.data_dir} was found to resume. Start one with "
            f"`ml-engineer run {_shell(args.data_dir)}`.",
            path=str(args.data_dir),
        )
    graph = api.build_graph(checkpointer=api.sqlite_checkpointer(args.data_dir))
    config = {"configurable": {"thread_id": thread_id}}
    snapshot = graph.get_state(config)
    if not snapshot.next:
        from ml_engineer.terminal import out

        out.print(f"Run {thread_id} has finished; there is nothing to resume.")
        return 0
    payload = _pending_interrupt(snapshot)
    if args.approve or args.reject is not None:
        answer = {"decision": "approve"} if args.approve else {
            "decision": "reject", "reason": args.reject or None,
        }  # fmt: skip
        payload = _stream(graph, Command(resume=answer), config, Context())
        return _answer(graph, payload, config, Context(), args.data_dir, auto_approve=False)
    if payload is None:  # killed mid-run: carry on from the last finished node
        payload = _stream(graph, None, config, Context())
    return _answer(graph, payload, config, Context(), args.data_dir, auto_approve=False)


def _stream(graph, value, config, context) -> dict | None:
    """Run until the graph ends or stops for approval; return the approval payload if it did."""
    from ml_engineer.terminal import show_checkpoint

    payload = None
    for mode, chunk in graph.stream(
        value, config, context=context, stream_mode=["custom", "updates"]
    ):
        if mode == "custom" and chunk.get("type") == "checkpoint":
            show_checkpoint(chunk["message"])
        elif mode == "updates" and "__interrupt__" in chunk:
            payload = chunk["__interrupt__"][0].value
    return payload


def _answer(graph, payload, config, context, data_dir: Path, *, auto_approve: bool) -> int:
    from langgraph.types import Command

    from ml_engineer.terminal import ask_decision, out, show_summary

    while payload is not None:
        show_summary(payload)
        if auto_approve:
            answer = {"decision": "approve"}
        elif sys.stdin.isatty():
            answer = ask_decision()
        else:
            # No one to ask (a pipe, a chat agent): stop here, say how to answer, succeed.
            thread = config["configurable"]["thread_id"]
            out.print("No terminal to ask in, and --yes was not given: the run is paused.")
            print(json.dumps({"thread_id": thread, "approval": payload}), flush=True)
            cmd = f"ml-engineer resume {_shell(data_dir)}"
            out.print(f"Approve with: {cmd} --approve")
            out.print(f'Reject with:  {cmd} --reject "reason"')
            return 0
        payload = _stream(graph, Command(resume=answer), config, context)
    final = graph.get_state(config).values
    _show_outcome(final)
    return 0


def _show_outcome(final: dict) -> None:
    from ml_engineer.terminal import out

    for name, path in final.get("written", {}).items():
        out.print(f"  {name}: {path}")


def _pending_interrupt(snapshot) -> dict | None:
    for task in snapshot.tasks:
        for item in task.interrupts:
            return item.value
    return None


def _check_data_dir(data_dir: Path) -> None:
    if not data_dir.is_dir():
        what = "does not exist" if not data_dir.exists() else "is not a folder"
        raise InputsError(
            f"The data folder {data_dir} {what}. Pass the analyst's folder that holds "
            "profile.json (or profile.md), e.g. `ml-engineer run output/<slug>/data`.",
            path=str(data_dir),
        )


def _shell(path: Path) -> str:
    return shlex.quote(str(path))


if __name__ == "__main__":
    sys.exit(main())
