"""The experiment-config-writer sub-skill: writes the config the script reads.

With a model configured, an LLM agent may change the secondary metrics and the encoding limits;
the planner's checks keep every metric fitting the task. The YAML is rendered from the
validated model and parsed back before it is written.
"""

from __future__ import annotations

from ml_engineer.agents.design_reader import DesignReader
from ml_engineer.agents.prompts import reviewer_words, system_prompt
from ml_engineer.agents.tool_loop import (
    AgentResult,
    AgentSession,
    WriteTool,
    reapply_previous,
    run_agent,
)
from ml_engineer.models import ExperimentConfig, FeatureSpec
from ml_engineer.models.proposals import ExperimentProposal
from ml_engineer.planning.training_checks import review_experiment_proposal
from ml_engineer.render.experiment_config import load_experiment_config, render_experiment_config

NODE = "experiment_config_writer"
WRITE = "write_experiment_config"


def choose_experiment(
    spec: FeatureSpec,
    config: ExperimentConfig,
    session: AgentSession | None,
    previous: dict | None = None,
    feedback: list[str] | None = None,
) -> tuple[AgentResult | None, dict | None]:
    """Let the agent adjust `config` (and the spec's secondary metrics) in place; return its run
    and the proposal taken (re-applied from `previous` when this round falls back)."""
    if session is None:
        return None, None
    review = lambda p: review_experiment_proposal(p, config)  # noqa: E731
    result = run_agent(
        session,
        node=NODE,
        system=system_prompt(NODE),
        task=(
            f"The experiment of a {spec.goal.task.value} task, primary metric "
            f"{config.metrics.primary}. {reviewer_words(feedback or [])}"
            f"Read what you need, then call {WRITE}."
        ),
        reads=DesignReader(spec, config).tools(),
        write=WriteTool(
            WRITE,
            "Set the secondary metrics and encoding limits you change.",
            ExperimentProposal,
            review,
        ),
    )
    reapply_previous(result, previous, ExperimentProposal, review)
    proposal = result.proposal
    if proposal is None:
        return result, None
    if proposal.secondary_metrics is not None:
        config.metrics.secondary = list(proposal.secondary_metrics)
        spec.goal.secondary_metrics = list(proposal.secondary_metrics)
    for name in ("one_hot_min_frequency", "one_hot_max_categories", "text_max_features"):
        value = getattr(proposal, name)
        if value is not None:
            setattr(config.preprocessing, name, value)
    if proposal.reason:
        result.notes.insert(
            0, f"Experiment, by the LLM agent ({session.model_name}): {proposal.reason}"
        )
    return result, proposal.model_dump(mode="json", exclude_defaults=True)


def write_experiment_config(config: ExperimentConfig) -> str:
    text = render_experiment_config(config)
    # Parse what was rendered: the file on disk must mean exactly the validated model.
    if load_experiment_config(text) != config:
        raise AssertionError("experiment-config.yaml does not round-trip to its model")
    return text
