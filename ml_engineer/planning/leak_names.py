"""Leaks a column's name or meaning gives away, whatever the data says.

- **The target, transformed**: the target's name with a transform glued on (`lwage`, `wage_sq`,
  `logprice`, `highwage`), or the target itself a transform of the column (target `lwage`,
  column `wage`).
- **A second outcome of the same sitting**: a column measured like the target (the same
  measure, another subject: `readscr` beside the target `mathscr`, `math_score` beside
  `read_score`) that moves with it. Past measurements (`re74` beside `re78`) are not siblings:
  they differ by a number, a time; nor are earlier or reference values named as such
  (`prev_sales`, `list_price`).
- **A meaning that says so**: the analyst writes that the column is computed from the target,
  or from a column already excluded as a leak.

How or when the outcome ended (a closing date, a censoring flag) is read from the name by
`columns.py`'s post-outcome words. Data-measured leaks are in `inputs/data/leaks.py`.
"""

from __future__ import annotations

import re

from ml_engineer.models import ColumnKind, ColumnProfile
from ml_engineer.planning.names import stem, tokens

# Glued before or after a name, these make it a transform of that name.
# (`est`, `pred`, `fit`, `hat`: another model's estimate of the target carries it too.)
TRANSFORM_PREFIXES = ("log", "ln", "lg", "l", "sqrt", "sq", "exp", "z", "std", "pct", "high",
                      "low", "hi", "lo", "d", "est", "pred", "fit")  # fmt: skip
TRANSFORM_SUFFIXES = ("log", "ln", "sq", "sqrt", "pct", "cat", "bin", "grp", "group", "band",
                      "hi", "lo", "flag", "std", "z", "rank", "dummy", "hat", "pred", "est",
                      "fit")  # fmt: skip
# Shared endings that are grammar, not a measure: `earnings` and `savings` share no measure.
_GRAMMAR_ENDINGS = frozenset({"ing", "ings", "tion", "tions", "ment", "ments", "ness", "ity",
                              "ities", "able", "ance", "ence", "ers", "ies", "ous", "ive", "ate",
                              "ated", "ism", "ome"})  # fmt: skip
# Subjects that put a measure before the outcome or beside it as a reference, not a second
# outcome: `prev_sales` or `lag_sales` beside `weekly_sales`, `list_price` beside `sale_price`.
_EARLIER_SUBJECTS = frozenset({"prev", "previous", "last", "lag", "lagged", "prior", "past",
                               "pre", "old", "orig", "original", "initial", "start", "list",
                               "base", "baseline", "expected", "budget", "target"})  # fmt: skip
SIBLING_ASSOCIATION = 0.6  # a column measured like the target and this associated is an outcome
_COMPUTED = re.compile(
    r"\b(computed|derived|calculated|equals?|based on|ratio of|sum of|difference|log of|"
    r"divided|times|multiplied)\b",
    re.I,
)


def transform_of_target(column: str, target: str) -> str | None:
    """The transform when one name is the other with a transform glued on: 'l' for `lwage`
    beside `wage` (either way round)."""
    col, tgt = _alpha(column), _alpha(target)
    if not col or not tgt or col == tgt or min(len(col), len(tgt)) < 3:
        return None
    for longer, shorter in ((col, tgt), (tgt, col)):
        for prefix in TRANSFORM_PREFIXES:
            if longer == prefix + shorter:
                return f"'{prefix}' + `{shorter}`"
        for suffix in TRANSFORM_SUFFIXES:
            if longer == shorter + suffix:
                return f"`{shorter}` + '{suffix}'"
    return None


def sibling_measure(column: str, target: str) -> str | None:
    """The measure a column shares with the target when both name it after different subjects
    (`readscr` and `mathscr` share 'scr'; `math_score` and `read_score` share 'score'); None
    for the same subject at another time (`re74`, `re78`)."""
    col_words, tgt_words = tokens(column), tokens(target)
    if len(col_words) > 1 and len(tgt_words) > 1:
        if col_words[-1] == tgt_words[-1] and col_words[:-1] != tgt_words[:-1]:
            subjects = col_words[:-1] + tgt_words[:-1]
            earlier = set(col_words[:-1]) & _EARLIER_SUBJECTS
            if all(w.isalpha() for w in subjects) and not earlier:
                return col_words[-1]
        return None
    col, tgt = column.lower(), target.lower()
    if not (col.isalpha() and tgt.isalpha()) or col == tgt:
        return None
    shared = 0
    while shared < min(len(col), len(tgt)) and col[-1 - shared] == tgt[-1 - shared]:
        shared += 1
    ending = col[-shared:] if shared else ""
    if col[: -shared or None] in _EARLIER_SUBJECTS:
        return None  # `prevsales`, `listprice`
    if shared >= 3 and len(col) - shared >= 2 and len(tgt) - shared >= 2:
        if not any(ending.endswith(g) and len(ending) - len(g) < 2 for g in _GRAMMAR_ENDINGS):
            return ending
    return None


def name_leaks(
    columns: list[ColumnProfile],
    target: str,
    association: dict[str, float],
    meanings: dict[str, list[str]],
) -> dict[str, str]:
    """Column -> why its name or meaning gives the target away."""
    found: dict[str, str] = {}
    for col in columns:
        if col.name == target:
            continue
        transform = transform_of_target(col.name, target)
        if transform:
            found[col.name] = (
                f"leakage suspect: its name and the target's differ by a transform ({transform}): "
                "a log, a square, a band or an estimate of the target carries the target itself"
            )
            continue
        measure = sibling_measure(col.name, target)
        strength = association.get(col.name)
        if measure and col.kind == ColumnKind.numeric and (strength or 0) >= SIBLING_ASSOCIATION:
            found[col.name] = (
                f"leakage suspect: a second outcome measured with the target: it shares the "
                f"target's measure ('{measure}') for another subject and moves with it on the "
                f"training rows (association {strength:.3f}); it is not known before the target"
            )
            continue
        said = _computed_from(meanings.get(col.name, []), [target])
        if said:
            found[col.name] = (
                f"leakage suspect: the analyst writes it is computed from the target: {said!r}"
            )
    return found


def derived_from_leaks(
    columns: list[ColumnProfile], leaks: list[str], meanings: dict[str, list[str]]
) -> dict[str, str]:
    """Column -> why it is computed from a column excluded as a leak: its name holds the leak's
    (`price_per_unit` beside the excluded `price`) or its meaning says so."""
    found: dict[str, str] = {}
    for col in columns:
        if col.name in leaks:
            continue
        words = {stem(w) for w in tokens(col.name)}
        for leak in leaks:
            leak_words = {stem(w) for w in tokens(leak)}
            by_name = len(leak) >= 4 and leak_words and leak_words < words
            said = _computed_from(meanings.get(col.name, []), [leak])
            if by_name or said:
                how = f"its name holds `{leak}`'s" if by_name else f"the analyst writes {said!r}"
                found[col.name] = (
                    f"leakage suspect: computed from `{leak}`, which is excluded as a leak "
                    f"({how}); what is computed from a leak leaks too"
                )
                break
    return found


def _computed_from(notes: list[str], names: list[str]) -> str | None:
    for note in notes:
        for name in names:
            if re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", note) and _COMPUTED.search(note):
                return note.strip()
    return None


def _alpha(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())
