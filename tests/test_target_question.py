"""When the goal's words fit two or more columns, the run asks the person which to predict.

The graph's question (the Python API, as LangGraph Studio sees it), the answers it takes and
refuses, and the CLI where no one can be asked, or an agent is asked through `--json`. The
terminal, MCP, chat and LangGraph server surfaces are tested beside their approval tests.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from upstream_builders import two_targets_upstream

from ml_engineer import build_graph, initial_state
from ml_engineer.graphs.state import Context
from ml_engineer.graphs.target_question import RefusedAnswer, TargetQuestion, read_target_answer
from ml_engineer.models import TargetCandidate

CANDIDATES = ["default_30d", "default_90d"]
NO_CHECK = Context(validate=False)


def question(note: str | None = None) -> TargetQuestion:
    return TargetQuestion(
        goal="predict default",
        candidates=[TargetCandidate(column=c, score=5.0, reason="matched") for c in CANDIDATES],
        message="The goal matches several columns. Say which one with --target.",
        columns=["loan_id", "income", "grade", *CANDIDATES],
        note=note,
    )


# -- the answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, column",
    [
        ("2", "default_90d"), (" 1 ", "default_30d"), (2, "default_90d"),
        ("default_90d", "default_90d"), ("DEFAULT_30D", "default_30d"), ("grade", "grade"),
        ({"target": "default_30d"}, "default_30d"), ({"target": 2}, "default_90d"),
        ({"decisions": [{"type": "respond", "message": "default_90d"}]}, "default_90d"),
        ({"type": "edit", "edited_action": {"name": "choose_target",
                                            "args": {"target": "income"}}}, "income"),
    ],
)  # fmt: skip
def test_a_number_a_name_or_a_hitl_decision_chooses_the_target(answer, column):
    assert read_target_answer(answer, question()).target == column


@pytest.mark.parametrize(
    "answer, said",
    [
        ("", "No column was named"), ("3", "There is no choice 3"), (0, "There is no choice 0"),
        ("default", "neither a candidate nor a column"), (True, "No column was named"),
        ('x"); import os; #', "neither a candidate nor a column"),
        ({"decisions": [{"type": "approve"}]}, "does not say which column"),
        ({"decisions": []}, "exactly one decision"), ({"target": None}, "No column was named"),
        ({"type": "edit", "edited_action": "target=x"}, "No column was named"),
        ({"type": "respond", "message": ["default_30d"]}, "No column was named"),
    ],
)  # fmt: skip
def test_anything_else_is_refused_with_a_one_line_reason(answer, said):
    with pytest.raises(RefusedAnswer) as refused:
        read_target_answer(answer, question())
    assert said in str(refused.value) and "\n" not in str(refused.value)


def test_a_column_called_like_a_number_is_chosen_by_its_name():
    asked = question().model_copy(update={"columns": ["2020", *CANDIDATES]})
    assert read_target_answer("2020", asked).target == "2020"
    assert read_target_answer("2", asked).target == "default_90d"


def test_a_near_miss_is_named_and_a_reject_decision_stops():
    with pytest.raises(RefusedAnswer, match="Did you mean 'default_30d'"):
        read_target_answer("default_30", question())
    choice = read_target_answer({"decisions": [{"type": "reject", "message": "wrong data"}]},
                                question())  # fmt: skip
    assert choice.reject and choice.reason == "wrong data" and choice.target is None


# -- the graph (the Python API) ------------------------------------------------------------------


@pytest.fixture
def loans(tmp_path):
    return two_targets_upstream(tmp_path)


def start(data_dir, **request):
    graph = build_graph(checkpointer=InMemorySaver(), mlops=None)
    config = {"configurable": {"thread_id": "loans-1"}}
    result = graph.invoke(initial_state(data_dir, **request), config, context=NO_CHECK)
    return graph, config, result


def asked(result) -> dict:
    """The interrupt's payload, checked to be the target question."""
    (interrupt,) = result["__interrupt__"]
    request = interrupt.value["action_requests"][0]
    assert request["name"] == "choose_target", request["name"]
    return interrupt.value


