"""One name for the model: every surface names the model the check run's search chose, beside
the candidates it measured, and says plainly when nothing was measured yet.

The metrics.json here is shaped as the script writes it (see choose_model and run() in
training_script.py.j2): the planned model comes first in `search.tried`, an alternative wins,
and some candidates were never measured.
"""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console
from test_llm_hardening import design

from ml_engineer import json_events, terminal
from ml_engineer.agents.deployment_config_writer import build_deployment_config
from ml_engineer.agents.monitoring_dashboard_spec import build_monitoring_spec
from ml_engineer.agents.retrain_pipeline_spec import build_retrain_pipeline
from ml_engineer.chosen_model import chosen_model
from ml_engineer.graphs.approval_summary import approval_request, build_summary, summary_of
from ml_engineer.mcp_server import _question_text
from ml_engineer.render.mlops import (
    render_deployment_config,
    render_monitoring_spec,
    render_retrain_pipeline,
)
from ml_engineer.render.training_script import render_training_script
from ml_engineer.skill_inputs import script_model
from ml_engineer.validation import ValidationResult

CHOSEN = "extra_trees"
PLANNED = "hist_gradient_boosting"  # the planner's model for this design (asserted below)
SEARCH_WORDS = (
    "3-fold CV on train+val, roc_auc: chose extra_trees 0.8312 over hist_gradient_boosting "
    "0.8123 (planned), logistic_regression 0.79; lightgbm not measured: model.type 'lightgbm' "
    "needs the lightgbm package: pip install lightgbm; 3 random draws not measured: the 6 s "
    "budget was spent"
)


def tried(label: str, kind: str | None = None, **result) -> dict:
    return {"type": kind or label, "label": label, "params": {}, **result}


def check_run_metrics() -> dict:
    """A passed check run whose search chose extra_trees over the planned model."""
    no_lightgbm = "model.type 'lightgbm' needs the lightgbm package: pip install lightgbm"
    spent = "the 6 s budget was spent"
    return {
        "task": "binary", "target": "churned", "primary_metric": "roc_auc",
        "lower_is_better": False,
        "model": {"val": {"roc_auc": 0.83}, "test": {"roc_auc": 0.84}},
        "baseline": {"val": {"roc_auc": 0.5}, "test": {"roc_auc": 0.5}},
        "baseline_label": "the class prior", "beats_baseline": True,
        "model_type": CHOSEN, "model_label": CHOSEN, "model_params": {"min_samples_leaf": 2},
        "search": {
            "how": "3-fold CV on train+val", "budget_s": 6.0, "chosen": 2,
            "tried": [
                tried(PLANNED, score=0.8123, seconds=1.2),
                tried("logistic_regression", score=0.79, seconds=0.3),
                tried(CHOSEN, score=0.8312, seconds=1.9),
                tried("lightgbm", skipped=no_lightgbm),
                *(tried(f"{CHOSEN} (random draw {n})", CHOSEN, skipped=spent) for n in (1, 2, 3)),
            ],
        },
    }  # fmt: skip


@pytest.fixture
def checked():
    """A planned design, and its check run as metrics.json records it."""
    spec, config, profile, _ = design("churned")
    assert config.model.type == PLANNED
    result = ValidationResult(
        status="passed", reason="ran", seconds=4.2, metrics=check_run_metrics()
    )
    return spec, config, profile, result


def approval_payload(spec, config, result) -> dict:
    state = {
        "slug": spec.slug, "feature_spec": spec.model_dump(mode="json"),
        "experiment_config": config.model_dump(mode="json"),
        "validation": result.model_dump(mode="json"), "written": {},
    }  # fmt: skip
    return approval_request(build_summary(state)).model_dump(mode="json")


def not_run() -> ValidationResult:
    return ValidationResult(status="skipped", reason="validation was turned off")


def test_the_approval_names_the_chosen_model_beside_the_measured_rivals(checked):
    spec, config, _, result = checked
    summary = summary_of(approval_payload(spec, config, result))
    assert summary["model"] == CHOSEN and summary["model_params"] == {"min_samples_leaf": 2}
    assert summary["search"] == SEARCH_WORDS
    assert "(not measured)" not in summary["search"]  # a skipped candidate is not compared
    assert summary["validation"].endswith(
        "The script's search (3-fold CV on train+val) chose extra_trees over "
        "hist_gradient_boosting, logistic_regression."
    )


def test_the_terminal_panel_names_the_chosen_model_and_its_search(checked, monkeypatch):
    spec, config, _, result = checked
    recorded = Console(file=io.StringIO(), width=400, highlight=False)
    monkeypatch.setattr(terminal, "out", recorded)
    terminal.show_summary(summary_of(approval_payload(spec, config, result)))
    lines = recorded.file.getvalue().splitlines()
    model = next(line for line in lines if line.lstrip("│ ").startswith("model "))
    assert f'{CHOSEN} {{"min_samples_leaf": 2}}' in model and PLANNED not in model
    search = next(line for line in lines if "model search" in line)
    assert SEARCH_WORDS in search


