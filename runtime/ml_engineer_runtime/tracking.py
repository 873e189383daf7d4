"""Logging a finished run to an experiment tracker (MLflow or Weights & Biases).

Why: a tracker is optional; its absence or an outage must never cost a finished training run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd


def tracker_params(config: dict[str, Any], metrics: dict[str, Any]) -> dict[str, Any]:
    """What was trained on what: the chosen model and its parameters, split, seed and rows."""
    params = {
        "model_type": metrics["model_type"],
        **{f"model.{key}": value for key, value in metrics["model_params"].items()},
        "split": metrics["split"],
        "seed": int(config.get("seed", 42)),
        "primary_metric": metrics["primary_metric"],
        **{f"rows_{part}": count for part, count in metrics["rows"].items()},
        "sampled_rows": metrics["sampled_rows"],
    }
    return {key: value for key, value in params.items() if value is not None}


def tracker_scores(metrics: dict[str, Any]) -> dict[str, float]:
    """Every score as model_test_<metric>, baseline_val_<metric>, ... and the CV mean and spread."""
    flat = {
        f"{who}_{part}_{name}": value
        for who in ("model", "baseline")
        for part, scores in metrics[who].items()
        for name, value in (scores or {}).items()
        if value is not None
    }
    cv, primary = metrics["cv"] or {}, metrics["primary_metric"]
    if cv.get("mean") is not None:
        flat[f"model_cv_{primary}_mean"], flat[f"model_cv_{primary}_std"] = cv["mean"], cv["std"]
    flat["fit_seconds"] = metrics["fit_seconds"]
    return flat


def mlflow_tracking_uri(logging_cfg: dict[str, Any], config_dir: Path) -> str:
    """logging.tracking_uri (a plain path is read from the config's folder), else
    $MLFLOW_TRACKING_URI, else a file store in mlruns/ beside the config: MLflow's own default
    is a SQLite database, which needs SQLAlchemy (not in mlflow-skinny)."""
    uri = str(logging_cfg.get("tracking_uri") or "").strip()
    if uri and (":" in uri or uri == "databricks"):
        return uri
    if uri:
        return (config_dir / uri).resolve().as_uri()
    return os.environ.get("MLFLOW_TRACKING_URI") or (config_dir / "mlruns").resolve().as_uri()


def requirements() -> list[str]:
    """The packages a process needs to load the saved model, at the versions that trained it:
    this runtime (whose classes and functions the pipeline names), scikit-learn, and the model
    libraries this run imported."""
    from importlib import metadata

    found = []
    # Each module by the distributions that install it, the first found giving the pin: the
    # runtime's [xgboost] extra installs xgboost-cpu, which provides the module xgboost.
    for packages, module in ((("ml-engineer-runtime",), "ml_engineer_runtime"),
                             (("scikit-learn",), "sklearn"), (("pandas",), "pandas"),
                             (("numpy",), "numpy"), (("lightgbm",), "lightgbm"),
                             (("xgboost", "xgboost-cpu"), "xgboost"),
                             (("torch",), "torch")):  # fmt: skip
        if module in sys.modules:
            found.append(pinned(packages, metadata))
    return found


def pinned(packages: tuple[str, ...], metadata) -> str:
    """`name==version` of the first of `packages` installed; the first name alone if none is."""
    for package in packages:
        try:
            return f"{package}=={metadata.version(package)}"
        except metadata.PackageNotFoundError:
            continue
    return packages[0]


def log_mlflow_model(model, example: pd.DataFrame | None, output_dir: Path) -> None:
    """The saved pipeline as an MLflow model taking the raw columns; it needs no code beside it,
    only the packages of requirements(). A model its framework saved as a folder (`model` is
    its path: Spark's model/) is logged as that folder's files."""
    import mlflow

    if isinstance(model, Path):
        mlflow.log_artifacts(str(model), "model")
        return
    try:
        import mlflow.sklearn
    except ImportError:  # no scikit-learn flavour in this MLflow: the file, as an artifact
        mlflow.log_artifact(str(output_dir / "model.joblib"), "model")
        return
    mlflow.sklearn.log_model(
        model, name="model", input_example=example, pip_requirements=requirements(),
        serialization_format="cloudpickle",  # as model.joblib
    )  # fmt: skip


def log_to_mlflow(config, metrics, metrics_path, model, example, config_dir) -> None:
    logging_cfg = config.get("logging") or {}
    try:
        import mlflow
    except ImportError:
        print("note: logging.tracker is mlflow, but mlflow is not installed; not logged")
        return
    uri = mlflow_tracking_uri(logging_cfg, config_dir)
    if uri.startswith("file:") or (":" not in uri and uri != "databricks"):
        # MLflow 3.10+ refuses a file store unless asked; here it is asked for by name.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri(uri)
    name = logging_cfg.get("experiment_name") or "experiment"
    mlflow.set_experiment(name)
    tags = {
        "target": metrics["target"],
        "task": metrics["task"],
        "framework": config["model"].get("framework", "sklearn"),
        "beats_baseline": str(metrics["beats_baseline"]).lower(),
    }
    with mlflow.start_run(run_name=metrics["model_type"], tags=tags) as active:
        mlflow.log_params(tracker_params(config, metrics))
        mlflow.log_metrics(tracker_scores(metrics))
        mlflow.log_artifact(str(metrics_path))
        log_mlflow_model(model, example, metrics_path.parent)
    print(f"Logged to MLflow: experiment {name!r}, run {active.info.run_id}, at {uri}")


def log_to_tracker(config, metrics, metrics_path, model, example, config_dir) -> None:
    """Log to the tracker named by logging.tracker. `model`: the fitted pipeline, or the folder
    a framework saved its model in; `example`: a few raw input rows (None with a folder)."""
    logging_cfg = config.get("logging") or {}
    tracker = logging_cfg.get("tracker") or "none"
    if tracker == "mlflow":
        log_to_mlflow(config, metrics, metrics_path, model, example, config_dir)
    elif tracker == "wandb":
        try:
            import wandb
        except ImportError:
            print("note: logging.tracker is wandb, but wandb is not installed; not logged")
            return
        name = logging_cfg.get("experiment_name") or "experiment"
        run = wandb.init(project=name, config=tracker_params(config, metrics))
        run.log(tracker_scores(metrics))
        run.finish()
