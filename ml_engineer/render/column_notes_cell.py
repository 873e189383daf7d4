"""A column's notes as the spec's table shows them: each thing said once, without noise.

The notes are gathered from every line of the analyst's documents that names the column, so the
same fact arrives in several wordings ("skewness 8.09" from the EDA, "dir: skewed: skewness
8.09" from a table row), a schema row says every column's role is "feature" (even the
target's, before one was chosen), and a picture's caption attaches to every column it names.
The planner still reads every note; only the table is trimmed.
"""

from __future__ import annotations

import re

# What a picture's caption opens with: the profiler's own and the usual chart words.
_CAPTION = re.compile(
    r"^(?:heat ?map|horizontal bars|vertical bars|bars|histograms?|box ?plots?|scatter|"
    r"a (?:bar|line|pie) chart|chart|figure|plot)\b",
    re.I,
)
# A role that says nothing in a table of inputs: every row there is one.
_NO_NEWS = re.compile(r"^role: (?:feature|input|predictor)$", re.I)


def _key(part: str) -> str:
    return " ".join(re.sub(r"[^\w.+-]+", " ", part.lower()).split())


def readable_notes(notes: list[str]) -> str:
    """The notes joined with "; ": parts said before (or inside a part said before) dropped,
    captions and "role: feature" left out."""
    kept: list[str] = []
    keys: list[str] = []
    for note in notes:
        if _CAPTION.match(note.strip()):  # the whole caption, whatever its parts say
            continue
        for part in note.split("; "):
            part = part.strip().rstrip(".").strip()
            key = _key(part)
            if not key or _CAPTION.match(part) or _NO_NEWS.match(part):
                continue
            if any(key in seen or seen in key for seen in keys):
                continue
            kept.append(part)
            keys.append(key)
    return "; ".join(kept)
