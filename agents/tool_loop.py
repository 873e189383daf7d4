"""The bounded tool-calling loop every sub-skill agent runs.

The model reads the inputs through read tools and proposes through one write tool whose
argument is a pydantic model. Each proposal is reviewed by the planner's rules: a refusal goes
back to the model as the tool's answer, so it can correct itself; after MAX_REFUSALS refusals
the parts the rules allow are taken and the planner's decisions stand for the rest (or for all,
when nothing is allowed). Anything else that goes wrong (errors after the client's retries, a
spent budget, prose instead of a tool call, malformed calls, too many turns, even a fault in a
tool) ends the loop with no proposal: the node falls back to the planner. A model that
misbehaves never stops a run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ValidationError

from ml_engineer.agents.redaction import redact_keys, redact_secrets
from ml_engineer.agents.untrusted import as_data
from ml_engineer.agents.usage import Budget, NodeUsage
from ml_engineer.planning.review import Review

MAX_TURNS = 12  # model calls per node: reads, one proposal, a few corrections
MAX_REFUSALS = 2  # refused proposals before the allowed parts are taken as they are
# Message text kept per request: older read results are elided beyond it (never the newest),
# and one read result is cut at MAX_RESULT_CHARS. With the tool schemas and JSON escaping, a
# request body stays under 48,000 characters (about 12,000 tokens).
MAX_REQUEST_CHARS = 28_000
MAX_RESULT_CHARS = 12_000
MAX_CALLS_PER_REPLY = 8  # tool calls answered from one reply; the rest are told to wait
MAX_REPLY_CHARS = 40_000  # a reply larger than this is not a proposal anyone can review
MAX_OUTPUT_TOKENS = 4_096  # per reply, when a budget is set: one reply cannot overshoot it
MAX_NOTES = 10  # refused parts listed one by one; the rest are counted
ELIDED = "[elided to keep the request small: call the tool again if you still need it]"


@dataclass
class ReadTool:
    name: str
    description: str
    args: type[BaseModel]
    run: Callable[[Any], str]
    source: str = ""  # what the answer is read from, shown in the <data> element


@dataclass
class WriteTool:
    name: str
    description: str
    args: type[BaseModel]
    review: Callable[[Any], Review]


@dataclass
class AgentSession:
    """What a node needs to run its agent: the model, the budget, what the run spent so far."""

    llm: Any
    model_name: str
    budget: Budget = field(default_factory=Budget)
    spent_before: list[NodeUsage] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)  # masked in every line the loop writes


@dataclass
class AgentResult:
    proposal: BaseModel | None  # None: the planner decides alone
    usage: NodeUsage
    node: str = ""
    notes: list[str] = field(default_factory=list)  # for the deliverable: what was not taken
    log: list[str] = field(default_factory=list)  # for the run's log, as it happened


class _GiveUp(Exception):
    """Ends the loop: the node falls back to the planner, for the reason given."""


def run_agent(
    session: AgentSession,
    *,
    node: str,
    system: str,
    task: str,
    reads: list[ReadTool],
    write: WriteTool,
) -> AgentResult:
    result = AgentResult(proposal=None, usage=NodeUsage(model=session.model_name), node=node)
    try:
        result.proposal = _converse(session, result, system, task, reads, write)
    except _GiveUp as reason:
        _fall_back(result, str(reason))
    except Exception as error:  # a fault in a tool or a review: still never the run's end
        _fall_back(result, f"an internal error in the agent's tools ({_short(error)})")
    result.log = [redact_secrets(line, session.secrets) for line in result.log]
    result.notes = [redact_secrets(line, session.secrets) for line in result.notes]
    result.usage.outcome = redact_secrets(result.usage.outcome, session.secrets)
    return result


def _converse(session, result, system, task, reads, write) -> BaseModel:
    usage, node = result.usage, result.node
    tools = {t.name: t for t in reads}
    try:
        bound = session.llm.bind_tools([_schema(t) for t in [*reads, write]])
    except Exception as error:  # a model without tool calling cannot act as an agent
        raise _GiveUp(f"the model cannot call tools ({_short(error)})") from None
    messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(task)]
    prose = 0
    for _turn in range(MAX_TURNS):
        _elide_old_reads(messages)
        # The request's own size counts before it is sent (about 4 characters a token).
        spent = [*session.spent_before, usage]
        if reason := session.budget.exceeded(spent):
            raise _GiveUp(reason)
        request_tokens = sum(_chars(m) for m in messages) // 4
        if reason := session.budget.would_exceed(spent, request_tokens):
            raise _GiveUp(reason)
        left = session.budget.tokens_left([*spent, NodeUsage(input_tokens=request_tokens)])
        try:
            if left is None:
                reply = bound.invoke(messages)
            else:  # a budget: no single reply may run past it
                reply = bound.bind(max_tokens=max(1, min(MAX_OUTPUT_TOKENS, left))).invoke(messages)
        except Exception as error:  # after the client's own retries with backoff
            usage.calls += 1  # sent, maybe billed; its tokens are unknown
            raise _GiveUp(f"the model call failed: {_describe(error)}") from None
        usage.add(getattr(reply, "usage_metadata", None))
        if not isinstance(reply, AIMessage):
            raise _GiveUp("the model returned no message")
        if _chars(reply) > MAX_REPLY_CHARS:
            raise _GiveUp(
                f"the model's reply was too large to review ({_chars(reply):,} characters)"
            )
        reply = _clean(reply)
        messages.append(reply)
        if not reply.tool_calls and not reply.invalid_tool_calls:
            prose += 1
            if prose > 1:
                raise _GiveUp(f"the model answered in prose without calling {write.name}")
            messages.append(HumanMessage(f"Prose is not read. Call {write.name} now."))
            continue
        for i, bad in enumerate(reply.invalid_tool_calls):
            usage.refusals += 1
            name = str(bad.get("name"))[:60]
            result.log.append(f"{node}: refused a malformed call to {name!r}.")
            answer = (
                f"Your call to {name!r} could not be read: its arguments are not a valid "
                "JSON object. Send it again."
            )
            messages.append(ToolMessage(answer, tool_call_id=bad.get("id") or f"invalid_{i}"))
        proposed = False
        for i, call in enumerate(reply.tool_calls):
            if i >= MAX_CALLS_PER_REPLY:
                answer = f"Not run: at most {MAX_CALLS_PER_REPLY} calls are answered per message."
            elif call["name"] == write.name and proposed:
                answer = f"Not reviewed: one {write.name} per message; the first was reviewed."
            elif call["name"] == write.name:
                proposed = True
                taken, answer = _propose(write, call["args"], usage, result)
                if taken is not None:
                    return taken
            elif call["name"] in tools:
                answer = _read(tools[call["name"]], call["args"])
            else:
                known = ", ".join([*tools, write.name])
                answer = f"There is no tool {call['name'][:60]!r}; use one of: {known}."
            messages.append(ToolMessage(answer, tool_call_id=call.get("id") or f"call_{i}"))
        if usage.refusals > MAX_REFUSALS + 1:
            raise _GiveUp(f"the model's calls were refused or malformed {usage.refusals} times")
    raise _GiveUp(f"no accepted {write.name} within {MAX_TURNS} model calls")


def _propose(
    write: WriteTool, args: dict, usage: NodeUsage, result: AgentResult
) -> tuple[BaseModel | None, str]:
    """(the proposal as it may be taken, "") or (None, the refusal the model reads)."""
    node = result.node
    try:
        proposal = write.args.model_validate(args)
    except ValidationError as error:
        usage.refusals += 1
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in error.errors()[:8]
        )
        result.log.append(f"{node}: refused {write.name} (it does not fit the schema).")
        return None, "Refused: the arguments do not fit the schema:\n" + as_data(
            "schema check", problems
        ) + f"\nCall {write.name} again."
    review = write.review(proposal)
    if not review.problems:
        if usage.refusals:
            result.log.append(f"{node}: the corrected {write.name} was accepted.")
        usage.outcome = "accepted" if not usage.refusals else (
            f"accepted after {usage.refusals} refusal(s)"
        )  # fmt: skip
        return review.accepted, ""
    if usage.refusals >= MAX_REFUSALS:
        # Bounded: take what the rules allow and say, part by part, what the planner kept.
        result.notes += [
            f"Not taken from the LLM agent's {write.name}: {p} The planner's decision stands."
            for p in review.problems[:MAX_NOTES]
        ]
        if len(review.problems) > MAX_NOTES:
            result.notes.append(f"... and {len(review.problems) - MAX_NOTES} more parts not taken.")
        if review.accepted is None:
            raise _GiveUp(f"{write.name} was refused {usage.refusals + 1} times")
        result.log.append(
            f"{node}: {len(review.problems)} part(s) still refused after {usage.refusals} "
            "refusals; the planner keeps those, the rest of the proposal is taken."
        )
        usage.outcome = f"partly accepted after {usage.refusals} refusal(s)"
        return review.accepted, ""
    usage.refusals += 1
    problems = " ".join(review.problems[:MAX_NOTES])
    if len(review.problems) > MAX_NOTES:
        problems += f" ... and {len(review.problems) - MAX_NOTES} more problems like these."
    result.log.append(f"{node}: refused {write.name}: {problems}")
    return None, (
        "Refused by the planner's checks:\n"
        + as_data("planner review", problems)
        + f"\nCorrect these and call {write.name} again with the whole proposal."
    )


def _read(tool: ReadTool, args: dict) -> str:
    try:
        parsed = tool.args.model_validate(args or {})
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        return f"Bad arguments for {tool.name}: {problems[:500]}"
    text = tool.run(parsed)
    if len(text) > MAX_RESULT_CHARS:
        cut = len(text) - MAX_RESULT_CHARS
        text = text[:MAX_RESULT_CHARS] + f"\n[truncated: {cut:,} more characters not shown]"
    return as_data(tool.source or tool.name, text)


def _schema(tool: ReadTool | WriteTool) -> dict:
    schema = convert_to_openai_tool(tool.args)
    schema["function"]["name"] = tool.name
    schema["function"]["description"] = tool.description
    return schema


def _elide_old_reads(messages: list[BaseMessage]) -> None:
    """Keep a request under MAX_REQUEST_CHARS by eliding the oldest read results first; the
    answers to the model's latest calls are what it is about to act on, so they stay."""
    last_ai = max((i for i, m in enumerate(messages) if isinstance(m, AIMessage)), default=-1)
    size = sum(_chars(m) for m in messages)
    for i, message in enumerate(messages[:last_ai]):
        if size <= MAX_REQUEST_CHARS:
            return
        if isinstance(message, ToolMessage) and message.content != ELIDED:
            size -= len(str(message.content)) - len(ELIDED)
            # A new message, not an edit: what was sent before stays as it was sent.
            messages[i] = ToolMessage(ELIDED, tool_call_id=message.tool_call_id)


