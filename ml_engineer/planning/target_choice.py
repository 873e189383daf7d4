"""Which column the goal asks about: candidates ranked from the goal's words and its form.

1. A column the goal names in backticks is taken; a name it writes that no column has (in
   backticks, or spelled like a column: `churn_flag`) is an error naming the near matches, never
   silently replaced by another target.
2. Every column's name is read in the goal's words (`name_match`), and so is the analyst's
   meaning of it when there is one. A column is plausible when its name or meaning reads as the
   goal's topic. A plausible column whose words include all of another's, and explain as much of
   its name, puts the other out of the running: `tsales` ("total sales") beats `sales`, `lw80`
   ("log wage in 1980") beats `lw`.
3. When no name reads as the topic, the goal's form narrows the columns: "whether" asks for two
   classes, "how many" or "price" for a number, "which kind" for classes.
4. One candidate left is taken, with its reason. Two or more are a question for the person
   (`TargetUnclear`, with every candidate and why).

Keys, constants, dates, the time axis of a forecast and columns whose analyst role rules them out
are never candidates.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field

from ml_engineer.errors import GoalError, TargetUnclear
from ml_engineer.models import AnalystNotes, ColumnKind, ColumnProfile, DataProfile
from ml_engineer.models.goal import TargetCandidate
from ml_engineer.planning.name_match import NameMatch, Piece, match_name
from ml_engineer.planning.names import content_words, head_word, is_generic, stem, tokens
from ml_engineer.planning.structure import TableFacts, key_reason, read_structure

MAX_SHOWN = 10  # candidates listed in a question
MAX_CLASSES = 50

_BINARY = re.compile(
    r"\b(whether|if|yes or no)\b|^\s*(will|is|are|does|do|did|has|have|can|would)\b", re.I
)
_CLASSES = re.compile(
    r"\b(which|what (kind|type|sort|category|class)|(type|kind|class) of)\b", re.I
)
# Words that ask for a number outright, and words naming something usually measured as one.
_COUNT = re.compile(r"\b(how (many|much|long|often|far)|number of)\b", re.I)
_NUMBER = re.compile(
    r"\b(amount|price|cost|rate|level|total|average|count|score|sales|revenue|income|earnings|"
    r"wage|salary|hours|duration|concentration|temperature|weight|height|value of|size of|"
    r"spend\w*)\b",
    re.I,
)
# An analyst's role that rules a column out as the target.
_NOT_A_TARGET_ROLE = re.compile(r"\brole\b\W*(id|identifier|key|index|weight|row number)\b", re.I)
# Written like a column name: `churn_flag`, `nRooms`, `price_2024`.
_NAME_LIKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")


@dataclass
class TargetChoice:
    """The column taken, why, and the others considered (best first)."""

    column: str
    reason: str
    others: list[TargetCandidate] = field(default_factory=list)


def goal_form(sentence: str) -> str | None:
    """binary, classes or number: what kind of answer the goal's words ask for."""
    if _BINARY.search(sentence):
        return "binary"
    if _CLASSES.search(sentence):
        return "classes"
    if _COUNT.search(sentence) or _NUMBER.search(sentence):
        return "number"
    return None


def _form_is_explicit(sentence: str, form: str | None) -> bool:
    """Whether the goal asks for its form in so many words ("whether", "how many"), rather than
    naming a thing usually measured as a number ("revenue"), which no column may hold."""
    return (form == "binary" and bool(_BINARY.search(sentence))) or (
        form == "number" and bool(_COUNT.search(sentence))
    )


