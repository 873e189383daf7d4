"""Checkpoint lines: the same progress for a terminal, a chat and a program.

Each line is sent as a custom stream event (`stream_mode="custom"`) and kept in the state's
log, so a resumed run can show what happened before it.
"""

from __future__ import annotations

from langgraph.config import get_stream_writer


def emit(node: str, message: str, **extra) -> list[str]:
    """Send one checkpoint line to whoever streams the run; return it for the state's log."""
    try:
        writer = get_stream_writer()
    except RuntimeError:  # called outside a graph run (tests of a single node)
        writer = None
    if writer is not None:
        writer({"type": "checkpoint", "node": node, "message": message, **extra})
    return [message]


def checkpoint(node: str, message: str, **extra) -> dict:
    """Emit one checkpoint line; return the state update that records it."""
    return {"log": emit(node, message, **extra)}
