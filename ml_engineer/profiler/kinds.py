"""What each column holds (numeric, categorical, boolean, datetime, text, id), from the engine's
type and what its values look like.

The rules follow the product's own reading of data columns (`inputs/data/column_profile.py`), so a
column is named alike whether the analyst's profile or this one describes it: a number column
with a few junk markers ("?") is numeric, text that reads as dates is a datetime (and the profile
says it is stored as text), long and varied strings are prose, and a column whose every value is
distinct and short is an identifier.
"""

from __future__ import annotations

from dataclasses import dataclass

from ml_engineer.inputs.data.kind_rules import (
    DATE_SHARE,
    NUMERIC_SHARE,
    TEXT_MEAN_LENGTH,
    TEXT_MIN_DISTINCT,
    TIME_WORDS,
)
from ml_engineer.planning.names import tokens
from ml_engineer.profiler.measure import ColumnFacts

ID_MIN_ROWS = 20  # below this, every value being distinct says nothing
ID_WORDS = {"id", "ids", "uuid", "guid", "key", "pk", "identifier", "idx", "rownum", "index"}


@dataclass(frozen=True)
class Kind:
    name: str  # numeric, categorical, boolean, datetime, text, id or unknown
    stored_as_text: bool = False  # a datetime or number that the file keeps as text
    note: str | None = None


def column_kind(col: ColumnFacts, rows: int) -> Kind:
    if col.non_null == 0:
        return Kind("unknown", note="every value is missing")
    if col.group == "boolean":
        return Kind("boolean")
    if col.group == "time":
        return Kind("datetime")
    if col.group == "other":
        return Kind("unknown", note=f"values of type {col.engine_type}, not modelled on")
    if col.group == "number":
        return _number_kind(col, rows)
    return _text_kind(col)


def _number_kind(col: ColumnFacts, rows: int) -> Kind:
    words = set(tokens(col.name))
    if not col.integers or col.non_null != rows or rows < ID_MIN_ROWS or col.distinct < rows:
        return Kind("numeric")
    if words & TIME_WORDS:
        return Kind("numeric")
    counts_rows = col.min in (0, 1) and col.max == col.min + rows - 1
    if counts_rows:
        return Kind("id", note="its values count the rows (0, 1, 2, ... or 1, 2, 3, ...): a "
                               "row number, not a property of the row")  # fmt: skip
    if words & ID_WORDS:
        return Kind("id", note="every value is distinct and the name says identifier")
    return Kind("numeric")


def _text_kind(col: ColumnFacts) -> Kind:
    folded = {str(v).strip().lower() for v, _ in col.top_values}
    if col.distinct == 2 and folded == {"true", "false"}:
        return Kind("boolean", stored_as_text=True)
    if col.number_share is not None and col.number_share >= NUMERIC_SHARE:
        junk = 1 - col.number_share
        share = f"{junk:.1%}" if junk >= 0.001 else "fewer than 0.1%"
        note = f"{share} of its values are not numbers; they are read as missing" if junk else None
        return Kind("numeric", stored_as_text=True, note=note)
    if col.date_share is not None and col.date_share >= DATE_SHARE:
        return Kind("datetime", stored_as_text=True)
    short = col.length_mean is not None and col.length_mean < TEXT_MEAN_LENGTH
    if col.distinct == col.non_null and col.non_null >= ID_MIN_ROWS and short:
        return Kind("id", note="every value is distinct")
    if not short and col.distinct > TEXT_MIN_DISTINCT:
        return Kind("text")
    return Kind("categorical")
