"""Metrics by the names written in the config, predictions, cross-validation.

Why: every score comes from sklearn.metrics by the name written in the config; a metric that
cannot be computed on a part (say, one class only) is reported as null with the reason. The
training scripts of every framework score with these, so their metrics.json files agree.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    mean_absolute_percentage_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import label_binarize

REGRESSION_METRICS = {"rmse", "mae", "r2", "mape"}
LOWER_IS_BETTER = {"rmse", "mae", "log_loss", "mape"}
ALIASES = {"auc": "roc_auc", "macro_f1": "f1_macro", "pr_auc": "average_precision"}


class Predictions(NamedTuple):
    y_true: np.ndarray
    y_pred: np.ndarray
    proba: np.ndarray | None  # classification: one column per class, in `classes` order
    classes: list[str]
    positive: str | None  # binary tasks only


def averaging(p: Predictions) -> dict[str, Any]:
    """The positive class for a binary task, the macro average over classes otherwise."""
    if p.positive is not None:
        return {"pos_label": p.positive, "average": "binary", "zero_division": 0}
    return {"average": "macro", "zero_division": 0}


def roc_auc(p: Predictions) -> float:
    if p.positive is not None:
        return roc_auc_score(p.y_true == p.positive, p.proba[:, p.classes.index(p.positive)])
    return roc_auc_score(p.y_true, p.proba, multi_class="ovr", average="macro", labels=p.classes)


def average_precision(p: Predictions) -> float:
    if p.positive is not None:
        scores = p.proba[:, p.classes.index(p.positive)]
        return average_precision_score(p.y_true == p.positive, scores)
    truth = label_binarize(p.y_true, classes=p.classes)
    return average_precision_score(truth, p.proba, average="macro")


METRICS = {
    "roc_auc": roc_auc,
    "average_precision": average_precision,
    "f1": lambda p: f1_score(p.y_true, p.y_pred, **averaging(p)),
    "f1_macro": lambda p: f1_score(p.y_true, p.y_pred, average="macro", zero_division=0),
    "precision": lambda p: precision_score(p.y_true, p.y_pred, **averaging(p)),
    "recall": lambda p: recall_score(p.y_true, p.y_pred, **averaging(p)),
    "accuracy": lambda p: accuracy_score(p.y_true, p.y_pred),
    "balanced_accuracy": lambda p: balanced_accuracy_score(p.y_true, p.y_pred),
    "log_loss": lambda p: log_loss(p.y_true, p.proba, labels=p.classes),
    "rmse": lambda p: root_mean_squared_error(p.y_true, p.y_pred),
    "mae": lambda p: mean_absolute_error(p.y_true, p.y_pred),
    "r2": lambda p: r2_score(p.y_true, p.y_pred),
    "mape": lambda p: mean_absolute_percentage_error(p.y_true, p.y_pred),
}


def metric_name(name: str) -> str:
    name = str(name).strip().lower()
    return ALIASES.get(name, name)


def metric_problem(name: str, task: str) -> str | None:
    """Why `name` cannot be computed for this task at all, or None if it can."""
    if name not in METRICS:
        return f"unknown metric; known: {', '.join(METRICS)}"
    if (name in REGRESSION_METRICS) != (task == "regression"):
        return f"not a {task} metric"
    return None


def predict(estimator, X: pd.DataFrame, y: pd.Series, task: str, positive: str | None):
    if isinstance(estimator, Pipeline) and len(estimator) > 1:
        # The inputs transformed once for both predictions below, not once each (what
        # pipeline.predict does): the encoding of 150,000 rows took half of scoring them.
        X, estimator = estimator[:-1].transform(X), estimator[-1]
    if task == "regression":
        return Predictions(y.to_numpy(), estimator.predict(X), None, [], None)
    classes = [str(label) for label in estimator.classes_]
    proba = estimator.predict_proba(X)
    return Predictions(y.to_numpy(), estimator.predict(X), proba, classes, positive)


def rows_of_predictions(p: Predictions, rows: slice | np.ndarray) -> Predictions:
    proba = None if p.proba is None else p.proba[rows]
    return p._replace(y_true=p.y_true[rows], y_pred=p.y_pred[rows], proba=proba)


def score(name: str, predictions: Predictions, task: str) -> tuple[float | None, str | None]:
    problem = metric_problem(name, task)
    if problem:
        return None, problem
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", UndefinedMetricWarning)
            value = float(METRICS[name](predictions))
    except (ValueError, IndexError, UndefinedMetricWarning) as err:
        return None, str(err).splitlines()[0] if str(err) else type(err).__name__
    if not np.isfinite(value):
        return None, "not defined on this part"
    return value, None


def evaluate(estimator, X, y, names, task, positive):
    """Scores by metric name (None for an empty part), and why each missing score is missing."""
    if len(X) == 0:
        return None, {}
    return evaluate_predictions(predict(estimator, X, y, task, positive), names, task)


def evaluate_predictions(
    predictions: Predictions, names: list[str], task: str
) -> tuple[dict[str, float | None], dict[str, str]]:
    """Scores by metric name of `predictions`, however they were made (a Spark script collects
    its model's from a DataFrame), and why each missing score is missing."""
    scores, problems = {}, {}
    for name in names:
        scores[name], problem = score(name, predictions, task)
        if problem:
            problems[name] = problem
    return scores, problems


def cross_validate(pipeline, X, y, split_cfg, task, primary, positive, seed):
    """k-fold score of the primary metric on train+val: a steadier estimate on small data."""
    folds = split_cfg.get("cv_folds")
    if not folds:
        return None
    strategy = split_cfg["strategy"]
    groups = None
    if strategy == "time":
        splitter = TimeSeriesSplit(n_splits=folds)  # X is in time order: folds only look ahead
    elif strategy == "group":
        splitter = GroupKFold(n_splits=folds)
        groups = X[split_cfg["group_column"]].astype("string").fillna("<missing>")
    elif strategy == "stratified" and task != "regression":
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    else:
        splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    result = {"folds": folds, "splitter": type(splitter).__name__, "metric": primary}
    scores, problems = [], []
    try:
        for train, test in splitter.split(X, y, groups):
            fold_model = clone(pipeline).fit(X.iloc[train], y.iloc[train])
            predictions = predict(fold_model, X.iloc[test], y.iloc[test], task, positive)
            value, problem = score(primary, predictions, task)
            scores.append(value)
            if problem:
                problems.append(problem)
    except ValueError as err:
        return {**result, "scores": [], "mean": None, "std": None, "error": str(err)}
    valid = [value for value in scores if value is not None]
    return {
        **result,
        "scores": scores,
        "mean": float(np.mean(valid)) if valid else None,
        "std": float(np.std(valid)) if valid else None,
        "error": "; ".join(dict.fromkeys(problems)) or None,
    }


def beats(model_score: float | None, baseline_score: float | None, metric: str) -> bool:
    if model_score is None or baseline_score is None:
        return False
    if metric in LOWER_IS_BETTER:
        return model_score < baseline_score
    return model_score > baseline_score
