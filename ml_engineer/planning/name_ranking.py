"""Ranking the columns whose names (or the analyst's meanings) read as the goal's words.

A reading beats another when it holds the goal's head word and the other does not ("house
prices": `SalePrice`, not `house_age`); when it is the goal's own word against a name pieced
from initials (`deny` over `dmi`); when it reads more of the goal's words on as much of its name
(`tsales`, "total sales", over `sales`); or when it reads its whole name and the other leaves
letters unread (`lnhr` over `lnwg`). The readings no other beats are the candidates.
"""

from __future__ import annotations

import math

from ml_engineer.models import AnalystNotes, ColumnProfile
from ml_engineer.models.goal import TargetCandidate
from ml_engineer.planning.name_match import NameMatch, Piece, match_name
from ml_engineer.planning.names import is_generic, stem, tokens


def read_column(col: ColumnProfile, words: list[str], notes: AnalystNotes) -> NameMatch:
    """The column's name read in the goal's words; a meaning the analyst wrote counts when it
    reads better (`mrall` described as "traffic fatality rate")."""
    match = match_name(col.name, words)
    meaning = next(iter(notes.column_notes.get(col.name, [])), "")
    if meaning and not match.plausible:
        said = {stem(t) for t in tokens(meaning)}
        found = [w for w in dict.fromkeys(words) if stem(w) in said]
        topics = [w for w in found if not is_generic(w)]
        wanted = [w for w in words if not is_generic(w)]
        if topics and len(topics) >= max(1, math.ceil(len(wanted) / 2)):
            return _MeaningMatch(col.name, found, meaning)
    return match


class _MeaningMatch(NameMatch):
    """A column whose analyst meaning, not its name, uses the goal's words."""

    def __init__(self, column: str, found: list[str], meaning: str):
        super().__init__(column=column, coverage=1.0)
        self.pieces = [Piece(w, w, "meaning", 0.9) for w in found]
        self.meaning = meaning

    @property
    def plausible(self) -> bool:
        return True

    def describe(self) -> str:
        shown = self.meaning if len(self.meaning) <= 80 else self.meaning[:77] + "..."
        words = ", ".join(map(repr, sorted(self.words)))
        return f"the goal's words {words}, which the analyst's meaning of it uses ({shown!r})"


def rank(m: NameMatch) -> tuple[float, int]:
    return (m.strength * (1 + 0.25 * len(m.words)), len(m.words))


def undominated(
    matches: list[NameMatch], head: str | None, sentence_words: list[str]
) -> list[NameMatch]:
    """The matches no other one beats: the goal's head word where the other lacks it ("house
    prices": `SalePrice`, not `house_age`), more of the goal's words on as much of its name, or
    the same words on a clearly better reading."""

    def beats(a: NameMatch, b: NameMatch) -> bool:
        # The head word first: "a county's crime rate" is about crime (`crmrte`), whatever else
        # the goal's words spell better (`county`).
        if head and (head in a.words) != (head in b.words):
            return head in a.words and a.coverage >= b.coverage - 0.1
        # A name that is the goal's word beats one of initials and short cuts (`deny` over
        # `dmi`, "denied mortgage ..."), unless those carry a number the goal wrote (`lw80`).
        if _spelled_out(a) and _cut_short(b):
            return True
        if _spelled_out(b) and _cut_short(a):
            return False
        if a.words > b.words and a.coverage >= b.coverage - 0.1:
            return _extra_words_fit(a, b, sentence_words)
        if b.words > a.words:
            return False
        # A name read whole beats one with letters left unread (`lnhr`, "log hours", over
        # `lnwg`, whose "g" nothing explains); a name the goal spells out beats one pieced
        # together from scattered initials ("(ui: yes/no) ... rank workers": `ui`, not `rr`).
        if a.coverage == 1.0 and b.coverage <= 0.8 and a.strength >= b.strength:
            return True
        return a.coverage >= b.coverage and a.strength >= 1.3 * b.strength

    return [b for b in matches if not any(beats(a, b) for a in matches if a is not b)]


def _spelled_out(m: NameMatch) -> bool:
    return m.coverage == 1.0 and all(p.how == "word" for p in m.pieces)


def _cut_short(m: NameMatch) -> bool:
    """Read from initials and two-letter cuts only, with no number to anchor it."""
    return all(p.how in ("initial", "abbreviation") and len(p.text) <= 2 for p in m.pieces)


def _extra_words_fit(a: NameMatch, b: NameMatch, sentence_words: list[str]) -> bool:
    """Whether the words `a` reads beyond `b`'s make it the better reading: a topic word does;
    a generic one only where the goal writes it right beside a shared word, in the name's order
    ("total sales": `t` + `sales`; not `ofnp`'s "n" for the "number of physician ...": its "n"
    is "non")."""
    extra = a.words - b.words
    if any(not is_generic(w) for w in extra):
        return True
    at = {}
    for i, word in enumerate(sentence_words):
        at.setdefault(word, i)
    pieces = a.pieces
    for i, piece in enumerate(pieces):
        if piece.word not in extra:
            continue
        after = pieces[i + 1].word if i + 1 < len(pieces) else None
        before = pieces[i - 1].word if i > 0 else None
        fits = (after in b.words and at.get(after) == at.get(piece.word, -9) + 1) or (
            before in b.words and at.get(piece.word) == at.get(before, -9) + 1
        )
        if not fits:
            return False
    return True


def candidate_of(m: NameMatch) -> TargetCandidate:
    return TargetCandidate(
        column=m.column, score=round(rank(m)[0], 3), reason=f"its name reads {m.describe()}"
    )
