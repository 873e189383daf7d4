"""Checking proposed derived features against the profile and the planner's decisions.

A derived feature is computed inside the training pipeline, so a bad one fails at run time or,
worse, brings back what the planner took out: a ratio over a leak is a leak. Each check returns
one sentence naming the column and the fix, because a model reads them and tries again.
"""

from __future__ import annotations

import re

from ml_engineer.models import (
    ColumnDecision,
    ColumnKind,
    ColumnProfile,
    DataProfile,
    DerivedFeature,
    DerivedOp,
    Exclusion,
    FeatureSpec,
    Treatment,
)
from ml_engineer.models.derived import BINS_DEFAULT, BINS_MAX, BINS_MIN, OP_ARITY
from ml_engineer.planning.columns import exclusion_of
from ml_engineer.planning.review import closest

MAX_DERIVED = 20  # more than this is a second dataset, not a few features a reviewer can read
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")

NUMERIC_OPS = {
    DerivedOp.ratio, DerivedOp.difference, DerivedOp.product, DerivedOp.log, DerivedOp.bins,
}  # fmt: skip
DATE_OPS = {DerivedOp.date_part, DerivedOp.days_between}
CODED = {Treatment.categorical, Treatment.high_cardinality}  # a numeric column read as a code

# Exclusions a derived feature may not undo, and why, in the words of the refusal.
_BLOCKING = {
    Exclusion.leakage: "a leakage suspect, so anything computed from it leaks the target too",
    Exclusion.identifier: "an identifier: it names rows rather than describing them",
    Exclusion.constant: "constant or nearly so, so anything computed from it carries no signal",
    Exclusion.weight: "a sampling weight: it describes the sample design, not the subject",
    Exclusion.absent: "absent from the data file, so nothing can be computed from it",
}
# The reviewer's drop holds too: a feature computed from the column would bring it back. The
# LLM agent's own drop (Exclusion.model) does not: it may replace `income` by `debt/income`.
_REVIEWER_DROP = (
    "the reviewer excluded it at approval, and a feature computed from it would bring it back"
)
# A text column holding dates: ISO dates (with an optional time) or day/month/year with slashes.
_DATE_VALUE = re.compile(
    r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
    r"|^\d{1,2}/\d{1,2}/\d{2,4}$"
)


def check_derived(
    feature: DerivedFeature, profile: DataProfile, spec: FeatureSpec, *, types: bool = True
) -> list[str]:
    """What is wrong with one derived feature, one actionable sentence each; [] when it fits.

    `spec.derived` holds the features already accepted; the name must differ from theirs.
    `types=False` skips the checks that need the profile's statistics (a spec read alone has
    only the columns' kinds; the script still refuses a wrong type when it runs).
    """
    problems = _name_problems(feature, profile, spec)
    if not feature.reason.strip():
        problems.append("reason is empty: say in domain words why this feature helps.")
    arity = OP_ARITY[feature.op]
    if len(feature.inputs) != arity:
        problems.append(
            f"{feature.op.value} takes exactly {arity} input column{'s' if arity > 1 else ''}, "
            f"but {len(feature.inputs)} {'was' if len(feature.inputs) == 1 else 'were'} given "
            f"({', '.join(map(repr, feature.inputs)) or 'none'}): list {arity}."
        )
    elif arity == 2 and feature.inputs[0] == feature.inputs[1]:
        problems.append(
            f"{feature.op.value} uses {feature.inputs[0]!r} twice, which gives a constant: "
            "choose two different columns."
        )
    decisions = {d.name: d for d in spec.columns}
    for name in dict.fromkeys(feature.inputs):
        problems += _input_problems(name, feature.op, profile, spec, decisions.get(name), types)
    return problems + _parameter_problems(feature)


def apply_derived(
    spec: FeatureSpec, features: list[DerivedFeature], profile: DataProfile
) -> tuple[list[DerivedFeature], list[str]]:
    """The proposed features that pass every check, and a note for each refused one.

    Pure: the accepted list is meant to replace `spec.derived`, and the notes to join
    `spec.notes`. A bins feature without a count gets the default, so the spec shows it.
    """
    accepted: list[DerivedFeature] = []
    notes: list[str] = []
    for feature in features:
        if len(accepted) >= MAX_DERIVED:
            problems = [f"at most {MAX_DERIVED} derived features are used; keep the most useful."]
        else:
            problems = check_derived(
                feature, profile, spec.model_copy(update={"derived": accepted})
            )
        if problems:
            notes.append(
                f"The proposed derived feature `{feature.name}` was not used: " + " ".join(problems)
            )
            continue
        if feature.op == DerivedOp.bins and feature.bins is None:
            feature = feature.model_copy(update={"bins": BINS_DEFAULT})
        accepted.append(feature)
    return accepted, notes


def _name_problems(feature: DerivedFeature, profile: DataProfile, spec: FeatureSpec) -> list[str]:
    name = feature.name
    if not NAME_PATTERN.fullmatch(name):  # match() would let "x\n" through
        return [
            f"name {name!r} is not a plain column name: use letters, digits and underscores, "
            "starting with a letter or an underscore, at most 64 characters (e.g. "
            "'debt_to_income')."
        ]
    if profile.column(name) is not None or name == spec.target.column:
        return [f"name {name!r} is already a column of the data: choose a new name."]
    if any(other.name == name and other is not feature for other in spec.derived):
        return [f"name {name!r} is already used by another derived feature: choose another."]
    return []


