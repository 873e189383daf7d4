"""The planner's review of an LLM agent's feature proposal.

Every part is checked against the profile and the planner's own reasons: a column must exist,
a treatment must fit its type, a metric must fit the task, and no leak, identifier or constant
may be kept by a model. A person can still overrule the planner at approval; a model cannot.
"""

from __future__ import annotations

from ml_engineer.errors import GoalError
from ml_engineer.models import (
    AnalystNotes,
    ColumnKind,
    DataProfile,
    FeatureSpec,
    TaskType,
    Treatment,
)
from ml_engineer.models.feature_spec import Exclusion
from ml_engineer.models.proposals import ColumnProposal, FeatureProposal
from ml_engineer.planning.columns import exclusion_of
from ml_engineer.planning.derived import check_derived
from ml_engineer.planning.goal import TASK_METRICS, decide_goal
from ml_engineer.planning.review import Review, closest

# Exclusions a model may not undo. Mostly missing and a reviewer's own drop it may argue with.
NEVER_KEPT_BY_A_MODEL = {
    Exclusion.absent, Exclusion.leakage, Exclusion.identifier, Exclusion.weight,
    Exclusion.constant, Exclusion.unknown_type,
}  # fmt: skip

FITTING_TREATMENTS: dict[ColumnKind, set[Treatment]] = {
    ColumnKind.numeric: {Treatment.numeric, Treatment.categorical, Treatment.high_cardinality},
    ColumnKind.categorical: {Treatment.categorical, Treatment.high_cardinality, Treatment.boolean},
    ColumnKind.boolean: {Treatment.boolean, Treatment.categorical},
    ColumnKind.datetime: {Treatment.datetime},
    ColumnKind.text: {Treatment.text, Treatment.categorical, Treatment.high_cardinality},
    ColumnKind.id: {Treatment.high_cardinality},
    ColumnKind.unknown: set(),
}


def review_feature_proposal(
    proposal: FeatureProposal, profile: DataProfile, notes: AnalystNotes, planned: FeatureSpec
) -> Review:
    problems: list[str] = []
    accepted = proposal.model_copy(deep=True)
    names = profile.column_names
    target = planned.target.column

    if proposal.target is not None and proposal.target != target:
        problem = target_problem(proposal.target, profile, notes)
        if problem:
            problems.append(problem)
            accepted.target = None
        else:
            target = proposal.target

    task = planned.goal.task
    if proposal.target is not None and accepted.target is not None:
        task = decide_goal(profile, notes, goal_text=None, target=accepted.target).task
    if proposal.primary_metric is not None and proposal.primary_metric not in TASK_METRICS[task]:
        problems.append(
            f"primary_metric {proposal.primary_metric!r} does not fit a {task.value} task; "
            f"choose one of {', '.join(TASK_METRICS[task])}."
        )
        accepted.primary_metric = None

    kept_columns: list[ColumnProposal] = []
    for choice in proposal.columns:
        problem = _column_problem(choice, profile, planned, target, names)
        if problem:
            problems.append(problem)
        else:
            kept_columns.append(choice)
    accepted.columns = kept_columns

    dropped = {c.column for c in accepted.columns if not c.keep}
    added = {c.column for c in accepted.columns if c.keep}
    if not ({c.name for c in planned.kept} - dropped) | added:
        problems.append("the proposal excludes every input column; keep at least one.")
        accepted.columns = [c for c in accepted.columns if c.keep]

    if proposal.split_strategy is not None:
        problem = split_problem(
            proposal.split_strategy, proposal.split_column, profile, task, target
        ) or _unshuffled(proposal.split_strategy, planned)
        if problem:
            problems.append(problem)
            accepted.split_strategy = accepted.split_column = None

    accepted.derived = []
    seen: set[str] = set()
    for feature in proposal.derived:
        found = check_derived(feature, profile, planned)
        if feature.name in seen:
            found.append(f"derived feature name {feature.name!r} is used twice.")
        if target != planned.target.column and target in feature.inputs:  # the new target
            found.append(f"input {target!r} is the new target: a feature computed from it leaks.")
        if found:
            problems.append(f"derived feature {feature.name!r}: " + " ".join(found))
        else:
            accepted.derived.append(feature)
            seen.add(feature.name)
    substance = accepted.model_dump(exclude={"summary"}, exclude_defaults=True)
    if problems and not substance:  # nothing of it passes: the planner's design stands whole
        return Review(problems=problems, accepted=None)
    return Review(problems=problems, accepted=accepted)


