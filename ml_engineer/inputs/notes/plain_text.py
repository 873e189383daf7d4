"""Markdown reduced to plain text, and the few text helpers every rule uses.

Document text is untrusted: it is only matched against these fixed patterns and copied, never
executed, evaluated or used to build a pattern.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

_IMAGE = re.compile(r"!\[([^\]\n]{0,500})\]\([^)\n]{0,2000}\)")
_LINK = re.compile(r"\[([^\]\n]{1,500})\]\((?:[^()\n]|\([^()\n]{0,200}\)){0,2000}\)")
_BOLD_STAR = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_BOLD_UNDER = re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_EM_UNDER = re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])")
_STRIKE = re.compile(r"~~(.+?)~~")
_HTML_TAG = re.compile(
    r"</?(?:br|b|i|em|strong|code|span|p|div|sup|sub|u|small|mark|kbd)\b[^<>]{0,200}/?>", re.I
)
_SPACES = re.compile(r"\s+")
_MARKUP = re.compile(r"[*_`\[<~\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def plain(text: str) -> str:
    """Markdown emphasis, links, backticks and a few inline HTML tags removed; one line."""
    # The same cells and lines are looked at by several rules: short texts are cached.
    return _plain_cached(text) if len(text) <= 2000 else _plain(text)


@functools.lru_cache(maxsize=8192)
def _plain_cached(text: str) -> str:
    return _plain(text)


def _plain(text: str) -> str:
    if not _MARKUP.search(text):
        return _SPACES.sub(" ", text).strip()
    text = _CONTROL.sub(" ", text)
    if "[" in text:
        text = _IMAGE.sub(r"\1", text)
        text = _LINK.sub(r"\1", text)
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    for _ in range(2):  # nested emphasis: ***x*** and **_x_**
        if "*" not in text and "_" not in text:
            break
        text = _BOLD_STAR.sub(r"\1", text)
        text = _BOLD_UNDER.sub(r"\1", text)
        text = _EM_STAR.sub(r"\1", text)
        text = _EM_UNDER.sub(r"\1", text)
    if "~~" in text:
        text = _STRIKE.sub(r"\1", text)
    text = text.replace("`", "")
    return _SPACES.sub(" ", text).strip()


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters: cut at a word where one is near, and marked with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def unique(items: Iterable[str]) -> list[str]:
    """The items once each, in the order first seen."""
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


# Where one sentence ends and the next begins.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*_(\[\"'])")
# Words that turn a statement about a column into its opposite.
NEGATION = re.compile(r"\b(?:no|not|none|never|isn't|aren't|without)\b", re.I)
