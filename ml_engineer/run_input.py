"""The graph's input for one run: where the analyst's folder is, where the deliverables go,
and what the user asked for. Below the graphs, so a chat-started run builds the same input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ml_engineer.deliverables import ml_dir_for, slug_for


def initial_state(
    data_dir: str | Path,
    *,
    goal: str | None = None,
    target: str | None = None,
    tracker: str = "none",
    framework: str = "sklearn",
    seed: int = 42,
) -> dict[str, Any]:
    """The graph's input for the analyst's folder `output/<slug>/data`."""
    data_dir = Path(data_dir)
    return {
        "data_dir": str(data_dir.resolve()),
        "ml_dir": str(ml_dir_for(data_dir)),
        "slug": slug_for(data_dir),
        "request": {
            "goal_text": goal,
            "target": target,
            "tracker": tracker,
            "framework": framework,
            "seed": seed,
        },
        "log": [],
    }
