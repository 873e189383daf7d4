"""Helpers every profile reader shares: numbers, kinds, flags, unread fields, the final checks.

Upstream profiles are written by LLM analysts and by profilers, so the same fact arrives in many
spellings. Each spelling is decoded here once, so the readers agree on what "3.4%" or "int64" or
"zero_variance" means, and a fix lands in every reader at the same time.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ml_engineer.errors import ProfileError
from ml_engineer.models.profile import ColumnKind, ColumnProfile, DataProfile, TopValue

# Cell or value spellings that mean "no value here" rather than "a value I cannot read".
ABSENT_TOKENS = frozenset(
    {"", "-", "--", "—", "–", "n/a", "na", "none", "null", "nan", "?", "...", "…", "unknown"}
)

# How many top values to keep per column: enough for the planner to see the levels of a
# categorical, few enough that a unique ID column does not fill the profile with noise.
MAX_TOP_VALUES = 20
MAX_SAMPLE_VALUES = 10


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


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Column kinds
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Quality flags
# ---------------------------------------------------------------------------------------------

FLAG_VOCABULARY = (
    "constant",
    "high_missing",
    "likely_id",
    "unique",
    "high_cardinality",
    "skewed",
    "imbalanced",
    "duplicate",
    "leakage",
    "weight",
    "redundant",
    "correlated",
    "missing",
    "other",
)

# Order matters only for the order flags are listed in; suppression rules are below.
_FLAG_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (flag, re.compile(pattern))
    for flag, pattern in (
        (
            "leakage",
            r"leak|derived from (?:the )?(?:target|outcome|label)|proxy for (?:the )?"
            r"(?:target|outcome|label)|post[ ]?(?:outcome|event)|future information",
        ),
        (
            "weight",
            r"\b(?:sampling|survey|sample|design|frequency|case|person|household|"
            r"probability|analytic|expansion) weights?\b|\bweight(?:ing)? (?:variable|column|"
            r"factor|field)\b|^(?:is )?(?:a )?weights?$",
        ),
        (
            "redundant",
            r"redundan|duplicated? (?:column|feature|variable|field|of|information)|"
            r"\bsame as\b|\bcopy of\b|\balias of\b|\bidentical to\b",
        ),
        (
            "constant",
            r"\bconstant\b|zero variance|no variance|single (?:distinct |unique )?"
            r"value|one (?:distinct |unique )?value|only one (?:distinct |unique )?value|"
            r"\bnear zero variance\b",
        ),
        (
            "likely_id",
            r"\bids?\b|identifier|primary key|\bkey column\b|\brow key\b|\buuid\b|"
            r"\bindex column\b|\bid like\b",
        ),
        ("unique", r"\bunique\b|all (?:values )?distinct|all values are distinct"),
        (
            "high_cardinality",
            r"high cardinality|many (?:distinct|unique) (?:values|categories|"
            r"levels)|too many (?:categories|levels)|cardinality is high",
        ),
        (
            "high_missing",
            r"(?:high|heavy|large|many|excessive|mostly) (?:share of |rate of |"
            r"proportion of )?(?:missing|nulls?|nas?|empty)|(?:missing|null|na)(?:ness)? "
            r"(?:rate |share |ratio )?(?:is )?high|mostly (?:missing|empty|null)|all missing|"
            r"entirely (?:missing|empty)|100(?:\.0+)? ?% missing|sparse",
        ),
        ("missing", r"missing|\bnulls?\b|\bnas?\b|\bnan\b|\bempty\b|incomplete"),
        ("skewed", r"skew"),
        ("imbalanced", r"imbalanc|unbalanc|rare (?:class|category)"),
        ("correlated", r"correlat|collinear"),
        ("duplicate", r"duplicate|\bduplicated\b"),
    )
)

# "no missing values", "0 (0.0%) missing", "without nulls" do not flag anything.
_NEGATED_MISSING = re.compile(
    r"\b(?:no|zero|without|none|0(?:\.0+)?%?(?:\s*\([^)]*\))?)\s+(?:missing|nulls?|nas?|empty)\b"
)
# A flag that, when present, makes the broader one redundant.
_SUPPRESSES = {"high_missing": "missing", "redundant": "duplicate", "constant": "unique"}


def normalise_flags(text: Any) -> list[str]:
    """The vocabulary flags a free-text issue names ("zero_variance" -> constant), or ["other"]."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return list(_normalise_flags(text))


@functools.lru_cache(maxsize=4096)  # profiles repeat the same few flag words many times
def _normalise_flags(text: str) -> tuple[str, ...]:
    words = re.sub(r"[_\-]+", " ", text.lower())
    words = _NEGATED_MISSING.sub(" ", words)
    words = re.sub(r"\s+", " ", words).strip()
    found = [flag for flag, pattern in _FLAG_PATTERNS if pattern.search(words)]
    for winner, loser in _SUPPRESSES.items():
        if winner in found and loser in found:
            found.remove(loser)
    return tuple(found) or ("other",)


def flags_for_issue(flag_word: Any, detail: Any = None) -> list[str]:
    """Flags for a structured issue: trust the short flag word first, then the detail text."""
    flags = normalise_flags(flag_word) if flag_word not in (None, "") else ["other"]
    if flags == ["other"] and detail not in (None, ""):
        flags = normalise_flags(detail)
    return flags


def attach(column: ColumnProfile, note: str | None, flags: Iterable[str]) -> None:
    """Give a column a verbatim note and normalised flags, without repeating either."""
    for flag in flags:
        if flag not in column.flags:
            column.flags.append(flag)
    if note and note not in column.notes:
        column.notes.append(note)


