"""`--json`: an agent drives the CLI from its event stream alone, one JSON object per line."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import pytest
from conftest import EXAMPLES, copy_upstream


def cli(cwd, *args):
    proc = subprocess.run(
        [sys.executable, "-m", "ml_engineer", *args], capture_output=True, text=True,
        timeout=300, stdin=subprocess.DEVNULL, check=False, cwd=cwd,
    )  # fmt: skip
    events = [json.loads(line) for line in proc.stdout.splitlines()]  # every line parses
    return proc, events


def command(text: str) -> list[str]:
    """An answer command from an event, run as the agent would: without the leading name."""
    words = shlex.split(text)
    assert words[0] == "ml-engineer"
    return words[1:]


@pytest.fixture
def benefits(tmp_path):
    return copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)


def test_an_agent_can_run_revise_and_approve_from_the_events_alone(tmp_path, benefits):
    proc, events = cli(tmp_path, "run", str(benefits), "--no-validate", "--json")
    assert proc.returncode == 0, proc.stderr
    kinds = [e["event"] for e in events]
    assert kinds[0] == "started" and kinds[-1] == "approval" and "progress" in kinds
    assert "ml-engineer" in proc.stderr  # what a person would read went to stderr
    question = events[-1]
    assert question["thread_id"] == events[0]["thread_id"] == "ui-benefit-claims-1"
    assert question["summary"]["target"] == "ui"
    assert question["payload"]["action_requests"][0]["name"] == "approve_ml_design"

    revise = command(question["answer"]["revise"].replace("<what to change>", "drop tenure"))
    proc, events = cli(tmp_path, *revise)
    assert proc.returncode == 0, proc.stderr
    assert [e["event"] for e in events][0] == "resumed"
    assert any(e.get("message", "").startswith("Revision 1: dropped `tenure`") for e in events)
    assert "tenure" not in events[-1]["summary"]["kept_columns"]

    proc, events = cli(tmp_path, "status", "ui-benefit-claims", "--json")
    (status,) = events
    assert status["stage"] == "waiting" and status["revisions"] == 1
    assert status["question"]["action_requests"][0]["args"]["revision"] == 1

    proc, events = cli(tmp_path, *command(events[-1]["answer"]["approve"]))
    assert proc.returncode == 0, proc.stderr
    done = events[-1]
    assert done["event"] == "done" and done["status"] == "approved"
    assert done["handoff"] == "/mlops output/ui-benefit-claims/ml"
    assert set(done["paths"]) >= {"feature-spec.md", "deployment-config.yaml"}
    assert all(e["event"] in ("resumed", "progress", "done") for e in events)

    proc, events = cli(tmp_path, "history", "ui-benefit-claims", "--json")
    assert events[0]["event"] == "history" and len(events[0]["checkpoints"]) > 5


def test_a_mistake_is_an_error_event_with_the_exit_code(tmp_path):
    proc, events = cli(tmp_path, "run", str(tmp_path / "nowhere"), "--json")
    assert proc.returncode == 2
    assert events == [{"event": "error", "code": 2, "message": events[0]["message"]}]
    assert "does not exist" in events[0]["message"]


def test_yes_runs_to_the_end_with_a_done_event(tmp_path, benefits):
    proc, events = cli(tmp_path, "run", str(benefits), "--no-validate", "--yes", "--json")
    assert proc.returncode == 0, proc.stderr
    assert events[-1]["event"] == "done" and events[-1]["report_handoff"]
