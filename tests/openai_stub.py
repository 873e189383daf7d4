"""A local, scriptable OpenAI-compatible chat-completions server for tests.

Tests drive the real ``langchain_openai.ChatOpenAI`` client over HTTP against this stub, so the
whole client path (request building, retries, timeouts, tool-call parsing, usage accounting) is
exercised with no internet and no key. Standard library only.

    with StubOpenAI() as server:
        server.reply(tool_call("lookup", {"q": "x"}), text("done"))
        llm = ChatOpenAI(model="stub-model", base_url=server.base_url, api_key="sk-test",
                         use_responses_api=False, max_retries=0)
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

NO_REPLY_TEXT = "(stub: no scripted reply)"


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Build it with text(), tool_call(), tool_calls(), error() or delay()."""

    content: str | None = None
    tool_calls: tuple[tuple[str, str, str], ...] = ()  # (call id, name, arguments string)
    status: int = 200
    error_body: dict | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0


@dataclass
class RecordedRequest:
    """One POST to /v1/chat/completions; ``body`` is None when it was not valid JSON."""

    body: dict | None
    raw_chars: int
    headers: dict[str, str]  # lower-cased names


def text(content: str) -> Reply:
    return Reply(content=content)


def tool_call(name: str, args: dict | str, call_id: str | None = None) -> Reply:
    """A single tool call. A str ``args`` is sent verbatim, so tests can send malformed JSON."""
    return tool_calls([(name, args)], ids=[call_id] if call_id else None)


def tool_calls(calls: list[tuple[str, dict | str]], ids: list[str] | None = None) -> Reply:
    """Several tool calls in one assistant message (parallel tool calling)."""
    ids = ids or [f"call_{uuid.uuid4().hex[:12]}" for _ in calls]
    encoded = [args if isinstance(args, str) else json.dumps(args) for _, args in calls]
    return Reply(tool_calls=tuple(zip(ids, [name for name, _ in calls], encoded, strict=True)))


def error(status: int, message: str = "stub error", retry_after_ms: float | None = None) -> Reply:
    """An OpenAI-style error. The openai SDK retries 408/409/429/5xx after a 0.375-0.5 s backoff;
    ``retry_after_ms`` (> 0) sends a ``retry-after-ms`` header, which the SDK honours instead."""
    kind = "server_error" if status >= 500 else "invalid_request_error"
    code = "rate_limit_exceeded" if status == 429 else None
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    headers = (("retry-after-ms", str(retry_after_ms)),) if retry_after_ms is not None else ()
    return Reply(status=status, error_body=body, headers=headers)


def delay(seconds: float, then: Reply) -> Reply:
    """Sleep before answering ``then``, to trigger client timeouts. The sleep only holds its own
    handler thread, and stop() wakes it (the reply is then dropped)."""
    return dataclasses.replace(then, delay=then.delay + seconds)


class StubOpenAI:
    """The server. Replies come from the FIFO ``reply()`` queue, else from ``responder(body)``,
    else a plain text NO_REPLY_TEXT. Every chat-completions POST is appended to ``requests``."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.responder: Callable[[dict], Reply | None] | None = None
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def reply(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    @property
    def pending(self) -> int:
        """Scripted replies not yet consumed."""
        return len(self._queue)

    def tool_results(self, i: int = -1) -> list[dict]:
        """The ``role: tool`` messages the client sent in request ``i``."""
        return [m for m in self.requests[i].body["messages"] if m.get("role") == "tool"]

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> StubOpenAI:
        self._stopping.clear()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.stub = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Returns promptly: wakes delayed handlers and does not join handler threads."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()  # shutdown() already waited for the serve loop to end
        self._httpd = self._thread = None

    def __enter__(self) -> StubOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next_reply(self, body: dict) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        chosen = self.responder(body) if self.responder else None
        return chosen or text(NO_REPLY_TEXT)


def _completion(body: dict, raw_chars: int, reply: Reply) -> dict:
    """A chat.completion object; token counts are a deterministic 4-chars-per-token estimate."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.content, "refusal": None}
    if reply.tool_calls:
        message["content"] = None
        message["tool_calls"] = [
            {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}
            for cid, name, args in reply.tool_calls
        ]
    produced = reply.content or "".join(args for _, _, args in reply.tool_calls)
    prompt, completion = math.ceil(raw_chars / 4), math.ceil(len(produced) / 4) + 1
    finish = "tool_calls" if reply.tool_calls else "stop"
    usage = {"prompt_tokens": prompt, "completion_tokens": completion}
    return {
        "id": f"chatcmpl-stub-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "stub-model"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {**usage, "total_tokens": prompt + completion},
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a sleeping handler never blocks stop() or interpreter exit
    stub: StubOpenAI

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (e.g. after its timeout) is expected; anything else is a bug."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # silence access logs
        pass

    def _send(self, status: int, payload: dict, headers: tuple = ()) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _fail(self, status: int, why: str) -> None:
        self._send(status, error(status, f"stub: {why}").error_body)

    def do_GET(self) -> None:
        if self.path.rstrip("/") != "/v1/models":
            return self._fail(404, f"no route GET {self.path}")
        model = {"id": "stub-model", "object": "model", "created": 0, "owned_by": "stub"}
        self._send(200, {"object": "list", "data": [model]})

    def do_POST(self) -> None:
        stub = self.server.stub
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if self.path.rstrip("/") != "/v1/chat/completions":
            return self._fail(404, f"no route POST {self.path}")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        with stub._lock:
            stub.requests.append(RecordedRequest(body, len(raw), headers))
        if not isinstance(body, dict) or body.get("stream"):
            why = "streaming is not supported" if isinstance(body, dict) else "body is not JSON"
            return self._fail(400, f"{why}; send a non-streaming JSON chat-completions request")
        reply = stub._next_reply(body)
        if reply.delay and stub._stopping.wait(reply.delay):
            return  # stopped while sleeping: drop the reply
        if reply.error_body is not None:
            return self._send(reply.status, reply.error_body, reply.headers)
        self._send(reply.status, _completion(body, len(raw), reply), reply.headers)