def choose_target(
    profile: DataProfile,
    notes: AnalystNotes,
    sentence: str,
    *,
    user_goal: bool,
    exclude: set[str] | None = None,
    facts: TableFacts | None = None,
) -> TargetChoice:
    """The target for `sentence` among `profile`'s columns (minus `exclude`), or TargetUnclear
    when a person must choose, or GoalError when nothing fits."""
    columns = [c for c in profile.columns if c.name not in (exclude or set())]
    names = [c.name for c in columns]
    named = _named_in_goal(sentence, names, profile)
    if named:
        return named
    pool = [c for c in columns if _may_be_target(c, profile.row_count, notes, facts)]
    hint = notes.target_hint
    if not user_goal and hint in {c.name for c in pool}:
        # The analyst's documents, not the user, gave the goal, and they mark its column.
        return TargetChoice(hint, "marked as the target in the analyst's documents")
    if len(pool) == 1:  # a single series beside its time axis: nothing else can be the target
        only = pool[0]
        return TargetChoice(only.name, "the only column that can be the target")
    words = content_words(sentence)
    matches = [m for m in (_read(c, words, notes) for c in pool) if m.plausible]
    if goal_form(sentence) == "binary":
        # A yes/no goal: `low` (0/1) over the birth weight `bwt` that its words also name.
        fitting = {c.name for c in pool if _fits(c, "binary")}
        matches = [m for m in matches if m.column in fitting] or matches
    leaders = _undominated(matches, head_word(sentence), tokens(sentence))
    if len(leaders) == 1:
        best = leaders[0]
        agrees = " (the analyst's documents agree)" if notes.target_hint == best.column else ""
        others = [_candidate(m) for m in sorted(matches, key=_rank, reverse=True) if m is not best]
        return TargetChoice(best.column, f"matched from {best.describe()}{agrees}", others)
    if leaders:
        # Every plausible reading is offered, the undominated first: terse codes (`ofp`,
        # `ofnp`, `opp`) can each be what the goal meant.
        ranked = sorted(leaders, key=_rank, reverse=True)
        ranked += sorted((m for m in matches if m not in leaders), key=_rank, reverse=True)
        raise _unclear(sentence, [_candidate(m) for m in ranked], profile, several=True)
    # A panel's entity and the time axis organise the rows; they are not what a goal asks
    # about unless it names them.
    structure = read_structure(profile, key_columns=notes.key_columns, facts=facts)
    organising = set(structure.entities) | set(structure.time.columns if structure.time else [])
    pool = [c for c in pool if c.name not in organising]
    return _by_form(sentence, pool, words, profile, notes, user_goal)


def _named_in_goal(sentence: str, names: list[str], profile: DataProfile) -> TargetChoice | None:
    """A column the goal writes as a name: taken when it exists, an error naming the near
    matches when it does not (it is never replaced by another target)."""
    quoted = re.findall(r"`([^`]+)`", sentence)
    for name in quoted:
        if name in names:
            return TargetChoice(name, f"the goal sentence names `{name}`")
    written = quoted + [w for w in _NAME_LIKE.findall(sentence) if w not in names]
    for name in written:
        folded = [n for n in names if n.lower() == name.lower()]
        if len(folded) == 1:
            return TargetChoice(folded[0], f"the goal names {name!r}, the column `{folded[0]}`")
        if name not in names:
            near = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
            hint = f" Near matches: {_listing(near)}." if near else ""
            raise GoalError(
                f"The goal {sentence!r} names the column `{name}`, which the data "
                f"({profile.profile_path}) does not have.{hint} Pass --target with one of its "
                f"columns, or restate the goal; ml-engineer never swaps in another target.",
                path=profile.profile_path,
                field="target",
            )
    return None


def _may_be_target(
    col: ColumnProfile, rows: int | None, notes: AnalystNotes, facts: TableFacts | None
) -> bool:
    if col.kind in (ColumnKind.datetime, ColumnKind.id, ColumnKind.unknown):
        return False
    if col.unique_count is not None and col.unique_count <= 1:
        return False  # a constant cannot be learnt
    if col.missing_fraction is not None and col.missing_fraction >= 0.99:
        return False
    if key_reason(col, rows, facts or TableFacts(), declared=col.name in notes.key_columns):
        return False
    meanings = [*notes.column_notes.get(col.name, []), *col.notes]
    return not any(_NOT_A_TARGET_ROLE.search(m) for m in meanings)


def _read(col: ColumnProfile, words: list[str], notes: AnalystNotes) -> NameMatch:
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


def _rank(m: NameMatch) -> tuple[float, int]:
    return (m.strength * (1 + 0.25 * len(m.words)), len(m.words))


