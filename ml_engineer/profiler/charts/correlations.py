"""Picture 4: the heat map of the profile's correlation matrix (no query), cut to the most
correlated columns when there are many."""

from __future__ import annotations

import math

from ml_engineer.profiler.charts.plumbing import (
    PLAIN_TEXT,
    Drawn,
    Source,
    finite,
    label,
    new_figure,
)

_MAX_HEATMAP_COLUMNS = 30
_ANNOTATE_HEATMAP_UP_TO = 15
_METHODS = {"pearson": "Pearson", "spearman": "Spearman", "kendall": "Kendall"}


def _correlation_matrix(profile: dict) -> tuple[list[str], list[list[float]], str] | None:
    """The profile's matrix as floats (NaN where it has none); a malformed one raises."""
    correlations = profile.get("correlations") or {}
    names = correlations.get("columns") or []
    if len(names) < 2:
        return None
    matrix = correlations["matrix"]
    if len(matrix) != len(names) or any(len(row) != len(names) for row in matrix):
        raise ValueError("the correlation matrix does not match its columns")
    values = [[finite(v) if finite(v) is not None else math.nan for v in row] for row in matrix]
    return [str(n) for n in names], values, str(correlations.get("method") or "pearson")


def _strongest(names: list[str], values: list[list[float]], keep: int) -> list[int]:
    """The indices of the `keep` columns with the strongest correlation to any other."""

    def strength(i: int) -> float:
        return max(
            (abs(v) for j, v in enumerate(values[i]) if j != i and not math.isnan(v)), default=0
        )

    return sorted(sorted(range(len(names)), key=lambda i: -strength(i))[:keep])


def draw_correlations(source: Source) -> Drawn | None:
    found = _correlation_matrix(source.profile)
    if found is None:
        return None
    names, values, method = found
    kept = _strongest(names, values, _MAX_HEATMAP_COLUMNS)
    names = [names[i] for i in kept]
    values = [[values[i][j] for j in kept] for i in kept]
    count = len(names)
    method_label = _METHODS.get(method, label(method, 20))
    size = min(8.5, 3.5 + 0.42 * count)
    figure = new_figure(size + 1.2, size)
    ax = figure.add_subplot()
    _heatmap(figure, ax, [label(n) for n in names], values, method_label)
    title = "Correlations between numeric columns"
    if len(kept) < len(found[0]):
        title += f" (the {count} of {len(found[0])} most correlated)"
    ax.set_title(title, **PLAIN_TEXT)
    pairs = [
        (abs(values[i][j]), values[i][j], i, j)
        for i in range(count)
        for j in range(i + 1, count)
        if not math.isnan(values[i][j])
    ]
    alt = f"Heat map of the {method_label} correlations among {count} columns, from -1 to 1"
    if pairs:
        _, value, i, j = max(pairs, key=lambda p: p[0])
        alt += f"; the strongest pair is {label(names[i])} and {label(names[j])} ({value:+.2f})"
    return Drawn(figure, "Correlations", alt + ".")


def _heatmap(figure, ax, labels: list[str], values: list[list[float]], method: str) -> None:
    import numpy as np
    from matplotlib import colormaps

    cmap = colormaps["RdBu_r"].with_extremes(bad="#DDDDDD")  # grey where none was computed
    grid = np.ma.masked_invalid(np.array(values, dtype=float))
    image = ax.imshow(grid, cmap=cmap, vmin=-1, vmax=1)
    ticks = range(len(labels))
    ax.set_xticks(ticks, labels=labels, rotation=45, ha="right", fontsize=8, **PLAIN_TEXT)
    ax.set_yticks(ticks, labels=labels, fontsize=8, **PLAIN_TEXT)
    colorbar = figure.colorbar(image, ax=ax, shrink=0.8)
    colorbar.set_label(f"{method} correlation", **PLAIN_TEXT)
    if len(labels) <= _ANNOTATE_HEATMAP_UP_TO:
        size = 9 if len(labels) <= 8 else 7
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                text = "–" if math.isnan(value) else f"{value:.2f}"
                colour = "white" if not math.isnan(value) and abs(value) > 0.6 else "black"
                ax.text(
                    j, i, text, ha="center", va="center", fontsize=size, color=colour, **PLAIN_TEXT
                )
