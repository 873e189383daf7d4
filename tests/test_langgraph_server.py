"""The LangGraph server surface: `langgraph dev` (the in-memory LangGraph API server) serves
langgraph.json's graph on 127.0.0.1, offline, and langgraph-sdk drives a thread through the
approval interrupt to the MLOps deliverables, as LangGraph Studio and the Agent Chat UI do."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from conftest import EXAMPLES, REPO, copy_upstream
from upstream_builders import two_targets_upstream

from ml_engineer import initial_state
from ml_engineer.graphs.chat_start import parse_command

pytest.importorskip(
    "langgraph_api", reason="langgraph-cli[inmem] is not installed: pip install -e '.[dev]'"
)
from langgraph_sdk import get_sync_client  # noqa: E402

SLUG = "ui-benefit-claims"
ML_FILES = ("feature-spec.md", "training_script.py", "experiment-config.yaml")
MLOPS_FILES = ("deployment-config.yaml", "monitoring-spec.md", "retrain-pipeline.md")
NO_CHECK = {"validate": False}  # the run's context (graphs/state.py Context): no check run
# Nothing leaves the machine: no CLI analytics, no tracing, no version check on PyPI.
OFFLINE_ENV = {
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "LANGGRAPH_NO_VERSION_CHECK": "true",
    "PYTHONUNBUFFERED": "1",
}
_SECRETS = ("LANGSMITH_API_KEY", "LANGCHAIN_API_KEY", "LANGGRAPH_CLOUD_LICENSE_KEY",
            "OPENAI_API_KEY", "OPENAI_BASE_URL", "ML_ENGINEER_MODEL")  # fmt: skip
README_URL = "http://127.0.0.1:2024"  # `langgraph dev`'s default, in the README's example
_API_LINE = re.compile(r"API: (http://127\.0\.0\.1:\d+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(proc: subprocess.Popen, log: Path, timeout_s: float = 60) -> str:
    """The server's URL once /ok answers (it picks another port when the one asked is taken)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"langgraph dev exited with {proc.returncode}:\n{log.read_text()}")
        found = _API_LINE.search(_ANSI.sub("", log.read_text(errors="replace")))
        if found:
            try:
                with urllib.request.urlopen(found.group(1) + "/ok", timeout=2) as reply:
                    if reply.status == 200:
                        return found.group(1)
            except (urllib.error.URLError, OSError):
                pass
        time.sleep(0.2)
    pytest.fail(f"langgraph dev did not answer /ok in {timeout_s} s:\n{log.read_text()}")


