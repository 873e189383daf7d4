"""What every EDA picture is drawn from and with: the profile and its table behind one query
method, untrusted text made safe to draw, numbers and percentages as shown, and a figure that is
created without pyplot and saved atomically.

Nothing here draws a picture; each picture is its own module, called from `write_charts` in the
package's `__init__`. matplotlib is imported inside the functions that need it, so importing this
module stays cheap (the `profile` command starts without it).
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ml_engineer.profiler.engine import quote

DPI = 100  # with the pictures' figure sizes: 800-1000 px wide, what GitHub shows without scaling
LABEL_CHARS = 30

# Every text drawn from data: never mathtext, never LaTeX (even if the user's matplotlibrc asks).
PLAIN_TEXT: dict[str, Any] = {"parse_math": False, "usetex": False}

# What drawing one picture can raise that must cost only that picture. Deliberately not a bare
# `Exception`: an interrupt or running out of memory should still stop the command.
PICTURE_ERRORS = (
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

# How a column is pictured (see `kind`).
NUMERIC = "numeric"
CATEGORICAL = "categorical"

BAR_COLOUR = "#4C72B0"
MUTED_COLOUR = "#8C8C8C"  # reference lines, and target classes not told apart


# --- What the pictures are drawn from ------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """The profiled table and its profile: the few numbers the profile lacks are asked of `table`
    (already a quoted identifier) through `rows`, with values passed as parameters."""

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
class Drawn:
    """A picture drawn but not yet saved, with the title and alt text the report shows for it."""

    figure: Any  # matplotlib.figure.Figure (imported lazily)
    title: str
    alt: str


def sql_name(name: object) -> str:
    """A column name as a SQL identifier: the name can hold anything, quotes included."""
    return quote(str(name))


def kind(column: dict) -> str | None:
    """How a column is pictured: as numbers, as classes, or (datetime, text, id) not at all."""
    inferred = column.get("inferred_type")
    if inferred == "numeric":
        return NUMERIC
    if inferred in ("categorical", "boolean"):
        return CATEGORICAL
    return None


def finite(value: object) -> float | None:
    """A profile number as a float; None for a missing, boolean, NaN or infinite one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def target_column(source: Source) -> dict | None:
    """The profile's entry for the target; None when no target is set."""
    if source.target is None:
        return None
    column = source.column(source.target)
    if column is None:
        raise KeyError(f"the target {label(source.target)} is not among the profiled columns")
    return column


# --- Untrusted text on a picture ------------------------------------------------------------


def clean_text(text: object) -> str:
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


def label(text: object, limit: int = LABEL_CHARS) -> str:
    clean = clean_text(text) or "(blank)"
    return clean if len(clean) <= limit else clean[: limit - 1].rstrip() + "…"


def value_label(value: object) -> str:
    """A category value as shown: NULL is "(missing)", booleans as DuckDB prints them."""
    if value is None:
        return "(missing)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return label(value) if str(value) else "(empty)"


def error_text(exc: BaseException) -> str:
    """An error for the log: its message can quote a column name or value, so cleaned and cut."""
    return label(exc, 300)


def number(value: float) -> str:
    """A number as a reader wants it: whole numbers with thousands separators, others to three
    significant figures (the picture is an overview; profile.json has the exact values)."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if 1e4 <= abs(value) < 1e15:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def percent(share: float) -> str:
    """A percentage that never rounds a few rows to 0% or almost all of them to 100%."""
    if 0 < share < 0.1:
        return "<0.1%"
    if 99.9 < share < 100:
        return ">99.9%"
    return f"{share:.1f}%"


# --- Drawing and saving ---------------------------------------------------------------------


def new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def save_png(figure, path: Path) -> None:
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
            figure.savefig(handle, format="png", dpi=DPI)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def bar_ticks(ax, labels: Sequence[str]) -> None:
    """Category labels down the y axis, the first at the top."""
    ax.set_yticks(range(len(labels)), labels=list(labels), **PLAIN_TEXT)
    ax.invert_yaxis()


def no_math(artist) -> None:
    """Texts matplotlib creates itself (legend entries, titles): mathtext off before drawing."""
    if artist is None:
        return
    for text in artist.get_texts():
        text.set_parse_math(False)
        text.set_usetex(False)
    title = getattr(artist, "get_title", None)
    if title is not None:
        title().set_parse_math(False)
