"""Matching words to column names: "predict churn" finds `Churn`, `churned`, `is_churn`."""

from __future__ import annotations

import re

# Words that say what kind of question is asked, not what it is about.
STOPWORDS = frozenset(
    """
    a an the of to for from in on at by with and or whether if will would is are be been being
    predict predicting prediction predictions forecast forecasting estimate estimating classify
    classification identify identifying detect detecting model modelling modeling regression
    binary multiclass multi class target goal label labels column variable value values
    who which what whose how much many next this that these those their its his her they it
    its per each every given using use based from via into our my your we you i
    has have had having does do did get gets got make makes
    likely likelihood probability chance risk score rate number amount
    customer customers user users person people row rows record records
    """.split()
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^0-9a-zA-Z]+")


def tokens(text: str) -> list[str]:
    """Lower-case word tokens, splitting camelCase and snake_case."""
    text = _CAMEL.sub(" ", text)
    return [t for t in _NON_ALNUM.split(text.lower()) if t]


def stem(word: str) -> str:
    """A crude stem, good enough to match churn/churned/churns/churning and price/prices."""
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]  # matches/match, boxes/box
    for suffix in ("ing", "ed", "s", "er"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word  # price/pric(ed)


def content_words(text: str) -> list[str]:
    return [t for t in tokens(text) if t not in STOPWORDS and len(t) > 1]


def match_score(column: str, words: list[str]) -> float:
    """How strongly a column name matches goal words; 0 when it does not.

    An exact name match beats a token match, which beats a stem match; a column whose name is
    entirely made of goal words beats one that merely contains one.
    """
    if not words:
        return 0.0
    col_tokens = tokens(column)
    if not col_tokens:
        return 0.0
    joined_words = "".join(words)
    if "".join(col_tokens) == joined_words:
        return 10.0
    col_stems = {stem(t) for t in col_tokens}
    word_stems = {stem(w) for w in words}
    score = 0.0
    for i, w in enumerate(words):
        # The last word is usually the head of the phrase: "house prices" is about prices.
        weight = 2.0 if i == len(words) - 1 else 1.0
        if w in col_tokens:
            score += 3.0 * weight
        elif stem(w) in col_stems:
            score += 2.0 * weight
    # Informative prefixes such as is_/has_/num_ do not dilute a match.
    meaningful = [t for t in col_tokens if t not in {"is", "has", "flag", "num", "n", "y"}]
    unmatched = [t for t in meaningful if stem(t) not in word_stems]
    if score and meaningful and not unmatched:
        score += 2.0
    # Words the goal did not use make a weaker match: `churned` beats `churn_reason`.
    return max(score - len(unmatched), 0.0) if score else 0.0
