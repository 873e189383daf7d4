"""Picture 2: the target's distribution, as class counts for a classification target (a number
target of a few classes included) or as a histogram for a numeric one."""

from __future__ import annotations

from ml_engineer.profiler.charts.binning import bin_index_sql, equal_bins, value_range
from ml_engineer.profiler.charts.plumbing import (
    BAR_COLOUR,
    CATEGORICAL,
    NUMERIC,
    PLAIN_TEXT,
    Drawn,
    Source,
    bar_ticks,
    finite,
    kind,
    label,
    new_figure,
    no_math,
    number,
    percent,
    sql_name,
    target_column,
    value_label,
)

_MAX_TARGET_CLASSES = 20
_HISTOGRAM_BINS = 40


def draw_target(source: Source) -> Drawn | None:
    column = target_column(source)
    if column is None:
        return None
    task = (source.profile.get("overview") or {}).get("task")
    # A number target of a few classes (churned 0/1) is counted as classes, not binned.
    if kind(column) == CATEGORICAL or (kind(column) == NUMERIC and task == "classification"):
        return _target_classes(source, column)
    if kind(column) == NUMERIC:
        return _target_histogram(source, column)
    return None  # a datetime, text or id target has no class counts or histogram worth drawing


def _class_counts(source: Source, column: dict, limit: int) -> tuple[list[tuple], int, int]:
    """The `limit` most frequent classes (label, rows), the number of classes, labelled rows.

    From the profile's top values when they cover what is drawn; otherwise one GROUP BY.
    """
    top = column.get("top_values")
    unique = column.get("unique_count")
    rows = (source.profile.get("overview") or {}).get("row_count")
    if isinstance(top, list) and isinstance(unique, int) and isinstance(rows, int):
        entries = [t for t in top if isinstance(t, dict) and t.get("value") is not None]
        entries.sort(key=lambda t: -int(t["count"]))
        if len(entries) >= min(limit, unique) and unique > 0:
            counts = [(value_label(t["value"]), int(t["count"])) for t in entries[:limit]]
            return counts, unique, rows - int(column.get("missing_count") or 0)
    result = source.rows(
        f"""SELECT k, n, count(*) OVER () AS classes, sum(n) OVER () AS labelled
        FROM (SELECT k, count(*) AS n
              FROM (SELECT CAST({sql_name(column["name"])} AS VARCHAR) AS k FROM {source.table})
              WHERE k IS NOT NULL GROUP BY k)
        ORDER BY n DESC, k LIMIT ?""",
        [limit],
    )
    if not result:
        return [], 0, 0
    return [(value_label(k), int(n)) for k, n, _, _ in result], result[0][2], int(result[0][3])


def _target_classes(source: Source, column: dict) -> Drawn | None:
    counts, classes, labelled = _class_counts(source, column, _MAX_TARGET_CLASSES)
    if not counts or labelled <= 0:
        return None
    name = label(column["name"])
    shares = [100.0 * n / labelled for _, n in counts]
    figure = new_figure(8, max(2.0, 1.2 + 0.3 * len(counts)))
    ax = figure.add_subplot()
    bars = ax.barh(range(len(counts)), [n for _, n in counts], color=BAR_COLOUR)
    bar_text = [f"{n:,} ({percent(s)})" for (_, n), s in zip(counts, shares, strict=True)]
    ax.bar_label(bars, labels=bar_text, padding=3, fontsize=8, **PLAIN_TEXT)
    bar_ticks(ax, [k for k, _ in counts])
    ax.set_xlim(0, max(n for _, n in counts) * 1.3)
    ax.set_xlabel("Rows")
    shown = f"top {len(counts)} of {classes} classes" if classes > len(counts) else "classes"
    ax.set_title(f"Target {name}: {shown}", **PLAIN_TEXT)
    listed = ", ".join(
        f"{k} {n:,} rows ({percent(s)})" for (k, n), s in zip(counts[:3], shares[:3], strict=True)
    )
    more = f", and {classes - 3} more" if classes > 3 else ""
    missing = int(column.get("missing_count") or 0)
    unlabelled = f"; {missing:,} rows have no value" if missing else ""
    alt = f"Bar chart of the {classes} classes of the target {name}: {listed}{more}{unlabelled}."
    return Drawn(figure, f"Target: {name}", alt)


def _target_histogram(source: Source, column: dict) -> Drawn | None:
    span = value_range(source, column, clip_tails=False)
    if span is None:
        return None
    start, width, count = equal_bins(*span, column.get("unique_count"), _HISTOGRAM_BINS)
    rows = source.rows(
        f"""SELECT {bin_index_sql("x")} AS b, count(*) AS n
        FROM (SELECT TRY_CAST({sql_name(column["name"])} AS DOUBLE) AS x FROM {source.table})
        WHERE isfinite(x) GROUP BY b ORDER BY b""",
        [start, width, count - 1],
    )
    if not rows:
        return None
    name = label(column["name"])
    figure = new_figure(8, 3.6)
    ax = figure.add_subplot()
    lefts = [start + b * width for b, _ in rows]
    ax.bar(
        lefts, [n for _, n in rows], width=width, align="edge", color=BAR_COLOUR, edgecolor="white"
    )
    stats = column.get("stats") or {}
    median, mean = finite(stats.get("q50")), finite(stats.get("mean"))
    for value, style, what in ((median, "--", "median"), (mean, ":", "mean")):
        if value is not None:
            ax.axvline(value, color="black", linestyle=style, label=f"{what} {number(value)}")
    if median is not None or mean is not None:
        no_math(ax.legend(fontsize=8))
    ax.set_xlabel(name, **PLAIN_TEXT)
    ax.set_ylabel("Rows")
    ax.set_title(f"Target {name}: distribution", **PLAIN_TEXT)
    tallest, rows_in_tallest = max(rows, key=lambda r: r[1])
    low_edge = start + tallest * width
    alt = (
        f"Histogram of the target {name} in {count} bins from {number(span[0])} to "
        f"{number(span[1])}; the most rows ({rows_in_tallest:,}) fall between {number(low_edge)} "
        f"and {number(low_edge + width)}"
    )
    if median is not None:
        alt += f", the median is {number(median)}"
    if mean is not None:
        alt += (
            f" and the mean {number(mean)}" if median is not None else f", the mean {number(mean)}"
        )
    return Drawn(figure, f"Target: {name}", alt + ".")
