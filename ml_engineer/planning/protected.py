"""Protected attributes: recognised by name, values or meaning, and said in the goal's domain.

Race and ethnicity, sex and gender, age, religion, disability, nationality and marital status
are kept as inputs unless the reviewer drops them: the person decides, and the product makes
sure they decide knowingly. Each is named in the spec's risks with what it means in the goal's
domain (lending, hiring and pay, housing, insurance, health, education), and the training
script measures the model per group (`data.protected` in experiment-config.yaml).
"""

from __future__ import annotations

import re

from ml_engineer.models import ColumnDecision, ColumnProfile, ProtectedAttribute
from ml_engineer.planning.names import tokens

# characteristic -> (whole words, word starts) of column names that record it
_NAMES: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "race or ethnicity": (
        frozenset(
            {
                "race",
                "black",
                "white",
                "asian",
                "nonwhite",
                "nwhite",
                "minority",
                "hisp",
                "afam",
                "caucasian",
                "latino",
                "ethnic",
            }
        ),  # fmt: skip
        ("ethn", "hispan", "racial"),
    ),
    "sex or gender": (
        frozenset({"sex", "male", "female", "gender", "fem", "woman", "man"}),
        ("gender",),
    ),  # fmt: skip
    "age": (frozenset({"age", "aged", "dob", "birthyear", "yob"}), ()),
    "religion": (
        frozenset(
            {
                "religion",
                "religious",
                "muslim",
                "christian",
                "jewish",
                "catholic",
                "protestant",
                "hindu",
                "buddhist",
            }
        ),
        ("relig",),
    ),  # fmt: skip
    "disability": (frozenset({"disabled", "handicap", "handicapped"}), ("disab",)),
    "nationality or citizenship": (
        frozenset(
            {
                "foreign",
                "foreigner",
                "immigrant",
                "native",
                "citizen",
                "nationality",
                "migrant",
                "expat",
            }
        ),  # fmt: skip
        ("citizen", "nationalit", "immigr", "foreignborn"),
    ),
    "marital status": (
        frozenset({"married", "marital", "marry", "divorced", "widowed", "spouse", "mstatus"}),
        ("marit", "marri"),
    ),  # fmt: skip
}
# Values that give a column away, whatever its name (at least two of them among its values).
_VALUES: dict[str, frozenset[str]] = {
    "sex or gender": frozenset({"male", "female", "man", "woman", "men", "women"}),
    "race or ethnicity": frozenset({"white", "black", "hispanic", "hispan", "asian", "latino",
                                    "caucasian", "african american", "native american"}),
    "marital status": frozenset({"married", "single", "divorced", "widowed", "separated",
                                 "never married"}),
    "religion": frozenset({"christian", "muslim", "jewish", "catholic", "protestant", "hindu",
                           "buddhist", "atheist"}),
}  # fmt: skip
_MEANING = {
    "race or ethnicity": re.compile(r"\b(race|racial|ethnic\w*)\b", re.I),
    "sex or gender": re.compile(r"\b(sex|gender)\b", re.I),
    "age": re.compile(r"\bage\b(?! (of|since) (the )?(house|building|car|account|loan))", re.I),
    "religion": re.compile(r"\breligio\w*", re.I),
    "disability": re.compile(r"\bdisab\w*", re.I),
    "nationality or citizenship": re.compile(
        r"\b(nationality|citizenship|foreign[- ]born)\b", re.I
    ),
    "marital status": re.compile(r"\bmarital\b", re.I),
}

# The goal's domain, from its words and the columns' names, and what a protected input means
# there.
_DOMAINS: list[tuple[str, re.Pattern[str], str]] = [
    (
        "lending",
        re.compile(
            r"\b(loan|lend\w*|mortgage|credit|default\w*|deny|denied|denial|"
            r"borrow\w*|applicant|application)\b",
            re.I,
        ),  # fmt: skip
        "In lending, decisions on {char} are unlawful in most places (e.g. the US Equal Credit "
        "Opportunity Act, EU equal-treatment law), and a model that uses it, or a proxy of it, can "
        "deny credit by group",
    ),
    (
        "insurance",
        re.compile(r"\b(insur\w*|premium|claims?|underwrit\w*)\b", re.I),
        "In insurance, pricing or cover by {char} is restricted in many places (the EU forbids "
        "sex-based premiums); a model that uses it can price groups differently",
    ),
    (
        "housing",
        re.compile(r"\b(rent\w*|tenant|housing|landlord|lease)\b", re.I),
        "In housing, fair-housing law forbids decisions on {char}; a model that uses it can steer "
        "or refuse people by group",
    ),
    (
        "hiring and pay",
        re.compile(
            r"\b(hir\w*|job|employ\w*|wages?|salar\w*|earn\w*|(?<!to.)pay|"
            r"promot\w*|hours|labou?r|work\w*|occupation)\b",
            re.I,
        ),  # fmt: skip
        "In hiring and pay, decisions on {char} are unlawful discrimination; a model that learns "
        "from past pay or hiring reproduces the gaps of its data",
    ),
    (
        "health",
        re.compile(
            r"\b(health|diabet\w*|disease|patient|hospital|medical|doctor|"
            r"pharmac\w*|illness|clinic\w*|mortality|diagnos\w*|treatment)\b",
            re.I,
        ),  # fmt: skip
        "In health, {char} may be clinically relevant, but a model that uses it can serve groups "
        "unequally; check that it works as well for each group",
    ),
    (
        "education",
        re.compile(
            r"\b(school\w*|exam|test|grade|student|pupil|college|universit\w*|"
            r"admission\w*|scor\w*)\b",
            re.I,
        ),  # fmt: skip
        "In education, decisions on {char} are discriminatory; a model that uses it can sort "
        "students by group",
    ),
]
_GENERAL = (
    "{char} is a protected characteristic: a decision based on it, or on a proxy of it, may be "
    "unlawful or unfair"
)


