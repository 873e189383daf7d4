"""The Agent Skills: each SKILL.md follows the format, installs, and the commands it names run.

A SKILL.md's ```bash blocks are sessions an agent could run: each line is
`ml-engineer ... --json   # -> <event>[, status <status>][, exit <code>]`, the event the command
ends with. Each block runs here, line by line, on a fresh copy of an upstream fixture with the
placeholders (`output/<slug>/data`, `<what to change>`, ...) filled in. Templates with optional
parts are ```text blocks: they are not run, but each command they name must be in a session.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, REPO, SHARED, copy_upstream

from ml_engineer import cli, slash
from ml_engineer.skills_install import bundled_skills, skill_name, slash_line

SKILLS = REPO / "skills"
SKILL_NAMES = sorted(p.name for p in SKILLS.iterdir() if (p / "SKILL.md").is_file())
ML_ENGINEER = Path(sys.executable).with_name("ml-engineer")  # the venv's console script
FIELDS = {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}
NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")  # no leading, trailing or double hyphen

# The fixture the sessions run on, and the words that fill the placeholders for it.
if SHARED is not None and (SHARED / "penguin-species" / "data").is_dir():
    FIXTURE, GOAL, CHANGE = SHARED / "penguin-species", "predict species", "drop island"
else:  # without ../shared, the bundled example
    FIXTURE, GOAL, CHANGE = EXAMPLES / "ui-benefit-claims", "predict ui take-up", "drop tenure"
SLUG = FIXTURE.name
PLACEHOLDERS = {
    "<the goal in words>": GOAL,
    "<what to change>": CHANGE,
    "<reason>": "not the population we serve",
    "<slug>": SLUG,
}


@dataclass(frozen=True)
class Step:
    command: str  # as written in the SKILL.md
    event: str  # the event it ends with
    status: str | None
    exit: int | None


STEP = re.compile(
    r"(?P<command>ml-engineer \S.*?)\s+#\s*->\s*(?P<event>\w+)"
    r"(?:,\s*status\s+(?P<status>\w+))?(?:,\s*exit\s+(?P<exit>\d+))?\s*"
)


def parse_skill(name: str) -> tuple[dict, str]:
    text = (SKILLS / name / "SKILL.md").read_text(encoding="utf-8")
    match = re.fullmatch(r"---\n(.*?)\n---\n(.*)", text, re.S)
    assert match, f"skills/{name}/SKILL.md does not start with YAML front matter between --- lines"
    front = yaml.safe_load(match.group(1))
    assert isinstance(front, dict), f"skills/{name}/SKILL.md: the front matter is not a mapping"
    return front, match.group(2)


def fenced(body: str, lang: str) -> list[str]:
    return re.findall(rf"(?ms)^```{lang}\n(.*?)^```", body)


def section(body: str, heading: str) -> str:
    found = re.search(rf"(?ms)^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", body)
    return " ".join(found.group(1).split()) if found else ""


def sessions(body: str) -> list[list[Step]]:
    blocks = []
    for block in fenced(body, "bash"):
        steps = []
        for line in filter(str.strip, block.splitlines()):
            match = STEP.fullmatch(line)
            assert match, f"not `ml-engineer ... --json   # -> <event>`: {line!r}"
            exit_code = match["exit"]
            steps.append(Step(match["command"], match["event"], match["status"],
                              None if exit_code is None else int(exit_code)))  # fmt: skip
        blocks.append(steps)
    return blocks


def subcommand(command: str) -> str:
    return shlex.split(command)[1]


def fill(command: str) -> str:
    for placeholder, value in PLACEHOLDERS.items():
        command = command.replace(placeholder, value)
    assert not re.search(r"<[^>]*>", command), f"a placeholder is left in {command!r}"
    return command


def landed(command: str) -> bool:
    """Whether this checkout's CLI has the subcommand (the sub-skill CLI lands separately)."""
    (sub,) = (a for a in cli._parser()._actions if isinstance(a, argparse._SubParsersAction))
    return subcommand(command) in sub.choices


def env() -> dict[str, str]:
    environ = {**os.environ, "PATH": f"{ML_ENGINEER.parent}{os.pathsep}{os.environ['PATH']}"}
    environ.pop("ML_ENGINEER_MODEL", None)  # offline: the planner decides
    return environ


