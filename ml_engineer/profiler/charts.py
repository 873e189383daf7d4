"""The EDA pictures of `ml-engineer profile`: small PNGs the report links, each with alt text.

Four pictures, each drawn only when it says something: missing values by column, the target's
distribution, the features most associated with the target, and the correlation heat map.

Why it is built the way it is:

- The data can be ten million rows, so every number comes from an aggregate query in DuckDB (a
  few hundred rows at most reach Python), and what the profile already knows (missing counts,
  top values, statistics, correlations) is taken from the profile instead of asked again.
- Column names and values are untrusted text. They are only ever spliced into SQL as quoted
  identifiers (values travel as parameters), and on a picture they are cleaned, shortened and
  drawn with mathtext off, so `$\\frac{a}{b}$` is shown as the characters it is and an unbalanced
  `$x^{$` cannot make matplotlib raise.
- matplotlib is imported only when pictures are drawn (start-up of the command stays fast), and
  only through `Figure` and the Agg canvas: no pyplot, so no display, no global figure registry
  to leak into, and nothing shared between threads.
- One picture failing (a query, a drawing error) skips that picture, says so in the log, and
  leaves the others; a PNG appears in `out_dir` only complete (written beside it, then renamed).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

_log = logging.getLogger(__name__)

MISSINGNESS = "eda-missingness.png"
TARGET = "eda-target.png"
TARGET_VS_FEATURES = "eda-target-vs-features.png"
CORRELATIONS = "eda-correlations.png"

_DPI = 100  # with the sizes below: 800-1000 px wide, what GitHub shows without scaling much
_LABEL_CHARS = 30
_MAX_MISSING_BARS = 30
_MAX_TARGET_CLASSES = 20
_HISTOGRAM_BINS = 40
_FEATURE_BINS = 20
_MAX_PANELS = 6
_PANEL_CLASSES = 6  # target classes told apart in a panel; the rest are "other"
_PANEL_VALUES = 10  # a categorical feature's most frequent values in a panel
_MAX_HEATMAP_COLUMNS = 30
_ANNOTATE_HEATMAP_UP_TO = 15

# Every text drawn from data: never mathtext, never LaTeX (even if the user's matplotlibrc asks).
_TEXT: dict[str, Any] = {"parse_math": False, "usetex": False}

# What drawing one picture can raise that must cost only that picture. Deliberately not a bare
# `Exception`: an interrupt or running out of memory should still stop the command.
_PICTURE_ERRORS = (
    duckdb.Error,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    ArithmeticError,
    RuntimeError,
    OSError,
)

_NUMERIC = "numeric"
_CATEGORICAL = "categorical"
_BAR = "#4C72B0"
_MUTED = "#8C8C8C"
_CLASS_COLOURS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860")


@dataclass(frozen=True)
class Chart:
    file: str  # the PNG's file name, e.g. "eda-missingness.png" (written into out_dir)
    title: str  # a short heading for the report, e.g. "Missing values by column"
    alt: str  # alt text: one sentence saying what the picture shows, with the key figure(s)


def write_charts(
    con: duckdb.DuckDBPyConnection, table: str, profile: dict, out_dir: Path
) -> list[Chart]:
    """Draw the EDA pictures of `table` into `out_dir`; return the ones written, in report order.

    `table` is an already-quoted identifier; `profile` is the dict written to profile.json. A
    picture that does not apply (nothing missing, no target, fewer than two correlated columns)
    or that fails is not returned, and an older file of its name is removed, so the folder never
    shows a picture from a previous run that contradicts this profile.
    """
    source = _Source(con, table, profile)
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = []
    for file, build in _PICTURES:
        path = out_dir / file
        try:
            drawn = build(source)
            if drawn is not None:
                _save(drawn.figure, path)
        except _PICTURE_ERRORS as exc:
            _log.warning("EDA picture %s skipped: %s: %s", file, type(exc).__name__, _clip(exc))
            drawn = None
        if drawn is None:  # neither last run's picture nor a write killed midway stays
            _discard(path)
            _discard(path.with_name(path.name + ".tmp"))
            continue
        charts.append(Chart(file=file, title=drawn.title, alt=drawn.alt))
    return charts


def _discard(path: Path) -> None:
    """Remove a file of ours if it is there; a folder that refuses is left as it is (the profile
    and report are what matter, and they are written by the caller, which reports such errors)."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


