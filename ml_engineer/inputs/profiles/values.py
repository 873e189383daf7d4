"""Data values as profiles show them: names, top values with counts, samples, paths."""

from __future__ import annotations

import json
import re
from typing import Any

from ml_engineer.inputs.profiles.numbers import is_absent, parse_count
from ml_engineer.models.profile import TopValue

# How many top values to keep per column: enough for the planner to see the levels of a
# categorical, few enough that a unique ID column does not fill the profile with noise.
MAX_TOP_VALUES = 20
MAX_SAMPLE_VALUES = 10

_VALUE_KEYS = ("value", "val", "category", "level", "label", "key", "name", "item", "top")
_COUNT_KEYS = ("count", "n", "freq", "frequency", "occurrences", "num", "cnt", "size")


def value_text(value: Any) -> str:
    """A data value as text: the way the profile showed it, JSON for nested things."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and value == int(value) and abs(value) < 1e15:
        return str(value)
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def column_name(value: Any) -> str | None:
    """A column name kept exactly as written; numbers and other scalars become text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return value_text(value)
    return None


def looks_like_path(value: str) -> bool:
    """ "data/x.csv", "x.parquet", "s3://b/k" are paths; "Kaggle" or "the HR export" are not."""
    text = value.strip()
    return bool(re.search(r"[/\\]|\.\w{2,8}$", text)) and "\n" not in text


def parse_top_values(raw: Any) -> tuple[list[TopValue], list[str]] | None:
    """Top values from a list of {value, count}, a list of [value, count] pairs or a dict
    value -> count. Returns (top values, values without counts), or None if the shape is none
    of these (the caller records the field as unread)."""
    pairs: list[tuple[Any, Any]] = []
    bare: list[str] = []
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict):
                value_key = next((k for k in _VALUE_KEYS if k in item), None)
                count_key = next((k for k in _COUNT_KEYS if k in item), None)
                if value_key is not None and count_key is not None:
                    pairs.append((item[value_key], item[count_key]))
                elif value_key is None and count_key is None and len(item) == 1:
                    pairs.append(next(iter(item.items())))
                elif value_key is not None:
                    bare.append(value_text(item[value_key]))
                else:
                    return None
            elif isinstance(item, list | tuple) and len(item) >= 2:
                pairs.append((item[0], item[1]))
            elif isinstance(item, str | int | float | bool):
                bare.append(value_text(item))
            else:
                return None
    else:
        return None
    tops: list[TopValue] = []
    for value, count in pairs:
        try:
            parsed = parse_count(count)
        except ValueError:
            return None
        if parsed is None:
            bare.append(value_text(value))
        else:
            tops.append(TopValue(value=value_text(value), count=parsed))
    tops.sort(key=lambda t: -t.count)  # stable: ties keep the profile's order
    return tops[:MAX_TOP_VALUES], bare


def parse_samples(raw: Any) -> list[str] | None:
    """Sample values from a list, a dict row -> value (ydata first_rows) or one scalar."""
    if isinstance(raw, dict):
        raw = list(raw.values())
    if isinstance(raw, str | int | float | bool):
        raw = [raw]
    if not isinstance(raw, list):
        return None
    return [value_text(v) for v in raw if not is_absent(v)][:MAX_SAMPLE_VALUES]