def run(cwd: Path, command: str, *, shell: bool = False):
    """Run a command line as an agent would; return the process and its parsed events."""
    argv = command if shell else [str(ML_ENGINEER), *shlex.split(command)[1:]]
    proc = subprocess.run(
        argv, cwd=cwd, env=env(), shell=shell, executable="/bin/bash" if shell else None,
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    events = []
    for line in filter(str.strip, proc.stdout.splitlines()):
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"`{command}` printed a line that is not JSON: {line!r}\n{proc.stderr}")
    assert events, f"`{command}` printed no event (exit {proc.returncode})\n{proc.stderr}"
    return proc, events


def files_under(root: Path) -> dict[Path, tuple[int, int]]:
    """The deliverables under root/output, without run state (.ml_engineer) or kept versions."""
    found = {}
    for path in (root / "output").rglob("*"):
        parts = path.relative_to(root).parts
        if path.is_file() and not any(p.startswith(".") or p == "versions" for p in parts):
            found[path.resolve()] = (path.stat().st_mtime_ns, path.stat().st_size)
    return found


def check_step(cwd: Path, step: Step, command: str) -> dict:
    before = files_under(cwd)
    proc, events = run(cwd, command)
    last = events[-1]
    said = f"`{command}` (exit {proc.returncode}) ended with {last}\n{proc.stderr}"
    assert last["event"] == step.event, said
    if step.exit is not None:
        assert proc.returncode == step.exit, said
    elif step.event == "error":
        assert proc.returncode != 0 and proc.returncode == last["code"], said
    else:
        assert proc.returncode == 0, said
    if step.status is not None:
        assert last.get("status") == step.status, said
    if last["event"] == "approval":
        assert last["question"], said
        assert set(last["answer"]) == {"approve", "revise", "reject"}, said
        for answer in last["answer"].values():
            assert answer.startswith("ml-engineer resume ") and answer.endswith(" --json"), said
    if last["event"] == "error":
        assert last["message"], said
    if last["event"] == "done":
        written = {Path(p).resolve() for p in last["paths"].values()}
        assert written and all(p.is_file() for p in written), said
        if last.get("status") == "written":  # a sub-skill writes its own files and nothing else
            after = files_under(cwd)
            changed = {p for p, stamp in after.items() if before.get(p) != stamp}
            assert changed <= written, f"{said}\nalso wrote {sorted(changed - written)}"
            if last.get("next_command"):
                assert last["next_command"].startswith("ml-engineer "), said
    return last


def project(tmp_path: Path) -> Path:
    copy_upstream(FIXTURE, tmp_path, SLUG)
    return tmp_path


# -- the format ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SKILL_NAMES)
def test_each_skill_md_follows_the_agent_skills_format(name):
    front, body = parse_skill(name)
    assert set(front) <= FIELDS, f"unknown front-matter fields: {set(front) - FIELDS}"
    assert front["name"] == name, "the name must equal the skill's folder name"
    assert NAME.fullmatch(name) and len(name) <= 64, f"{name!r} breaks the name rules"
    description = front["description"]
    assert isinstance(description, str) and 0 < len(description.strip()) <= 1024
    assert len(str(front.get("compatibility", ""))) <= 500
    assert len(body.splitlines()) < 500, "keep a SKILL.md under 500 lines"

    assert "--json" in body
    ask = section(body, "Ask the user")
    assert "question" in ask and "Wait for the answer" in ask, "how to show the question"
    answer = section(body, "Continue with the answer")
    resumes = "ml-engineer resume" in answer if name == "ml-engineer" else "next_command" in answer
    assert resumes, "how to go on with the user's answer"
    assert "ml-engineer slash --json -- /" + name.replace("-", "_") in body, "the slash form"

    runs = sessions(body)
    assert runs, "no ```bash session to run"
    commands = [step.command for steps in runs for step in steps]
    assert all("--json" in shlex.split(c) for c in commands), "every command takes --json"
    assert any(s.event != "error" for steps in runs for s in steps)
    ran = {subcommand(c) for c in commands}
    for template in fenced(body, "text"):
        for line in template.splitlines():
            if line.startswith("ml-engineer "):
                assert subcommand(line) in ran, f"no session runs the template {line!r}"


def test_every_slash_command_has_a_skill_and_every_skill_a_slash_command():
    assert sorted(skill_name(c) for c in slash.COMMANDS) == SKILL_NAMES