# --- What the pictures are drawn from ------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    con: duckdb.DuckDBPyConnection
    table: str
    profile: dict

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        return self.con.execute(sql, list(params)).fetchall()

    @property
    def columns(self) -> list[dict]:
        return [c for c in self.profile.get("columns") or [] if isinstance(c, dict)]

    def column(self, name: str) -> dict | None:
        return next((c for c in self.columns if c.get("name") == name), None)

    @property
    def target(self) -> str | None:
        target = (self.profile.get("overview") or {}).get("target")
        return target if isinstance(target, str) and target else None


@dataclass
class _Drawn:
    figure: Any  # matplotlib.figure.Figure (imported lazily)
    title: str
    alt: str


def _ident(name: object) -> str:
    """A column name as a SQL identifier: the name can hold anything, quotes included."""
    return '"' + str(name).replace('"', '""') + '"'


def _kind(column: dict) -> str | None:
    """How a column is pictured: as numbers, as classes, or (datetime, text, id) not at all."""
    inferred = column.get("inferred_type")
    if inferred == "numeric":
        return _NUMERIC
    if inferred in ("categorical", "boolean"):
        return _CATEGORICAL
    return None


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


# --- Untrusted text on a picture ------------------------------------------------------------


def _clean(text: object) -> str:
    """One line of printable text: control characters and line breaks become spaces, invisible
    format characters (bidi overrides, zero-width joiners) are dropped so the label reads as the
    characters it holds, and lone surrogates or unassigned code points become `?`."""
    out = []
    for char in str(text)[:2000]:  # a 10,000-character name is shortened anyway
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif category in ("Cs", "Co", "Cn"):
            out.append("?")
        elif category != "Cf":
            out.append(char)
    return " ".join("".join(out).split())


def _label(text: object, limit: int = _LABEL_CHARS) -> str:
    clean = _clean(text) or "(blank)"
    return clean if len(clean) <= limit else clean[: limit - 1].rstrip() + "…"


def _value_label(value: object) -> str:
    """A category value as shown: NULL is "(missing)", booleans as DuckDB prints them."""
    if value is None:
        return "(missing)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return _label(value) if str(value) else "(empty)"


def _clip(exc: BaseException) -> str:
    return _label(exc, 300)


def _num(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if 1e4 <= abs(value) < 1e15:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _pct(share: float) -> str:
    """A percentage that never rounds a few rows to 0% or almost all of them to 100%."""
    if 0 < share < 0.1:
        return "<0.1%"
    if 99.9 < share < 100:
        return ">99.9%"
    return f"{share:.1f}%"


_MEASURES = {
    "pearson": "Pearson r",
    "cramers_v": "Cramér's V",
    "correlation_ratio": "corr. ratio η",
}
_METHODS = {"pearson": "Pearson", "spearman": "Spearman", "kendall": "Kendall"}


def _measure(association: dict) -> str:
    name = association.get("measure")
    return _MEASURES.get(name, _label(name, 20)) + f" {float(association['value']):.2f}"


# --- Drawing and saving ---------------------------------------------------------------------


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=_DPI, layout="constrained")


