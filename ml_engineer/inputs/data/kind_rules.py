"""The rules that tell what a data column holds, shared by the two profilers of data: the one
that fills the analyst's gaps (`column_profile.py`, pandas) and `ml-engineer profile` (DuckDB), so
a column is named alike whichever measured it. Free of pandas: the profile command does not load
it."""

from __future__ import annotations

# The planner's: strings this long on average are prose.
from ml_engineer.planning.columns import TEXT_MEAN_LENGTH

TOP_VALUES = 10
SAMPLE_VALUES = 5
MAX_VALUE_CHARS = 80  # a sample or top value is cut to this many characters
NUMERIC_SHARE = 0.9  # text columns this numeric are numbers with a few junk markers ("?")
DATE_SHARE = 0.95  # text columns this often read as dates are dates
TEXT_MIN_DISTINCT = 30  # long strings this varied are prose (else they are labels)
# A counter 0, 1, 2, ... (or 1, 2, 3, ...) numbers the rows; under these names it is time.
TIME_WORDS = frozenset(
    {"year", "month", "week", "day", "hour", "period", "time", "date", "step", "t"}
)

__all__ = [
    "DATE_SHARE", "MAX_VALUE_CHARS", "NUMERIC_SHARE", "SAMPLE_VALUES", "TEXT_MEAN_LENGTH",
    "TEXT_MIN_DISTINCT", "TIME_WORDS", "TOP_VALUES",
]  # fmt: skip
