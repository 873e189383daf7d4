"""One canonical column entry: its name, type, counts, statistics and values.

The missing record (`canonical_missing.py`) and the flags and notes (`canonical_flags.py`) are
read by their own modules; every key one of them takes is marked used, and the rest of the entry
is reported as unread.
"""

from __future__ import annotations

from typing import Any

from ml_engineer.inputs.profiles.build import duplicate_keys, duplicate_names_error
from ml_engineer.inputs.profiles.canonical_flags import read_column_flags
from ml_engineer.inputs.profiles.canonical_keys import (
    COLUMN_IGNORED,
    MAX_LENGTH_KEYS,
    MEAN_LENGTH_KEYS,
    NAME_KEYS,
    SAMPLE_KEYS,
    STAT_IGNORED,
    STAT_KEYS,
    STATS_CONTAINERS,
    TOP_KEYS,
    TYPE_KEYS,
    UNIQUE_KEYS,
)
from ml_engineer.inputs.profiles.canonical_missing import read_missing
from ml_engineer.inputs.profiles.flags import attach
from ml_engineer.inputs.profiles.kinds import map_kind
from ml_engineer.inputs.profiles.missing import MissingFacts
from ml_engineer.inputs.profiles.numbers import is_absent, parse_count, parse_float
from ml_engineer.inputs.profiles.unread import ColumnFields, keys_taken, short
from ml_engineer.inputs.profiles.values import (
    column_name,
    parse_samples,
    parse_top_values,
    value_text,
)
from ml_engineer.models.profile import ColumnKind, ColumnProfile, NumericStats


def read_columns(
    raw: Any, fields: ColumnFields, profile_path: str
) -> tuple[list[ColumnProfile], list[MissingFacts]]:
    if duplicate_keys(raw):
        # A dict repeated a column name; json.loads would have kept only the last entry.
        raise duplicate_names_error(duplicate_keys(raw), profile_path)
    entries: list[tuple[str, Any]] = []
    if isinstance(raw, dict):
        entries = [(str(k), v) for k, v in raw.items()]
    else:
        for i, item in enumerate(raw):
            if isinstance(item, dict):
                name = next((column_name(item[k]) for k in NAME_KEYS if k in item), None)
                if name is None:
                    fields.unread.add(f"{fields.container}[{i}]: entry without a column name")
                    continue
                entries.append((name, item))
            elif column_name(item) is not None:
                entries.append((column_name(item), {}))  # a bare list of names
            else:
                fields.unread.add(f"{fields.container}[{i}]: not a column entry: {short(item)}")
    columns: list[ColumnProfile] = []
    missing: list[MissingFacts] = []
    for name, entry in entries:
        if isinstance(entry, str):
            entry = {"type": entry}  # {"age": "numeric"}
        elif not isinstance(entry, dict):
            fields.bad_value(name, "(entry)", entry, "not a column description:")
            entry = {}
        column, miss = _read_column(name, entry, fields)
        columns.append(column)
        missing.append(miss)
    return columns, missing


def _read_column(
    name: str, entry: dict, fields: ColumnFields
) -> tuple[ColumnProfile, MissingFacts]:
    # The key the name came from (a list entry), or a repeated name inside a dict's entry; a
    # bare list of names ([1, 2]) has no entry at all.
    used: set[str] = {k for k in NAME_KEYS if k in entry}

    # Type: the most specific key present wins; the others are understood, not needed.
    source_type = None
    kind = ColumnKind.unknown
    type_key = next((k for k in TYPE_KEYS if isinstance(entry.get(k), str)), None)
    for key in TYPE_KEYS:
        if key in entry:
            used.add(key)
    if type_key is not None:
        source_type = entry[type_key]
        mapped = map_kind(source_type)
        if mapped is None:
            fields.bad_value(name, type_key, source_type, "unrecognised type")
        else:
            kind = mapped

    miss = read_missing(name, entry, fields, used)
    unique_count, unique_flag, unique_samples = _read_unique(name, entry, fields, used)
    stats = _read_stats(name, entry, kind, fields, used)
    top_values, samples = _read_values(name, entry, fields, used)
    samples = samples or unique_samples

    column = ColumnProfile(
        name=name,
        kind=kind,
        source_type=source_type,
        unique_count=unique_count,
        stats=stats,
        top_values=top_values,
        sample_values=samples,
        max_length=_first_number(name, entry, MAX_LENGTH_KEYS, fields, used),
        mean_length=_first_number(name, entry, MEAN_LENGTH_KEYS, fields, used),
    )
    if unique_flag:
        attach(column, None, ["unique"])
    read_column_flags(column, entry, fields, used)

    for key in entry:
        if key not in used and key not in COLUMN_IGNORED:
            fields.unknown_key(str(key))
    return column, miss


