"""Picture 3: the target against the (up to six) features most associated with it, one panel
each; what a panel shows depends on whether the feature and the target are numbers or classes."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ml_engineer.profiler.charts.binning import bin_index_sql, equal_bins, value_range
from ml_engineer.profiler.charts.plumbing import (
    BAR_COLOUR,
    CATEGORICAL,
    MUTED_COLOUR,
    NUMERIC,
    PICTURE_ERRORS,
    PLAIN_TEXT,
    Drawn,
    Source,
    bar_ticks,
    error_text,
    finite,
    kind,
    label,
    new_figure,
    no_math,
    number,
    sql_name,
    target_column,
    value_label,
)

# The package's logger, the one `write_charts` reports skipped pictures on.
_log = logging.getLogger(__package__)

_FEATURE_BINS = 20
_MAX_PANELS = 6
_PANEL_CLASSES = 6  # target classes told apart in a panel; the rest are "other"
_PANEL_VALUES = 10  # a categorical feature's most frequent values in a panel
_CLASS_COLOURS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860")
_MEASURES = {
    "pearson": "Pearson r",
    "cramers_v": "Cramér's V",
    "correlation_ratio": "corr. ratio η",
}


def _measure(association: dict) -> str:
    name = association.get("measure")
    return _MEASURES.get(name, label(name, 20)) + f" {float(association['value']):.2f}"


@dataclass
class _Panel:
    title: str  # the feature and its association, e.g. "age · Pearson r 0.12"
    draw: Callable[[Any], None]  # draws the fetched numbers on an Axes
    classes: tuple[str | None, ...] = ()  # target classes coloured in it; None: "other"


def _colour(classes: list[str], k: str | None) -> str:
    """A target class's colour, the same in every panel and the legend; grey for the rest."""
    if k is None or k not in classes:
        return MUTED_COLOUR
    return _CLASS_COLOURS[classes.index(k) % len(_CLASS_COLOURS)]


def _top_features(source: Source, target: str) -> list[dict]:
    """Up to six features by |association with the target|; ties keep the profile's order."""
    ranked = []
    for column in source.columns:
        association = column.get("target_association")
        value = finite(association.get("value")) if isinstance(association, dict) else None
        if value is None or column.get("name") == target or kind(column) is None:
            continue
        ranked.append((abs(value), column))
    ranked.sort(key=lambda pair: -pair[0])
    return [column for _, column in ranked[:_MAX_PANELS]]


def _panel_classes(source: Source, target: dict) -> list[str]:
    """The target's most frequent classes, compared within each panel (raw DuckDB text, so they
    match the panel queries' `CAST(... AS VARCHAR)`)."""
    rows = source.rows(
        f"""SELECT k FROM (SELECT CAST({sql_name(target["name"])} AS VARCHAR) AS k
                           FROM {source.table})
        WHERE k IS NOT NULL GROUP BY k ORDER BY count(*) DESC, k LIMIT ?""",
        [_PANEL_CLASSES],
    )
    return [k for (k,) in rows]


def draw_target_vs_features(source: Source) -> Drawn | None:
    target = target_column(source)
    if target is None or kind(target) is None:
        return None
    features = _top_features(source, target["name"])
    if not features:
        return None
    classes = _panel_classes(source, target) if kind(target) == CATEGORICAL else []
    panels = []
    for feature in features:
        try:
            panel = _fetch_panel(source, feature, target, classes)
        except PICTURE_ERRORS as exc:  # one bad feature costs its panel, not the picture
            _log.warning(
                "EDA panel for %s skipped: %s", label(feature.get("name")), error_text(exc)
            )
            continue
        if panel is not None:
            panels.append(panel)
    if not panels:
        return None
    figure = _draw_panels(panels, label(target["name"]), classes)
    name = label(target["name"])
    listed = ", ".join(p.title for p in panels)
    alt = (
        f"{len(panels)} panel{'s' if len(panels) > 1 else ''} of the target {name} against "
        f"the features most associated with it: {listed}."
    )
    return Drawn(figure, f"Target {name} against its most associated features", alt)


