"""Words of a goal and of column names: "predict churn" is about `Churn`, `churned`, `is_churn`.

A goal's words are sorted into three kinds. Stop words say what kind of question is asked
("predict", "whether", "the"). Generic words say the target is a number or a total ("rate",
"number", "score"): they add to a column's match but never make one alone, so "the traffic
fatality rate" never picks `unrate`. Topic words ("churn", "fatality", "wage") are what the
target is about.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

STOPWORDS = frozenset(
    """
    a an the of to for from in on at by with and or whether if will would is are be been being
    predict predicting prediction predictions forecast forecasting estimate estimating classify
    classification identify identifying detect detecting model modelling modeling regression
    binary multiclass multi class target goal label labels column variable
    who which what whose how much many next this that these those their its his her they it
    its per each every given using use based from via into our my your we you i
    has have had having does do did get gets got make makes
    likely likelihood probability chance risk whom when where why
    customer customers user users person people row rows record records
    """.split()
)
# Words that say the target is a quantity of something; they qualify a topic word.
GENERIC = frozenset(
    """
    rate rates number numbers amount amounts score scores level levels count counts total
    average avg mean index ratio share percent percentage quantity size sum value values
    type kind class category group
    """.split()
)

# Questions that name their answer's quantity without the noun: "how long a spell lasts" asks
# for its duration, as a column names it (`duration`, `dur`), not for anything "long".
_QUANTITY_QUESTIONS = (
    (re.compile(r"\bhow long\b", re.I), "the duration of"),
    (re.compile(r"\bhow old\b", re.I), "the age of"),
    (re.compile(r"\bhow often\b", re.I), "the frequency of"),
    (re.compile(r"\bhow far\b", re.I), "the distance of"),
    # "what a computer sells for", "how much a house costs": its price, as a column names it.
    (re.compile(r"\b(sells?|sold|selling|goes|go|went) for\b", re.I), "price"),
    (re.compile(r"\bhow much\b(?=.*\b(costs?|worth)\b)", re.I), "the price of"),
)
# A yes/no question: "whether ...", "predict if ...", "will ...", "which customers will churn".
# ("if" elsewhere is a condition: "the price, if available".)
YES_NO = re.compile(
    r"\b(whether|yes or no)\b"
    r"|(^|\b(predict|know|tell|see|determine|check|estimate|forecast|find out|say)\s+)if\b"
    r"|^\s*(will|is|are|does|do|did|has|have|can|would)\b"
    r"|\bwhich\s+\w+\s+(will|would|are|is|get|gets|go|goes)\b",
    re.I,
)
_POSSESSIVE = re.compile(r"\b(\w+)['’]s\b")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^0-9a-zA-Z]+")
_STEMMER = snowballstemmer.stemmer("english")


def tokens(text: str) -> list[str]:
    """Lower-case word tokens, splitting camelCase and snake_case."""
    return list(_tokens(text))


@lru_cache(maxsize=65536)
def _tokens(text: str) -> tuple[str, ...]:
    # Cached: every rule reads the same column names again.
    text = _CAMEL.sub(" ", text)
    return tuple(t for t in _NON_ALNUM.split(text.lower()) if t)


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """The Porter2 (Snowball) stem: churned/churning/churn, denied/deny, answers/answer."""
    return _STEMMER.stemWord(word.lower())


_GENERIC_STEMS = frozenset(stem(g) for g in GENERIC)


def quantity_named(text: str) -> str:
    """The goal with its quantity questions spelled as nouns: "how long a spell of unemployment
    lasts" reads "the duration of a spell of unemployment lasts"."""
    for question, noun in _QUANTITY_QUESTIONS:
        text = question.sub(noun, text)
    return text


def content_words(text: str) -> list[str]:
    """The goal's topic and generic words, in order (stop words and single letters dropped).
    An owner ("a county's crime rate") says whose target it is, not what: it is dropped too."""
    owners = {w.lower() for w in _POSSESSIVE.findall(text)}
    return [
        t for t in tokens(text)
        if t not in STOPWORDS and t not in owners and (len(t) > 1 or t.isdigit())
    ]  # fmt: skip


def is_generic(word: str) -> bool:
    return word in GENERIC or stem(word) in _GENERIC_STEMS


def head_word(text: str) -> str | None:
    """The word the goal's object is about: the last topic word of its first noun phrase.

    "house prices" is about prices; "the average exam score of a school" about the exam score
    (the phrase ends at "of"); "the number of pharmacy visits" about visits ("number of" only
    counts them). None when the goal has no topic word.
    """
    clause = re.split(r"[,;.(]", text, maxsplit=1)[0]
    if YES_NO.search(clause):
        # "whether a mortgage application is denied" asks about its predicate, not its subject.
        topics = [w for w in content_words(clause) if not is_generic(w) and not w.isdigit()]
        return topics[-1] if topics else None
    phrase: list[str] = []
    owners = {w.lower() for w in _POSSESSIVE.findall(text)}
    for word in tokens(text):
        if word == "s" or word in owners:
            continue  # a possessive: "a shop's total sales" is about sales
        content = word not in STOPWORDS and (len(word) > 1 or word.isdigit())
        if content:
            phrase.append(word)
        elif phrase and any(not is_generic(w) for w in phrase):
            break  # a function word after a topic word ends the phrase
    topics = [w for w in phrase if not is_generic(w) and not w.isdigit()]
    return topics[-1] if topics else None
