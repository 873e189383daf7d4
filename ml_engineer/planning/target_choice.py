"""Which column the goal asks about: candidates ranked from the goal's words and its form.

1. A column the goal names in backticks is taken; a name it writes that no column has (in
   backticks, or spelled like a column: `churn_flag`) is an error naming the near matches, never
   silently replaced by another target.
2. Every column's name is read in the goal's words (`name_match`), and so is the analyst's
   meaning of it when there is one. A column is plausible when its name or meaning reads as the
   goal's topic; readings that another beats are out of the running (`name_ranking`): `tsales`
   ("total sales") beats `sales`, `lw80` ("log wage in 1980") beats `lw`.
3. When no name reads as the topic, the goal's form narrows the columns (`goal_form`): "whether"
   asks for two classes, "how many" or "price" for a number, "which kind" for classes.
4. One candidate left is taken, with its reason. Two or more are a question for the person
   (`TargetUnclear`, with every candidate and why).

Keys, constants, dates, the time axis of a forecast and columns whose analyst role rules them out
are never candidates.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from ml_engineer.errors import GoalError, TargetUnclear
from ml_engineer.models import AnalystNotes, ColumnKind, ColumnProfile, DataProfile
from ml_engineer.models.goal import TargetCandidate
from ml_engineer.models.table_facts import TableFacts
from ml_engineer.planning.goal_form import FORM_WORDS, fits, form_is_explicit, goal_form, values_of
from ml_engineer.planning.name_match import NameMatch
from ml_engineer.planning.name_ranking import candidate_of, rank, read_column, undominated
from ml_engineer.planning.names import content_words, head_word, is_generic, quantity_named, tokens
from ml_engineer.planning.protected import find_protected
from ml_engineer.planning.structure import ENTITY_WORDS, key_reason, read_structure

MAX_SHOWN = 10  # candidates listed in a question

# An analyst's role that rules a column out as the target.
_NOT_A_TARGET_ROLE = re.compile(r"\brole\b\W*(id|identifier|key|index|weight|row number)\b", re.I)
# Who a goal is about ("whether a patient dies"): the rows' subject, never what is predicted.
# The entities and places a table's rows belong to, and the roles people have in one.
_SUBJECTS = ENTITY_WORDS | frozenset(
    """
    patients passenger passengers student students pupil pupils worker workers employee
    employees applicant applicants borrower borrowers driver drivers voter voters respondent
    respondents participant participants individuals hospitals clients members accounts players
    teams subjects case cases
    """.split()
)
# Names that say a column is the outcome itself, whatever it measures (tokens joined).
_TARGET_NAMES = frozenset(
    {"depvar", "dependentvariable", "dependent", "target", "outcome", "response", "label"}
)
# Written like a column name: `churn_flag`, `nRooms`, `price_2024`.
_NAME_LIKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")


@dataclass
class TargetChoice:
    """The column taken, why, and the others considered (best first)."""

    column: str
    reason: str
    others: list[TargetCandidate] = field(default_factory=list)


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
    read_as = quantity_named(sentence)
    words = content_words(read_as)
    head = head_word(read_as)
    # A panel's entity and the time axis organise the rows; they are not what a goal asks
    # about unless its head word names them (`Ketchup.hid` is the household, not its brand).
    structure = read_structure(profile, key_columns=notes.key_columns, facts=facts)
    organising = set(structure.entities) | set(structure.time.columns if structure.time else [])
    matches = [m for m in (read_column(c, words, notes) for c in pool) if m.plausible]
    matches = [
        m
        for m in matches
        if not _only_the_subject(m, head) and (m.column not in organising or head in m.words)
    ]
    form = goal_form(sentence)
    two_valued = {c.name for c in pool if fits(c, "binary")}
    if form in ("binary", "classes"):
        # A yes/no goal: `low` (0/1) over the birth weight `bwt` that its words also name;
        # "which brand": the four brands, not a household's number ("which loans default"
        # may be answered by two classes).
        fitting = {c.name for c in pool if fits(c, form)}
        if form == "classes":
            fitting |= two_valued
        matches = [m for m in matches if m.column in fitting] or matches
    elif form == "number" and form_is_explicit(sentence, form):
        # "how long a spell lasts" asks for a number: not the yes/no `spell` its words name.
        matches = [m for m in matches if m.column not in two_valued]
    leaders = undominated(matches, head, tokens(read_as))
    if len(leaders) == 1:
        best = leaders[0]
        agrees = " (the analyst's documents agree)" if notes.target_hint == best.column else ""
        others = [candidate_of(m) for m in sorted(matches, key=rank, reverse=True) if m is not best]
        return TargetChoice(best.column, f"matched from {best.describe()}{agrees}", others)
    if leaders:
        # Every plausible reading is offered, the undominated first: terse codes (`ofp`,
        # `ofnp`, `opp`) can each be what the goal meant.
        ranked = sorted(leaders, key=rank, reverse=True)
        ranked += sorted((m for m in matches if m not in leaders), key=rank, reverse=True)
        raise _unclear(sentence, [candidate_of(m) for m in ranked], profile, several=True)
    pool = [c for c in pool if c.name not in organising]
    return _by_form(sentence, form, pool, words, profile, notes, user_goal)


def _only_the_subject(match: NameMatch, head: str | None) -> bool:
    """A name that reads only who the goal is about ("whether a patient dies": `hepato`'s
    "pat"), not what it asks: the rows' subject is never the answer."""
    topics = match.topic_words
    return bool(topics) and head not in match.words and topics <= _SUBJECTS


