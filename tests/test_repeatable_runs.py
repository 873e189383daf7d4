"""The search is bounded by counts, not by the clock: reruns agree, a busy CPU changes nothing.

The same data, config and seed measure the same candidates and choose the same model on any
machine; only the timings differ. A wall-clock cap (search.max_seconds) stops a search that runs
away, and then metrics.json and the console say what was not measured.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest
from script_fixtures import make_config, train

from ml_engineer.models import ModelSection, SearchSection

TIMINGS = {"seconds", "fit_seconds", "total_seconds"}


def without_timings(value: Any) -> Any:
    """metrics.json with every timing left out, at any depth."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMINGS}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def searched_project(folder, max_seconds: float = 600.0):
    rng = np.random.default_rng(11)
    n = 1200
    frame = pd.DataFrame({
        "x1": rng.normal(size=n), "x2": rng.normal(size=n),
        "plan": rng.choice(["basic", "plus", "pro"], n), "member": rng.choice(["yes", "no"], n),
    })  # fmt: skip
    logit = frame.x1 - 0.5 * frame.x2 + (frame.plan == "pro") * 0.8
    frame["churned"] = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "data.csv", index=False)
    config = make_config(
        target="churned", task="binary", positive_class="yes", primary="roc_auc",
        features={"numeric": ["x1", "x2"], "categorical": ["plan"], "boolean": ["member"]},
        model_type="hist_gradient_boosting", params={"max_iter": 60},
    )  # fmt: skip
    config.search = SearchSection(
        folds=3, n_iter=2, blend_top=2, max_seconds=max_seconds,
        alternatives=[ModelSection(type="logistic_regression", params={"C": 1.0}),
                      ModelSection(type="extra_trees", params={"n_estimators": 60}),
                      ModelSection(type="lightgbm", params={"n_estimators": 80})],
    )  # fmt: skip
    return config


@pytest.mark.slow
def test_a_busy_cpu_changes_nothing_but_the_timings(tmp_path):
    config = searched_project(tmp_path / "idle")
    idle = train(tmp_path / "idle", config)
    assert idle.process.returncode == 0, idle.process.stderr
    # Two spinning processes on a 2-core machine: every fit of the second run is slower.
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        config.data.path = str(tmp_path / "idle" / "data.csv")
        busy = train(tmp_path / "busy", config)
    finally:
        for spinner in spinners:
            spinner.kill()
    assert busy.process.returncode == 0, busy.process.stderr
    tried = idle.metrics["search"]["tried"]
    assert len(tried) == 7 and all(t["score"] is not None for t in tried)  # 4 + blend + 2 draws
    assert without_timings(busy.metrics) == without_timings(idle.metrics)
    assert busy.metrics["total_seconds"] != idle.metrics["total_seconds"]  # timings do differ


@pytest.mark.slow
def test_a_runaway_search_is_cut_and_says_what_it_did_not_measure(tmp_path):
    config = searched_project(tmp_path, max_seconds=0.001)  # any search runs past this cap
    run = train(tmp_path, config)
    assert run.process.returncode == 0, run.process.stderr
    search = run.metrics["search"]
    first, *rest = search["tried"]
    assert first["score"] is not None  # the planned model is always measured
    assert rest and all(t["skipped"] == "the search's 0 s cap was reached" for t in rest)
    assert search["cut"]["not_measured"] == [t["label"] for t in rest]
    assert run.metrics["model_type"] == "hist_gradient_boosting"
    said = f"reached its 0 s cap (search.max_seconds) and did not measure {len(rest)} candidate"
    assert said in run.process.stdout
