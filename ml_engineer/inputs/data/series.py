"""What the data modules share: how many rows they look at, and numeric views of a column."""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_FACT_ROWS = 200_000  # dataset_facts samples beyond this many rows
SAMPLE_SEED = 0  # the row sample and the two halves of the leakage screen are reproducible


def is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def as_float(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        epoch = pd.Timestamp("1970-01-01", tz=getattr(series.dt, "tz", None))
        return ((series - epoch) / pd.Timedelta(seconds=1)).astype("float64")
    return pd.to_numeric(series, errors="coerce").astype("float64")


def integer_valued(series: pd.Series) -> bool:
    if not is_numeric(series):
        return True
    values = as_float(series).dropna()
    return bool(len(values)) and bool(np.all(np.isclose(values, np.round(values))))
