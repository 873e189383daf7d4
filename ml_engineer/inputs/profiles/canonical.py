"""Read the "canonical" profile.json an LLM analyst writes, in its many spellings.

The upstream description is loose (see contracts.md, "What arrives"), so this reader accepts
every spelling we have seen of each fact (`canonical_keys.py`) and lists everything else in
`unread_fields`. Missing values are the subtle part: percents, fractions and counts all occur,
sometimes under a key that does not say which, so the missing record of every column is collected
first and resolved once the row count and the whole file are known.
"""

from __future__ import annotations

from ml_engineer.inputs.profiles.build import build_profile, no_columns_error
from ml_engineer.inputs.profiles.canonical_columns import read_columns
from ml_engineer.inputs.profiles.canonical_flags import read_flag_list, read_notes
from ml_engineer.inputs.profiles.canonical_keys import (
    COLUMN_CONTAINERS,
    FLAG_LIST_KEYS,
    NOTE_KEYS,
    OVERVIEW_KEYS,
    TOP_IGNORED,
    WRAPPERS,
)
from ml_engineer.inputs.profiles.canonical_overview import read_overview
from ml_engineer.inputs.profiles.missing import resolve_missing
from ml_engineer.inputs.profiles.numbers import consistent_value
from ml_engineer.inputs.profiles.unread import ColumnFields, Unread
from ml_engineer.models.profile import DataProfile


def _find_columns(data: dict) -> tuple[dict, str] | None:
    """The (possibly unwrapped) profile and the key of its column container."""
    for key in COLUMN_CONTAINERS:
        if isinstance(data.get(key), list | dict) and data[key]:
            return data, key
    for wrapper in WRAPPERS:
        inner = data.get(wrapper)
        if isinstance(inner, dict) and any(
            isinstance(inner.get(k), list | dict) and inner[k] for k in COLUMN_CONTAINERS
        ):
            # {"profile": {...}}: read the inner object, keeping the outer keys beside it.
            merged = {k: v for k, v in data.items() if k != wrapper} | inner
            return _find_columns(merged)
    return None


def read_canonical(data: dict, profile_path: str) -> DataProfile:
    """Read a canonical (LLM-written) profile that has already been parsed from JSON."""
    found = _find_columns(data)
    if found is None:
        raise no_columns_error(profile_path, data.keys(), "profile")
    data, container = found
    raw_columns = data[container]
    fields = ColumnFields(Unread(), container, is_list=isinstance(raw_columns, list))

    columns, missing = read_columns(raw_columns, fields, profile_path)
    overview = read_overview(data, container, fields.unread)

    row_count = overview.rows
    if row_count is None:
        # Derived only when every column that can tell agrees (e.g. count + missing).
        row_count = consistent_value(
            m.total
            if m.total is not None
            else (m.non_null + m.count if m.non_null is not None and m.count is not None else None)
            for m in missing
        )
    resolve_missing(columns, missing, row_count, fields.bad_value)

    known = {c.name: c for c in columns}
    notes: list[str] = list(overview.notes)
    for key in FLAG_LIST_KEYS:
        if key in data and key not in OVERVIEW_KEYS:
            read_flag_list(data[key], key, known, notes, fields)
    for key in NOTE_KEYS:
        if key in data:
            read_notes(data[key], key, notes, fields.unread)

    understood = {container, *FLAG_LIST_KEYS, *NOTE_KEYS, *overview.keys}
    for key in data:
        if key not in understood and key not in TOP_IGNORED:
            fields.unread.add(str(key))

    return build_profile(
        source_format="canonical",
        profile_path=profile_path,
        columns=columns,
        row_count=row_count,
        column_count=overview.columns,
        dataset_path=overview.path,
        quality_notes=notes,
        unread=fields.unread,
        top_keys=data.keys(),
        column_count_field=overview.columns_field,
    )
