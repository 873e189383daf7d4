"""The deployment-config-writer sub-skill: how the approved model is served.

The input schema comes from the kept features and the profile's statistics, so the service
rejects what the model never saw; package versions are the ones the model was built with.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ml_engineer.models import ColumnKind, DataProfile, ExperimentConfig, FeatureSpec, Treatment
from ml_engineer.models.mlops import DeploymentConfig, InputField

ALLOWED_VALUES_MAX = 30  # list the levels of a category up to this many
_TYPES = {
    Treatment.numeric: "number", Treatment.categorical: "string",
    Treatment.high_cardinality: "string", Treatment.boolean: "string",
    Treatment.datetime: "datetime", Treatment.text: "string",
}  # fmt: skip


def build_deployment_config(
    spec: FeatureSpec, config: ExperimentConfig, profile: DataProfile, artifact: str | None
) -> DeploymentConfig:
    fields = [_field(c.name, c.treatment, profile, spec.split.time_column) for c in spec.kept]
    packages = ["pandas", "numpy", "scikit-learn", "pyyaml", "joblib"]
    if config.model.type == "lightgbm":
        packages.append("lightgbm")
    if config.logging.tracker != "none":
        packages.append(config.logging.tracker)
    classification = spec.goal.task.value != "regression"
    wide = len(fields) > 200
    return DeploymentConfig(
        service={
            "name": spec.slug,
            "protocol": "http",
            "predict_route": "/predict",
            "batch_route": "/predict/batch",
            "port": 8080,
            "request_timeout_ms": 2000,
            "max_batch_rows": 10_000,
        },
        model={
            "artifact": artifact or "ml/runs/final/model.joblib (train it first: see below)",
            "train_command": "python ml/training_script.py --config ml/experiment-config.yaml "
            "--output-dir ml/runs/final",
            "load": "joblib.load(artifact) with ml/ on sys.path (the pipeline's conversions "
            "live in training_script.py)",
            "framework": config.model.framework,
            "type": config.model.type,
            "task": spec.goal.task.value,
            "target": spec.target.column,
        },
        environment={
            "python": "3.11",
            "packages": {name: _installed(name) for name in packages},
            "env": {"OMP_NUM_THREADS": "1"},  # one request, one core: predictable latency
        },
        resources={
            "cpu": "2" if wide else "1",
            "memory": "2Gi" if wide else "1Gi",
            "replicas": 2,
            "autoscale": {"min": 2, "max": 6, "target_cpu_percent": 70},
        },
        input_schema=fields,
        output={
            "prediction": "the predicted class label" if classification else "the predicted value",
            "probabilities": (
                {"classes": spec.target.classes, "positive_class": spec.target.positive_class}
                if classification
                else None
            ),
        },
        health={
            "liveness": "/healthz",
            "readiness": "/readyz: the model is loaded and scores one row built from the schema",
        },
    )


def _field(
    name: str, treatment: Treatment | None, profile: DataProfile, time_column: str | None
) -> InputField:
    col = profile.column(name)
    kind = _TYPES.get(treatment, "string") if treatment else "string"
    if col is not None and col.kind == ColumnKind.numeric:
        kind = "number"  # sent as a number even when the model encodes it as a category (codes)
    if name == time_column:  # new periods lie past the training range by design
        return InputField(name=name, type=kind, required=bool(col and col.missing_fraction == 0))
    required = bool(col and col.missing_fraction == 0)
    allowed = None
    low = high = None
    if col is not None and kind == "string" and col.top_values:
        if col.unique_count is not None and col.unique_count <= ALLOWED_VALUES_MAX:
            allowed = [tv.value for tv in col.top_values]
    if col is not None and kind == "number" and col.stats is not None:
        low, high = col.stats.min, col.stats.max
    return InputField(
        name=name, type=kind, required=required, allowed_values=allowed, min=low, max=high
    )


# A pickled model loads reliably only with the versions that pickled it.
_EXACT = {"scikit-learn", "joblib", "lightgbm"}


def _installed(package: str) -> str:
    try:
        installed = version(package)
    except PackageNotFoundError:
        return "*"
    return f"=={installed}" if package in _EXACT else f">={installed}"