def _chars(message: BaseMessage) -> int:
    calls = getattr(message, "tool_calls", None) or []
    return len(str(message.content)) + sum(len(json.dumps(c.get("args", {}))) for c in calls)


def _fall_back(result: AgentResult, reason: str) -> None:
    result.proposal = None
    result.usage.outcome = f"planner: {reason}"
    result.notes.append(
        f"The LLM agent of {result.node} did not decide ({reason}); the planner did."
    )
    result.log.append(f"{result.node}: LLM fallback: {reason}; the planner's decisions are used.")


def _clean(reply: AIMessage) -> AIMessage:
    """The reply with text that cannot be written as UTF-8 (lone surrogates) replaced: it
    would otherwise fail later, in a checkpoint or a deliverable, far from its cause."""

    def fix(value):
        if isinstance(value, str):
            return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, dict):
            return {fix(k): fix(v) for k, v in value.items()}
        return value

    calls = [{**c, "args": fix(c["args"])} for c in reply.tool_calls]
    return reply.model_copy(update={"content": fix(reply.content), "tool_calls": calls})


def _describe(error: Exception) -> str:
    """What went wrong, in words: a reply that did not parse is not a pydantic dump."""
    if isinstance(error, ValidationError):
        return "its reply could not be read (a tool call that is not a JSON object)"
    return f"{type(error).__name__}: {_short(error)}"


def _short(error: object) -> str:
    text = " ".join(redact_keys(str(error)).split())
    return text if len(text) <= 300 else text[:297] + "..."


def reapply_previous(
    result: AgentResult, previous: dict | None, args: type[BaseModel], review: Callable
) -> None:
    """When this round's agent fell back, the proposal taken in the previous round, reviewed
    again, becomes this round's: a revision should not silently undo the agent's work."""
    if result.proposal is not None or previous is None:
        return
    try:
        again = review(args.model_validate(previous))
    except ValidationError:
        return
    if again.accepted is None:
        result.notes.append("The LLM agent's previous proposal no longer passes the checks.")
        return
    result.proposal = again.accepted
    result.usage.outcome += "; the previous round's proposal was applied again"
    result.notes.append(
        "The LLM agent's proposal of the previous round was reviewed and applied again."
        + (f" Not taken now: {' '.join(again.problems[:MAX_NOTES])}" if again.problems else "")
    )
