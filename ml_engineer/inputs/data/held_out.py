"""The rows the training script will hold out as its test part, found as the script finds them.

Every check the planner runs on the data (the leak screens above all) looks only at the other
rows: a column excluded because of a figure measured on the test part would make the test score
a choice made on the test part. The split is the script's own (`split_rows` in
`training_script.py.j2`: the same target cleaning, seed and scikit-learn calls), and a test holds
the two to the same rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit, train_test_split

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
    labelled, y = frame.iloc[present], y.iloc[present]
    if len(labelled) < 2:
        return labelled
    test = _test_positions(labelled.reset_index(drop=True), _labels(y, task), split, seed)
    keep = np.ones(len(labelled), dtype=bool)
    keep[test] = False
    return labelled.iloc[keep]


def _labels(y: pd.Series, task: str) -> pd.Series:
    """The target as the script compares it: class labels as stripped strings."""
    y = y.reset_index(drop=True)
    if task == "regression":
        return y
    if pd.api.types.is_float_dtype(y) and (y == y.round()).all():
        y = y.astype("int64")
    return y.astype(str).str.strip().astype(object)


def _test_positions(X: pd.DataFrame, y: pd.Series, split: SplitPlan, seed: int) -> np.ndarray:
    total = split.train + split.val + split.test
    test_share = split.test / total
    positions = np.arange(len(X))
    if split.strategy == "time" and split.time_column in X.columns:
        columns = [c for c in [split.time_column, *split.time_parts] if c in X.columns]
        order = _time_order(X, columns)
        n_test = max(1, round(len(order) * test_share))
        return order[-n_test:]
    if split.strategy == "group" and split.group_column in X.columns:
        groups = X[split.group_column].astype("string").fillna("<missing>")
        splitter = GroupShuffleSplit(n_splits=1, test_size=test_share, random_state=seed)
        try:
            _, held_out = next(splitter.split(positions, groups=groups))
        except ValueError:
            return positions[:0]
        return positions[held_out]
    stratify = y if split.strategy == "stratified" and y.dtype == object else None
    try:
        _, held_out = train_test_split(
            positions, test_size=test_share, random_state=seed, stratify=stratify
        )
    except ValueError:
        _, held_out = train_test_split(positions, test_size=test_share, random_state=seed)
    return held_out


def _time_order(X: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Row positions from oldest to newest by the time columns in order; unreadable times
    first (the script's `time_order`)."""
    keys = pd.DataFrame(
        {n: _time_key(X[name].reset_index(drop=True), n == 0) for n, name in enumerate(columns)}
    )
    return keys.sort_values(list(keys.columns), kind="stable", na_position="first").index.to_numpy()


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _time_key(values: pd.Series, first: bool) -> pd.Series:
    """Values that sort in time order, read as the script's `time_key` reads them: numbers
    (also written as text), a date in the first column, a month's name or a trailing number
    ("Q3") in a finer part."""
    if pd.api.types.is_numeric_dtype(values):
        return values
    text = values.astype("string").str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.notna().sum() == text.notna().sum():
        return numbers
    if first:
        return pd.to_datetime(values, errors="coerce", utc=True)
    months = text.str.lower().str[:3].map(dict(zip(_MONTHS, range(1, 13), strict=True)))
    if months.notna().sum() == text.notna().sum():
        return months.astype(float)
    return pd.to_numeric(text.str.extract(r"(\d+)\D*$")[0], errors="coerce")
