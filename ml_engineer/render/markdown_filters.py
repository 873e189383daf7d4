"""Making untrusted strings safe inside generated markdown.

A column name, a note from the profile or a sentence from an LLM agent can hold anything:
backticks, pipes, newlines, HTML, links. These filters keep each on one line and inside the cell
or code span it was put in, and show a link or an image as the text it is, so the document's
structure is ours and not the data's: `![x](https://tracker.example/p.png)` is never fetched and
`[click](javascript:...)` never becomes a link when GitHub renders the file.
"""

from __future__ import annotations

import re

# Control characters, line separators and the bidirectional overrides and isolates that can make
# text read differently from what it is (a "Trojan Source" reordering).
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def one_line(text: object) -> str:
    """Control characters (newlines included) become visible escapes, never line breaks."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))


_HTML_START = re.compile(r"<(?=[A-Za-z/!?])")
# Every link and image needs a `]` directly before `(` (inline), `[` (reference) or `:` (a
# reference definition, which a bare `[x]` would then follow). That `]` is escaped, with the
# backslashes before it doubled so that each shows as itself and the escape holds.
_LINK_CLOSE = re.compile(r"(\\*)\](?=[(\[:])")


def _no_html(text: object) -> str:
    return _HTML_START.sub("&lt;", one_line(text))


def no_links(text: str) -> str:
    """Text in which no link, image or link reference definition can form.

    `![x](url)` becomes `![x\\](url)`, `[x][ref]` becomes `[x\\][ref]` and `[ref]: url` becomes
    `[ref\\]: url`: each shows as the characters it is. Other brackets (`[a, b]`, `[note] text`)
    are left as they are, so text without `](`, `][` or `]:` is returned unchanged.
    """
    return _LINK_CLOSE.sub(lambda m: m.group(1) * 2 + "\\]", text)


# GitHub turns a bare URL into a link, but never inside a code span: a URL is shown as code.
_BARE_URL = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>`|\\()\[\]]+", re.IGNORECASE)


def no_autolinks(text: str) -> str:
    return _BARE_URL.sub(lambda m: f"`{m.group()}`", text)


def md(text: object) -> str:
    """Inline markdown text on one line; anything that could open an HTML tag or a link is
    neutralised.

    Only a `<` that could start a tag is escaped, so `<9years` and `a < b` stay readable.
    """
    return no_autolinks(no_links(_no_html(text)))


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


def code_cell(text: object) -> str:
    """A code span inside a pipe-table cell.

    Nothing inside a code span is a link, so brackets stay as they are (an escape would show);
    pipes are escaped for the table, which GFM undoes before it reads the span.
    """
    return _no_html(code(text)).replace("|", "\\|")