def _undominated(
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


def _candidate(m: NameMatch) -> TargetCandidate:
    return TargetCandidate(
        column=m.column, score=round(_rank(m)[0], 3), reason=f"its name reads {m.describe()}"
    )


def _by_form(
    sentence: str,
    pool: list[ColumnProfile],
    words: list[str],
    profile: DataProfile,
    notes: AnalystNotes,
    user_goal: bool,
) -> TargetChoice:
    """No name reads as the goal's topic: the analyst's mark, or the goal's form, decides."""
    hint = notes.target_hint if notes.target_hint in {c.name for c in pool} else None
    topics = [w for w in words if not is_generic(w)]
    if hint and (not user_goal or not topics):
        return TargetChoice(hint, "marked as the target in the analyst's documents")
    form = goal_form(sentence)
    fitting = [c for c in pool if _fits(c, form)]
    if len(fitting) == 1 and not hint and _form_is_explicit(sentence, form):
        only = fitting[0]
        return TargetChoice(
            only.name,
            f"no column's name matches the goal's words, but the goal asks {_FORM_WORDS[form]} "
            f"and `{only.name}` is the only column that answers that ({_values(only)})",
        )
    candidates = []
    if hint:
        candidates.append(
            TargetCandidate(column=hint, score=0.5, reason="the analyst's documents mark it")
        )
    # The columns of the form the goal asks for first, then any other that could be a target.
    others = [c for c in pool if c not in fitting and _fits(c, None)]
    for col in [*fitting, *others]:
        if col.name != hint:
            fits = col in fitting and form
            reason = f"{_FORM_WORDS[form]}: {_values(col)}" if fits else _values(col)
            candidates.append(
                TargetCandidate(column=col.name, score=0.2 if fits else 0.1, reason=reason)
            )
    if not candidates:
        raise GoalError(
            f"No column of {profile.profile_path} can be the target of {sentence!r}: every "
            "column is a key, a constant, a date or empty. Check the profile, or pass "
            "--target COLUMN.",
            path=profile.profile_path,
            field="target",
        )
    raise _unclear(sentence, candidates, profile, several=False)


_FORM_WORDS = {
    "binary": "a yes/no answer (two classes)",
    "number": "for a number",
    "classes": "for one of several classes",
}


def _fits(col: ColumnProfile, form: str | None) -> bool:
    n = col.unique_count
    if form == "binary":
        return col.kind == ColumnKind.boolean or n == 2
    if form == "number":
        return col.kind == ColumnKind.numeric and (n is None or n > 2)
    if form == "classes":
        textual = col.kind in (ColumnKind.categorical, ColumnKind.text, ColumnKind.boolean)
        return (textual or (n is not None and n <= 10)) and (n is None or 3 <= n <= MAX_CLASSES)
    return col.kind in (ColumnKind.numeric, ColumnKind.boolean, ColumnKind.categorical) and (
        col.kind != ColumnKind.categorical or n is None or n <= MAX_CLASSES
    )


def _values(col: ColumnProfile) -> str:
    if col.kind == ColumnKind.boolean or col.unique_count == 2:
        shown = ", ".join(tv.value for tv in col.top_values[:2])
        return f"two values{f' ({shown})' if shown else ''}"
    if col.kind == ColumnKind.numeric:
        stats = col.stats
        span = (
            f", {stats.min:g} to {stats.max:g}"
            if stats and stats.min is not None and stats.max is not None
            else ""
        )
        count = f"{col.unique_count} distinct values" if col.unique_count else "numeric"
        return f"a number ({count}{span})"
    count = f"{col.unique_count} classes" if col.unique_count else "classes"
    return f"{col.kind.value}, {count}"


def _unclear(
    sentence: str, candidates: list[TargetCandidate], profile: DataProfile, *, several: bool
) -> TargetUnclear:
    shown = candidates[:MAX_SHOWN]
    more = f" and {len(candidates) - MAX_SHOWN} more" if len(candidates) > MAX_SHOWN else ""
    listing = "; ".join(f"`{c.column}` ({c.reason})" for c in shown) + more
    lead = (
        f"The goal {sentence!r} matches several columns equally well"
        if several
        else f"No column's name in {profile.profile_path} matches the goal {sentence!r}"
    )
    return TargetUnclear(
        f"{lead}: which one is the target? Candidates: {listing}. Say which with --target, "
        f"e.g. --target {_quote_arg(shown[0].column)}.",
        goal=sentence,
        candidates=[c.model_dump() for c in candidates],
        path=profile.profile_path,
    )


def _listing(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _quote_arg(name: str) -> str:
    return name if re.fullmatch(r"[\w.-]+", name) else repr(name)
