"""Derived features: new inputs (a ratio, a log, bins, a date part...) computed inside the pipeline.

Why: new inputs such as a ratio are computed inside the pipeline from the raw columns, so the
saved model still takes the raw columns. Each entry of data.derived names an operation of this
module, never code; what an operation learns (bin edges, how often each value occurs) is learnt
in fit, on the training rows only. Every result is a number: impossible values (a division by
zero, the log of a negative, an unreadable date) become missing, for the imputer to fill.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ml_engineer_runtime.errors import ScriptError

DERIVED_INPUTS = {  # op -> how many input columns it takes
    "ratio": 2,
    "difference": 2,
    "product": 2,
    "days_between": 2,
    "log": 1,
    "bins": 1,
    "date_part": 1,
    "frequency": 1,
    "text_length": 1,
}
ARITHMETIC = {
    "ratio": lambda first, second: first / second,
    "difference": lambda first, second: first - second,
    "product": lambda first, second: first * second,
}
DATE_PARTS = {  # config word -> pandas attribute
    "year": "year",
    "month": "month",
    "day": "day",
    "dayofweek": "day_of_week",
    "dayofyear": "day_of_year",
    "hour": "hour",
    "quarter": "quarter",
}
BINS_RANGE, BINS_DEFAULT = range(2, 21), 5


def derived_problems(entries: Any) -> list[str]:
    """What is wrong with data.derived, one phrase per problem; [] when all can be computed."""
    if not isinstance(entries, list):
        return ["data.derived must be a list"]
    problems, names = [], set()
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            problems.append(f"data.derived[{number}] needs a name")
            continue
        where, op, inputs = f"data.derived {entry['name']!r}", entry.get("op"), entry.get("inputs")
        if entry["name"] in names:
            problems.append(f"{where} is listed twice")
        names.add(entry["name"])
        if not isinstance(op, str) or op not in DERIVED_INPUTS:
            problems.append(f"{where}: unknown op {op!r}; known: {', '.join(DERIVED_INPUTS)}")
            continue
        count = DERIVED_INPUTS[op]
        named = isinstance(inputs, list) and all(isinstance(name, str) for name in inputs)
        if not (named and len(inputs) == count):
            problems.append(f"{where}: {op} takes a list of {count} input column name(s)")
        if op == "date_part" and str(entry.get("part")) not in DATE_PARTS:  # str(): any YAML
            problems.append(f"{where}: part must be one of {', '.join(DATE_PARTS)}")
        bins = entry.get("bins")
        if op == "bins" and bins is not None and (type(bins) is not int or bins not in BINS_RANGE):
            problems.append(f"{where}: bins must be a whole number from 2 to 20")
    return problems


def derived_entries(data_cfg: dict[str, Any]) -> list[dict[str, Any]]:
    entries = data_cfg.get("derived") or []
    problems = derived_problems(entries)
    if problems:
        raise ScriptError("; ".join(problems))
    return entries


def numbers(column: pd.Series) -> pd.Series:
    """Finite floats; anything unreadable, inf included, becomes missing."""
    values = pd.to_numeric(column, errors="coerce").astype(float)
    return values.where(np.isfinite(values))


def dates(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column, errors="coerce", utc=True)


def value_keys(column: pd.Series, numeric: bool) -> pd.Series:
    """Values to count: numbers as floats (so 3 and 3.0 agree), anything else as trimmed text."""
    if numeric:
        return numbers(column)
    text = column.astype("string").str.strip()
    return text.astype(object).where(text.notna(), np.nan)


def bin_edges(values: pd.Series, bins: int) -> list[float]:
    """The inner quantile edges of the training values; tied quantiles merge into one edge."""
    present = values.dropna()
    if present.empty:
        return []
    return sorted({float(edge) for edge in present.quantile(np.linspace(0, 1, bins + 1)[1:-1])})


def bin_index(values: pd.Series, edges: list[float]) -> pd.Series:
    """0 for the lowest bin up to len(edges); values beyond the training range join the end bins."""
    index = np.searchsorted(np.asarray(edges, dtype=float), values.to_numpy(), side="right")
    return pd.Series(index, index=values.index, dtype=float).where(values.notna())


def value_shares(column: pd.Series) -> dict[str, Any]:
    """The share of training rows holding each value (missing values are not a value)."""
    numeric = pd.api.types.is_numeric_dtype(column)
    keys = value_keys(column, numeric)
    shares = keys.value_counts(dropna=True) / max(len(keys), 1)
    return {"numeric": numeric, "shares": {key: float(share) for key, share in shares.items()}}


def derive(entry: dict[str, Any], X: pd.DataFrame, learnt: Any) -> pd.Series:
    """One derived column from the raw input columns of X, as floats."""
    op, columns = entry["op"], [X[name] for name in entry["inputs"]]
    if op in ARITHMETIC:
        values = ARITHMETIC[op](numbers(columns[0]), numbers(columns[1]))
    elif op == "log":
        values = np.log1p(numbers(columns[0]).where(lambda x: x >= 0))
    elif op == "bins":
        values = bin_index(numbers(columns[0]), learnt)
    elif op == "date_part":
        values = getattr(dates(columns[0]).dt, DATE_PARTS[entry["part"]])
    elif op == "days_between":
        values = (dates(columns[1]) - dates(columns[0])).dt.total_seconds() / 86400
    elif op == "frequency":
        keys = value_keys(columns[0], learnt["numeric"])
        values = keys.map(learnt["shares"]).astype(float)
        values = values.where(keys.isna() | values.notna(), 0.0)  # unseen in training: 0
    else:  # text_length
        values = columns[0].astype("string").str.len().fillna(0)
    values = values.astype(float)
    return values.where(np.isfinite(values))  # inf from a division by zero or an overflow


class DerivedFeatures(TransformerMixin, BaseEstimator):  # mixin first, as scikit-learn asks
    """Adds the data.derived columns to the raw frame. fit learns bin edges and value shares.

    `derived` is the config's list, stored as given so that scikit-learn can clone it.
    """

    def __init__(self, derived: list[dict[str, Any]] | None = None):
        self.derived = derived

    def fit(self, X: pd.DataFrame, y: Any = None) -> DerivedFeatures:
        entries = self.checked_input(X, self.derived or [])
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.learnt_ = {}
        for entry in entries:
            column = X[entry["inputs"][0]]
            if entry["op"] == "bins":
                bins = entry.get("bins") or BINS_DEFAULT
                self.learnt_[entry["name"]] = bin_edges(numbers(column), bins)
            elif entry["op"] == "frequency":
                self.learnt_[entry["name"]] = value_shares(column)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "learnt_")
        out = X.copy()
        for entry in self.checked_input(X, self.derived or []):
            # Positional: the new column lines up with X whatever its index (even repeated).
            out[entry["name"]] = derive(entry, X, self.learnt_.get(entry["name"])).to_numpy()
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        names = [*self.feature_names_in_, *(entry["name"] for entry in self.derived or [])]
        return np.asarray(names, dtype=object)

    @staticmethod
    def checked_input(X: Any, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        problems = derived_problems(entries)
        if problems:
            raise ValueError("; ".join(problems))
        if not isinstance(X, pd.DataFrame):
            raise TypeError("DerivedFeatures needs a pandas DataFrame of the raw data columns")
        needed = [name for entry in entries for name in entry["inputs"]]
        missing = [name for name in dict.fromkeys(needed) if name not in X]
        if missing:
            raise ValueError(f"derived features need column(s) missing from the input: {missing}")
        return entries
