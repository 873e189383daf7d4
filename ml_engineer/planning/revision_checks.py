"""The planner's review of an LLM agent's reading of a reviewer's feedback."""

from __future__ import annotations

from ml_engineer.models import FeatureSpec, TaskType
from ml_engineer.models.proposals import RevisionProposal
from ml_engineer.models.revision import NODE_ORDER, Overrides, Revision
from ml_engineer.planning.goal import TASK_METRICS
from ml_engineer.planning.review import Review, closest
from ml_engineer.planning.training_checks import CLASSIFIERS_ONLY, PARAM_RANGES, REGRESSORS_ONLY


def review_revision(proposal: RevisionProposal, spec: FeatureSpec) -> Review:
    names = [c.name for c in spec.columns] + [spec.target.column]
    problems: list[str] = []
    accepted = proposal.model_copy(deep=True)

    def missing(name: str | None) -> bool:
        return name is not None and name not in names

    for field in ("drop", "keep"):
        bad = [n for n in getattr(proposal, field) if missing(n)]
        problems += [f"{field}: no column {n!r}.{closest(n, names)}" for n in bad]
        setattr(accepted, field, [n for n in getattr(proposal, field) if n not in bad])
    for field in ("target", "split_column"):
        value = getattr(proposal, field)
        if missing(value):
            problems.append(f"{field}: no column {value!r}.{closest(value, names)}")
            setattr(accepted, field, None)
    task = spec.goal.task
    metric = proposal.primary_metric
    if metric is not None and proposal.target is None and metric not in TASK_METRICS[task]:
        problems.append(
            f"primary_metric {metric!r} does not fit a {task.value} task; one of "
            f"{', '.join(TASK_METRICS[task])}."
        )
        accepted.primary_metric = None
    kind = proposal.model_type
    if kind is not None:
        classification = task != TaskType.regression
        if kind not in PARAM_RANGES:
            problems.append(f"model_type {kind!r} is not one of {', '.join(PARAM_RANGES)}.")
            accepted.model_type = None
        elif (kind in CLASSIFIERS_ONLY and not classification) or (
            kind in REGRESSORS_ONLY and classification
        ):
            problems.append(f"model_type {kind!r} does not fit a {task.value} task.")
            accepted.model_type = None
    if proposal.split_strategy in ("time", "group") and accepted.split_column is None:
        problems.append(f"a {proposal.split_strategy} split needs split_column.")
        accepted.split_strategy = None
    return Review(problems=problems, accepted=accepted)


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
        acted=list(proposal.acted) or [f"changed {', '.join(touched)}"] if touched else [],
        not_understood=list(proposal.not_understood),
        restart_at=restart,
    )
