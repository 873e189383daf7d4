"""The mlops subgraph: deployment config, monitoring spec and retrain pipeline, then the handoff
to the report stage.

    deployment_config_writer -> monitoring_dashboard_spec -> retrain_pipeline_spec -> report_handoff

It reads the approved design from the parent's state (same keys) and writes
`output/<slug>/mlops/`. Any compiled graph with the same input can replace it:
`build_graph(mlops=other)`.

With a chat model in the run's context (a subgraph added as a node runs with its parent's
context), each of the three writers runs its LLM agent; without one, or when the agent falls
back, the deliverables are the planner's, byte for byte.

Usage leaves the stage through `llm_usage`. The parent merges a subgraph's final values into its
own state as one update, through its reducers, so returning the parent's rows plus ours would
append the parent's rows a second time. Hence `llm_usage` here is a plain value: in, the run's
rows so far (the budget counts them); the agents' rows collect in `mlops_usage`, and the last
node sets `llm_usage` to those alone, which the parent's reducer appends once.
"""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Annotated, Any

from langchain_core.messages import AnyMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.runtime import Runtime
from typing_extensions import TypedDict  # pydantic (the server's schemas) needs it on 3.11

from ml_engineer.agents.deployment_config_writer import build_deployment_config, choose_deployment
from ml_engineer.agents.monitoring_dashboard_spec import build_monitoring_spec, choose_monitoring
from ml_engineer.agents.retrain_pipeline_spec import build_retrain_pipeline, choose_retrain
from ml_engineer.agents.tool_loop import AgentResult
from ml_engineer.deliverables import display_path, write_file
from ml_engineer.graphs.agent_session import agent_session, agent_update
from ml_engineer.graphs.messages import speaking
from ml_engineer.graphs.progress import emit
from ml_engineer.graphs.state import Context
from ml_engineer.inputs.load import LoadedInputs
from ml_engineer.models import ExperimentConfig, FeatureSpec
from ml_engineer.models.mlops import MonitoringSpec
from ml_engineer.render.mlops import (
    render_deployment_config,
    render_monitoring_spec,
    render_retrain_pipeline,
)
from ml_engineer.validation import ValidationResult

DEPLOYMENT_CONFIG = "deployment-config.yaml"
MONITORING_SPEC = "monitoring-spec.md"
RETRAIN_PIPELINE = "retrain-pipeline.md"


class MLOpsState(TypedDict, total=False):
    slug: str
    """The project's name."""
    ml_dir: str
    """output/<slug>/ml, the approved deliverables."""
    inputs: dict[str, Any]
    """The analyst's inputs, for the profile's statistics."""
    feature_spec: dict[str, Any]
    """The approved FeatureSpec."""
    experiment_config: dict[str, Any]
    """The approved ExperimentConfig."""
    validation: dict[str, Any]
    """The check run's result, for the alert thresholds."""
    trained: dict[str, Any] | None
    """The full training run's result (--train), whose model.joblib is served."""
    monitoring: dict[str, Any]
    """The MonitoringSpec, which the retrain pipeline's triggers refer to."""
    mlops_written: dict[str, str]
    """MLOps deliverable name -> path written."""
    report_handoff: str | None
    """The next stage's command."""
    mlops_log: Annotated[list[str], operator.add]
    """Checkpoint lines of this stage."""
    llm_usage: list[dict[str, Any]]
    """In: the run's NodeUsage rows so far, for the budget. Out (set by the last node): this
    stage's rows only, which the parent's `operator.add` reducer appends."""
    mlops_usage: Annotated[list[dict[str, Any]], operator.add]
    """NodeUsage rows of this stage's agents, in order; not a key of the parent's state."""
    messages: Annotated[list[AnyMessage], add_messages]
    """The parent's conversation, plus each node's lines as an AI message. The parent's
    `add_messages` merges by message id, so the messages it passed in are not repeated."""


def _mlops_dir(state: MLOpsState) -> Path:
    return Path(state["ml_dir"]).parent / "mlops"


def _design(state: MLOpsState):
    spec = FeatureSpec.model_validate(state["feature_spec"])
    config = ExperimentConfig.model_validate(state["experiment_config"])
    profile = LoadedInputs.model_validate(state["inputs"]).profile
    return spec, config, profile


def _result(state: MLOpsState) -> ValidationResult | None:
    """The run whose metrics the stage relies on: the full training, else the check run."""
    source = state.get("trained") or state.get("validation")
    return ValidationResult.model_validate(source) if source else None


