"""The goal in the analyst's words: a "Goal:" line, else the first sentence under a Goal heading."""

from __future__ import annotations

import re

from ml_engineer.inputs.notes.blocks import Doc
from ml_engineer.inputs.notes.plain_text import SENTENCE_END, shorten

MAX_GOAL_CHARS = 300

_GOAL_LINE = re.compile(
    r"^(?:(?:confirmed|final|agreed|business|ml|machine learning|modell?ing|project|prediction|"
    r"primary|main|the)\s+){0,3}(?:goal|objective)\s*(?:[:：]|\s[-–—]\s)\s*(.*)$",
    re.I,
)
_GOAL_HEADING = re.compile(r"\b(?:goals?|objectives?)\b", re.I)
_PLACEHOLDER = {"", "-", "—", "n/a", "na", "none", "tbd", "todo", "unknown", "?", "...", "…"}


def _first_sentence(text: str) -> str:
    parts = SENTENCE_END.split(text, maxsplit=1)
    return parts[0] if parts else text


def find_goal(docs: list[Doc]) -> tuple[str | None, str | None]:
    """(plain goal sentence, raw markdown it came from)."""
    anywhere: tuple[str, str] | None = None
    for doc in docs:
        blocks = doc.blocks
        for idx, block in enumerate(blocks):
            if block.kind not in ("para", "bullet"):
                continue
            match = _GOAL_LINE.match(block.text)
            if not match:
                continue
            content = match.group(1).strip()
            raw = block.raw
            if content.casefold() in _PLACEHOLDER:
                nxt = next(
                    (b for b in blocks[idx + 1 : idx + 3] if b.kind in ("para", "bullet")), None
                )
                if nxt is None or nxt.text.casefold() in _PLACEHOLDER:
                    continue
                content, raw = nxt.text, nxt.raw
            under_goal_heading = any(_GOAL_HEADING.search(h) for h in block.headings)
            if under_goal_heading:
                return shorten(content, MAX_GOAL_CHARS), raw
            if anywhere is None:
                anywhere = (shorten(content, MAX_GOAL_CHARS), raw)
    if anywhere:
        return anywhere
    for doc in docs:
        for block in doc.blocks:
            if block.kind not in ("para", "bullet") or not block.text:
                continue
            if block.headings and _GOAL_HEADING.search(block.section):
                sentence = _first_sentence(block.text)
                if sentence.casefold() not in _PLACEHOLDER:
                    raw_sentence = _first_sentence(block.raw)
                    return shorten(sentence, MAX_GOAL_CHARS), raw_sentence
    return None, None
