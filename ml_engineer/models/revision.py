"""A reviewer's changes at the approval checkpoint, as typed overrides of the planner."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

# The nodes a revision can restart from, earliest first: a change re-runs its node and all after.
NODE_ORDER = ("feature_spec_writer", "training_script_generator", "experiment_config_writer")
Node = Literal["feature_spec_writer", "training_script_generator", "experiment_config_writer"]


class Overrides(BaseModel):
    """Decisions a person made; the planner applies them instead of its own."""

    target: str | None = None
    drop: list[str] = Field(default_factory=list)
    keep: list[str] = Field(
        default_factory=list, description="Columns kept even if dropped before or excluded."
    )
    primary_metric: str | None = None
    split_strategy: Literal["stratified", "random", "time", "group"] | None = None
    split_column: str | None = None
    model_type: str | None = None
    tracker: Literal["none", "mlflow", "wandb"] | None = None

    def merged(self, newer: Overrides) -> Overrides:
        """This set of overrides with a later one applied on top."""
        data = self.model_dump()
        for key, value in newer.model_dump(exclude_defaults=True).items():
            data[key] = sorted(set(data[key]) | set(value)) if key in ("drop", "keep") else value
        # The later word wins: keeping a column undoes its drop, and dropping undoes a keep.
        data["drop"] = [c for c in data["drop"] if c not in newer.keep]
        data["keep"] = [c for c in data["keep"] if c not in newer.drop]
        if newer.split_strategy is not None:
            data["split_column"] = newer.split_column
        return Overrides.model_validate(data)


class Revision(BaseModel):
    """One round of feedback: what was asked, what the rules did with it, where it restarts."""

    number: int
    feedback: str
    overrides: Overrides
    acted: list[str] = Field(default_factory=list, description="What changed, in words.")
    not_understood: list[str] = Field(
        default_factory=list, description="Feedback the rules could not act on; kept in the spec."
    )
    restart_at: Node | None = None
    read_by: str = Field("rules", description="Who turned the words into changes.")
    previous_version: str | None = Field(None, description="Where the previous set was kept.")
