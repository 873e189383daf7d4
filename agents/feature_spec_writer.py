"""The feature-spec-writer sub-skill: decides the goal, the columns, derived features, the split.

The planner always decides first, checked against the data when it is there. With a model, an
LLM agent reads the inputs through tools and proposes changes to that design; the planner's
checks review the proposal, and only what passes reaches the spec, each change with its reason.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from ml_engineer.agents.prompts import system_prompt
from ml_engineer.agents.read_tools import InputReader
from ml_engineer.agents.tool_loop import AgentResult, AgentSession, WriteTool, run_agent
from ml_engineer.agents.untrusted import as_data
from ml_engineer.inputs.load import LoadedInputs
from ml_engineer.models import FeatureSpec
from ml_engineer.models.feature_spec import TREATMENT_TRANSFORMS
from ml_engineer.models.proposals import FeatureProposal
from ml_engineer.models.revision import Overrides
from ml_engineer.planning.derived import apply_derived
from ml_engineer.planning.feature_checks import review_feature_proposal
from ml_engineer.planning.goal import decide_goal
from ml_engineer.planning.planner import PlanRequest, plan_feature_spec

NODE = "feature_spec_writer"
WRITE = "write_feature_spec"


def write_feature_spec(
    inputs: LoadedInputs, request: PlanRequest, ml_dir: Path, session: AgentSession | None = None
) -> tuple[FeatureSpec, AgentResult | None]:
    planned = _plan(inputs, request, ml_dir)
    if session is None:
        return planned, None
    result = run_agent(
        session,
        node=NODE,
        system=system_prompt(NODE),
        task=_task(inputs, request, planned),
        reads=InputReader(inputs, planned).tools(),
        write=WriteTool(
            WRITE,
            "Propose your changes to the planner's feature spec. Only what you change.",
            FeatureProposal,
            lambda p: review_feature_proposal(p, inputs.profile, inputs.notes, planned),
        ),
    )
    if result.proposal is None:
        planned.notes.extend(result.notes)
        return planned, result
    spec = _apply(result.proposal, inputs, request, ml_dir, planned, session.model_name)
    spec.notes.extend(result.notes)
    return spec, result


def _plan(inputs: LoadedInputs, request: PlanRequest, ml_dir: Path) -> FeatureSpec:
    profile, notes = inputs.profile, inputs.notes
    if inputs.dataset is None:
        return plan_feature_spec(profile, notes, request)
    # Imported here: measuring needs pandas, which a profile-only run never pays for.
    from ml_engineer.inputs.evidence import measure_evidence

    # The target must be known before the data can be measured against it.
    goal = decide_goal(profile, notes, goal_text=request.goal_text, target=request.chosen_target)
    profile, evidence = measure_evidence(inputs.dataset, profile, goal, notes.key_columns)
    data_path = os.path.relpath(Path(inputs.dataset.path).resolve(), ml_dir.resolve())
    return plan_feature_spec(
        profile,
        notes,
        request,
        evidence=evidence,
        data_path=Path(data_path).as_posix(),
        data_format=inputs.dataset.format,
        data_sep=inputs.dataset.sep,
    )


def _task(inputs: LoadedInputs, request: PlanRequest, planned: FeatureSpec) -> str:
    # Column names come from the data: they stay inside <data>, even the target's.
    design = (
        f"predict `{planned.target.column}` ({planned.goal.task.value}), "
        f"{planned.goal.primary_metric}, {planned.split.strategy} split, {len(planned.kept)} of "
        f"{len(planned.columns)} input columns kept"
    )
    parts = [
        f"Project: {request.slug}. The user's goal: {request.goal_text or '(none given)'}.",
        "The planner's design:\n" + as_data("planner", design),
        "The analyst's goal sentence:\n" + as_data("analyst", inputs.notes.goal_sentence or "-"),
    ]
    if request.reviewer_notes:
        # The reviewer's words at approval: what this round must address.
        parts.append("The reviewer's feedback so far:\n- " + "\n- ".join(request.reviewer_notes))
    if request.overrides != Overrides():
        changes = json.dumps(request.overrides.model_dump(exclude_defaults=True))
        parts.append(
            "The reviewer's changes, applied whatever you propose:\n" + as_data("reviewer", changes)
        )
    parts.append(f"Read what you need, then call {WRITE}.")
    return "\n\n".join(parts)


def _apply(
    proposal: FeatureProposal,
    inputs: LoadedInputs,
    request: PlanRequest,
    ml_dir: Path,
    planned: FeatureSpec,
    model: str,
) -> FeatureSpec:
    """Re-plan with the accepted proposal as overrides; the reviewer's own overrides win."""
    reviewer = request.overrides
    proposed = Overrides(
        target=proposal.target,
        drop=[c.column for c in proposal.columns if not c.keep],
        keep=[c.column for c in proposal.columns if c.keep],
        primary_metric=proposal.primary_metric,
        split_strategy=proposal.split_strategy,
        split_column=proposal.split_column,
    )
    spec = _plan(inputs, replace(request, overrides=proposed.merged(reviewer)), ml_dir)
    by = f"proposed by the LLM agent ({model})"
    touched = set(reviewer.drop) | set(reviewer.keep)
    for choice in proposal.columns:
        decision = next((d for d in spec.columns if d.name == choice.column), None)
        if decision is None or choice.column in touched or decision.keep != choice.keep:
            continue  # the reviewer's word, or the planner could not apply it (said in notes)
        if decision.keep and choice.treatment and choice.treatment != decision.treatment:
            decision.treatment = choice.treatment
            decision.transforms = list(TREATMENT_TRANSFORMS[choice.treatment])
        before = next(d for d in planned.columns if d.name == choice.column)
        verdict = "kept" if before.keep else "excluded"
        had = f"; the planner had {verdict} it: {before.reason}"
        decision.reason = f"{choice.reason} ({by}{had})"
    if proposal.primary_metric and reviewer.primary_metric is None:
        if spec.goal.primary_metric == proposal.primary_metric:
            spec.goal.metric_reason = f"{proposal.metric_reason or 'fits the goal'} ({by})"
    if proposal.split_strategy and reviewer.split_strategy is None:
        spec.split.reason = spec.split.reason.replace("set by the reviewer at approval", by)
    if proposal.target and reviewer.target is None and spec.target.column == proposal.target:
        spec.goal.target_reason = by
    spec.derived, refused = apply_derived(spec, proposal.derived, inputs.profile)
    spec.notes.extend(refused)
    if proposal.summary:
        spec.notes.insert(0, f"The LLM agent's summary ({model}): {proposal.summary}")
    return spec
