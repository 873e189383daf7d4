"""What a reader did not understand: the `unread_fields` list and the way each entry is named.

Every reader names a field the same way (`columns["age"].min: cannot read "lots"`), so a user
who sees one entry can find any other in the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

_Number = TypeVar("_Number", int, float)


class Unread:
    """An ordered, de-duplicated list of the upstream fields a reader did not understand."""

    def __init__(self) -> None:
        self._items: dict[str, None] = {}

    def add(self, path: str) -> None:
        self._items.setdefault(path, None)

    def items(self) -> list[str]:
        return list(self._items)


def quote_name(name: str) -> str:
    """A column name as it appears inside an unread-field path: JSON-quoted, so a name holding
    quotes, brackets or newlines cannot break the line it is shown on."""
    return json.dumps(name, ensure_ascii=False)


def short(value: Any, limit: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_or_note(
    parse: Callable[..., _Number | None],
    value: Any,
    where: str,
    unread: Unread,
    *,
    allow_suffix: bool = False,
) -> _Number | None:
    """`parse(value)`, or None with "<where>: cannot read <value>" noted as unread."""
    try:
        return parse(value, allow_suffix=allow_suffix)
    except ValueError:
        unread.add(f"{where}: cannot read {short(value)}")
        return None


class ColumnFields:
    """Names the fields of the columns under one container (`columns`, `variables`, ...).

    A field of one column is `container["name"].key`; a key no column should have is named once
    for all of them, as `container[*].key` for a list of columns or `container.*.key` for a dict.
    """

    def __init__(self, unread: Unread, container: str, *, is_list: bool) -> None:
        self.unread = unread
        self.container = container
        self.generic = f"{container}[*]" if is_list else f"{container}.*"

    def unknown_key(self, key: str, sub: str = "") -> None:
        self.unread.add(f"{self.generic}{sub}.{key}")

    def bad_value(self, name: str, key: str, value: Any, why: str = "cannot read") -> None:
        self.unread.add(f"{self.container}[{quote_name(name)}].{key}: {why} {short(value)}")


def keys_taken(entry: dict, keys: Iterable[str], used: set[str]) -> Iterator[str]:
    """The keys of `keys` that `entry` holds, in order of precedence, each added to `used` (the
    keys understood) as the caller reaches it: a key after an early return stays unread."""
    for key in keys:
        if key in entry:
            used.add(key)
            yield key
