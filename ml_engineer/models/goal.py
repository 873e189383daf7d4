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
    series_column: str | None = Field(
        None, description="Forecasting: the column naming each series (a store, a product)."
    )
    primary_metric: str
    secondary_metrics: list[str] = Field(default_factory=list)
    metric_reason: str = ""
