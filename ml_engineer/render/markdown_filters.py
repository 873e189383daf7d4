"""Making untrusted strings safe inside generated markdown.

A column name or a note from the profile can hold anything: backticks, pipes, newlines, HTML.
These filters keep each on one line and inside the cell or code span it was put in, so the
document's structure is ours and not the data's.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def one_line(text: object) -> str:
    """Control characters (newlines included) become visible escapes, never line breaks."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))


_HTML_START = re.compile(r"<(?=[A-Za-z/!?])")


def md(text: object) -> str:
    """Inline markdown text on one line; anything that could open an HTML tag is neutralised.

    Only a `<` that could start a tag is escaped, so `<9years` and `a < b` stay readable.
    """
    return _HTML_START.sub("&lt;", one_line(text))


def code(text: object) -> str:
    """A code span that holds any string: the fence is longer than any backtick run inside."""
    body = one_line(text)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or not body.strip() else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def cell(text: object) -> str:
    """Text for a pipe-table cell: pipes escaped so the row keeps its columns."""
    return md(text).replace("|", "\\|")