def target_problem(name: str, profile: DataProfile, notes: AnalystNotes) -> str | None:
    """Why a column cannot be the target, or None."""
    col = profile.column(name)
    if col is None:
        return f"target {name!r} is not a column.{closest(name, profile.column_names)}"
    if "constant" in col.flags or (col.unique_count is not None and col.unique_count <= 1):
        return f"target {name!r} holds a single value: there is nothing to predict."
    if col.kind == ColumnKind.id or {"likely_id", "unique"} & set(col.flags):
        return f"target {name!r} is an identifier: it names rows, there is nothing to learn."
    try:
        decide_goal(profile, notes, goal_text=None, target=name)
    except GoalError as error:
        return f"target {name!r} cannot be predicted: {error.message}"
    return None


def _column_problem(
    choice: ColumnProposal, profile: DataProfile, planned: FeatureSpec, target: str, names
) -> str | None:
    col = profile.column(choice.column)
    if col is None:
        return f"column {choice.column!r} does not exist.{closest(choice.column, names)}"
    if choice.column == target:
        return f"{choice.column!r} is the target; it cannot also be an input."
    decision = next((d for d in planned.columns if d.name == choice.column), None)
    if choice.keep and decision is not None and not decision.keep:
        if exclusion_of(decision) in NEVER_KEPT_BY_A_MODEL:
            return (
                f"{choice.column!r} cannot be kept: the planner excluded it as {decision.reason}. "
                "Only a person can overrule that, at approval."
            )
    if choice.keep and choice.treatment is not None:
        fitting = FITTING_TREATMENTS.get(col.kind, set())
        if choice.treatment not in fitting:
            allowed = ", ".join(sorted(t.value for t in fitting)) or "none"
            return (
                f"treatment {choice.treatment.value!r} does not fit {choice.column!r}, a "
                f"{col.kind.value} column; it can take: {allowed}."
            )
    if not choice.keep and choice.treatment is not None:
        return f"{choice.column!r} is excluded, so it takes no treatment; drop the treatment."
    return None


def _unshuffled(strategy: str, planned: FeatureSpec) -> str | None:
    """A model may not shuffle rows the planner keeps apart: entities that repeat, or time."""
    if planned.split.strategy not in ("group", "time") or strategy in ("group", "time"):
        return None
    return (
        f"a {strategy} split is refused: the planner splits by {planned.split.strategy} because "
        f"{planned.split.reason.split(':')[0]}; shuffling would put the same entities or the "
        "future in training and test. Keep the planner's split (a person may change it)."
    )


def split_problem(
    strategy: str, column: str | None, profile: DataProfile, task: TaskType, target: str
) -> str | None:
    """Why a split cannot be used, or None. Shared with the review of a reviewer's feedback."""
    names = profile.column_names
    if strategy == "stratified" and task == TaskType.regression:
        return "a regression target cannot be stratified; use 'random' or 'time'."
    if strategy in ("time", "group"):
        if column is None:
            return f"a {strategy} split needs split_column."
        col = profile.column(column)
        if col is None:
            return f"split_column {column!r} does not exist.{closest(column, names)}"
        if column == target:
            return f"split_column {column!r} is the target; split on another column."
        if strategy == "time" and col.kind not in (ColumnKind.datetime, ColumnKind.numeric):
            return (
                f"split_column {column!r} is {col.kind.value}, not a date or a number to order by."
            )
    elif column is not None:
        return f"split_column only goes with a time or group split, not {strategy!r}."
    return None
