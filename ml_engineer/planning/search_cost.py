"""How long one fit of a candidate takes, estimated from the data's shape alone.

Why: the script's search is bounded by counts written in experiment-config.yaml (folds,
alternatives, the blend, random draws), never by the clock, so that reruns choose alike on a
busy machine and an idle one. The planner sizes those counts with this estimate so that the
search stays near SEARCH_TARGET_S on a 2-core machine. The figures are fits measured with one
thread (scikit-learn 1.8, LightGBM 4.6), rounded up: an estimate too high costs a candidate, one
too low costs the user's time. Digits (1,797 rows, 64 pixels, 10 classes): the default
histogram gradient boosting took 5.7 s a fit, LightGBM 1.4 s, extra-trees 0.6 s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ml_engineer_runtime.search import random_draws

from ml_engineer.models import ModelSection

SEARCH_TARGET_S = 7.0


@dataclass(frozen=True)
class DataShape:
    """What a fit's cost depends on: rows fitted, input columns, whether it classifies, and
    classes (1 unless the task is multiclass: boosting grows a tree per class and iteration)."""

    rows: int
    columns: int
    classification: bool = False
    classes: int = 1

    @property
    def cells(self) -> float:
        """Rows times columns, in millions."""
        return self.rows * self.columns / 1e6


def fit_seconds(model: ModelSection, shape: DataShape) -> float:
    """Seconds one fit of `model` takes on `shape`, rounded up (a blend: its members')."""
    params, kind = model.params, model.type
    if kind == "hist_gradient_boosting":
        share = params.get("max_iter", 500) / 500
        per_class = 0.1 + 0.01 * shape.columns + 3 * shape.cells
        return shape.classes * share * per_class
    if kind in ("lightgbm", "xgboost"):
        share = params.get("n_estimators", 700) / 700
        # Measured with 7 leaves; 63 leaves took 4.5 times as long.
        leaves = (params.get("num_leaves", 2 ** params.get("max_depth", 3)) / 7) ** 0.7
        per_class = 0.03 + 0.005 * shape.columns + 3 * shape.cells
        return shape.classes * share * leaves * per_class
    if kind in ("extra_trees", "random_forest"):
        share = params.get("n_estimators", 300) / 300
        # Splits try max_features of the columns: by default sqrt(columns) for a classifier,
        # all of them for a regressor.
        fraction = params.get("max_features")
        if isinstance(fraction, float):
            tried = max(1.0, fraction * shape.columns)
        else:
            tried = math.sqrt(shape.columns) if shape.classification else shape.columns
        rows = max(shape.rows, 2)
        return 0.2 + share * 6e-6 * rows * math.log(rows) * tried
    return 0.05 + 2 * shape.cells  # a linear model


def search_seconds(
    candidates: list[ModelSection],
    shape: DataShape,
    fits: int,
    blend: bool,
    draws: int,
    seed: int = 42,
) -> float:
    """The whole search: every candidate `fits` times (the folds), the blend of the two best
    and `draws` random draws of the best family. Which two blend and which family leads are
    not known before the run: the two slowest families, and the draws of the one whose draws
    are slowest, are counted. The draws are the script's own (`random_draws`, same seed)."""
    costs = sorted((fit_seconds(c, shape) for c in candidates), reverse=True)
    total = sum(costs) + (sum(costs[:2]) if blend and len(costs) >= 2 else 0.0)
    if draws:
        total += max(_draws_seconds(c, shape, draws, seed) for c in candidates)
    return fits * total


def _draws_seconds(model: ModelSection, shape: DataShape, count: int, seed: int) -> float:
    """One fit of each of the first `count` random draws of `model`'s family."""
    base = {"type": model.type, "params": dict(model.params)}
    drawn = random_draws(base, count, seed)
    return sum(fit_seconds(model.model_copy(update={"params": d["params"]}), shape) for d in drawn)
