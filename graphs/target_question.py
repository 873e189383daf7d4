"""The target question: which column to predict, when the goal's words leave several plausible.

What the `choose_target` node (graphs/approval.py, with the other node that asks a person) sends
to `interrupt()` and how it reads the answer. Kept beside that module, as approval_summary.py is
for the approval, so the node stays a few lines and the answers can be tested without a graph.

The request has langchain's human-in-the-loop shape (`action_requests` / `review_configs`), so
LangGraph Studio and Agent Inbox render it. The answer is a column name, a candidate's 1-based
number (as text or an int), `{"target": column}`, or a HITL decision: respond (its message is
the answer), edit (its args' `target`), reject (ends the run like a rejected design). Column
names come from the data: an answer is taken only when it is a candidate or a column of the
profile, and is otherwise refused with a one-line note and asked again.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AnyMessage
from pydantic import BaseModel, Field

from ml_engineer.errors import TargetUnclear
from ml_engineer.graphs.messages import TARGET_QUESTION_NAME, question_message
from ml_engineer.models import TargetCandidate
from ml_engineer.planning.review import closest

ACTION = "choose_target"
ALLOWED_DECISIONS = ["edit", "respond", "reject"]


class TargetQuestion(BaseModel):
    """What the person is asked, kept in the state while the question waits."""

    goal: str = Field(description="The goal sentence whose words fit several columns.")
    candidates: list[TargetCandidate] = Field(description="Best first.")
    message: str = Field(
        description="TargetUnclear's paragraph: what to print where no one can be asked."
    )
    columns: list[str] = Field(
        default_factory=list, description="The profile's columns: any of them may be chosen."
    )
    note: str | None = Field(None, description="Why the last answer was refused, if it was.")

    def numbered(self, separator: str = ", ", *, reasons: bool = False) -> str:
        """`1. default_30d, 2. default_90d`: the candidates as the person picks them."""
        return separator.join(
            f"{i}. {c.column}" + (f" ({c.reason})" if reasons else "")
            for i, c in enumerate(self.candidates, 1)
        )

    @property
    def text(self) -> str:
        """The question in one sentence."""
        return (
            f"The goal {self.goal or '(none given)'!r} leaves {len(self.candidates)} columns "
            "plausible as the target. Which one should the model predict?"
        )


class TargetAnswer(BaseModel):
    """A readable answer: a column, or a rejection of the run."""

    target: str | None = None
    reject: bool = False
    reason: str | None = None


class RefusedAnswer(ValueError):
    """An answer that names no candidate and no column; its message is the one-line note."""


def question_from(unclear: TargetUnclear, columns: list[str]) -> TargetQuestion:
    return TargetQuestion(
        goal=unclear.goal,
        candidates=[TargetCandidate.model_validate(c) for c in unclear.candidates],
        message=unclear.message,
        columns=columns,
    )


def is_target_question(payload: dict | None) -> bool:
    """Whether an interrupt payload is this question (else it is the approval)."""
    try:
        return payload["action_requests"][0]["name"] == ACTION  # type: ignore[index]
    except (TypeError, KeyError, IndexError):
        return False


def question_of(payload: dict) -> TargetQuestion:
    """The question inside an interrupt payload (as a surface reads it back)."""
    args = payload["action_requests"][0]["args"]
    return TargetQuestion.model_validate({**args, "goal": args.get("goal") or ""})


def target_request(question: TargetQuestion) -> dict[str, Any]:
    """The interrupt payload: langchain's HITLRequest, plus the question in plain words."""
    numbered = "\n".join(
        f"{i}. {c.column}: {c.reason}" for i, c in enumerate(question.candidates, 1)
    )
    description = (
        (f"{question.note}\n\n" if question.note else "")
        + f"{question.text}\n\n{numbered}\n\nrespond with a number or a column name (any column "
        "of the profile may be chosen); edit: set `target`; reject: stop the run."
    )
    args = {
        "question": question.text,
        "goal": question.goal,
        "candidates": [c.model_dump(mode="json") for c in question.candidates],
        "note": question.note,
        "message": question.message,
        "target": "",  # the field an edit fills in (Agent Inbox shows args as a form)
    }
    return {
        "question": question.text,
        "action_requests": [{"name": ACTION, "args": args, "description": description}],
        "review_configs": [{"action_name": ACTION, "allowed_decisions": ALLOWED_DECISIONS}],
    }


