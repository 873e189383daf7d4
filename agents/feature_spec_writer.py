"""The feature-spec-writer sub-skill: decides the goal, the columns, derived features, the split.

The planner always decides first, checked against the data when it is there. With a model, an
LLM agent reads the inputs through tools and proposes changes to that design; the planner's
checks review the proposal, and only what passes reaches the spec, each change with its reason.
"""

from __future__ import annotations

import json
from pathlib import Path

from ml_engineer.agents.feature_planner import FeaturePlanner
from ml_engineer.agents.prompts import reviewer_words, system_prompt
from ml_engineer.agents.read_tools import InputReader
from ml_engineer.agents.tool_loop import (
    AgentResult,
    AgentSession,
    WriteTool,
    reapply_previous,
    run_agent,
)
from ml_engineer.agents.untrusted import as_data
from ml_engineer.errors import MLEngineerError
from ml_engineer.inputs.load import LoadedInputs
from ml_engineer.models import FeatureSpec
from ml_engineer.models.proposals import FeatureProposal
from ml_engineer.models.revision import Overrides
from ml_engineer.planning.feature_checks import review_feature_proposal
from ml_engineer.planning.feature_proposal import apply_feature_proposal
from ml_engineer.planning.planner import PlanRequest

NODE = "feature_spec_writer"
WRITE = "write_feature_spec"


def write_feature_spec(
    inputs: LoadedInputs,
    request: PlanRequest,
    ml_dir: Path,
    session: AgentSession | None = None,
    previous: dict | None = None,
) -> tuple[FeatureSpec, AgentResult | None, dict | None]:
    """The spec, the agent's run (None offline) and the proposal taken (for the next round).

    `previous` is the proposal taken in an earlier round: when this round's agent falls back,
    it is reviewed and applied again, so a revision does not silently undo the agent's work."""
    planner = FeaturePlanner(inputs, ml_dir)
    planned, profile = planner.plan(request)
    if session is None:
        return planned, None, None
    review = lambda p: review_feature_proposal(p, profile, inputs.notes, planned)  # noqa: E731
    result = run_agent(
        session,
        node=NODE,
        system=system_prompt(NODE),
        task=_task(inputs, request, planned, previous),
        reads=InputReader(inputs.model_copy(update={"profile": profile}), planned).tools(),
        write=WriteTool(
            WRITE,
            "Propose your changes to the planner's feature spec. Only what you change.",
            FeatureProposal,
            review,
        ),
    )
    reapply_previous(result, previous, FeatureProposal, review)
    proposal = result.proposal
    if proposal is None:
        planned.agent_notes[NODE] = result.notes
        return planned, result, None
    by = f"proposed by the LLM agent ({session.model_name})"
    try:
        spec, notes = apply_feature_proposal(proposal, planned, request, planner.plan, by)
    except (MLEngineerError, ValueError) as error:  # the planner cannot use it: keep its own
        planned.agent_notes[NODE] = [
            *result.notes,
            f"The LLM agent's proposal could not be applied ({error}); the planner decided.",
        ]
        result.usage.outcome = "planner: the proposal could not be applied"
        return planned, result, None
    spec.agent_notes[NODE] = [*notes, *result.notes]
    return spec, result, proposal.model_dump(mode="json", exclude_defaults=True)


def _task(
    inputs: LoadedInputs, request: PlanRequest, planned: FeatureSpec, previous: dict | None
) -> str:
    # Column names come from the data: they stay inside <data>, even the target's.
    design = (
        f"predict `{planned.target.column}` ({planned.goal.task.value}), "
        f"{planned.goal.primary_metric}, {planned.split.strategy} split, {len(planned.kept)} of "
        f"{len(planned.columns)} input columns kept"
    )
    parts = [
        "Project:\n" + as_data("folder name", request.slug),
        f"The user's goal: {request.goal_text or '(none given)'}.",
        "The planner's design:\n" + as_data("planner", design),
        "The analyst's goal sentence:\n" + as_data("analyst", inputs.notes.goal_sentence or "-"),
    ]
    if request.reviewer_feedback:
        parts.append(reviewer_words(request.reviewer_feedback).strip())
    if request.overrides != Overrides():
        changes = json.dumps(request.overrides.model_dump(exclude_defaults=True))
        parts.append(
            "The reviewer's changes, applied whatever you propose:\n" + as_data("reviewer", changes)
        )
    if previous:
        parts.append(
            "Your proposal taken in the previous round (propose it again, adjusted to the "
            "feedback, or it is re-applied as it was):\n" + as_data("previous proposal",
                                                                     json.dumps(previous))
        )  # fmt: skip
    parts.append(f"Read what you need, then call {WRITE}.")
    return "\n\n".join(parts)
