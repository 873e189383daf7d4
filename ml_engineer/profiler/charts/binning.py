"""Equal-width bins counted in SQL, for the target's histogram and the numeric panels of the
target against its features: the range comes from the profile when it has one, and each row's
bin is computed by DuckDB, so only one row per bin reaches Python."""

from __future__ import annotations

from ml_engineer.profiler.charts.plumbing import Source, finite, sql_name


def value_range(source: Source, column: dict, clip_tails: bool) -> tuple[float, float] | None:
    """The range binned: the profile's min and max (or a query when it has none); with
    `clip_tails`, narrowed to Tukey's fences so a few outliers do not squash every bin into one.
    Values outside the range are counted in the end bins."""
    stats = column.get("stats") or {}
    low, high = finite(stats.get("min")), finite(stats.get("max"))
    if low is None or high is None:
        low, high = source.rows(
            f"""SELECT min(x), max(x)
            FROM (SELECT TRY_CAST({sql_name(column["name"])} AS DOUBLE) AS x FROM {source.table})
            WHERE isfinite(x)"""
        )[0]
        if low is None:
            return None
    q25, q75 = finite(stats.get("q25")), finite(stats.get("q75"))
    if clip_tails and q25 is not None and q75 is not None and q75 > q25:
        low, high = max(low, q25 - 1.5 * (q75 - q25)), min(high, q75 + 1.5 * (q75 - q25))
    return float(low), float(high)


def equal_bins(low: float, high: float, unique: object, wanted: int) -> tuple[float, float, int]:
    """(start, width, count) of equal bins; one bin per integer for a few integer values (a
    rating from 1 to 10 gets ten bars, not forty with gaps)."""
    span = high - low
    integral = low == int(low) and high == int(high)
    if integral and isinstance(unique, int) and unique <= wanted and span < wanted:
        return low - 0.5, 1.0, int(span) + 1
    if span <= 0:
        return low - 0.5, 1.0, 1
    return low, span / wanted, wanted


def bin_index_sql(expression: str) -> str:
    """SQL for the bin of `expression`, given (start, width, last bin) as parameters."""
    return f"least(greatest(floor(({expression} - ?) / ?), 0), ?)::BIGINT"
