"""Per-column decisions: keep with which treatment, or exclude, each with its reason.

Rules run in a fixed order so that the most serious reason wins: a column that is both an ID and
constant is reported as an ID. Thresholds are module constants so the spec can quote them.
"""

from __future__ import annotations

import re

from ml_engineer.models import (
    AnalystNotes,
    ColumnDecision,
    ColumnKind,
    ColumnProfile,
    DataProfile,
    Exclusion,
    Goal,
    Treatment,
)
from ml_engineer.models.feature_spec import TREATMENT_TRANSFORMS
from ml_engineer.models.profile import ABSENT_FROM_DATA
from ml_engineer.planning.leak_names import derived_from_leaks, name_leaks
from ml_engineer.planning.names import stem, tokens
from ml_engineer.planning.structure import TableStructure, read_structure

HIGH_MISSING = 0.60  # above this share of missing values a column is dropped
NEAR_CONSTANT = 0.995  # a single value covering this share of rows carries no signal
ONE_HOT_MAX_LEVELS = 30  # above this, categories are target-encoded instead of one-hot
ID_UNIQUE_RATIO = 0.95  # text columns this unique are identifiers or free text
LEAK_ASSOCIATION = 0.995  # a single column predicting the target this well is a leak suspect
STRONG_ASSOCIATION = 0.95  # this strong is kept, but flagged for the reviewer to confirm
TEXT_MEAN_LENGTH = 25  # strings this long on average are prose, not categories

_POST_OUTCOME = {
    "outcome", "result", "resolution", "resolved", "refund", "refunded", "cancellation",
    "cancelled", "canceled", "closed", "closing", "closure", "termination", "terminated",
    "chargeback", "recovered", "died", "death", "deceased", "survived", "ended", "exit",
}  # fmt: skip
# Glued or numbered forms: `censor1`, `censored_flag`, `discharged`, `closedate`.
_POST_OUTCOME_STARTS = ("censor", "discharg", "deceas", "dropout", "closedat", "enddat")
_BOOL_PAIRS = [{"yes", "no"}, {"true", "false"}, {"y", "n"}, {"t", "f"}, {"0", "1"}, {"1.0", "0.0"}]
_RISK_WORDS = re.compile(
    r"confound|leak|definitional|determin|redundan|proxy|after the outcome|post-|"
    r"sampling weight|survey weight|not a respondent|partly|partially",
    re.IGNORECASE,
)
_TIMING_WORDS = re.compile(r"leak|definitional|determin|after the outcome|post-", re.IGNORECASE)
_SAMPLING_WEIGHT = re.compile(r"(sampling|survey|sample|design) weight", re.IGNORECASE)
_CODE_NOT_MAGNITUDE = re.compile(
    r"categorical code|\bcode\b.*\bnot\b.*magnitude|not (as )?a magnitude|is a (\w+ )?code",
    re.IGNORECASE,
)


def decide_columns(
    profile: DataProfile,
    goal: Goal,
    notes: AnalystNotes,
    *,
    association: dict[str, float] | None = None,
    structure: TableStructure | None = None,
    leaks: dict[str, str] | None = None,
    meanings: dict[str, list[str]] | None = None,
) -> list[ColumnDecision]:
    """One decision per input column (the target excluded). `leaks`: the data's leak screens'
    findings (column -> why, with the figure), measured on the training rows. `meanings`:
    `column_meanings`, when the caller has them."""
    rows = profile.row_count
    association = association or {}
    structure = structure or read_structure(
        profile, target=goal.target, key_columns=notes.key_columns
    )
    meanings = meanings if meanings is not None else column_meanings(profile, notes)
    found = {**name_leaks(profile.columns, goal.target, association, meanings), **(leaks or {})}
    decisions: list[ColumnDecision] = []
    for col in profile.columns:
        if col.name == goal.target:
            continue
        col_notes = meanings[col.name]
        decision = _decide(col, goal, notes, rows, col_notes, association, structure, found)
        decision.notes = _dedupe(col_notes)
        decisions.append(decision)
    # What is computed from a leak leaks too: `price_per_unit` beside an excluded `price`.
    excluded = [d.name for d in decisions if exclusion_of(d) == Exclusion.leakage]
    kept_names = {d.name for d in decisions if d.keep}
    kept = [c for c in profile.columns if c.name in kept_names]
    for name, why in derived_from_leaks(kept, excluded, meanings).items():
        decision = next(d for d in decisions if d.name == name)
        decision.keep, decision.exclusion, decision.reason = False, Exclusion.leakage, why
        decision.treatment, decision.transforms = None, []
    return decisions


