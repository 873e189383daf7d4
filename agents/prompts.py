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


def reviewer_words(feedback: list[str]) -> str:
    """The person's own words at approval, for an agent's task: what this round must address.
    They are the reviewer's instructions, so they stay outside any <data> element."""
    if not feedback:
        return ""
    return "The reviewer's feedback, in their words:\n- " + "\n- ".join(feedback) + "\n\n"
