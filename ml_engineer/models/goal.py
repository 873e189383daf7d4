"""The goal: what to predict, how success is measured, and what the analyst wrote about it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class TaskType(StrEnum):
    binary = "binary"
    multiclass = "multiclass"
    regression = "regression"


class AnalystNotes(BaseModel):
    """What schema-suggestion.md and eda-report.md say, read by rules."""

    goal_sentence: str | None = None
    target_hint: str | None = Field(None, description="A column the documents mark as the target.")
    key_columns: list[str] = Field(default_factory=list)
    suggested_metrics: list[str] = Field(
        default_factory=list, description="Normalised metric names."
    )
    metric_notes: list[str] = Field(
        default_factory=list, description="The sentences about metrics, as written."
    )
    quality_notes: list[str] = Field(default_factory=list)
    column_notes: dict[str, list[str]] = Field(
        default_factory=dict, description="Notes about a named column, from either document."
    )
    ordered_categories: dict[str, list[str]] = Field(default_factory=dict)
    sources: list[str] = Field(default_factory=list, description="Files that were read.")


class TargetCandidate(BaseModel):
    """A column the goal's words or form point at, with how strongly and why."""

    column: str
    score: float = Field(description="Higher is a better match; only the order is meaningful.")
    reason: str


class Goal(BaseModel):
    """The decided goal."""

    text: str = Field(description="The goal sentence the decision was made from.")
    task: TaskType
    target: str
    target_reason: str = Field(description="How the target was found.")
    positive_class: str | None = None
    positive_reason: str = ""
    classes: list[str] = Field(default_factory=list)
    forecasting: bool = False
    time_column: str | None = None
    time_parts: list[str] = Field(
        default_factory=list,
        description="Finer time columns after time_column (quarter or month after year).",
    )
    season: int | None = Field(
        None, description="Forecasting: periods per season (4, 12, 52, 7), when the time says."
    )
    series_column: str | None = Field(
        None, description="Forecasting: the column naming each series (a store, a product)."
    )
    candidates: list[TargetCandidate] = Field(
        default_factory=list,
        description="The other columns the goal could have meant, best first, with their reasons.",
    )
    primary_metric: str
    secondary_metrics: list[str] = Field(default_factory=list)
    metric_reason: str = ""
