"""The MLOps stage's decisions: how the model is served, watched and retrained."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class InputField(BaseModel):
    """One column the service accepts, with what the training data says it looks like."""

    name: str
    type: Literal["number", "string", "boolean", "datetime"]
    required: bool = Field(description="False when the column had missing values in training.")
    allowed_values: list[str] | None = Field(
        None, description="For low-cardinality categories; other values are accepted as rare."
    )
    min: float | None = None
    max: float | None = None


class DeploymentConfig(BaseModel):
    service: dict
    model: dict
    environment: dict
    resources: dict
    input_schema: list[InputField]
    output: dict
    health: dict
    agent_notes: list[str] = Field(
        default_factory=list,
        exclude=True,
        description="Who chose the sizes, and why: rendered as comments above the YAML.",
    )


class DriftBaseline(BaseModel):
    """What a feature looked like in training, and when its change should raise an alert."""

    column: str
    kind: Literal["numeric", "categorical"]
    baseline: str = Field(description="The statistics the live data is compared with.")
    missing_rate: float | None = None
    test: str
    warn: str
    alert: str


class MetricAlert(BaseModel):
    """A live metric's thresholds, set between the validated score and the naive baseline."""

    metric: str
    baseline: float | None
    validated: float | None
    warn_at: float | None
    alert_at: float | None
    lower_is_better: bool = False
    note: str | None = None


MODEL_WORDS = (
    "The model the validated run trained, as its search chose it among the candidates, or "
    "the planned model, not yet measured (ml_engineer.chosen_model)."
)


class MonitoringSpec(BaseModel):
    slug: str
    model: str = Field("", description=MODEL_WORDS)
    task: str
    primary_metric: str
    metric_alerts: list[MetricAlert]
    drift: list[DriftBaseline]
    prediction_baseline: str
    label_delay_note: str
    dashboard: list[str]
    agent_notes: list[str] = Field(
        default_factory=list, description="What the LLM agent chose, and why; empty: the planner."
    )


class RetrainPipeline(BaseModel):
    slug: str
    model: str = Field("", description=MODEL_WORDS)
    triggers: list[str]
    steps: list[str]
    gates: list[str]
    rollout: list[str]
    rollback: list[str]
    agent_notes: list[str] = Field(
        default_factory=list, description="What the LLM agent chose, and why; empty: the planner."
    )
