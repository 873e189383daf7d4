"""A langchain fake chat model that calls tools, for unit tests of the agents.

The stock GenericFakeChatModel refuses `bind_tools`; this one returns itself, replays scripted
AIMessages (tool calls with usage metadata), and records every prompt it was sent.
"""

from __future__ import annotations

import itertools
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from pydantic import Field

_ids = itertools.count(1)


class ToolCallingFake(GenericFakeChatModel):
    model_name: str = "fake-model"
    seen: list[list[Any]] = Field(default_factory=list)
    tools: list[Any] = Field(default_factory=list)

    def bind_tools(self, tools, **kwargs):
        self.tools = list(tools)
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.seen.append(list(messages))
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def fake(*replies: AIMessage) -> ToolCallingFake:
    return ToolCallingFake(messages=iter(replies))


def call(name: str, args: dict, tokens: tuple[int, int] = (100, 20)) -> AIMessage:
    """One tool call, with the usage metadata a provider would report."""
    return AIMessage(
        content="",
        tool_calls=[{"name": name, "args": args, "id": f"call_{next(_ids)}", "type": "tool_call"}],
        usage_metadata=_usage(tokens),
    )


def prose(text: str, tokens: tuple[int, int] = (100, 20)) -> AIMessage:
    return AIMessage(content=text, usage_metadata=_usage(tokens))


def _usage(tokens: tuple[int, int]) -> dict:
    return {"input_tokens": tokens[0], "output_tokens": tokens[1], "total_tokens": sum(tokens)}
