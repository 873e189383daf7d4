""""Did you mean ...?" for a path that does not exist: the nearest name that does.

A typo in one part of a path (`output/acme-chrun/data`, `males.cvs`) is the commonest reason a
path is missing. The first missing part is compared with the names beside it; a close one is
offered with the rest of the path after it. Only names in the folders the user's own path
walks through are read, and nothing is suggested when no name is close.
"""

from __future__ import annotations

import difflib
from itertools import islice
from pathlib import Path

MAX_NAMES = 2000  # a folder with more entries is not listed: the hint is not worth the wait
CUTOFF = 0.75  # difflib's ratio: "chrun" and "churn" are 0.8, "acme" and "beta" 0.25


def nearest_existing(path: Path) -> Path | None:
    """`path` itself or a close name for its first missing part; None when none is close."""
    parts = path.parts
    for depth in range(len(parts)):
        here = Path(*parts[: depth + 1])
        if here.exists():
            continue
        parent = here.parent
        try:
            names = [entry.name for entry in islice(parent.iterdir(), MAX_NAMES)]
        except OSError:
            return None
        close = difflib.get_close_matches(parts[depth], names, n=1, cutoff=CUTOFF)
        if not close:
            return None
        guess = Path(parent, close[0], *parts[depth + 1 :])
        return guess if guess.exists() else None
    return path


def did_you_mean(path: Path) -> str:
    """" Did you mean <path>?" for a missing path with a close existing one; "" otherwise."""
    if path.exists():
        return ""
    guess = nearest_existing(path)
    return f" Did you mean {guess}?" if guess is not None else ""
