"""Approve, revise and reject through Command(resume=...) and through `ml-engineer resume`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from conftest import EXAMPLES, copy_upstream
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from ml_engineer import build_graph, initial_state
from ml_engineer.graphs.approval_summary import ACTION, summary_of
from ml_engineer.graphs.state import Context

NO_CHECK = Context(validate=False)


@pytest.fixture
def paused(tmp_path):
    """A graph stopped at the approval question of the bundled example."""
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    graph = build_graph(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    result = graph.invoke(initial_state(data_dir), config, context=NO_CHECK)
    return graph, config, data_dir.parent / "ml", result["__interrupt__"][0].value


def resume(graph, config, answer):
    events = list(graph.stream(Command(resume=answer), config, context=NO_CHECK,
                               stream_mode=["custom", "updates"]))  # fmt: skip
    lines = [chunk["message"] for mode, chunk in events if mode == "custom"]
    payloads = [
        c["__interrupt__"][0].value for m, c in events if m == "updates" and "__interrupt__" in c
    ]
    return lines, (payloads[-1] if payloads else None)


def test_the_question_speaks_langchains_hitl_shape(paused):
    _, _, _, payload = paused
    assert payload["review_configs"] == [
        {"action_name": ACTION, "allowed_decisions": ["approve", "edit", "reject", "respond"]}
    ]
    (request,) = payload["action_requests"]
    assert request["name"] == ACTION and "ML design complete" in request["description"]
    summary = summary_of(payload)
    assert summary["target"] == "ui" and summary["excluded_columns"][0]["column"] == "bluecol"
    assert set(summary["paths"]) == {
        "feature-spec.md",
        "training_script.py",
        "experiment-config.yaml",
    }


@pytest.mark.parametrize(
    "answer", ["approve", {"decision": "approve"}, {"decisions": [{"type": "approve"}]}]
)
def test_approve_in_every_accepted_form_hands_off(paused, answer):
    graph, config, ml_dir, _ = paused
    assert json.loads((ml_dir / "approval.json").read_text())["status"] == "awaiting approval"
    lines, payload = resume(graph, config, answer)
    assert payload is None
    assert lines[-1].startswith("Invoking: /mlops")
    assert json.loads((ml_dir / "approval.json").read_text())["status"] == "approved"


@pytest.mark.parametrize(
    "answer",
    [
        {"decision": "reject", "reason": "not now"},
        {"decisions": [{"type": "reject", "message": "not now"}]},
    ],
)
def test_reject_ends_with_the_reason_and_no_handoff(paused, answer):
    graph, config, _, _ = paused
    lines, payload = resume(graph, config, answer)
    assert payload is None and lines == [
        "ML design rejected; nothing was handed off. Reason: not now"
    ]
    assert graph.get_state(config).values.get("handoff") is None
    status = json.loads((paused[2] / "approval.json").read_text())
    assert status["status"] == "rejected" and status["reason"] == "not now"


def test_revise_by_respond_reruns_from_the_spec_and_keeps_a_version(paused):
    graph, config, ml_dir, _ = paused
    before = (ml_dir / "feature-spec.md").read_text()
    lines, payload = resume(
        graph, config, {"decisions": [{"type": "respond", "message": "drop age, use F1"}]}
    )
    assert "Revision 1: dropped `age`; primary metric set to f1" in lines
    assert "Feature spec complete. Proceeding to training script..." in lines
    summary = summary_of(payload)
    assert summary["revision"] == 1 and summary["primary_metric"] == "f1"
    assert "age" not in summary["kept_columns"]
    assert (ml_dir / "versions" / "v1" / "feature-spec.md").read_text() == before
    config_yaml = yaml.safe_load((ml_dir / "experiment-config.yaml").read_text())
    assert "age" in config_yaml["data"]["drop"] and config_yaml["metrics"]["primary"] == "f1"


def test_revise_the_model_restarts_at_the_script_only(paused):
    graph, config, ml_dir, _ = paused
    spec_before = (ml_dir / "feature-spec.md").read_text()
    lines, payload = resume(graph, config, {"decision": "revise", "feedback": "use lightgbm"})
    assert "Feature spec complete. Proceeding to training script..." not in lines
    assert "Training script complete. Proceeding to experiment config..." in lines
    assert summary_of(payload)["model"] == "the planned model lightgbm; not yet measured"
    assert (
        yaml.safe_load((ml_dir / "experiment-config.yaml").read_text())["model"]["type"]
        == "lightgbm"
    )
    assert (ml_dir / "feature-spec.md").read_text().split("## Constraints")[0] == spec_before.split(
        "## Constraints"
    )[0]


def test_revise_the_tracker_restarts_at_the_config(paused):
    graph, config, ml_dir, _ = paused
    lines, payload = resume(graph, config, "log to mlflow")
    assert lines[1] == "Experiment config complete. Proceeding to validation..." or any(
        line.startswith("Experiment config complete") for line in lines
    )
    assert not any(line.startswith("Training script complete") for line in lines)
    try:
        import mlflow  # noqa: F401
    except ImportError:
        assert any("mlflow is not installed" in r for r in summary_of(payload)["risks"])
    assert (
        yaml.safe_load((ml_dir / "experiment-config.yaml").read_text())["logging"]["tracker"]
        == "mlflow"
    )


def test_revise_by_edit_applies_structured_decisions(paused):
    graph, config, ml_dir, _ = paused
    edit = {
        "type": "edit",
        "edited_action": {"name": ACTION, "args": {"drop": ["rr"], "split_strategy": "random"}},
    }
    _, payload = resume(graph, config, {"decisions": [edit]})
    summary = summary_of(payload)
    assert "rr" not in summary["kept_columns"] and summary["split"].startswith("random")


def test_feedback_not_understood_is_recorded_and_shown_back(paused):
    graph, config, ml_dir, _ = paused
    lines, payload = resume(graph, config, "make it more robust to drift")
    assert any("make it more robust to drift" in line for line in lines)
    assert summary_of(payload)["last_feedback_not_understood"] == ["make it more robust to drift"]
    assert "make it more robust to drift" in (ml_dir / "feature-spec.md").read_text()
    # Two revisions keep two versions.
    resume(graph, config, "drop age")
    assert sorted(p.name for p in (ml_dir / "versions").iterdir()) == ["v1", "v2"]


def test_cli_resume_revise_then_approve_from_new_processes(tmp_path):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    cli = [sys.executable, "-m", "ml_engineer"]

    def run(*args):
        return subprocess.run([*cli, *args], capture_output=True, text=True, timeout=300,
                              stdin=subprocess.DEVNULL, check=False, cwd=tmp_path)  # fmt: skip

    assert run("run", str(data_dir), "--no-validate").returncode == 0
    revised = run("resume", "ui-benefit-claims", "--revise", "drop tenure")
    assert revised.returncode == 0, revised.stderr
    assert "Revision 1: dropped `tenure`" in revised.stdout
    assert "the run is paused" in revised.stdout  # asked again, still no terminal
    status = run("status", "ui-benefit-claims")
    assert "waiting for approval" in status.stdout and "revisions" in status.stdout
    approved = run("resume", "ui-benefit-claims", "--approve")
    assert "ML design approved. Handing off to MLOps." in approved.stdout
    status = run("status", "ui-benefit-claims")
    assert "approved and handed off" in status.stdout
    history = run("history", "ui-benefit-claims")
    assert history.returncode == 0 and "feature_spec_writer" in history.stdout
    assert "approval" in history.stdout


@pytest.mark.parametrize(
    ("feedback", "key", "expected"),
    [
        ("target is married", ("data", "target"), "married"),
        ("random split", ("data", "split", "strategy"), "random"),
        ("use lightgbm", ("model", "type"), "lightgbm"),
        ("log to mlflow", ("logging", "tracker"), "mlflow"),
    ],
)
def test_each_kind_of_revise_through_the_cli(tmp_path, feedback, key, expected):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    cli = [sys.executable, "-m", "ml_engineer"]
    common = {"capture_output": True, "text": True, "timeout": 300, "cwd": tmp_path,
              "stdin": subprocess.DEVNULL, "check": False}  # fmt: skip
    assert subprocess.run([*cli, "run", str(data_dir), "--no-validate"], **common).returncode == 0
    proc = subprocess.run([*cli, "resume", "ui-benefit-claims", "--revise", feedback], **common)
    assert proc.returncode == 0, proc.stderr
    value = yaml.safe_load((data_dir.parent / "ml" / "experiment-config.yaml").read_text())
    for part in key:
        value = value[part]
    assert value == expected
    assert (data_dir.parent / "ml" / "versions" / "v1" / "experiment-config.yaml").is_file()


def test_a_hitl_edit_of_the_summary_applies_or_reports_every_change(paused):
    graph, config, _, payload = paused
    args = dict(summary_of(payload))
    args["kept_columns"] = [c for c in args["kept_columns"] if c != "rr"]
    args["model"] = "lightgbm"
    args["colour"] = "blue"
    edit = {"type": "edit", "edited_action": {"name": ACTION, "args": args}}
    _, new = resume(graph, config, {"decisions": [edit]})
    summary = summary_of(new)
    assert "rr" not in summary["kept_columns"]
    assert summary["model"] == "the planned model lightgbm; not yet measured"  # NO_CHECK
    assert any("colour" in item for item in summary["last_feedback_not_understood"])
    # Keeping it again through the same edit brings it back.
    args = dict(summary)
    args["kept_columns"] = [*summary["kept_columns"], "rr"]
    _, newer = resume(
        graph,
        config,
        {"decisions": [{"type": "edit", "edited_action": {"name": ACTION, "args": args}}]},
    )
    assert "rr" in summary_of(newer)["kept_columns"]


def test_an_empty_or_malformed_answer_is_refused_and_the_question_stays(paused):
    graph, config, _, _ = paused
    for bad in ["", {"decisions": []}, 42]:
        with pytest.raises(ValueError, match="empty|exactly one|Unrecognised"):
            graph.invoke(Command(resume=bad), config, context=NO_CHECK)
        assert graph.get_state(config).next == ("approval",)


def test_a_column_dropped_at_revision_takes_its_risk_line_with_it(shared_fixture):
    """The analyst's warning about a kept column is a risk; once dropped, it is not one."""
    data_dir = shared_fixture("penguin-species")
    graph = build_graph(checkpointer=InMemorySaver(), mlops=None)
    config = {"configurable": {"thread_id": "t"}}
    state = graph.invoke(initial_state(data_dir), config, context=Context(validate=False))
    risks = state["feature_spec"]["risks"]
    assert any(r.startswith("`island` is kept") for r in risks)
    state = graph.invoke(
        Command(resume={"decision": "revise", "feedback": "drop island"}), config,
        context=Context(validate=False),
    )  # fmt: skip
    assert "island" not in {c["name"] for c in state["feature_spec"]["columns"] if c["keep"]}
    assert not any("island" in r for r in state["feature_spec"]["risks"])
