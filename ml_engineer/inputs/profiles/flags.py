"""Quality flags: the fixed vocabulary, free-text issues mapped onto it, and notes on columns.

A flag is found in what an issue says ("zero_variance", "mostly empty"), never in the column's
own name, so a column called "id" or "weight" does not flag itself.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from ml_engineer.inputs.profiles.vocabulary import words
from ml_engineer.models.profile import ColumnProfile

# Every flag a reader may attach; a free-text issue that names none of them is "other".
FLAG_VOCABULARY = words(
    "constant high_missing likely_id unique high_cardinality skewed imbalanced duplicate leakage "
    "weight redundant correlated missing other"
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


def flag_named_columns(text: str, known: dict[str, ColumnProfile]) -> None:
    """Attach a free-text issue ("[sex] 11 (3.2%) missing values") to each column it names,
    flagged by what it says once those names are taken out."""
    names, message = columns_named_in(text, known)
    for name in names:
        attach(known[name], text, normalise_flags(message))