def split_column_refs(ref: str, known: dict[str, ColumnProfile]) -> list[str]:
    """Columns a flag's "column" names: one name, or "hhi / hhi2", "a, b", "a and b".

    A name that exists as written wins, because a real column may be called "a, b".
    """
    if ref in known:
        return [ref]
    parts = [p.strip().strip("`'\"*[]") for p in re.split(r"\s*(?:/|,|;|&|\+|\band\b|\|)\s*", ref)]
    return [p for p in dict.fromkeys(parts) if p in known]


def columns_named_in(text: str, known: dict[str, ColumnProfile]) -> tuple[list[str], str]:
    """Which columns a free-text note is about, and the note with those names taken out.

    Understands "[col] msg" (ydata alerts), "col: msg" / "hhi / hhi2: msg", backticked names
    and a note that starts with a column name ("bluecol is constant"). The names are removed
    from the returned text so that a column called "id" or "weight" does not become a flag.
    """
    body = text.strip()
    names: list[str] = []
    rest = body
    if body.startswith("["):
        # The longest "[...]" prefix that is a real column: names may themselves hold "]".
        for pos in (i for i, ch in enumerate(body) if ch == "]"):
            if body[1:pos] in known:
                names, rest = [body[1:pos]], body[pos + 1 :]
    if not names:
        for match in re.finditer(r"\s*(?::|\s[-—–]\s)", body):
            refs = split_column_refs(body[: match.start()].strip().strip("`*'\""), known)
            if refs:
                names, rest = refs, body[match.end() :]
                break
    ticked = [t for t in re.findall(r"`([^`]+)`", rest) if t in known]
    if ticked:
        names.extend(t for t in ticked if t not in names)
        rest = re.sub(r"`[^`]+`", "column", rest)
    if not names:
        first = body.split(" ", 1)
        if len(first) == 2 and first[0].strip("*'\"") in known:
            names, rest = [first[0].strip("*'\"")], first[1]
    # "... correlated with [id]": another column's name must not become a flag either.
    rest = re.sub(r"\[[^\]]*\]", "column", rest)
    return names, rest.strip()


def note_flags(text: str) -> list[str]:
    """Flags a free-text note names; a note that names none adds no "other" flag, because a
    note is often a description ("measured in mm"), not an issue."""
    return [f for f in normalise_flags(text) if f != "other"]


def looks_like_path(value: str) -> bool:
    """ "data/x.csv", "x.parquet", "s3://b/k" are paths; "Kaggle" or "the HR export" are not."""
    text = value.strip()
    return bool(re.search(r"[/\\]|\.\w{2,8}$", text)) and "\n" not in text


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


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


_VALUE_KEYS = ("value", "val", "category", "level", "label", "key", "name", "item", "top")
_COUNT_KEYS = ("count", "n", "freq", "frequency", "occurrences", "num", "cnt", "size")


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


def consistent_value(candidates: Iterable[int | None]) -> int | None:
    """The one value every known candidate agrees on, else None (used to derive a row count)."""
    values = {c for c in candidates if c is not None}
    return values.pop() if len(values) == 1 else None


# ---------------------------------------------------------------------------------------------
# Missing values: counts, percents and fractions, resolved once the row count is known
# ---------------------------------------------------------------------------------------------


@dataclass
class MissingFacts:
    """What a column said about its missing values, before percents and fractions are resolved."""

    count: int | None = None
    percent: float | None = None
    fraction: float | None = None
    ambiguous: float | None = None
    # Which key each value came from, to name it if it turns out to be out of range.
    percent_key: str = ""
    fraction_key: str = ""
    ambiguous_key: str = ""
    non_null: int | None = None
    total: int | None = None


def resolve_missing(
    columns: list[ColumnProfile],
    missing: list[MissingFacts],
    rows: int | None,
    bad_value: Callable[..., None],
) -> None:
    """Turn each column's missing record into a count and a 0..1 fraction.

    A count over a known row count is the most reliable; then an explicit fraction or percent;
    an ambiguous key is a percent if any ambiguous value in the file exceeds 1.
    """
    ambiguous_are_percents = any(m.ambiguous is not None and m.ambiguous > 1 for m in missing)
    for column, m in zip(columns, missing, strict=True):
        count = m.count
        if count is None and m.non_null is not None and rows is not None and m.non_null <= rows:
            count = rows - m.non_null
        if count is not None and rows is not None and count > rows:
            bad_value(column.name, "missing_count", count, f"exceeds row count {rows}:")
            count = None
        column.missing_count = count
        if count is not None and rows:
            column.missing_fraction = count / rows
            continue
        fraction = None
        if m.fraction is not None:
            fraction = _in_range(column.name, m.fraction_key, m.fraction, 1.0, bad_value)
        elif m.percent is not None:
            fraction = _in_range(column.name, m.percent_key, m.percent, 100.0, bad_value)
        elif m.ambiguous is not None:
            scale = 100.0 if ambiguous_are_percents else 1.0
            fraction = _in_range(column.name, m.ambiguous_key, m.ambiguous, scale, bad_value)
        if fraction is None and count == 0:
            fraction = 0.0  # no row count, but none of the rows is missing
        column.missing_fraction = fraction


def _in_range(
    name: str, key: str, value: float, scale: float, bad_value: Callable[..., None]
) -> float | None:
    if 0.0 <= value <= scale:
        return value / scale
    what = "a fraction 0..1" if scale == 1.0 else "a percent 0..100"
    bad_value(name, key, value, f"not {what}:")
    return None


# ---------------------------------------------------------------------------------------------
# Final checks shared by every reader
# ---------------------------------------------------------------------------------------------


def column_name(value: Any) -> str | None:
    """A column name kept exactly as written; numbers and other scalars become text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return value_text(value)
    return None


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
