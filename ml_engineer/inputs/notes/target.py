"""The target the analyst's documents point at: a schema table's mark, "target: `x`" in the
text, or the column the goal sentence names, in that order of trust."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ml_engineer.inputs.notes.blocks import Doc
from ml_engineer.inputs.notes.column_names import ColumnNames
from ml_engineer.inputs.notes.plain_text import NEGATION, unique
from ml_engineer.inputs.notes.table_rows import data_rows, row_is_target

_TARGET_PHRASE = re.compile(
    r"\btarget(?:\s+(?:column|variable|field|label|feature))?\s*(?:[:=]|\bis\b|\bwill be\b|->|→)"
    r"\s*(`[^`\n]{1,200}`|[\"'“‘][^\"'”’\n]{1,200}[\"'”’]|[\w.]+(?=\s*(?:$|[,;:.)(—–]|\s-\s|\s[a-z])))",
    re.I,
)


@dataclass
class _TargetVotes:
    table: list[str] = field(default_factory=list)
    phrase: list[str] = field(default_factory=list)
    goal: list[str] = field(default_factory=list)


def target_hint(
    docs: list[Doc], cols: ColumnNames, goal_raw: str | None, notes: list[str]
) -> str | None:
    votes = _TargetVotes()
    for doc in docs:
        for block, names in data_rows(doc, cols):
            if len(names) == 1 and row_is_target(block):
                votes.table.append(names[0])
        for block in doc.blocks:
            if block.kind == "heading":
                continue
            source = " ".join(block.cells) if block.kind == "row" else block.raw
            for match in _TARGET_PHRASE.finditer(source):
                prefix = source[max(0, match.start() - 20) : match.start()]
                if NEGATION.search(prefix):
                    continue
                value = match.group(1)
                if value[:1] in "`\"'“‘":
                    name = cols.resolve(value.strip("`\"'“”‘’ "))
                else:
                    name = cols.resolve(value.rstrip("."))
                if name:
                    votes.phrase.append(name)
    if goal_raw:
        votes.goal.extend(cols.backticked(goal_raw))

    levels = [
        ("a schema table marks", unique(votes.table)),
        ("the text names", unique(votes.phrase)),
        ("the goal sentence names", votes.goal[:1]),
    ]
    chosen: str | None = None
    for pos, (label, names) in enumerate(levels):
        if not names:
            continue
        if len(names) == 1:
            chosen = names[0]
            break
        # Several candidates at one level: another level may name exactly one of them.
        elsewhere = {n for p, (_, other) in enumerate(levels) if p != pos for n in other}
        agreed = [n for n in names if n in elsewhere]
        if len(agreed) == 1:
            chosen = agreed[0]
            break
        notes.append(
            f"The analyst's documents mark several columns as the target "
            f"({label} {', '.join(names)}); no target hint was taken from them."
        )
        return None
    if chosen is not None:
        others = unique(n for _, names in levels for n in names if n != chosen)
        if others:
            notes.append(
                f"The analyst's documents also point at {', '.join(others)} as the target; "
                f"the target hint is {chosen}."
            )
    return chosen
