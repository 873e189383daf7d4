"""`DerivedFeature`: a new input computed from existing columns, such as debt / income.

The model is also the argument an LLM agent fills in to propose one, so every field says in its
description what it means and which values it takes. The planner's checks
(`planning/derived.py`) decide whether a proposal fits the data; the training script computes
the feature inside its pipeline, learning anything it needs from the training rows only.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints


class DerivedOp(StrEnum):
    """How a derived feature is computed. Every result is a number."""

    ratio = "ratio"  # first / second; division by zero gives missing
    difference = "difference"  # first - second
    product = "product"  # first * second
    log = "log"  # log(1 + x) of a non-negative number; a negative gives missing
    bins = "bins"  # index of the quantile bin, edges fitted on the training rows
    date_part = "date_part"  # one calendar part of a date
    days_between = "days_between"  # second date - first date, in days
    frequency = "frequency"  # share of training rows with the same value; unseen gives 0
    text_length = "text_length"  # number of characters; missing gives 0


# How many input columns each operation takes.
OP_ARITY: dict[DerivedOp, int] = {
    DerivedOp.ratio: 2, DerivedOp.difference: 2, DerivedOp.product: 2, DerivedOp.log: 1,
    DerivedOp.bins: 1, DerivedOp.date_part: 1, DerivedOp.days_between: 2,
    DerivedOp.frequency: 1, DerivedOp.text_length: 1,
}  # fmt: skip

DatePart = Literal["year", "month", "day", "dayofweek", "dayofyear", "hour", "quarter"]
BINS_MIN, BINS_MAX, BINS_DEFAULT = 2, 20, 5


class DerivedFeature(BaseModel):
    """A new numeric input computed from one or two existing columns, with the reason it helps.

    Examples: {"name": "debt_to_income", "op": "ratio", "inputs": ["debt", "income"],
    "reason": "debt-to-income: the burden of the debt relative to what the person earns"};
    {"name": "signup_month", "op": "date_part", "inputs": ["signup_date"], "part": "month",
    "reason": "seasonality of sign-ups"}.
    """

    name: str = Field(
        max_length=200,  # the pattern (64) is checked by the planner, with a message
        description="Name of the new column: letters, digits and underscores, starting with a "
        "letter or underscore, at most 64 characters (e.g. debt_to_income). It must differ from "
        "every existing column name and from the other derived features.",
    )
    op: DerivedOp = Field(
        description="The operation. Two inputs: ratio (first / second), difference (first - "
        "second), product (first * second), all on numeric columns; days_between (second date "
        "minus first date, in days) on two date columns. One input: log (log(1 + x), numeric, "
        "not negative), bins (quantile bin index, numeric), date_part (a date column), "
        "frequency (share of rows with the same value; a category, text or coded column), "
        "text_length (number of characters of a text or category column)."
    )
    inputs: list[Annotated[str, StringConstraints(max_length=300)]] = Field(
        max_length=4,
        description="Existing column names, exactly as the profile spells them, in the order "
        "the operation uses them: two for ratio, difference, product and days_between; one for "
        "the others. Never the target, and never a column excluded as a leak, an identifier "
        "or a constant.",
    )
    part: DatePart | None = Field(
        None,
        description="For date_part only, and then required: which calendar part to take. "
        "Omit it for every other operation.",
    )
    # Not validated here on purpose: a value out of range is reported by the planner's checks in
    # words the model can act on, rather than as a schema error for the whole proposal.
    bins: int | None = Field(
        None,
        description=f"For bins only: how many quantile bins, {BINS_MIN} to {BINS_MAX} "
        f"(default {BINS_DEFAULT}). Omit it for every other operation.",
        json_schema_extra={"minimum": BINS_MIN, "maximum": BINS_MAX},
    )
    reason: str = Field(
        max_length=600,
        description="Why this feature helps, in the words of the domain (e.g. 'debt-to-income: "
        "repayment burden'); the reviewer reads it in the feature spec.",
    )
