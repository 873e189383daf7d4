"""`FeatureSpec`: every decision about columns, target and split, each with its reason."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from ml_engineer.models.derived import DerivedFeature
from ml_engineer.models.goal import Goal
from ml_engineer.models.profile import ColumnKind


class Treatment(StrEnum):
    """How a kept column enters the model. Each maps to one ColumnTransformer group."""

    numeric = "numeric"  # impute median, scale
    categorical = "categorical"  # impute most frequent, one-hot with a frequency floor
    high_cardinality = "high_cardinality"  # ordinal / target encoding
    boolean = "boolean"  # mapped to 0/1, impute most frequent
    datetime = "datetime"  # year, month, day of week, day of year
    text = "text"  # TF-IDF


TREATMENT_TRANSFORMS: dict[Treatment, list[str]] = {
    Treatment.numeric: ["impute median", "standard-scale"],
    Treatment.categorical: ["impute most frequent", "one-hot (rare levels grouped)"],
    Treatment.high_cardinality: ["impute most frequent", "target encoding (cross-fitted)"],
    Treatment.boolean: ["map to 0/1", "impute most frequent"],
    Treatment.datetime: ["parse date", "year, month, day of week, day of year", "impute median"],
    Treatment.text: ["fill empty", "TF-IDF (1-2 grams, capped vocabulary)"],
}


class Exclusion(StrEnum):
    """Why the planner left a column out, as a category other checks can rely on.

    The reason text says it to a person, and may be rewritten (by a reviewer, by an agent); this
    says it to code: a derived feature may not be built from a leak or an identifier.
    """

    absent = "absent"  # the profile lists it, the data file lacks it
    leakage = "leakage"  # derived from the target or recorded after the outcome
    identifier = "identifier"  # names a row instead of describing it
    weight = "weight"  # a sampling weight: describes the sample design, not the row
    constant = "constant"  # constant or near-constant: no signal
    missing = "missing"  # mostly missing
    unknown_type = "unknown_type"  # no treatment fits an unknown type
    reviewer = "reviewer"  # dropped at approval
    model = "model"  # dropped by the LLM agent


class ColumnDecision(BaseModel):
    """What happens to one input column, and why."""

    name: str
    kind: ColumnKind
    keep: bool
    treatment: Treatment | None = None
    exclusion: Exclusion | None = Field(
        None, description="Why it was excluded, as a category; None when kept."
    )
    transforms: list[str] = Field(default_factory=list)
    reason: str
    notes: list[str] = Field(default_factory=list)


class TargetSpec(BaseModel):
    column: str
    meaning: str | None = None
    encoding: str
    classes: list[str] = Field(default_factory=list)
    class_counts: dict[str, int] = Field(
        default_factory=dict, description="Rows per class, from the data or the profile."
    )
    positive_class: str | None = None
    skewed: bool = Field(
        False,
        description="A regression target that is never negative and has a long right tail "
        "(skew of 1 or more): the script also measures the model on log(1 + target).",
    )
    missing_rows: int | None = Field(
        None, description="Rows without a target, left out of training."
    )
    missing_rows_source: str = "profile"


class SplitPlan(BaseModel):
    strategy: Literal["stratified", "random", "time", "group"]
    train: float
    val: float
    test: float
    time_column: str | None = None
    time_parts: list[str] = Field(
        default_factory=list,
        description="Finer time columns after time_column (quarter after year), in order.",
    )
    group_column: str | None = None
    cv_folds: int | None = Field(None, description="Set for small data: k-fold CV on train+val.")
    reason: str


class ProtectedAttribute(BaseModel):
    """A column that records a protected characteristic: kept or dropped by the reviewer, it is
    always measured per group, so the person approving decides knowingly."""

    column: str
    characteristic: str = Field(description="sex, race or ethnicity, age, religion, ...")
    found_by: str = Field(description="How it was recognised: its name, its values, a meaning.")


class FeatureSpec(BaseModel):
    """The whole design of the model's inputs. Rendered to feature-spec.md."""

    slug: str
    goal: Goal
    target: TargetSpec
    columns: list[ColumnDecision]
    derived: list[DerivedFeature] = Field(
        default_factory=list, description="New inputs computed from the columns, each checked."
    )
    split: SplitPlan
    class_weight: str | None = None
    imbalance_note: str | None = None
    preprocessing_order: list[str] = Field(default_factory=list)
    risks: list[str] = Field(default_factory=list)
    protected: list[ProtectedAttribute] = Field(
        default_factory=list,
        description="Protected attributes among the columns: named in the risks, measured per "
        "group by the script.",
    )
    notes: list[str] = Field(default_factory=list)
    agent_notes: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Per node, what its LLM agent chose or was refused; a rerun replaces its own.",
    )
    analyst_quality_notes: list[str] = Field(
        default_factory=list, description="The analyst's data-quality notes, verbatim."
    )
    row_count: int | None = None
    data_path: str | None = Field(
        None,
        description="The dataset: relative to the ml folder when found, else as the profile "
        "names it (unreachable here).",
    )
    data_available: bool = False
    data_format: Literal["csv", "parquet"] = "csv"
    data_sep: str = Field(",", description="The CSV field separator found in the file.")
    data_encoding: str = Field(
        "utf-8", description="The CSV text encoding found in the file (a Python codec name)."
    )
    profile_format: str = "canonical"
    unread_fields: list[str] = Field(default_factory=list)

    @property
    def kept(self) -> list[ColumnDecision]:
        return [c for c in self.columns if c.keep]

    @property
    def excluded(self) -> list[ColumnDecision]:
        return [c for c in self.columns if not c.keep]

    def columns_for(self, treatment: Treatment) -> list[str]:
        return [c.name for c in self.kept if c.treatment == treatment]
