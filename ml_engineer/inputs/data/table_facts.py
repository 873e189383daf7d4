"""Measuring how the rows are organised: whole-number columns, whether an entity and the time
columns name one row together, and how far apart dates are. The planner's structure rules
(`planning/structure.py`) read these; without the data they fall back on the profile."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml_engineer.inputs.data.series import (
    MAX_FACT_ROWS,
    SAMPLE_SEED,
    as_float,
    integer_valued,
    is_numeric,
)
from ml_engineer.inputs.data.time_order import parse_dates
from ml_engineer.models.table_facts import TableFacts


def measure_table_facts(
    df: pd.DataFrame, pairs: list[tuple[str, ...]], date_columns: list[str]
) -> TableFacts:
    """`pairs`: (entity, time columns...) combinations to check for naming one row each;
    `date_columns`: the columns whose spacing gives a forecast its season."""
    facts = TableFacts()
    sample = df.iloc[:MAX_FACT_ROWS]  # in order: a date's step is between neighbouring rows
    # Spread over the file: a fraction after the first rows makes a column not whole numbers.
    spread = df.sample(n=MAX_FACT_ROWS, random_state=SAMPLE_SEED) if len(df) > MAX_FACT_ROWS else df
    for name in spread.columns:
        column = spread[name]
        if isinstance(column, pd.DataFrame) or not is_numeric(column):
            continue
        if column.notna().any() and integer_valued(column):
            facts.integer_columns.add(str(name))
    for pair in pairs:
        if all(c in df.columns for c in pair):
            facts.unique_together[tuple(pair)] = not bool(df[list(pair)].duplicated().any())
    for name in date_columns:
        if name in df.columns:
            step = _median_step_days(sample[name])
            if step is not None:
                facts.date_step_days[name] = step
    return facts


def _median_step_days(column: pd.Series) -> float | None:
    try:
        dates = parse_dates(column).dropna().drop_duplicates().sort_values()
    except (ValueError, TypeError, OverflowError):
        return None
    if len(dates) < 3:
        return None
    gaps = np.diff(as_float(dates).to_numpy()) / 86_400.0
    return float(np.median(gaps))
