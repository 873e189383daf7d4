"""`DataProfile`: one normalised view of whatever profile the analyst left behind."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class ColumnKind(StrEnum):
    """What a column holds, as far as modelling is concerned."""

    numeric = "numeric"
    categorical = "categorical"
    boolean = "boolean"
    datetime = "datetime"
    text = "text"
    id = "id"
    unknown = "unknown"


class NumericStats(BaseModel):
    """Summary statistics of a numeric column; any may be unknown."""

    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None
    q25: float | None = None
    q50: float | None = None
    q75: float | None = None
    skew: float | None = None


class TopValue(BaseModel):
    """One frequent value and how often it occurs. Values are kept as text."""

    value: str
    count: int


# Flags set when the profile is checked against the dataset (the data wins).
ABSENT_FROM_DATA = "absent_from_data"  # the profile lists the column, the dataset lacks it
PROFILED_FROM_DATA = "profiled_from_data"  # the dataset has it, so it was measured there


class ColumnProfile(BaseModel):
    """One column as the profile describes it. Unknown facts stay `None`, never guessed."""

    name: str
    kind: ColumnKind = ColumnKind.unknown
    source_type: str | None = Field(None, description="The type exactly as the profile wrote it.")
    missing_count: int | None = None
    missing_fraction: float | None = Field(
        None, ge=0.0, le=1.0, description="0..1, never a percent."
    )
    unique_count: int | None = None
    stats: NumericStats | None = None
    top_values: list[TopValue] = Field(default_factory=list)
    sample_values: list[str] = Field(default_factory=list)
    flags: list[str] = Field(
        default_factory=list,
        description="Normalised quality flags: constant, high_missing, likely_id, "
        "high_cardinality, skewed, imbalanced, duplicate (rows), leakage, weight, redundant, "
        "correlated, missing, other; absent_from_data is set when the dataset lacks the column, "
        "profiled_from_data when the profile lacked it and it was measured on the data.",
    )
    notes: list[str] = Field(default_factory=list, description="Upstream quality notes, verbatim.")
    max_length: float | None = Field(
        None, description="Longest value in characters (text columns)."
    )
    mean_length: float | None = None


class DataProfile(BaseModel):
    """The profile, normalised; `unread_fields` names every upstream field not understood."""

    source_format: str = Field(description="canonical, ydata, frictionless or markdown.")
    profile_path: str
    row_count: int | None = None
    column_count: int | None = None
    dataset_path: str | None = Field(
        None, description="The data file the profile names, as written."
    )
    columns: list[ColumnProfile]
    quality_notes: list[str] = Field(default_factory=list)
    unread_fields: list[str] = Field(default_factory=list)

    def column(self, name: str) -> ColumnProfile | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]
