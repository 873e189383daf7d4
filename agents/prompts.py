"""The system prompts, one file per sub-skill in prompts/, after the rules they all share."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def system_prompt(sub_skill: str) -> str:
    folder = files("ml_engineer.prompts")
    common = folder.joinpath("common.md").read_text(encoding="utf-8")
    own = folder.joinpath(f"{sub_skill}.md").read_text(encoding="utf-8")
    return f"{common.strip()}\n\n{own.strip()}\n"
