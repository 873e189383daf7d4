"""How a column's name spells the goal's words, abbreviations included.

Column names are short: `pharvis` is "pharmacy visits", `lw80` "log wage in 1980", `tsales`
"total sales", `testscr` "test score", `lfp` "labour force participation", `unemp`
"unemployment". A name is read as pieces, each standing for one goal word:

| how | example | strength |
|---|---|---|
| the word itself, or the same stem | `churned` ← churn | 1.0 |
| a synonym | `test` ← exam | 0.9 |
| a prefix of 3+ letters | `phar` ← pharmacy, `unemp` ← unemployment | 0.8 |
| letters of the word in order, first letter first | `scr` ← score, `hrs` ← hours | 0.6 (two: 0.3) |
| the word's initial | `l`, `w` of `lw` ← log wage | 0.35 |
| a number the goal wrote | `80` ← 1980, `78` ← 1978 | 1.0 |

Each goal word stands for at most one piece. The best reading of a name (the one explaining the
most letters, strongest first) is found by dynamic programming over the name's positions. How
much of the name is explained (`coverage`) matters as much as the words: `churn_reason`
explains half of its name with "churn", `churned` all of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from ml_engineer.planning.names import is_generic, stem, tokens

# Tokens that qualify a name without adding meaning: `is_churn`, `churn_flag`, `n_visits`.
MARKERS = frozenset({"is", "has", "flag", "ind", "num", "n", "no", "nb", "y", "yn", "cnt", "tot"})
# A few synonyms that column names use for everyday goal words (by stem, both ways).
_SYNONYMS = [
    {"log", "ln", "lg"},
    {"exam", "test"},
    {"wage", "salari", "pay"},
    {"earn", "wage", "incom"},
    {"kid", "child", "children"},
    {"woman", "femal", "wife"},
    {"man", "male", "husband"},
    {"price", "cost"},
    {"sale", "revenu"},
    {"capita", "pc", "percap"},  # `packpc`, `gdppc`: "per capita"
    {"durat", "length"},
    {"choic", "choos", "chose", "buy", "bought", "pick", "select", "purchas"},
]
_HOW = {
    "synonym": "a synonym of",
    "prefix": "the start of",
    "abbreviation": "an abbreviation of",
    "initial": "the initial of",
    "number": "the number in",
    "meaning": "the meaning uses",
}
MAX_NAME_LETTERS = 40  # longer names are matched on their first 40 letters and digits


@dataclass(frozen=True)
class Piece:
    """A part of the column's name read as one goal word."""

    text: str
    word: str
    how: str  # word, synonym, prefix, abbreviation, initial, number
    strength: float


@dataclass
class NameMatch:
    """The best reading of one column's name in the goal's words."""

    column: str
    pieces: list[Piece] = field(default_factory=list)
    coverage: float = 0.0  # share of the name's letters and digits the pieces (and markers) explain
    letters: int = 0  # the name's letters and digits

    @property
    def words(self) -> set[str]:
        return {p.word for p in self.pieces}

    @property
    def topic_words(self) -> set[str]:
        """The words that say what the target is about (numbers count: a year is a topic)."""
        return {p.word for p in self.pieces if not is_generic(p.word)}

    @property
    def strength(self) -> float:
        """How well the pieces stand for their words, weighted by length, scaled by coverage."""
        if not self.pieces:
            return 0.0
        letters = sum(len(p.text) for p in self.pieces)
        mean = sum(len(p.text) * p.strength for p in self.pieces) / letters
        return mean * self.coverage

    @property
    def plausible(self) -> bool:
        """Whether the name reads as the goal's topic: a topic word, most of the name
        explained, and either strong pieces or a name of initials and short cuts."""
        if not self.topic_words or self.coverage < 0.5:
            return False
        # Names of initials and two-letter cuts: `lfp`, `lw`, `ofp` ("office physician");
        # `mdu` ("medical doctor use") leaves one letter unread. A word is not initials:
        # `speed` is not s(ells) + pe(rsonal) with "ed" left over.
        read = [p for p in self.pieces if p.how != "number"]
        if read and all(p.how in ("initial", "abbreviation") for p in read):
            if all(_starts_word(p) for p in read):
                unread = round(self.letters * (1 - self.coverage))
                return len(self.pieces) >= 2 and self.coverage >= 0.6 and unread <= 1
        return self.strength >= 0.4

    def describe(self) -> str:
        """`the goal's words 'pharmacy', 'visits' ('phar': the start of 'pharmacy', 'vis': the
        start of 'visits')`; the words alone when the name spells them out."""
        words = ", ".join(repr(p.word) for p in self.pieces)
        spelled = [p for p in self.pieces if p.how != "word"]
        if not spelled:
            return f"the goal's words {words}"
        how = ", ".join(f"{p.text!r}: {_HOW[p.how]} {p.word!r}" for p in spelled)
        return f"the goal's words {words} ({how})"