def read_target_answer(answer: object, question: TargetQuestion) -> TargetAnswer:
    """The column the person chose (or their rejection); RefusedAnswer says why not."""
    if isinstance(answer, dict) and "decisions" in answer:
        decisions = answer["decisions"]
        if not isinstance(decisions, list) or len(decisions) != 1:
            raise RefusedAnswer("Expected exactly one decision for the one question.")
        answer = decisions[0]
    if isinstance(answer, dict) and "type" in answer:
        kind = answer.get("type")
        if kind == "reject":
            return TargetAnswer(reject=True, reason=answer.get("message") or None)
        if kind == "respond":
            answer = answer.get("message")
        elif kind == "edit":
            answer = _edited_target(answer)
        else:
            raise RefusedAnswer(
                f"A {kind!r} decision does not say which column: respond with a number or a "
                "column name, edit `target`, or reject."
            )
    elif isinstance(answer, dict) and answer.get("decision") == "reject":
        return TargetAnswer(reject=True, reason=answer.get("reason") or None)
    elif isinstance(answer, dict) and "target" in answer:
        answer = answer["target"]
    return TargetAnswer(target=_column(answer, question))


def _edited_target(decision: dict) -> object:
    """The `target` an edit decision set; None when its shape holds none (Studio's payloads
    are read as untrusted, never trusted to be well formed)."""
    action = decision.get("edited_action")
    args = action.get("args") if isinstance(action, dict) else None
    return args.get("target") if isinstance(args, dict) else None


def _column(answer: object, question: TargetQuestion) -> str:
    names = [c.column for c in question.candidates]
    choices = f"1-{len(names)}" if len(names) > 1 else "1"
    if isinstance(answer, int) and not isinstance(answer, bool):
        answer = str(answer)
    if not isinstance(answer, str) or not answer.strip():
        raise RefusedAnswer(f"No column was named: answer a number ({choices}) or a column name.")
    text = answer.strip()
    allowed = list(dict.fromkeys([*names, *question.columns]))
    for given in (answer, text):
        if given in allowed:
            return given  # a column's own name first: a column may be called `2020`
    if text.isdigit():
        if 1 <= int(text) <= len(names):
            return names[int(text) - 1]
        raise RefusedAnswer(f"There is no choice {text}: answer a number ({choices}).")
    folded = [n for n in allowed if n.casefold() == text.casefold()]
    if len(folded) == 1:
        return folded[0]
    raise RefusedAnswer(
        f"{text[:80]!r} is neither a candidate nor a column of the profile.{closest(text, allowed)}"
        f" Answer a number ({choices}) or a column name."
    )


def answer_words(answer: object) -> str:
    """The person's answer as the chat shows it: their words, or what a structured answer said."""
    if isinstance(answer, str | int) and not isinstance(answer, bool):
        return str(answer).strip()
    if isinstance(answer, dict) and isinstance(answer.get("decisions"), list):
        answer = answer["decisions"][0] if len(answer["decisions"]) == 1 else answer
    if isinstance(answer, dict):
        kind = answer.get("type") or answer.get("decision")
        if kind == "respond":
            return str(answer.get("message") or "").strip()
        if kind == "reject":
            reason = answer.get("message") or answer.get("reason")
            return f"reject: {reason}" if reason else "reject"
        if kind == "edit":
            return f"target: {_edited_target(answer)}"
        if "target" in answer:
            return f"target: {answer['target']}"
    return str(answer)


def chosen_reason(column: str, question: TargetQuestion) -> str:
    """The spec's target reason for a person's choice."""
    named = ", ".join(f"`{c.column}`" for c in question.candidates)
    if column in {c.column for c in question.candidates}:
        return f"chosen by the person among the candidates {named}"
    return f"chosen by the person, rather than the candidates {named}"


def target_question_said(state: Any, update: dict, runtime: Any) -> list[AnyMessage]:
    """The target question as a chat message, when the node's update asks it (`speaking`'s
    `then`): the node that asks cannot write before its `interrupt()`."""
    asked = update.get("target_question")
    if not asked:
        return []
    request = target_request(TargetQuestion.model_validate(asked))
    return [question_message(request["action_requests"][0]["description"], TARGET_QUESTION_NAME)]
