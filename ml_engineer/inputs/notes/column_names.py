"""The real column names, and lookups that only ever answer with one of them.

Only names from the caller's list can become a target, a key or a column-note key, however a
document spells them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ml_engineer.inputs.notes.plain_text import plain, unique

MAX_BARE_NAME_COLUMNS = 5_000  # columns matched as bare words; above this only backticks count

_WORD = re.compile(r"\w+")
_LEADING_NAME = re.compile(r"\s*([\w.]+)\s*(?:==|!=|<=|>=|=|<|>|:|\(|\bin\b|\bis\b)")


class ColumnNames:
    """The real column names, and lookups that only ever answer with one of them."""

    def __init__(self, names: Iterable[object]):
        self.names: list[str] = []
        seen: set[str] = set()
        for name in names or []:
            text = str(name)
            if text not in seen:
                seen.add(text)
                self.names.append(text)
        lower: dict[str, list[str]] = {}
        for name in self.names:
            lower.setdefault(name.casefold(), []).append(name)
        self._exact = set(self.names)
        # A case-insensitive match counts only when it is unambiguous.
        self._lower = {k: v[0] for k, v in lower.items() if len(v) == 1}
        bare = [n for n in self.names if len(n) >= 3 and n.strip() == n][:MAX_BARE_NAME_COLUMNS]
        # Names made of word characters only are found by looking words up in a set (fast for
        # thousands of columns); the few others by one alternation.
        self._bare_words = {n for n in bare if _WORD.fullmatch(n)}
        others = sorted((n for n in bare if n not in self._bare_words), key=len, reverse=True)
        self._bare_other = (
            re.compile(r"(?<![\w`])(" + "|".join(re.escape(n) for n in others) + r")(?![\w`])")
            if others
            else None
        )

    def resolve(self, text: str) -> str | None:
        """The real column `text` names: exact match first, then case-insensitive."""
        text = text.strip()
        if not text:
            return None
        if text in self._exact:
            return text
        return self._lower.get(text.casefold())

    def resolve_loose(self, text: str) -> str | None:
        """As `resolve`, also trying the text without quotes/emphasis and its leading identifier
        (so `ui == yes` names `ui`)."""
        for candidate in (text, plain(text), plain(text).strip("'\"“”‘’.,;:()[]{}")):
            found = self.resolve(candidate)
            if found:
                return found
        # `ui == yes`, `whrswk = 0`, `ui: yes/no`: a name followed by a comparison. Not
        # `rm -rf /`: a name followed by anything else is not taken as that name.
        lead = _LEADING_NAME.match(plain(text))
        if lead:
            return self.resolve(lead.group(1).rstrip("."))
        return None

    def backticked(self, raw: str) -> list[str]:
        """Real columns written in backticks in a raw markdown line, in order."""
        found: list[str] = []
        for match in re.finditer(r"`+([^`\n]{1,200})`+", raw):
            name = self.resolve_loose(match.group(1))
            if name and name not in found:
                found.append(name)
        return found

    def bare(self, text: str) -> list[str]:
        """Real columns (3+ characters) written as whole words, case-sensitive, in order."""
        hits: list[tuple[int, str]] = []
        if self._bare_words:
            for match in _WORD.finditer(text):
                if match.group(0) in self._bare_words:
                    hits.append((match.start(), match.group(0)))
        if self._bare_other is not None:
            hits.extend((m.start(), m.group(1)) for m in self._bare_other.finditer(text))
        return unique(name for _, name in sorted(hits))

    def mentioned(self, raw: str) -> list[str]:
        """Backticked mentions first, then bare-word mentions outside backticks."""
        found = self.backticked(raw)
        without_code = re.sub(r"`+[^`\n]{1,200}`+", " ", raw)
        for name in self.bare(plain(without_code)):
            if name not in found:
                found.append(name)
        return found

    def cell_columns(self, cell: str) -> list[str]:
        """Columns a table row's first cell names: one column, or a list like `a, b, c`."""
        whole = self.resolve_loose(cell)
        text = plain(cell)
        if whole and (whole.casefold() == text.casefold() or "," not in text):
            return [whole]
        parts = re.split(r"\s*(?:,|;|\band\b|&|\+)\s*", text)
        found: list[str] = []
        for part in parts:
            part = re.sub(r"\s*\([^)]*\)\s*$", "", part).strip()
            name = self.resolve(part) or self.resolve(part.strip("'\"“”‘’.:"))
            if name and name not in found:
                found.append(name)
        return found
