"""The public Python API: build the graph, make its input, keep runs durable."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ml_engineer.deliverables import checked_state_dir, project_dir_for, slug_for, write_file
from ml_engineer.errors import InputsError
from ml_engineer.near_paths import did_you_mean
from ml_engineer.run_input import initial_state

__all__ = ["build_graph", "initial_state"]  # initial_state lives below the graphs, which use it


def build_graph(checkpointer: Any = None, **kwargs: Any):
    """The compiled ml_engineer LangGraph graph (invoke, stream, Command(resume=...)).

    `mlops=` replaces the mlops stage with another compiled graph, or None to end at the
    handoff line.
    """
    from ml_engineer.graphs.ml_engineer import build_graph as _build

    return _build(checkpointer=checkpointer, **kwargs)


def state_dir_for(data_dir: Path) -> Path:
    return checked_state_dir(project_dir_for(data_dir))


def sqlite_checkpointer(data_dir: Path):
    """The embedded default: a SQLite file in output/<slug>/.ml_engineer/."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    state_dir = state_dir_for(data_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(state_dir / "checkpoints.sqlite", check_same_thread=False)
    return SqliteSaver(conn)


@contextmanager
def open_checkpointer(data_dir: Path, url: str | None = None) -> Iterator[Any]:
    """SQLite beside the project by default; a `postgresql://` URL for a team's shared server."""
    if not url:
        saver = sqlite_checkpointer(data_dir)
        try:
            yield saver
        finally:
            saver.conn.close()
        return
    if not url.startswith(("postgresql://", "postgres://")):
        raise InputsError(
            f"--checkpointer {url!r} is not a PostgreSQL URL. Use postgresql://user:pass@host/db, "
            "or leave it out for the SQLite file in output/<slug>/.ml_engineer/."
        )
    try:
        from langgraph.checkpoint.postgres import PostgresSaver
    except ImportError:
        raise InputsError(
            "--checkpointer postgresql://... needs langgraph-checkpoint-postgres: "
            "pip install 'ml-engineer[postgres]'."
        ) from None
    try:
        with PostgresSaver.from_conn_string(url) as saver:
            saver.setup()
            yield saver
    except Exception as exc:
        if type(exc).__module__.startswith("psycopg"):
            raise InputsError(
                f"Could not use the PostgreSQL checkpointer at {redact_url(url)}: "
                f"{str(exc).strip().splitlines()[0]}. Check the server is running and the URL, "
                "user and password are right."
            ) from None
        raise


def redact_url(url: str) -> str:
    """The URL with its password replaced by ***, fit to print."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def resolve_data_dir(target: str | Path) -> Path:
    """A slug (`acme` for output/acme/data), a project folder, or the data folder itself."""
    for candidate in (Path(target), Path("output") / str(target)):
        if not candidate.is_dir():
            continue
        if candidate.name != "data" and (candidate / "data").is_dir():
            return candidate / "data"
        return candidate
    raise InputsError(
        f"No project {str(target)!r} was found: it is neither a folder nor output/{target}. "
        "Pass the slug, the project folder, or its data folder.",
        path=str(target),
    )


def new_thread_id(data_dir: Path) -> str:
    """`<slug>-<n>`: each run of a project gets the next number; resume takes the latest."""
    threads = _threads_file(data_dir)
    known = _read_threads(threads)
    thread_id = f"{slug_for(data_dir)}-{len(known) + 1}"
    write_file(threads, json.dumps([*known, thread_id], indent=1))
    return thread_id


def latest_thread_id(data_dir: Path) -> str | None:
    known = _read_threads(_threads_file(data_dir))
    return known[-1] if known else None


def thread_to_use(data_dir: Path, thread: str | None, *, named: object, start: str) -> str:
    """The thread asked for, else the project's latest run; with neither, an error naming the
    project as the user gave it (`named`) and how this surface starts a run (`start`)."""
    thread_id = thread or latest_thread_id(data_dir)
    if thread_id is None:
        raise InputsError(
            f"No run of {named} was found. Start one with {start}.", path=str(data_dir)
        )
    return thread_id


def _threads_file(data_dir: Path) -> Path:
    return state_dir_for(data_dir) / "threads.json"


def _read_threads(path: Path) -> list[str]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def stream_run(graph, value, config, context, on_line) -> dict | None:
    """Run until the graph ends or stops for a person; return the question's payload if it did
    (the approval, or which column to predict: graphs.target_question.is_target_question).

    Every surface runs a graph this way; `on_line(node, message)` receives each checkpoint line
    as it happens (shown, emitted as an event, or sent as MCP progress).
    """
    payload = None
    # durability="sync": each step's checkpoint is on disk before the next step starts, so a
    # process killed at any point resumes from the last finished node. subgraphs=True: the
    # mlops stage's lines arrive as they happen.
    for _namespace, mode, chunk in graph.stream(
        value,
        config,
        context=context,
        stream_mode=["custom", "updates"],
        durability="sync",
        subgraphs=True,
    ):
        if mode == "custom" and chunk.get("type") == "checkpoint":
            on_line(chunk.get("node"), chunk["message"])
        elif mode == "updates" and "__interrupt__" in chunk:
            payload = chunk["__interrupt__"][0].value
    return payload


def pending_question(snapshot) -> dict | None:
    """The question's payload a saved run is waiting on (the approval, or which column to
    predict), or None."""
    for task in snapshot.tasks:
        for item in task.interrupts:
            return item.value
    return None


def _what_path(path: Path) -> str:
    """"The data folder X", or just X when the name looks like a file's (`churn.cvs`)."""
    return str(path) if path.suffix else f"The data folder {path}"


def check_data_dir(data_dir: Path, example: str) -> None:
    """A clear error, before anything is written, when the data folder is not one."""
    if not data_dir.is_dir():
        what = "does not exist" if not data_dir.exists() else "is not a folder"
        raise InputsError(
            f"{_what_path(data_dir)} {what}.{did_you_mean(data_dir)} Pass the analyst's "
            f"folder that holds profile.json (or profile.md), e.g. {example}.",
            path=str(data_dir),
        )


def run_stage(snapshot) -> str:
    """Where a saved run stands: waiting (for a person: the approval, or a target choice),
    interrupted, approved or rejected (at the approval, or at the target question).

    A process killed just after a node saved its writes leaves a checkpoint with no `next`
    node yet, so "finished" is read from what the run decided, not from `next` alone.
    """
    values = snapshot.values or {}
    if any(task.interrupts for task in snapshot.tasks):
        return "waiting"
    if not snapshot.next and values.get("handoff"):
        return "approved"
    if not snapshot.next and (values.get("decision") or {}).get("decision") == "reject":
        return "rejected"
    return "interrupted"
