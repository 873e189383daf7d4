"""A canonical column's missing values, in whichever of their many spellings it gives them.

Only collected here (`MissingFacts`): whether "3.4" is a percent or a fraction, and what a count
means as a share, is decided by `missing.resolve_missing` once the whole file is read.
"""

from __future__ import annotations

from typing import Any

from ml_engineer.inputs.profiles.canonical_keys import (
    MISSING_AMBIGUOUS_KEYS,
    MISSING_COUNT_KEYS,
    MISSING_DICT_AMBIGUOUS,
    MISSING_DICT_COUNT,
    MISSING_DICT_FRACTION,
    MISSING_DICT_PCT,
    MISSING_FRACTION_KEYS,
    MISSING_MIXED_KEYS,
    MISSING_PCT_KEYS,
    NON_NULL_KEYS,
    TOTAL_KEYS,
)
from ml_engineer.inputs.profiles.missing import MissingFacts
from ml_engineer.inputs.profiles.numbers import (
    is_absent,
    parse_count,
    parse_count_and_percent,
    parse_float,
)
from ml_engineer.inputs.profiles.unread import ColumnFields


def read_missing(name: str, entry: dict, fields: ColumnFields, used: set[str]) -> MissingFacts:
    miss = MissingFacts()

    def count_of(key: str, value: Any) -> int | None:
        try:
            return parse_count(value)
        except ValueError:
            fields.bad_value(name, key, value)
            return None

    def rate_of(key: str, value: Any) -> tuple[float | None, bool]:
        """(number, is_percent): a "3.4%" string says it is a percent, whatever the key."""
        try:
            if isinstance(value, str) and value.strip().endswith("%"):
                return parse_count_and_percent(value)[1], True
            return parse_float(value), False
        except ValueError:
            fields.bad_value(name, key, value)
            return None, False

    for key in entry:
        value = entry[key]
        if key in MISSING_COUNT_KEYS:
            used.add(key)
            miss.count = miss.count if miss.count is not None else count_of(key, value)
        elif key in MISSING_MIXED_KEYS:
            used.add(key)
            if isinstance(value, dict):
                _read_missing_dict(name, key, value, miss, fields)
            elif isinstance(value, float) and not is_absent(value) and value != int(value):
                miss.ambiguous, miss.ambiguous_key = value, key  # 0.034 or 3.4: decided later
            else:
                try:
                    count, pct = parse_count_and_percent(value)
                except ValueError:
                    number, _ = rate_of(key, value)  # "0.034" as text: decided later
                    if number is not None:
                        miss.ambiguous, miss.ambiguous_key = number, key
                    continue
                miss.count = miss.count if miss.count is not None else count
                if pct is not None and miss.percent is None:
                    miss.percent, miss.percent_key = pct, key
        elif (
            key in MISSING_PCT_KEYS
            or key in MISSING_FRACTION_KEYS
            or key in (MISSING_AMBIGUOUS_KEYS)
        ):
            used.add(key)
            number, is_percent = rate_of(key, value)
            if number is None:
                continue
            if is_percent or key in MISSING_PCT_KEYS:
                if miss.percent is None:
                    miss.percent, miss.percent_key = number, key
            elif key in MISSING_FRACTION_KEYS:
                if miss.fraction is None:
                    miss.fraction, miss.fraction_key = number, key
            elif miss.ambiguous is None:
                miss.ambiguous, miss.ambiguous_key = number, key
        elif key in NON_NULL_KEYS:
            used.add(key)
            miss.non_null = miss.non_null if miss.non_null is not None else count_of(key, value)
        elif key in TOTAL_KEYS:
            used.add(key)
            miss.total = miss.total if miss.total is not None else count_of(key, value)
    return miss


def _read_missing_dict(
    name: str, key: str, value: dict, miss: MissingFacts, fields: ColumnFields
) -> None:
    """`"missing": {"count": 12, "percent": 3.4}` and its spellings."""
    for sub, raw in value.items():
        where = f"{key}.{sub}"
        try:
            if sub in MISSING_DICT_COUNT:
                if miss.count is None:
                    miss.count = parse_count(raw)
            elif sub in MISSING_DICT_PCT:
                pct = parse_count_and_percent(raw)[1] if isinstance(raw, str) else parse_float(raw)
                if miss.percent is None and pct is not None:
                    miss.percent, miss.percent_key = pct, where
            elif sub in MISSING_DICT_FRACTION:
                if miss.fraction is None:
                    miss.fraction, miss.fraction_key = parse_float(raw), where
            elif sub in MISSING_DICT_AMBIGUOUS:
                if miss.ambiguous is None:
                    miss.ambiguous, miss.ambiguous_key = parse_float(raw), where
            else:
                fields.unknown_key(str(sub), f".{key}")
        except ValueError:
            fields.bad_value(name, where, raw)
