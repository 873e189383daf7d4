"""The person's reply at the chat's approval question, read by a small LLM agent.

With a chat model, one agent (one write tool, no reads) classifies the reply as approve,
revise (with the change in the person's words), reject (with the reason) or unclear. The rules
of ml_engineer.plain_answers stay the guard: the agent's approval is taken only when the rules
see nothing that holds it back ("not yet", "no", a change, "yeah right", "looks good 🤔"). An
agent that says unclear holds back the rules' approval too (a handoff needs both to see a clear
yes); it leaves a change or a rejection to the rules. An agent that fails leaves the reading to
the rules. When they cannot tell either, the chat asks again.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ml_engineer import plain_answers
from ml_engineer.agents.prompts import system_prompt
from ml_engineer.agents.tool_loop import AgentResult, AgentSession, WriteTool, run_agent
from ml_engineer.agents.untrusted import as_data
from ml_engineer.planning.review import Review

NODE = "answer_reader"
WRITE = "record_answer"


class AnswerReading(BaseModel):
    """What the person's reply to the approval question means."""

    decision: Literal["approve", "revise", "reject", "unclear"]
    feedback: str | None = Field(
        None,
        max_length=2000,
        description="revise: the change asked for, in the person's own words, without lead-ins "
        "like 'yes but'",
    )
    reason: str | None = Field(
        None, max_length=500, description="reject: the person's reason, if they gave one"
    )


def read_reply(text: str, session: AgentSession | None) -> tuple[dict | None, AgentResult | None]:
    """The resume answer for `text` ({"decision": ...}), or None to ask again; and the agent's
    run (None when the rules read it alone: no model, or nothing typed)."""
    rules = plain_answers.read_answer(text)
    if session is None or not text.strip():
        return rules, None
    result = run_agent(
        session,
        node=NODE,
        system=system_prompt(NODE),
        # The reply is data to classify: typed words must not steer the agent into approving.
        task=f"The person's reply to the approval question:\n\n{as_data('reply', text)}\n\n"
        f"Call {WRITE} once.",
        reads=[],
        write=WriteTool(
            WRITE,
            "What the reply means: approve, revise, reject or unclear.",
            AnswerReading,
            _review,
        ),  # fmt: skip
    )
    reading = result.proposal
    return combine(text, reading if isinstance(reading, AnswerReading) else None, rules), result


def combine(text: str, reading: AnswerReading | None, rules: dict | None) -> dict | None:
    """The agent's reading, checked against the rules'. When one of them approves and the
    other reads something else (unclear included), the person is asked again: a handoff needs
    a clear yes."""
    if reading is None:
        return rules
    if reading.decision == "unclear":
        return None if rules and rules["decision"] == "approve" else rules
    if reading.decision == "approve":
        held_back = plain_answers.refuses_approval(text)
        return None if held_back or (rules and rules["decision"] != "approve") else dict(
            plain_answers.APPROVE
        )  # fmt: skip
    if rules and rules["decision"] == "approve":
        return None
    if reading.decision == "revise":
        feedback = (reading.feedback or "").strip() or plain_answers.feedback_of(text)
        return {"decision": "revise", "feedback": feedback}
    return {"decision": "reject", "reason": (reading.reason or "").strip() or None}


def _review(reading: AnswerReading) -> Review:
    if reading.decision == "approve" and (reading.feedback or "").strip():
        return Review(
            problems=[
                "An approval carries no feedback: if the person asked for a change, the "
                "decision is revise; if they only agreed, leave feedback empty."
            ],
            accepted=None,
        )
    return Review(problems=[], accepted=reading)