def column_meanings(profile: DataProfile, notes: AnalystNotes) -> dict[str, list[str]]:
    """Each column's notes from the analyst and the profile, the schema's own line first;
    notes that name several columns (a correlation list) say little about any one."""
    names = profile.column_names
    return {
        c.name: [
            n for n in notes.column_notes.get(c.name, []) + c.notes if not _about_many(n, names)
        ]
        for c in profile.columns
    }


def column_risks(
    decisions: list[ColumnDecision], association: dict[str, float] | None = None
) -> list[str]:
    """The risks of the columns kept, once a reviewer's drops and keeps are applied (an
    excluded column's reason is already in the spec's table)."""
    risks: list[str] = []
    for decision in decisions:
        if not decision.keep:
            continue
        risk = _risk_line(decision.name, decision.notes)
        if risk:
            risks.append(risk)
        strength = (association or {}).get(decision.name)
        if strength is not None and strength >= STRONG_ASSOCIATION:
            risks.append(
                f"`{decision.name}` alone predicts the target very well on the data (association "
                f"{strength:.3f}). Kept as a strong input; confirm it is known when a "
                "prediction is made, or exclude it as a leak."
            )
    return risks


def _risk_line(name: str, notes: list[str]) -> str | None:
    """One line per kept column that the analyst warned about, with what to check."""
    warnings = [n for n in notes if _RISK_WORDS.search(n)]
    if not warnings:
        return None
    line = f"`{name}` is kept, but the analyst notes: " + " / ".join(warnings)
    if any(_TIMING_WORDS.search(n) for n in warnings):
        line += (
            " Check that it is known when a prediction is made; if it is recorded with or "
            "after the outcome, exclude it."
        )
    return line


def _decide(
    col: ColumnProfile,
    goal: Goal,
    notes: AnalystNotes,
    rows: int | None,
    col_notes: list[str],
    association: dict[str, float],
    structure: TableStructure,
    leaks: dict[str, str],
) -> ColumnDecision:
    def exclude(why: Exclusion, reason: str) -> ColumnDecision:
        return ColumnDecision(
            name=col.name, kind=col.kind, keep=False, exclusion=why, reason=reason
        )

    name_tokens = tokens(col.name)
    unique_ratio = _ratio(col.unique_count, rows)

    # 0. The data is the truth: a column it lacks cannot be used, whatever the profile says.
    if ABSENT_FROM_DATA in col.flags:
        return exclude(
            Exclusion.absent,
            "absent from the dataset: the profile lists it, the data file lacks it",
        )

    # 1. Leakage: fields derived from the target or recorded after the outcome.
    if "leakage" in col.flags:
        return exclude(
            Exclusion.leakage, "leakage suspect: the profile flags it as leaking the target"
        )
    # Every word of the target's name in the column's (`churn_date` for `churned`), not just
    # one shared word (`loan_amount` for `loan_default` is a legitimate input).
    target_stems = {stem(t) for t in tokens(goal.target) if len(t) >= 3}
    lowered = col.name.lower()
    # Stems cost: only a name holding each stem's first letters can hold the target's words.
    plausible = all(s[:3] in lowered for s in target_stems)
    if target_stems and plausible and target_stems <= {stem(t) for t in name_tokens}:
        return exclude(
            Exclusion.leakage,
            f"leakage suspect: its name contains the target's, `{goal.target}`, so it is likely "
            "derived from the outcome (e.g. a date or reason recorded with or after it)",
        )
    if col.name in leaks:
        return exclude(Exclusion.leakage, leaks[col.name])
    if set(name_tokens) & _POST_OUTCOME or any(
        t.startswith(_POST_OUTCOME_STARTS) for t in name_tokens
    ):
        return exclude(
            Exclusion.leakage,
            "leakage suspect: its name suggests a value recorded after the outcome "
            f"({', '.join(_post_outcome_words(name_tokens))}); not known at prediction time",
        )
    strength = association.get(col.name)
    if strength is not None and strength >= LEAK_ASSOCIATION:
        return exclude(
            Exclusion.leakage,
            f"leakage suspect: on the data it alone predicts the target almost perfectly "
            f"(association {strength:.3f} ≥ {LEAK_ASSOCIATION})",
        )

    # 2. Keys and entities: they name rows, they do not describe them (`structure.py`). Dates
    # are never identifiers: a date unique per row is still a date (and often the time axis).
    if col.name in structure.keys:
        return exclude(Exclusion.identifier, structure.keys[col.name])
    if col.name in structure.entities:
        return exclude(
            Exclusion.identifier,
            f"{structure.entities[col.name]}. An entity is never an input: the model would "
            "learn each one's average, which says nothing about an entity it has not seen",
        )

    # 3. Survey or sampling weights describe the sample design, not the row.
    if "weight" in col.flags or any(_SAMPLING_WEIGHT.search(n) for n in col_notes):
        return exclude(
            Exclusion.weight,
            "sampling weight: it describes how the row was sampled, not the subject; use it as "
            "sample_weight in training if the population matters, never as a predictor",
        )

    # 4. No signal: empty, constant, near-constant, or mostly missing.
    if col.unique_count == 0 or (col.missing_fraction or 0) >= 0.999:
        return exclude(Exclusion.missing, "empty: every value is missing")
    if "constant" in col.flags or (col.unique_count is not None and col.unique_count <= 1):
        return exclude(
            Exclusion.constant, "constant: a single value in every row carries no signal"
        )
    top_share = _top_share(col, rows)
    if top_share is not None and top_share >= NEAR_CONSTANT:
        return exclude(
            Exclusion.constant,
            f"near-constant: one value covers {top_share:.1%} of rows (≥ {NEAR_CONSTANT:.1%})",
        )
    if col.missing_fraction is not None and col.missing_fraction > HIGH_MISSING:
        return exclude(
            Exclusion.missing,
            f"too much missing: {col.missing_fraction:.0%} of values are missing "
            f"(more than {HIGH_MISSING:.0%})",
        )

    # 5. Keep, with the treatment its type calls for.
    return _keep(col, unique_ratio, col_notes, structure.codes.get(col.name))