def _read_unique(
    name: str, entry: dict, fields: ColumnFields, used: set[str]
) -> tuple[int | None, bool, list[str]]:
    count: int | None = None
    flag = False
    samples: list[str] = []
    for key in keys_taken(entry, UNIQUE_KEYS, used):
        value = entry[key]
        if isinstance(value, bool):
            flag = flag or value  # "unique": true means every value is distinct
        elif isinstance(value, list):
            samples = samples or [value_text(v) for v in value[:10]]
        elif count is None:
            try:
                count = parse_count(value)
            except ValueError:
                fields.bad_value(name, key, value)
    return count, flag, samples


def _read_stats(
    name: str, entry: dict, kind: ColumnKind, fields: ColumnFields, used: set[str]
) -> NumericStats | None:
    values: dict[str, float] = {}

    def take(key: str, raw: Any, where: str) -> None:
        stat = STAT_KEYS[key]
        try:
            number = parse_float(raw)
        except ValueError:
            # A date range or a most-frequent word is expected on non-numeric columns.
            if kind in (ColumnKind.numeric, ColumnKind.unknown):
                fields.bad_value(name, where, raw)
            return
        if number is not None:
            values.setdefault(stat, number)

    for container in STATS_CONTAINERS:
        nested = entry.get(container)
        if not isinstance(nested, dict):
            continue
        used.add(container)
        for key, raw in nested.items():
            lowered = str(key).lower()
            if lowered in STAT_KEYS:
                take(lowered, raw, f"{container}.{key}")
            elif lowered in ("count", "n"):
                pass  # non-null count, read from the column level when present there
            elif lowered not in STAT_IGNORED:
                fields.unknown_key(str(key), f".{container}")
    for key, raw in entry.items():
        lowered = str(key).lower()
        if lowered in STAT_KEYS:
            used.add(key)
            take(lowered, raw, key)
        elif lowered in STAT_IGNORED:
            used.add(key)
    return NumericStats(**values) if values else None


def _read_values(
    name: str, entry: dict, fields: ColumnFields, used: set[str]
) -> tuple[list, list[str]]:
    top_values: list = []
    samples: list[str] = []
    for key in keys_taken(entry, TOP_KEYS, used):
        raw = entry[key]
        if key == "top" and not isinstance(raw, list | dict):
            # pandas describe(): top + freq
            freq = entry.get("freq")
            if not is_absent(raw) and freq is not None and not top_values:
                try:
                    parsed = parse_top_values([[raw, freq]])
                except ValueError:
                    parsed = None
                if parsed:
                    top_values = parsed[0]
            continue
        parsed = parse_top_values(raw)
        if parsed is None:
            fields.bad_value(name, key, raw, "cannot read top values")
            continue
        tops, bare = parsed
        if tops and not top_values:
            top_values = tops
        if bare and not samples:
            samples = bare[:10]
    for key in keys_taken(entry, SAMPLE_KEYS, used):
        parsed_samples = parse_samples(entry[key])
        if parsed_samples is None:
            fields.bad_value(name, key, entry[key], "cannot read sample values")
        elif not samples:
            samples = parsed_samples
    return top_values, samples


def _first_number(
    name: str, entry: dict, keys: tuple[str, ...], fields: ColumnFields, used: set[str]
) -> float | None:
    for key in keys_taken(entry, keys, used):
        try:
            value = parse_float(entry[key])
        except ValueError:
            fields.bad_value(name, key, entry[key])
            continue
        if value is not None:
            return value
    return None
