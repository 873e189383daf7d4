"""The run as a conversation: the `messages` that LangGraph Studio and the Agent Chat UI show.

Nothing here changes what a run does. Each node's new checkpoint lines (its update's `log`, or
`mlops_log` in the mlops stage) become one AI message named after the node. A question is
said by the node before the one that asks it (a node cannot write before its `interrupt()`, and
re-runs from its start on resume, so a message it built there would be lost or repeated): the
approval question by `validate`, the target question by `feature_spec_writer` (or by
`choose_target` itself when it asks again). The asking node adds the person's answer as a human
message.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.types import Command

QUESTION_NAME = "approval"
TARGET_QUESTION_NAME = "target_question"  # the message asking which column to predict

# (the state the node read, its update, its runtime) -> messages said after its lines
Then = Callable[[Any, dict, Any], list[AnyMessage]]


def speaking(node: Callable, log_key: str = "log", then: Then | None = None) -> Callable:
    """The node, with its new checkpoint lines also returned as one AI message, followed by
    `then(state, update, runtime)`'s messages when given.

    `functools.wraps` keeps the node's name, signature and annotations, from which langgraph
    reads the node's name, what to inject (`runtime`) and a Command's destinations.
    """

    @functools.wraps(node)
    def run(state: Any, *args: Any, **kwargs: Any) -> Any:
        update = with_message(node.__name__, node(state, *args, **kwargs), log_key)
        values = update.update if isinstance(update, Command) else update
        if then is None or not isinstance(values, dict):
            return update
        extra = then(state, values, kwargs.get("runtime"))
        if not extra:
            return update
        values = {**values, "messages": [*values.get("messages", []), *extra]}
        return dataclasses.replace(update, update=values) if isinstance(update, Command) else values

    return run


def with_message(node: str, update: Any, log_key: str = "log") -> Any:
    """`update` (a dict or a Command) plus an AI message of the lines it adds to `log_key`,
    after the messages the node wrote itself (the person's answer comes before its outcome)."""
    values = update.update if isinstance(update, Command) else update
    if not isinstance(values, dict) or not values.get(log_key):
        return update
    message = AIMessage(content="\n".join(values[log_key]), name=node)
    values = {**values, "messages": [*values.get("messages", []), message]}
    if isinstance(update, Command):
        return dataclasses.replace(update, update=values)
    return values


def question_message(description: str, name: str = QUESTION_NAME) -> AIMessage:
    """A question (the approval's by default), as the chat shows it just before the run stops
    for the answer; `name` tells a typed reply which question it answers."""
    return AIMessage(content=description, name=name)


def answer_message(answer: object, decision: Any) -> HumanMessage:
    """The person's answer as they gave it: their words, or what a structured answer decided
    (a HITL "respond" is its message; "edit" and "reject" say so, with any words given)."""
    if isinstance(answer, str):
        return HumanMessage(content=answer.strip())
    if decision.decision == "revise" and not decision.edited and decision.feedback:
        return HumanMessage(content=decision.feedback)
    words = "edit the design" if decision.edited else decision.decision
    detail = decision.reason if decision.decision == "reject" else decision.feedback
    return HumanMessage(content=f"{words}: {detail}" if detail else words)
