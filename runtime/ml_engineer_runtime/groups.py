"""Results per group of a protected attribute.

Why: a model can score well overall and badly for one group. For each protected attribute
(data.protected: sex, race, age, ..., an input or not) the test part is scored per group, with
how often the model predicts the positive class (or its mean prediction) beside how often it is
so, so that the person approving sees whom the model serves less well.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ml_engineer_runtime.metrics import Predictions, rows_of_predictions, score

GROUP_MIN_ROWS = 10  # a group with fewer test rows is reported, but too small to judge
GROUP_MOST = 12  # groups shown per attribute; the rarer values together as "(other)"
GROUP_VALUES = 10  # a number with more distinct values than this is cut into bands
AGE_BANDS = [25, 35, 45, 55, 65]  # under 25, 25-34, ..., 55-64, 65+


def set_aside(X: pd.DataFrame, names: list[str], model_columns: list[str]):
    """X without the protected columns the model does not use (so model.joblib never takes
    them), and the protected columns present, for the report."""
    present = [name for name in dict.fromkeys(names) if name in X.columns]
    unused = [name for name in present if name not in model_columns]
    return X.drop(columns=unused), X[present].copy()


def looks_like_age(name: str) -> bool:
    # `age`, `ages`, `age80`, and `agew` / `ageh` (the wife's, the husband's)
    return re.search(r"(?<![a-z])age(s|w|h)?(?![a-z])", name.lower()) is not None


def quantile_edges(numbers: pd.Series) -> list[float]:
    """The quartiles, rounded to two significant digits so that the bands read well."""
    inner = numbers.dropna().quantile([0.25, 0.5, 0.75])
    return sorted({float(f"{edge:.2g}") for edge in inner})


def readable(number: float) -> str:
    """23000 as "23,000", 1.5 as "1.5": no exponent, as a person writes it."""
    return f"{int(number):,}" if float(number).is_integer() else f"{number:,.6g}"


def band_labels(numbers: pd.Series, edges: list[float], years: bool) -> tuple[pd.Series, list[str]]:
    """Each number's band, and the bands in order: "under 25", "25-34", ..., "65+" for whole
    years; else "under 16,000", "16,000-23,000" (16,000 to under 23,000), ..., "31,000+"."""
    whole = years and bool((numbers.dropna() % 1 == 0).all())
    names = [f"under {readable(edges[0])}"]
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        top = high - 1 if whole and high - 1 > low else high
        names.append(f"{readable(low)}-{readable(top)}")
    names.append(f"{readable(edges[-1])}+")
    index = np.searchsorted(np.asarray(edges, dtype=float), numbers.to_numpy(), side="right")
    labels = pd.Series(np.asarray(names, dtype=object)[index], index=numbers.index)
    return labels.where(numbers.notna()), names


def group_labels(values: pd.Series, name: str) -> tuple[pd.Series, list[str], str]:
    """Each row's group as text, the groups in the order to show them, and how they were
    made: by value (the most common first), or in bands for a number with many values (age
    bands for an age, else quartiles). Missing values are a group of their own."""
    numbers = pd.to_numeric(values, errors="coerce")
    present = values.notna()
    numeric = bool(present.any()) and bool(numbers[present].notna().all())
    if numeric and numbers.nunique() > GROUP_VALUES:
        age = looks_like_age(name) and numbers.min() >= 0 and numbers.max() <= 120
        edges = [float(edge) for edge in AGE_BANDS] if age else quantile_edges(numbers)
        labels, order = band_labels(numbers, edges, years=age)
        how = "age bands" if age else "quartile bands"
    else:
        if numeric:  # a code such as 0/1: "1", not "1.0"
            labels = numbers.map(readable, na_action="ignore")
        else:
            text = values.astype("string").str.strip()
            labels = text.astype(object).where(text.notna() & (text != ""), None)
        order, how = list(labels.value_counts().index[:GROUP_MOST]), "values"
        labels = labels.where(labels.isna() | labels.isin(order), "(other)")
    labels = labels.astype(object).where(labels.notna(), "(missing)")
    return labels, [*order, "(other)", "(missing)"], how


def group_scores(predictions: Predictions, task: str, primary: str) -> dict[str, Any]:
    """One group's rows, primary metric, and prediction beside the truth: the positive rate
    (binary, at the model's decision threshold), the mean (regression), or the accuracy and
    each class's share (multiclass)."""
    value, problem = score(primary, predictions, task)
    found: dict[str, Any] = {"rows": len(predictions.y_true), "score": value}
    if problem:
        found["no_score"] = problem
    if len(predictions.y_true) < GROUP_MIN_ROWS:
        found["too_few_rows"] = True
    truth, predicted = predictions.y_true, predictions.y_pred
    if task == "binary":
        found["predicted_positive"] = float(np.mean(predicted == predictions.positive))
        found["actual_positive"] = float(np.mean(truth == predictions.positive))
    elif task == "regression":
        found["mean_predicted"] = float(np.mean(predicted))
        found["mean_actual"] = float(np.mean(truth))
    else:
        found["accuracy"] = float(np.mean(predicted == truth))
        found["predicted_shares"] = {c: float(np.mean(predicted == c)) for c in predictions.classes}
        found["actual_shares"] = {c: float(np.mean(truth == c)) for c in predictions.classes}
    return found


def results_by_group(predictions: Predictions, protected: pd.DataFrame, test: np.ndarray,
                     names: list[str], task: str, primary: str) -> dict[str, Any]:  # fmt: skip
    """metrics.json's "groups": per protected attribute, per group of the test part.
    `protected`: the attributes on all rows (bands are cut on them all); `test`: the positions
    of the test rows, in the order of `predictions`."""
    columns: dict[str, Any] = {}
    for name in dict.fromkeys(names):
        if name not in protected.columns:
            columns[name] = {"skipped": "not in the data"}
            continue
        labels, order, how = group_labels(protected[name], name)
        labels = labels.iloc[test]
        groups = []
        for label in order:
            rows = (labels == label).to_numpy()
            if rows.any():
                part = rows_of_predictions(predictions, rows)
                groups.append({"group": label, **group_scores(part, task, primary)})
        columns[name] = {"grouped_by": how, "groups": groups}
    return {"part": "test", "metric": primary, "min_rows": GROUP_MIN_ROWS,
            "positive_class": predictions.positive, "columns": columns}  # fmt: skip


def print_groups(report: dict[str, Any], task: str) -> None:
    """A short table: one line per group of each protected attribute."""
    metric = report["metric"]
    beside = {"binary": "predicted positive vs actual", "regression": "mean prediction vs actual",
              "multiclass": "accuracy"}[task]  # fmt: skip
    print(f"Per group of the protected attributes, on test ({metric}; {beside}):")
    for name, found in report["columns"].items():
        if "skipped" in found:
            print(f"  {name!r}: {found['skipped']}")
        for group in found.get("groups", []):
            value = "n/a" if group["score"] is None else f"{group['score']:.4f}"
            if task == "binary":
                said = f"{group['predicted_positive']:.1%} vs {group['actual_positive']:.1%}"
            elif task == "regression":
                said = f"{group['mean_predicted']:.4g} vs {group['mean_actual']:.4g}"
            else:
                said = f"{group['accuracy']:.1%}"
            small = " (too few rows to judge)" if group.get("too_few_rows") else ""
            print(f"  {name!r} = {group['group']}: {group['rows']:,} rows, {metric} {value}, "
                  f"{said}{small}")  # fmt: skip
