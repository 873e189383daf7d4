"""`ml-engineer skills install`: the skills and the pipeline's slash commands, for chat agents.

    ml-engineer skills install --target .claude/skills [--commands .claude/commands] [--force]

Copies each bundled skill (`skills/<name>/SKILL.md`, read from the installed package) to
`<target>/<name>/SKILL.md` and, with `--commands`, writes one slash-command file per command of
the pipeline (`ml_engineer.md`, `feature_spec_writer.md`, ...) whose body runs
`ml-engineer slash --json -- /<command> $ARGUMENTS`, so `/ml_engineer output/acme/data` typed in
the agent runs the same command as everywhere else in the pipeline.

A file that exists with other content is never replaced without `--force`: the install then
stops before writing anything and names the files. Each file is written atomically.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import yaml

from ml_engineer import json_events, slash
from ml_engineer.deliverables import write_file
from ml_engineer.errors import OutputError

SKILLS_PACKAGE = "ml_engineer.skills"


@dataclass(frozen=True)
class Planned:
    """One file the install writes: its path, its text, and which skill or command it is."""

    path: Path
    text: str
    kind: str  # "skill" or "command"
    name: str  # the skill's folder name, or the slash command's name


def skill_name(command: str) -> str:
    """The skill folder of a slash command: `ml_engineer` -> `ml-engineer`."""
    return command.replace("_", "-")


def bundled_skills() -> dict[str, str]:
    """Each bundled skill's folder name and SKILL.md text, the pipeline's own order first."""
    root = files(SKILLS_PACKAGE)
    found = {
        entry.name: (entry / "SKILL.md").read_text(encoding="utf-8")
        for entry in root.iterdir()
        if entry.is_dir() and (entry / "SKILL.md").is_file()
    }
    order = {skill_name(command): i for i, command in enumerate(slash.COMMANDS)}
    return {
        name: found[name] for name in sorted(found, key=lambda n: (order.get(n, len(order)), n))
    }


def front_matter(text: str) -> dict:
    """The YAML front matter of a SKILL.md (between the leading `---` lines)."""
    if not text.startswith("---\n"):
        return {}
    head, sep, _ = text[4:].partition("\n---\n")
    return (yaml.safe_load(head) or {}) if sep else {}


def command_file(command: str, skill_text: str) -> str:
    """The slash-command file of one pipeline command (Claude Code's `.claude/commands` format)."""
    description = str(front_matter(skill_text).get("description", "")).split(". ")[0].rstrip(".")
    hint = slash.usage(command).removeprefix(f"Usage: /{command} ")
    skill = skill_name(command)
    steps = _APPROVAL_STEPS if command == "ml_engineer" else _DONE_STEPS
    return (
        "---\n"
        f"description: {json.dumps(description + '.')}\n"
        f"argument-hint: {json.dumps(hint)}\n"
        "---\n\n"
        f"Run the `{skill}` skill on: $ARGUMENTS\n\n"
        "From the folder that holds `output/`, run this command and read its stdout, one JSON\n"
        "event per line:\n\n"
        f"```bash\n{slash_line(command)}\n```\n\n"
        f"Then follow the `{skill}` skill (its SKILL.md is in your skills folder). In short:\n\n"
        f"{steps}"
    )


def slash_line(command: str) -> str:
    """The command line a slash-command file runs, with `$ARGUMENTS` as the agent fills it in."""
    return f"ml-engineer slash --json -- /{command} $ARGUMENTS"


_COMMON_STEPS = (
    "- Show each `progress` event's `message` as one short line.\n"
    "- An `error` event, or a usage line with exit code 2: show its message as it is (it names\n"
    "  the file or the argument and the fix) and stop.\n"
)
_APPROVAL_STEPS = _COMMON_STEPS + (
    "- The `approval` event (the command exits 0 and waits): show the user its `question`, then\n"
    "  the design from its `summary`: `task`, `target`, `primary_metric`, `split`, `model`, the\n"
    "  kept columns and each excluded column with its reason, `validation` (the check run beside\n"
    "  the naive baseline), `risks` and the `paths` of the three files. Ask: approve, revise\n"
    "  (what to change, in plain words) or reject (why). Never answer for the user.\n"
    "- Run the matching command from the event's `answer`, with `<what to change>` or\n"
    "  `<reason>` replaced by the user's words in quotes. A revision ends with a new `approval`\n"
    "  event: ask again.\n"
    "- The `done` event ends the run: tell the user its status, the written `paths` and the\n"
    "  next stage, `report_handoff`.\n"
)
_DONE_STEPS = _COMMON_STEPS + (
    "- The `done` event: tell the user the written `paths` and what they hold, then ask whether\n"
    "  to continue with `next_slash`. If the user agrees, run the event's `next_command` (with\n"
    "  `--json`); when both are null, say the file is done.\n"
)


def plan(target: Path, commands: Path | None) -> list[Planned]:
    skills = bundled_skills()
    if not skills:
        raise OutputError(
            f"No SKILL.md was found in the installed package ({SKILLS_PACKAGE}). The installation "
            "of ml-engineer is incomplete: reinstall it (pip install --force-reinstall "
            "ml-engineer) and run again."
        )
    planned = [
        Planned(target / name / "SKILL.md", text, "skill", name) for name, text in skills.items()
    ]
    if commands is not None:
        for command in slash.COMMANDS:
            text = skills.get(skill_name(command))
            if text is None:
                raise OutputError(
                    f"The installed package has no skill {skill_name(command)!r} for the slash "
                    f"command /{command}. The installation of ml-engineer is incomplete: "
                    "reinstall it and run again."
                )
            planned.append(
                Planned(commands / f"{command}.md", command_file(command, text), "command", command)
            )
    return planned


def install(target: Path, commands: Path | None = None, *, force: bool = False) -> list[dict]:
    """Write the skills (and the slash-command files); return what was done to each file.

    Nothing is written when a file exists with other content and `force` is false, or when a
    path cannot hold a file: the error names every such path and the fix.
    """
    planned = plan(target, commands)
    actions: list[tuple[Planned, str]] = []
    changed: list[Path] = []
    for item in planned:
        _check_writable(item.path)
        current = _current_text(item.path)
        if current is None:
            actions.append((item, "created"))
        elif current == item.text:
            actions.append((item, "unchanged"))
        else:
            if item.path.is_symlink():
                raise OutputError(
                    f"{item.path} is a symbolic link to another file; ml-engineer does not write "
                    "through links. Remove the link and run the install again. Nothing was "
                    "written.",
                    path=str(item.path),
                )
            changed.append(item.path)
            actions.append((item, "replaced"))
    if changed and not force:
        shown = ", ".join(str(p) for p in changed[:4]) + (
            f" and {len(changed) - 4} more" if len(changed) > 4 else ""
        )
        exist = (
            "A file already exists" if len(changed) == 1 else f"{len(changed)} files already exist"
        )
        raise OutputError(
            f"{exist} with other content: {shown} (an edited copy, or "
            "one from another version of ml-engineer). Nothing was written. Keep your copy by "
            "installing into another folder, or replace it with this version's by running the "
            "same command with --force.",
            path=str(changed[0]),
        )
    report = []
    for item, action in actions:
        if action != "unchanged":
            write_file(item.path, item.text)
        report.append({"path": str(item.path), "kind": item.kind, "name": item.name,
                       "action": action})  # fmt: skip
    return report


def _current_text(path: Path) -> str | None:
    if not path.exists() and not path.is_symlink():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:  # a dangling link, an unreadable file
        return f"<unreadable: {exc}>"


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise OutputError(
            f"{path} is a folder, so the file cannot be written there. Move it away or choose "
            "another --target / --commands folder. Nothing was written.",
            path=str(path),
        )
    if path.parent.is_symlink():  # a planted link would carry the file somewhere else
        raise OutputError(
            f"{path.parent} is a symbolic link; ml-engineer does not write through links. "
            "Remove it and run the install again. Nothing was written.",
            path=str(path.parent),
        )
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(
                    f"{parent} is a file, not a folder, so {path} cannot be written. Choose "
                    "another --target / --commands folder. Nothing was written.",
                    path=str(parent),
                )
            if not os.access(parent, os.W_OK | os.X_OK):  # found before any file is written
                raise OutputError(
                    f"{parent} is not writable, so {path} cannot be written. Choose another "
                    "--target / --commands folder, or make it writable. Nothing was written.",
                    path=str(parent),
                )
            return


def add_skills_command(sub: argparse._SubParsersAction) -> None:
    """Register `ml-engineer skills install` on the CLI's subcommands."""
    skills = sub.add_parser(
        "skills", help="install the Agent Skills and slash commands into a chat agent's folders"
    )
    actions = skills.add_subparsers(dest="skills_command", required=True)
    cmd = actions.add_parser(
        "install",
        help="copy each SKILL.md into --target and write the slash-command files into --commands",
        description="Copy the bundled Agent Skills (one folder with a SKILL.md per skill) into "
        "an agent's skills folder and, with --commands, write one slash-command file per "
        "command of the pipeline (/ml_engineer, /feature_spec_writer, ...). A file that exists "
        "with other content is not replaced without --force.",
    )
    cmd.add_argument(
        "--target", type=Path, required=True, metavar="DIR",
        help="the agent's skills folder, e.g. .claude/skills or ~/.claude/skills",
    )  # fmt: skip
    cmd.add_argument(
        "--commands", type=Path, metavar="DIR",
        help="also write the slash-command files here, e.g. .claude/commands",
    )  # fmt: skip
    cmd.add_argument(
        "--force", action="store_true", help="replace files that exist with other content"
    )
    cmd.add_argument(
        "--json", action="store_true", help="print what was written as one JSON line on stdout"
    )
    cmd.set_defaults(func=_install_command)


def _install_command(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from ml_engineer.terminal import out

    report = install(args.target, args.commands, force=args.force)
    for item in report:
        out.print(f"{item['action']:<9} {escape(item['path'])}")
    skills = [r["name"] for r in report if r["kind"] == "skill"]
    commands = [r["name"] for r in report if r["kind"] == "command"]
    out.print(f"{len(skills)} skills in {escape(str(args.target))}.")
    if commands:
        out.print(
            f"{len(commands)} slash commands in {escape(str(args.commands))}: "
            + ", ".join(f"/{c}" for c in commands)
            + ". In the agent, type e.g. /ml_engineer output/<slug>/data"
        )
    json_events.emit(
        "installed", target=str(args.target),
        commands=None if args.commands is None else str(args.commands),
        skills=skills, slash_commands=commands, files=report,
    )  # fmt: skip
    return 0
