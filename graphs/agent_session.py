"""From a node's runtime context to the LLM agent session it runs, or None for the planner."""

from __future__ import annotations

from langgraph.runtime import Runtime

from ml_engineer.agents.chat_model import OFFLINE_NOTICE
from ml_engineer.agents.tool_loop import AgentResult, AgentSession
from ml_engineer.agents.usage import Budget, NodeUsage
from ml_engineer.graphs.progress import emit
from ml_engineer.graphs.state import Context


def agent_session(state: dict, runtime: Runtime[Context] | None) -> AgentSession | None:
    context = (runtime.context if runtime else None) or Context()
    if context.llm is None:
        return None
    spent = [NodeUsage.model_validate(u) for u in state.get("llm_usage", [])]
    return AgentSession(
        llm=context.llm,
        model_name=context.model_name or model_name_of(context.llm),
        budget=context.budget or Budget(),
        spent_before=spent,
        secrets=_secrets_of(context.llm),
    )


def _secrets_of(llm) -> list[str]:
    """The model's own key, whatever its shape: masked wherever the agent writes a line."""
    found = []
    for attribute in ("openai_api_key", "api_key"):
        value = getattr(llm, attribute, None)
        value = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        if isinstance(value, str) and value:
            found.append(value)
    return found


def model_name_of(llm) -> str:
    for attribute in ("model_name", "model", "model_id"):
        value = getattr(llm, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(llm).__name__


def agent_mode_line(runtime: Runtime[Context] | None) -> str:
    return agent_mode_line_for((runtime.context if runtime else None) or Context())


def agent_mode_line_for(context: Context) -> str:
    """One line: which model proposes, or that the offline planner decides and how to change it."""
    if context.llm is None:
        return OFFLINE_NOTICE
    name = context.model_name or model_name_of(context.llm)
    return f"LLM agents: {name} proposes, the planner's checks decide what is taken."


def agent_update(node: str, result: AgentResult | None) -> dict:
    """The state update and log lines of one agent run (nothing when the planner ran alone)."""
    if result is None:
        return {}
    log: list[str] = []
    for line in result.log:
        log += emit(node, line)
    result.usage.node = node
    u = result.usage
    log += emit(
        node,
        f"{node}: LLM {u.calls} call(s), {u.input_tokens:,} in / {u.output_tokens:,} out tokens; "
        f"{u.outcome}.",
    )
    return {"llm_usage": [u.model_dump(mode="json")], "log": log}
