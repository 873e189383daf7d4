"""The planner's review of an LLM agent's reading of a reviewer's feedback.

The agent turns a person's words into the same `Overrides` the rules make, under the same
checks as the feature agent: it cannot keep a leak, an identifier or a constant the person did
not name, nor pick a target or split the planner cannot use. What changed is described from
the overrides themselves, never in the model's words.
"""

from __future__ import annotations

import re

from ml_engineer.models import AnalystNotes, DataProfile, FeatureSpec
from ml_engineer.models.proposals import RevisionProposal
from ml_engineer.models.revision import NODE_ORDER, Overrides, Revision
from ml_engineer.planning.columns import exclusion_of
from ml_engineer.planning.feature_checks import NEVER_KEPT_BY_A_MODEL, split_problem, target_problem
from ml_engineer.planning.goal import TASK_METRICS
from ml_engineer.planning.review import Review, closest
from ml_engineer.planning.training_checks import family_problem


def review_revision(
    proposal: RevisionProposal,
    spec: FeatureSpec,
    profile: DataProfile,
    notes: AnalystNotes,
    feedback: str,
) -> Review:
    names = [c.name for c in spec.columns] + [spec.target.column]
    problems: list[str] = []
    accepted = proposal.model_copy(deep=True)

    def missing(name: str | None) -> bool:
        return name is not None and name not in names

    for field in ("drop", "keep"):
        bad = [n for n in getattr(proposal, field) if missing(n)]
        problems += [f"{field}: no column {n!r}.{closest(n, names)}" for n in bad]
        setattr(accepted, field, [n for n in getattr(proposal, field) if n not in bad])
    if spec.target.column in accepted.drop:
        problems.append(f"drop: {spec.target.column!r} is the target; change the target instead.")
        accepted.drop.remove(spec.target.column)
    if inputs_left(spec, accepted) == 0:
        problems.append("drop: this would exclude every input column; keep at least one.")
        accepted.drop = []
    decisions = {d.name: d for d in spec.columns}
    for name in list(accepted.keep):
        decision = decisions.get(name)
        if decision is None or name == spec.target.column:
            problems.append(f"keep: {name!r} is the target; it cannot also be an input.")
            accepted.keep.remove(name)
        elif exclusion_of(decision) in NEVER_KEPT_BY_A_MODEL and not _named(name, feedback):
            problems.append(
                f"keep: {name!r} was excluded as {decision.reason}; only when the reviewer names "
                "it may it come back."
            )
            accepted.keep.remove(name)
    task = spec.goal.task
    if accepted.target is not None and accepted.target != spec.target.column:
        problem = target_problem(accepted.target, profile, notes)
        if problem:
            problems.append(problem)
            accepted.target = None
    if accepted.split_strategy is not None:
        target = accepted.target or spec.target.column
        problem = split_problem(
            accepted.split_strategy, accepted.split_column, profile, task, target
        )
        if problem:
            problems.append(problem)
            accepted.split_strategy = accepted.split_column = None
    elif accepted.split_column is not None:
        problems.append("split_column only goes with split_strategy 'time' or 'group'.")
        accepted.split_column = None
    metric = accepted.primary_metric
    same_target = accepted.target in (None, spec.target.column)
    if metric is not None and same_target and metric not in TASK_METRICS[task]:
        problems.append(
            f"primary_metric {metric!r} does not fit a {task.value} task; one of "
            f"{', '.join(TASK_METRICS[task])}."
        )
        accepted.primary_metric = None
    if accepted.model_type is not None:
        if unfit := family_problem(accepted.model_type, task):
            problems.append(unfit)
            accepted.model_type = None
    return Review(problems=problems, accepted=accepted)


def inputs_left(spec: FeatureSpec, overrides: Overrides) -> int:
    """How many input columns a spec keeps once these overrides are applied."""
    kept = {c.name for c in spec.kept} - set(overrides.drop)
    return len(kept | (set(overrides.keep) - set(overrides.drop)))


def _named(column: str, feedback: str) -> bool:
    """The reviewer wrote this column's name (as a word), so bringing it back is their call."""
    return re.search(rf"(?<!\w){re.escape(column)}(?!\w)", feedback, re.IGNORECASE) is not None


def as_revision(proposal: RevisionProposal, feedback: str) -> Revision:
    overrides = Overrides.model_validate(proposal.model_dump(include=set(Overrides.model_fields)))
    touched = overrides.model_dump(exclude_defaults=True)
    restart = None
    if touched.keys() & {"target", "drop", "keep", "primary_metric", "split_strategy"}:
        restart = NODE_ORDER[0]
    elif "model_type" in touched:
        restart = NODE_ORDER[1]
    elif "tracker" in touched:
        restart = NODE_ORDER[2]
    return Revision(
        number=0,
        feedback=feedback,
        overrides=overrides,
        acted=_described(overrides),
        not_understood=list(proposal.not_understood),
        restart_at=restart,
        read_by="the LLM agent",
    )


def _described(o: Overrides) -> list[str]:
    """What changed, in the rules' own words: the log never carries the model's account."""
    quoted = lambda names: ", ".join(f"`{n}`" for n in names)  # noqa: E731
    acted = []
    if o.drop:
        acted.append(f"dropped {quoted(o.drop)}")
    if o.keep:
        acted.append(f"kept {quoted(o.keep)}")
    if o.target:
        acted.append(f"target set to `{o.target}`")
    if o.primary_metric:
        acted.append(f"primary metric set to {o.primary_metric}")
    if o.split_strategy:
        on = f" on `{o.split_column}`" if o.split_column else ""
        acted.append(f"{o.split_strategy} split{on}")
    if o.model_type:
        acted.append(f"model set to {o.model_type}")
    if o.tracker:
        acted.append(f"experiment tracker set to {o.tracker}")
    return acted
