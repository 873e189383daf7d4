"""A canonical profile's overview: row count, column count, dataset path and whole-table notes.

The facts come from an overview block ("overview", "summary", "meta", ...) or, where no block
gave them, from flat keys at the top level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ml_engineer.inputs.profiles.canonical_flags import read_notes
from ml_engineer.inputs.profiles.canonical_keys import (
    COLUMN_COUNT_KEYS,
    DESCRIPTIVE_PATH_KEYS,
    DUPLICATE_ROW_KEYS,
    NOTE_KEYS,
    OVERVIEW_IGNORED,
    OVERVIEW_KEYS,
    PATH_KEYS,
    ROW_KEYS,
    SAMPLE_SIZE_KEYS,
)
from ml_engineer.inputs.profiles.numbers import is_absent, parse_count
from ml_engineer.inputs.profiles.unread import Unread, parse_or_note
from ml_engineer.inputs.profiles.values import looks_like_path, value_text


@dataclass
class Overview:
    rows: int | None = None
    columns: int | None = None
    columns_field: str = "column_count"
    path: str | None = None
    notes: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)  # top-level keys this block understood


def read_overview(data: dict, container: str, unread: Unread) -> Overview:
    """Row count, column count and dataset path, from an overview block or the top level."""
    ov = Overview()
    for key in OVERVIEW_KEYS:
        value = data.get(key)
        if key == container:
            continue
        if isinstance(value, str) and key in ("summary", "overview"):
            ov.notes.append(value)  # a prose summary is a note, kept verbatim
            ov.keys.add(key)
        if not isinstance(value, dict):
            continue
        ov.keys.add(key)
        for sub, sub_value in value.items():
            where = f"{key}.{sub}"
            if _overview_fact(ov, str(sub).lower(), sub_value, where, unread):
                continue
            if str(sub).lower() in NOTE_KEYS:
                read_notes(sub_value, where, ov.notes, unread)
            elif str(sub).lower() not in OVERVIEW_IGNORED:
                unread.add(where)
    # Flat facts at the top level count only where no overview block already gave them.
    for key, value in data.items():
        if key != container and key not in ov.keys:
            if _overview_fact(ov, str(key).lower(), value, str(key), unread):
                ov.keys.add(key)
    return ov


def _overview_fact(ov: Overview, key: str, value: Any, where: str, unread: Unread) -> bool:
    """Record one overview fact; False if `key` is not an overview fact this reader knows."""
    if isinstance(value, list | dict) and key != "shape" and key not in PATH_KEYS:
        return False
    if key in ROW_KEYS:
        if ov.rows is None:
            ov.rows = _count(value, where, unread)
    elif key in COLUMN_COUNT_KEYS:
        if ov.columns is None:
            ov.columns, ov.columns_field = _count(value, where, unread), where
    elif key == "shape" and isinstance(value, list) and len(value) == 2:
        if ov.rows is None:
            ov.rows = _count(value[0], where, unread)
        if ov.columns is None:
            ov.columns, ov.columns_field = _count(value[1], where, unread), where
    elif key in PATH_KEYS:
        path = _path_of(value)
        if path is None:
            return False
        if key in DESCRIPTIVE_PATH_KEYS and not looks_like_path(path):
            return True  # "source": "Kaggle" names an origin, not a file
        ov.path = ov.path or path
    elif key in DUPLICATE_ROW_KEYS:
        try:
            n = parse_count(value)
        except ValueError:
            n = None
        if n:
            ov.notes.append(f"{n} duplicate rows ({where})")
    elif key in SAMPLE_SIZE_KEYS:
        if not is_absent(value):
            ov.notes.append(f"Profile computed on a sample: {where} = {value_text(value)}")
    else:
        return False
    return True


def _count(value: Any, where: str, unread: Unread) -> int | None:
    # Overview counts are often rounded by hand ("12k rows"): a suffix is accepted here.
    return parse_or_note(parse_count, value, where, unread, allow_suffix=True)


def _path_of(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict):
        for key in PATH_KEYS:
            if isinstance(value.get(key), str) and value[key].strip():
                return value[key].strip()
    return None