def test_the_question_is_an_interrupt_with_the_candidates_and_the_choice_is_honoured(loans):
    graph, config, result = start(loans)
    payload = asked(result)
    args = payload["action_requests"][0]["args"]
    assert [c["column"] for c in args["candidates"]] == CANDIDATES
    assert args["goal"] == "predict default" and "--target" in args["message"]
    assert payload["review_configs"][0]["allowed_decisions"] == ["edit", "respond", "reject"]
    assert "1. default_30d" in payload["action_requests"][0]["description"]
    ml_dir = loans.parent / "ml"
    assert not (ml_dir / "feature-spec.md").exists()  # nothing is written before the choice
    # Studio's chat shows the question as the last message, said before the interrupt.
    assert result["messages"][-1].name == "target_question"

    result = graph.invoke(Command(resume="7"), config, context=NO_CHECK)
    note = asked(result)["action_requests"][0]["args"]["note"]
    assert note == "There is no choice 7: answer a number (1-2)."

    result = graph.invoke(Command(resume={"target": "default_90d"}), config, context=NO_CHECK)
    approval = result["__interrupt__"][0].value["action_requests"][0]
    assert approval["name"] == "approve_ml_design" and approval["args"]["target"] == "default_90d"
    assert result["request"]["target"] == "default_90d" and result["target_question"] is None
    spec = (ml_dir / "feature-spec.md").read_text()
    assert "`default_90d`: chosen by the person among the candidates `default_30d`" in spec
    said = [m.content for m in result["messages"] if isinstance(m, HumanMessage)]
    assert said == ["7", "target: default_90d"]


def test_a_column_that_cannot_be_the_target_is_asked_about_again_with_the_reason(loans):
    graph, config, _ = start(loans)
    result = graph.invoke(Command(resume="loan_id"), config, context=NO_CHECK)
    note = asked(result)["action_requests"][0]["args"]["note"]
    assert note.startswith("`loan_id` cannot be the target:") and "distinct values" in note
    assert result["request"]["target"] is None
    result = graph.invoke(Command(resume="1"), config, context=NO_CHECK)
    assert result["feature_spec"]["target"]["column"] == "default_30d"


def test_a_reject_ends_the_run_without_writing_anything(loans):
    graph, config, _ = start(loans)
    reject = {"decisions": [{"type": "reject", "message": "wrong extract"}]}
    result = graph.invoke(Command(resume=reject), config, context=NO_CHECK)
    assert "__interrupt__" not in result
    assert result["decision"] == {"decision": "reject", "reason": "wrong extract"}
    assert result["log"][-1].endswith("nothing was written. Reason: wrong extract")
    assert not (loans.parent / "ml" / "feature-spec.md").exists()
    assert graph.get_state(config).next == ()


def test_an_answer_typed_in_the_chat_answers_the_waiting_question(loans):
    graph, config, _ = start(loans)
    result = graph.invoke({"messages": [HumanMessage("Default_30D")]}, config, context=NO_CHECK)
    assert result["__interrupt__"][0].value["action_requests"][0]["name"] == "approve_ml_design"
    assert result["feature_spec"]["target"]["column"] == "default_30d"
    # A typed answer that names nothing is asked again, and the next typed one is read.
    graph, config, _ = start(loans)
    result = graph.invoke({"messages": [HumanMessage("the late one")]}, config, context=NO_CHECK)
    assert "neither a candidate" in asked(result)["action_requests"][0]["args"]["note"]
    result = graph.invoke({"messages": [HumanMessage("2")]}, config, context=NO_CHECK)
    assert result["feature_spec"]["target"]["column"] == "default_90d"


def test_an_explicit_target_is_never_questioned(loans):
    _, _, result = start(loans, target="default_90d")
    request = result["__interrupt__"][0].value["action_requests"][0]
    assert request["name"] == "approve_ml_design" and request["args"]["target"] == "default_90d"
    assert result["feature_spec"]["goal"]["target_reason"] == "named with --target"


