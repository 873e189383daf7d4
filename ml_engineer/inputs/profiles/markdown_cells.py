"""One cell of a markdown column table: a missing count or share, a range, a list, top values.

The parsers raise ValueError for a cell they cannot read (`try_float` answers None instead), so
the caller can name the cell.
"""

from __future__ import annotations

import re

from ml_engineer.inputs.profiles.markdown_document import clean
from ml_engineer.inputs.profiles.missing import MissingFacts
from ml_engineer.inputs.profiles.numbers import (
    is_absent,
    parse_count,
    parse_count_and_percent,
    parse_float,
)
from ml_engineer.models.profile import TopValue


def try_float(text: str) -> float | None:
    try:
        return parse_float(text)
    except ValueError:
        return None  # a date bound on a datetime column: expected, not needed


def missing_cell(facts: MissingFacts, role: str, header: str, text: str) -> None:
    """Record a missing count, percent or fraction in `facts`, under the header it came from."""
    key = clean(header)
    if role == "missing:fraction" and not text.endswith("%"):
        value = parse_float(text)
        facts.fraction, facts.fraction_key = value, key
        return
    try:
        count, pct = parse_count_and_percent(text)
    except ValueError:
        # "0.034" in a column whose header does not say: percent or fraction, decided later.
        value = parse_float(text)
        if role == "missing:percent":
            facts.percent, facts.percent_key = value, key
        else:
            facts.ambiguous, facts.ambiguous_key = value, key
        return
    if role == "missing:percent" and pct is None and count is not None:
        pct, count = float(count), None  # "3" under "Missing %" is 3 percent
    if role == "missing:ambiguous" and pct is None and count is not None:
        facts.ambiguous, facts.ambiguous_key = float(count), key
        return
    if count is not None and facts.count is None:
        facts.count = count
    if pct is not None and facts.percent is None:
        facts.percent, facts.percent_key = pct, key


def parse_range(text: str) -> tuple[float | None, float | None]:
    """ "2.2 – 18.0", "1,000 to 50,000", "0..1", "[2.2, 18.0]" (a comma only inside brackets,
    since "1,000" uses it for thousands)."""
    text = text.strip()
    bracketed = re.match(r"^[\[(]\s*(.+?)\s*,\s*(.+?)\s*[\])]$", text)
    if bracketed:
        parts = [bracketed.group(1), bracketed.group(2)]
    else:
        parts = re.split(r"\s+(?:-|–|—|to|\.\.)\s+|\s*(?:–|—|\.\.)\s*", text)
    if len(parts) != 2:
        raise ValueError(text)
    return parse_float(parts[0]), parse_float(parts[1])


def list_cell(text: str) -> list[str]:
    """ "a, b, c" or "`a`; `b`" -> ["a", "b", "c"]; a lone value is a one-item list."""
    parts = re.split(r"\s*[;,]\s*|<br\s*/?>", text)
    return [p.strip().strip("`'\"") for p in parts if p.strip() and not is_absent(p)]


_TOP_PART = re.compile(
    r"^(?P<value>.+?)\s*(?:\(\s*(?P<c1>[\d,._ ]+)\s*(?:[,;/]\s*[\d.,]+\s*%)?\s*\)|[:=]\s*"
    r"(?P<c2>[\d,._ ]+)|\s+[x×]?(?P<c3>[\d,]+))\s*$"
)


def top_values(text: str) -> tuple[list[TopValue], list[str]]:
    """ "yes (3335), no (1542)", "yes: 3335; no: 1542", "Adelie 152, Gentoo 124", "yes, no" """
    tops: list[TopValue] = []
    bare: list[str] = []
    for part in re.split(r"\s*[;,]\s+|\s*;\s*|<br\s*/?>", text):
        part = part.strip()
        if not part:
            continue
        match = _TOP_PART.match(part)
        count = None
        if match:
            raw = match.group("c1") or match.group("c2") or match.group("c3")
            try:
                count = parse_count(raw)
            except ValueError:
                count = None
        if match and count is not None:
            tops.append(TopValue(value=match.group("value").strip().strip("`'\""), count=count))
        else:
            bare.append(re.sub(r"\s*\([^)]*%\s*\)$", "", part).strip("`'\""))
    tops.sort(key=lambda t: -t.count)
    return tops, bare
