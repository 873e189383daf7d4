"""The planner's review of the MLOps agents' proposals.

The sizes must hold together (the fewest replicas no more than the most, a batch that fits in
memory), every column to watch must be an input the model uses and has a drift test, and a
retrain threshold must be reachable. A refused part keeps the planner's value.
"""

from __future__ import annotations

from ml_engineer.models import FeatureSpec
from ml_engineer.models.mlops import DeploymentConfig, MonitoringSpec
from ml_engineer.models.mlops_proposals import (
    DeploymentProposal,
    MonitoringProposal,
    RetrainProposal,
)
from ml_engineer.planning.review import Review, closest

MIB = {"512Mi": 512, "1Gi": 1024, "2Gi": 2048, "4Gi": 4096, "8Gi": 8192}
BYTES_PER_CELL = 8 * 4  # a float64, copied about four times on its way through the pipeline
BATCH_SHARE_OF_MEMORY = 0.5  # the model and the Python process need the rest
NEW_ROWS_PER_TRAINING_ROW = 10  # a threshold above this many times the data would never fire


def review_deployment_proposal(proposal: DeploymentProposal, planned: DeploymentConfig) -> Review:
    problems: list[str] = []
    accepted = proposal.model_copy()
    autoscale = planned.resources.get("autoscale") or {}
    low = proposal.replicas_min if proposal.replicas_min is not None else autoscale.get("min")
    high = proposal.replicas_max if proposal.replicas_max is not None else autoscale.get("max")
    if low is not None and high is not None and low > high:
        changed = "replicas_min" if proposal.replicas_min is not None else "replicas_max"
        problems.append(
            f"{changed} leaves the fewest replicas ({low}) above the most ({high}); set both "
            "replicas_min and replicas_max."
        )
        accepted.replicas_min = accepted.replicas_max = None
    rows = proposal.max_batch_rows or planned.service.get("max_batch_rows") or 1
    memory = proposal.memory or planned.resources.get("memory")
    inputs = max(len(planned.input_schema), 1)
    need = rows * inputs * BYTES_PER_CELL / 2**20
    if memory in MIB and need > BATCH_SHARE_OF_MEMORY * MIB[memory]:
        fits = int(BATCH_SHARE_OF_MEMORY * MIB[memory] * 2**20 / (inputs * BYTES_PER_CELL))
        problems.append(
            f"a batch of {rows:,} rows x {inputs} inputs needs about {need:,.0f} MiB while it is "
            f"scored, more than half of {memory}: lower max_batch_rows (at most {fits:,} rows "
            f"fit) or raise memory."
        )
        accepted.max_batch_rows = accepted.memory = None
    return Review(problems=problems, accepted=accepted)


def review_monitoring_proposal(
    proposal: MonitoringProposal, spec: FeatureSpec, monitoring: MonitoringSpec
) -> Review:
    problems: list[str] = []
    accepted = proposal.model_copy(deep=True)
    watched = [d.column for d in monitoring.drift]
    excluded = {c.name: c.reason for c in spec.excluded}
    derived = {f.name for f in spec.derived}
    time_column = spec.split.time_column
    taken: list[str] = []
    for name in dict.fromkeys(proposal.watch_first):
        if name == time_column:
            problems.append(
                f"`{name}` is the split's time axis: it moves forward by design and has no drift "
                "test to watch."
            )
        elif name in watched:
            taken.append(name)
        elif name in excluded:
            problems.append(
                f"`{name}` is not an input of the model (excluded: {excluded[name]}); only the "
                "kept features have a drift baseline."
            )
        elif name in derived:
            problems.append(
                f"`{name}` is a derived feature, computed in the pipeline; watch the input "
                "columns it is computed from."
            )
        else:
            problems.append(
                f"there is no input column {name!r}.{closest(name, watched)} Use names exactly as "
                "list_monitored_columns shows them."
            )
    accepted.watch_first = taken
    existing = {p.casefold() for p in monitoring.dashboard}
    accepted.extra_panels = [
        p for p in dict.fromkeys(proposal.extra_panels) if p.casefold() not in existing
    ]
    return Review(problems=problems, accepted=accepted)


def review_retrain_proposal(proposal: RetrainProposal, spec: FeatureSpec) -> Review:
    problems: list[str] = []
    accepted = proposal.model_copy()
    rows = spec.row_count
    wanted = proposal.min_new_labelled_rows
    if wanted is not None and rows and wanted > NEW_ROWS_PER_TRAINING_ROW * rows:
        problems.append(
            f"min_new_labelled_rows={wanted:,} is more than {NEW_ROWS_PER_TRAINING_ROW} times the "
            f"{rows:,} rows the model was trained on: the scheduled retrain would almost never "
            "run. Ask for a share of the training rows instead."
        )
        accepted.min_new_labelled_rows = None
    return Review(problems=problems, accepted=accepted)