def _input_problems(
    name: str,
    op: DerivedOp,
    profile: DataProfile,
    spec: FeatureSpec,
    decision: ColumnDecision | None,
    types: bool = True,
) -> list[str]:
    if name == spec.target.column:
        return [
            f"input {name!r} is the target: a feature computed from it leaks the answer; remove "
            "it from the inputs."
        ]
    col = profile.column(name)
    if col is None:
        return [
            f"input {name!r} is not a column of the profile: use a column name exactly as the "
            f"profile spells it.{closest(name, profile.column_names)}"
        ]
    why = exclusion_of(decision) if decision is not None else None
    if why in _BLOCKING:
        return [
            f"input {name!r} was excluded by the planner as {_BLOCKING[why]}; use other columns."
        ]
    if why == Exclusion.reviewer:
        return [f"input {name!r} cannot be used: {_REVIEWER_DROP}; use other columns."]
    problem = _type_problem(col, op, decision) if types else None
    return [problem] if problem else []


def check_spec_derived(spec: FeatureSpec) -> list[str]:
    """The derived features of a spec read back (e.g. edited by hand), against its own columns:
    each refusal names the feature. Types are not checked: only kinds are known here."""
    profile = DataProfile(
        source_format="feature-spec", profile_path="feature-spec.md",
        columns=[ColumnProfile(name=c.name, kind=c.kind) for c in spec.columns],
    )  # fmt: skip
    if len(spec.derived) > MAX_DERIVED:
        return [f"{len(spec.derived)} derived features; at most {MAX_DERIVED} are used."]
    problems = []
    for i, feature in enumerate(spec.derived):
        before = spec.model_copy(update={"derived": spec.derived[:i]})
        for problem in check_derived(feature, profile, before, types=False):
            problems.append(f"derived feature {feature.name!r}: {problem}")
    return problems


def _type_problem(col: ColumnProfile, op: DerivedOp, decision: ColumnDecision | None) -> str | None:
    """Whether the column's type fits the operation; None when it does."""
    name, kind = col.name, col.kind.value
    coded = col.kind == ColumnKind.numeric and decision is not None and decision.treatment in CODED
    if col.kind in (ColumnKind.unknown, ColumnKind.id):
        return (
            f"input {name!r} is typed {kind} in the profile, so {op.value} cannot be computed "
            "from it reliably: choose a column with a known type."
        )
    if op in NUMERIC_OPS:
        if coded:
            return (
                f"input {name!r} is a numeric code, not a magnitude (the spec encodes it as a "
                f"category), so {op.value} means nothing on it: use frequency instead."
            )
        if col.kind != ColumnKind.numeric:
            return (
                f"input {name!r} is a {kind} column, but {op.value} needs a numeric one: choose "
                "a numeric column (frequency or text_length suit a category or text)."
            )
    elif op in DATE_OPS and not _is_date(col):
        return (
            f"input {name!r} is a {kind} column that the profile does not show as dates, but "
            f"{op.value} needs a date: choose a date column."
        )
    elif op == DerivedOp.text_length and col.kind not in (ColumnKind.text, ColumnKind.categorical):
        return (
            f"input {name!r} is a {kind} column, but text_length needs text or a category: "
            "choose a text column."
        )
    elif op == DerivedOp.frequency and col.kind == ColumnKind.numeric and not coded:
        return (
            f"input {name!r} is a numeric measure, but frequency needs a category, text or a "
            "numeric code: use bins for a number."
        )
    return None


def _is_date(col: ColumnProfile) -> bool:
    """A date column, or a text one whose example values the profile lists are all dates."""
    if col.kind == ColumnKind.datetime:
        return True
    if col.kind not in (ColumnKind.text, ColumnKind.categorical):
        return False
    values = [v.strip() for v in [*col.sample_values, *(t.value for t in col.top_values)]]
    values = [v for v in values if v]
    return bool(values) and all(_DATE_VALUE.match(v) for v in values)


def _parameter_problems(feature: DerivedFeature) -> list[str]:
    problems = []
    if feature.op == DerivedOp.date_part and feature.part is None:
        problems.append(
            "date_part needs part: one of year, month, day, dayofweek, dayofyear, hour, quarter."
        )
    if feature.op != DerivedOp.date_part and feature.part is not None:
        problems.append(f"part only applies to date_part: remove it from this {feature.op.value}.")
    if feature.op != DerivedOp.bins and feature.bins is not None:
        problems.append(
            f"bins only applies to the bins op: remove it from this {feature.op.value}."
        )
    if feature.op == DerivedOp.bins and feature.bins is not None:
        if not BINS_MIN <= feature.bins <= BINS_MAX:
            problems.append(
                f"bins must be between {BINS_MIN} and {BINS_MAX}, not {feature.bins}: "
                f"choose, say, {BINS_DEFAULT}."
            )
    return problems
