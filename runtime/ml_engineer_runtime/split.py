"""Train, validation and test rows.

Why: the test part is scored once and never used for any choice; the split follows the data's
structure (time order, groups), so that the test score predicts the score on new data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from ml_engineer_runtime.config import time_columns
from ml_engineer_runtime.data import time_order
from ml_engineer_runtime.errors import ScriptError


def holdout(positions, fraction, y, stratify, seed):
    """Split positions into (rest, held out); stratified when asked and possible."""
    if fraction <= 0 or len(positions) == 0:
        return positions, positions[:0]
    labels = y.iloc[positions] if stratify else None
    try:
        return train_test_split(positions, test_size=fraction, random_state=seed, stratify=labels)
    except ValueError as err:
        if labels is None:
            raise ScriptError(f"cannot split {len(positions)} rows: {err}") from None
        print(f"note: stratified split impossible ({err}); splitting at random instead")
        return train_test_split(positions, test_size=fraction, random_state=seed)


def group_holdout(positions, fraction, groups, seed):
    if fraction <= 0 or len(positions) == 0:
        return positions, positions[:0]
    splitter = GroupShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    try:
        rest, held_out = next(splitter.split(positions, groups=groups.iloc[positions]))
    except ValueError as err:
        raise ScriptError(f"cannot split {len(positions)} rows by group: {err}") from None
    return positions[rest], positions[held_out]


def split_rows(
    X: pd.DataFrame, y: pd.Series, split_cfg: dict[str, Any], task: str, seed: int
) -> dict[str, np.ndarray]:
    """The row positions of the train, val and test parts (data.split)."""
    if split_cfg["train"] <= 0 or split_cfg["test"] <= 0 or split_cfg["val"] < 0:
        raise ScriptError("data.split: train and test must both be above 0, and val not below")
    total = split_cfg["train"] + split_cfg["val"] + split_cfg["test"]
    test_share = split_cfg["test"] / total
    val_share = split_cfg["val"] / (split_cfg["train"] + split_cfg["val"])  # of what is left
    strategy = split_cfg["strategy"]
    positions = np.arange(len(X))
    if strategy == "time":
        order = time_order(X, time_columns(split_cfg))
        n_test = max(1, round(len(order) * test_share))
        n_val = round((len(order) - n_test) * val_share)
        rest, test = order[:-n_test], order[-n_test:]
        return {"train": rest[: len(rest) - n_val], "val": rest[len(rest) - n_val :], "test": test}
    if strategy == "group":
        groups = X[split_cfg["group_column"]].astype("string").fillna("<missing>")
        rest, test = group_holdout(positions, test_share, groups, seed)
        train, val = group_holdout(rest, val_share, groups, seed)
        return {"train": train, "val": val, "test": test}
    stratify = strategy == "stratified" and task != "regression"
    rest, test = holdout(positions, test_share, y, stratify, seed)
    train, val = holdout(rest, val_share, y, stratify, seed)
    return {"train": train, "val": val, "test": test}
