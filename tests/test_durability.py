"""Runs survive: a run killed (SIGKILL) inside the check run of its script resumes from a new
process to the same end, without redoing the steps it had finished; two runs on one project at
once are refused. Kills at random instants in the other steps: tests/test_kill_resume.py."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES, copy_upstream
from kill_trials import TIMING

CLI = [sys.executable, "-m", "ml_engineer"]
DELIVERABLES = ("feature-spec.md", "training_script.py", "experiment-config.yaml")
# Each line appears while its node runs; killing there interrupts that node or the step after.
# The check run is the one step the random kills of test_kill_resume.py leave out (for time).
KILL_POINTS = [("Running the training script", "validate", ["Experiment config complete"])]


def normalised(ml_dir: Path) -> dict[str, str]:
    """The deliverables, with the validation run's timing (which differs run to run) masked.
    What the search chose and its scores repeat: it is bounded by counts, not the clock."""
    return {name: re.sub(TIMING, "ran in N s", (ml_dir / name).read_text())
            for name in DELIVERABLES}  # fmt: skip


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    root = tmp_path_factory.mktemp("whole")
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", root)
    proc = subprocess.run([*CLI, "run", str(data_dir), "--yes"], capture_output=True, text=True,
                          cwd=root, timeout=300, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return normalised(data_dir.parent / "ml")


def run_until(line: str, data_dir: Path, cwd: Path, *flags: str) -> str:
    """Start a run and SIGKILL it as soon as `line` is printed; return what it printed."""
    proc = subprocess.Popen(
        [*CLI, "run", str(data_dir), *flags], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, text=True, cwd=cwd,
    )  # fmt: skip
    seen = ""
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    for chunk in proc.stdout:
        seen += chunk
        if line in chunk:
            os.kill(proc.pid, signal.SIGKILL)
            break
        assert time.monotonic() < deadline, seen
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, f"the run ended before {line!r}:\n{seen}"
    return seen


@pytest.mark.parametrize(
    ("line", "node", "not_redone"), KILL_POINTS, ids=[k[1] for k in KILL_POINTS]
)
def test_killed_run_resumes_to_the_same_deliverables(
    tmp_path, uninterrupted, line, node, not_redone
):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    run_until(line, data_dir, tmp_path)
    status = subprocess.run([*CLI, "status", "ui-benefit-claims"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60, check=False)  # fmt: skip
    assert "interrupted" in status.stdout, status.stdout
    resumed = subprocess.run(
        [*CLI, "resume", "ui-benefit-claims", "--approve"], capture_output=True, text=True,
        cwd=tmp_path, timeout=300, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "ML design approved. Handing off to MLOps." in resumed.stdout
    for finished in not_redone:
        assert finished not in resumed.stdout, f"{finished!r} was redone after a kill in {node}"
    assert normalised(data_dir.parent / "ml") == uninterrupted


def test_a_second_run_on_the_same_project_is_refused_while_the_first_holds_it(tmp_path):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    first = subprocess.Popen(
        [*CLI, "run", str(data_dir)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert first.stdout is not None
    for chunk in first.stdout:  # wait until it is inside the run, validating
        if "Running the training script" in chunk:
            break
    second = subprocess.run([*CLI, "run", str(data_dir), "--yes"], capture_output=True,
                            text=True, cwd=tmp_path, timeout=120, check=False)  # fmt: skip
    first.stdout.read()
    first.wait(timeout=120)
    assert second.returncode == 7, second.stdout + second.stderr
    message = " ".join(second.stderr.replace("│", " ").split())
    assert "A run of ui-benefit-claims is in progress" in message and "status" in message
    assert first.returncode == 0  # the first run was not disturbed
    assert (data_dir.parent / "ml" / "feature-spec.md").read_text().startswith("# Feature spec")


def test_a_killed_yes_run_keeps_its_yes_on_resume(tmp_path):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    run_until("Running the training script", data_dir, tmp_path, "--yes", "--no-mlops")
    resumed = subprocess.run([*CLI, "resume", "ui-benefit-claims", "--no-mlops"],
                             capture_output=True, text=True, cwd=tmp_path, timeout=300,
                             stdin=subprocess.DEVNULL, check=False)  # fmt: skip
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "ML design approved. Handing off to MLOps." in resumed.stdout
