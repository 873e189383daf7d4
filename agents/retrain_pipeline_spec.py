"""The retrain-pipeline-spec sub-skill: when to retrain, how, and what gates a new model.

With a model configured, an LLM agent may choose the schedule and how many new labelled rows a
scheduled retrain waits for; the drift and performance triggers, the gates and the rollout stay
as the planner computed them from the monitoring spec.
"""

from __future__ import annotations

from ml_engineer.agents.mlops_reader import MLOpsReader, chosen_by
from ml_engineer.agents.prompts import system_prompt
from ml_engineer.agents.tool_loop import AgentResult, AgentSession, WriteTool, run_agent
from ml_engineer.chosen_model import chosen_model
from ml_engineer.models import ExperimentConfig, FeatureSpec
from ml_engineer.models.mlops import MonitoringSpec, RetrainPipeline
from ml_engineer.models.mlops_proposals import RetrainProposal
from ml_engineer.planning.mlops_checks import review_retrain_proposal
from ml_engineer.validation import ValidationResult

NODE = "retrain_pipeline_spec"
WRITE = "write_retrain_schedule"
SCHEDULE_TRIGGER = 0  # the first trigger is the schedule


def build_retrain_pipeline(
    spec: FeatureSpec,
    config: ExperimentConfig,
    monitoring: MonitoringSpec,
    result: ValidationResult | None = None,
) -> RetrainPipeline:
    """`result`: the run whose model is approved (the full training, else the check run)."""
    primary = next(a for a in monitoring.metric_alerts if a.metric == config.metrics.primary)
    direction = "above" if primary.lower_is_better else "below"
    threshold = (
        f"{primary.metric} {direction} {primary.alert_at}"
        if primary.alert_at is not None
        else f"{primary.metric} worse than the naive baseline"
    )
    return RetrainPipeline(
        slug=spec.slug,
        model=chosen_model(config, result).described(),
        triggers=[
            schedule_trigger(spec),
            "Drift: PSI above 0.25 on any kept feature for 3 consecutive days, or a missing rate "
            "above its alert line",
            f"Performance: {threshold} in two consecutive weekly windows",
            "Change: the input schema or the feature spec changes (a revision approved upstream)",
        ],
        steps=[
            "Pull: the newest data with the columns of deployment-config.yaml `input_schema` and "
            f"the target `{spec.target.column}`",
            "Validate: reject the batch if a required column is absent or its type changed; "
            "report rows outside the schema",
            "Train: `python ml/training_script.py --config ml/experiment-config.yaml "
            "--output-dir ml/runs/<date>` (the same script and config that were approved)",
            "Evaluate: the new model's metrics.json on its held-out test part, beside the naive "
            "baseline and the serving model scored on the same rows",
        ],
        gates=[
            f"The new model beats the naive baseline on {config.metrics.primary}",
            f"It is no worse than the serving model on {config.metrics.primary} by more than "
            "1% relative, on the same held-out rows",
            "No metric among the secondary ones falls below its alert line",
            "A person approves if any gate is borderline or the feature spec changed",
        ],
        rollout=[
            "Shadow: score live traffic with both models for 3 days; compare predictions",
            "Canary: 10% of traffic for 2 days with the alerts of monitoring-spec.md",
            "Full: 100% when the canary raised no alert",
        ],
        rollback=[
            "Keep the previous model.joblib and its metrics.json beside the new one",
            f"Roll back at once if {threshold} or the error rate doubles during canary or the "
            "first week",
            "Rolling back is a pointer change in deployment-config.yaml `model.artifact`; no "
            "retraining",
        ],
    )


def choose_retrain(
    pipeline: RetrainPipeline,
    spec: FeatureSpec,
    config: ExperimentConfig,
    monitoring: MonitoringSpec,
    result: ValidationResult | None,
    session: AgentSession | None,
) -> AgentResult | None:
    """Let the agent set the schedule in `pipeline`, in place; None without a model."""
    if session is None:
        return None
    agent = run_agent(
        session,
        node=NODE,
        system=system_prompt(NODE),
        task=(
            # No column name here: names are data, and reach the model only inside <data>.
            "Choose how often the approved model is retrained on schedule (the planner chose "
            f"monthly; {spec.row_count or 'unknown'} training rows; design_summary names its "
            f"target); read what you need, then call {WRITE}."
        ),
        reads=MLOpsReader(spec, config, result).retrain_tools(pipeline, monitoring),
        write=WriteTool(
            WRITE,
            "Set the retrain schedule and the new labelled rows a scheduled retrain waits for.",
            RetrainProposal,
            lambda p: review_retrain_proposal(p, spec),
        ),
    )
    proposal = agent.proposal
    if proposal is None:  # the planner's deliverable, saying why the agent did not decide
        pipeline.agent_notes = list(agent.notes)
        return agent
    pipeline.triggers[SCHEDULE_TRIGGER] = schedule_trigger(
        spec, proposal.schedule or "monthly", proposal.min_new_labelled_rows
    )
    agent.notes.insert(0, chosen_by(session.model_name, proposal.reason))
    pipeline.agent_notes = list(agent.notes)
    return agent


def schedule_trigger(
    spec: FeatureSpec, schedule: str = "monthly", min_new_rows: int | None = None
) -> str:
    wait = (
        f", once at least {min_new_rows:,} new labelled rows have arrived (otherwise at the next "
        "run)"
        if min_new_rows is not None
        else ""
    )
    time_note = (
        f" (the split is by time on `{spec.split.time_column}`: retrain on the newest data and "
        "hold out the latest period)"
        if spec.split.time_column
        else ""
    )
    return f"Schedule: {schedule}, on the newest labelled data{wait}{time_note}"
