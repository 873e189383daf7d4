"""What a column's values look like in the data: numbers or words, and how long the words are.

Used to check the profile's types against the data (an analyst's profile can be wrong) and to
measure what the profile left out.
"""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel

from ml_engineer.inputs.data.series import MAX_FACT_ROWS, SAMPLE_SEED

TOP_VALUES = 10


class ColumnShape(BaseModel):
    numeric_share: float | None = None
    """Share of the non-missing values that read as numbers."""
    mean_length: float | None = None
    """Mean length in characters of the non-missing values, read as text."""
    top_values: list[tuple[str, int]] = []
    """The most frequent values (as text) and their counts, in the rows looked at."""


def column_shape(series: pd.Series) -> ColumnShape:
    values = series.dropna()
    if len(values) > MAX_FACT_ROWS:
        values = values.sample(n=MAX_FACT_ROWS, random_state=SAMPLE_SEED)
    if values.empty:
        return ColumnShape()
    text = values.astype(str)
    numeric = pd.to_numeric(values, errors="coerce").notna().mean()
    counts = text.value_counts().head(TOP_VALUES)
    return ColumnShape(
        numeric_share=float(numeric),
        mean_length=float(text.str.len().mean()),
        top_values=[(str(k), int(v)) for k, v in counts.items()],
    )
