"""Schema-table rows: which rows name real columns, and what their other cells say about them
(marked as the target, marked as a key, or a note)."""

from __future__ import annotations

import re

from ml_engineer.inputs.notes.blocks import Block, Doc
from ml_engineer.inputs.notes.column_names import ColumnNames
from ml_engineer.inputs.notes.plain_text import plain

_ROLE_HEADER = re.compile(r"\b(?:role|usage|use|kind|purpose)\b", re.I)
_KEY_HEADER = re.compile(r"\b(?:key|pk|primary|identifier|id)\b", re.I)
_TARGET_HEADER = re.compile(r"\btarget\b|\blabel\b", re.I)
_TARGET_CELL = re.compile(
    r"^(?:the\s+)?(?:target|label|outcome|response|dependent variable)"
    r"(?:\s+(?:column|variable|label))?\s*(?:$|[—–:;,(]|-\s)",
    re.I,
)
_BOLD_TARGET = re.compile(r"(?:\*\*|__)\s*target\s*(?:\*\*|__)", re.I)
_YES_CELL = re.compile(r"^(?:(?:yes|y|true|x|pk|primary|primary key|key)\b|[✓✔☑])", re.I)
_KEY_ROLE_CELL = re.compile(
    r"^(?:id|identifier|key|primary key|row id|row identifier|unique id|record id)\b", re.I
)


def row_cells(block: Block) -> list[tuple[str, str]]:
    """(header, raw cell) for each cell after the first; header is '' when unknown."""
    header = block.header or []
    out = []
    for pos, cell in enumerate(block.cells[1:], start=1):
        out.append((header[pos] if pos < len(header) else "", cell))
    return out


def row_is_target(block: Block) -> bool:
    for head, cell in row_cells(block):
        text = plain(cell)
        if not text:
            continue
        if _TARGET_HEADER.search(head) and not _ROLE_HEADER.search(head) and _YES_CELL.match(text):
            return True
        if _BOLD_TARGET.search(cell):
            return True
        if _TARGET_CELL.match(text):
            return True
    return False


def row_is_key(block: Block) -> bool:
    for head, cell in row_cells(block):
        text = plain(cell)
        if not text:
            continue
        if _KEY_HEADER.search(head) and _YES_CELL.match(text):
            return True
        if (_ROLE_HEADER.search(head) or not head) and _KEY_ROLE_CELL.match(text):
            return True
    return False


def row_note(block: Block, position: int = 0, columns: int = 1) -> str:
    """The row's cells as one note for the column at `position` of the `columns` its first
    cell names. A cell that lists as many items as there are columns gives each column its
    own ("| age, tenure | ... | age (years), tenure in lost job (years) |"): a meaning of
    `age` must not become `tenure`'s."""
    parts = []
    for head, cell in row_cells(block):
        text = plain(cell)
        if not text:
            continue
        items = _top_level_items(text) if columns > 1 else [text]
        if len(items) == columns:
            text = items[position]
        parts.append(f"{head}: {text}" if head else text)
    return "; ".join(parts)


def _top_level_items(text: str) -> list[str]:
    """`a (x, y), b` -> ['a (x, y)', 'b']: commas outside brackets split a list."""
    items, depth, start = [], 0, 0
    for at, char in enumerate(text):
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "," and depth <= 0:
            items.append(text[start:at].strip())
            start = at + 1
    items.append(text[start:].strip())
    return [item for item in items if item]


def data_rows(doc: Doc, cols: ColumnNames) -> list[tuple[Block, list[str]]]:
    """The table rows whose first cell names real columns (computed once per document)."""
    if doc.named_rows is not None:
        return doc.named_rows
    rows = []
    for block in doc.blocks:
        if block.kind != "row" or block.is_header_row or not block.cells:
            continue
        names = cols.cell_columns(block.cells[0])
        if names:
            rows.append((block, names))
    doc.named_rows = rows
    return rows
