"""A reviewer's free-text answer at approval, read by an LLM agent into typed changes.

Without a model the rules of planning/feedback.py read it. With one, the agent maps the words
to the same `Overrides` (checked against the spec); what no field can express is kept as the
reviewer's note, which the feature agent reads on the next round.
"""

from __future__ import annotations

from ml_engineer.agents.design_reader import DesignReader
from ml_engineer.agents.prompts import system_prompt
from ml_engineer.agents.read_tools import InputReader
from ml_engineer.agents.tool_loop import AgentResult, AgentSession, WriteTool, run_agent
from ml_engineer.inputs.load import LoadedInputs
from ml_engineer.models import ExperimentConfig, FeatureSpec
from ml_engineer.models.proposals import RevisionProposal
from ml_engineer.models.revision import Revision
from ml_engineer.planning.experiment import framework_models
from ml_engineer.planning.feedback import interpret_feedback
from ml_engineer.planning.revision_checks import as_revision, review_revision

NODE = "approval"
WRITE = "revise_design"


def read_feedback(
    text: str,
    spec: FeatureSpec,
    config: ExperimentConfig,
    inputs: LoadedInputs,
    session: AgentSession | None,
) -> tuple[Revision, AgentResult | None]:
    framework = config.model.framework
    if session is None or not text.strip():
        return within_framework(interpret_feedback(text, spec), framework, spec), None
    column_tools = [t for t in InputReader(inputs, spec).tools() if t.name in ("list_columns",)]
    result = run_agent(
        session,
        node=NODE,
        system=system_prompt(NODE),
        # The reviewer is the person running the tool: their words are instructions, not data.
        task=f"The reviewer's feedback on the design:\n\n{text}\n\nCall {WRITE} once.",
        reads=[*DesignReader(spec, config).tools(), *column_tools],
        write=WriteTool(
            WRITE,
            "The reviewer's feedback as changes to the design; the rest as not_understood.",
            RevisionProposal,
            lambda p: review_revision(p, spec, inputs.profile, inputs.notes, text),
        ),
    )
    if result.proposal is None:
        return within_framework(interpret_feedback(text, spec), framework, spec), result
    return within_framework(as_revision(result.proposal, text), framework, spec), result


def within_framework(revision: Revision, framework: str, spec: FeatureSpec) -> Revision:
    """A model family the run's framework cannot train is said back, not silently dropped."""
    kind = revision.overrides.model_type
    allowed = framework_models(framework, spec.goal.task)
    if kind is None or kind in allowed:
        return revision
    said = f"model set to {kind}"
    return revision.model_copy(
        update={
            "overrides": revision.overrides.model_copy(update={"model_type": None}),
            "acted": [line for line in revision.acted if line != said],
            "not_understood": [
                *revision.not_understood,
                f"use {kind}: this run's script is for {framework}, which trains "
                f"{', '.join(allowed)}; start a run with --framework sklearn for {kind}.",
            ],
        }
    )
