"""Cut a markdown profile into sections ("Key: value" pairs and text lines) and pipe tables.

Only the shape is decided here; what a section or a table means is left to the readers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ml_engineer.inputs.pipe_table import SEPARATOR_CELL, split_row
from ml_engineer.inputs.profiles.markdown_keys import QUALITY_WORDS

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(.*)$")
_KEY_VALUE = re.compile(r"^(?P<key>[^:|`]{1,48}?)\s*[:：]\s*(?P<value>.*\S)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass
class Table:
    section: str
    headers: list[str]
    rows: list[list[str]]
    line: int


@dataclass
class Section:
    title: str
    level: int
    pairs: list[tuple[str, str, str]] = field(default_factory=list)  # (key, value, raw line)
    texts: list[str] = field(default_factory=list)  # bullets and paragraph lines
    lines: list[str] = field(default_factory=list)  # both, in document order


def clean(text: str) -> str:
    """Drop bold markers so "**Rows:** 12" and "- **Rows**: 12" read like "Rows: 12".
    ("__" is left alone: it occurs in real column and file names.)"""
    return text.replace("**", "").strip()


def header_key(header: str) -> str:
    """A header as a lookup key: lower case, no emphasis, "_" as space."""
    key = clean(header).strip("`").lower().replace("_", " ")
    return re.sub(r"\s+", " ", key).strip()


def is_quality(title: str) -> bool:
    return any(word in title.lower() for word in QUALITY_WORDS)


def split(text: str) -> tuple[list[Section], list[Table]]:
    """The sections in document order (the first has no title) and the tables."""
    sections = [Section(title="", level=0)]
    tables: list[Table] = []
    lines = text.splitlines()
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            in_fence = not in_fence  # code blocks hold examples, not profile facts
            i += 1
            continue
        if in_fence:
            i += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            sections.append(Section(title=clean(heading.group(2)), level=len(heading.group(1))))
            i += 1
            continue
        if "|" in line and i + 1 < len(lines) and _is_separator(lines[i + 1]):
            # GitHub tables may omit the outer pipes; a row is any following line with a pipe.
            headers, start = split_row(line), i + 1
            rows: list[list[str]] = []
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                rows.append(split_row(lines[i]))
                i += 1
            tables.append(Table(sections[-1].title, headers, rows, start))
            continue
        stripped = line.strip()
        if stripped:
            bullet = _BULLET.match(line)
            body = (bullet.group(1) if bullet else stripped).strip()  # notes stay verbatim
            pair = _KEY_VALUE.match(clean(body))
            if pair and not pair.group("value").startswith("//"):
                sections[-1].pairs.append((pair.group("key").strip(), pair.group("value"), body))
            else:
                sections[-1].texts.append(body)
            sections[-1].lines.append(body)
        i += 1
    return sections, tables


def _is_separator(line: str) -> bool:
    cells = split_row(line)
    return "-" in line and bool(cells) and all(SEPARATOR_CELL.match(c) for c in cells)
