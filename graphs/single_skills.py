"""Each sub-skill as a graph of its own, for `/feature_spec_writer`, `/mlops` and the rest run
alone: it reads what `ml_engineer.skill_inputs` read from files and writes only its deliverable.

The same agents and planner as the full graph decide; only the state around them differs. The
design sub-skills have one node each; `/mlops` is the mlops stage itself; an mlops sub-skill is
its node alone (the retrain pipeline first plans, in memory, the monitoring thresholds its
triggers refer to).
"""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Annotated, Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from typing_extensions import TypedDict

from ml_engineer.agents.experiment_config_writer import choose_experiment, write_experiment_config
from ml_engineer.agents.feature_spec_writer import write_feature_spec
from ml_engineer.agents.monitoring_dashboard_spec import build_monitoring_spec
from ml_engineer.agents.training_script_generator import generate_training_script
from ml_engineer.chosen_model import chosen_model
from ml_engineer.deliverables import EXPERIMENT_CONFIG, FEATURE_SPEC, TRAINING_SCRIPT, write_file
from ml_engineer.graphs import mlops
from ml_engineer.graphs.agent_session import agent_session, agent_update
from ml_engineer.graphs.progress import emit
from ml_engineer.graphs.state import Context
from ml_engineer.inputs.load import load_inputs
from ml_engineer.models import FeatureSpec
from ml_engineer.planning.experiment import (
    default_model,
    framework_models,
    plan_experiment,
    put_model_first,
)
from ml_engineer.planning.planner import PlanRequest
from ml_engineer.render.feature_spec import render_feature_spec
from ml_engineer.validation import ValidationResult


class SkillState(TypedDict, total=False):
    slug: str
    data_dir: str
    """The analyst's folder (feature_spec_writer only)."""
    profile_path: str | None
    """The profile file the user named, else the folder's own."""
    ml_dir: str
    """Where the deliverable is written: output/<slug>/ml, the spec's folder."""
    request: dict[str, Any]
    """goal_text, target, tracker, seed."""
    feature_spec: dict[str, Any]
    """The design read from feature-spec.md's machine-readable block."""
    script_model: str | None
    """The model family the training script beside the spec was generated for."""
    written: dict[str, str]
    log: Annotated[list[str], operator.add]
    llm_usage: Annotated[list[dict[str, Any]], operator.add]


def _request(state: SkillState, **overrides: Any) -> PlanRequest:
    return PlanRequest(slug=state["slug"], **state.get("request", {}), **overrides)


def _say_again(lines: list[str], node: str) -> dict:
    """Show the lines the input reader left in the state (a hand edit noticed, a design not
    approved) as the step starts; they are in the state's log already."""
    for line in lines:
        emit(node, line)
    return {}


def feature_spec_writer(state: SkillState, runtime: Runtime[Context]) -> dict:
    profile = state.get("profile_path")
    inputs = load_inputs(Path(state["data_dir"]), Path(profile) if profile else None)
    log = [line for message in inputs.log for line in emit("feature_spec_writer", message)]
    request = _request(state)
    ml_dir = Path(state["ml_dir"])
    spec, agent, _ = write_feature_spec(inputs, request, ml_dir, agent_session(state, runtime))
    update = agent_update("feature_spec_writer", agent)
    path = write_file(ml_dir / FEATURE_SPEC, render_feature_spec(spec, seed=request.seed))
    log += update.get("log", []) + emit("feature_spec_writer", "Feature spec complete.")
    return {**update, "log": log, "written": {FEATURE_SPEC: str(path)}}


def training_script_generator(state: SkillState, runtime: Runtime[Context]) -> dict:
    _say_again(state.get("log", []), "input")
    log: list[str] = []
    spec = FeatureSpec.model_validate(state["feature_spec"])
    config, script, agent, _ = generate_training_script(
        spec, _request(state), agent_session(state, runtime)
    )
    update = agent_update("training_script_generator", agent)
    path = write_file(Path(state["ml_dir"]) / TRAINING_SCRIPT, script, executable=True)
    line = (
        f"Training script complete ({chosen_model(config, None).name}). It reads "
        "experiment-config.yaml beside it: write that with /experiment_config_writer."
    )
    log += update.get("log", []) + emit("training_script_generator", line)
    return {**update, "log": log, "written": {TRAINING_SCRIPT: str(path)}}


def experiment_config_writer(state: SkillState, runtime: Runtime[Context]) -> dict:
    _say_again(state.get("log", []), "input")
    log: list[str] = []
    spec = FeatureSpec.model_validate(state["feature_spec"])
    # The config names the model the script beside it was generated for, when there is one.
    kind = state.get("script_model")
    request = _request(state)
    if kind and kind not in framework_models(request.framework, spec.goal.task):
        kind = None
    config = plan_experiment(spec, request)
    if kind and kind != config.model.type:  # the script's family first; the search stays
        put_model_first(config, default_model(spec, kind, request.seed, request.framework))
    if kind:
        log += emit("experiment_config_writer", f"Model {kind}, as training_script.py names it.")
    agent, _ = choose_experiment(spec, config, agent_session(state, runtime))
    update = agent_update("experiment_config_writer", agent)
    text = write_experiment_config(config)
    path = write_file(Path(state["ml_dir"]) / EXPERIMENT_CONFIG, text)
    log += update.get("log", []) + emit("experiment_config_writer", "Experiment config complete.")
    return {**update, "log": log, "written": {EXPERIMENT_CONFIG: str(path)}}


def planned_monitoring(state: mlops.MLOpsState) -> dict:
    """The planner's monitoring thresholds, kept in memory for the retrain triggers."""
    spec, config, profile = mlops._design(state)
    result = ValidationResult.model_validate(state.get("trained") or state["validation"])
    return {"monitoring": build_monitoring_spec(spec, config, profile, result).model_dump()}


def _shown_mlops(state: mlops.MLOpsState) -> dict:
    return _say_again(state.get("mlops_log", []), "mlops")


_DESIGN_NODES = {
    "feature_spec_writer": feature_spec_writer,
    "training_script_generator": training_script_generator,
    "experiment_config_writer": experiment_config_writer,
}
_MLOPS_NODES = {
    "deployment_config_writer": [mlops.deployment_config_writer],
    "monitoring_dashboard_spec": [mlops.monitoring_dashboard_spec],
    "retrain_pipeline_spec": [planned_monitoring, mlops.retrain_pipeline_spec],
    "mlops": [
        mlops.deployment_config_writer, mlops.monitoring_dashboard_spec,
        mlops.retrain_pipeline_spec, mlops.report_handoff,
    ],
}  # fmt: skip


def build_skill_graph(name: str):
    """The compiled graph of one sub-skill run alone (names as in the slash commands)."""
    if name in _DESIGN_NODES:
        builder = StateGraph(SkillState, context_schema=Context)
        builder.add_node(name, _DESIGN_NODES[name])
        builder.add_edge(START, name)
        builder.add_edge(name, END)
        return builder.compile(name=name)
    builder = StateGraph(mlops.MLOpsState, context_schema=Context)
    chain = [_shown_mlops, *_MLOPS_NODES[name]]
    for node in chain:
        builder.add_node(node.__name__, node)
    builder.add_edge(START, chain[0].__name__)
    for first, then in zip(chain, chain[1:], strict=False):
        builder.add_edge(first.__name__, then.__name__)
    builder.add_edge(chain[-1].__name__, END)
    return builder.compile(name=name)
