"""Conversions inside the saved pipeline.

Why: the saved pipeline takes the RAW columns, so parsing is part of it rather than a
preprocessing step someone has to repeat at prediction time. pandas 3 reads text as the `str`
dtype and pandas 2 as `object`; these make both look the same to scikit-learn. They live in an
installed module so that model.joblib, which names them, loads in any process.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import TargetEncoder

BOOLEAN_WORDS = {
    **dict.fromkeys(("1", "1.0", "true", "t", "yes", "y"), 1.0),
    **dict.fromkeys(("0", "0.0", "false", "f", "no", "n"), 0.0),
}
DATE_PARTS_MADE = ("year", "month", "dayofweek", "dayofyear")  # what to_date_parts makes


def to_numbers(X: pd.DataFrame) -> pd.DataFrame:
    """Numbers as floats; anything unreadable becomes missing."""
    return X.apply(pd.to_numeric, errors="coerce").astype(float)


def to_categories(X: pd.DataFrame) -> pd.DataFrame:
    """Categories as plain Python strings in `object` columns, np.nan for missing."""
    return X.astype("string").astype(object).where(X.notna(), np.nan)


def to_booleans(X: pd.DataFrame) -> pd.DataFrame:
    """yes/no, true/false, y/n, t/f and 1/0 (any case) as 1.0/0.0; anything else missing."""
    return X.apply(
        lambda column: column.astype("string").str.strip().str.lower().map(BOOLEAN_WORDS)
    ).astype(float)


def to_date_parts(X: pd.DataFrame) -> pd.DataFrame:
    """Year, month, day of week and day of year of each date column, as floats."""
    parts = {}
    for name in X.columns:
        when = pd.to_datetime(X[name], errors="coerce", utc=True).dt
        parts[f"{name}_year"] = when.year
        parts[f"{name}_month"] = when.month
        parts[f"{name}_dayofweek"] = when.day_of_week
        parts[f"{name}_dayofyear"] = when.day_of_year
    return pd.DataFrame(parts, index=X.index).astype(float)


def date_part_names(transformer: object, names: object) -> list[str]:
    """The names of the columns to_date_parts makes (a FunctionTransformer's feature_names_out)."""
    return [f"{name}_{part}" for name in names for part in DATE_PARTS_MADE]


def to_text(X: pd.Series) -> pd.Series:
    """One text column as strings, missing as empty text (TfidfVectorizer wants 1-D input)."""
    return X.astype("string").fillna("").astype(object)


def target_encoder(task: str, seed: int) -> TargetEncoder:
    """Target encoding, cross-fitted in fit_transform so that no row sees its own target."""
    target_type = {"binary": "binary", "multiclass": "multiclass"}.get(task, "continuous")
    if TargetEncoder().get_params()["random_state"] == "deprecated":  # scikit-learn >= 1.9
        folds = KFold if target_type == "continuous" else StratifiedKFold
        cv = folds(n_splits=5, shuffle=True, random_state=seed)
        return TargetEncoder(target_type=target_type, cv=cv)
    return TargetEncoder(target_type=target_type, shuffle=True, random_state=seed)
