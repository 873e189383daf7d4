"""The bounded tool-calling loop every sub-skill agent runs.

The model reads the inputs through read tools and proposes through one write tool whose
argument is a pydantic model. Each proposal is reviewed by the planner's rules: a refusal goes
back to the model as the tool's answer, so it can correct itself; after MAX_REFUSALS refusals
the valid parts are accepted and the planner keeps its own decision for the rest. Anything else
that goes wrong (errors after the client's retries, a spent budget, prose instead of a tool
call, too many turns) ends the loop with no proposal: the node falls back to the planner.
A run never dies because the model misbehaved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ValidationError

from ml_engineer.agents.untrusted import as_data, redact_keys
from ml_engineer.agents.usage import Budget, NodeUsage
from ml_engineer.planning.review import Review

MAX_TURNS = 12  # model calls per node: reads, one proposal, a few corrections
MAX_REFUSALS = 2  # refused proposals before the valid parts are taken as they are
# Message text kept per request; old read results are elided beyond it. With the tool schemas
# and JSON escaping, a request body stays under 48,000 characters (about 12,000 tokens).
MAX_REQUEST_CHARS = 28_000
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


@dataclass
class AgentResult:
    proposal: BaseModel | None  # None: the planner decides alone
    usage: NodeUsage
    node: str = ""
    notes: list[str] = field(default_factory=list)  # for the deliverable: what was not taken
    log: list[str] = field(default_factory=list)  # for the run's log, as it happened

    @property
    def fell_back(self) -> bool:
        return self.proposal is None


def run_agent(
    session: AgentSession,
    *,
    node: str,
    system: str,
    task: str,
    reads: list[ReadTool],
    write: WriteTool,
) -> AgentResult:
    usage = NodeUsage(model=session.model_name)
    result = AgentResult(proposal=None, usage=usage, node=node)
    tools = {t.name: t for t in reads}
    try:
        bound = session.llm.bind_tools([_schema(t) for t in [*reads, write]])
    except Exception as error:  # a model without tool calling cannot act as an agent
        return _fall_back(result, f"the model cannot call tools ({_short(error)})")
    messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(task)]
    prose = 0
    for _turn in range(MAX_TURNS):
        if reason := session.budget.exceeded([*session.spent_before, usage]):
            return _fall_back(result, reason)
        _elide_old_reads(messages)
        try:
            reply = bound.invoke(messages)
        except Exception as error:  # after the client's own retries with backoff
            return _fall_back(result, f"the model call failed: {_short(error)}")
        usage.add(getattr(reply, "usage_metadata", None))
        if not isinstance(reply, AIMessage):
            return _fall_back(result, "the model returned no message")
        messages.append(reply)
        if not reply.tool_calls and not reply.invalid_tool_calls:
            prose += 1
            if prose > 1:
                return _fall_back(
                    result, f"the model answered in prose without calling {write.name}"
                )
            messages.append(
                HumanMessage(f"Prose is not read. Call {write.name} with your decision.")
            )
            continue
        for bad in reply.invalid_tool_calls:
            usage.refusals += 1
            message = (
                f"Your call to {bad.get('name')} could not be read: its arguments are not a valid "
                f"JSON object ({_short(bad.get('error') or 'malformed')}). Send it again."
            )
            result.log.append(f"{node}: refused a malformed call to {bad.get('name')}.")
            messages.append(ToolMessage(message, tool_call_id=bad.get("id") or "invalid"))
        if usage.refusals > MAX_REFUSALS + 1:
            return _fall_back(result, f"the model's calls were malformed {usage.refusals} times")
        for call in reply.tool_calls:
            if call["name"] == write.name:
                accepted, answer = _propose(write, call["args"], usage, result, node)
                if accepted is not None:
                    result.proposal = accepted
                    usage.outcome = _accepted_outcome(usage)
                    return result
                if usage.refusals > MAX_REFUSALS + 1:  # malformed again and again
                    return _fall_back(result, f"{write.name} was malformed {usage.refusals} times")
            elif call["name"] in tools:
                answer = _read(tools[call["name"]], call["args"])
            else:
                known = ", ".join([*tools, write.name])
                answer = f"There is no tool {call['name']!r}; use one of: {known}."
            messages.append(ToolMessage(answer, tool_call_id=call["id"]))
    return _fall_back(result, f"no accepted {write.name} within {MAX_TURNS} model calls")


def _propose(
    write: WriteTool, args: dict, usage: NodeUsage, result: AgentResult, node: str
) -> tuple[BaseModel | None, str]:
    """(the proposal as it may be taken, "") or (None, the refusal the model reads)."""
    try:
        proposal = write.args.model_validate(args)
    except ValidationError as error:
        usage.refusals += 1
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in error.errors()[:8]
        )
        result.log.append(f"{node}: refused {write.name} (malformed): {problems}")
        return None, f"Refused: the arguments do not fit the schema: {problems}. Call it again."
    review = write.review(proposal)
    if not review.problems:
        if usage.refusals:
            result.log.append(f"{node}: the corrected {write.name} was accepted.")
        return review.accepted, ""
    if usage.refusals >= MAX_REFUSALS:
        # Bounded: take what the rules allow and say, part by part, what the planner kept.
        result.notes += [
            f"Not taken from the model: {p} The planner's decision stands." for p in review.problems
        ]
        result.log.append(
            f"{node}: {len(review.problems)} part(s) still refused after {usage.refusals} "
            "refusals; the planner keeps those, the rest of the proposal is taken."
        )
        return review.accepted, ""
    usage.refusals += 1
    problems = " ".join(review.problems)
    result.log.append(f"{node}: refused {write.name}: {problems}")
    return None, (
        f"Refused: {problems} Correct these and call {write.name} again with the whole proposal."
    )


def _read(tool: ReadTool, args: dict) -> str:
    try:
        parsed = tool.args.model_validate(args or {})
    except ValidationError as error:
        return f"Bad arguments for {tool.name}: {_short(error)}"
    return as_data(tool.source or tool.name, tool.run(parsed))


def _schema(tool: ReadTool | WriteTool) -> dict:
    schema = convert_to_openai_tool(tool.args)
    schema["function"]["name"] = tool.name
    schema["function"]["description"] = tool.description
    return schema


def _elide_old_reads(messages: list[BaseMessage]) -> None:
    """Keep every request under MAX_REQUEST_CHARS by dropping the oldest read results first."""
    size = sum(_chars(m) for m in messages)
    for message in messages:
        if size <= MAX_REQUEST_CHARS:
            return
        if isinstance(message, ToolMessage) and message.content != ELIDED:
            size -= len(str(message.content)) - len(ELIDED)
            message.content = ELIDED


def _chars(message: BaseMessage) -> int:
    calls = getattr(message, "tool_calls", None) or []
    return len(str(message.content)) + sum(len(json.dumps(c.get("args", {}))) for c in calls)


def _fall_back(result: AgentResult, reason: str) -> AgentResult:
    result.proposal = None
    result.usage.outcome = f"planner: {reason}"
    result.notes.append(f"The LLM agent did not decide here ({reason}); the planner did.")
    result.log.append(f"{result.node}: LLM fallback: {reason}; the planner's decisions are used.")
    return result


def _accepted_outcome(usage: NodeUsage) -> str:
    return "accepted" if not usage.refusals else f"accepted after {usage.refusals} refusal(s)"


def _short(error: object) -> str:
    text = " ".join(redact_keys(str(error)).split())
    return text if len(text) <= 300 else text[:297] + "..."