def _draw_panels(panels: list[_Panel], target: str, classes: list[str]):
    columns = 1 if len(panels) == 1 else 2
    rows = math.ceil(len(panels) / columns)
    legend = [k for k in classes if any(k in p.classes for p in panels)]
    other = any(None in p.classes for p in panels)
    figure = new_figure(8 if columns == 1 else 10, 3.2 * rows + (0.9 if legend else 0.5))
    for index, panel in enumerate(panels):
        ax = figure.add_subplot(rows, columns, index + 1)
        panel.draw(ax)
        ax.set_title(panel.title, fontsize=10, **PLAIN_TEXT)
    figure.suptitle(f"Features most associated with {target}", **PLAIN_TEXT)
    if legend:
        from matplotlib.patches import Patch

        handles = [Patch(color=_colour(classes, k), label=value_label(k)) for k in legend]
        if other:
            handles.append(Patch(color=MUTED_COLOUR, label="other classes"))
        no_math(
            figure.legend(
                handles=handles,
                loc="outside lower center",
                ncols=min(len(handles), 4),
                fontsize=8,
                title=f"{target}:",
                title_fontsize=8,
            )
        )
    return figure


def _fetch_panel(source: Source, feature: dict, target: dict, classes: list[str]) -> _Panel:
    title = f"{label(feature['name'])} · {_measure(feature['target_association'])}"
    f, t = sql_name(feature["name"]), sql_name(target["name"])
    if kind(feature) == NUMERIC and kind(target) == CATEGORICAL:
        return _boxes_by_class(source, feature, f, t, classes, title)
    if kind(feature) == NUMERIC:
        return _binned_means(source, feature, f, t, title, label(target["name"]))
    if kind(target) == CATEGORICAL:
        return _class_shares(source, f, t, classes, title)
    return _means_by_value(source, f, t, title, label(target["name"]), target)


def _boxes_by_class(source, feature, f, t, classes, title) -> _Panel | None:
    """Numeric feature, categorical target: the feature's quartiles within each class."""
    rows = source.rows(
        f"""SELECT k, quantile_cont(x, [0.05, 0.25, 0.5, 0.75, 0.95]) AS q, avg(x) AS m
        FROM (SELECT CAST({t} AS VARCHAR) AS k, TRY_CAST({f} AS DOUBLE) AS x FROM {source.table})
        WHERE isfinite(x) AND list_contains(?, k) GROUP BY k""",
        [classes],
    )
    by_class = {k: (q, m) for k, q, m in rows}
    shown = [k for k in classes if k in by_class]
    if not shown:
        return None
    stats = []
    for k in shown:
        q, mean = by_class[k]
        stats.append(
            {
                "whislo": q[0],
                "q1": q[1],
                "med": q[2],
                "q3": q[3],
                "whishi": q[4],
                "mean": mean,
                "fliers": [],
            }
        )

    def draw(ax) -> None:
        boxes = ax.bxp(
            stats,
            positions=range(len(shown)),
            orientation="horizontal",
            showmeans=True,
            showfliers=False,
            patch_artist=True,
            medianprops={"color": "black"},
            widths=0.6,
        )
        for k, box in zip(shown, boxes["boxes"], strict=True):
            box.set_facecolor(_colour(classes, k))
            box.set_alpha(0.7)
        bar_ticks(ax, [value_label(k) for k in shown])
        ax.set_xlabel(
            f"{label(feature['name'])} (box: quartiles; whiskers: 5th-95th pct; ▲ mean)",
            fontsize=8,
            **PLAIN_TEXT,
        )

    return _Panel(title, draw, tuple(shown))


