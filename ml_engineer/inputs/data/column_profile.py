"""Profiling, from the data, the columns the analyst's profile lacks.

The data wins over the profile: a column the export holds but the profile does not (added
after profiling, or left out) is measured here the way a profiler would, so the goal can name
it and the planner decides on it like on any other column. Counts are taken on every row (the
planner compares them with the row count); what needs parsing (the kind, the statistics, text
lengths) is measured on a sample of big frames. Values are untrusted: kept as short text only.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from ml_engineer.inputs.data.facts import value_key
from ml_engineer.inputs.data.kind_rules import (
    DATE_SHARE,
    MAX_VALUE_CHARS,
    NUMERIC_SHARE,
    SAMPLE_VALUES,
    TEXT_MEAN_LENGTH,
    TEXT_MIN_DISTINCT,
    TIME_WORDS,
    TOP_VALUES,
)
from ml_engineer.inputs.data.series import MAX_FACT_ROWS, SAMPLE_SEED, as_float, is_numeric
from ml_engineer.inputs.data.shapes import column_shape
from ml_engineer.models import ColumnKind, ColumnProfile, DataProfile, NumericStats, TopValue
from ml_engineer.models.profile import ABSENT_FROM_DATA, PROFILED_FROM_DATA

DATE_PROBE = 1_000  # values tried as dates: enough to tell, cheap on a wide frame


def add_data_columns(profile: DataProfile, frame: pd.DataFrame) -> DataProfile:
    """The profile made to list the data's columns, before the goal is decided on it: a column,
    measured on `frame` and flagged `profiled_from_data`, for each data column the profile
    lacks; and the `absent_from_data` flag on each profile column the data lacks (so the goal
    is looked for among the data's columns first). The profile itself when they agree."""
    present = {str(name) for name in frame.columns}
    known = set(profile.column_names)
    missing = [name for name in frame.columns if str(name) not in known]
    absent = [c.name for c in profile.columns if c.name not in present]
    if not missing and not absent:
        return profile
    profile = profile.model_copy(deep=True)
    for col in profile.columns:
        if col.name in absent and ABSENT_FROM_DATA not in col.flags:
            col.flags.append(ABSENT_FROM_DATA)
    profile.columns += [profile_column(frame[name], str(name)) for name in missing]
    return profile


def profile_column(series: pd.Series, name: str) -> ColumnProfile:
    """One column as a profiler describes it: kind, missing and distinct counts, numeric
    statistics, the most frequent values and a few sample values (as text)."""
    rows = len(series)
    present = series.dropna()
    try:
        counts = present.value_counts()
    except TypeError:  # unhashable values (lists in a Parquet column): nothing to model on
        counts = present.astype(str).value_counts()
        return _column(name, ColumnKind.unknown, series, counts, [])
    sample = present
    if len(sample) > MAX_FACT_ROWS:
        sample = sample.sample(n=MAX_FACT_ROWS, random_state=SAMPLE_SEED)
    kind, notes = _kind(name, sample, present, counts, rows)
    col = _column(name, kind, series, counts, notes)
    if kind == ColumnKind.numeric:
        col.stats = _stats(sample)
    if kind in (ColumnKind.categorical, ColumnKind.text) and len(sample):
        lengths = sample.astype(str).str.len()
        col.mean_length, col.max_length = float(lengths.mean()), float(lengths.max())
    return col


def _column(
    name: str, kind: ColumnKind, series: pd.Series, counts: pd.Series, notes: list[str]
) -> ColumnProfile:
    rows, missing = len(series), int(series.isna().sum())
    distinct = series.dropna().astype(str).drop_duplicates().head(SAMPLE_VALUES)
    return ColumnProfile(
        name=name,
        kind=kind,
        missing_count=missing,
        missing_fraction=missing / rows if rows else 0.0,
        unique_count=len(counts),
        top_values=[
            TopValue(value=_text(v), count=int(n)) for v, n in counts.head(TOP_VALUES).items()
        ],
        sample_values=[_text(v) for v in distinct],
        flags=[PROFILED_FROM_DATA],
        notes=notes,
    )


def _kind(
    name: str, sample: pd.Series, present: pd.Series, counts: pd.Series, rows: int
) -> tuple[ColumnKind, list[str]]:
    if sample.empty:
        return ColumnKind.unknown, []
    if pd.api.types.is_bool_dtype(sample):
        return ColumnKind.boolean, []
    if pd.api.types.is_datetime64_any_dtype(sample):
        return ColumnKind.datetime, []
    if is_numeric(sample):
        if _row_counter(name, present, rows):
            return ColumnKind.id, [
                "its values count the rows (0, 1, 2, ... or 1, 2, 3, ...): a row number, "
                "not a property of the row"
            ]
        return ColumnKind.numeric, []
    folded = {str(v).strip().lower() for v in counts.index[:3]}
    if len(counts) == 2 and folded == {"true", "false"}:
        return ColumnKind.boolean, []
    shape = column_shape(sample)
    if shape.numeric_share is not None and shape.numeric_share >= NUMERIC_SHARE:
        if shape.numeric_share < 1:
            odd = [v for v, _ in shape.top_values if pd.isna(pd.to_numeric(v, errors="coerce"))]
            shown = ", ".join(repr(_text(v)) for v in odd[:3])
            return ColumnKind.numeric, [
                f"{1 - shape.numeric_share:.1%} of its values are not numbers"
                + (f" (e.g. {shown})" if shown else "")
                + "; they are read as missing"
            ]
        return ColumnKind.numeric, []
    if _dates(sample):
        return ColumnKind.datetime, []
    long = shape.mean_length is not None and shape.mean_length >= TEXT_MEAN_LENGTH
    if long and len(counts) > TEXT_MIN_DISTINCT:
        return ColumnKind.text, []
    return ColumnKind.categorical, []


def _row_counter(name: str, present: pd.Series, rows: int) -> bool:
    """0, 1, 2, ... in every row: an exported index (pandas' `Unnamed: 0`), which looks like
    a number but would let a file sorted by the target leak it."""
    if len(present) != rows or rows < 3:
        return False
    words = set(name.lower().replace("_", " ").split())
    if words & TIME_WORDS:
        return False
    values = as_float(present).to_numpy()
    return values[0] in (0.0, 1.0) and bool(np.all(np.diff(values) == 1))


def _dates(sample: pd.Series) -> bool:
    """Read as the generated script reads dates (`pd.to_datetime(..., utc=True)`), and with a
    digit in each, so that month or weekday names stay categories."""
    probe = sample.astype(str).head(DATE_PROBE)
    if probe.str.contains(r"\d", regex=True).mean() < DATE_SHARE:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "could not infer format": the share below decides
        try:
            parsed = pd.to_datetime(probe, errors="coerce", utc=True)
        except (ValueError, TypeError, OverflowError):
            return False
    return bool(parsed.notna().mean() >= DATE_SHARE)


def _stats(sample: pd.Series) -> NumericStats:
    values = as_float(sample)
    values = values[np.isfinite(values)]
    if values.empty:
        return NumericStats()
    q25, q50, q75 = values.quantile([0.25, 0.5, 0.75]).tolist()
    return NumericStats(
        min=_number(values.min()),
        max=_number(values.max()),
        mean=_number(values.mean()),
        std=_number(values.std()),
        q25=_number(q25),
        q50=_number(q50),
        q75=_number(q75),
        skew=_number(values.skew()),
    )


def _number(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def _text(value: object) -> str:
    """A value as text, as the dataset facts write the target's (1.0 -> "1"), cut short."""
    text = value_key(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"
