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

Where things are: this module decides which pictures are drawn and saves them; `plumbing` holds
what they share (the table and profile behind one query method, safe labels, number formats, the
figure and its atomic save); `binning` the equal-width bins counted in SQL; and each picture is
its own module (`missingness`, `target`, `target_vs_features`, `correlations`), called only from
`write_charts`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ml_engineer.profiler.charts.correlations import draw_correlations
from ml_engineer.profiler.charts.missingness import draw_missingness
from ml_engineer.profiler.charts.plumbing import PICTURE_ERRORS, Drawn, Source, error_text, save_png
from ml_engineer.profiler.charts.target import draw_target
from ml_engineer.profiler.charts.target_vs_features import draw_target_vs_features

__all__ = ["CORRELATIONS", "MISSINGNESS", "TARGET", "TARGET_VS_FEATURES", "Chart", "write_charts"]

_log = logging.getLogger(__name__)

MISSINGNESS = "eda-missingness.png"
TARGET = "eda-target.png"
TARGET_VS_FEATURES = "eda-target-vs-features.png"
CORRELATIONS = "eda-correlations.png"

# The pictures in report order, each with the file it is saved as.
_PICTURES: tuple[tuple[str, Callable[[Source], Drawn | None]], ...] = (
    (MISSINGNESS, draw_missingness),
    (TARGET, draw_target),
    (TARGET_VS_FEATURES, draw_target_vs_features),
    (CORRELATIONS, draw_correlations),
)


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
    source = Source(con, table, profile)
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = []
    for file, build in _PICTURES:
        path = out_dir / file
        try:
            drawn = build(source)
            if drawn is not None:
                save_png(drawn.figure, path)
        except PICTURE_ERRORS as exc:
            _log.warning(
                "EDA picture %s skipped: %s: %s", file, type(exc).__name__, error_text(exc)
            )
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
