"""Ordered categories: "low < medium < high" said of exactly one column, in a table row or a
sentence; an inequality such as "0 < x < 1" is not a list of levels."""

from __future__ import annotations

import re

from ml_engineer.inputs.notes.blocks import Doc
from ml_engineer.inputs.notes.column_names import ColumnNames
from ml_engineer.inputs.notes.plain_text import SENTENCE_END, plain
from ml_engineer.inputs.notes.table_rows import data_rows, row_cells

_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?%?")
_ORDER_SPLIT = re.compile(r"\s+(?:<|≤|<=|→|->)\s+")
_ORDER_LEFT_CUT = re.compile(r".*(?:[:;(=]|\s[—–-]\s|\bfrom\b|\bis\b|\border\b)\s*", re.I)
_ORDER_RIGHT_CUT = re.compile(r"\s*(?:[,;)]|\.\s|\.$|\s[—–-]\s).*$")


def _plausible_level(part: str, cols: ColumnNames) -> bool:
    if not part or len(part) > 40 or len(part.split()) > 4:
        return False
    if any(ch in part for ch in "|=`{}[]") or ". " in part:
        return False
    if cols.resolve(part):
        return False
    return True


def _ordered_levels(text: str, cols: ColumnNames) -> list[str] | None:
    for chunk in re.split(r"\s*;\s*|\s*\|\s*", text):
        parts = _ORDER_SPLIT.split(chunk)
        if len(parts) < 3:
            continue
        parts[0] = _ORDER_LEFT_CUT.sub("", parts[0]).strip()
        parts[-1] = _ORDER_RIGHT_CUT.sub("", parts[-1]).strip()
        parts = [p.strip().strip("'\"“”‘’") for p in parts]
        if len(set(p.casefold() for p in parts)) != len(parts):
            continue
        numbers = sum(bool(_NUMBER.fullmatch(p)) for p in parts)
        letters = sum(bool(re.fullmatch(r"[A-Za-z]", p)) for p in parts)
        if numbers and letters:
            continue  # "0 < x < 1" is an inequality, not a list of levels
        if all(_plausible_level(p, cols) for p in parts):
            return parts
    return None


def ordered_categories(docs: list[Doc], cols: ColumnNames) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for doc in docs:
        for block, names in data_rows(doc, cols):
            if len(names) != 1 or names[0] in found:
                continue
            for _, cell in row_cells(block):
                levels = _ordered_levels(plain(cell), cols)
                if levels:
                    found[names[0]] = levels
                    break
        for block in doc.blocks:
            if block.kind not in ("bullet", "para"):
                continue
            for sentence_raw in SENTENCE_END.split(block.raw):
                names = cols.mentioned(sentence_raw)
                if len(names) != 1 or names[0] in found:
                    continue
                text = plain(sentence_raw)
                # Drop the column's own name so "`education`: a < b < c" reads as the levels.
                text = re.sub(r"^.*?\b" + re.escape(names[0]) + r"\b\s*[:=]?", "", text, count=1)
                levels = _ordered_levels(text, cols)
                if levels:
                    found[names[0]] = levels
    return found