def _named_in_goal(sentence: str, names: list[str], profile: DataProfile) -> TargetChoice | None:
    """A column the goal writes as a name: taken when it exists, an error naming the near
    matches when it does not (it is never replaced by another target)."""
    quoted = re.findall(r"`([^`]+)`", sentence)
    every = set(profile.column_names)
    for name in quoted:
        if name in names:
            return TargetChoice(name, f"the goal sentence names `{name}`")
        if name in every:
            raise GoalError(
                f"The goal {sentence!r} names the column `{name}`, which cannot be the target "
                "here: the forecast orders the rows by it, or the data file lacks it. Name "
                "the column to predict in backticks or with --target, or restate the goal.",
                path=profile.profile_path,
                field="target",
            )
    # A column of the data that cannot be the target (the time axis in "forecast sales by
    # order_date") is a word of the goal like any other.
    written = quoted + [w for w in _NAME_LIKE.findall(sentence) if w not in every]
    for name in written:
        folded = [n for n in names if n.lower() == name.lower()]
        if len(folded) == 1:
            return TargetChoice(folded[0], f"the goal names {name!r}, the column `{folded[0]}`")
        near = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
        if name not in every and (near or name in quoted):
            # Written like a column and near one (`churn_flag` for `churn_flag_v2`), or in
            # backticks: a name the user meant, never replaced. `year_2024` near nothing is
            # just words.
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


def _by_form(
    sentence: str,
    form: str | None,
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
    fitting = [c for c in pool if fits(c, form)]
    said = [c for c in fitting if "".join(tokens(c.name)) in _TARGET_NAMES]
    if len(said) == 1 and not hint and form:
        # Econometrics tables name their outcome for what it is: `depvar`, "dependent variable".
        only = said[0]
        return TargetChoice(
            only.name,
            f"no column's name matches the goal's words, but `{only.name}`'s name says it is "
            f"the outcome, and it answers what the goal asks, {FORM_WORDS[form]} "
            f"({values_of(only)})",
        )
    if len(fitting) == 1 and not hint and form_is_explicit(sentence, form):
        only = fitting[0]
        return TargetChoice(
            only.name,
            f"no column's name matches the goal's words, but the goal asks {FORM_WORDS[form]} "
            f"and `{only.name}` is the only column that answers that ({values_of(only)})",
        )
    candidates = []
    if hint:
        candidates.append(
            TargetCandidate(column=hint, score=0.5, reason="the analyst's documents mark it")
        )
    # The columns of the form the goal asks for first, then any other that could be a target;
    # within each, who the rows are (sex, race, age) after what happens to them.
    who = {p.column for p in find_protected(pool, target="", meanings={})}
    fitting = sorted(fitting, key=lambda c: c.name in who)
    others = sorted(
        (c for c in pool if c not in fitting and fits(c, None)), key=lambda c: c.name in who
    )
    for col in [*fitting, *others]:
        if col.name != hint:
            of_form = col in fitting and form
            reason = f"{FORM_WORDS[form]}: {values_of(col)}" if of_form else values_of(col)
            candidates.append(
                TargetCandidate(column=col.name, score=0.2 if of_form else 0.1, reason=reason)
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
