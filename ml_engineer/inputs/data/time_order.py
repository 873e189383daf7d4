"""Time order: whether a column reads as dates, and whether the rows are sorted by it."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from ml_engineer.inputs.data.series import MAX_FACT_ROWS, as_float, is_numeric


class TimeOrder(BaseModel):
    """Whether a column reads as dates, and how sorted the rows already are by it."""

    column: str
    parses_as_dates: bool = Field(description="True when >= 95% of non-null values parse.")
    parsed_fraction: float = Field(description="Share of non-null values that parse as dates.")
    sorted_fraction: float = Field(
        description="Share of consecutive parsed values (in row order) that do not go backwards; "
        "1.0 means the rows are already in time order, about 0.5 means shuffled."
    )
    first: str | None = None
    last: str | None = None


_YEAR_MIN, _YEAR_MAX = 1800, 2200


def parse_dates(series: pd.Series) -> pd.Series:
    """Dates parsed from a column, NaT where a value does not parse. Numbers count as dates
    only as years (1800..2200) or yyyymmdd integers, never as epoch offsets."""
    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is not None:
            return series.dt.tz_convert("UTC").dt.tz_localize(None)
        return series
    if pd.api.types.is_bool_dtype(series):
        return pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    if is_numeric(series):
        numbers = as_float(series)
        whole = numbers.notna() & np.isclose(numbers.fillna(0.5), np.round(numbers.fillna(0.5)))
        years = whole & numbers.between(_YEAR_MIN, _YEAR_MAX)
        if years.sum() >= 0.95 * numbers.notna().sum():
            text = numbers.where(years).map(lambda v: f"{int(v)}" if v == v else None)
            return pd.to_datetime(text, format="%Y", errors="coerce")
        ymd = whole & numbers.between(_YEAR_MIN * 10000 + 101, _YEAR_MAX * 10000 + 1231)
        text = numbers.where(ymd).map(lambda v: f"{int(v)}" if v == v else None)
        return pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    text = series.astype("string").str.strip()
    numeric_text = text.str.fullmatch(r"[-+]?\d+(?:\.\d+)?", na=False)
    year_like = text.str.fullmatch(r"\d{4}|\d{8}", na=False)
    text = text.where(~numeric_text | year_like)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # utc=True: one time axis even when values carry different offsets.
        parsed = pd.to_datetime(text, errors="coerce", utc=True)
        if parsed.notna().sum() < 0.95 * text.notna().sum():
            try:
                mixed = pd.to_datetime(text, errors="coerce", format="mixed", utc=True)
            except (ValueError, TypeError):
                mixed = parsed
            if mixed.notna().sum() > parsed.notna().sum():
                parsed = mixed
    return parsed.dt.tz_localize(None)


def is_monotonic_in_time(df: pd.DataFrame, column: str) -> TimeOrder:
    """Whether `column` reads as dates (>= 95% of its non-null values parse) and the share of
    consecutive rows (first 200,000, in file order) whose dates do not go backwards."""
    series = df[column].iloc[:MAX_FACT_ROWS]
    non_null = int(series.notna().sum())
    if non_null == 0:
        return TimeOrder(
            column=column, parses_as_dates=False, parsed_fraction=0.0, sorted_fraction=0.0
        )
    try:
        parsed = parse_dates(series)
    except (ValueError, TypeError, OverflowError):
        parsed = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    ok = parsed.dropna()
    fraction = len(ok) / non_null
    if len(ok) >= 2:
        values = ok.to_numpy()
        sorted_fraction = float(np.mean(values[1:] >= values[:-1]))
    else:
        sorted_fraction = 0.0
    return TimeOrder(
        column=column,
        parses_as_dates=fraction >= 0.95,
        parsed_fraction=round(fraction, 4),
        sorted_fraction=round(sorted_fraction, 4),
        first=str(ok.min()) if len(ok) else None,
        last=str(ok.max()) if len(ok) else None,
    )
