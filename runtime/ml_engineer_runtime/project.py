"""A run's project: the config, the data read and checked against it, the target and its inputs.

Everything a training script needs to know before it splits: read once, checked before any
compute is spent, and printed so that the log says what was trained on what.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ml_engineer_runtime.config import feature_groups, load_config, print_inputs, resolve_data_path
from ml_engineer_runtime.data import (
    check_columns,
    load_data,
    positive_label,
    prepare_target,
    sample,
)
from ml_engineer_runtime.derived import derived_entries
from ml_engineer_runtime.errors import ScriptError
from ml_engineer_runtime.estimators import build_estimator
from ml_engineer_runtime.forecast import add_target_history, predicts_change
from ml_engineer_runtime.groups import set_aside
from ml_engineer_runtime.metrics import metric_name, metric_problem
from ml_engineer_runtime.threads import cap_threads


@dataclass
class Project:
    config: dict[str, Any]
    config_path: Path
    data_path: Path
    output_dir: Path
    target: str
    task: str
    seed: int
    features: dict[str, list[str]]  # the input columns by group, derived and forecast ones too
    primary: str
    metric_names: list[str]
    X: pd.DataFrame
    y: pd.Series
    positive: str | None = None  # the positive class of a binary task
    dropped: int = 0  # rows without a target value
    sampled_rows: int | None = None
    columns_read: dict[str, int] = field(default_factory=dict)
    attributes: pd.DataFrame | None = None  # the protected attributes, for results per group
    history: list[str] = field(default_factory=list)  # a forecast's columns of the target's past
    last_value: str | None = None  # of a forecast: the column of the previous value
    change: bool = False  # a forecast that learns the change from the last value

    @property
    def data_cfg(self) -> dict[str, Any]:
        return self.config["data"]

    @property
    def split_cfg(self) -> dict[str, Any]:
        return self.config["data"]["split"]

    @property
    def prep(self) -> dict[str, Any]:
        return self.config.get("preprocessing") or {}

    @property
    def derived(self) -> list[dict[str, Any]]:
        return self.config["data"].get("derived") or []

    @property
    def forecast(self) -> dict[str, Any] | None:
        return self.config["data"].get("forecast") or None


# What a script may have code for beyond its groups: data.derived, data.forecast, and a forecast
# that learns the change from the last value (data.forecast.predict: change).
SCRIPT_SECTIONS = ("derived", "forecast", "change")
REVISE = "generate the script again from the changed design (ml-engineer revise)"


def check_sections(data_cfg: dict[str, Any], handles: tuple[str, ...]) -> None:
    """Refuses a config that asks for code the script was written without, or that drops a
    forecast the script's baselines and inputs are built on: each would fail later, or worse,
    run and report what it did not do."""
    forecast = data_cfg.get("forecast")
    if data_cfg.get("derived") and "derived" not in handles:
        raise ScriptError(f"data.derived: this script has no step that derives columns; {REVISE}"
                          ", or remove data.derived")  # fmt: skip
    if forecast and "forecast" not in handles:
        raise ScriptError(f"data.forecast: this script was not written for a forecast; {REVISE}")
    if not forecast and "forecast" in handles:
        raise ScriptError("data.forecast is missing: this script was written for a forecast "
                          f"(its baselines are the last value); {REVISE}")  # fmt: skip
    if forecast and predicts_change(forecast, data_cfg["task"]) and "change" not in handles:
        raise ScriptError("data.forecast.predict 'change': this script models the level; "
                          f"{REVISE}, or set predict: level")  # fmt: skip


def load_project(
    args: argparse.Namespace,
    groups: tuple[str, ...],
    families: dict[str, Any],
    handles: tuple[str, ...] = (),
) -> Project:
    """The config and data of a run, checked. `groups`: the feature groups the script has a
    branch for; `families`: its model families by model.type; `handles`: which of
    SCRIPT_SECTIONS it has code for. The configured model is built once here, so that a bad
    model section fails before any data is read."""
    config_path = Path(args.config).resolve()
    config = load_config(config_path)
    data_cfg, split_cfg = config["data"], config["data"]["split"]
    target, task = data_cfg["target"], data_cfg["task"]
    check_sections(data_cfg, handles)
    features = feature_groups(data_cfg, groups)
    derived = derived_entries(data_cfg)
    features["numeric"] += [entry["name"] for entry in derived]  # numbers made by the pipeline
    primary = metric_name(config["metrics"]["primary"])
    secondary = [metric_name(name) for name in config["metrics"].get("secondary") or []]
    if problem := metric_problem(primary, task):
        raise ScriptError(f"metrics.primary {primary!r}: {problem}")
    build_estimator(families, config["model"], task, int(config.get("seed", 42)))
    if args.sample_rows is not None and args.sample_rows < 1:
        raise ScriptError("--sample-rows must be a positive number of rows")
    seed = int(config.get("seed", 42))

    data_path = resolve_data_path(args.data, data_cfg, config_path.parent)
    frame, header = load_data(
        data_path, data_cfg.get("format", "csv"), data_cfg.get("sep") or ",",
        data_cfg.get("encoding") or "utf-8",
        lambda names: check_columns(names, data_cfg, features),  # the columns to read
    )  # fmt: skip
    columns_read = {"read": frame.shape[1], "in_data": len(header)}
    # The columns the model may use: a protected attribute among them is an input; the others
    # are read for the per-group results only.
    model_columns = check_columns(header, {**data_cfg, "protected": []}, features)
    history, last_value, change = [], None, False
    if data_cfg.get("forecast"):
        change = predicts_change(data_cfg["forecast"], task)
        frame, history, last_value = add_target_history(frame, target, data_cfg["forecast"], header)
        features["numeric"] += history  # the target's past, from earlier rows of each series
    print(f"Data: {data_path} ({len(frame):,} rows; read {columns_read['read']} of its "
          f"{columns_read['in_data']} columns). Target {target!r} ({task}). Inputs:")  # fmt: skip
    print_inputs(features, {"of which derived": [entry["name"] for entry in derived],
                            "of which the target's past": history})  # fmt: skip

    sampled = sample(frame, args.sample_rows, split_cfg, seed)
    sampled_rows = len(sampled) if sampled is not frame else None
    if sampled_rows:
        print(f"Sampled {sampled_rows:,} rows (--sample-rows).")
    X, y, dropped = prepare_target(sampled, target, task)
    attributes = None
    if data_cfg.get("protected"):
        X, attributes = set_aside(X, data_cfg["protected"], model_columns)
    cap_threads(len(X))
    if dropped:
        print(f"Dropped {dropped:,} rows without a usable target value.")
    positive = positive_label(y, data_cfg.get("positive_class")) if task == "binary" else None
    if task == "multiclass" and y.nunique() < 2:
        raise ScriptError(f"the target {target!r} has a single class: {y.iloc[0]!r}")
    output_dir = Path(args.output_dir or config_path.parent / "runs" / "latest")
    return Project(
        config=config, config_path=config_path, data_path=data_path, output_dir=output_dir,
        target=target, task=task, seed=seed, features=features, primary=primary,
        metric_names=list(dict.fromkeys([primary, *secondary])), X=X, y=y, positive=positive,
        dropped=dropped, sampled_rows=sampled_rows, columns_read=columns_read,
        attributes=attributes, history=history, last_value=last_value, change=change,
    )  # fmt: skip
