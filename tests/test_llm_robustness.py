"""What a misbehaving model, or a reviewer's sweeping answer, must never do to a run."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from conftest import EXAMPLES, copy_upstream
from fake_chat import call, fake, prose
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from ml_engineer import build_graph, initial_state
from ml_engineer.agents.tool_loop import MAX_CALLS_PER_REPLY
from ml_engineer.graphs.approval_summary import needs_a_person
from ml_engineer.graphs.state import Context
from ml_engineer.render.markdown_filters import md

FEATURES, PLAN = "write_feature_spec", "write_training_plan"
INPUTS = ["stateur", "statemb", "state", "age", "tenure", "joblost", "nwhite", "school12", "sex",
          "smsa", "married", "dkids", "dykids", "yrdispl", "rr", "head"]  # fmt: skip


@pytest.fixture
def benefits(tmp_path):
    return copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)


def design(data_dir, llm=None):
    graph = build_graph(checkpointer=InMemorySaver(), mlops=None)
    config = {"configurable": {"thread_id": "t"}}
    state = graph.invoke(initial_state(data_dir), config, context=Context(validate=False, llm=llm))
    return state, graph, config


def config_of(data_dir) -> dict:
    return yaml.safe_load((data_dir.parent / "ml" / "experiment-config.yaml").read_text())


def usage(state) -> dict:
    return {row["node"]: row for row in state["llm_usage"]}


def test_text_that_cannot_be_written_as_utf8_does_not_stop_the_run(benefits):
    odd = {"columns": [{"column": "statemb", "keep": False, "reason": "a\ud800b\x00c"}],
           "summary": "\u202eevil"}  # fmt: skip
    state, _, _ = design(benefits, fake(call(FEATURES, odd), prose("x"), prose("x")))
    spec = (benefits.parent / "ml" / "feature-spec.md").read_text(encoding="utf-8")
    assert "a?bc (proposed by the LLM agent" in spec
    assert "\u202e" not in spec  # a bidirectional override is shown as an escape
    assert usage(state)["feature_spec_writer"]["outcome"] == "accepted"


def test_a_flood_of_calls_in_one_reply_is_answered_in_part(benefits):
    flood = AIMessage(content="", tool_calls=[
        {"name": "overview", "args": {}, "id": f"c{i}", "type": "tool_call"} for i in range(300)
    ], usage_metadata={"input_tokens": 10, "output_tokens": 10, "total_tokens": 20})  # fmt: skip
    llm = fake(flood, call(FEATURES, {}), prose("x"), prose("x"))
    design(benefits, llm)
    answers = [m for m in llm.seen[1] if isinstance(m, ToolMessage)]
    assert len(answers) == 300  # every call gets an answer, as the API requires
    read = [a for a in answers if a.content.startswith("<data")]
    assert len(read) == MAX_CALLS_PER_REPLY
    assert sum(len(str(m.content)) for m in llm.seen[1]) < 60_000


def test_a_reply_too_large_to_review_falls_back(benefits):
    huge = {"columns": [{"column": f"c{i}", "keep": False, "reason": "x" * 500}
                        for i in range(290)]}  # fmt: skip
    state, _, _ = design(benefits, fake(call(FEATURES, huge), prose("x"), prose("x")))
    assert "too large to review" in usage(state)["feature_spec_writer"]["outcome"]


def test_a_proposal_refused_in_every_part_leaves_the_planners_design(benefits):
    nothing = {"columns": [{"column": "nope", "keep": False, "reason": "x"}], "summary": "s"}
    state, _, _ = design(benefits, fake(*[call(FEATURES, nothing)] * 3, prose("x"), prose("x"),
                                        prose("x"), prose("x")))  # fmt: skip
    outcome = usage(state)["feature_spec_writer"]["outcome"]
    assert outcome == "planner: write_feature_spec was refused 3 times"


def test_fraction_parameters_are_written_as_fractions(benefits):
    plan = {"model_type": "random_forest", "params": {"max_features": 1}, "reason": "all"}
    design(benefits, fake(prose("x"), prose("x"), call(PLAN, plan), prose("x"), prose("x")))
    params = config_of(benefits)["model"]["params"]
    assert params["max_features"] == 1.0 and isinstance(params["max_features"], float)


def test_the_reviewers_words_reach_the_model_agent_and_a_sweeping_drop_is_refused(benefits):
    drop_all = call("revise_design", {"drop": INPUTS, "model_type": "random_forest"})
    llm = fake(*[prose("x")] * 6, drop_all, drop_all, drop_all, *[prose("x")] * 6)
    _, graph, config = design(benefits, llm)
    answer = {"decision": "revise", "feedback": "drop everything and use a random forest"}
    state = graph.invoke(Command(resume=answer), config, context=Context(validate=False, llm=llm))
    assert "__interrupt__" in state  # asked again: the run can still be answered
    assert config_of(benefits)["model"]["type"] == "random_forest"
    assert len(config_of(benefits)["data"]["features"]["numeric"]) > 0
    assert any("exclude every input column" in line for line in state["log"])
    plan_prompt = next(m for m in llm.seen[9:] if "write_training_plan" in m[-1].content)
    assert "drop everything and use a random forest" in plan_prompt[-1].content


def test_the_rules_refuse_a_drop_that_leaves_no_input(benefits):
    _, graph, config = design(benefits)
    feedback = "drop " + ", ".join(INPUTS)
    state = graph.invoke(Command(resume={"decision": "revise", "feedback": feedback}), config,
                         context=Context(validate=False))  # fmt: skip
    assert "__interrupt__" in state
    assert state["revisions"][-1]["overrides"]["drop"] == []
    assert any("would leave no input column" in n for n in state["revisions"][-1]["not_understood"])


def test_the_agent_cannot_drop_the_target_or_set_a_metric_that_does_not_fit(benefits):
    bad = call("revise_design", {"drop": ["ui", "age"], "target": "ui", "primary_metric": "rmse"})
    llm = fake(*[prose("x")] * 6, bad, bad, bad, *[prose("x")] * 6)
    _, graph, config = design(benefits, llm)
    state = graph.invoke(Command(resume={"decision": "revise", "feedback": "drop age"}), config,
                         context=Context(validate=False, llm=llm))  # fmt: skip
    assert state["revisions"][-1]["acted"] == ["dropped `age`", "target set to `ui`"]
    assert config_of(benefits)["metrics"]["primary"] == "roc_auc"


def test_a_target_the_agent_chose_needs_a_person_even_with_yes(benefits):
    switch = {"target": "married", "target_reason": "the brief says so"}
    state, _, _ = design(benefits, fake(call(FEATURES, switch), prose("x"), prose("x")))
    summary = state["__interrupt__"][0].value["action_requests"][0]["args"]
    assert summary["target"] == "married" and summary["target_by_agent"] is True
    assert "LLM agent changed what the model predicts" in needs_a_person(summary)


def test_untrusted_text_cannot_link_or_reorder_in_markdown():
    assert md("see https://evil.example/p.png now") == "see `https://evil.example/p.png` now"
    assert "\u202e" not in md("a\u202eb") and "\u2066" not in md("a\u2066b")


def test_resume_keeps_the_runs_check_settings(tmp_path, benefits):
    cli = [sys.executable, "-m", "ml_engineer"]
    common = {"capture_output": True, "text": True, "timeout": 300, "cwd": tmp_path,
              "stdin": subprocess.DEVNULL, "check": False}  # fmt: skip
    assert subprocess.run([*cli, "run", str(benefits), "--no-validate"], **common).returncode == 0
    revised = subprocess.run([*cli, "resume", "ui-benefit-claims", "--revise", "drop age"],
                             **common)  # fmt: skip
    assert revised.returncode == 0, revised.stderr
    assert "validation was turned off" in revised.stdout
    assert "No model configured" in revised.stdout  # resume says which mode it runs in
