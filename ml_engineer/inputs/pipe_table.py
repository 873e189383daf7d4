"""Split one GitHub pipe-table row into cells: the one rule both markdown readers use.

The profile reader (`profiles/markdown_document.py`) and the document reader (`notes/blocks.py`)
decide differently what counts as a table, but a row, once found, is cut the same way.
"""

from __future__ import annotations

import re

# A separator cell: "---", ":--", "--:" or ":-:".
SEPARATOR_CELL = re.compile(r"^\s*:?-+:?\s*$")
_CELL_BORDER = re.compile(r"(?<!\\)\|")


def split_row(line: str) -> list[str]:
    """The cells of a row, outer pipes optional; an escaped pipe (`\\|`) stays in its cell."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [c.replace("\\|", "|").strip() for c in _CELL_BORDER.split(body)]
