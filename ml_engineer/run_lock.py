"""One run per project at a time: a second `run` or `resume` is told, not let in to corrupt it."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ml_engineer.errors import RunInProgressError


@contextmanager
def project_lock(state_dir: Path, slug: str) -> Iterator[None]:
    """Hold an exclusive lock on `state_dir/run.lock`; the OS frees it if the process dies."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "run.lock"
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole block
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = _describe(handle.read())
            raise RunInProgressError(
                f"A run of {slug} is in progress{holder}, so this one did not start: two runs "
                "writing the same deliverables would corrupt them. Wait for it to finish (see "
                f"`ml-engineer status {slug}`), then try again.",
                path=str(path),
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "started": time.time()}))
        handle.flush()
        yield
    finally:
        handle.close()


def _describe(text: str) -> str:
    try:
        info = json.loads(text)
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info["started"]))
        return f" (process {info['pid']}, started {started})"
    except (ValueError, KeyError, TypeError):
        return ""
