"""`ExperimentConfig`: the single source of truth the training script reads.

Its field names are the keys of experiment-config.yaml, so the YAML file, this model and the
script agree by construction.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ml_engineer.models.derived import DatePart, DerivedOp


class FeatureGroups(BaseModel):
    """Input columns grouped by treatment; one ColumnTransformer branch per group."""

    numeric: list[str] = Field(default_factory=list)
    categorical: list[str] = Field(default_factory=list)
    high_cardinality: list[str] = Field(default_factory=list)
    boolean: list[str] = Field(default_factory=list)
    datetime: list[str] = Field(default_factory=list)
    text: list[str] = Field(default_factory=list)

    def all(self) -> list[str]:
        return [
            *self.numeric,
            *self.categorical,
            *self.high_cardinality,
            *self.boolean,
            *self.datetime,
            *self.text,
        ]


class SplitSection(BaseModel):
    strategy: Literal["stratified", "random", "time", "group"]
    train: float
    val: float
    test: float
    stratify: bool
    time_column: str | None = None
    group_column: str | None = None
    cv_folds: int | None = None


class DerivedSection(BaseModel):
    """One derived feature as the script computes it; its reason stays in feature-spec.md."""

    name: str
    op: DerivedOp
    inputs: list[str]
    part: DatePart | None = None
    bins: int | None = None


class DataSection(BaseModel):
    path: str | None = Field(description="Relative to this config file's folder, or absolute.")
    path_env: str = "ML_ENGINEER_DATA"
    format: Literal["csv", "parquet"] = "csv"
    sep: str = Field(",", description="CSV field separator.")
    target: str
    task: Literal["binary", "multiclass", "regression"]
    positive_class: str | None = None
    classes: list[str] = Field(default_factory=list)
    features: FeatureGroups
    derived: list[DerivedSection] = Field(
        default_factory=list, description="New numeric inputs the pipeline computes first."
    )
    drop: list[str] = Field(default_factory=list)
    split: SplitSection


class PreprocessingSection(BaseModel):
    one_hot_min_frequency: int = 10
    one_hot_max_categories: int = 30
    scale_numeric: bool = True
    text_max_features: int = 2000


Framework = Literal["sklearn", "lightgbm", "xgboost", "pytorch", "spark"]


class ModelSection(BaseModel):
    framework: Framework = "sklearn"
    type: str
    params: dict[str, Any] = Field(default_factory=dict)
    class_weight: str | None = None


class SearchSection(BaseModel):
    """Other model families the script measures against `model` before it trains: each scored
    on the primary metric by k-fold CV on train+val (or train -> validation part on large
    data), in order, until the time budget is spent; the best one is the model."""

    budget_s: float = Field(12.0, description="Seconds the search may spend; 0 turns it off.")
    folds: int | None = Field(None, description="k-fold CV on train+val; empty: the val part.")
    alternatives: list[ModelSection] = Field(default_factory=list)


class MetricsSection(BaseModel):
    primary: str
    secondary: list[str] = Field(default_factory=list)


class LoggingSection(BaseModel):
    experiment_name: str
    tracker: Literal["none", "mlflow", "wandb"] = "none"
    tracking_uri: str | None = None


class ValidationSection(BaseModel):
    """How the product's own check run is bounded."""

    sample_rows: int = 50_000
    timeout_s: int = 600


class ExperimentConfig(BaseModel):
    data: DataSection
    preprocessing: PreprocessingSection = Field(default_factory=PreprocessingSection)
    model: ModelSection
    search: SearchSection | None = None
    metrics: MetricsSection
    logging: LoggingSection
    validation: ValidationSection = Field(default_factory=ValidationSection)
    seed: int = 42

    def candidate_types(self) -> list[str]:
        """The model families the script may train: `model`, then the search's alternatives."""
        alternatives = self.search.alternatives if self.search and self.search.budget_s else []
        return list(dict.fromkeys([self.model.type, *(m.type for m in alternatives)]))
