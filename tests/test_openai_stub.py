"""The OpenAI stub speaks well enough for the real ChatOpenAI client.

Each test pins down one behaviour that later tests (and tests elsewhere that use the stub) rely
on: tool calls parse, malformed arguments degrade instead of raising, retries and timeouts work
and stay fast, and the recorded requests are safe to inspect.
"""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.request

import openai
import pytest
from langchain_core.messages import AIMessage
from langchain_openai import ChatOpenAI
from openai_stub import NO_REPLY_TEXT, StubOpenAI, delay, error, text, tool_call, tool_calls
from pydantic import BaseModel, Field

API_KEY = "sk-test"


class LookupColumn(BaseModel):
    """Look up a column of the profiled table."""

    name: str = Field(description="The column name.")
    limit: int = 5


@pytest.fixture
def stub():
    with StubOpenAI() as server:
        yield server


def chat(server: StubOpenAI, **kwargs) -> ChatOpenAI:
    options = {"max_retries": 0, **kwargs}
    return ChatOpenAI(
        model="stub-model",
        base_url=server.base_url,
        api_key=API_KEY,
        use_responses_api=False,
        **options,
    )


def test_tool_call_round_trip_usage_and_recorded_schema(stub):
    stub.reply(tool_call("LookupColumn", {"name": "bill_length_mm", "limit": 3}, call_id="c1"))

    message = chat(stub).bind_tools([LookupColumn]).invoke("hi")

    assert isinstance(message, AIMessage)
    assert message.tool_calls == [
        {
            "name": "LookupColumn",
            "args": {"name": "bill_length_mm", "limit": 3},
            "id": "c1",
            "type": "tool_call",
        }
    ]
    (record,) = stub.requests
    assert message.usage_metadata["input_tokens"] == math.ceil(record.raw_chars / 4)
    arguments = json.dumps({"name": "bill_length_mm", "limit": 3})
    assert message.usage_metadata["output_tokens"] == math.ceil(len(arguments) / 4) + 1
    assert record.body["model"] == "stub-model"
    (tool,) = record.body["tools"]
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "LookupColumn"
    assert tool["function"]["parameters"]["properties"]["name"]["type"] == "string"
    assert tool["function"]["parameters"]["required"] == ["name"]
    assert stub.pending == 0


def test_parallel_calls_and_tool_results_are_recorded(stub):
    stub.reply(tool_calls([("LookupColumn", {"name": "a"}), ("LookupColumn", {"name": "b"})]))
    llm = chat(stub).bind_tools([LookupColumn])

    first = llm.invoke("hi")
    assert [call["args"]["name"] for call in first.tool_calls] == ["a", "b"]

    results = [
        {"role": "tool", "tool_call_id": call["id"], "content": f"column {call['args']['name']}"}
        for call in first.tool_calls
    ]
    final = llm.invoke([("user", "hi"), first, *results])
    assert final.content == NO_REPLY_TEXT  # queue empty, no responder
    assert [m["content"] for m in stub.tool_results(1)] == ["column a", "column b"]


def test_malformed_arguments_become_invalid_tool_calls(stub):
    stub.reply(tool_call("LookupColumn", '{"a": '))

    message = chat(stub).bind_tools([LookupColumn]).invoke("hi")

    assert message.tool_calls == []
    (invalid,) = message.invalid_tool_calls
    assert invalid["name"] == "LookupColumn"
    assert invalid["args"] == '{"a": '


def test_responder_decides_when_the_queue_is_empty(stub):
    stub.responder = lambda body: text(f"{len(body['messages'])} messages")
    stub.reply(text("queued first"))
    llm = chat(stub)

    assert llm.invoke("hi").content == "queued first"
    assert llm.invoke([("system", "s"), ("user", "u")]).content == "2 messages"


def test_server_error_is_retried_fast_with_retry_after_ms(stub):
    # Without the header the SDK sleeps 0.375-0.5 s before its first retry; with
    # retry-after-ms: 1 it sleeps 1 ms, so the bound below proves the header is honoured.
    stub.reply(error(500, retry_after_ms=1), text("ok"))

    started = time.perf_counter()
    message = chat(stub, max_retries=2).invoke("hi")
    elapsed = time.perf_counter() - started

    assert message.content == "ok"
    assert len(stub.requests) == 2
    assert stub.requests[0].body == stub.requests[1].body
    assert elapsed < 0.3


def test_error_without_retries_raises_the_openai_status_error(stub):
    stub.reply(error(429, "slow down"))

    with pytest.raises(openai.RateLimitError, match="slow down"):
        chat(stub).invoke("hi")


def test_delay_triggers_client_timeout_and_stop_is_prompt():
    server = StubOpenAI().start()
    try:
        # max_retries=1 means two attempts, so both must be slow.
        server.reply(delay(5, text("late")), delay(5, text("late")))
        started = time.perf_counter()
        with pytest.raises(openai.APITimeoutError):
            chat(server, timeout=0.5, max_retries=1).invoke("hi")
        assert time.perf_counter() - started < 2.5  # 2 x 0.5 s timeout + one backoff
        assert len(server.requests) == 2
    finally:
        started = time.perf_counter()
        server.stop()  # both handlers are still sleeping
        assert time.perf_counter() - started < 0.5


def test_api_key_is_only_in_the_authorization_header(stub):
    stub.reply(tool_call("LookupColumn", {"name": "x"}))

    chat(stub).bind_tools([LookupColumn]).invoke("hi")

    (record,) = stub.requests
    assert API_KEY not in json.dumps(record.body)
    assert record.headers["authorization"] == f"Bearer {API_KEY}"


def test_models_streaming_and_unknown_paths(stub):
    assert [m.id for m in openai.OpenAI(base_url=stub.base_url, api_key=API_KEY).models.list()] == [
        "stub-model"
    ]

    with pytest.raises(openai.BadRequestError, match="streaming is not supported"):
        list(chat(stub).stream("hi"))

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(stub.base_url + "/nope", timeout=2)
    assert caught.value.code == 404
    assert "no route" in json.loads(caught.value.read())["error"]["message"]
