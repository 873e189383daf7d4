"""The Jinja2 environments, and the filters for generated Python files.

Untrusted strings (column names, the goal sentence, the slug) reach generated code in exactly two
ways: as a Python literal (`pyrepr`) or inside a `#` comment (`comment`). Neither can end the
literal or the comment, so the data can never become code.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

COMMENT_MAX_CHARS = 100

# A comment on line 1 or 2 that matches this is a PEP 263 encoding declaration, which changes how
# Python decodes the whole file (`coding: raw_unicode_escape` turns `\u000a` into a line break).
_ENCODING_DECLARATION = re.compile(r"(coding)([:=])", re.IGNORECASE)


def pyrepr(value: object) -> str:
    """A Python literal for a str, int, float, bool or None; anything else is refused."""
    if value is None or isinstance(value, (str, bool, int)):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"pyrepr: {value!r} has no Python literal")
        return repr(value)
    raise TypeError(f"pyrepr: refusing a {type(value).__name__}; only str/int/float/bool/None")


_VOCABULARY_NAME = re.compile(r"[a-z0-9_][a-z0-9_.]*")


def quoted_name(value: object) -> str:
    """A double-quoted literal for one of the product's own names (a column group, a model
    family, a version series), as the code around it is written; data never takes this path,
    and anything that is not such a name is refused."""
    if not isinstance(value, str) or not _VOCABULARY_NAME.fullmatch(value):
        raise ValueError(f"quoted_name: {value!r} is not a vocabulary name; use pyrepr for data")
    return f'"{value}"'


def _unsafe(char: str) -> bool:
    """Control, format, surrogate, private-use or unassigned, or a line/paragraph separator."""
    category = unicodedata.category(char)
    return category[0] == "C" or category in ("Zl", "Zp")


def _width(char: str) -> int:
    """Columns a character takes in an editor (and in ruff's line-length count)."""
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def comment(value: object, max_chars: int = COMMENT_MAX_CHARS) -> str:
    """Text safe for the rest of a `#` comment line: one line, at most max_chars columns wide.

    Control and format characters (newlines, carriage returns, NUL, bidi overrides, line and
    paragraph separators, lone surrogates) each become a space; runs of whitespace collapse.
    """
    text = " ".join("".join(" " if _unsafe(char) else char for char in str(value)).split())
    text = _ENCODING_DECLARATION.sub(r"\1 \2", text)
    if sum(map(_width, text)) <= max_chars:
        return text
    kept, width = [], 3  # room for the "..."
    for char in text:
        width += _width(char)
        if width > max_chars:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "..."


def from_import(module: str, names: list[str], max_chars: int = COMMENT_MAX_CHARS) -> str:
    """`from module import a, b`; wrapped one name a line, as ruff's isort wraps it, when the
    line would pass max_chars. For the module and class names of the renderer's tables only."""
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= max_chars:
        return line
    return "\n".join([f"from {module} import (", *(f"    {name}," for name in names), ")"])


FILTERS = {
    "pyrepr": pyrepr, "comment": comment, "from_import": from_import, "quoted_name": quoted_name
}


def _environment(**options) -> Environment:
    return Environment(
        loader=PackageLoader("ml_engineer.render", "templates"),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        **options,
    )


@cache
def python_environment() -> Environment:
    """The environment for templates of generated Python: strict, unescaped, newline-preserving."""
    env = _environment(trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FILTERS)
    return env


@cache
def markdown_environment() -> Environment:
    """The environment for generated markdown: data strings pass through the markdown filters."""
    from ml_engineer.render.column_notes_cell import readable_notes
    from ml_engineer.render.markdown_filters import cell, code, code_cell, md

    env = _environment()
    env.filters.update(md=md, code=code, cell=cell, code_cell=code_cell,
                       readable_notes=readable_notes)  # fmt: skip
    env.globals["pct"] = lambda x: f"{x:.0%}"
    return env