# The first words of each exclusion reason above, for decisions saved before `exclusion` existed
# (an older run resumed); ordered so that "near-constant" is not read as "constant".
_REASON_PREFIXES = (
    ("absent from the dataset", Exclusion.absent), ("leakage suspect", Exclusion.leakage),
    ("identifier", Exclusion.identifier), ("sampling weight", Exclusion.weight),
    ("near-constant", Exclusion.constant), ("constant", Exclusion.constant),
    ("too much missing", Exclusion.missing), ("type unknown", Exclusion.unknown_type),
    ("excluded by the reviewer", Exclusion.reviewer),
)  # fmt: skip


def exclusion_of(decision: ColumnDecision) -> Exclusion | None:
    """Why the planner left a column out, or None when it is kept.

    The category is recorded when the decision is made, so it holds even after the reason is
    reworded (an agent or a reviewer may rewrite it); only a decision without one falls back to
    the planner's own opening words, never to a loose search of the text.
    """
    if decision.keep:
        return None
    if decision.exclusion is not None:
        return decision.exclusion
    reason = decision.reason.strip().lower()
    return next((why for prefix, why in _REASON_PREFIXES if reason.startswith(prefix)), None)


def forced_keep(
    col: ColumnProfile, rows: int | None, previous_reason: str
) -> ColumnDecision | None:
    """A column a reviewer asked to keep: its usual treatment, whatever rule excluded it.

    None when no treatment fits (an unknown type). Mostly-distinct strings are target-encoded.
    """
    decision = _keep(col, _ratio(col.unique_count, rows), [])
    if not decision.keep and col.kind in (ColumnKind.categorical, ColumnKind.text, ColumnKind.id):
        decision = ColumnDecision(
            name=col.name, kind=col.kind, keep=True, treatment=Treatment.high_cardinality,
            transforms=list(TREATMENT_TRANSFORMS[Treatment.high_cardinality]), reason="",
        )  # fmt: skip
    if not decision.keep:
        return None
    decision.reason = (
        f"kept by the reviewer at approval ({decision.reason or 'encoded as a category'}); "
        f"the planner had excluded it: {previous_reason}"
    )
    return decision


