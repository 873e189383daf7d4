"""Helpers for tests that render training_script.py, run it and load what it saved.

The planner normally builds FeatureSpec and ExperimentConfig; here they are built by hand from a
few arguments, so each test states only what matters to it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ml_engineer.models import (
    ColumnDecision,
    ColumnKind,
    DataSection,
    ExperimentConfig,
    FeatureGroups,
    FeatureSpec,
    Goal,
    LoggingSection,
    MetricsSection,
    ModelSection,
    PreprocessingSection,
    SplitPlan,
    SplitSection,
    TargetSpec,
    Treatment,
)
from ml_engineer.render.training_script import render_training_script

KIND_OF = {
    Treatment.numeric: ColumnKind.numeric,
    Treatment.categorical: ColumnKind.categorical,
    Treatment.high_cardinality: ColumnKind.categorical,
    Treatment.boolean: ColumnKind.boolean,
    Treatment.datetime: ColumnKind.datetime,
    Treatment.text: ColumnKind.text,
}


def make_config(
    *,
    target: str,
    task: str,
    features: dict[str, list[str]],
    model_type: str,
    primary: str,
    secondary: list[str] | None = None,
    params: dict[str, Any] | None = None,
    split: dict[str, Any] | None = None,
    path: str | None = "data.csv",
    data_format: str = "csv",
    positive_class: str | None = None,
    tracker: str = "none",
    text_max_features: int = 2000,
    framework: str = "sklearn",
) -> ExperimentConfig:
    split = {"strategy": "stratified", "train": 0.6, "val": 0.2, "test": 0.2, **(split or {})}
    split.setdefault("stratify", split["strategy"] == "stratified")
    return ExperimentConfig(
        data=DataSection(
            path=path,
            format=data_format,
            target=target,
            task=task,
            positive_class=positive_class,
            features=FeatureGroups(**features),
            split=SplitSection(**split),
        ),
        preprocessing=PreprocessingSection(text_max_features=text_max_features),
        model=ModelSection(framework=framework, type=model_type, params=params or {}),
        metrics=MetricsSection(primary=primary, secondary=secondary or []),
        logging=LoggingSection(experiment_name="test", tracker=tracker),
    )


def spec_for(
    config: ExperimentConfig, *, slug: str = "demo", goal: str = "predict the target"
) -> FeatureSpec:
    """A FeatureSpec that agrees with `config`, as the planner would write it."""
    data = config.data
    columns = [
        ColumnDecision(
            name=name, kind=KIND_OF[treatment], keep=True, treatment=treatment, reason="test"
        )
        for treatment in Treatment
        for name in getattr(data.features, treatment.value)
    ]
    split = data.split
    return FeatureSpec(
        slug=slug,
        goal=Goal(
            text=goal,
            task=data.task,
            target=data.target,
            target_reason="given by the test",
            positive_class=data.positive_class,
            primary_metric=config.metrics.primary,
        ),
        target=TargetSpec(column=data.target, encoding="label", positive_class=data.positive_class),
        columns=columns,
        split=SplitPlan(
            strategy=split.strategy,
            train=split.train,
            val=split.val,
            test=split.test,
            time_column=split.time_column,
            group_column=split.group_column,
            cv_folds=split.cv_folds,
            reason="given by the test",
        ),
    )


def write_project(folder: Path, config: ExperimentConfig, spec: FeatureSpec | None = None) -> Path:
    """Write training_script.py and experiment-config.yaml into `folder`; return the script."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "training_script.py"
    script.write_text(render_training_script(spec or spec_for(config), config), encoding="utf-8")
    config_yaml = yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
    (folder / "experiment-config.yaml").write_text(config_yaml, encoding="utf-8")
    return script


# One OpenMP thread: the test data is small, and with two cores shared by other jobs, threads
# of HistGradientBoosting waiting on each other cost more than they save.
SCRIPT_ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def run_script(
    script: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run from the folder ABOVE the script's, so relative paths must resolve from the config."""
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=script.parent.parent,
        env={**SCRIPT_ENV, **(env or {})},
        capture_output=True,
        text=True,
        timeout=180,
    )


@dataclass
class Run:
    """A finished run of a generated script."""

    script: Path
    process: subprocess.CompletedProcess
    output_dir: Path

    @property
    def metrics(self) -> dict[str, Any]:
        assert self.process.returncode == 0, self.process.stderr
        return json.loads((self.output_dir / "metrics.json").read_text(encoding="utf-8"))


def train(
    folder: Path,
    config: ExperimentConfig,
    *args: str,
    spec: FeatureSpec | None = None,
    env: dict[str, str] | None = None,
) -> Run:
    script = write_project(folder, config, spec)
    process = run_script(script, *args, env=env)
    return Run(script, process, folder / "runs" / "latest")


# Runs in a fresh interpreter, isolated (-I: neither the script's folder nor the working folder
# is on sys.path): model.joblib must load from installed packages alone, with no path trick.
LOAD_AND_PREDICT = """
import json, sys
import joblib, pandas as pd
script_dir, model_path, data_path, target = sys.argv[1:5]
model = joblib.load(model_path)
assert "training_script" not in sys.modules, "the model needed the script itself"
if data_path.endswith(".parquet"):
    frame = pd.read_parquet(data_path)
else:
    frame = pd.read_csv(data_path)
X = frame.drop(columns=[target])
result = {"n_predictions": len(model.predict(X)), "inputs": list(model.feature_names_in_)}
if hasattr(model, "predict_proba"):
    result["proba_shape"] = list(model.predict_proba(X).shape)
print(json.dumps(result))
"""


def load_and_predict(run: Run, data_path: Path, target: str) -> dict[str, Any]:
    """Load model.joblib in a fresh process and predict on the raw data minus the target."""
    return json.loads(in_fresh_process(run, LOAD_AND_PREDICT, data_path, target))


def in_fresh_process(run: Run, code: str, data_path: Path, target: str) -> str:
    """Run `code` in a fresh, isolated interpreter with argv: the script's folder, its
    model.joblib, the data file and the target; return what it printed."""
    process = subprocess.run(
        [sys.executable, "-I", "-c", code, str(run.script.parent),
         str(run.output_dir / "model.joblib"), str(data_path), target],
        cwd=run.script.parent.parent, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    return process.stdout