def find_protected(
    columns: list[ColumnProfile], target: str, meanings: dict[str, list[str]]
) -> list[ProtectedAttribute]:
    """The protected attributes among the columns (not the target), each with how it was
    recognised."""
    found = []
    for col in columns:
        if col.name == target:
            continue
        hit = _by_name(col.name) or _by_values(col) or _by_meaning(meanings.get(col.name, []))
        if hit:
            characteristic, how = hit
            found.append(
                ProtectedAttribute(column=col.name, characteristic=characteristic, found_by=how)
            )
    return found


def protected_risks(
    protected: list[ProtectedAttribute], decisions: list[ColumnDecision], goal_words: str
) -> list[str]:
    """One risk line per protected attribute, in the goal's domain, saying whether it is kept."""
    sentence = _domain(goal_words)
    lines = []
    kept = {d.name for d in decisions if d.keep}
    for attribute in protected:
        char = attribute.characteristic
        status = (
            "It is kept as an input: the reviewer decides (`revise drop "
            f"{attribute.column}`); the check run measures the model per group either way."
            if attribute.column in kept
            else "It is not an input (see its reason); the check run still measures the model "
            "per group, where its values allow."
        )
        lines.append(
            f"Protected attribute `{attribute.column}` ({char}; recognised by "
            f"{attribute.found_by}). {sentence.format(char=char)}. {status}"
        )
    return lines


def _by_name(name: str) -> tuple[str, str] | None:
    words = tokens(name)
    if set(words) & _OF_A_THING:
        return None  # `house_age`, `man_hours`, `foreign_sales`: a measure of a thing
    for word in words:
        alpha = word.rstrip("0123456789")
        # `agew`, `ageh`, `age80`, `blacks`: the word and a year, a letter for wife or
        # husband, or a plural (a share of a place's people).
        of_whom = alpha[:-1] if len(alpha) >= 4 and alpha[-1] in "whs" else ""
        for candidate in (word, alpha, of_whom):
            if candidate in _WHOLE_WORDS:
                return _WHOLE_WORDS[candidate], f"its name ('{word}')"
        for characteristic, (_, starts) in _NAMES.items():
            if starts and word.startswith(starts):
                return characteristic, f"its name ('{word}')"
    return None


# Words that make a name a measure of a thing or an amount, not of a person: `house_age`,
# `account_age`, `man_hours`, `foreign_sales`.
_OF_A_THING = frozenset({"house", "home", "building", "bldg", "car", "vehicle", "account",
                         "loan", "policy", "product", "item", "tree", "asset", "equipment",
                         "machine", "property", "dwelling", "structure", "firm", "company",
                         "hours", "hour", "hrs", "days", "sales", "revenue", "price", "cost",
                         "power", "made", "trade", "exchange", "currency", "aid"})  # fmt: skip
_WHOLE_WORDS = {word: char for char, (whole, _) in _NAMES.items() for word in whole}


def _by_values(col: ColumnProfile) -> tuple[str, str] | None:
    values = {tv.value.strip().lower() for tv in col.top_values}
    for characteristic, known in _VALUES.items():
        hits = sorted(values & known)
        if len(hits) >= 2:
            return characteristic, f"its values ({', '.join(hits[:3])})"
    return None


def _by_meaning(meanings: list[str]) -> tuple[str, str] | None:
    for characteristic, pattern in _MEANING.items():
        for meaning in meanings[:1]:  # the schema's own line for the column
            if pattern.search(meaning):
                shown = meaning if len(meaning) <= 60 else meaning[:57] + "..."
                return characteristic, f"the analyst's meaning ({shown!r})"
    return None


def _domain(text: str) -> str:
    """What a protected input means in the goal's domain (the first domain its words name)."""
    for _name, pattern, sentence in _DOMAINS:
        if pattern.search(text):
            return sentence
    return _GENERAL