def _keep(
    col: ColumnProfile, unique_ratio: float | None, col_notes: list[str], code: str | None = None
) -> ColumnDecision:
    """`code`: why a numeric column is a code for a place (`structure.place_code_reason`)."""

    def keep(treatment: Treatment, reason: str) -> ColumnDecision:
        transforms = list(TREATMENT_TRANSFORMS[treatment])
        if treatment == Treatment.numeric and col.missing_fraction == 0:
            transforms = [
                "impute median (none missing in the profile; guards new data)",
                "standard-scale",
            ]
        return ColumnDecision(
            name=col.name, kind=col.kind, keep=True, treatment=treatment,
            transforms=transforms, reason=reason,
        )  # fmt: skip

    n = col.unique_count
    levels = f"{n} distinct values" if n is not None else "cardinality unknown"
    if col.kind == ColumnKind.numeric:
        analyst = any(_CODE_NOT_MAGNITUDE.search(note) for note in col_notes)
        if code and not analyst and n is not None and n > ONE_HOT_MAX_LEVELS:
            # Benefits' 51 state codes: target-encoded they scored 0.015 ROC AUC below the
            # plain number on both test parts, which trees split into groups of places.
            return keep(
                Treatment.numeric,
                f"numeric: {code}, but too many to one-hot, so kept as its number (tree "
                "models split it into groups of places)",
            )
        if (analyst or code) and n is not None:
            treatment = (
                Treatment.categorical if n <= ONE_HOT_MAX_LEVELS else Treatment.high_cardinality
            )
            why = (
                f"numeric in the profile, but the analyst notes it is a code, not a magnitude "
                f"({levels})"
                if analyst
                else f"numeric, but {code}"
            )
            return keep(treatment, f"{why}; encoded as a category")
        return keep(Treatment.numeric, "numeric")
    if col.kind == ColumnKind.boolean or _is_boolean_like(col):
        return keep(Treatment.boolean, f"two-valued ({_values(col)})")
    if col.kind == ColumnKind.datetime:
        return keep(Treatment.datetime, "date or time: calendar parts carry seasonality")
    if col.kind in (ColumnKind.categorical, ColumnKind.text):
        typed = (
            f"typed {col.source_type!r} by the profiler, " if col.kind == ColumnKind.text else ""
        )
        long_strings = col.mean_length is not None and col.mean_length >= TEXT_MEAN_LENGTH
        if long_strings and (n is None or n > ONE_HOT_MAX_LEVELS):
            return keep(Treatment.text, f"free text (mean length {col.mean_length:.0f} characters)")
        if n is None:
            return keep(
                Treatment.categorical,
                f"{typed}text of unknown cardinality: one-hot with rare levels grouped, so an "
                "unexpectedly wide column stays bounded",
            )
        mostly_distinct = unique_ratio is not None and unique_ratio >= ID_UNIQUE_RATIO
        if mostly_distinct and n > ONE_HOT_MAX_LEVELS and col.kind == ColumnKind.text:
            if col.mean_length is None:  # the profile calls it text; nothing says it is short
                return keep(
                    Treatment.text,
                    f"free text: typed {col.source_type or 'text'!r} in the profile, "
                    f"{unique_ratio:.0%} of values distinct",
                )
        if mostly_distinct and n > ONE_HOT_MAX_LEVELS:
            return ColumnDecision(
                name=col.name, kind=col.kind, keep=False, exclusion=Exclusion.identifier,
                reason=f"identifier-like: {unique_ratio:.0%} of values are distinct"
                + (f", {col.mean_length:.0f} characters on average" if col.mean_length else ""),
            )  # fmt: skip
        if n <= ONE_HOT_MAX_LEVELS:
            return keep(Treatment.categorical, f"{typed}categorical with {levels}")
        return keep(
            Treatment.high_cardinality,
            f"{typed}high cardinality ({levels} > {ONE_HOT_MAX_LEVELS}): target encoding keeps it "
            "to one column without leaking (cross-fitted)",
        )
    return ColumnDecision(
        name=col.name, kind=col.kind, keep=False, exclusion=Exclusion.unknown_type,
        reason=f"type unknown (the profile says {col.source_type!r}); fix its type in the profile "
        "to use it",
    )  # fmt: skip


def _post_outcome_words(name_tokens: list[str]) -> list[str]:
    return sorted(
        t for t in name_tokens if t in _POST_OUTCOME or t.startswith(_POST_OUTCOME_STARTS)
    )


def _is_boolean_like(col: ColumnProfile) -> bool:
    values = {tv.value.strip().lower() for tv in col.top_values}
    if col.unique_count not in (None, 2) or len(values) != 2:
        return False
    return any(values == pair for pair in _BOOL_PAIRS)


def _values(col: ColumnProfile) -> str:
    return "/".join(tv.value for tv in col.top_values[:2]) or "boolean"


def _ratio(count: int | None, rows: int | None) -> float | None:
    if count is None or not rows:
        return None
    return count / rows


def _top_share(col: ColumnProfile, rows: int | None) -> float | None:
    if not col.top_values or not rows:
        return None
    present = rows - (col.missing_count or 0)
    if present <= 0:
        return None
    return max(tv.count for tv in col.top_values) / present


def _about_many(note: str, names: list[str], limit: int = 3) -> bool:
    """A note naming several columns (a correlation list, say) says little about any one of them."""
    mentioned = 0
    for name in names:
        # The substring test first: a regex per name would be compiled for every column.
        if len(name) < 2 or name not in note:
            continue
        if re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", note):
            mentioned += 1
            if mentioned > limit:
                return True
    return False


def _dedupe(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item.strip(), None)
    return [s for s in seen if s]
