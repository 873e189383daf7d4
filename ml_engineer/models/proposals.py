"""What an LLM agent may propose: the arguments of its write tools.

Each is a change to the planner's own decisions, not a whole document: a 2,000-column spec never
travels through the model, and anything the agent leaves out stays as the planner decided. The
planner's checks review every proposal before it touches a deliverable.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from ml_engineer.models.derived import DerivedFeature
from ml_engineer.models.feature_spec import Treatment
from ml_engineer.models.revision import Overrides

ModelType = Literal[
    "hist_gradient_boosting", "lightgbm", "random_forest", "extra_trees",
    "logistic_regression", "ridge",
]  # fmt: skip
SplitStrategy = Literal["stratified", "random", "time", "group"]
# Bounds on what a model may send: a proposal a person cannot read is not a proposal.
Name = Annotated[str, StringConstraints(max_length=300)]
Reason = Annotated[str, StringConstraints(max_length=600)]
MAX_COLUMN_CHANGES = 300


class ColumnProposal(BaseModel):
    column: Name = Field(description="An existing column name, exactly as list_columns shows it.")
    keep: bool = Field(description="true to use it as an input, false to exclude it.")
    treatment: Treatment | None = Field(
        None, description="How a kept column enters the model; omit to let the planner choose."
    )
    reason: Reason = Field(description="Why, in domain words; the reviewer reads it in the spec.")


class FeatureProposal(BaseModel):
    """Your feature-spec decisions, as changes to the planner's recommendation."""

    target: Name | None = Field(
        None, description="The column to predict; omit to keep the planner's."
    )
    target_reason: Reason | None = Field(None, description="Why that target, if you change it.")
    primary_metric: str | None = Field(
        None, description="The metric that decides success; omit to keep the planner's."
    )
    metric_reason: Reason | None = Field(None, description="Why that metric, if you change it.")
    columns: list[ColumnProposal] = Field(
        default_factory=list,
        max_length=MAX_COLUMN_CHANGES,
        description="Only the columns whose keep/exclude decision or treatment you change.",
    )
    derived: list[DerivedFeature] = Field(
        default_factory=list,
        max_length=20,
        description="New features computed from existing columns.",
    )
    split_strategy: SplitStrategy | None = Field(None, description="Omit to keep the planner's.")
    split_column: Name | None = Field(
        None, description="The time column of a time split, or the group column of a group split."
    )
    split_reason: Reason | None = Field(None, description="Why that split, if you change it.")
    summary: Annotated[str, StringConstraints(max_length=1200)] = Field(
        "", description="Two or three sentences on the design, for the reviewer."
    )


class TrainingPlan(BaseModel):
    """The model the training script fits."""

    model_type: ModelType
    params: dict[Name, float | int | bool | str] = Field(
        default_factory=dict,
        max_length=20,
        description="Only the hyperparameters you change from the planner's defaults.",
    )
    class_weight: Literal["balanced", "none", "planner"] = Field(
        "planner", description="'planner' keeps the planner's choice from the class balance."
    )
    reason: Reason = Field(description="Why this model for this data, for the reviewer.")


class ExperimentProposal(BaseModel):
    """How the experiment is measured and preprocessed."""

    secondary_metrics: list[Name] | None = Field(
        None,
        max_length=10,
        description="Metrics reported beside the primary one; omit to keep the planner's.",
    )
    one_hot_min_frequency: int | None = Field(None, ge=1, le=1000)
    one_hot_max_categories: int | None = Field(None, ge=2, le=200)
    text_max_features: int | None = Field(None, ge=100, le=50_000)
    reason: Reason = Field("", description="Why, for the reviewer.")


class RevisionProposal(Overrides):
    """A reviewer's words at approval, as changes to the design."""

    drop: list[Name] = Field(default_factory=list, max_length=MAX_COLUMN_CHANGES)
    keep: list[Name] = Field(default_factory=list, max_length=MAX_COLUMN_CHANGES)
    acted: list[Reason] = Field(
        default_factory=list, max_length=20, description="Each change made, in words."
    )
    not_understood: list[Reason] = Field(
        default_factory=list,
        max_length=20,
        description="Parts of the feedback no field here can express.",
    )