def _save(figure, path: Path) -> None:
    """Write the PNG beside `path` and rename it over: a reader sees the old file or the new one.

    The temporary file is created exclusively (a file or link planted at its name is removed
    first, never written through) and removed if anything fails.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        with os.fdopen(os.open(tmp, flags, 0o666), "wb") as handle:
            figure.savefig(handle, format="png", dpi=_DPI)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _bar_ticks(ax, labels: Sequence[str]) -> None:
    """Category labels down the y axis, the first at the top."""
    ax.set_yticks(range(len(labels)), labels=list(labels), **_TEXT)
    ax.invert_yaxis()


def _no_math(artist) -> None:
    """Texts matplotlib creates itself (legend entries, titles): mathtext off before drawing."""
    if artist is None:
        return
    for text in artist.get_texts():
        text.set_parse_math(False)
        text.set_usetex(False)
    title = getattr(artist, "get_title", None)
    if title is not None:
        title().set_parse_math(False)


# --- 1. Missing values ----------------------------------------------------------------------


def _missing_share(column: dict, rows: int | None) -> float:
    share = _finite(column.get("missing_pct"))
    if share is None and rows:
        share = 100.0 * float(column.get("missing_count") or 0) / rows
    return share or 0.0


def _missingness(source: _Source) -> _Drawn | None:
    rows = (source.profile.get("overview") or {}).get("row_count")
    shares = [(c.get("name"), _missing_share(c, rows)) for c in source.columns]
    missing = sorted((s for s in shares if s[1] > 0), key=lambda s: -s[1])
    if not missing:
        return None
    shown = missing[:_MAX_MISSING_BARS]
    figure = _figure(8, max(2.0, 1.0 + 0.32 * len(shown)))
    ax = figure.add_subplot()
    bars = ax.barh(range(len(shown)), [s for _, s in shown], color=_BAR)
    ax.bar_label(bars, labels=[_pct(s) for _, s in shown], padding=3, fontsize=8, **_TEXT)
    _bar_ticks(ax, [_label(n) for n, _ in shown])
    ax.set_xlim(0, max(s for _, s in shown) * 1.18)
    ax.set_xlabel("Missing values (% of rows)")
    title = "Missing values by column"
    if len(missing) > len(shown):
        title += f" (top {len(shown)} of {len(missing)})"
    ax.set_title(title, **_TEXT)
    first = missing[0]
    alt = (
        f"Horizontal bars of the share of missing values in the {len(missing)} of "
        f"{len(source.columns)} columns that have any; the most is {_label(first[0])} "
        f"({_pct(first[1])} of rows)"
    )
    if len(missing) > 1:
        alt += f", then {_label(missing[1][0])} ({_pct(missing[1][1])})"
    return _Drawn(figure, title, alt + ".")


# --- 2. The target --------------------------------------------------------------------------


def _target_column(source: _Source) -> dict | None:
    """The profile's entry for the target; None when no target is set."""
    if source.target is None:
        return None
    column = source.column(source.target)
    if column is None:
        raise KeyError(f"the target {_label(source.target)} is not among the profiled columns")
    return column


def _target(source: _Source) -> _Drawn | None:
    column = _target_column(source)
    if column is None:
        return None
    task = (source.profile.get("overview") or {}).get("task")
    # A number target of a few classes (churned 0/1) is counted as classes, not binned.
    if _kind(column) == _CATEGORICAL or (_kind(column) == _NUMERIC and task == "classification"):
        return _target_classes(source, column)
    if _kind(column) == _NUMERIC:
        return _target_histogram(source, column)
    return None  # a datetime, text or id target has no class counts or histogram worth drawing


def _class_counts(source: _Source, column: dict, limit: int) -> tuple[list[tuple], int, int]:
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
            counts = [(_value_label(t["value"]), int(t["count"])) for t in entries[:limit]]
            return counts, unique, rows - int(column.get("missing_count") or 0)
    result = source.rows(
        f"""SELECT k, n, count(*) OVER () AS classes, sum(n) OVER () AS labelled
        FROM (SELECT k, count(*) AS n
              FROM (SELECT CAST({_ident(column["name"])} AS VARCHAR) AS k FROM {source.table})
              WHERE k IS NOT NULL GROUP BY k)
        ORDER BY n DESC, k LIMIT ?""",
        [limit],
    )
    if not result:
        return [], 0, 0
    return [(_value_label(k), int(n)) for k, n, _, _ in result], result[0][2], int(result[0][3])


