"""Which inputs matter: permutation importance on the test part.

Why: permutation importance is the same for every model family and is measured on rows the
model never saw: how much the primary metric falls when one raw input column is shuffled. It is
bounded by counts (rows, columns, cells predicted), not by the clock, so that the same run
measures the same columns on a busy machine as on an idle one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ml_engineer_runtime.metrics import (
    LOWER_IS_BETTER,
    Predictions,
    predict,
    rows_of_predictions,
    score,
)

IMPORTANCE_ROWS = 2000
IMPORTANCE_MIN_ROWS = 200  # a wide table's rows are cut to keep the cells bounded, not below this
IMPORTANCE_REPEATS = 3
IMPORTANCE_TOP = 10
IMPORTANCE_MAX_COLUMNS = 100  # a wider table: the first columns are measured, the rest said
IMPORTANCE_CELLS = 40_000_000  # cells predicted in all (rows x columns x measured x repeats)
IMPORTANCE_CALL_CELLS = 2_000_000  # at most this many cells (rows x columns) in one prediction


def raw_inputs(X: pd.DataFrame, features: dict[str, list[str]], computed=()) -> list[str]:
    """The data's own columns the pipeline reads (with the raw inputs of computed features)."""
    wanted = {column for columns in features.values() for column in columns}
    wanted |= {name for entry in computed for name in entry["inputs"]}
    return [column for column in X.columns if column in wanted]


def permutation_importances(model, X, y, columns, task, primary, positive, seed):
    if len(X) < 10:
        return {"skipped": "the test part has fewer than 10 rows"}
    measured, unmeasured = columns[:IMPORTANCE_MAX_COLUMNS], columns[IMPORTANCE_MAX_COLUMNS:]
    per_row = X.shape[1] * max(len(measured), 1) * IMPORTANCE_REPEATS
    rows = max(IMPORTANCE_MIN_ROWS, min(IMPORTANCE_ROWS, IMPORTANCE_CELLS // per_row))
    if len(X) > rows:
        chosen = np.sort(np.random.default_rng(seed).choice(len(X), rows, replace=False))
        X, y = X.iloc[chosen], y.iloc[chosen]
    sign = -1.0 if primary in LOWER_IS_BETTER else 1.0  # a drop is always "worse" below

    def signed(predictions: Predictions) -> float | None:
        value, _ = score(primary, predictions, task)
        return None if value is None else sign * value

    reference = signed(predict(model, X, y, task, positive))
    if reference is None:
        return {"skipped": f"{primary} cannot be computed on the test part"}
    rng = np.random.default_rng(seed)
    drops = []
    # Why: a prediction has a fixed cost per call (on 1M rows, a target encoder of 600,000
    # categories: 1.2 s). The shuffled copies of several columns are predicted in one call,
    # each scored on its own rows.
    per_call = max(1, IMPORTANCE_CALL_CELLS // (len(X) * X.shape[1] * IMPORTANCE_REPEATS))
    for first in range(0, len(measured), per_call):
        batch = measured[first : first + per_call]
        copies = []
        for column in batch:
            for _ in range(IMPORTANCE_REPEATS):
                shuffled = X.copy()
                shuffled[column] = rng.permutation(shuffled[column].to_numpy())
                copies.append(shuffled)
        stacked_X = pd.concat(copies, ignore_index=True)
        stacked_y = pd.concat([y] * len(copies), ignore_index=True)
        stacked = predict(model, stacked_X, stacked_y, task, positive)
        for number, column in enumerate(batch):
            losses = []
            for repeat in range(IMPORTANCE_REPEATS):
                start = (number * IMPORTANCE_REPEATS + repeat) * len(X)
                value = signed(rows_of_predictions(stacked, slice(start, start + len(X))))
                if value is not None:
                    losses.append(reference - value)
            if losses:
                drops.append((column, float(np.mean(losses)), float(np.std(losses))))
    drops.sort(key=lambda item: item[1], reverse=True)
    result: dict[str, Any] = {
        "method": "permutation", "metric": primary, "part": "test", "rows": len(X),
        "repeats": IMPORTANCE_REPEATS,
        "top": [{"column": c, "drop": round(m, 6), "std": round(d, 6)}
                for c, m, d in drops[:IMPORTANCE_TOP]],
    }  # fmt: skip
    if unmeasured:
        result["not_measured"] = (
            f"{len(unmeasured)} columns: only the first {IMPORTANCE_MAX_COLUMNS} are measured"
        )
    return result
