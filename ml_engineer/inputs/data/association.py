"""The single-column leakage screen: how well each column alone predicts the target.

Every score is cross-fitted on two halves of the rows (seed 0), so a column with many distinct
values cannot look predictive by chance. The methods are described on `facts.dataset_facts`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml_engineer.inputs.data.series import SAMPLE_SEED, as_float, integer_valued, is_numeric

MAX_BINS = 10  # quantile bins for a numeric column in the leakage screen


def labels(series: pd.Series) -> pd.Series:
    """A column's values as category codes, missing values as a level of their own."""
    codes, _ = pd.factorize(series, use_na_sentinel=True)
    return pd.Series(codes, index=series.index)


def binned(values: pd.Series) -> pd.Series:
    """A numeric column cut into up to MAX_BINS quantile bins (missing = its own bin)."""
    numbers = as_float(values)
    if numbers.nunique(dropna=True) <= MAX_BINS:
        return labels(numbers)
    try:
        bins = pd.qcut(numbers, q=MAX_BINS, labels=False, duplicates="drop")
    except ValueError:
        return labels(numbers)
    return pd.Series(np.where(bins.isna(), -1, bins), index=values.index)


def folds(n: int) -> np.ndarray:
    rng = np.random.default_rng(SAMPLE_SEED)
    fold = np.zeros(n, dtype=np.int8)
    fold[rng.permutation(n)[: n // 2]] = 1
    return fold


def cross_fitted_purity(groups: pd.Series, y: pd.Series, fold: np.ndarray) -> float:
    """Accuracy of predicting each row's class as the majority class of its group in the other
    half of the rows (unseen group: the overall majority), rescaled so that always predicting
    the majority class is 0 and perfect prediction is 1. Never below 0."""
    frame = pd.DataFrame({"g": groups.to_numpy(), "y": y.to_numpy(), "f": fold})
    majority = y.value_counts().index[0]
    base = float((y == majority).mean())
    if base >= 1.0:
        return 0.0
    correct = 0
    for f in (0, 1):
        train = frame[frame["f"] != f]
        test = frame[frame["f"] == f]
        if train.empty or test.empty:
            continue
        counts = train.groupby(["g", "y"], sort=False).size().reset_index(name="n")
        counts = counts.sort_values(["g", "n"], ascending=[True, False], kind="stable")
        best = counts.drop_duplicates("g").set_index("g")["y"]
        predicted = test["g"].map(best)
        predicted = predicted.where(predicted.notna(), majority)
        correct += int((predicted.to_numpy() == test["y"].to_numpy()).sum())
    accuracy = correct / len(frame)
    return float(min(1.0, max(0.0, (accuracy - base) / (1.0 - base))))


def roc_auc(score: pd.Series, positive: pd.Series) -> float | None:
    """ROC AUC of `score` for the boolean `positive`, ties counted half (rank formula)."""
    mask = score.notna().to_numpy()
    s = score.to_numpy()[mask]
    p = positive.to_numpy()[mask].astype(bool)
    n_pos = int(p.sum())
    n_neg = int(len(p) - n_pos)
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = pd.Series(s).rank(method="average").to_numpy()
    return float((ranks[p].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def cross_fitted_rate(groups: pd.Series, target: pd.Series, fold: np.ndarray) -> pd.Series:
    """Each row's target mean within its group, learned on the other half of the rows."""
    frame = pd.DataFrame({"g": groups.to_numpy(), "t": target.to_numpy(dtype=float), "f": fold})
    out = np.full(len(frame), np.nan)
    overall = float(frame["t"].mean())
    for f in (0, 1):
        train = frame[frame["f"] != f]
        means = train.groupby("g", sort=False)["t"].mean()
        test_mask = frame["f"].to_numpy() == f
        mapped = frame.loc[test_mask, "g"].map(means).to_numpy(dtype=float)
        out[test_mask] = np.where(np.isnan(mapped), overall, mapped)
    return pd.Series(out, index=groups.index)


def abs_corr(a: pd.Series, b: pd.Series) -> float:
    mask = a.notna() & b.notna()
    if mask.sum() < 3:
        return 0.0
    x = a[mask].to_numpy(dtype=float)
    y = b[mask].to_numpy(dtype=float)
    if np.std(x) == 0 or np.std(y) == 0:
        return 0.0
    pearson = abs(float(np.corrcoef(x, y)[0, 1]))
    xr = pd.Series(x).rank().to_numpy()
    yr = pd.Series(y).rank().to_numpy()
    spearman = abs(float(np.corrcoef(xr, yr)[0, 1]))
    best = max(pearson, spearman)
    return 0.0 if np.isnan(best) else min(1.0, best)


def association_screen(
    labelled: pd.DataFrame, target: str, kind: str, notes: list[str]
) -> tuple[dict[str, float], dict[str, str], list[str]]:
    """(association, method, skipped ID columns) for every other column of `labelled` (the rows
    with a target), as `facts.dataset_facts` describes; why a column was not scored is added to
    `notes`."""
    association: dict[str, float] = {}
    methods: dict[str, str] = {}
    skipped: list[str] = []
    y = labelled[target]
    n = len(labelled)
    if n < 4 or y.nunique() < 2:
        notes.append(
            "The association screen was skipped: fewer than 4 rows with a target, or one class."
        )
        return association, methods, skipped
    fold = folds(n)
    y_codes = labels(y)
    binary = kind == "classification" and y.nunique() == 2
    positive = (y_codes == 0) if binary else None
    y_num = as_float(y) if kind == "regression" else None
    for column in labelled.columns:
        if column == target:
            continue
        col = labelled[column]
        if isinstance(col, pd.DataFrame):
            notes.append(f"Column name '{column}' is repeated; it was not screened.")
            continue
        non_null = col.dropna()
        if len(non_null) == 0:
            continue
        if non_null.nunique() == len(labelled) and integer_valued(non_null):
            skipped.append(str(column))
            continue
        if non_null.nunique() == 1 and len(non_null) == n:
            association[str(column)] = 0.0
            methods[str(column)] = "constant"
            continue
        numeric = is_numeric(col) or pd.api.types.is_datetime64_any_dtype(col)
        groups = binned(col) if numeric else labels(col)
        if kind == "classification":
            score = cross_fitted_purity(groups, y_codes, fold)
            method = "cross-fitted purity" + (" of quantile bins" if numeric else "")
            if binary:
                rate = as_float(col) if numeric else cross_fitted_rate(groups, positive, fold)
                auc = roc_auc(rate, positive)
                if auc is not None and abs(2 * auc - 1) > score:
                    score = abs(2 * auc - 1)
                    method = "ROC AUC as |2*AUC-1|" + (
                        "" if numeric else " of the cross-fitted value rate"
                    )
        else:
            if numeric:
                score = abs_corr(as_float(col), y_num)
                method = "max(|Pearson|, |Spearman|)"
            else:
                rate = cross_fitted_rate(groups, y_num, fold)
                score = abs_corr(rate, y_num)
                method = "correlation of the cross-fitted value mean"
        association[str(column)] = round(float(score), 4)
        methods[str(column)] = method
    return association, methods, skipped
