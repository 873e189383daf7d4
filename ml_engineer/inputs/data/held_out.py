"""The rows the training script will hold out as its test part, found as the script finds them.

Every check the planner runs on the data (the leak screens above all) looks only at the other
rows: a column excluded because of a figure measured on the test part would make the test score
a choice made on the test part. The split is the script's own: ml_engineer_runtime's
`prepare_target` and `split_rows`, which the generated script calls with the same seed.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pandas as pd
from ml_engineer_runtime.data import prepare_target
from ml_engineer_runtime.errors import ScriptError
from ml_engineer_runtime.split import split_rows

from ml_engineer.models import SplitPlan


def outside_test(
    frame: pd.DataFrame, target: str, split: SplitPlan, task: str, seed: int
) -> pd.DataFrame:
    """The rows with a target that the script's split keeps out of the test part (train and
    validation), in their original order."""
    y = frame[target]
    if task == "regression":
        y = pd.to_numeric(y, errors="coerce").astype(float)
    present = y.notna().to_numpy()  # by position: a repeated index must not repeat rows
    labelled = frame.iloc[present]
    if len(labelled) < 2:
        return labelled
    X, y, _ = prepare_target(labelled.reset_index(drop=True), target, task)
    keep = np.ones(len(labelled), dtype=bool)
    keep[_test_positions(X, y, split, task, seed)] = False
    return labelled.iloc[keep]


def _test_positions(
    X: pd.DataFrame, y: pd.Series, split: SplitPlan, task: str, seed: int
) -> np.ndarray:
    """The script's test rows; none when its split would stop (the script says why then)."""
    cfg = split.model_dump()
    # A split column the data lacks stops the script; the screens still see every row but
    # those a random split of the same shares would test.
    named = [split.time_column, *split.time_parts] if split.strategy == "time" else []
    if split.strategy == "group":
        named = [split.group_column]
    if any(name not in X.columns for name in named):
        cfg["strategy"] = "random"
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the script's notes, not the planner's
            return split_rows(X, y, cfg, task, seed)["test"]
    except ScriptError:
        return np.arange(0)
