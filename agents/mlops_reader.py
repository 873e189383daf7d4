"""Read tools over the approved design and the MLOps stage so far, for the MLOps agents.

Each agent gets the design's own tools (`design_summary`, `planned_experiment`), the validated
metrics, and the planner's draft of its deliverable. Wide data is paged: a 2,000-column schema
never travels whole.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ml_engineer.agents.design_reader import DesignReader
from ml_engineer.agents.read_tools import NoArgs, fit_json
from ml_engineer.agents.tool_loop import ReadTool
from ml_engineer.models import ExperimentConfig, FeatureSpec
from ml_engineer.models.mlops import DeploymentConfig, MonitoringSpec, RetrainPipeline
from ml_engineer.validation import ValidationResult

PAGE = 50


def chosen_by(model_name: str, reason: str) -> str:
    """The line each MLOps deliverable carries when an agent's proposal was taken."""
    reason = " ".join(reason.split())
    line = f"Chosen by the LLM agent ({model_name})"
    return f"{line}: {reason}" if reason else f"{line}."


class ColumnPage(BaseModel):
    contains: str | None = Field(None, description="Only names containing this (any case).")
    offset: int = Field(0, ge=0, description="Skip this many matching columns.")


class MLOpsReader(DesignReader):
    def __init__(
        self, spec: FeatureSpec, config: ExperimentConfig, result: ValidationResult | None
    ):
        super().__init__(spec, config)
        self.result = result

    def design_tools(self) -> list[ReadTool]:
        return [
            *self.tools(),
            ReadTool("validated_metrics", "How the approved model scored on its held-out test "
                     "part beside the naive baseline, and on how many rows.", NoArgs,
                     lambda _: self.metrics(), "validation run"),
        ]  # fmt: skip

    def deployment_tools(self, planned: DeploymentConfig) -> list[ReadTool]:
        return [
            *self.design_tools(),
            ReadTool("planned_deployment", "The planner's service and resources sections, and "
                     "the size of the input schema.", NoArgs,
                     lambda _: self.deployment(planned), "deployment config"),
        ]  # fmt: skip

    def monitoring_tools(self, planned: MonitoringSpec) -> list[ReadTool]:
        return [
            *self.design_tools(),
            ReadTool("list_monitored_columns", f"The inputs on the drift panel, {PAGE} a page: "
                     "kind, treatment, missing rate in training, drift test.", ColumnPage,
                     lambda page: self.columns(planned, page), "monitoring spec"),
            ReadTool("planned_monitoring", "The planner's alert lines, label-delay note and "
                     "dashboard panels.", NoArgs,
                     lambda _: self.monitoring(planned), "monitoring spec"),
        ]  # fmt: skip

    def retrain_tools(self, planned: RetrainPipeline, monitoring: MonitoringSpec) -> list[ReadTool]:
        return [
            *self.design_tools(),
            ReadTool("planned_monitoring", "The alert lines, label-delay note and dashboard "
                     "panels the retrain triggers refer to.", NoArgs,
                     lambda _: self.monitoring(monitoring), "monitoring spec"),
            ReadTool("planned_retrain", "The planner's retrain triggers, steps, gates and "
                     "rollout.", NoArgs, lambda _: self.retrain(planned), "retrain pipeline"),
        ]  # fmt: skip

    def metrics(self) -> str:
        result = self.result
        if result is None:
            return fit_json({"status": "unknown"})
        metrics = result.metrics or {}
        return fit_json(
            {
                "status": result.status,
                "reason": result.reason,
                "primary_metric": metrics.get("primary_metric"),
                "model_test": (metrics.get("model") or {}).get("test"),
                "baseline_test": (metrics.get("baseline") or {}).get("test"),
                "rows": metrics.get("rows"),
                "sampled_rows": result.sampled_rows,
                "fit_seconds": result.seconds,
            }
        )

    def deployment(self, planned: DeploymentConfig) -> str:
        schema = planned.input_schema
        return fit_json(
            {
                "service": planned.service,
                "resources": planned.resources,
                "model_type": planned.model.get("type"),
                "inputs": len(schema),
                "inputs_by_type": {
                    kind: sum(f.type == kind for f in schema)
                    for kind in dict.fromkeys(f.type for f in schema)
                },
                "rows_in_training": self.spec.row_count,
            }
        )

    def columns(self, planned: MonitoringSpec, page: ColumnPage) -> str:
        treatments = {c.name: c.treatment for c in self.spec.kept}
        needle = (page.contains or "").casefold()
        rows = [d for d in planned.drift if needle in d.column.casefold()]
        shown = rows[page.offset : page.offset + PAGE]
        return fit_json(
            {
                "matching": len(rows),
                "offset": page.offset,
                "columns": [
                    {
                        "name": d.column,
                        "kind": d.kind,
                        "treatment": getattr(treatments.get(d.column), "value", None),
                        "missing_in_training": d.missing_rate,
                        "drift_test": d.test,
                    }
                    for d in shown
                ],
                "time_axis": self.spec.split.time_column,
            }
        )

    def monitoring(self, planned: MonitoringSpec) -> str:
        return fit_json(
            {
                "metric_alerts": [a.model_dump(mode="json") for a in planned.metric_alerts],
                "prediction_baseline": planned.prediction_baseline,
                "label_delay_note": planned.label_delay_note,
                "dashboard": planned.dashboard,
                "drift_columns": len(planned.drift),
            }
        )

    def retrain(self, planned: RetrainPipeline) -> str:
        return fit_json(planned.model_dump(mode="json", exclude={"agent_notes"}))