def _binned_means(source, feature, f, t, title, target_label) -> _Panel | None:
    """Numeric feature, numeric target: the target's mean in each of 20 bins of the feature,
    placed at the bin's mean feature value (the tails beyond Tukey's fences share the end bins)."""
    span = value_range(source, feature, clip_tails=True)
    if span is None:
        return None
    start, width, count = equal_bins(*span, feature.get("unique_count"), _FEATURE_BINS)
    rows = source.rows(
        f"""SELECT {bin_index_sql("x")} AS b, count(*) AS n, avg(x) AS mx, avg(y) AS my
        FROM (SELECT TRY_CAST({f} AS DOUBLE) AS x, TRY_CAST({t} AS DOUBLE) AS y
              FROM {source.table})
        WHERE isfinite(x) AND isfinite(y) GROUP BY b ORDER BY b""",
        [start, width, count - 1],
    )
    if not rows:
        return None
    overall = sum(n * my for _, n, _, my in rows) / sum(n for _, n, _, _ in rows)

    def draw(ax) -> None:
        ax.plot([r[2] for r in rows], [r[3] for r in rows], marker="o", color=BAR_COLOUR)
        ax.axhline(overall, color=MUTED_COLOUR, linestyle="--", linewidth=1)
        ax.set_xlabel(f"{label(feature['name'])} ({len(rows)} bins)", fontsize=8, **PLAIN_TEXT)
        ax.set_ylabel(f"mean {target_label}", fontsize=8, **PLAIN_TEXT)

    return _Panel(title, draw)


def _top_value_rows(source, f, select: str, source_sql: str, where: str) -> list[tuple]:
    """`select` grouped by the feature's value `v`, for its ten most frequent values (NULL
    included, as a value of its own), most frequent first; the last field is the value's rows."""
    return source.rows(
        f"""WITH d AS (SELECT CAST({f} AS VARCHAR) AS v, {source_sql} FROM {source.table}),
        g AS ({select} FROM d WHERE {where} GROUP BY ALL),
        top AS (SELECT v, sum(n) AS total FROM g GROUP BY v ORDER BY total DESC, v NULLS LAST
                LIMIT ?)
        SELECT g.*, top.total FROM g JOIN top ON g.v IS NOT DISTINCT FROM top.v
        ORDER BY top.total DESC, g.v NULLS LAST""",
        [_PANEL_VALUES],
    )


def _class_shares(source, f, t, classes, title) -> _Panel | None:
    """Categorical feature and target: the share of each target class within the feature's ten
    most frequent values, as stacked bars (the less frequent classes as "other")."""
    rows = _top_value_rows(
        source, f, "SELECT v, k, count(*) AS n", f"CAST({t} AS VARCHAR) AS k", "k IS NOT NULL"
    )
    values: dict[str | None, dict[str | None, int]] = {}
    for v, k, n, _ in rows:
        group = k if k in classes else None  # None: the less frequent classes together
        counts = values.setdefault(v, {})
        counts[group] = counts.get(group, 0) + n
    if not values:
        return None
    used = tuple(k for k in [*classes, None] if any(k in c for c in values.values()))

    def draw(ax) -> None:
        lefts = [0.0] * len(values)
        for k in used:
            shares = [100.0 * c.get(k, 0) / sum(c.values()) for c in values.values()]
            ax.barh(range(len(values)), shares, left=lefts, color=_colour(classes, k), height=0.7)
            lefts = [a + b for a, b in zip(lefts, shares, strict=True)]
        bar_ticks(ax, [value_label(v) for v in values])
        ax.set_xlim(0, 100)
        ax.set_xlabel("share of rows (%)", fontsize=8)

    return _Panel(title, draw, used)


def _means_by_value(source, f, t, title, target_label, target) -> _Panel | None:
    """Categorical feature, numeric target: the target's mean for the feature's ten most
    frequent values, against the overall mean."""
    rows = _top_value_rows(
        source,
        f,
        "SELECT v, count(*) AS n, avg(y) AS m",
        f"TRY_CAST({t} AS DOUBLE) AS y",
        "isfinite(y)",
    )
    if not rows:
        return None
    overall = finite((target.get("stats") or {}).get("mean"))

    def draw(ax) -> None:
        bars = ax.barh(range(len(rows)), [r[2] for r in rows], color=BAR_COLOUR, height=0.7)
        ax.bar_label(bars, labels=[number(r[2]) for r in rows], padding=2, fontsize=7, **PLAIN_TEXT)
        if overall is not None:
            ax.axvline(overall, color=MUTED_COLOUR, linestyle="--", linewidth=1)
        bar_ticks(ax, [value_label(r[0]) for r in rows])
        ax.set_xlabel(f"mean {target_label}", fontsize=8, **PLAIN_TEXT)

    return _Panel(title, draw)
