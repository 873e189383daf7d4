"""The mlops subgraph: deployment config, monitoring spec and retrain pipeline, then the handoff
to the report stage.

    deployment_config_writer -> monitoring_dashboard_spec -> retrain_pipeline_spec -> report_handoff

It reads the approved design from the parent's state (same keys) and writes
`output/<slug>/mlops/`. Any compiled graph with the same input can replace it:
`build_graph(mlops=other)`.
"""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph

from ml_engineer.agents.deployment_config_writer import build_deployment_config
from ml_engineer.agents.monitoring_dashboard_spec import build_monitoring_spec
from ml_engineer.agents.retrain_pipeline_spec import build_retrain_pipeline
from ml_engineer.deliverables import display_path, write_file
from ml_engineer.graphs.progress import emit
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


def _mlops_dir(state: MLOpsState) -> Path:
    return Path(state["ml_dir"]).parent / "mlops"


def _design(state: MLOpsState):
    spec = FeatureSpec.model_validate(state["feature_spec"])
    config = ExperimentConfig.model_validate(state["experiment_config"])
    profile = LoadedInputs.model_validate(state["inputs"]).profile
    return spec, config, profile


def deployment_config_writer(state: MLOpsState) -> dict:
    spec, config, profile = _design(state)
    trained = state.get("trained") or {}
    artifact = trained.get("model_path")
    if artifact:  # as the deployment sees it: relative to the project folder
        artifact = Path(artifact).relative_to(Path(state["ml_dir"]).parent).as_posix()
    deployment = build_deployment_config(spec, config, profile, artifact)
    path = write_file(_mlops_dir(state) / DEPLOYMENT_CONFIG, render_deployment_config(deployment))
    line = "Deployment config complete. Proceeding to monitoring spec..."
    return {"mlops_written": {DEPLOYMENT_CONFIG: str(path)}, "mlops_log": emit("mlops", line)}


def monitoring_dashboard_spec(state: MLOpsState) -> dict:
    spec, config, profile = _design(state)
    trained = state.get("trained")
    result = ValidationResult.model_validate(trained or state["validation"])
    monitoring = build_monitoring_spec(spec, config, profile, result)
    path = write_file(_mlops_dir(state) / MONITORING_SPEC, render_monitoring_spec(monitoring))
    line = "Monitoring spec complete. Proceeding to retrain pipeline..."
    return {
        "monitoring": monitoring.model_dump(mode="json"),
        "mlops_written": {**state.get("mlops_written", {}), MONITORING_SPEC: str(path)},
        "mlops_log": emit("mlops", line),
    }


def retrain_pipeline_spec(state: MLOpsState) -> dict:
    spec, config, _ = _design(state)
    monitoring = MonitoringSpec.model_validate(state["monitoring"])
    pipeline = build_retrain_pipeline(spec, config, monitoring)
    path = write_file(_mlops_dir(state) / RETRAIN_PIPELINE, render_retrain_pipeline(pipeline))
    return {
        "mlops_written": {**state.get("mlops_written", {}), RETRAIN_PIPELINE: str(path)},
        "mlops_log": emit("mlops", "Retrain pipeline complete."),
    }


def report_handoff(state: MLOpsState) -> dict:
    project = Path(state["ml_dir"]).parent
    command = f"/report_owner {display_path(project)}"
    lines = emit("mlops", "MLOps deliverables complete. Handing off to the report stage.")
    lines += emit("mlops", f"Invoking: {command}")
    return {"report_handoff": command, "mlops_log": lines}


def build_mlops_graph():
    builder = StateGraph(MLOpsState)
    builder.add_node(deployment_config_writer)
    builder.add_node(monitoring_dashboard_spec)
    builder.add_node(retrain_pipeline_spec)
    builder.add_node(report_handoff)
    builder.add_edge(START, "deployment_config_writer")
    builder.add_edge("deployment_config_writer", "monitoring_dashboard_spec")
    builder.add_edge("monitoring_dashboard_spec", "retrain_pipeline_spec")
    builder.add_edge("retrain_pipeline_spec", "report_handoff")
    builder.add_edge("report_handoff", END)
    return builder.compile(name="mlops")
