"""`ml-engineer`: the terminal surface.

    ml-engineer run output/<slug>/data [--goal "predict churn"] [--yes]
    ml-engineer profile data.csv [--target churned] [--out output/<slug>/data]  (then `run`)
    ml-engineer resume <slug> [--approve | --revise "drop customer_id" | --reject "reason"
                               | --target COLUMN (when the run asks which column to predict)]
    ml-engineer status <slug>      ml-engineer history <slug>      ml-engineer mcp
    ml-engineer feature-spec-writer output/<slug>/data   (each sub-skill alone: skill_commands)
    ml-engineer slash -- /ml_engineer output/<slug>/data predict churn

A user's mistake ends as one paragraph and an exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from ml_engineer import __version__, json_events, slash
from ml_engineer.chat import add_chat_command
from ml_engineer.deliverables import slug_for
from ml_engineer.errors import InputsError, MLEngineerError, TargetUnclear
from ml_engineer.llm_flags import (
    add_llm_flags,
    add_memory_limit_flag,
    resume_context,
    start_settings,
)
from ml_engineer.profile_command import add_profile_command, data_dir_for_run
from ml_engineer.skill_commands import add_skill_commands
from ml_engineer.skills_install import add_skills_command

FRAMEWORKS = slash.FRAMEWORKS
TRACKERS = slash.TRACKERS
NOT_AUTO_APPROVED = 8  # --yes met a design whose check run failed or lost to the baseline


def main(argv: list[str] | None = None) -> int:
    global _CHECKPOINTER_URL
    args = _parser().parse_args(argv)
    _CHECKPOINTER_URL = getattr(args, "checkpointer", None)
    if getattr(args, "json", False):
        json_events.enable()
    try:
        return args.func(args)
    except MLEngineerError as exc:
        from ml_engineer.terminal import show_error

        show_error(exc.message, exc.exit_code)
        json_events.emit("error", code=exc.exit_code, message=exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\nInterrupted. The run's progress is saved; continue with `ml-engineer resume`.")
        return 130
    except Exception as exc:  # a bug of ours: said plainly, with the details a report needs
        return _internal_error(exc)
    finally:
        json_events.disable()  # --json is this command's, not the process's


INTERNAL_ERROR = 70  # EX_SOFTWARE: ml-engineer itself failed, not the user's input


def _internal_error(exc: Exception) -> int:
    """One paragraph that says it is our bug and what is kept, then the redacted traceback.

    Secrets are masked: a provider's error may echo a key, and the text may be pasted in a report.
    """
    import os
    import traceback

    from ml_engineer.agents.redaction import redact_secrets
    from ml_engineer.terminal import err, show_error

    keys = [os.environ.get("OPENAI_API_KEY")]
    what = redact_secrets(f"{type(exc).__name__}: {exc}", keys)
    show_error(
        f"ml-engineer stopped on an internal error ({what[:300]}). This is a bug in "
        "ml-engineer, not a problem with your files. The run's progress up to the last finished "
        "step is saved, and no deliverable was left half-written; `ml-engineer resume <slug>` "
        "continues once it is fixed. Please report it with the details below.",
        INTERNAL_ERROR,
    )
    details = redact_secrets("".join(traceback.format_exception(exc)), keys)
    err.print(details, markup=False, highlight=False, soft_wrap=True)
    json_events.emit("error", code=INTERNAL_ERROR, message=what)
    return INTERNAL_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ml-engineer",
        description="Turn a data analyst's profile into a reviewed, runnable ML design.",
    )
    parser.add_argument("--version", action="version", version=f"ml-engineer {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument(
        "--json",
        action="store_true",
        help="one JSON event per line on stdout (progress, the approval question, the result); "
        "never prompts",
    )
    store.add_argument(
        "--checkpointer",
        metavar="URL",
        help="postgresql://... to keep runs in a shared PostgreSQL (default: SQLite in the "
        "project's .ml_engineer folder)",
    )

    run = sub.add_parser("run", parents=[store], help="design, write and check the deliverables")
    run.add_argument(
        "data_dir", type=Path,
        help="the analyst's folder, output/<slug>/data; or a data file, profiled first",
    )  # fmt: skip
    run.add_argument("--goal", help='the goal in words, e.g. "predict churn"')
    run.add_argument("--target", help="the target column, when the goal does not name it")
    run.add_argument("--framework", default="sklearn", choices=FRAMEWORKS)
    run.add_argument("--tracker", default="none", choices=TRACKERS)
    run.add_argument("--seed", type=int, default=42)
    run.add_argument("--yes", action="store_true", help="approve without asking")
    run.add_argument("--no-validate", action="store_true", help="do not run the script")
    run.add_argument("--sample-rows", type=int, default=50_000, help="check-run sample size")
    run.add_argument("--timeout", type=int, default=600, help="check-run time limit (s)")
    add_memory_limit_flag(run)
    _stage_flags(run)
    add_llm_flags(run)
    run.set_defaults(func=_run)

    resume = sub.add_parser(
        "resume", parents=[store], help="continue a paused or interrupted run, or answer it"
    )
    resume.add_argument("project", help="the slug, the project folder or its data folder")
    resume.add_argument("--thread", help="a thread id other than the project's latest run")
    answer = resume.add_mutually_exclusive_group()
    answer.add_argument("--approve", action="store_true", help="approve the design")
    answer.add_argument("--revise", metavar="FEEDBACK", help='e.g. "drop customer_id, use F1"')
    answer.add_argument("--reject", metavar="REASON", nargs="?", const="", help="stop here")
    answer.add_argument(
        "--target", metavar="COLUMN", help="the column to predict, when the run asks which"
    )
    resume.add_argument("--yes", action="store_true", help="approve any later question")
    add_memory_limit_flag(resume)  # e.g. a higher one, for a run stopped for memory
    _stage_flags(resume)
    add_llm_flags(resume)
    resume.set_defaults(func=_resume)

    for name, func, text in (
        ("status", _status, "where the project's latest run stands"),
        ("history", _history, "the checkpoints of the project's latest run"),
    ):
        cmd = sub.add_parser(name, parents=[store], help=text)
        cmd.add_argument("project", help="the slug, the project folder or its data folder")
        cmd.add_argument("--thread", help="a thread id other than the project's latest run")
        cmd.set_defaults(func=func)

    add_profile_command(sub, store)  # `ml-engineer profile data.csv`
    add_chat_command(sub)  # the terminal chat: ml_engineer/chat.py
    add_skill_commands(sub, store, FRAMEWORKS, TRACKERS)  # each sub-skill alone, and `slash`

    mcp = sub.add_parser("mcp", help="serve the tools to chat agents over MCP (stdio)")
    mcp.add_argument(
        "--checkpointer",
        metavar="URL",
        help="postgresql://... to keep runs in a shared PostgreSQL (default: SQLite in the "
        "project's .ml_engineer folder)",
    )
    mcp.set_defaults(func=_mcp)
    add_skills_command(sub)  # `ml-engineer skills install`
    return parser


def _mcp(args: argparse.Namespace) -> int:
    from ml_engineer.mcp_server import serve

    return serve(args.checkpointer)


def _stage_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--train", action="store_true", help="after approval, train on all the data first"
    )
    parser.add_argument(
        "--no-mlops", action="store_true", help="end at the handoff line (no mlops stage)"
    )


def _graph(args: argparse.Namespace, saver):
    from ml_engineer import api

    return (
        api.build_graph(checkpointer=saver, mlops=None)
        if args.no_mlops
        else (api.build_graph(checkpointer=saver))
    )


def _run(args: argparse.Namespace) -> int:
    from ml_engineer import api
    from ml_engineer.run_lock import project_lock
    from ml_engineer.terminal import out

    args.data_dir = data_dir_for_run(args)
    api.check_data_dir(args.data_dir, "`ml-engineer run output/<slug>/data`")
    checks = {"validate": not args.no_validate, "sample_rows": args.sample_rows,
              "timeout_s": args.timeout}  # fmt: skip
    context, kept = start_settings(args, checks, train=args.train)
    state = api.initial_state(
        args.data_dir,
        goal=args.goal,
        target=args.target,
        tracker=args.tracker,
        framework=args.framework,
        seed=args.seed,
    )
    state.update(kept)
    state["auto_approve"] = args.yes  # so a run killed mid-way keeps its --yes on resume
    with project_lock(api.state_dir_for(args.data_dir), state["slug"]):
        with api.open_checkpointer(args.data_dir, args.checkpointer) as saver:
            graph = _graph(args, saver)
            thread_id = api.new_thread_id(args.data_dir)
            config = {"configurable": {"thread_id": thread_id}}
            out.print(f"[dim]ml-engineer {__version__} · thread {thread_id}[/]")
            json_events.emit(
                "started", thread_id=thread_id, project=state["slug"],
                data_dir=str(args.data_dir),
            )  # fmt: skip
            payload = _stream(graph, state, config, context)
            return _conversation(graph, payload, config, context, args.data_dir, args.yes)


def _resume(args: argparse.Namespace) -> int:
    from langgraph.types import Command
    from rich.markup import escape

    from ml_engineer import api
    from ml_engineer.graphs.agent_session import agent_mode_line_for
    from ml_engineer.graphs.target_question import is_target_question, question_of
    from ml_engineer.run_lock import project_lock
    from ml_engineer.terminal import out

    data_dir = api.resolve_data_dir(args.project)
    thread_id = _thread(args, data_dir)
    with project_lock(api.state_dir_for(data_dir), slug_for(data_dir)):
        with api.open_checkpointer(data_dir, args.checkpointer) as saver:
            graph = _graph(args, saver)
            config = {"configurable": {"thread_id": thread_id}}
            snapshot = graph.get_state(config)
            if not snapshot.values:
                raise InputsError(f"Thread {thread_id} has no saved run to resume.")
            context = resume_context(args, snapshot.values, train=args.train)
            out.print(f"[dim]{escape(agent_mode_line_for(context))}[/]")
            stage = api.run_stage(snapshot)
            if stage in ("approved", "rejected"):
                out.print(f"Run {thread_id} was {stage}; there is nothing to resume.")
                _emit_done(thread_id, snapshot.values, stage)
                return 0
            json_events.emit("resumed", thread_id=thread_id, project=slug_for(data_dir))
            payload = api.pending_question(snapshot)
            if stage == "interrupted":  # stopped mid-run: carry on from the last finished node
                where = ", ".join(snapshot.next) or "the step after the last one saved"
                out.print(f"Resuming {thread_id} at {where}...")
                payload = _stream(graph, None, config, context)
            answer = _answer_from_flags(args)
            if payload is not None and answer is not None:
                _check_answer_fits(payload, args, thread_id, data_dir)
                payload = _stream(graph, Command(resume=answer), config, context)
                if args.target is not None and is_target_question(payload):
                    raise _target_refused(question_of(payload), thread_id, data_dir)
            # Read after resuming: a run killed before its first step was saved has its input
            # (and so its --yes) only in the pending writes, which the resumed stream applied.
            saved = graph.get_state(config).values
            auto = args.yes or bool(saved.get("auto_approve"))
            return _conversation(graph, payload, config, context, data_dir, auto)


def _answer_from_flags(args: argparse.Namespace) -> dict | None:
    if args.target is not None:
        return {"target": args.target}
    if args.approve:
        return {"decision": "approve"}
    if args.revise is not None:
        return {"decision": "revise", "feedback": args.revise}
    if args.reject is not None:
        return {"decision": "reject", "reason": args.reject or None}
    return None


def _check_answer_fits(
    payload: dict, args: argparse.Namespace, thread: str, data_dir: Path
) -> None:
    """--target answers the target question only, and --approve/--revise/--reject the approval."""
    from ml_engineer.graphs.target_question import is_target_question, question_of

    cmd = _resume_cmd(data_dir)
    if is_target_question(payload) and args.target is None:
        question = question_of(payload)
        raise InputsError(
            f"Run {thread} is waiting for a target choice, not an approval: {question.text} "
            f"Candidates: {question.numbered()}. Answer with {cmd} --target COLUMN.",
            field="--target",
        )
    if not is_target_question(payload) and args.target is not None:
        raise InputsError(
            f"Run {thread} is waiting for the approval of its design, not for a target choice: "
            f'answer with {cmd} --approve, --revise "<what to change>" or --reject "<reason>". '
            f'A new target is a revision: {cmd} --revise "target is {args.target}".',
            field="--target",
        )


def _target_refused(question, thread: str, data_dir: Path) -> InputsError:
    return InputsError(
        f"{question.note} Run {thread} still waits for the target: answer with "
        f"{_resume_cmd(data_dir)} --target COLUMN (candidates: {question.numbered()}).",
        field="--target",
    )


def _status(args: argparse.Namespace) -> int:
    from ml_engineer import api
    from ml_engineer.graphs.target_question import is_target_question
    from ml_engineer.terminal import show_status

    data_dir = api.resolve_data_dir(args.project)
    thread_id = _thread(args, data_dir)
    with api.open_checkpointer(data_dir, args.checkpointer) as saver:
        snapshot = api.build_graph(checkpointer=saver).get_state(
            {"configurable": {"thread_id": thread_id}}
        )
        stage = api.run_stage(snapshot)
        show_status(thread_id, snapshot, stage, resume_command=_resume_cmd(data_dir))
        values = snapshot.values or {}
        question = api.pending_question(snapshot)
        target = is_target_question(question)
        answer = (json_events.target_answer_command if target else json_events.answer_commands)(
            _resume_cmd(data_dir)
        )
        json_events.emit(
            "status", thread_id=thread_id, stage=stage, next=list(snapshot.next),
            revisions=len(values.get("revisions") or []),
            waiting_for=("target" if target else "approval") if question else None,
            question=question, answer=answer,
        )  # fmt: skip
    return 0


def _history(args: argparse.Namespace) -> int:
    from ml_engineer import api
    from ml_engineer.terminal import show_history

    data_dir = api.resolve_data_dir(args.project)
    thread_id = _thread(args, data_dir)
    with api.open_checkpointer(data_dir, args.checkpointer) as saver:
        graph = api.build_graph(checkpointer=saver)
        history = list(graph.get_state_history({"configurable": {"thread_id": thread_id}}))
        if json_events.ENABLED:
            checkpoints = [
                {"step": (h.metadata or {}).get("step"), "next": list(h.next),
                 "waiting": any(t.interrupts for t in h.tasks), "saved_at": h.created_at,
                 "checkpoint_id": h.config["configurable"].get("checkpoint_id")}
                for h in reversed(history)
            ]  # fmt: skip
            json_events.emit("history", thread_id=thread_id, checkpoints=checkpoints)
            return 0
        show_history(thread_id, list(reversed(history)))
    return 0


def _stream(graph, value, config, context) -> dict | None:
    """Run until the graph ends or stops for a person, showing each line (and its event)."""
    from ml_engineer import api
    from ml_engineer.terminal import show_checkpoint

    def line(node: str | None, message: str) -> None:
        show_checkpoint(message)
        json_events.emit("progress", node=node, message=message)

    return api.stream_run(graph, value, config, context, line)


def _conversation(graph, payload, config, context, data_dir: Path, auto_approve: bool) -> int:
    """Ask until the person approves or rejects (choosing the target first when the run asks);
    without a terminal, pause and say how to answer."""
    from langgraph.types import Command

    from ml_engineer.graphs.approval_summary import needs_a_person, summary_of
    from ml_engineer.graphs.target_question import is_target_question
    from ml_engineer.terminal import ask_decision, out, show_summary

    shown_target = False  # after a refused answer, only the reason is said again
    while payload is not None:
        if is_target_question(payload):
            answer = _target_answer(payload, config, data_dir, auto_approve, shown_target)
            if answer is None:
                return 0
            shown_target = True
            payload = _stream(graph, Command(resume=answer), config, context)
            continue
        summary = summary_of(payload)
        show_summary(summary)
        unsafe = needs_a_person(summary)
        thread = config["configurable"]["thread_id"]
        if auto_approve and unsafe:
            cmd = _resume_cmd(data_dir)
            out.print(
                f"--yes did not approve: {unsafe}. A person should look before anything is "
                f"handed off. The run is paused: {cmd} --approve | --revise ... | --reject ..."
            )
            json_events.emit("paused", thread_id=thread, reason=unsafe,
                             answer=json_events.answer_commands(cmd))  # fmt: skip
            return NOT_AUTO_APPROVED
        if auto_approve:
            answer = {"decision": "approve"}
        elif json_events.ENABLED:  # an agent drives this: ask it, in the event stream
            json_events.emit(
                "approval", thread_id=thread, question=payload.get("question"), summary=summary,
                payload=payload, answer=json_events.answer_commands(_resume_cmd(data_dir)),
            )  # fmt: skip
            return 0
        elif sys.stdin.isatty():
            try:
                answer = ask_decision(summary)
            except EOFError:  # Ctrl-D: no answer; the run stays paused, as in a pipe
                out.print(f"\nNo answer; the run is paused. Continue with: {_resume_cmd(data_dir)}")
                return 0
        else:
            # No one to ask (a pipe, a chat agent): stop here, say how to answer, succeed.
            out.print("No terminal to ask in, and --yes was not given: the run is paused.")
            cmd = _resume_cmd(data_dir)
            print(json.dumps({"thread_id": thread, "approval": payload,
                              "answer": json_events.answer_commands(cmd)}), flush=True)  # fmt: skip
            out.print(f"Approve with: {cmd} --approve")
            out.print(f'Revise with:  {cmd} --revise "drop customer_id, use F1"')
            out.print(f'Reject with:  {cmd} --reject "reason"')
            return 0
        payload = _stream(graph, Command(resume=answer), config, context)
    snapshot = graph.get_state(config)
    _show_outcome(snapshot.values)
    from ml_engineer.api import run_stage

    _emit_done(config["configurable"]["thread_id"], snapshot.values, run_stage(snapshot))
    return 0


def _target_answer(payload, config, data_dir: Path, auto: bool, shown: bool) -> str | None:
    """The person's choice of target; None when the run pauses at the question (--json, or
    Ctrl-D). Where no one can be asked (--yes, or no terminal), the question is the error."""
    from rich.markup import escape

    from ml_engineer.graphs.target_question import question_of
    from ml_engineer.terminal import ask_target, out, show_target_question

    question = question_of(payload)
    thread = config["configurable"]["thread_id"]
    if auto or not (json_events.ENABLED or sys.stdin.isatty()):
        raise TargetUnclear(
            question.message, goal=question.goal,
            candidates=[c.model_dump(mode="json") for c in question.candidates],
        )  # fmt: skip
    if json_events.ENABLED:  # an agent drives this: ask it, in the event stream
        json_events.emit(
            "question", kind="target", thread_id=thread, question=question.text,
            goal=question.goal, candidates=[c.model_dump(mode="json") for c in question.candidates],
            note=question.note, payload=payload,
            answer=json_events.target_answer_command(_resume_cmd(data_dir)),
        )  # fmt: skip
        return None
    show_target_question(question, again=shown)
    try:
        return ask_target()
    except EOFError:  # Ctrl-D: no answer; the run stays paused at the question
        cmd = escape(f"{_resume_cmd(data_dir)} --target COLUMN")
        out.print(f"\nNo answer; the run is paused. Continue with: {cmd}")
        return None


def _emit_done(thread_id: str, values: dict, stage: str) -> None:
    json_events.emit(
        "done",
        thread_id=thread_id,
        status=stage,
        paths={**values.get("written", {}), **(values.get("mlops_written") or {})},
        handoff=values.get("handoff"),
        report_handoff=values.get("report_handoff"),
    )


_CHECKPOINTER_URL: str | None = None  # set per command, so resume hints name the same store


def _resume_cmd(data_dir: Path) -> str:
    from ml_engineer.api import redact_url

    cmd = f"ml-engineer resume {_shell(data_dir)}"
    if _CHECKPOINTER_URL:
        cmd += f" --checkpointer {_shell(redact_url(_CHECKPOINTER_URL))}"
    return cmd


def _show_outcome(final: dict) -> None:
    from ml_engineer.terminal import out

    written = {**final.get("written", {}), **(final.get("mlops_written") or {})}
    for name, path in written.items():
        out.print(f"  {name}: {path}")


def _thread(args: argparse.Namespace, data_dir: Path) -> str:
    from ml_engineer import api

    start = f"`ml-engineer run {_shell(data_dir)}`"
    return api.thread_to_use(data_dir, args.thread, named=data_dir, start=start)


def _shell(path: Path) -> str:
    return shlex.quote(str(path))


if __name__ == "__main__":
    sys.exit(main())