def _target_classes(source: _Source, column: dict) -> _Drawn | None:
    counts, classes, labelled = _class_counts(source, column, _MAX_TARGET_CLASSES)
    if not counts or labelled <= 0:
        return None
    name = _label(column["name"])
    shares = [100.0 * n / labelled for _, n in counts]
    figure = _figure(8, max(2.0, 1.2 + 0.3 * len(counts)))
    ax = figure.add_subplot()
    bars = ax.barh(range(len(counts)), [n for _, n in counts], color=_BAR)
    bar_text = [f"{n:,} ({_pct(s)})" for (_, n), s in zip(counts, shares, strict=True)]
    ax.bar_label(bars, labels=bar_text, padding=3, fontsize=8, **_TEXT)
    _bar_ticks(ax, [k for k, _ in counts])
    ax.set_xlim(0, max(n for _, n in counts) * 1.3)
    ax.set_xlabel("Rows")
    shown = f"top {len(counts)} of {classes} classes" if classes > len(counts) else "classes"
    ax.set_title(f"Target {name}: {shown}", **_TEXT)
    listed = ", ".join(
        f"{k} {n:,} rows ({_pct(s)})" for (k, n), s in zip(counts[:3], shares[:3], strict=True)
    )
    more = f", and {classes - 3} more" if classes > 3 else ""
    missing = int(column.get("missing_count") or 0)
    unlabelled = f"; {missing:,} rows have no value" if missing else ""
    alt = f"Bar chart of the {classes} classes of the target {name}: {listed}{more}{unlabelled}."
    return _Drawn(figure, f"Target: {name}", alt)


def _value_range(source: _Source, column: dict, clip_tails: bool) -> tuple[float, float] | None:
    """The range binned: the profile's min and max (or a query when it has none); with
    `clip_tails`, narrowed to Tukey's fences so a few outliers do not squash every bin into one.
    Values outside the range are counted in the end bins."""
    stats = column.get("stats") or {}
    low, high = _finite(stats.get("min")), _finite(stats.get("max"))
    if low is None or high is None:
        low, high = source.rows(
            f"""SELECT min(x), max(x)
            FROM (SELECT TRY_CAST({_ident(column["name"])} AS DOUBLE) AS x FROM {source.table})
            WHERE isfinite(x)"""
        )[0]
        if low is None:
            return None
    q25, q75 = _finite(stats.get("q25")), _finite(stats.get("q75"))
    if clip_tails and q25 is not None and q75 is not None and q75 > q25:
        low, high = max(low, q25 - 1.5 * (q75 - q25)), min(high, q75 + 1.5 * (q75 - q25))
    return float(low), float(high)


def _bins(low: float, high: float, unique: object, wanted: int) -> tuple[float, float, int]:
    """(start, width, count) of equal bins; one bin per integer for a few integer values (a
    rating from 1 to 10 gets ten bars, not forty with gaps)."""
    span = high - low
    integral = low == int(low) and high == int(high)
    if integral and isinstance(unique, int) and unique <= wanted and span < wanted:
        return low - 0.5, 1.0, int(span) + 1
    if span <= 0:
        return low - 0.5, 1.0, 1
    return low, span / wanted, wanted


def _bin_index(expression: str) -> str:
    """SQL for the bin of `expression`, given (start, width, last bin) as parameters."""
    return f"least(greatest(floor(({expression} - ?) / ?), 0), ?)::BIGINT"


