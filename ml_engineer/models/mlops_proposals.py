"""What the MLOps stage's LLM agents may propose: the arguments of their write tools.

Each changes only what the planner had to guess (sizes, timeouts, what to watch first, how
often to retrain). What the approved design fixes stays computed: the input schema, the drift
baselines, the alert lines and the gates never travel through the model.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

CPU = Literal["0.5", "1", "2", "4"]
MEMORY = Literal["512Mi", "1Gi", "2Gi", "4Gi", "8Gi"]
Schedule = Literal["weekly", "monthly", "quarterly"]
Panel = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

MAX_WATCH_FIRST = 20  # the drift panel shows the top 20
MAX_EXTRA_PANELS = 5


class DeploymentProposal(BaseModel):
    """How the service is sized; omit a field to keep the planner's starting point."""

    replicas_min: int | None = Field(
        None, ge=1, le=50, description="The fewest replicas the autoscaler keeps running."
    )
    replicas_max: int | None = Field(
        None, ge=1, le=200, description="The most replicas the autoscaler may start."
    )
    cpu: CPU | None = Field(None, description="CPU per replica.")
    memory: MEMORY | None = Field(None, description="Memory per replica.")
    request_timeout_ms: int | None = Field(
        None, ge=100, le=60_000, description="How long one /predict request may take."
    )
    max_batch_rows: int | None = Field(
        None, ge=1, le=1_000_000, description="The most rows one /predict/batch request carries."
    )
    reason: str = Field(description="Why, in one or two sentences, for the reviewer.")

    @model_validator(mode="after")
    def _min_not_above_max(self) -> DeploymentProposal:
        if (
            self.replicas_min is not None
            and self.replicas_max is not None
            and self.replicas_min > self.replicas_max
        ):
            raise ValueError(
                f"replicas_min ({self.replicas_min}) is above replicas_max ({self.replicas_max})"
            )
        return self


class MonitoringProposal(BaseModel):
    """What the dashboard shows first, and when the labels arrive."""

    watch_first: list[str] = Field(
        default_factory=list,
        max_length=MAX_WATCH_FIRST,
        description="Input columns to put first on the drift panel, most important first; "
        "names exactly as list_monitored_columns shows them. Empty keeps the planner's order.",
    )
    label_delay_days: int | None = Field(
        None,
        ge=0,
        le=365,
        description="Days between a prediction and its true label arriving; omit if unknown.",
    )
    extra_panels: list[Panel] = Field(
        default_factory=list,
        max_length=MAX_EXTRA_PANELS,
        description="Dashboard panels to add after the planner's, one short sentence each.",
    )
    reason: str = Field(description="Why, in one or two sentences, for the reviewer.")


class RetrainProposal(BaseModel):
    """How often the model is retrained on schedule."""

    schedule: Schedule | None = Field(None, description="Omit to keep the planner's (monthly).")
    min_new_labelled_rows: int | None = Field(
        None, ge=1, description="Skip a scheduled retrain until this many new labelled rows."
    )
    reason: str = Field(description="Why, in one or two sentences, for the reviewer.")
