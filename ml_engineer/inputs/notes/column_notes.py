"""Quality notes (the bullets under a quality, caveats or issues heading) and the notes per
column (every line or table row that names a real column)."""

from __future__ import annotations

import re

from ml_engineer.inputs.notes.blocks import Block, Doc
from ml_engineer.inputs.notes.column_names import ColumnNames
from ml_engineer.inputs.notes.plain_text import SENTENCE_END, plain, shorten
from ml_engineer.inputs.notes.table_rows import data_rows, row_note

MAX_NOTE_CHARS = 500
MAX_NOTES_PER_COLUMN = 20

_QUALITY_HEADING = re.compile(
    r"\b(?:quality|notes?|caveats?|issues?|warnings?|limitations?|problems?)\b", re.I
)


def quality_notes(docs: list[Doc]) -> list[str]:
    notes: list[str] = []
    for doc in docs:
        sections: dict[tuple[str, ...], list[Block]] = {}
        for block in doc.blocks:
            if block.kind in ("bullet", "para") and block.headings:
                if _QUALITY_HEADING.search(block.section):
                    sections.setdefault(block.headings, []).append(block)
        for blocks in sections.values():
            bullets = [b for b in blocks if b.kind == "bullet"]
            for block in bullets or blocks:
                if block.text:
                    notes.append(shorten(block.text, 1000))
    return notes


def column_notes(docs: list[Doc], cols: ColumnNames) -> dict[str, list[str]]:
    notes: dict[str, list[str]] = {}

    def add(name: str, text: str) -> None:
        text = shorten(text, MAX_NOTE_CHARS)
        bucket = notes.setdefault(name, [])
        if text and text not in bucket and len(bucket) < MAX_NOTES_PER_COLUMN:
            bucket.append(text)

    for doc in docs:
        for block, names in data_rows(doc, cols):
            for position, name in enumerate(names):
                note = row_note(block, position, len(names))
                if note:
                    add(name, note)
        for block in doc.blocks:
            if block.kind == "bullet":
                for name in cols.mentioned(block.raw):
                    add(name, block.text)
            elif block.kind == "para":
                for sentence_raw in SENTENCE_END.split(block.raw):
                    for name in cols.mentioned(sentence_raw):
                        add(name, plain(sentence_raw))
    return notes
