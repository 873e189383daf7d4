"""Thirty runs killed with SIGKILL at random instants: each resumes to the uninterrupted run's
deliverables, with no half-written file at any moment (tests/kill_trials.py checks one trial).

The runs write without the check run of the script (`--no-validate`), so thirty trials fit in
CI's time; a kill inside the check run is tests/test_durability.py's.
"""

from __future__ import annotations

import random

import pytest
from kill_trials import deliverables, timed_run, trial
from upstream_builders import churn_frame, write_upstream

TRIALS = 30
FLAGS = ["--yes", "--no-validate"]
GOAL = "predict whether a customer `churned`"


def upstream(root):
    return write_upstream(root / "output" / "churn" / "data", churn_frame(n=400), goal=GOAL)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    root = tmp_path_factory.mktemp("whole")
    data_dir = upstream(root)
    seconds = timed_run(data_dir, root, FLAGS)
    return deliverables(data_dir.parent), seconds


@pytest.fixture(scope="module")
def delays(uninterrupted):
    """Instants after the run's first line, drawn over its whole length (the same every run)."""
    rng = random.Random(20261127)
    return [rng.uniform(0, uninterrupted[1]) for _ in range(TRIALS)]


@pytest.mark.parametrize("number", range(TRIALS))
def test_a_run_killed_at_a_random_instant_resumes_to_the_same_deliverables(
    tmp_path, uninterrupted, delays, number
):
    expected, _ = uninterrupted
    data_dir = upstream(tmp_path)
    result = trial(data_dir, tmp_path, FLAGS, delays[number], expected)
    assert not result.problem, f"killed {result.delay:.2f} s after the first line: {result.problem}"


def test_the_uninterrupted_run_writes_all_six_deliverables(uninterrupted):
    """What every trial is compared with is the whole set, not an empty or partial one."""
    expected, _ = uninterrupted
    assert {"ml/feature-spec.md", "ml/training_script.py", "ml/experiment-config.yaml",
            "mlops/deployment-config.yaml", "mlops/monitoring-spec.md",
            "mlops/retrain-pipeline.md"} <= expected.keys()  # fmt: skip