# -- the CLI where no one can be asked, and over --json ------------------------------------------


def cli(cwd, *args):
    proc = subprocess.run(
        [sys.executable, "-m", "ml_engineer", *args], capture_output=True, text=True,
        timeout=300, stdin=subprocess.DEVNULL, check=False, cwd=cwd,
    )  # fmt: skip
    return proc


def paragraph(text: str) -> str:
    """The error panel's text as one line: its borders and wrapping taken out."""
    return " ".join(text.replace("│", " ").split())


def events_of(proc) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.splitlines()]


@pytest.mark.slow
def test_no_one_to_ask_is_exit_4_with_the_candidates_then_target_just_works(tmp_path, loans):
    for extra in ([], ["--yes"]):  # no terminal (stdin is /dev/null), then --yes
        proc = cli(tmp_path, "run", str(loans), "--no-validate", *extra)
        assert proc.returncode == 4, proc.stdout + proc.stderr
        assert "error (exit 4)" in proc.stderr and "Traceback" not in proc.stderr
        message = paragraph(proc.stderr)
        assert "`default_30d`" in message and "`default_90d`" in message
        assert "--target default_30d" in message
        assert not (loans.parent / "ml" / "feature-spec.md").exists()
    # The paused run does not stand in the way of a new one that names the target.
    proc = cli(tmp_path, "run", str(loans), "--no-validate", "--target", "default_90d", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert "Target:** `default_90d`" in (loans.parent / "ml" / "feature-spec.md").read_text()


@pytest.mark.slow
def test_an_agent_answers_the_question_event_from_another_process(tmp_path, loans):
    proc = cli(tmp_path, "run", str(loans), "--no-validate", "--json")
    assert proc.returncode == 0, proc.stderr
    events = events_of(proc)
    question = events[-1]
    assert question["event"] == "question" and question["kind"] == "target"
    assert question["thread_id"] == events[0]["thread_id"] == "loans-1"
    assert [c["column"] for c in question["candidates"]] == CANDIDATES
    assert question["candidates"][0]["reason"] and question["note"] is None
    assert question["question"].startswith("The goal 'predict default' leaves 2 columns")
    assert question["payload"]["action_requests"][0]["name"] == "choose_target"
    answer = question["answer"]["target"]
    assert answer.endswith("--target <column> --json")

    status = events_of(cli(tmp_path, "status", "loans", "--json"))[0]
    assert status["stage"] == "waiting" and status["waiting_for"] == "target"
    assert status["answer"]["target"].endswith("--target <column> --json")

    # The approval's flags are refused at this question, saying what is asked (exit 2).
    proc = cli(tmp_path, "resume", "loans", "--approve", "--json")
    assert proc.returncode == 2
    (error,) = events_of(proc)[-1:]
    assert error["event"] == "error" and "waiting for a target choice" in error["message"]
    assert "--target COLUMN" in error["message"]
    # A column the profile lacks is refused with the reason; the question still waits.
    proc = cli(tmp_path, *shlex.split(answer.replace("<column>", "late"))[1:])
    assert proc.returncode == 2 and "neither a candidate" in events_of(proc)[-1]["message"]

    proc = cli(tmp_path, *shlex.split(answer.replace("<column>", "2"))[1:])
    assert proc.returncode == 0, proc.stderr
    events = events_of(proc)
    assert events[0]["event"] == "resumed" and events[-1]["event"] == "approval"
    assert events[-1]["summary"]["target"] == "default_90d"
    spec = (loans.parent / "ml" / "feature-spec.md").read_text()
    assert "chosen by the person among the candidates `default_30d`, `default_90d`" in spec

    # And the other way round: --target at the approval is refused.
    proc = cli(tmp_path, "resume", "loans", "--target", "default_30d")
    assert proc.returncode == 2 and "waiting for the approval" in paragraph(proc.stderr)
