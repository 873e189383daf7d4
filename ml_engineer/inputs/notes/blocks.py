"""Cut one markdown document into blocks: headings, bullets, paragraphs and table rows.

Each block knows the headings above it, and a table row its table's header, so a rule can ask
"is this line under a Goal heading" or "what does this column's Role cell say".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ml_engineer.inputs.notes.plain_text import plain
from ml_engineer.inputs.pipe_table import SEPARATOR_CELL, split_row

MAX_LINE_CHARS = 10_000  # longer lines are cut before matching (keeps every regex cheap)
MAX_LINES = 50_000


@dataclass
class Block:
    kind: str  # "heading", "bullet", "para", "row"
    raw: str
    text: str  # plain
    headings: tuple[str, ...]  # plain heading texts above the block, outermost first
    cells: list[str] = field(default_factory=list)  # raw cells, for rows
    header: list[str] | None = None  # plain header cells of the row's table
    is_header_row: bool = False

    @property
    def section(self) -> str:
        return self.headings[-1] if self.headings else ""


@dataclass
class Doc:
    name: str
    blocks: list[Block]
    # The table rows that name real columns, found once by `table_rows.data_rows`.
    named_rows: list[tuple[Block, list[str]]] | None = None


_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_HEADING = re.compile(r"^\s{0,3}(?:\*\*|__)([^*_]{1,120}?)(?:\*\*|__)\s*:?\s*$")
_BULLET = re.compile(r"^(\s*)(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_SETEXT = re.compile(r"^\s{0,3}(=+|-{2,})\s*$")
_QUOTE = re.compile(r"^\s{0,3}(?:>(?:\s|$))+")


def _is_table_line(line: str, in_table: bool, next_line: str) -> bool:
    s = line.strip()
    if s.startswith("|") and s.count("|") >= 2:
        return True
    if "|" not in s:
        return False
    if in_table:
        return True
    # A GitHub table may leave out the outer pipes: then its header is followed by a separator.
    cells = split_row(next_line) if "|" in next_line else []
    return len(cells) >= 2 and all(SEPARATOR_CELL.match(c) for c in cells if c) and any(cells)


def parse(name: str, text: str) -> Doc:
    """The document as blocks in order: fenced code is skipped, block quotes read as text."""
    lines = text.splitlines()[:MAX_LINES]
    lines = [ln[:MAX_LINE_CHARS] for ln in lines]
    blocks: list[Block] = []
    stack: list[tuple[int, str]] = []  # (level, heading)
    in_fence = False
    para: list[str] = []
    table_header: list[str] | None = None
    table_started = False

    def headings() -> tuple[str, ...]:
        return tuple(h for _, h in stack)

    def flush_para() -> None:
        if para:
            raw = " ".join(p.strip() for p in para)
            blocks.append(Block("para", raw, plain(raw), headings()))
            para.clear()

    def set_heading(level: int, raw: str) -> None:
        while stack and stack[-1][0] >= level:
            stack.pop()
        text_ = plain(raw)
        stack.append((level, text_))
        blocks.append(Block("heading", raw, text_, headings()))

    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if _FENCE.match(line):
            flush_para()
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        line = _QUOTE.sub("", line)
        if not line.strip():
            flush_para()
            table_started = False
            table_header = None
            continue
        if _is_table_line(line, table_started, lines[i] if i < len(lines) else ""):
            flush_para()
            cells = split_row(line)
            if all(SEPARATOR_CELL.match(c) for c in cells if c) and any(cells):
                # The separator: the row above was the header.
                if blocks and blocks[-1].kind == "row" and table_started:
                    blocks[-1].is_header_row = True
                    table_header = [plain(c) for c in blocks[-1].cells]
                continue
            blocks.append(Block("row", line, plain(line), headings(), cells, table_header))
            table_started = True
            continue
        table_started = False
        table_header = None
        heading = _HEADING.match(line)
        if heading:
            flush_para()
            set_heading(len(heading.group(1)), heading.group(2))
            continue
        if i < len(lines) and _SETEXT.match(lines[i]) and not para and not _BULLET.match(line):
            set_heading(1 if lines[i].strip().startswith("=") else 2, line.strip())
            i += 1
            continue
        bold = _BOLD_HEADING.match(line)
        if bold and not para:
            flush_para()
            set_heading(7, bold.group(1))  # below any markdown heading level
            continue
        bullet = _BULLET.match(line)
        if bullet:
            flush_para()
            raw = bullet.group(2)
            blocks.append(Block("bullet", raw, plain(raw), headings()))
            continue
        if blocks and blocks[-1].kind == "bullet" and not para and line[:1].isspace():
            # A continuation line of the bullet above.
            last = blocks[-1]
            last.raw = f"{last.raw} {line.strip()}"
            last.text = plain(last.raw)
            continue
        para.append(line)
    flush_para()
    return Doc(name, blocks)
