"""What kind of answer a goal's words ask for: two classes, several, or a number.

"whether" and "predict if" ask for a yes/no column (`names.YES_NO`); "which kind" for classes;
"how many", "number of" for a number outright, and words like "price" or "sales" for something
usually measured as one.
When no column's name reads as the goal's topic, the form narrows the candidates.
"""

from __future__ import annotations

import re

from ml_engineer.models import ColumnKind, ColumnProfile
from ml_engineer.planning.names import YES_NO

MAX_CLASSES = 50

_CLASSES = re.compile(
    r"\b(which|what (kind|type|sort|category|class)|(type|kind|class) of)\b", re.I
)
# Words that ask for a number outright, and words naming something usually measured as one.
_COUNT = re.compile(r"\b(how (many|much|long|often|far)|number of)\b", re.I)
_NUMBER = re.compile(
    r"\b(amount|price|cost|rate|level|total|average|count|score|sale|revenue|income|earning|"
    r"wage|salar(y|ie)|hour|duration|concentration|temperature|weight|height)s?\b"
    r"|\b(value|size) of\b|\bspend\w*",
    re.I,
)


def goal_form(sentence: str) -> str | None:
    """binary, classes or number: what kind of answer the goal's words ask for."""
    if YES_NO.search(sentence):
        return "binary"
    if _CLASSES.search(sentence):
        return "classes"
    if _COUNT.search(sentence) or _NUMBER.search(sentence):
        return "number"
    return None


def form_is_explicit(sentence: str, form: str | None) -> bool:
    """Whether the goal asks for its form in so many words ("whether", "how many"), rather than
    naming a thing usually measured as a number ("revenue"), which no column may hold."""
    return (form == "binary" and bool(YES_NO.search(sentence))) or (
        form == "number" and bool(_COUNT.search(sentence))
    )


FORM_WORDS = {
    "binary": "a yes/no answer (two classes)",
    "number": "for a number",
    "classes": "for one of several classes",
}


def fits(col: ColumnProfile, form: str | None) -> bool:
    n = col.unique_count
    if form == "binary":
        return col.kind == ColumnKind.boolean or n == 2
    if form == "number":
        return col.kind == ColumnKind.numeric and (n is None or n > 2)
    if form == "classes":
        textual = col.kind in (ColumnKind.categorical, ColumnKind.text, ColumnKind.boolean)
        return (textual or (n is not None and n <= 10)) and (n is None or 3 <= n <= MAX_CLASSES)
    return col.kind in (ColumnKind.numeric, ColumnKind.boolean, ColumnKind.categorical) and (
        col.kind != ColumnKind.categorical or n is None or n <= MAX_CLASSES
    )


def values_of(col: ColumnProfile) -> str:
    if col.kind == ColumnKind.boolean or col.unique_count == 2:
        shown = ", ".join(tv.value for tv in col.top_values[:2])
        return f"two values{f' ({shown})' if shown else ''}"
    if col.kind == ColumnKind.numeric:
        stats = col.stats
        span = (
            f", {stats.min:g} to {stats.max:g}"
            if stats and stats.min is not None and stats.max is not None
            else ""
        )
        count = f"{col.unique_count} distinct values" if col.unique_count else "numeric"
        return f"a number ({count}{span})"
    count = f"{col.unique_count} classes" if col.unique_count else "classes"
    return f"{col.kind.value}, {count}"
