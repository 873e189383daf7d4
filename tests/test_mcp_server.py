"""`ml-engineer mcp` as an MCP host meets it: the SDK's own stdio client, a server subprocess."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import pytest
from conftest import EXAMPLES, copy_upstream
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from upstream_builders import two_targets_upstream

SLUG = "ui-benefit-claims"
MLOPS_FILES = ("deployment-config.yaml", "monitoring-spec.md", "retrain-pipeline.md")


def serve(cwd: Path, client: Callable[[ClientSession], Awaitable[None]]) -> None:
    """Start the server in `cwd` (offline: the client passes no model variable) and run
    `client` against it. Anything on the server's stdout that is not a protocol message reaches
    the client as a transport exception: there must be none."""
    faults: list[Exception] = []

    async def on_message(message) -> None:
        if isinstance(message, Exception):
            faults.append(message)

    async def main() -> None:
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "ml_engineer.mcp_server"], cwd=str(cwd)
        )
        with anyio.fail_after(120):
            async with stdio_client(params) as (read, write):
                async with ClientSession(read, write, message_handler=on_message) as session:
                    await session.initialize()
                    await client(session)

    anyio.run(main)
    assert not faults, faults


async def call(session: ClientSession, tool: str, progress: list | None = None, **arguments):
    async def on_progress(value, total, message):
        progress.append(message)

    return await session.call_tool(
        tool, arguments, progress_callback=on_progress if progress is not None else None
    )


def text_of(result) -> str:
    return "\n".join(block.text for block in result.content)


def project(tmp_path: Path) -> Path:
    return copy_upstream(EXAMPLES / SLUG, tmp_path)


def test_lists_the_tools_with_their_arguments(tmp_path):
    async def client(session):
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        assert set(tools) == {
            "start_run", "resume_run", "run_status", "run_step", "read_deliverable",
            "profile_data",
        }  # fmt: skip
        assert tools["run_step"].input_schema["required"] == ["command"]
        start = tools["start_run"].input_schema
        assert start["required"] == ["data_dir"]
        assert {"goal", "target", "tracker", "validate"} <= set(start["properties"])
        assert "ctx" not in start["properties"]
        resume = tools["resume_run"].input_schema
        assert resume["required"] == ["project"]  # a decision, or a target when that is asked
        decision = resume["properties"]["decision"]
        choices = [option.get("enum") for option in decision.get("anyOf", [decision])]
        assert ["approve", "revise", "reject"] in choices
        assert "target" in resume["properties"]
        assert tools["start_run"].description and "approval" in tools["start_run"].description

    serve(tmp_path, client)


def test_start_revise_approve_and_read_the_mlops_outputs(tmp_path):
    data_dir = project(tmp_path)

    async def client(session):
        progress: list[str] = []
        result = await call(
            session, "start_run", progress, data_dir=f"output/{SLUG}/data", validate=False
        )
        assert not result.is_error, text_of(result)
        question = result.structured_content
        assert question["stage"] == "waiting"
        assert question["thread_id"] == f"{SLUG}-1"
        summary = question["summary"]
        assert summary["target"] == "ui" and summary["task"] == "binary"
        assert "tenure" in summary["kept_columns"]
        assert "bluecol" in [e["column"] for e in summary["excluded_columns"]]
        assert "resume_run" in question["how_to_answer"]
        text = text_of(result)
        assert "Approve before handing off to MLOps" in text and "tenure" in text
        # Progress lines came as notifications and in the result, never on stdout.
        assert "Inputs read. Proceeding to feature spec..." in progress
        assert progress == question["log"]

        # Revise by slug (resolved under the server's folder): the new question reflects it.
        result = await call(
            session, "resume_run", project=SLUG, decision="revise", feedback="drop tenure"
        )
        assert not result.is_error, text_of(result)
        revised = result.structured_content
        assert revised["stage"] == "waiting" and revised["thread_id"] == f"{SLUG}-1"
        summary = revised["summary"]
        assert summary["revision"] == 1
        assert "tenure" not in summary["kept_columns"]
        assert "tenure" in [e["column"] for e in summary["excluded_columns"]]
        assert any("tenure" in line for line in summary["last_feedback_acted"])
        assert "Revision 1" in " ".join(revised["log"])

        status = (await call(session, "run_status", project=SLUG)).structured_content
        assert status["stage"] == "waiting" and status["revisions"] == 1

        result = await call(session, "resume_run", project=SLUG, decision="approve")
        assert not result.is_error, text_of(result)
        final = result.structured_content
        assert final["stage"] == "approved"
        assert final["handoff"].startswith("/mlops ")
        assert final["report_handoff"].startswith("/report_owner ")
        assert set(MLOPS_FILES) <= {Path(p).name for p in final["mlops_written"].values()}
        assert "feature-spec.md" in {Path(p).name for p in final["ml_written"].values()}

        for name in MLOPS_FILES:
            read = await call(session, "read_deliverable", project=SLUG, name=name)
            assert not read.is_error, text_of(read)
            on_disk = (data_dir.parent / "mlops" / name).read_text(encoding="utf-8")
            assert text_of(read) == on_disk
        deployment = text_of(
            await call(session, "read_deliverable", project=SLUG, name="deployment-config.yaml")
        )
        assert "stateur" in deployment and "tenure" not in deployment
        approval = await call(session, "read_deliverable", project=SLUG, name="approval.json")
        assert json.loads(text_of(approval))["status"] == "approved"

        status = (await call(session, "run_status", project=SLUG)).structured_content
        assert status["stage"] == "approved"

    serve(tmp_path, client)


def test_start_with_the_check_run_shows_test_metrics_beside_the_baseline(tmp_path):
    project(tmp_path)

    async def client(session):
        result = await call(
            session, "start_run", data_dir=f"output/{SLUG}/data", framework="lightgbm"
        )
        assert not result.is_error, text_of(result)
        script = (tmp_path / "output" / SLUG / "ml" / "training_script.py").read_text()
        assert "# Framework: lightgbm" in script  # the framework asked for, in every step
        summary = result.structured_content["summary"]
        assert summary["validation_status"] == "passed"
        assert summary["beats_baseline"] is True
        assert summary["metrics_test"] and summary["baseline_test"]
        assert "naive baseline" in text_of(result)

        result = await call(session, "resume_run", project=SLUG, decision="reject",
                            feedback="wrong population")  # fmt: skip
        final = result.structured_content
        assert final["stage"] == "rejected" and final["reason"] == "wrong population"
        assert "wrong population" in text_of(result)

    serve(tmp_path, client)


@pytest.mark.slow
def test_a_goal_fitting_two_columns_is_asked_with_its_candidates_and_the_choice_continues(tmp_path):
    two_targets_upstream(tmp_path)

    async def client(session):
        result = await call(session, "start_run", data_dir="output/loans/data", validate=False)
        assert not result.is_error, text_of(result)
        asked = result.structured_content
        assert asked["stage"] == "waiting" and asked["waiting_for"] == "target"
        assert [c["column"] for c in asked["candidates"]] == ["default_30d", "default_90d"]
        text = text_of(result)  # what a chat agent relays: the question, numbered, how to answer
        assert text.startswith("The goal 'predict default' leaves 2 columns plausible")
        assert "1. default_30d (its name reads the goal's words 'default')" in text
        assert "target=" in text and "--target COLUMN" in text

        wrong = await call(session, "resume_run", project="loans", decision="approve")
        assert wrong.is_error and "waiting for a target choice" in text_of(wrong)
        status = await call(session, "run_status", project="loans")
        assert "waiting for a target choice" in text_of(status)
        refused = await call(session, "resume_run", project="loans", target="the late one")
        assert refused.is_error and "neither a candidate" in text_of(refused)

        result = await call(session, "resume_run", project="loans", target="2")
        assert not result.is_error, text_of(result)
        design = result.structured_content
        assert design["waiting_for"] == "approval" and design["summary"]["target"] == "default_90d"
        assert "Approve before handing off to MLOps" in text_of(result)
        spec = await call(session, "read_deliverable", project="loans", name="feature-spec.md")
        assert "chosen by the person among the candidates" in text_of(spec)

    serve(tmp_path, client)


def test_a_run_started_over_mcp_is_answered_by_the_cli_and_the_other_way_round(tmp_path):
    data_dir = project(tmp_path)
    cli = [sys.executable, "-m", "ml_engineer"]

    async def start(session):
        result = await call(session, "start_run", data_dir=str(data_dir), validate=False)
        assert result.structured_content["thread_id"] == f"{SLUG}-1"

    serve(tmp_path, start)
    proc = subprocess.run(
        [*cli, "resume", str(data_dir), "--reject", "not now"], cwd=tmp_path,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The CLI's next run, paused without a terminal, takes the next thread id of the same scheme.
    proc = subprocess.run(
        [*cli, "run", str(data_dir), "--no-validate"], cwd=tmp_path, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr

    async def answer(session):
        first = await call(session, "run_status", project=SLUG, thread=f"{SLUG}-1")
        assert first.structured_content["stage"] == "rejected"
        assert first.structured_content["reason"] == "not now"
        result = await call(session, "resume_run", project=SLUG, decision="approve")
        final = result.structured_content
        assert final["thread_id"] == f"{SLUG}-2" and final["stage"] == "approved"

    serve(tmp_path, answer)


def test_mistakes_come_back_as_tool_errors_with_the_message(tmp_path):
    project(tmp_path)
    (tmp_path / "output" / "empty" / "data").mkdir(parents=True)

    async def client(session):
        result = await call(session, "start_run", data_dir="output/nowhere/data")
        assert result.is_error
        message = text_of(result)
        assert message.startswith("The data folder output/nowhere/data does not exist.")
        assert "Traceback" not in message
        assert result.structured_content["exit_code"] == 2

        result = await call(session, "start_run", data_dir="output/empty/data")
        assert result.is_error and "profile" in text_of(result)
        assert "Traceback" not in text_of(result)

        result = await call(session, "resume_run", project="nowhere", decision="approve")
        assert result.is_error and "No project 'nowhere'" in text_of(result)

        result = await call(session, "run_status", project=SLUG)
        assert result.is_error and "No run of" in text_of(result)

        result = await call(session, "read_deliverable", project=SLUG, name="monitoring-spec.md")
        assert result.is_error and "has not been written" in text_of(result)

        result = await call(session, "read_deliverable", project=SLUG, name="../data/data.csv")
        assert result.is_error and "not a deliverable" in text_of(result)
        assert "stateur" not in text_of(result)

        started = await call(session, "start_run", data_dir=f"output/{SLUG}/data", validate=False)
        assert not started.is_error
        result = await call(session, "resume_run", project=SLUG, decision="revise")
        assert result.is_error and "needs feedback" in text_of(result)
        status = (await call(session, "run_status", project=SLUG)).structured_content
        assert status["stage"] == "waiting"

    serve(tmp_path, client)


def test_a_raw_file_is_profiled_then_designed_over_mcp(tmp_path):
    """profile_data makes the analyst's folder from a bare CSV; start_run also takes the file
    itself, profiling it first. stdout stays the protocol: the progress lines are
    notifications, so the session survives both calls."""
    shutil.copy(EXAMPLES / SLUG / "data" / "data.csv", tmp_path / "claims.csv")

    async def client(session):
        made = await call(session, "profile_data", path="claims.csv", target="ui")
        assert not made.is_error, text_of(made)
        assert made.structured_content["out_dir"] == "output/claims/data"
        assert made.structured_content["rows"] == 4877
        assert (tmp_path / "output/claims/data/eda-report.md").is_file()

        again = await call(session, "profile_data", path="claims.csv")
        assert again.is_error and "--force" in text_of(again)

        goal = "predict whether a worker applies for insurance (ui)"
        started = await call(session, "start_run", data_dir="claims.csv", validate=False, goal=goal)
        assert not started.is_error, text_of(started)
        assert "Using the profile of claims.csv" in started.structured_content["log"][0]
        assert started.structured_content["summary"]["target"] == "ui"

    serve(tmp_path, client)


def test_the_readme_mcp_example_runs(tmp_path):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = re.search(r"(?ms)^### [^\n]*\bMCP\b.*?(?=^#{1,3} |\Z)", readme)
    if section is None:
        pytest.skip("README has no MCP section yet")
    code = re.search(r"(?ms)^```python\n(.*?)^```", section.group(0))
    assert code, "the README's MCP section has no python example"
    project(tmp_path)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("ML_ENGINEER_MODEL", None)
    proc = subprocess.run(
        [sys.executable, "-c", code.group(1)], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Approve before handing off to MLOps" in proc.stdout
    assert f"/mlops output/{SLUG}/ml" in proc.stdout
    assert (tmp_path / "output" / SLUG / "mlops" / "monitoring-spec.md").is_file()


def test_each_sub_skill_runs_alone_from_its_slash_command(tmp_path):
    data_dir = project(tmp_path)
    ml = data_dir.parent / "ml"

    async def client(session):
        result = await call(session, "run_step", command=f"/feature_spec_writer output/{SLUG}/data")
        assert not result.is_error, text_of(result)
        step = result.structured_content
        assert list(step["paths"]) == ["feature-spec.md"]
        assert step["next_slash"] == f"/training_script_generator output/{SLUG}/ml/feature-spec.md"
        for command in (step["next_slash"], f"/experiment_config_writer {ml / 'feature-spec.md'}"):
            result = await call(session, "run_step", command=command)
            assert not result.is_error, text_of(result)
        assert sorted(p.name for p in ml.iterdir()) == [
            "experiment-config.yaml", "feature-spec.md", "training_script.py",
        ]  # fmt: skip
        result = await call(session, "run_step", command=f"/retrain_pipeline_spec {ml}")
        assert not result.is_error and "retrain-pipeline.md" in text_of(result)
        bad = await call(session, "run_step", command="/training_script_generator")
        assert bad.is_error and "Usage: /training_script_generator" in text_of(bad)
        whole = await call(session, "run_step", command=f"/ml_engineer output/{SLUG}/data")
        assert whole.is_error and "start_run" in text_of(whole)

    serve(tmp_path, client)