def test_the_installed_package_carries_every_skill_md():
    bundled = bundled_skills()
    assert list(bundled)[0] == "ml-engineer" and sorted(bundled) == SKILL_NAMES
    for name, text in bundled.items():
        assert text == (SKILLS / name / "SKILL.md").read_text(encoding="utf-8")


# -- the install --------------------------------------------------------------------------------


def test_install_copies_the_skills_writes_the_slash_commands_and_never_silently_overwrites(
    tmp_path,
):
    install = "ml-engineer skills install --target .claude/skills --commands .claude/commands"
    proc, (event,) = run(tmp_path, install + " --json")
    assert proc.returncode == 0, proc.stderr
    assert event["event"] == "installed" and {f["action"] for f in event["files"]} == {"created"}
    assert event["slash_commands"] == list(slash.COMMANDS)
    for name in SKILL_NAMES:
        copied = tmp_path / ".claude" / "skills" / name / "SKILL.md"
        assert copied.read_text() == (SKILLS / name / "SKILL.md").read_text()
    for command in slash.COMMANDS:
        text = (tmp_path / ".claude" / "commands" / f"{command}.md").read_text()
        front = yaml.safe_load(re.fullmatch(r"---\n(.*?)\n---\n.*", text, re.S).group(1))
        assert set(front) == {"description", "argument-hint"} and front["description"]
        assert front["argument-hint"] == slash.usage(command).removeprefix(f"Usage: /{command} ")
        assert fenced(text, "bash") == [slash_line(command) + "\n"]
        assert f"`{skill_name(command)}` skill" in text

    proc, (event,) = run(tmp_path, install + " --json")  # again: nothing changes
    assert proc.returncode == 0 and {f["action"] for f in event["files"]} == {"unchanged"}

    edited = tmp_path / ".claude" / "commands" / "ml_engineer.md"
    edited.write_text(edited.read_text() + "\nMy own note.\n")
    removed = tmp_path / ".claude" / "skills" / "mlops" / "SKILL.md"
    removed.unlink()
    proc, (event,) = run(tmp_path, install + " --json")
    assert proc.returncode == 6 and event["event"] == "error" and event["code"] == 6
    assert str(Path(".claude/commands/ml_engineer.md")) in event["message"]
    assert "--force" in event["message"] and "Nothing was written" in event["message"]
    assert "My own note." in edited.read_text() and not removed.exists()  # nothing was written
    proc = subprocess.run(
        shlex.split(install.replace("ml-engineer", str(ML_ENGINEER), 1)), cwd=tmp_path,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 6 and "--force" in proc.stderr and not proc.stdout

    proc, (event,) = run(tmp_path, install + " --force --json")
    assert proc.returncode == 0, proc.stderr
    actions = {f["path"]: f["action"] for f in event["files"]}
    assert actions.pop(str(Path(".claude/commands/ml_engineer.md"))) == "replaced"
    assert actions.pop(str(Path(".claude/skills/mlops/SKILL.md"))) == "created"
    assert set(actions.values()) == {"unchanged"}
    assert "My own note." not in edited.read_text() and removed.is_file()
    assert not list((tmp_path / ".claude").rglob("*.tmp"))  # atomic writes leave no leftovers


def test_install_into_a_path_that_is_a_file_is_refused_with_the_fix(tmp_path):
    (tmp_path / "skills").write_text("not a folder")
    proc, (event,) = run(tmp_path, "ml-engineer skills install --target skills --json")
    assert proc.returncode == 6 and "is a file, not a folder" in event["message"]


def test_install_never_writes_through_a_planted_link_or_half_into_a_read_only_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "skills").mkdir()
    (tmp_path / "skills" / "mlops").symlink_to(outside, target_is_directory=True)
    proc, (event,) = run(tmp_path, "ml-engineer skills install --target skills --json")
    assert proc.returncode == 6 and "is a symbolic link" in event["message"]
    assert list(outside.iterdir()) == [] and not (tmp_path / "skills" / "ml-engineer").exists()

    (tmp_path / "commands").mkdir()
    (tmp_path / "commands").chmod(0o500)
    try:
        if os.access(tmp_path / "commands", os.W_OK):
            pytest.skip("this user can write in a read-only folder (root)")
        proc, (event,) = run(
            tmp_path, "ml-engineer skills install --target fresh --commands commands --json"
        )
    finally:
        (tmp_path / "commands").chmod(0o700)
    assert proc.returncode == 6 and "is not writable" in event["message"]
    assert not (tmp_path / "fresh").exists()  # nothing written before the refusal


