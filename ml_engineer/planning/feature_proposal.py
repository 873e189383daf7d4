"""Applying an accepted feature proposal: the planner re-plans with the agent's changes.

The agent's target, drops, metric and split become overrides beneath the reviewer's own (a
person's word wins); its keeps are checked again against the re-planned spec, since a new
target brings new leaks; its treatments, derived features and reasons are set last. Every
change carries the agent's reason and says who made it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ml_engineer.models import DataProfile, FeatureSpec
from ml_engineer.models.feature_spec import TREATMENT_TRANSFORMS, Exclusion
from ml_engineer.models.proposals import FeatureProposal
from ml_engineer.models.revision import Overrides
from ml_engineer.planning.columns import exclusion_of, forced_keep
from ml_engineer.planning.derived import apply_derived
from ml_engineer.planning.feature_checks import NEVER_KEPT_BY_A_MODEL
from ml_engineer.planning.planner import PlanRequest

Replan = Callable[[PlanRequest], tuple[FeatureSpec, DataProfile]]


def apply_feature_proposal(
    proposal: FeatureProposal, planned: FeatureSpec, request: PlanRequest, replan: Replan, by: str
) -> tuple[FeatureSpec, list[str]]:
    """The spec with the proposal applied, and notes on what could not be taken."""
    reviewer = request.overrides
    proposed = Overrides(
        target=proposal.target,
        drop=[c.column for c in proposal.columns if not c.keep],
        primary_metric=proposal.primary_metric,
        split_strategy=proposal.split_strategy,
        split_column=proposal.split_column,
    )
    spec, profile = replan(replace(request, overrides=proposed.merged(reviewer)))
    notes: list[str] = []
    touched = set(reviewer.drop) | set(reviewer.keep)
    before = {d.name: d for d in planned.columns}
    for choice in proposal.columns:
        index = next((i for i, d in enumerate(spec.columns) if d.name == choice.column), None)
        if index is None or choice.column in touched:
            continue  # now the target, or the reviewer's word
        decision = spec.columns[index]
        if choice.keep and not decision.keep:
            if exclusion_of(decision) in NEVER_KEPT_BY_A_MODEL:
                notes.append(
                    f"Not taken from the LLM agent: keeping `{choice.column}`, which the planner "
                    f"excludes for this target ({decision.reason})."
                )
                continue
            col = profile.column(choice.column)
            kept = forced_keep(col, spec.row_count, decision.reason) if col else None
            if kept is None:
                notes.append(f"Not taken from the LLM agent: keeping `{choice.column}` (no "
                             "treatment fits its type).")  # fmt: skip
                continue
            kept.notes = decision.notes
            spec.columns[index] = decision = kept
        if decision.keep != choice.keep:
            continue
        if not decision.keep:
            decision.exclusion = Exclusion.model
        elif choice.treatment and choice.treatment != decision.treatment:
            decision.treatment = choice.treatment
            decision.transforms = list(TREATMENT_TRANSFORMS[choice.treatment])
        old = before.get(choice.column)
        had = (
            f"; the planner had {'kept' if old.keep else 'excluded'} it: {old.reason}"
            if old is not None
            else ""
        )
        decision.reason = f"{choice.reason} ({by}{had})"
    if not spec.kept:
        raise ValueError("the proposal leaves no input column")
    if proposal.primary_metric and reviewer.primary_metric is None:
        if spec.goal.primary_metric == proposal.primary_metric:
            spec.goal.metric_reason = f"{proposal.metric_reason or 'fits the goal'} ({by})"
    if proposal.split_strategy and reviewer.split_strategy is None:
        reason = proposal.split_reason or f"{proposal.split_strategy} split"
        spec.split.reason = f"{reason} ({by})"
    if proposal.target and reviewer.target is None and spec.target.column == proposal.target:
        spec.goal.target_reason = f"{proposal.target_reason or 'chosen for the goal'} ({by})"
    spec.derived, refused = apply_derived(spec, proposal.derived, profile)
    notes.extend(refused)
    if proposal.summary:
        notes.insert(0, f"Summary, {by}: {proposal.summary}")
    return spec, notes
