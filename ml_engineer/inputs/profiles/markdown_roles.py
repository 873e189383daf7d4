"""What a markdown header holds ("name", "type", "stat:min", "missing:percent", ...), which
tables describe columns, and the column name in a table's name cell."""

from __future__ import annotations

import re

from ml_engineer.inputs.profiles.markdown_document import Table, header_key
from ml_engineer.inputs.profiles.markdown_keys import (
    DESCRIPTION_HEADERS,
    FLAG_HEADERS,
    IGNORED_HEADERS,
    NAME_HEADERS,
    NOTE_HEADERS,
    RANGE_HEADERS,
    SAMPLE_HEADERS,
    STAT_HEADERS,
    TOP_HEADERS,
    TYPE_HEADERS,
)


def header_role(header: str) -> str | None:
    """What a column-table header holds, or None if this reader does not know it."""
    key = header_key(header)
    bare = re.sub(r"\s*\(.*\)$", "", key)  # "min (mm)" -> "min"
    if key in NAME_HEADERS:
        return "name"
    if key in TYPE_HEADERS or bare in TYPE_HEADERS:
        return "type"
    if key in STAT_HEADERS or bare in STAT_HEADERS:
        return "stat:" + STAT_HEADERS.get(key, STAT_HEADERS.get(bare, ""))
    if key in RANGE_HEADERS:
        return "range"
    if key in TOP_HEADERS or bare in TOP_HEADERS or key.startswith("top "):
        return "top"
    if key in SAMPLE_HEADERS:
        return "samples"
    if key in FLAG_HEADERS:
        return "flags"
    if key in NOTE_HEADERS:
        return "notes"
    if key in DESCRIPTION_HEADERS:
        return "description"
    if key in IGNORED_HEADERS:
        return "ignored"
    if re.search(r"non[ -]?null|\bnon[ -]?missing|\bvalid\b|^count$", key):
        return "non_null"
    if re.search(r"missing|\bnulls?\b|\bnan\b|\bna\b|\bempty\b", key):
        if re.search(r"fraction|ratio|proportion", key):
            return "missing:fraction"
        if re.search(r"%|pct|percent", key):
            return "missing:percent"
        if re.search(r"rate|share", key):
            return "missing:ambiguous"
        return "missing"
    if re.search(r"unique|distinct|cardinality|levels|nunique", key):
        return None if "%" in key or "pct" in key else "unique"
    return None


ATTRIBUTE_ROLES = ("type", "missing", "unique", "stat:", "range", "top", "samples", "non_null")


def classify_tables(tables: list[Table]) -> tuple[list[Table], list[Table], list[Table]]:
    """Column tables (a name header and at least one column fact), quality tables (a name
    header and only notes or flags), and the rest."""
    column_tables, quality_tables, others = [], [], []
    for table in tables:
        roles = [header_role(h) for h in table.headers]
        if "name" not in roles:
            others.append(table)
        elif any(r and r.startswith(ATTRIBUTE_ROLES) for r in roles):
            column_tables.append(table)
        elif any(r in ("flags", "notes", "description") for r in roles):
            quality_tables.append(table)
        else:
            others.append(table)
    return column_tables, quality_tables, others


def name_cell(cell: str) -> tuple[str, str]:
    """The column name in a cell ("`age`", "**age**", "`ui` (target)") and any text after it."""
    text = cell.strip()
    ticked = re.match(r"^(`+)(.+?)\1(?!`)(.*)$", text)
    if ticked:
        name = ticked.group(2)
        if len(ticked.group(1)) > 1:
            name = name.strip()  # ``a`b`` is written with one padding space each side
        return name, ticked.group(3).strip()
    bold = re.match(r"^\*\*(.+?)\*\*(.*)$", text)
    if bold:
        return bold.group(1), bold.group(2).strip()
    return text, ""
