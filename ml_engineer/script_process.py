"""The generated script's process tree, bounded in time and memory, and never left behind.

The script starts in its own session, so it and everything it starts (Spark's JVM, joblib's
loky workers) share one process group that can be stopped as a whole; `subprocess.run`'s own
timeout kills only the direct child. Memory is the resident memory of that whole tree, polled:
an address-space limit (RLIMIT_AS) would fail a JVM or OpenBLAS, which reserve far more virtual
memory than they use. On Linux the kernel also kills the script when the process that started
it dies, even by SIGKILL, so a killed product leaves no check run writing into ml/runs/.
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import psutil

from ml_engineer.errors import SettingsError

MEMORY_SHARE = 0.5  # of the machine's memory, for the script when no limit is given
POLL_S = 0.2  # how often the tree's memory is measured
STDERR_TAIL_BYTES = 64_000  # a runaway script's stderr is not read whole
MB = 1024 * 1024
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@dataclass(frozen=True)
class Finished:
    """How the script's process ended: by itself (its exit code) or stopped by us."""

    returncode: int | None
    stderr: str
    seconds: float
    stopped: Literal["timeout", "memory"] | None = None


def run_bounded(
    cmd: list[str], *, cwd: Path, env: dict[str, str], timeout_s: float, memory_limit_mb: int
) -> Finished:
    """Run `cmd` until it exits, runs past `timeout_s` or its tree holds more than
    `memory_limit_mb` resident; whatever of its tree is still running then is killed."""
    # stderr goes to a file, not a pipe: a grandchild holding a pipe open would keep a reader
    # waiting after the script itself has exited, and nothing has to drain a file.
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=stderr, start_new_session=True, preexec_fn=_die_with_parent(),
        )  # fmt: skip
        started = time.perf_counter()
        seen: dict[int, psutil.Process] = {}
        try:
            stopped = _watch(proc, started + timeout_s, memory_limit_mb * MB, seen)
        finally:  # also on Ctrl-C: the script is in its own session and did not get the SIGINT
            _end_tree(proc, seen)
        seconds = time.perf_counter() - started
        return Finished(
            returncode=None if stopped else proc.returncode,
            stderr=_tail_of(stderr),
            seconds=seconds,
            stopped=stopped,
        )


def _watch(
    proc: subprocess.Popen, deadline: float, limit_bytes: int, seen: dict[int, psutil.Process]
) -> Literal["timeout", "memory"] | None:
    """Wait for the script, measuring its tree's memory; why it was stopped, or None."""
    while True:
        try:
            proc.wait(timeout=max(0.0, min(POLL_S, deadline - time.perf_counter())))
            return None
        except subprocess.TimeoutExpired:
            pass
        if time.perf_counter() >= deadline:
            return "timeout"
        if _resident_bytes(proc.pid, seen) > limit_bytes:
            return "memory"


def _resident_bytes(pid: int, seen: dict[int, psutil.Process]) -> int:
    """The resident memory of the script and its descendants, remembering each one met so that
    one which leaves the process group (setsid) is still killed at the end. Shared pages are
    counted once per process: an over-estimate, never an under-estimate."""
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:  # it has just exited
        return 0
    total = 0
    for process in tree:
        seen.setdefault(process.pid, process)
        try:
            total += process.memory_info().rss
        except psutil.Error:  # exited between the listing and now, or a zombie
            continue
    return total


def _end_tree(proc: subprocess.Popen, seen: dict[int, psutil.Process]) -> None:
    """Kill the script's process group and every descendant met while it ran; wait for them."""
    if hasattr(os, "killpg"):
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the group id is the script's pid (its session)
        except (ProcessLookupError, PermissionError):  # the group has already gone
            pass
    others = [p for p in seen.values() if p.pid != proc.pid]
    for process in others:
        try:
            process.kill()  # psutil checks first that the pid was not reused by another process
        except psutil.Error:
            pass
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    _wait_until_ended(others, timeout_s=5)


def _wait_until_ended(processes: list[psutil.Process], timeout_s: float) -> None:
    """Until each has ended. A killed grandchild stays a zombie until whoever adopted it reaps
    it, which may be never in a container, so a zombie counts as ended (psutil.wait_procs
    would wait for the reaping)."""
    deadline = time.monotonic() + timeout_s
    while any(_running(p) for p in processes) and time.monotonic() < deadline:
        time.sleep(0.02)


def _running(process: psutil.Process) -> bool:
    try:  # is_running is False too for a pid since reused by another process
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _die_with_parent():
    """Linux: a preexec_fn that has the kernel SIGKILL the script when the thread that started
    it ends (this one, which waits for the script), even when this process is SIGKILLed.
    Elsewhere None: the timeout and the process group still bound the script."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        # Looked up here, in the parent: the forked child only makes the call, taking no lock.
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def arm() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return arm


def _tail_of(file) -> str:
    file.seek(0, os.SEEK_END)
    file.seek(max(0, file.tell() - STDERR_TAIL_BYTES))
    return file.read().decode("utf-8", errors="replace")


# --- the limit ---------------------------------------------------------------------------------


def default_memory_limit_mb() -> int:
    """A share of the memory this machine (or its container) has, measured now."""
    return max(1, int(_machine_memory() * MEMORY_SHARE) // MB)


def _machine_memory() -> int:
    total = psutil.virtual_memory().total
    try:  # in a container, cgroup v2's limit may be far below the host's memory
        cap = Path("/sys/fs/cgroup/memory.max").read_text(encoding="ascii").strip()
    except OSError:
        return total
    return min(total, int(cap)) if cap.isdigit() else total


_SIZE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*(?:([kmgt])i?b?)?", re.IGNORECASE)
_UNIT_MB = {"k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024, None: 1}


def parse_memory_limit(text: str | int | None, name: str = "--memory-limit") -> int | None:
    """--memory-limit as megabytes: 4GB, 512MB, 1.5G, or a plain number of megabytes (binary
    units: a GB is 1024 MB). None (not given) stays None: the default share, measured at run
    time. Anything else is a SettingsError naming the flag (or the MCP tool's `name`)."""
    if text is None:
        return None
    match = _SIZE.fullmatch(str(text).strip())
    megabytes = float(match[1]) * _UNIT_MB[(match[2] or "").lower() or None] if match else 0
    if megabytes < 1:
        raise SettingsError(
            f"{name} {str(text)!r} is not a memory size: it takes an amount of at least "
            "1 MB, such as 4GB or 512MB (a plain number is megabytes), and caps the resident "
            "memory of the training script and every process it starts during the check run. "
            f"Left out, the cap is half of this machine's memory "
            f"({format_megabytes(default_memory_limit_mb())}).",
            field=name,
        )
    return int(megabytes)


def format_megabytes(megabytes: int) -> str:
    return f"{megabytes / 1024:.1f} GB" if megabytes >= 1024 else f"{megabytes} MB"
