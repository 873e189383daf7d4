"""Read tools over the design so far, for the agents that come after the feature spec."""

from __future__ import annotations

import json
from collections import Counter

from ml_engineer.agents.read_tools import MAX_READ_CHARS, NoArgs, fit_lines
from ml_engineer.agents.tool_loop import ReadTool
from ml_engineer.models import ExperimentConfig, FeatureSpec
from ml_engineer.planning.training_checks import PARAM_RANGES
from ml_engineer.render.experiment_config import render_experiment_config


class DesignReader:
    def __init__(self, spec: FeatureSpec, config: ExperimentConfig):
        self.spec, self.config = spec, config

    def tools(self) -> list[ReadTool]:
        return [
            ReadTool("design_summary", "The approved-so-far feature spec in brief: task, rows, "
                     "inputs by treatment, classes, split, risks.", NoArgs,
                     lambda _: self.summary(), "feature spec"),
            ReadTool("planned_experiment", "The planner's experiment-config.yaml, and the model "
                     "types and parameter ranges the script accepts.", NoArgs,
                     lambda _: self.experiment(), "experiment config"),
        ]  # fmt: skip

    def summary(self) -> str:
        spec = self.spec
        return json.dumps(
            {
                "task": spec.goal.task.value,
                "target": spec.target.column,
                "rows": spec.row_count,
                "inputs_by_treatment": dict(Counter(c.treatment.value for c in spec.kept)),
                "derived_features": [f.name for f in spec.derived],
                "class_counts": dict(list(spec.target.class_counts.items())[:30]),
                "imbalance": spec.imbalance_note,
                "primary_metric": spec.goal.primary_metric,
                "secondary_metrics": spec.goal.secondary_metrics,
                "split": spec.split.model_dump(mode="json", exclude_none=True),
                "risks": spec.risks[:10],
            },
            ensure_ascii=False,
        )

    def experiment(self) -> str:
        ranges = {
            kind: {k: "true/false" if v is bool else list(v) for k, v in params.items()}
            for kind, params in PARAM_RANGES.items()
        }
        ranges_text = "\n\nModel types and parameter ranges the script accepts:\n" + json.dumps(
            ranges
        )
        config_text = render_experiment_config(self.config)
        room = MAX_READ_CHARS - len(ranges_text)
        return fit_lines(config_text, room, "lines of experiment-config.yaml") + ranges_text
