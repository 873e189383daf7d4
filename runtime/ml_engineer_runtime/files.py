"""Writing the run's outputs so that a stopped run never leaves half a file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """`write(temporary)` writes the file under a temporary name beside `path`, which then takes
    `path`'s place in one rename: a run stopped or killed while writing leaves the previous
    file or the new one, never half of one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)  # a write that failed leaves nothing behind
