"""Missing values: counts, percents and fractions, resolved once the row count is known.

Percents, fractions and counts all occur, sometimes under a key that does not say which, so each
reader collects a column's record first and resolves all of them here, with the whole file seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ml_engineer.models.profile import ColumnProfile


@dataclass
class MissingFacts:
    """What a column said about its missing values, before percents and fractions are resolved."""

    count: int | None = None
    percent: float | None = None
    fraction: float | None = None
    ambiguous: float | None = None
    # Which key each value came from, to name it if it turns out to be out of range.
    percent_key: str = ""
    fraction_key: str = ""
    ambiguous_key: str = ""
    non_null: int | None = None
    total: int | None = None


def resolve_missing(
    columns: list[ColumnProfile],
    missing: list[MissingFacts],
    rows: int | None,
    bad_value: Callable[..., None],
) -> None:
    """Turn each column's missing record into a count and a 0..1 fraction.

    A count over a known row count is the most reliable; then an explicit fraction or percent;
    an ambiguous key is a percent if any ambiguous value in the file exceeds 1.
    """
    ambiguous_are_percents = any(m.ambiguous is not None and m.ambiguous > 1 for m in missing)
    for column, m in zip(columns, missing, strict=True):
        count = m.count
        if count is None and m.non_null is not None and rows is not None and m.non_null <= rows:
            count = rows - m.non_null
        if count is not None and rows is not None and count > rows:
            bad_value(column.name, "missing_count", count, f"exceeds row count {rows}:")
            count = None
        column.missing_count = count
        if count is not None and rows:
            column.missing_fraction = count / rows
            continue
        fraction = None
        if m.fraction is not None:
            fraction = _in_range(column.name, m.fraction_key, m.fraction, 1.0, bad_value)
        elif m.percent is not None:
            fraction = _in_range(column.name, m.percent_key, m.percent, 100.0, bad_value)
        elif m.ambiguous is not None:
            scale = 100.0 if ambiguous_are_percents else 1.0
            fraction = _in_range(column.name, m.ambiguous_key, m.ambiguous, scale, bad_value)
        if fraction is None and count == 0:
            fraction = 0.0  # no row count, but none of the rows is missing
        column.missing_fraction = fraction


def _in_range(
    name: str, key: str, value: float, scale: float, bad_value: Callable[..., None]
) -> float | None:
    if 0.0 <= value <= scale:
        return value / scale
    what = "a fraction 0..1" if scale == 1.0 else "a percent 0..100"
    bad_value(name, key, value, f"not {what}:")
    return None
