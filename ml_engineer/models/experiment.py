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
    time_parts: list[str] = Field(
        default_factory=list,
        description="Finer time columns after time_column (quarter after year): rows are "
        "ordered by time_column, then by each of these.",
    )
    group_column: str | None = None
    cv_folds: int | None = None


class DerivedSection(BaseModel):
    """One derived feature as the script computes it; its reason stays in feature-spec.md."""

    name: str
    op: DerivedOp
    inputs: list[str]
    part: DatePart | None = None
    bins: int | None = None


class ForecastSection(BaseModel):
    """A forecast: the target's own past becomes inputs, computed by the script from earlier
    rows only (per series), and the naive baseline is the last value."""

    time_column: str
    time_parts: list[str] = Field(
        default_factory=list, description="Finer time columns after time_column (quarter, month)."
    )
    series: list[str] = Field(default_factory=list, description="Columns naming each series.")
    season: int | None = Field(
        None,
        description="Periods in one season (4 quarters, 12 months, 52 weeks, 7 days): the "
        "seasonal naive baseline is the value this many periods back. None: no known season.",
    )
    predict: Literal["change", "level"] = Field(
        "change",
        description="change: the model learns the change from the last value and adds it back, "
        "so a trending series is not extrapolated from levels it never saw; level: the value.",
    )
    lags: list[int] = Field(default_factory=lambda: [1, 2, 3], description="Periods back.")
    rolling: list[int] = Field(
        default_factory=lambda: [3], description="Means over this many earlier periods."
    )

    def history_columns(self, target: str) -> list[str]:
        """The inputs the script adds, named as its add_target_history names them: the value a
        season back is one of them when the season is known."""
        lags = sorted({*self.lags, 1, *([self.season] if self.season else [])})
        return [f"{target}_lag_{k}" for k in lags] + [f"{target}_mean_{w}" for w in self.rolling]


class DataSection(BaseModel):
    path: str | None = Field(description="Relative to this config file's folder, or absolute.")
    path_env: str = "ML_ENGINEER_DATA"
    format: Literal["csv", "parquet"] = "csv"
    sep: str = Field(",", description="CSV field separator.")
    encoding: str = Field(
        "utf-8", description="CSV text encoding (a Python codec name, e.g. utf-8, cp1252)."
    )
    target: str
    task: Literal["binary", "multiclass", "regression"]
    positive_class: str | None = None
    classes: list[str] = Field(default_factory=list)
    features: FeatureGroups
    derived: list[DerivedSection] = Field(
        default_factory=list, description="New numeric inputs the pipeline computes first."
    )
    drop: list[str] = Field(default_factory=list)
    protected: list[str] = Field(
        default_factory=list,
        description="Protected attributes (sex, race, age, ...), kept as inputs or not: the "
        "script reports the primary metric and the mean or positive prediction per group.",
    )
    split: SplitSection
    forecast: ForecastSection | None = None


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
    target_transform: Literal["log1p"] | None = Field(
        None, description="Regression: fit on log(1 + target), predict back on its scale."
    )
    threshold: Literal["tuned"] | None = Field(
        None, description="Binary: the decision threshold tuned by CV for the primary metric."
    )


class SearchSection(BaseModel):
    """Other model families the script measures against `model` before it trains: each scored
    on the primary metric by k-fold CV on train+val (or train -> validation part on large
    data); the best one is the model. Bounded by these counts, never by the clock, so that the
    same data, config and seed choose the same model on any machine."""

    max_seconds: float = Field(
        600.0, description="Stops a search that runs away; metrics.json says what was cut."
    )
    folds: int | None = Field(None, description="k-fold CV on train+val; empty: the val part.")
    alternatives: list[ModelSection] = Field(default_factory=list)
    n_iter: int = Field(
        0, description="Random parameter draws of the best family, measured after the others."
    )
    blend_top: int = Field(
        0, description="Also measure the average of this many best candidates; 0 or 1: none."
    )


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
        """The model families the script may train: `model`, then the search's alternatives,
        and "blend" when the search may average two of them."""
        alternatives = self.search.alternatives if self.search else []
        kinds = list(dict.fromkeys([self.model.type, *(m.type for m in alternatives)]))
        if alternatives and self.search.blend_top >= 2 and len(kinds) >= 2:
            kinds.append("blend")  # the average of the two best families
        return kinds
