"""Assemble the `DataProfile`, refusing what no caller can work around: no columns, or a
column name given twice (also when JSON would have silently kept the last of two same keys)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ml_engineer.errors import ProfileError
from ml_engineer.inputs.profiles.unread import Unread, quote_name
from ml_engineer.models.profile import ColumnProfile, DataProfile


class DuplicateKeyDict(dict):
    """A JSON object that repeated a key (`json.loads` would silently keep the last one)."""

    duplicate_keys: list[str]


def json_object_hook(pairs: list[tuple[str, Any]]) -> dict:
    """`object_pairs_hook` for `json.loads` that remembers repeated keys (two same-named
    columns in a dict keyed by name)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dup = DuplicateKeyDict(obj)
        dup.duplicate_keys = []
        for key, _ in pairs:
            if key in seen and key not in dup.duplicate_keys:
                dup.duplicate_keys.append(key)
            seen.add(key)
        return dup
    return obj


def duplicate_keys(obj: Any) -> list[str]:
    return list(getattr(obj, "duplicate_keys", []))


_NO_COLUMNS_HINT = {
    "markdown": "Expected a pipe table with a `column` (or `name`) header and one row per "
    "column; add that table or re-export the profile as JSON.",
    "frictionless": "Expected `fields` (or `schema.fields`) with one {name, type} per column.",
}


def no_columns_error(profile_path: str, keys: Iterable[str], what: str) -> ProfileError:
    seen = ", ".join(quote_name(str(k)) for k in keys) or "none"
    label = "sections" if what.startswith("markdown") else "top-level keys"
    hint = next(
        (h for fmt, h in _NO_COLUMNS_HINT.items() if what.lower().startswith(fmt)),
        "Expected a list or dict of columns under `columns` (or `fields`/`variables`); "
        "re-export the profile with one entry per column.",
    )
    return ProfileError(
        f"{profile_path}: no columns found in this {what}. {label.capitalize()} seen: {seen}. "
        f"{hint}",
        path=profile_path,
        field="columns",
    )


def duplicate_names_error(dups: Iterable[str], profile_path: str) -> ProfileError:
    listed = ", ".join(quote_name(d) for d in dups)
    return ProfileError(
        f"{profile_path}: duplicate column names: {listed}. Each column must appear once; "
        "rename or merge the repeated entries and re-export the profile.",
        path=profile_path,
        field="columns",
    )


def check_duplicate_names(names: Iterable[str], profile_path: str) -> None:
    seen: set[str] = set()
    dups: list[str] = []
    for name in names:
        if name in seen and name not in dups:
            dups.append(name)
        seen.add(name)
    if dups:
        raise duplicate_names_error(dups, profile_path)


def build_profile(
    *,
    source_format: str,
    profile_path: str,
    columns: list[ColumnProfile],
    row_count: int | None,
    column_count: int | None,
    dataset_path: str | None,
    quality_notes: list[str],
    unread: Unread,
    top_keys: Iterable[str] = (),
    column_count_field: str = "column_count",
) -> DataProfile:
    """Assemble the `DataProfile`, refusing the two things no caller can work around."""
    if not columns:
        raise no_columns_error(profile_path, top_keys, f"{source_format} profile")
    check_duplicate_names((c.name for c in columns), profile_path)
    if column_count is not None and column_count != len(columns):
        unread.add(
            f"{column_count_field} (says {column_count}, but {len(columns)} columns are described)"
        )
    return DataProfile(
        source_format=source_format,
        profile_path=profile_path,
        row_count=row_count,
        column_count=column_count if column_count is not None else len(columns),
        dataset_path=dataset_path,
        columns=columns,
        quality_notes=list(dict.fromkeys(n for n in quality_notes if n)),
        unread_fields=unread.items(),
    )
