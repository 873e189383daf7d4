"""The CLI of each sub-skill run alone, and `ml-engineer slash`, which runs any of the pipeline's
slash commands typed exactly as in a chat.

    ml-engineer feature-spec-writer output/<slug>/data [--goal "..."] [--target COL]
    ml-engineer training-script-generator output/<slug>/ml/feature-spec.md [--framework sklearn]
    ml-engineer experiment-config-writer output/<slug>/ml/feature-spec.md [--tracker mlflow]
    ml-engineer mlops output/<slug>/ml     (and deployment-config-writer,
                                            monitoring-dashboard-spec, retrain-pipeline-spec)
    ml-engineer slash -- /ml_engineer output/<slug>/data predict churn --framework sklearn

With --json each prints `progress` events and ends with
{"event": "done", "skill", "status": "written", "paths", "next_slash", "next_command"}.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from ml_engineer import json_events, slash
from ml_engineer.errors import InputsError
from ml_engineer.llm_flags import add_llm_flags, llm_context, saved_flags

# sub-skill (slash name) -> (what its path is, the help line)
SKILLS = {
    "feature_spec_writer": ("the analyst's folder, output/<slug>/data, or its profile file",
                            "write feature-spec.md only, from the analyst's folder"),
    "training_script_generator": ("output/<slug>/ml/feature-spec.md",
                                  "write training_script.py only, from a feature spec"),
    "experiment_config_writer": ("output/<slug>/ml/feature-spec.md",
                                 "write experiment-config.yaml only, from a feature spec"),
    "mlops": ("output/<slug>/ml", "write the three mlops files from a design"),
    "deployment_config_writer": ("output/<slug>/ml", "write mlops/deployment-config.yaml only"),
    "monitoring_dashboard_spec": ("output/<slug>/ml", "write mlops/monitoring-spec.md only"),
    "retrain_pipeline_spec": ("output/<slug>/ml", "write mlops/retrain-pipeline.md only"),
}  # fmt: skip
# A slash command's words are joined back into one line; flags of `slash` itself stay out.
SLASH_EXAMPLE = "ml-engineer slash -- /ml_engineer output/acme/data predict churn"


def add_skill_commands(sub, store: argparse.ArgumentParser, frameworks, trackers) -> None:
    for name, (what, text) in SKILLS.items():
        cmd = sub.add_parser(name.replace("_", "-"), parents=[store], help=text)
        cmd.add_argument("path", type=Path, help=what)
        if name == "feature_spec_writer":
            cmd.add_argument("--goal", help='the goal in words, e.g. "predict churn"')
            cmd.add_argument("--target", help="the target column, when the goal does not name it")
        if name == "training_script_generator":
            cmd.add_argument("--framework", default="sklearn", choices=frameworks)
        if name == "experiment_config_writer":
            cmd.add_argument("--tracker", choices=trackers, help="default: none")
        add_llm_flags(cmd)
        cmd.set_defaults(func=run_skill_command, skill=name)

    cmd = sub.add_parser(
        "slash", parents=[store],
        help="run a pipeline slash command as typed in a chat, e.g. "
        "`ml-engineer slash -- /ml_engineer output/acme/data predict churn`",
    )  # fmt: skip
    cmd.add_argument("words", nargs=argparse.REMAINDER, help="the command, after --")
    cmd.add_argument("--yes", action="store_true", help="/ml_engineer: approve without asking")
    add_llm_flags(cmd)
    cmd.set_defaults(func=run_slash)


def run_skill_command(args: argparse.Namespace) -> int:
    from ml_engineer.graphs.state import Context
    from ml_engineer.skill_runner import run_skill
    from ml_engineer.terminal import out, show_checkpoint

    def line(node: str | None, message: str) -> None:
        show_checkpoint(message)
        json_events.emit("progress", node=node, message=message)

    context = Context(**llm_context(saved_flags(args)))
    result = run_skill(
        args.skill, args.path,
        goal=getattr(args, "goal", None), target=getattr(args, "target", None),
        framework=getattr(args, "framework", None), tracker=getattr(args, "tracker", None),
        context=context, on_line=line,
    )  # fmt: skip
    for name, path in result.paths.items():
        out.print(f"  {name}: {path}")
    # An agent reading events runs the next step with events too.
    follow = f"{result.next_command} --json" if result.next_command else None
    json_events.emit(
        "done", skill=result.skill, status="written", paths=result.paths,
        next_slash=result.next_slash, next_command=follow,
        kept_previous=result.kept_previous,
    )  # fmt: skip
    return 0


def run_slash(args: argparse.Namespace) -> int:
    """Parse the words as the pipeline's slash command, then run it as its own CLI command."""
    from ml_engineer.cli import _parser

    words = [w for w in args.words if w != "--"]
    for flag in ("--json", "--yes"):  # typed after the command: still ours, not the command's
        if flag in words:
            words.remove(flag)
            setattr(args, flag[2:], True)
            if flag == "--json":
                json_events.enable()
    # One quoted argument holds the whole command; several are its words, split by a shell.
    text = words[0] if len(words) == 1 and " " in words[0].strip() else shlex.join(words)
    try:
        command = slash.parse(text)
    except slash.SlashError as error:
        said = str(error).rstrip(".")
        raise InputsError(f"{said}. Typed whole, a command runs as: {SLASH_EXAMPLE}") from None
    if command.name == "ml_engineer":
        argv = ["run", command.path]
        argv += ["--goal", command.goal] if command.goal else []
    else:
        argv = [command.name.replace("_", "-"), command.path]
    argv += ["--framework", command.framework] if command.framework else []
    argv += ["--tracker", command.tracker] if command.tracker else []
    target = _parser().parse_args(argv)
    # The flags given to `slash` itself (--json, --yes, the model's) carry over.
    for key, value in vars(args).items():
        if key not in ("func", "command", "words") and hasattr(target, key):
            if value not in (None, False):
                setattr(target, key, value)
    return target.func(target)
