"""The shape of the planner's verdict on an LLM agent's proposal."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from pydantic import BaseModel


@dataclass
class Review:
    """Problems the model can act on, and the proposal without the parts they concern."""

    problems: list[str]
    accepted: BaseModel | None  # None: no part of the proposal may be taken


def closest(name: str, names: list[str], n: int = 3) -> str:
    """A hint for a name that does not exist: the nearest real ones, or nothing."""
    near = difflib.get_close_matches(name, names, n=n, cutoff=0.5)
    if not near:
        lowered = name.casefold()
        near = [c for c in names if lowered in c.casefold() or c.casefold() in lowered][:n]
    return f" Did you mean {', '.join(repr(c) for c in near)}?" if near else ""