def _target_histogram(source: _Source, column: dict) -> _Drawn | None:
    span = _value_range(source, column, clip_tails=False)
    if span is None:
        return None
    start, width, count = _bins(*span, column.get("unique_count"), _HISTOGRAM_BINS)
    rows = source.rows(
        f"""SELECT {_bin_index("x")} AS b, count(*) AS n
        FROM (SELECT TRY_CAST({_ident(column["name"])} AS DOUBLE) AS x FROM {source.table})
        WHERE isfinite(x) GROUP BY b ORDER BY b""",
        [start, width, count - 1],
    )
    if not rows:
        return None
    name = _label(column["name"])
    figure = _figure(8, 3.6)
    ax = figure.add_subplot()
    lefts = [start + b * width for b, _ in rows]
    ax.bar(lefts, [n for _, n in rows], width=width, align="edge", color=_BAR, edgecolor="white")
    stats = column.get("stats") or {}
    median, mean = _finite(stats.get("q50")), _finite(stats.get("mean"))
    for value, style, what in ((median, "--", "median"), (mean, ":", "mean")):
        if value is not None:
            ax.axvline(value, color="black", linestyle=style, label=f"{what} {_num(value)}")
    if median is not None or mean is not None:
        _no_math(ax.legend(fontsize=8))
    ax.set_xlabel(name, **_TEXT)
    ax.set_ylabel("Rows")
    ax.set_title(f"Target {name}: distribution", **_TEXT)
    tallest, rows_in_tallest = max(rows, key=lambda r: r[1])
    low_edge = start + tallest * width
    alt = (
        f"Histogram of the target {name} in {count} bins from {_num(span[0])} to "
        f"{_num(span[1])}; the most rows ({rows_in_tallest:,}) fall between {_num(low_edge)} "
        f"and {_num(low_edge + width)}"
    )
    if median is not None:
        alt += f", the median is {_num(median)}"
    if mean is not None:
        alt += f" and the mean {_num(mean)}" if median is not None else f", the mean {_num(mean)}"
    return _Drawn(figure, f"Target: {name}", alt + ".")


# --- 3. The target against its most associated features -------------------------------------


@dataclass
class _Panel:
    title: str  # the feature and its association, e.g. "age · Pearson r 0.12"
    draw: Callable[[Any], None]  # draws the fetched numbers on an Axes
    classes: tuple[str | None, ...] = ()  # target classes coloured in it; None: "other"


def _colour(classes: list[str], k: str | None) -> str:
    """A target class's colour, the same in every panel and the legend; grey for the rest."""
    if k is None or k not in classes:
        return _MUTED
    return _CLASS_COLOURS[classes.index(k) % len(_CLASS_COLOURS)]


def _top_features(source: _Source, target: str) -> list[dict]:
    """Up to six features by |association with the target|; ties keep the profile's order."""
    ranked = []
    for column in source.columns:
        association = column.get("target_association")
        value = _finite(association.get("value")) if isinstance(association, dict) else None
        if value is None or column.get("name") == target or _kind(column) is None:
            continue
        ranked.append((abs(value), column))
    ranked.sort(key=lambda pair: -pair[0])
    return [column for _, column in ranked[:_MAX_PANELS]]


def _panel_classes(source: _Source, target: dict) -> list[str]:
    """The target's most frequent classes, compared within each panel (raw DuckDB text, so they
    match the panel queries' `CAST(... AS VARCHAR)`)."""
    rows = source.rows(
        f"""SELECT k FROM (SELECT CAST({_ident(target["name"])} AS VARCHAR) AS k
                           FROM {source.table})
        WHERE k IS NOT NULL GROUP BY k ORDER BY count(*) DESC, k LIMIT ?""",
        [_PANEL_CLASSES],
    )
    return [k for (k,) in rows]


def _target_vs_features(source: _Source) -> _Drawn | None:
    target = _target_column(source)
    if target is None or _kind(target) is None:
        return None
    features = _top_features(source, target["name"])
    if not features:
        return None
    classes = _panel_classes(source, target) if _kind(target) == _CATEGORICAL else []
    panels = []
    for feature in features:
        try:
            panel = _fetch_panel(source, feature, target, classes)
        except _PICTURE_ERRORS as exc:  # one bad feature costs its panel, not the picture
            _log.warning("EDA panel for %s skipped: %s", _label(feature.get("name")), _clip(exc))
            continue
        if panel is not None:
            panels.append(panel)
    if not panels:
        return None
    figure = _draw_panels(panels, _label(target["name"]), classes)
    name = _label(target["name"])
    listed = ", ".join(p.title for p in panels)
    alt = (
        f"{len(panels)} panel{'s' if len(panels) > 1 else ''} of the target {name} against "
        f"the features most associated with it: {listed}."
    )
    return _Drawn(figure, f"Target {name} against its most associated features", alt)


