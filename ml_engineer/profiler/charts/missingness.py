"""Picture 1: the share of missing values in each column that has any, from the profile's
missing counts (no query)."""

from __future__ import annotations

from ml_engineer.profiler.charts.plumbing import (
    BAR_COLOUR,
    PLAIN_TEXT,
    Drawn,
    Source,
    bar_ticks,
    finite,
    label,
    new_figure,
    percent,
)

_MAX_MISSING_BARS = 30


def _missing_share(column: dict, rows: int | None) -> float:
    share = finite(column.get("missing_pct"))
    if share is None and rows:
        share = 100.0 * float(column.get("missing_count") or 0) / rows
    return share or 0.0


def draw_missingness(source: Source) -> Drawn | None:
    rows = (source.profile.get("overview") or {}).get("row_count")
    shares = [(c.get("name"), _missing_share(c, rows)) for c in source.columns]
    missing = sorted((s for s in shares if s[1] > 0), key=lambda s: -s[1])
    if not missing:
        return None
    shown = missing[:_MAX_MISSING_BARS]
    figure = new_figure(8, max(2.0, 1.0 + 0.32 * len(shown)))
    ax = figure.add_subplot()
    bars = ax.barh(range(len(shown)), [s for _, s in shown], color=BAR_COLOUR)
    ax.bar_label(bars, labels=[percent(s) for _, s in shown], padding=3, fontsize=8, **PLAIN_TEXT)
    bar_ticks(ax, [label(n) for n, _ in shown])
    ax.set_xlim(0, max(s for _, s in shown) * 1.18)
    ax.set_xlabel("Missing values (% of rows)")
    title = "Missing values by column"
    if len(missing) > len(shown):
        title += f" (top {len(shown)} of {len(missing)})"
    ax.set_title(title, **PLAIN_TEXT)
    first = missing[0]
    alt = (
        f"Horizontal bars of the share of missing values in the {len(missing)} of "
        f"{len(source.columns)} columns that have any; the most is {label(first[0])} "
        f"({percent(first[1])} of rows)"
    )
    if len(missing) > 1:
        alt += f", then {label(missing[1][0])} ({percent(missing[1][1])})"
    return Drawn(figure, title, alt + ".")
