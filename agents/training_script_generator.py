"""The training-script-generator sub-skill: chooses the model and renders the script.

The planner picks a model from the data's size and inputs. With a model configured, an LLM
agent may choose another family or tune it, within the parameter ranges the planner allows.
The script itself is always rendered from the template: no model output becomes code.
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
from ml_engineer.models.proposals import TrainingPlan
from ml_engineer.planning.experiment import default_model, plan_experiment, put_model_first
from ml_engineer.planning.planner import PlanRequest
from ml_engineer.planning.training_checks import review_training_plan
from ml_engineer.render.training_script import render_training_script

NODE = "training_script_generator"
WRITE = "write_training_plan"


def generate_training_script(
    spec: FeatureSpec,
    request: PlanRequest,
    session: AgentSession | None = None,
    previous: dict | None = None,
) -> tuple[ExperimentConfig, str, AgentResult | None, dict | None]:
    """The config, the script, the agent's run (None offline) and the plan it took."""
    config = plan_experiment(spec, request)
    result, taken = None, None
    # Another framework trains its own family: the agent may tune LightGBM; XGBoost, the
    # network and Spark take the planner's parameters (no ranges are checked for them yet).
    tunable = request.framework in ("sklearn", "lightgbm")
    if session is not None and tunable:
        required = request.overrides.model_type or (
            None if request.framework == "sklearn" else config.model.type
        )
        review = lambda plan: review_training_plan(plan, spec, required)  # noqa: E731
        result = run_agent(
            session,
            node=NODE,
            system=system_prompt(NODE),
            task=(
                f"Choose the model for a {spec.goal.task.value} task "
                f"({spec.row_count or 'unknown'} rows, {len(spec.kept)} inputs). The planner "
                f"chose {config.model.type}. "
                + (f"The reviewer asked for {required}: tune it only. " if required else "")
                + reviewer_words(request.reviewer_feedback)
                + f"Read what you need, then call {WRITE}."
            ),
            reads=DesignReader(spec, config).tools(),
            write=WriteTool(
                WRITE,
                "Set the model family, the hyperparameters you change, and the class weights.",
                TrainingPlan,
                review,
            ),
        )
        reapply_previous(result, previous, TrainingPlan, review)
        if result.proposal is not None:
            taken = result.proposal.model_dump(mode="json")
            put_model_first(config, _model_section(result.proposal, spec, request))
            result.notes.insert(
                0,
                f"Model {config.model.type}, chosen by the LLM agent ({session.model_name}): "
                f"{result.proposal.reason}",
            )
    return config, render_training_script(spec, config), result, taken


def _model_section(plan: TrainingPlan, spec: FeatureSpec, request: PlanRequest):
    section = default_model(spec, plan.model_type, request.seed, request.framework)
    section.params.update(plan.params)
    if plan.class_weight == "balanced":
        section.class_weight = "balanced"
    elif plan.class_weight == "none":
        section.class_weight = None
    return section
