"""Fitting a fresh copy of a pipeline, with a failure said in one line."""

from __future__ import annotations

import pandas as pd
from sklearn.base import clone

from ml_engineer_runtime.errors import ScriptError


def fit(pipeline, X: pd.DataFrame, y: pd.Series):
    """A fresh copy of the pipeline fitted; a failure becomes a one-line error, not a traceback."""
    try:
        return clone(pipeline).fit(X, y)
    except ValueError as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ScriptError(f"training failed on {len(X):,} rows: {first_line}") from None
