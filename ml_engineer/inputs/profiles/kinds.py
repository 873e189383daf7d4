"""The column kind a type word names: "int64", "categorical", "datetime64[ns, UTC]", "varchar(20)".

Profiles name types in the words of pandas, SQL, statistics or plain English; each word is mapped
here once, so every reader gives a column the same kind for the same word.
"""

from __future__ import annotations

import re
from typing import Any

from ml_engineer.models.profile import ColumnKind

_KIND_WORDS: dict[str, ColumnKind] = {}
for _kind, _words in {
    ColumnKind.numeric: "numeric number num numerical integer int float double decimal real "
    "continuous discrete quantitative measure count long short bigint smallint tinyint "
    "interval ratio money currency percent percentage",
    ColumnKind.categorical: "categorical category cat nominal ordinal enum factor label "
    "categoric qualitative class levels",
    ColumnKind.boolean: "bool boolean logical binary yes/no flag dichotomous",
    ColumnKind.datetime: "datetime date time timestamp year yearmonth datetimetz period temporal",
    ColumnKind.text: "text string str object free_text freetext varchar char unicode utf8 "
    "sentence document",
    ColumnKind.id: "id identifier key primary_key uuid guid index",
    ColumnKind.unknown: "unsupported unknown mixed other any none",
}.items():
    for _word in _words.split():
        _KIND_WORDS[_word] = _kind

# Dtype families such as int64, uint8, float32, Int64, datetime64[ns, UTC], timedelta64[ns].
_KIND_PREFIXES: tuple[tuple[str, ColumnKind], ...] = (
    ("datetime", ColumnKind.datetime),
    ("timestamp", ColumnKind.datetime),
    ("uint", ColumnKind.numeric),
    ("int", ColumnKind.numeric),
    ("float", ColumnKind.numeric),
    ("double", ColumnKind.numeric),
    ("decimal", ColumnKind.numeric),
    ("numeric", ColumnKind.numeric),
    ("number", ColumnKind.numeric),
    ("categor", ColumnKind.categorical),
    ("bool", ColumnKind.boolean),
    ("string", ColumnKind.text),
    ("varchar", ColumnKind.text),
    ("text", ColumnKind.text),
    ("identifier", ColumnKind.id),
)


def map_kind(source_type: Any) -> ColumnKind | None:
    """The column kind a type word names, or None if the word is not one we know.

    "object" and "string" map to text: the name alone does not say whether a string column is
    categorical, and the planner owns that decision (it looks at the unique count).
    """
    if not isinstance(source_type, str):
        return None
    word = source_type.strip().strip("`*_").strip().lower()
    if not word:
        return None
    if word in _KIND_WORDS:
        return _KIND_WORDS[word]
    base = re.split(r"[\s(\[<:,/]", word, maxsplit=1)[0].replace("-", "_")
    if base in _KIND_WORDS:
        return _KIND_WORDS[base]
    for prefix, kind in _KIND_PREFIXES:
        if base.startswith(prefix):
            return kind
    if "timedelta" in word or "duration" in word:
        return ColumnKind.unknown
    return None