# -- the commands each SKILL.md names, run ------------------------------------------------------


def skill_sessions() -> list:
    params = []
    for name in SKILL_NAMES:
        try:
            found = sessions(parse_skill(name)[1])
        except AssertionError as exc:  # reported here, not as an error collecting the module
            params.append(pytest.param(name, str(exc), id=f"{name}-unreadable"))
            continue
        params += [pytest.param(name, s, id=f"{name}-{i + 1}") for i, s in enumerate(found)]
    return params


@pytest.mark.parametrize(("name", "steps"), skill_sessions())
def test_the_commands_a_skill_names_run_as_it_says(tmp_path, name, steps):
    if isinstance(steps, str):
        pytest.fail(f"skills/{name}/SKILL.md: {steps}")
    missing = sorted({subcommand(s.command) for s in steps if not landed(s.command)})
    if missing:
        pytest.xfail(f"sub-skill CLI not landed: ml-engineer {', '.join(missing)}")
    cwd = project(tmp_path)
    for step in steps:
        check_step(cwd, step, fill(step.command))


def test_an_installed_slash_command_file_runs_with_real_arguments(tmp_path):
    if not landed("ml-engineer slash"):
        pytest.xfail("sub-skill CLI not landed: ml-engineer slash")
    cwd = project(tmp_path)
    install = "ml-engineer skills install --target .claude/skills --commands .claude/c --json"
    assert run(cwd, install)[0].returncode == 0

    def slash_command(command: str, arguments: str) -> dict:
        text = (cwd / ".claude" / "c" / f"{command}.md").read_text()
        (line,) = fenced(text, "bash")
        proc, events = run(cwd, line.strip().replace("$ARGUMENTS", arguments), shell=True)
        assert proc.returncode == 0, proc.stderr
        return events[-1]

    data, ml = f"output/{SLUG}/data", f"output/{SLUG}/ml"
    asked = slash_command("ml_engineer", f"{data} {GOAL} --framework sklearn --tracker none")
    assert asked["event"] == "approval" and asked["summary"]["slug"] == SLUG
    approved = check_step(
        cwd, Step("", "done", "approved", 0), asked["answer"]["approve"] + " --no-mlops"
    )
    assert approved["handoff"] == f"/mlops {ml}"
    for command in ("deployment_config_writer", "monitoring_dashboard_spec",
                    "retrain_pipeline_spec", "mlops"):  # fmt: skip
        done = slash_command(command, ml)
        assert done["event"] == "done" and done["status"] == "written", done
    done = slash_command("feature_spec_writer", data)
    assert done["next_slash"] == f"/training_script_generator {ml}/feature-spec.md"
    for command in ("training_script_generator", "experiment_config_writer"):
        done = slash_command(command, f"{ml}/feature-spec.md")
        assert done["event"] == "done" and done["status"] == "written", done

    text = (cwd / ".claude" / "c" / "ml_engineer.md").read_text()
    (line,) = fenced(text, "bash")
    proc = subprocess.run(
        line.strip().replace("$ARGUMENTS", "output/nowhere/data --framework jax"), shell=True,
        cwd=cwd, env=env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2 and "Usage: /ml_engineer" in proc.stdout + proc.stderr


# -- the README ---------------------------------------------------------------------------------


def test_the_readme_skills_example_runs(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"(?ms)^## Chat-agent skills.*?(?=^## |\Z)", readme)
    assert found, "the README has no `## Chat-agent skills` section"
    lines = [
        line.split("  #")[0].strip()
        for block in fenced(found.group(0), "bash")
        for line in block.splitlines()
        if line.startswith("ml-engineer ")
    ]
    assert lines and lines[0].startswith("ml-engineer skills install")
    copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)  # where `make demo` leaves it
    for line in lines:
        if not landed(line):
            pytest.xfail(f"sub-skill CLI not landed: {line}")
        proc = subprocess.run(
            line, shell=True, executable="/bin/bash", cwd=tmp_path, env=env(),
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, f"{line}\n{proc.stdout}\n{proc.stderr}"
        if "--json" in line:
            events = [json.loads(x) for x in proc.stdout.splitlines() if x.strip()]
            assert events[-1]["event"] in ("approval", "done", "installed"), events[-1]
    assert (tmp_path / ".claude" / "skills" / "ml-engineer" / "SKILL.md").is_file()
    assert (tmp_path / ".claude" / "commands" / "ml_engineer.md").is_file()
