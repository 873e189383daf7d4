"""Numbers as profiles write them: JSON numbers, "1,234", "~12 000", "1.2k", "12 (3.4%)".

Upstream profiles are written by LLM analysts and by profilers, so the same fact arrives in many
spellings. Each is decoded here once, so the readers agree on what "3.4%" means.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

# Cell or value spellings that mean "no value here" rather than "a value I cannot read".
ABSENT_TOKENS = frozenset(
    {"", "-", "--", "—", "–", "n/a", "na", "none", "null", "nan", "?", "...", "…", "unknown"}
)

_NUMBER_RE = re.compile(
    r"""^[~≈]?\s*
        (?P<num>[-+]?(?:\d{1,3}(?:[,_\u00a0\u202f ]\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?)
        \s*(?P<suffix>[kKmMbB]|thousand|million|billion)?\s*(?P<pct>%)?$""",
    re.VERBOSE,
)
_SUFFIX = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9}


def is_absent(value: Any) -> bool:
    """True for values that say "unknown" (null, NaN, "—", "n/a") rather than carry a fact."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return value.strip().strip("`*_").strip().lower() in ABSENT_TOKENS
    return False


def parse_float(value: Any, *, allow_suffix: bool = False) -> float | None:
    """A number from a JSON number or a human string ("1,234", "3.4", "~12 000", "1.2k").

    Returns None for an absent value; raises ValueError for text that is not a number, so the
    caller can name the field it could not read. Booleans are not numbers here.
    """
    if type(value) is int or type(value) is float:  # the common case first: plain JSON numbers
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise ValueError(value)
        return float(value)
    if is_absent(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):  # int and float subclasses
        if math.isinf(value):
            raise ValueError(value)
        return float(value)
    if not isinstance(value, str):
        raise ValueError(value)
    match = _NUMBER_RE.match(value.strip().strip("`*_").strip())
    if not match or not match.group("num") or match.group("pct"):
        raise ValueError(value)
    digits = re.sub(r"[,_\u00a0\u202f ]", "", match.group("num"))
    number = float(digits)
    suffix = match.group("suffix")
    if suffix:
        if not allow_suffix:
            raise ValueError(value)
        number *= _SUFFIX[suffix.lower()]
    return number


def parse_count(value: Any, *, allow_suffix: bool = False) -> int | None:
    """A non-negative whole number (a count). ValueError for 3.5, -2 or "lots"."""
    number = parse_float(value, allow_suffix=allow_suffix)
    if number is None:
        return None
    if number < 0 or (number != int(number) and not allow_suffix):
        raise ValueError(value)
    return int(round(number))


_PCT = r"(?P<pct>[-+]?\d+(?:[.,]\d+)?)\s*%"
_COUNT_PCT_RES = (
    re.compile(rf"^[~≈]?\s*{_PCT}$"),  # "3.4%"
    # "12", "1,234", "12 (3.4%)", "12 / 3.4%", "12, 3.4 %"
    re.compile(
        rf"^[~≈]?\s*(?P<count>\d{{1,3}}(?:[,_\u00a0\u202f ]\d{{3}})+|\d+)"
        rf"(?:\s*(?:\(|/|,|;|-|—|–)?\s*{_PCT}\s*\)?)?$"
    ),
)


def parse_count_and_percent(value: Any) -> tuple[int | None, float | None]:
    """Read "12 (3.4%)", "3.4%", "1,234" or a JSON number into (count, percent 0-100).

    A bare number is returned as a count only if it is whole; the caller decides what a bare
    fraction means. Raises ValueError when the text matches none of these shapes.
    """
    if is_absent(value):
        return None, None
    if not isinstance(value, str):
        number = parse_float(value)
        if number is not None and number == int(number) and number >= 0:
            return int(number), None
        raise ValueError(value)
    text = value.strip().strip("`*_").strip()
    for pattern in _COUNT_PCT_RES:
        match = pattern.match(text)
        if match:
            groups = match.groupdict()
            count = parse_count(groups["count"]) if groups.get("count") else None
            # "3,4 %" is a European decimal comma: a percent never has thousands.
            pct = float(groups["pct"].replace(",", ".")) if groups.get("pct") else None
            return count, pct
    raise ValueError(value)


def consistent_value(candidates: Iterable[int | None]) -> int | None:
    """The one value every known candidate agrees on, else None (used to derive a row count)."""
    values = {c for c in candidates if c is not None}
    return values.pop() if len(values) == 1 else None
