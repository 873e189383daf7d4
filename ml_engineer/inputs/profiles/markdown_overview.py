"""A markdown profile's overview ("Rows: 12,345", "Source: data/x.csv"), quality notes and
the tables that are not column tables."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ml_engineer.inputs.profiles.flags import attach, normalise_flags, split_column_refs
from ml_engineer.inputs.profiles.markdown_document import (
    Section,
    Table,
    clean,
    header_key,
    is_quality,
)
from ml_engineer.inputs.profiles.markdown_keys import (
    COLUMN_COUNT_KEYS,
    COLUMN_SECTION_WORDS,
    DUPLICATE_KEYS,
    MAYBE_PATH_KEYS,
    OVERVIEW_IGNORED,
    OVERVIEW_WORDS,
    PATH_KEYS,
    ROW_KEYS,
    SHAPE_KEYS,
)
from ml_engineer.inputs.profiles.markdown_roles import header_role, name_cell
from ml_engineer.inputs.profiles.numbers import is_absent, parse_count
from ml_engineer.inputs.profiles.unread import Unread, quote_name
from ml_engineer.inputs.profiles.values import looks_like_path
from ml_engineer.models.profile import ColumnProfile


@dataclass
class Overview:
    rows: int | None = None
    columns: int | None = None
    path: str | None = None


def read_section(section: Section, overview: Overview, notes: list[str], unread: Unread) -> None:
    """A section that is not about one column: a quality section's lines are notes; elsewhere
    "Key: value" lines are overview facts, and what is neither is reported as unread."""
    title = section.title.lower()
    quality = is_quality(title)
    is_overview = not title or section.level == 1 or any(w in title for w in OVERVIEW_WORDS)
    if quality:
        notes.extend(section.lines)  # verbatim, in order; "Rows:" here is a note too
        return
    for key, value, _ in section.pairs:
        if _overview_fact(overview, header_key(key), value, notes):
            continue
        if is_overview:
            if header_key(key) not in OVERVIEW_IGNORED:
                unread.add(f"overview {quote_name(key)}")
        else:
            unread.add(f"section {quote_name(section.title)}")
    if section.texts and not is_overview and not any(w in title for w in COLUMN_SECTION_WORDS):
        unread.add(f"section {quote_name(section.title)}")


def _overview_fact(overview: Overview, key: str, value: str, notes: list[str]) -> bool:
    """Record a "Rows: 12,345" / "Source: data/x.csv" fact; False if the key is not one."""
    value = value.strip()
    if key in ROW_KEYS:
        overview.rows = overview.rows if overview.rows is not None else _leading_count(value)
        return overview.rows is not None
    if key in COLUMN_COUNT_KEYS:
        number = _leading_count(value)
        if number is None:
            return False  # "Columns: see the table below"
        overview.columns = overview.columns if overview.columns is not None else number
        return True
    if key in SHAPE_KEYS:
        numbers = re.findall(r"\d[\d,]*", value)
        if len(numbers) >= 2:
            overview.rows = (
                overview.rows if overview.rows is not None else _leading_count(numbers[0])
            )
            overview.columns = (
                overview.columns if overview.columns is not None else (_leading_count(numbers[1]))
            )
            return True
        return False
    if key in PATH_KEYS or key in MAYBE_PATH_KEYS:
        if not looks_like_path(_path_value(value)):
            return key in PATH_KEYS  # "Source: Kaggle" is understood; it is just not a path
        overview.path = overview.path or _path_value(value)
        return True
    if key in DUPLICATE_KEYS:
        count = _leading_count(value)
        if count:
            notes.append(f"{count} duplicate rows")
        return count is not None
    return False


def _leading_count(value: str) -> int | None:
    """12,345 / 12 345 / 1.2k / ~12,000 / "344 (after cleaning)": the number it starts with."""
    match = re.match(
        r"^[~≈]?\s*(\d{1,3}(?:[,\u00a0\u202f ]\d{3})+|\d+(?:\.\d+)?)\s*(k|m|thousand|million)?\b",
        value.strip().strip("`"),
        flags=re.IGNORECASE,
    )
    if not match:
        return None
    try:
        return parse_count(match.group(1) + (match.group(2) or ""), allow_suffix=True)
    except ValueError:
        return None


def _path_value(value: str) -> str:
    """A path as written: the target of a markdown link, without backticks or quotes."""
    link = re.match(r"^\[[^\]]*\]\(([^)]+)\)", value.strip())
    text = link.group(1) if link else value
    return text.strip().strip("`'\"<>").strip()


def read_quality_table(table: Table, known: dict[str, ColumnProfile], notes: list[str]) -> None:
    """| column | issue |: each row is a note, attached to the columns it names."""
    roles = [header_role(h) for h in table.headers]
    name_at = roles.index("name")
    for row in table.rows:
        row = (row + [""] * len(roles))[: len(roles)]
        ref, _ = name_cell(row[name_at])
        text = "; ".join(c for i, c in enumerate(row) if i != name_at and not is_absent(c))
        if not text:
            continue
        notes.append(f"{ref}: {text}" if ref else text)
        for name in split_column_refs(ref, known):
            attach(known[name], text, normalise_flags(text))


def read_other_table(table: Table, overview: Overview, unread: Unread) -> None:
    """A two-column | Metric | Value | table can hold overview facts; other tables are listed."""
    rows = [r for r in table.rows if len(r) >= 2] if len(table.headers) == 2 else []
    understood = [r for r in rows if _overview_fact(overview, header_key(r[0]), r[1], [])]
    if understood:
        for row in rows:
            if row not in understood and header_key(row[0]) not in OVERVIEW_IGNORED:
                unread.add(f"overview table row {quote_name(clean(row[0]))}")
    else:
        headers = " | ".join(clean(h) for h in table.headers)
        unread.add(f"table with headers {quote_name(headers)} (line {table.line})")
