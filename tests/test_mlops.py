"""The mlops subgraph: what it writes from the approved design, and that it can be replaced."""

from __future__ import annotations

import subprocess
import sys
from typing import TypedDict

import pytest
import yaml
from conftest import EXAMPLES, copy_upstream
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from ml_engineer import build_graph, initial_state
from ml_engineer.graphs.state import Context

CLI = [sys.executable, "-m", "ml_engineer"]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("mlops")
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", root)
    proc = subprocess.run([*CLI, "run", str(data_dir), "--yes", "--train"], capture_output=True,
                          text=True, cwd=root, timeout=300, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return data_dir.parent, proc.stdout


def test_the_stage_writes_its_three_deliverables_and_hands_off(trained_run):
    project, stdout = trained_run
    for name in ("deployment-config.yaml", "monitoring-spec.md", "retrain-pipeline.md"):
        assert (project / "mlops" / name).is_file(), name
    lines = [line.removeprefix("▸ ") for line in stdout.splitlines()]
    order = [
        "ML design approved. Handing off to MLOps.",
        "Invoking: /mlops output/ui-benefit-claims/ml",
        "Deployment config complete. Proceeding to monitoring spec...",
        "Next: /report_owner output/ui-benefit-claims",
    ]
    positions = [lines.index(line) for line in order]
    assert positions == sorted(positions)
    # The report stage is another skill, which nothing here runs: named as next, not invoked.
    assert not any(line.startswith("Invoking: /report_owner") for line in lines)


def test_deployment_schema_is_the_kept_features_and_serves_the_trained_model(trained_run):
    project, _ = trained_run
    deployment = yaml.safe_load((project / "mlops" / "deployment-config.yaml").read_text())
    config = yaml.safe_load((project / "ml" / "experiment-config.yaml").read_text())
    kept = [c for group in config["data"]["features"].values() for c in group]
    schema = {f["name"]: f for f in deployment["input_schema"]}
    assert sorted(schema) == sorted(kept) and "bluecol" not in schema
    assert schema["age"]["type"] == "number" and schema["age"]["min"] == 20.0
    assert set(schema["joblost"]["allowed_values"]) == {
        "slack_work", "other", "position_abolished", "seasonal_job_ended",
    }  # fmt: skip
    assert deployment["model"]["artifact"] == "ml/runs/final/model.joblib"
    assert (project / "ml" / "runs" / "final" / "model.joblib").is_file()
    assert deployment["output"]["probabilities"]["positive_class"] == "no"  # the analyst's focus


def test_the_served_model_loads_with_the_pinned_packages_alone(trained_run):
    """deployment-config.yaml pins the package the model's pickle names (ml-engineer-runtime)
    at the version that trained it, and the artifact loads in a fresh process elsewhere."""
    from importlib.metadata import version

    project, _ = trained_run
    deployment = yaml.safe_load((project / "mlops" / "deployment-config.yaml").read_text())
    packages = deployment["environment"]["packages"]
    assert packages["ml-engineer-runtime"] == f"=={version('ml-engineer-runtime')}"
    assert packages["scikit-learn"] == f"=={version('scikit-learn')}"
    assert "sys.path" not in deployment["model"]["load"]
    code = (
        "import sys, joblib; model = joblib.load(sys.argv[1]); "
        "assert 'training_script' not in sys.modules; print(type(model).__name__)"
    )
    artifact = project / deployment["model"]["artifact"]  # from the project folder
    loaded = subprocess.run([sys.executable, "-I", "-c", code, str(artifact)], cwd="/",
                            capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr


def test_alert_lines_sit_between_the_validated_score_and_the_baseline(trained_run):
    project, _ = trained_run
    spec = (project / "mlops" / "monitoring-spec.md").read_text()
    row = next(line for line in spec.splitlines() if line.startswith("| roc_auc (primary)"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    validated, baseline = float(cells[1]), float(cells[2])
    warn, alert = float(cells[3].lstrip("< ")), float(cells[4].lstrip("< "))
    assert validated > warn > alert > baseline
    drift_rows = [line for line in spec.split("## Drift baselines")[1].split("## Predictions")[0]
                  .splitlines() if line.startswith("| `")]  # fmt: skip
    assert len(drift_rows) == 16  # one per kept feature
    assert "mean 36.13" in next(r for r in drift_rows if r.startswith("| `age`"))
    retrain = (project / "mlops" / "retrain-pipeline.md").read_text()
    assert "## Gates" in retrain and "beats the naive baseline on roc_auc" in retrain
    assert f"roc_auc below {alert:g}" in retrain or f"roc_auc below {alert}" in retrain


def test_no_mlops_ends_at_the_handoff_line(tmp_path):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    proc = subprocess.run([*CLI, "run", str(data_dir), "--yes", "--no-validate", "--no-mlops"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300,
                          check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Invoking: /mlops" in proc.stdout and "/report_owner" not in proc.stdout
    assert not (data_dir.parent / "mlops").exists()


class OtherStageState(TypedDict, total=False):
    slug: str
    feature_spec: dict
    report_handoff: str


def test_the_stage_is_replaceable_by_any_graph_with_the_same_input(tmp_path):
    seen = {}

    def record(state: OtherStageState) -> dict:
        seen["target"] = state["feature_spec"]["target"]["column"]
        return {"report_handoff": f"/custom {state['slug']}"}

    builder = StateGraph(OtherStageState)
    builder.add_node(record)
    builder.add_edge(START, "record")
    builder.add_edge("record", END)
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    graph = build_graph(checkpointer=InMemorySaver(), mlops=builder.compile())
    config = {"configurable": {"thread_id": "x"}}
    graph.invoke(initial_state(data_dir), config, context=Context(validate=False))
    final = graph.invoke(Command(resume="approve"), config, context=Context(validate=False))
    assert seen == {"target": "ui"}
    assert final["report_handoff"] == "/custom ui-benefit-claims"
    assert not (data_dir.parent / "mlops").exists()


def test_no_alert_line_for_a_metric_the_model_loses_and_none_for_the_time_axis():
    from ml_engineer.agents.monitoring_dashboard_spec import build_monitoring_spec
    from ml_engineer.models import AnalystNotes, ColumnKind, ColumnProfile, DataProfile
    from ml_engineer.planning.experiment import plan_experiment
    from ml_engineer.planning.planner import PlanRequest, plan_feature_spec
    from ml_engineer.validation import ValidationResult

    columns = [
        ColumnProfile(name="month", kind=ColumnKind.datetime),
        ColumnProfile(name="promo", kind=ColumnKind.numeric),
        ColumnProfile(name="sales", kind=ColumnKind.numeric, unique_count=900),
    ]
    profile = DataProfile(
        source_format="canonical", profile_path="p", row_count=900, columns=columns
    )
    request = PlanRequest(slug="s", goal_text="forecast next month's sales")
    spec = plan_feature_spec(profile, AnalystNotes(), request)
    config = plan_experiment(spec, request)
    metrics = {"model": {"test": {"rmse": 5.0, "mae": 9.0, "r2": 0.4}},
               "baseline": {"test": {"rmse": 8.0, "mae": 7.0, "r2": 0.0}}}  # fmt: skip
    result = ValidationResult(status="passed", reason="ok", metrics=metrics)
    monitoring = build_monitoring_spec(spec, config, profile, result)
    alerts = {a.metric: a for a in monitoring.metric_alerts}
    assert alerts["rmse"].warn_at == 5.75 and alerts["rmse"].alert_at == 6.5  # toward 8.0
    assert alerts["mae"].alert_at is None and "does not beat" in alerts["mae"].note
    month = next(d for d in monitoring.drift if d.column == "month")
    assert month.test.startswith("none") and "PSI" not in month.alert
