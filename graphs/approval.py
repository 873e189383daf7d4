"""The approval checkpoint: the one place where the graph stops and asks a person.

The payload is built to be judged in ten seconds: the decisions, the validation result beside
the naive baseline, and the paths. The answer comes back through `Command(resume=...)`.
"""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END
from langgraph.types import Command, interrupt
from ml_engineer.graphs.progress import checkpoint
from ml_engineer.graphs.state import MLEngineerState
from pydantic import BaseModel, Field

from ml_engineer.models import ExperimentConfig, FeatureSpec
from ml_engineer.validation import ValidationResult

QUESTION = "ML design complete. Approve before handing off to MLOps for deploy and monitor."


class ExcludedColumn(BaseModel):
    column: str
    reason: str


class ApprovalSummary(BaseModel):
    """What a person needs to say yes or no."""

    question: str = QUESTION
    slug: str
    task: str
    target: str
    positive_class: str | None = None
    primary_metric: str
    split: str
    kept_columns: list[str]
    excluded_columns: list[ExcludedColumn]
    model: str
    model_params: dict
    validation: str
    validation_status: str
    metrics_test: dict | None = None
    baseline_test: dict | None = None
    stderr_tail: str | None = None
    risks: list[str] = Field(default_factory=list)
    paths: dict[str, str]
    options: list[str] = Field(default_factory=lambda: ["approve", "reject"])


class Decision(BaseModel):
    decision: Literal["approve", "reject"]
    reason: str | None = None


def build_summary(state: MLEngineerState) -> ApprovalSummary:
    spec = FeatureSpec.model_validate(state["feature_spec"])
    config = ExperimentConfig.model_validate(state["experiment_config"])
    result = ValidationResult.model_validate(state["validation"])
    metrics = result.metrics or {}
    split = spec.split.strategy
    if spec.split.time_column:
        split += f" on {spec.split.time_column}"
    if spec.split.group_column:
        split += f" by {spec.split.group_column}"
    split += f" ({spec.split.train:.0%}/{spec.split.val:.0%}/{spec.split.test:.0%})"
    return ApprovalSummary(
        slug=state["slug"],
        task=spec.goal.task.value,
        target=spec.target.column,
        positive_class=spec.target.positive_class,
        primary_metric=spec.goal.primary_metric,
        split=split,
        kept_columns=[c.name for c in spec.kept],
        excluded_columns=[ExcludedColumn(column=c.name, reason=c.reason) for c in spec.excluded],
        model=config.model.type,
        model_params=config.model.params,
        validation=result.summary_line(),
        validation_status=result.status,
        metrics_test=(metrics.get("model") or {}).get("test"),
        baseline_test=(metrics.get("baseline") or {}).get("test"),
        stderr_tail=result.stderr_tail,
        risks=spec.risks,
        paths=dict(state.get("written", {})),
    )


def parse_decision(answer: object) -> Decision:
    """Accept `"approve"`, `"reject"`, `{"decision": ..., "reason": ...}` or a Decision."""
    if isinstance(answer, Decision):
        return answer
    if isinstance(answer, str):
        word = answer.strip().lower()
        if word in {"approve", "approved", "yes", "y"}:
            return Decision(decision="approve")
        return Decision(decision="reject", reason=None if word in {"reject", "no", "n"} else answer)
    if isinstance(answer, dict):
        return Decision.model_validate(answer)
    raise ValueError(f"Unrecognised approval answer: {answer!r}")


def approval(state: MLEngineerState) -> Command[Literal["handoff", "__end__"]]:
    summary = build_summary(state)
    # No checkpoint line here: a node re-runs from its start on resume, so a line sent before
    # interrupt() would repeat. The question travels in the interrupt payload instead.
    decision = parse_decision(interrupt(summary.model_dump(mode="json")))
    record = {"decision": decision.model_dump(mode="json")}
    if decision.decision == "approve":
        return Command(goto="handoff", update=record)
    message = "ML design rejected; nothing was handed off." + (
        f" Reason: {decision.reason}" if decision.reason else ""
    )
    return Command(goto=END, update={**record, **checkpoint("approval", message)})
