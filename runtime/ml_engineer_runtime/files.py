"""Writing the run's outputs so that a stopped run never leaves half a file."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """`write(temporary)` writes the file (or folder) under a temporary name beside `path`,
    which then takes `path`'s place by a rename: a run stopped or killed while writing leaves
    the previous version or the new one, never half of one.

    A rename cannot replace a folder that holds files (a Spark model/), so a previous folder is
    first renamed aside and deleted once the new one is in place; a run killed in the instant
    between those two renames leaves it whole, as .<name>.<pid>.old beside the missing path."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    aside = path.with_name(f".{path.name}.{os.getpid()}.old")
    try:
        write(temporary)
        if path.is_dir():
            os.replace(path, aside)
        os.replace(temporary, path)
    except BaseException:
        if aside.exists() and not path.exists():  # put the previous version back
            os.replace(aside, path)
        raise
    finally:  # a write that failed leaves nothing behind
        for leftover in (temporary, aside):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