def _starts_word(piece: Piece) -> bool:
    """An initial, or a word's first two letters (`of` for office; not `ta` for total)."""
    return len(piece.text) == 1 or (len(piece.text) == 2 and piece.word.startswith(piece.text))


def match_name(column: str, words: list[str]) -> NameMatch:
    """The best reading of `column` in `words` (the goal's content words, in order)."""
    parts = tokens(column)
    total = sum(len(t) for t in parts)
    match = NameMatch(column=column, letters=total)
    if not total or not words:
        return match
    used: set[str] = set()
    explained = 0
    for part in parts:
        if part in MARKERS and len(parts) > 1:
            explained += len(part)
            continue
        available = tuple(w for w in dict.fromkeys(words) if w not in used)
        pieces = _best_reading(part[:MAX_NAME_LETTERS], available)
        for piece in pieces:
            used.add(piece.word)
            explained += len(piece.text)
        match.pieces.extend(pieces)
    match.coverage = explained / total if match.pieces else 0.0
    return match


def _synonyms(word: str) -> set[str]:
    root = stem(word)
    return {s for group in _SYNONYMS if root in group for s in group if s != root}


def _classify(piece: str, word: str) -> tuple[str, float] | None:
    """How `piece` (a part of a name) stands for `word`, or None."""
    if word.isdigit() or piece.isdigit():
        if piece.isdigit() and word.isdigit() and len(piece) >= 2 and word.endswith(piece):
            return "number", 1.0
        return None
    # Stemming is the slow part of reading names: only pieces that could share a stem are.
    if piece == word or (len(piece) >= 3 and piece[:2] == word[:2] and stem(piece) == stem(word)):
        return "word", 1.0
    synonyms = _synonyms(word)
    if synonyms and (piece in synonyms or (len(piece) >= 3 and stem(piece) in synonyms)):
        return "synonym", 0.9
    if piece[0] != word[0]:
        return None
    if len(piece) == 1:
        return "initial", 0.35
    if len(piece) >= 3 and word.startswith(piece):
        return "prefix", 0.8
    if len(piece) < len(word) and _in_order(piece, word):
        # Two letters are a weak abbreviation: `md` reads better as medical + doctor.
        return "abbreviation", 0.6 if len(piece) >= 3 else 0.3
    return None


def _in_order(piece: str, word: str) -> bool:
    letters = iter(word)
    return all(ch in letters for ch in piece)


@lru_cache(maxsize=8192)
def _best_reading(text: str, words: tuple[str, ...]) -> list[Piece]:
    """The pieces that explain the most of `text`: each a (start, end) span read as one word,
    each word used once; letters no word explains are skipped."""
    options: dict[int, list[tuple[int, int, Piece]]] = {}
    for bit, word in enumerate(words):
        # A piece starts with the word's first letter, except a synonym's or a number's.
        anywhere = word.isdigit() or bool(_synonyms(word))
        for start in range(len(text)):
            if not anywhere and text[start] != word[0]:
                continue
            for end in range(start + 1, len(text) + 1):
                found = _classify(text[start:end], word)
                if found:
                    how, strength = found
                    piece = Piece(text[start:end], word, how, strength)
                    options.setdefault(start, []).append((end, bit, piece))

    if not options:
        return []
    memo: dict[tuple[int, int, bool], tuple[float, tuple[Piece, ...]]] = {}

    def best(pos: int, mask: int, boundary: bool) -> tuple[float, tuple[Piece, ...]]:
        """`boundary`: `pos` starts the name or follows a piece. One or two letters read as a
        word only there (`lw`, `tsales`), never inside another word (`re78`'s "e")."""
        if pos >= len(text):
            return 0.0, ()
        key = (pos, mask, boundary)
        if key in memo:
            return memo[key]
        value, pieces = best(pos + 1, mask, False)  # this letter unexplained
        for end, bit, piece in options.get(pos, []):
            # Letters meeting digits is a boundary too: `re78`'s "78".
            at_edge = boundary or text[pos - 1].isdigit() != text[pos].isdigit()
            if mask & (1 << bit) or (len(piece.text) <= 2 and not at_edge):
                continue
            rest_value, rest = best(end, mask | (1 << bit), True)
            gain = len(piece.text) * piece.strength + rest_value
            if gain > value + 1e-9:
                value, pieces = gain, (piece, *rest)
        memo[key] = value, pieces
        return value, pieces

    return list(best(0, 0, True)[1])