class Server(NamedTuple):
    client: Any
    root: Path
    url: str


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`langgraph dev` on a free loopback port, in a folder holding output/<slug>/data."""
    root = tmp_path_factory.mktemp("server")
    copy_upstream(EXAMPLES / SLUG, root)
    env = {k: v for k, v in os.environ.items() if k not in _SECRETS} | OFFLINE_ENV
    log = root / "server.log"
    command = [sys.executable, "-m", "langgraph_cli", "dev", "--config",
               str(REPO / "langgraph.json"), "--host", "127.0.0.1", "--port", str(_free_port()),
               "--no-browser", "--no-reload"]  # fmt: skip
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=root, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)  # fmt: skip
    try:
        url = _wait_until_up(proc, log)
        yield Server(get_sync_client(url=url, timeout=60), root, url)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and nothing else
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def _question(client, thread_id: str) -> dict:
    """The approval interrupt's payload: langchain's HITL request."""
    state = client.threads.get_state(thread_id)
    assert state["next"] == ["approval"], state["next"]
    interrupts = [i for task in state["tasks"] for i in task["interrupts"]]
    assert len(interrupts) == 1, interrupts
    return interrupts[0]["value"]


def _messages(client, thread_id: str) -> list[dict]:
    return client.threads.get_state(thread_id)["values"]["messages"]


def test_a_thread_runs_to_the_approval_and_on_to_mlops_through_the_sdk(server):
    client, root, _ = server
    data_dir = root / "output" / SLUG / "data"
    # Studio builds its forms from these: the chat's `messages` and the run's settings.
    (assistant,) = client.assistants.search(graph_id="ml_engineer")
    schemas = client.assistants.get_schemas(assistant["assistant_id"])
    assert schemas["input_schema"] and "messages" in schemas["input_schema"]["properties"]
    assert "validate" in schemas["context_schema"]["properties"]
    # As in the README: the graph's own input, the context per run, the answer as a Command.
    thread = client.threads.create()
    state = initial_state(data_dir, goal="predict ui take-up")
    client.runs.wait(thread["thread_id"], "ml_engineer", input=state, context=NO_CHECK)
    question = _question(client, thread["thread_id"])
    request = question["action_requests"][0]
    assert request["name"] == "approve_ml_design"
    assert request["args"]["target"] == "ui" and request["args"]["slug"] == SLUG
    assert request["args"]["validation_status"] == "skipped"
    assert question["review_configs"][0]["allowed_decisions"] == [
        "approve", "edit", "reject", "respond"
    ]  # fmt: skip
    asked = _messages(client, thread["thread_id"])
    assert asked[-1]["type"] == "ai" and asked[-1]["name"] == "approval"
    assert asked[-1]["content"].startswith(question["question"])
    assert not (root / "output" / SLUG / "mlops").exists()

    final = client.runs.wait(
        thread["thread_id"], "ml_engineer", command={"resume": "approve"}, context=NO_CHECK
    )
    assert final["handoff"] == f"/mlops output/{SLUG}/ml"
    assert final["report_handoff"] == f"/report_owner output/{SLUG}"
    for name in ML_FILES:
        assert (root / "output" / SLUG / "ml" / name).is_file(), name
    for name in MLOPS_FILES:
        assert (root / "output" / SLUG / "mlops" / name).is_file(), name
    approval = json.loads((root / "output" / SLUG / "ml" / "approval.json").read_text())
    assert approval["status"] == "approved"

    state = client.threads.get_state(thread["thread_id"])
    assert state["next"] == [] and not state["tasks"]
    messages = state["values"]["messages"]
    said = [(m["type"], m.get("name")) for m in messages]
    # Each node's lines once, the question once, the answer, then the MLOps stage's lines.
    assert said.count(("ai", "approval")) == 2 and said.count(("human", None)) == 1
    assert said.index(("human", None)) == len(asked)
    assert messages[len(asked)]["content"] == "approve"
    assert said[-1] == ("ai", "report_handoff")
    assert "Next: /report_owner" in messages[-1]["content"]
    assert len({m["id"] for m in messages}) == len(messages)
    assert state["values"]["log"][-1] == f"Invoking: /mlops output/{SLUG}/ml"


def test_a_chat_message_starts_a_run_and_the_answers_come_as_the_chat_ui_sends_them(server):
    client, root, _ = server
    thread = client.threads.create()
    tid = thread["thread_id"]
    client.runs.wait(tid, "ml_engineer", input={"messages": [{"role": "user", "content": "hi"}]})
    reply = _messages(client, tid)[-1]
    assert reply["type"] == "ai" and "/ml_engineer output/<slug>/data" in reply["content"]

    # The Agent Chat UI sends content blocks; the folder is relative to where the server runs.
    command = f"/ml_engineer output/{SLUG}/data predict ui take-up"
    chat = {"messages": [{"role": "user", "content": [{"type": "text", "text": command}]}]}
    client.runs.wait(tid, "ml_engineer", input=chat, context=NO_CHECK)
    assert _question(client, tid)["action_requests"][0]["args"]["target"] == "ui"
    assert client.threads.get_state(tid)["values"]["request"]["goal_text"] == "predict ui take-up"

    # Agent Inbox's "respond" decision: revise with feedback; the question is asked again.
    respond = {"decisions": [{"type": "respond", "message": "drop rr"}]}
    client.runs.wait(tid, "ml_engineer", command={"resume": respond}, context=NO_CHECK)
    summary = _question(client, tid)["action_requests"][0]["args"]
    assert "rr" not in summary["kept_columns"] and summary["revision"] == 1

    # An answer typed in the chat while the question waits is that question's answer.
    typed = {"messages": [{"role": "user", "content": "approve"}]}
    final = client.runs.wait(tid, "ml_engineer", input=typed, context=NO_CHECK)
    assert final["report_handoff"] == f"/report_owner output/{SLUG}"
    answers = [m["content"] for m in final["messages"] if m["type"] == "human"]
    assert answers[-2:] == ["drop rr", "approve"]
    assert (root / "output" / SLUG / "mlops" / "deployment-config.yaml").is_file()


def test_a_sub_skills_command_in_the_chat_runs_that_step_alone(server):
    client, root, _ = server
    tid = client.threads.create()["thread_id"]
    say = lambda text: {"messages": [{"role": "user", "content": text}]}  # noqa: E731
    client.runs.wait(tid, "ml_engineer", input=say(f"/feature_spec_writer output/{SLUG}/data"))
    reply = _messages(client, tid)[-1]
    assert reply["type"] == "ai" and f"output/{SLUG}/ml/feature-spec.md" in reply["content"]
    assert (
        f"Next: `/training_script_generator output/{SLUG}/ml/feature-spec.md`" in (reply["content"])
    )
    assert (root / "output" / SLUG / "ml" / "feature-spec.md").is_file()
    assert client.threads.get_state(tid)["next"] == []  # no run started, nothing waits
    client.runs.wait(tid, "ml_engineer", input=say("/training_script_generator"))
    assert "Usage: /training_script_generator" in _messages(client, tid)[-1]["content"]


@pytest.mark.slow
def test_which_column_to_predict_is_asked_through_the_interrupt_and_answered_either_way(server):
    client, root, _ = server
    data_dir = two_targets_upstream(root, slug="loans")
    tid = client.threads.create()["thread_id"]
    client.runs.wait(tid, "ml_engineer", input=initial_state(data_dir), context=NO_CHECK)
    state = client.threads.get_state(tid)
    assert state["next"] == ["choose_target"]
    (interrupt,) = [i for task in state["tasks"] for i in task["interrupts"]]
    request = interrupt["value"]["action_requests"][0]
    assert request["name"] == "choose_target"
    assert [c["column"] for c in request["args"]["candidates"]] == ["default_30d", "default_90d"]
    assert interrupt["value"]["review_configs"][0]["allowed_decisions"] == [
        "edit", "respond", "reject"
    ]  # fmt: skip
    said = state["values"]["messages"][-1]
    assert said["name"] == "target_question" and "1. default_30d" in said["content"]
    # As from Python: Command(resume={"target": ...}) continues to the approval question.
    answer = {"resume": {"target": "default_90d"}}
    client.runs.wait(tid, "ml_engineer", command=answer, context=NO_CHECK)
    assert _question(client, tid)["action_requests"][0]["args"]["target"] == "default_90d"

    # In the Agent Chat UI: the run starts from a message, and a typed number answers.
    tid = client.threads.create()["thread_id"]
    say = lambda text: {"messages": [{"role": "user", "content": text}]}  # noqa: E731
    client.runs.wait(tid, "ml_engineer", input=say("/ml_engineer output/loans/data"),
                     context=NO_CHECK)  # fmt: skip
    assert client.threads.get_state(tid)["next"] == ["choose_target"]
    client.runs.wait(tid, "ml_engineer", input=say("1"), context=NO_CHECK)
    assert _question(client, tid)["action_requests"][0]["args"]["target"] == "default_30d"
    spec = (root / "output" / "loans" / "ml" / "feature-spec.md").read_text()
    assert "`default_30d`: chosen by the person among the candidates" in spec


def readme_example(readme: str) -> str | None:
    """The python example of the README's LangGraph server section, or None without one."""
    section = re.search(r"(?ms)^#{2,3} [^\n]*\bLangGraph server\b.*?(?=^#{1,3} |\Z)", readme)
    if section is None:
        return None
    code = re.search(r"(?ms)^```python\n(.*?)^```", section.group(0))
    assert code, "the README's LangGraph server section has no python example"
    return code.group(1)


def test_the_readme_langgraph_server_example_runs(server):
    code = readme_example((REPO / "README.md").read_text(encoding="utf-8"))
    if code is None:
        pytest.skip("README has no LangGraph server section yet")
    assert README_URL in code, f"the README's example should connect to {README_URL}"
    code = code.replace(README_URL, server.url)
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=server.root, capture_output=True, text=True, timeout=60,
        check=False, env={k: v for k, v in os.environ.items() if k not in _SECRETS},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Validation: not run" in proc.stdout
    assert f"/report_owner output/{SLUG}" in proc.stdout
    assert (server.root / "output" / SLUG / "mlops" / "retrain-pipeline.md").is_file()


def test_only_the_ml_engineer_command_starts_a_run_from_chat():
    assert parse_command("/ml_engineer output/a/data") == ("output/a/data", None)
    assert parse_command(" /ml_engineer 'my folder/data'  predict churn\n") == (
        "my folder/data", "predict churn"
    )  # fmt: skip
    for text in ("/ml_engineer", "/ml_engineerx a", "ml_engineer a", "hi", "/mlops output/a/ml"):
        assert parse_command(text) is None, text
