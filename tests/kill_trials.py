"""Killing a run with SIGKILL at a random instant, and resuming it: the steps of one trial.

Shared by tests/test_kill_resume.py and `benchmarks/robustness.py`. A trial passes when:
- right after the kill, every deliverable on disk is whole: each equals the uninterrupted run's
  version of that file (its spec without the check run's line, which a later step adds);
- `ml-engineer resume` (or, when the kill came before the run's first checkpoint, `run` again,
  as `status` tells a user) ends in the uninterrupted run's deliverables, byte for byte but for
  the check run's timing, and leaves no temporary file behind;
- a step whose successor had started before the kill is not done again.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CLI = [sys.executable, "-m", "ml_engineer"]
FOLDERS = ("ml", "mlops")
TIMING = r"ran( on a sample of \d+ rows)? in [\d.]+ s"
# The line each step prints as it finishes, in the order the steps run.
STEP_LINES = [
    ("load_inputs", "Inputs read. Proceeding to feature spec"),
    ("feature_spec_writer", "Feature spec complete"),
    ("training_script_generator", "Training script complete"),
    ("experiment_config_writer", "Experiment config complete"),
    ("validate", "Proceeding to approval"),
    ("approval", "ML design approved. Handing off to MLOps."),
    ("deployment_config", "Deployment config complete"),
    ("monitoring_spec", "Monitoring spec complete"),
    ("retrain_pipeline", "Retrain pipeline complete"),
]


def deliverables(project: Path) -> dict[str, str]:
    """The files a run leaves in ml/ and mlops/ (not the check run's outputs), normalised: the
    check run's timing differs from run to run."""
    found = {}
    for folder in FOLDERS:
        for path in sorted((project / folder).glob("*")):
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                found[f"{folder}/{path.name}"] = re.sub(TIMING, "ran in N s", text)
    return found


def without_check_line(text: str) -> str:
    return re.sub(r"(?m)^- Validation: .*\n", "", text)


def temporary_files(project: Path) -> list[str]:
    return sorted(
        str(p.relative_to(project)) for folder in FOLDERS for p in (project / folder).rglob("*.tmp")
    )


@dataclass
class Trial:
    delay: float
    killed: bool = False  # False: the run had ended before the kill came
    restarted: bool = False  # the kill came before the first checkpoint: `run` again
    problem: str = ""  # empty when the trial passed
    seconds: float = 0.0


def start(data_dir: Path, cwd: Path, flags: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, "run", str(data_dir), *flags], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, cwd=cwd, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip


def first_line(proc: subprocess.Popen) -> bytes:
    assert proc.stdout is not None
    return proc.stdout.readline()


def timed_run(data_dir: Path, cwd: Path, flags: list[str]) -> float:
    """The seconds from the run's first line to its end: the window kills are drawn from."""
    proc = start(data_dir, cwd, flags)
    first_line(proc)
    began = time.monotonic()
    rest = proc.communicate(timeout=600)[0]
    if proc.returncode != 0:
        raise RuntimeError(f"the uninterrupted run failed ({proc.returncode}): {rest[-2000:]!r}")
    return time.monotonic() - began


def trial(data_dir: Path, cwd: Path, flags: list[str], delay: float, expected: dict) -> Trial:
    """One run killed `delay` seconds after its first line, checked, resumed, checked."""
    began = time.monotonic()
    result = Trial(delay=delay)
    project = data_dir.parent
    proc = start(data_dir, cwd, flags)
    seen = first_line(proc)
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        result.killed = True
    seen += proc.communicate(timeout=120)[0]
    printed = seen.decode("utf-8", errors="replace")
    if not result.killed:
        result.problem = _compare(deliverables(project), expected, "after a run that ended")
        result.seconds = time.monotonic() - began
        return result
    halves = [name for name, text in deliverables(project).items()
              if not _whole(name, text, expected)]  # fmt: skip
    if halves:
        result.problem = f"right after the kill, not a whole version: {halves}"
    resumed = subprocess.run(
        [*CLI, "resume", project.name], capture_output=True, text=True, cwd=cwd, timeout=600,
        stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    if resumed.returncode != 0 and "no saved run" in " ".join(resumed.stderr.split()):
        result.restarted = True
        resumed = subprocess.run(
            [*CLI, "run", str(data_dir), *flags], capture_output=True, text=True, cwd=cwd,
            timeout=600, stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
    if resumed.returncode != 0:
        result.problem = result.problem or (
            f"resume exit {resumed.returncode}: {(resumed.stdout + resumed.stderr)[-1500:]}"
        )
    result.problem = result.problem or _redone(printed, resumed.stdout)
    result.problem = result.problem or _compare(deliverables(project), expected, "after resume")
    if not result.problem and (left := temporary_files(project)):
        result.problem = f"temporary files left after resume: {left}"
    result.seconds = time.monotonic() - began
    return result


def _whole(name: str, text: str, expected: dict) -> bool:
    """A deliverable as the run writes it at some step: its final text, the spec before the
    check run's line is added, or approval.json at any of its statuses."""
    final = expected.get(name, "")
    if text in (final, without_check_line(final)):
        return True
    if name.endswith("approval.json"):
        try:
            return "status" in json.loads(text)
        except ValueError:
            return False
    return False


def _redone(killed_output: str, resumed_output: str) -> str:
    """A step is saved once the next has begun; a resumed run must not do it again."""
    done = [node for node, line in STEP_LINES if line in killed_output]
    for (node, line), (_, following) in zip(STEP_LINES, STEP_LINES[1:], strict=False):
        if node in done and following in killed_output and line in resumed_output:
            return f"{node} was done again after the kill"
    return ""


def _compare(found: dict, expected: dict, when: str) -> str:
    if found.keys() != expected.keys():
        return f"{when}: files {sorted(found)} instead of {sorted(expected)}"
    differ = [name for name in expected if found[name] != expected[name]]
    return f"{when}: {differ} differ from the uninterrupted run's" if differ else ""