def test_the_json_approval_event_names_the_chosen_model(checked, monkeypatch, capsys):
    spec, config, _, result = checked
    payload = approval_payload(spec, config, result)
    monkeypatch.setattr(json_events, "ENABLED", True)
    json_events.emit("approval", thread_id="t-1", summary=summary_of(payload), payload=payload)
    event = json.loads(capsys.readouterr().out)
    assert event["summary"]["model"] == CHOSEN and event["summary"]["search"] == SEARCH_WORDS
    description = event["payload"]["action_requests"][0]["description"]  # Agent Inbox's text
    assert f"model {CHOSEN};" in description


def test_the_mcp_question_names_the_chosen_model_and_its_search(checked):
    spec, config, _, result = checked
    text = _question_text(summary_of(approval_payload(spec, config, result)), "t-1", "answer")
    assert f"Model: {CHOSEN} {{'min_samples_leaf': 2}}" in text
    assert f"Model search: {SEARCH_WORDS}" in text


def test_without_a_check_run_every_surface_says_the_plan_is_not_yet_measured(checked):
    spec, config, profile, _ = checked
    said = f"the planned model {PLANNED}; not yet measured"
    summary = summary_of(approval_payload(spec, config, not_run()))
    assert summary["model"] == said and summary["search"] is None
    assert summary["model_params"] == config.model.params
    assert f"Model: {said}" in _question_text(summary, "t-1", "answer")
    assert f"# Model: {said}\n" in render_training_script(spec, config)
    deployment = build_deployment_config(spec, config, profile, None, not_run())
    assert deployment.model["type"] == PLANNED and deployment.model["name"] == said
    monitoring = build_monitoring_spec(spec, config, profile, not_run())
    assert f"**Model:** {said}" in render_monitoring_spec(monitoring)


def test_the_script_header_names_the_chosen_model_and_reads_back(checked, tmp_path):
    spec, config, _, result = checked
    script = render_training_script(spec, config, chosen_model(config, result))
    header = script.split('"""')[0]
    assert f"# Model: {CHOSEN}\n#   Check run: 3-fold CV on train+val, roc_auc: chose" in header
    noted = " ".join(line.removeprefix("#   ") for line in header.splitlines())  # unwrapped
    assert "over hist_gradient_boosting 0.8123 (planned), logistic_regression 0.79" in noted
    assert "3 random draws not measured: the 6 s budget was spent" in noted
    assert max(len(line) for line in header.splitlines()) <= 100
    (tmp_path / "training_script.py").write_text(script)
    # A config written afterwards (experiment-config-writer alone) follows the header's model.
    assert script_model(tmp_path / "training_script.py") == CHOSEN


def test_the_mlops_files_name_the_chosen_model(checked):
    spec, config, profile, result = checked
    deployment = build_deployment_config(spec, config, profile, None, result)
    assert deployment.model["type"] == CHOSEN
    assert deployment.model["name"] == (
        "extra_trees, chosen by the script's search (roc_auc 0.8312, 3-fold CV on train+val)"
    )
    assert deployment.model["compared"] == (
        "hist_gradient_boosting 0.8123 (planned), logistic_regression 0.79"
    )
    assert "3 random draws not measured" in deployment.model["not_measured"]
    assert f"type: {CHOSEN}" in render_deployment_config(deployment)
    monitoring = build_monitoring_spec(spec, config, profile, result)
    pipeline = build_retrain_pipeline(spec, config, monitoring, result)
    for text in (render_monitoring_spec(monitoring), render_retrain_pipeline(pipeline)):
        assert "extra_trees, chosen by the script's search (roc_auc 0.8312" in text
        assert "over hist_gradient_boosting 0.8123 (planned)" in text


def test_the_planned_model_kept_by_the_search_is_said_to_be_kept(checked):
    _, config, _, result = checked
    metrics = {**result.metrics, "model_type": PLANNED, "model_label": PLANNED}
    metrics["search"] = {**metrics["search"], "chosen": 0}
    kept = chosen_model(config, result.model_copy(update={"metrics": metrics}))
    assert kept.headline().startswith(f"{PLANNED}, the planned model, kept by the script's")
    assert kept.compared_words() == "logistic_regression 0.79, extra_trees 0.8312"


def test_a_malformed_search_record_still_names_the_trained_model(checked):
    _, config, _, result = checked
    metrics = {**result.metrics, "search": {"how": 3, "tried": [{"no": "type"}], "chosen": "x"}}
    model = chosen_model(config, result.model_copy(update={"metrics": metrics}))
    assert model.name == CHOSEN and model.search_line() is None
