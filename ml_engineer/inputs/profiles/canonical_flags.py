"""Quality flags and notes in a canonical profile: per column, and in top-level lists or dicts.

Every issue is kept verbatim as a note; the flags it implies are attached to the columns it
names. A top-level flag may be a string, a {column, flag, detail} object, or a dict keyed either
by column or by flag, whichever the keys turn out to be.
"""

from __future__ import annotations

from typing import Any

from ml_engineer.inputs.profiles.canonical_keys import (
    BOOLEAN_FLAG_KEYS,
    COLUMN_FLAG_DETAIL_KEYS,
    COLUMN_FLAG_KEYS,
    COLUMN_FLAG_WORD_KEYS,
    COLUMN_NOTE_KEYS,
    FLAG_COLUMN_KEYS,
    FLAG_OBJECT_DETAIL_KEYS,
    FLAG_OBJECT_IGNORED,
    FLAG_OBJECT_WORD_KEYS,
    ROLE_KEYS,
)
from ml_engineer.inputs.profiles.flags import (
    attach,
    columns_named_in,
    flag_named_columns,
    flags_for_issue,
    normalise_flags,
    note_flags,
    split_column_refs,
)
from ml_engineer.inputs.profiles.numbers import is_absent
from ml_engineer.inputs.profiles.unread import ColumnFields, Unread, keys_taken, short
from ml_engineer.inputs.profiles.values import column_name, value_text
from ml_engineer.inputs.profiles.vocabulary import DESCRIPTION_WORDS
from ml_engineer.models.profile import ColumnProfile


def read_column_flags(column: ColumnProfile, entry: dict, fields: ColumnFields, used: set) -> None:
    """A column entry's flags, boolean flag keys (`is_id: true`) and notes."""
    for key in keys_taken(entry, COLUMN_FLAG_KEYS, used):
        raw = entry[key]
        items = raw if isinstance(raw, list) else [raw]
        for item in items:
            if isinstance(item, str):
                attach(column, item, normalise_flags(item))
            elif isinstance(item, dict):
                word = next((item[k] for k in COLUMN_FLAG_WORD_KEYS if k in item), None)
                detail = next((item[k] for k in COLUMN_FLAG_DETAIL_KEYS if k in item), None)
                text = ": ".join(value_text(v) for v in (word, detail) if v is not None)
                attach(column, text or value_text(item), flags_for_issue(word, detail))
            elif isinstance(item, bool) and not item:
                continue
            elif not is_absent(item):
                fields.bad_value(column.name, key, item, "cannot read flag")
    for key, flag in BOOLEAN_FLAG_KEYS.items():
        if key in entry:
            used.add(key)
            if entry[key] is True:
                attach(column, None, [flag])
    for key in keys_taken(entry, COLUMN_NOTE_KEYS, used):
        raw = entry[key]
        for item in raw if isinstance(raw, list) else [raw]:
            if is_absent(item):
                continue
            text = value_text(item)
            if key in ROLE_KEYS:
                flags = [f for f in normalise_flags(text) if f in ("likely_id", "weight")]
                attach(column, f"{key}: {text}", flags)
            elif key in DESCRIPTION_WORDS:
                attach(column, f"{key}: {text}", [])
            else:
                attach(column, text, note_flags(text))


def read_notes(raw: Any, key: str, notes: list[str], unread: Unread) -> None:
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, str):
            notes.append(item)
        elif not is_absent(item):
            unread.add(f"{key}: cannot read note {short(item)}")


def read_flag_list(
    raw: Any, key: str, known: dict[str, ColumnProfile], notes: list[str], fields: ColumnFields
) -> None:
    """Top-level quality flags: strings, {column, flag|issue, detail} objects, or a dict."""
    if isinstance(raw, dict):
        _read_flag_dict(raw, key, known, notes, fields)
        return
    if not isinstance(raw, list):
        raw = [raw]
    for i, item in enumerate(raw):
        if isinstance(item, str):
            notes.append(item)
            flag_named_columns(item, known)
        elif isinstance(item, dict):
            _read_flag_object(item, f"{key}[{i}]", known, notes, fields)
        elif not is_absent(item):
            fields.unread.add(f"{key}[{i}]: cannot read flag {short(item)}")


def _read_flag_object(
    item: dict, where: str, known: dict[str, ColumnProfile], notes: list[str], fields: ColumnFields
) -> None:
    column_ref = next((item[k] for k in FLAG_COLUMN_KEYS if k in item), None)
    word = next((item[k] for k in FLAG_OBJECT_WORD_KEYS if k in item), None)
    if column_ref is None and isinstance(item.get("name"), str) and item["name"] in known:
        column_ref = item["name"]  # "name" is a column only if such a column exists
    elif word is None and "name" in item:
        word = item["name"]
    details = [item[k] for k in FLAG_OBJECT_DETAIL_KEYS if k in item and not is_absent(item[k])]
    text = ": ".join(value_text(v) for v in [word, *details] if v is not None)
    refs: list[str] = []
    if isinstance(column_ref, list):
        refs = [n for n in (column_name(r) for r in column_ref) if n is not None]
    elif column_ref is not None:
        refs = [column_name(column_ref) or value_text(column_ref)]
    names = [n for ref in refs for n in split_column_refs(ref, known)]
    shown = ", ".join(refs)
    notes.append(f"{shown}: {text}" if shown else text)
    flags = flags_for_issue(word, " ".join(value_text(d) for d in details))
    for name in dict.fromkeys(names):
        attach(known[name], text, flags)
    for sub in item:
        if (
            sub not in FLAG_COLUMN_KEYS
            and sub not in FLAG_OBJECT_WORD_KEYS
            and sub != "name"
            and sub not in FLAG_OBJECT_DETAIL_KEYS
            and sub not in FLAG_OBJECT_IGNORED
        ):
            fields.unread.add(f"{where.split('[')[0]}[*].{sub}")


def _read_flag_dict(
    raw: dict, key: str, known: dict[str, ColumnProfile], notes: list[str], fields: ColumnFields
) -> None:
    """`{column: [issues]}` or `{flag: [columns]}`: whichever the keys turn out to be."""
    for sub, value in raw.items():
        if sub in known:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, bool):
                    continue
                text = value_text(item) if not isinstance(item, dict) else None
                if isinstance(item, dict):
                    _read_flag_object({"column": sub, **item}, key, known, notes, fields)
                else:
                    notes.append(f"{sub}: {text}")
                    attach(known[sub], text, normalise_flags(text))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            flags = normalise_flags(sub)
            notes.append(f"{sub}: {', '.join(value)}")
            for ref in value:
                for name in split_column_refs(ref, known):
                    attach(known[name], str(sub), flags)
        elif isinstance(value, str):
            notes.append(f"{sub}: {value}")
            names, _ = columns_named_in(value, known)
            for name in names:
                attach(known[name], f"{sub}: {value}", flags_for_issue(sub, value))
        else:
            fields.unread.add(f"{key}.{sub}")