def _draw_panels(panels: list[_Panel], target: str, classes: list[str]):
    columns = 1 if len(panels) == 1 else 2
    rows = math.ceil(len(panels) / columns)
    legend = [k for k in classes if any(k in p.classes for p in panels)]
    other = any(None in p.classes for p in panels)
    figure = _figure(8 if columns == 1 else 10, 3.2 * rows + (0.9 if legend else 0.5))
    for index, panel in enumerate(panels):
        ax = figure.add_subplot(rows, columns, index + 1)
        panel.draw(ax)
        ax.set_title(panel.title, fontsize=10, **_TEXT)
    figure.suptitle(f"Features most associated with {target}", **_TEXT)
    if legend:
        from matplotlib.patches import Patch

        handles = [Patch(color=_colour(classes, k), label=_value_label(k)) for k in legend]
        if other:
            handles.append(Patch(color=_MUTED, label="other classes"))
        _no_math(
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


def _fetch_panel(source: _Source, feature: dict, target: dict, classes: list[str]) -> _Panel:
    title = f"{_label(feature['name'])} · {_measure(feature['target_association'])}"
    f, t = _ident(feature["name"]), _ident(target["name"])
    if _kind(feature) == _NUMERIC and _kind(target) == _CATEGORICAL:
        return _boxes_by_class(source, feature, f, t, classes, title)
    if _kind(feature) == _NUMERIC:
        return _binned_means(source, feature, f, t, title, _label(target["name"]))
    if _kind(target) == _CATEGORICAL:
        return _class_shares(source, f, t, classes, title)
    return _means_by_value(source, f, t, title, _label(target["name"]), target)


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
        _bar_ticks(ax, [_value_label(k) for k in shown])
        ax.set_xlabel(
            f"{_label(feature['name'])} (box: quartiles; whiskers: 5th-95th pct; ▲ mean)",
            fontsize=8,
            **_TEXT,
        )

    return _Panel(title, draw, tuple(shown))


def _binned_means(source, feature, f, t, title, target_label) -> _Panel | None:
    """Numeric feature, numeric target: the target's mean in each of 20 bins of the feature,
    placed at the bin's mean feature value (the tails beyond Tukey's fences share the end bins)."""
    span = _value_range(source, feature, clip_tails=True)
    if span is None:
        return None
    start, width, count = _bins(*span, feature.get("unique_count"), _FEATURE_BINS)
    rows = source.rows(
        f"""SELECT {_bin_index("x")} AS b, count(*) AS n, avg(x) AS mx, avg(y) AS my
        FROM (SELECT TRY_CAST({f} AS DOUBLE) AS x, TRY_CAST({t} AS DOUBLE) AS y
              FROM {source.table})
        WHERE isfinite(x) AND isfinite(y) GROUP BY b ORDER BY b""",
        [start, width, count - 1],
    )
    if not rows:
        return None
    overall = sum(n * my for _, n, _, my in rows) / sum(n for _, n, _, _ in rows)

    def draw(ax) -> None:
        ax.plot([r[2] for r in rows], [r[3] for r in rows], marker="o", color=_BAR)
        ax.axhline(overall, color=_MUTED, linestyle="--", linewidth=1)
        ax.set_xlabel(f"{_label(feature['name'])} ({len(rows)} bins)", fontsize=8, **_TEXT)
        ax.set_ylabel(f"mean {target_label}", fontsize=8, **_TEXT)

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
        _bar_ticks(ax, [_value_label(v) for v in values])
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
    overall = _finite((target.get("stats") or {}).get("mean"))

    def draw(ax) -> None:
        bars = ax.barh(range(len(rows)), [r[2] for r in rows], color=_BAR, height=0.7)
        ax.bar_label(bars, labels=[_num(r[2]) for r in rows], padding=2, fontsize=7, **_TEXT)
        if overall is not None:
            ax.axvline(overall, color=_MUTED, linestyle="--", linewidth=1)
        _bar_ticks(ax, [_value_label(r[0]) for r in rows])
        ax.set_xlabel(f"mean {target_label}", fontsize=8, **_TEXT)

    return _Panel(title, draw)


# --- 4. Correlations ------------------------------------------------------------------------


def _correlation_matrix(profile: dict) -> tuple[list[str], list[list[float]], str] | None:
    """The profile's matrix as floats (NaN where it has none); a malformed one raises."""
    correlations = profile.get("correlations") or {}
    names = correlations.get("columns") or []
    if len(names) < 2:
        return None
    matrix = correlations["matrix"]
    if len(matrix) != len(names) or any(len(row) != len(names) for row in matrix):
        raise ValueError("the correlation matrix does not match its columns")
    values = [[_finite(v) if _finite(v) is not None else math.nan for v in row] for row in matrix]
    return [str(n) for n in names], values, str(correlations.get("method") or "pearson")


def _strongest(names: list[str], values: list[list[float]], keep: int) -> list[int]:
    """The indices of the `keep` columns with the strongest correlation to any other."""

    def strength(i: int) -> float:
        return max(
            (abs(v) for j, v in enumerate(values[i]) if j != i and not math.isnan(v)), default=0
        )

    return sorted(sorted(range(len(names)), key=lambda i: -strength(i))[:keep])


def _correlations(source: _Source) -> _Drawn | None:
    found = _correlation_matrix(source.profile)
    if found is None:
        return None
    names, values, method = found
    kept = _strongest(names, values, _MAX_HEATMAP_COLUMNS)
    names = [names[i] for i in kept]
    values = [[values[i][j] for j in kept] for i in kept]
    count = len(names)
    method_label = _METHODS.get(method, _label(method, 20))
    size = min(8.5, 3.5 + 0.42 * count)
    figure = _figure(size + 1.2, size)
    ax = figure.add_subplot()
    _heatmap(figure, ax, [_label(n) for n in names], values, method_label)
    title = "Correlations between numeric columns"
    if len(kept) < len(found[0]):
        title += f" (the {count} of {len(found[0])} most correlated)"
    ax.set_title(title, **_TEXT)
    pairs = [
        (abs(values[i][j]), values[i][j], i, j)
        for i in range(count)
        for j in range(i + 1, count)
        if not math.isnan(values[i][j])
    ]
    alt = f"Heat map of the {method_label} correlations among {count} columns, from -1 to 1"
    if pairs:
        _, value, i, j = max(pairs, key=lambda p: p[0])
        alt += f"; the strongest pair is {_label(names[i])} and {_label(names[j])} ({value:+.2f})"
    return _Drawn(figure, "Correlations", alt + ".")


def _heatmap(figure, ax, labels: list[str], values: list[list[float]], method: str) -> None:
    import numpy as np
    from matplotlib import colormaps

    cmap = colormaps["RdBu_r"].with_extremes(bad="#DDDDDD")  # grey where none was computed
    grid = np.ma.masked_invalid(np.array(values, dtype=float))
    image = ax.imshow(grid, cmap=cmap, vmin=-1, vmax=1)
    ticks = range(len(labels))
    ax.set_xticks(ticks, labels=labels, rotation=45, ha="right", fontsize=8, **_TEXT)
    ax.set_yticks(ticks, labels=labels, fontsize=8, **_TEXT)
    colorbar = figure.colorbar(image, ax=ax, shrink=0.8)
    colorbar.set_label(f"{method} correlation", **_TEXT)
    if len(labels) <= _ANNOTATE_HEATMAP_UP_TO:
        size = 9 if len(labels) <= 8 else 7
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                text = "–" if math.isnan(value) else f"{value:.2f}"
                colour = "white" if not math.isnan(value) and abs(value) > 0.6 else "black"
                ax.text(j, i, text, ha="center", va="center", fontsize=size, color=colour, **_TEXT)


_PICTURES: tuple[tuple[str, Callable[[_Source], _Drawn | None]], ...] = (
    (MISSINGNESS, _missingness),
    (TARGET, _target),
    (TARGET_VS_FEATURES, _target_vs_features),
    (CORRELATIONS, _correlations),
)
