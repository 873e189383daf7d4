"""The deployment-config-writer sub-skill: how the approved model is served.

The input schema comes from the kept features and the profile's statistics, so the service
rejects what the model never saw; package versions are the ones the model was built with.
With a model configured, an LLM agent may size the service (replicas, cpu, memory, timeout,
batch size) within the ranges the planner's checks allow; the schema and packages stay computed.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ml_engineer.agents.mlops_reader import MLOpsReader, chosen_by
from ml_engineer.agents.prompts import system_prompt
from ml_engineer.agents.tool_loop import AgentResult, AgentSession, WriteTool, run_agent
from ml_engineer.chosen_model import chosen_model
from ml_engineer.models import ColumnKind, DataProfile, ExperimentConfig, FeatureSpec, Treatment
from ml_engineer.models.mlops import DeploymentConfig, InputField
from ml_engineer.models.mlops_proposals import DeploymentProposal
from ml_engineer.planning.mlops_checks import review_deployment_proposal
from ml_engineer.validation import ValidationResult

NODE = "deployment_config_writer"
WRITE = "write_deployment_config"

ALLOWED_VALUES_MAX = 30  # list the levels of a category up to this many
_TYPES = {
    Treatment.numeric: "number", Treatment.categorical: "string",
    Treatment.high_cardinality: "string", Treatment.boolean: "string",
    Treatment.datetime: "datetime", Treatment.text: "string",
}  # fmt: skip


def build_deployment_config(
    spec: FeatureSpec,
    config: ExperimentConfig,
    profile: DataProfile,
    artifact: str | None,
    result: ValidationResult | None = None,
) -> DeploymentConfig:
    """`result`: the run whose model is served (the full training, else the check run); its
    search may have chosen another family than the config's `model`."""
    fields = [_field(c.name, c.treatment, profile, spec.split.time_column) for c in spec.kept]
    # The pipeline computes derived features from raw columns, so a request must carry those
    # columns too, even the ones the model does not use directly.
    listed = {c.name for c in spec.kept}
    for feature in spec.derived:
        dated = feature.op in ("date_part", "days_between")  # a StrEnum compares as its value
        for name in feature.inputs:
            if name not in listed:
                listed.add(name)
                treatment = Treatment.datetime if dated else None
                fields.append(_field(name, treatment, profile, spec.split.time_column))
    if config.data.forecast:  # the served model also takes the target's past, as numbers
        history = config.data.forecast.history_columns(spec.target.column)
        fields += [InputField(name=name, type="number", required=False) for name in history]
    # ml-engineer-runtime: the model.joblib of every Python framework names its conversions and
    # wrappers; with it (and scikit-learn) installed, the model loads in any process.
    packages = ["ml-engineer-runtime", "pandas", "numpy", "scikit-learn", "pyyaml", "joblib"]
    candidates = config.candidate_types()
    framework = config.model.framework
    if "lightgbm" in candidates:  # the model, or a family the search may choose
        packages.append("lightgbm")
    packages += _FRAMEWORK_PACKAGES.get(framework, [])
    spark = framework == "spark"
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
            "artifact": artifact
            or f"ml/runs/final/{'model' if spark else 'model.joblib'} (train it first: see below)",
            "train_command": "python ml/training_script.py --config ml/experiment-config.yaml "
            "--output-dir ml/runs/final",
            "load": "pyspark.ml.PipelineModel.load(artifact), in a Spark session where the "
            "packages below are installed (its first stage is ml_engineer_runtime.spark_inputs."
            "PreparedInputs; no code beside the model is needed)"
            if spark
            else "joblib.load(artifact), where the packages below are installed (the pipeline "
            "names ml_engineer_runtime's conversions; no code beside the model is needed)",
            "framework": config.model.framework,
            **_served_model(config, result),
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


def _served_model(config: ExperimentConfig, result: ValidationResult | None) -> dict:
    """`type` and `name` of the model the run chose, its measured rivals and what was not
    measured, and the families each run's search measures (`chosen_among`)."""
    model = chosen_model(config, result)
    served = {"type": model.type, "name": model.headline()}
    if compared := model.compared_words():
        served["compared"] = compared
    if unmeasured := model.unmeasured_words():
        served["not_measured"] = unmeasured
    candidates = config.candidate_types()
    if len(candidates) > 1:
        served["chosen_among"] = candidates
    return served


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
_EXACT = {"ml-engineer-runtime", "scikit-learn", "joblib", "lightgbm", "xgboost", "torch",
          "pyspark"}  # fmt: skip
# What each framework's script needs besides the scikit-learn stack (pip names; xgboost-cpu
# installs the module xgboost).
_FRAMEWORK_PACKAGES = {"xgboost": ["xgboost"], "pytorch": ["torch"], "spark": ["pyspark"]}


def _installed(package: str) -> str:
    try:
        installed = version(package)
    except PackageNotFoundError:
        return "*"
    return f"=={installed}" if package in _EXACT else f">={installed}"


def choose_deployment(
    deployment: DeploymentConfig,
    spec: FeatureSpec,
    config: ExperimentConfig,
    result: ValidationResult | None,
    session: AgentSession | None,
) -> AgentResult | None:
    """Let the agent size the service in `deployment`, in place; None without a model."""
    if session is None:
        return None
    agent = run_agent(
        session,
        node=NODE,
        system=system_prompt(NODE),
        task=(
            # No column name here: names are data, and reach the model only inside <data>.
            f"Size the prediction service of the approved {deployment.model['type']} model "
            f"({len(deployment.input_schema)} inputs, {spec.row_count or 'unknown'} training "
            f"rows; design_summary names its target); read what you need, then call {WRITE}."
        ),
        reads=MLOpsReader(spec, config, result).deployment_tools(deployment),
        write=WriteTool(
            WRITE,
            "Set the replicas, cpu, memory, request timeout and batch size you change.",
            DeploymentProposal,
            lambda p: review_deployment_proposal(p, deployment),
        ),
    )
    proposal = agent.proposal
    if proposal is None:  # the planner's deliverable, saying why the agent did not decide
        deployment.agent_notes = list(agent.notes)
        return agent
    service, resources = deployment.service, deployment.resources
    autoscale = resources.setdefault("autoscale", {})
    if proposal.replicas_min is not None:
        autoscale["min"] = resources["replicas"] = proposal.replicas_min
    if proposal.replicas_max is not None:
        autoscale["max"] = proposal.replicas_max
    for key, value in (("cpu", proposal.cpu), ("memory", proposal.memory)):
        if value is not None:
            resources[key] = value
    for key in ("request_timeout_ms", "max_batch_rows"):
        if getattr(proposal, key) is not None:
            service[key] = getattr(proposal, key)
    agent.notes.insert(0, chosen_by(session.model_name, proposal.reason))
    deployment.agent_notes = list(agent.notes)
    return agent