def _session(state: MLOpsState, runtime: Runtime[Context] | None):
    spent = [*state.get("llm_usage", []), *state.get("mlops_usage", [])]
    return agent_session({"llm_usage": spent}, runtime)


def _agent_update(node: str, agent: AgentResult | None) -> dict:
    """agent_update's usage row and log lines, under this stage's keys."""
    update = agent_update(node, agent)
    if not update:
        return {}
    return {"mlops_usage": update["llm_usage"], "mlops_log": update["log"]}


def deployment_config_writer(state: MLOpsState, runtime: Runtime[Context]) -> dict:
    spec, config, profile = _design(state)
    trained = state.get("trained") or {}
    artifact = trained.get("model_path")
    if artifact:  # as the deployment sees it: relative to the project folder
        artifact = Path(artifact).relative_to(Path(state["ml_dir"]).parent).as_posix()
    result = _result(state)
    deployment = build_deployment_config(spec, config, profile, artifact, result)
    agent = choose_deployment(deployment, spec, config, result, _session(state, runtime))
    update = _agent_update("deployment_config_writer", agent)
    path = write_file(_mlops_dir(state) / DEPLOYMENT_CONFIG, render_deployment_config(deployment))
    line = "Deployment config complete. Proceeding to monitoring spec..."
    return {
        **update,
        "mlops_written": {DEPLOYMENT_CONFIG: str(path)},
        "mlops_log": update.get("mlops_log", []) + emit("mlops", line),
    }


def monitoring_dashboard_spec(state: MLOpsState, runtime: Runtime[Context]) -> dict:
    spec, config, profile = _design(state)
    trained = state.get("trained")
    result = ValidationResult.model_validate(trained or state["validation"])
    monitoring = build_monitoring_spec(spec, config, profile, result)
    agent = choose_monitoring(monitoring, spec, config, result, _session(state, runtime))
    update = _agent_update("monitoring_dashboard_spec", agent)
    path = write_file(_mlops_dir(state) / MONITORING_SPEC, render_monitoring_spec(monitoring))
    line = "Monitoring spec complete. Proceeding to retrain pipeline..."
    return {
        **update,
        "monitoring": monitoring.model_dump(mode="json"),
        "mlops_written": {**state.get("mlops_written", {}), MONITORING_SPEC: str(path)},
        "mlops_log": update.get("mlops_log", []) + emit("mlops", line),
    }


def retrain_pipeline_spec(state: MLOpsState, runtime: Runtime[Context]) -> dict:
    spec, config, _ = _design(state)
    monitoring = MonitoringSpec.model_validate(state["monitoring"])
    result = _result(state)
    pipeline = build_retrain_pipeline(spec, config, monitoring, result)
    agent = choose_retrain(pipeline, spec, config, monitoring, result, _session(state, runtime))
    update = _agent_update("retrain_pipeline_spec", agent)
    path = write_file(_mlops_dir(state) / RETRAIN_PIPELINE, render_retrain_pipeline(pipeline))
    return {
        **update,
        "mlops_written": {**state.get("mlops_written", {}), RETRAIN_PIPELINE: str(path)},
        "mlops_log": update.get("mlops_log", []) + emit("mlops", "Retrain pipeline complete."),
    }


def report_handoff(state: MLOpsState) -> dict:
    project = Path(state["ml_dir"]).parent
    command = f"/report_owner {display_path(project)}"
    # "Next", not "Invoking": the report stage is another skill, and nothing here runs it.
    lines = emit("mlops", "MLOps deliverables complete. The report stage is next.")
    lines += emit("mlops", f"Next: {command}")
    # The stage's own usage rows only: the parent appends them to the run's (see above).
    return {
        "report_handoff": command,
        "mlops_log": lines,
        "llm_usage": list(state.get("mlops_usage", [])),
    }


def build_mlops_graph():
    builder = StateGraph(MLOpsState, context_schema=Context)
    writers = (deployment_config_writer, monitoring_dashboard_spec, retrain_pipeline_spec)
    for node in (*writers, report_handoff):  # each node's lines also reach `messages`
        builder.add_node(speaking(node, "mlops_log"))
    builder.add_edge(START, "deployment_config_writer")
    builder.add_edge("deployment_config_writer", "monitoring_dashboard_spec")
    builder.add_edge("monitoring_dashboard_spec", "retrain_pipeline_spec")
    builder.add_edge("retrain_pipeline_spec", "report_handoff")
    builder.add_edge("report_handoff", END)
    return builder.compile(name="mlops")
