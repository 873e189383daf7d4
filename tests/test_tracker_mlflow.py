"""`logging.tracker: mlflow` for real: generated scripts log into an MLflow file store, read back.

Where the store is: logging.tracking_uri (a plain path from the config's folder), else
$MLFLOW_TRACKING_URI, else mlruns/ beside experiment-config.yaml. Each store is read back here
with MlflowClient: the run, its parameters, tags, scores, metrics.json, and the model, which is
loaded in a fresh process (no code travels with it: its requirements name ml-engineer-runtime)
and predicts on the raw columns. Without
MLflow, or when logging fails, the run still succeeds and says so in one line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from script_fixtures import SCRIPT_ENV, make_config, train
from test_training_script import assert_clean_success, churn_frame

mlflow = pytest.importorskip("mlflow", reason="mlflow (or mlflow-skinny) is not installed")

EXPERIMENT = "churn-tracking"
FEATURES = {
    "numeric": ["x"], "categorical": ["plan"], "boolean": ["is_member"],
    "datetime": ["signup_date"], "text": ["review"],
}  # fmt: skip
# MLflow 3.10+ opens a file store only when asked to; the script asks, and so does this reader.
FILE_STORE = {"MLFLOW_ALLOW_FILE_STORE": "true"}

# A fresh interpreter (-I: not even the script's folder on sys.path): the model loads from the
# store and installed packages alone. The same rows also go through model.joblib.
LOAD_LOGGED_MODEL = """
import json, sys
import joblib, mlflow.sklearn, pandas as pd
model_uri, data_path, target, script_dir, joblib_path = sys.argv[1:6]
model = mlflow.sklearn.load_model(model_uri)
X = pd.read_csv(data_path).drop(columns=[target])
predicted = model.predict(X)
same = bool((joblib.load(joblib_path).predict(X) == predicted).all())
import mlflow.pyfunc
with open(mlflow.pyfunc.get_model_dependencies(model_uri), encoding="utf-8") as handle:
    requirements = handle.read().split()
print(json.dumps({"n": len(predicted), "proba": list(model.predict_proba(X).shape),
                  "same_as_joblib": same, "script_imported": "training_script" in sys.modules,
                  "requirements": requirements}))
"""


@pytest.fixture(scope="module")
def data_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "data.csv"
    churn_frame(n=600).to_csv(path, index=False)
    return path


def churn_config(data: Path, tracking_uri: str | None = None):
    config = make_config(
        target="churned", task="binary", positive_class="yes", path=str(data),
        features=FEATURES, model_type="hist_gradient_boosting", params={"max_iter": 40},
        primary="roc_auc", secondary=["accuracy"], split={"cv_folds": 3},
        text_max_features=100, tracker="mlflow",
    )  # fmt: skip
    config.logging.experiment_name = EXPERIMENT
    config.logging.tracking_uri = tracking_uri
    return config


def run_with(folder: Path, config, **env: str):
    """train() with `env` added to an environment without the test runner's MLFLOW_ settings."""
    with pytest.MonkeyPatch.context() as patch:
        for key in [key for key in SCRIPT_ENV if key.startswith("MLFLOW_")]:
            patch.delitem(SCRIPT_ENV, key)
        return train(folder, config, env=env)


def read_back(store_uri: str, run) -> dict:
    """The one run of EXPERIMENT in the store, checked against metrics.json."""
    metrics = assert_clean_success(run)
    client = mlflow.tracking.MlflowClient(tracking_uri=store_uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None, f"no experiment {EXPERIMENT!r} in {store_uri}"
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    logged = runs[0]
    assert logged.info.status == "FINISHED"
    assert f"run {logged.info.run_id}, at {store_uri}" in run.process.stdout
    data = logged.data
    assert data.params["model_type"] == "hist_gradient_boosting"
    assert data.params["model.max_iter"] == "40"
    assert data.params["split"] == "stratified" and data.params["seed"] == "42"
    for part in ("train", "val", "test"):
        assert data.params[f"rows_{part}"] == str(metrics["rows"][part])
    assert {key: data.tags[key] for key in ("target", "task", "framework")} == {
        "target": "churned", "task": "binary", "framework": "sklearn",
    }  # fmt: skip
    assert data.metrics["model_test_roc_auc"] == metrics["model"]["test"]["roc_auc"]
    assert data.metrics["baseline_test_roc_auc"] == metrics["baseline"]["test"]["roc_auc"]
    assert data.metrics["model_val_accuracy"] == metrics["model"]["val"]["accuracy"]
    assert data.metrics["model_cv_roc_auc_mean"] == metrics["cv"]["mean"]
    artifacts = {item.path for item in client.list_artifacts(logged.info.run_id)}
    assert "metrics.json" in artifacts
    downloads = run.script.parent / "downloaded"
    downloads.mkdir()
    copy = Path(client.download_artifacts(logged.info.run_id, "metrics.json", str(downloads)))
    assert json.loads(copy.read_text(encoding="utf-8")) == metrics
    models = client.search_logged_models([experiment.experiment_id])
    assert [model.source_run_id for model in models] == [logged.info.run_id]
    return {"metrics": metrics, "model_uri": models[0].model_uri}


def load_logged_model(store_uri: str, model_uri: str, run, data: Path) -> dict:
    env = {key: value for key, value in SCRIPT_ENV.items() if not key.startswith("MLFLOW_")}
    env.update(MLFLOW_TRACKING_URI=store_uri, **FILE_STORE)
    process = subprocess.run(
        [sys.executable, "-I", "-c", LOAD_LOGGED_MODEL, model_uri, str(data), "churned",
         str(run.script.parent), str(run.output_dir / "model.joblib")],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


@pytest.fixture(autouse=True)
def file_store_reader(monkeypatch):
    for key, value in FILE_STORE.items():
        monkeypatch.setenv(key, value)


def test_no_uri_logs_to_mlruns_beside_the_config(tmp_path, data_csv):
    folder = tmp_path / "project"
    run = run_with(folder, churn_config(data_csv))
    store = (folder / "mlruns").resolve()  # as the script names it
    assert store.is_dir()
    assert not (tmp_path / "mlruns").exists() and not (tmp_path / "mlflow.db").exists()  # cwd
    found = read_back(store.as_uri(), run)
    loaded = load_logged_model(store.as_uri(), found["model_uri"], run, data_csv)
    assert loaded["n"] == 600 and loaded["proba"] == [600, 2] and loaded["same_as_joblib"]
    assert not loaded["script_imported"]
    assert any(line.startswith("ml-engineer-runtime==") for line in loaded["requirements"])


def test_the_environment_variable_names_the_store(tmp_path, data_csv):
    store = tmp_path / "team-store"
    run = run_with(tmp_path / "project", churn_config(data_csv), MLFLOW_TRACKING_URI=store.as_uri())
    assert not (tmp_path / "project" / "mlruns").exists()
    found = read_back(store.as_uri(), run)
    assert load_logged_model(store.as_uri(), found["model_uri"], run, data_csv)["same_as_joblib"]


def test_the_config_names_the_store_and_wins_over_the_environment(tmp_path, data_csv):
    """A plain path in logging.tracking_uri is read from the config's folder, as data.path is."""
    elsewhere = tmp_path / "env-store"
    folder = tmp_path / "project"
    config = churn_config(data_csv, tracking_uri="tracking/store")
    run = run_with(folder, config, MLFLOW_TRACKING_URI=elsewhere.as_uri())
    assert not elsewhere.exists()
    store = (folder / "tracking" / "store").resolve()
    found = read_back(store.as_uri(), run)
    loaded = load_logged_model(store.as_uri(), found["model_uri"], run, data_csv)
    assert loaded["n"] == 600 and loaded["same_as_joblib"]


def test_without_mlflow_the_run_succeeds_with_a_note(tmp_path, data_csv):
    shim = tmp_path / "shim" / "mlflow"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text('raise ImportError("no mlflow here (test shim)")\n')
    folder = tmp_path / "project"
    run = run_with(folder, churn_config(data_csv), PYTHONPATH=str(shim.parent))
    assert_clean_success(run)
    assert "note: logging.tracker is mlflow, but mlflow is not installed; not logged" in (
        run.process.stdout
    )
    assert not (folder / "mlruns").exists()


def test_a_logging_failure_is_a_note_not_a_failed_run(tmp_path, data_csv):
    """The user forbids MLflow's file store: nothing is logged, the outputs are still there."""
    run = run_with(tmp_path / "project", churn_config(data_csv), MLFLOW_ALLOW_FILE_STORE="false")
    assert_clean_success(run)
    assert "note: logging to the experiment tracker failed:" in run.process.stdout
    assert pd.read_json(run.output_dir / "metrics.json", typ="series")["beats_baseline"]


def test_without_the_sklearn_flavour_the_model_files_are_artifacts(tmp_path, data_csv):
    """An MLflow whose scikit-learn flavour cannot be imported still gets model.joblib
    (sitecustomize makes `import mlflow.sklearn` fail in the script only)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text('import sys\nsys.modules["mlflow.sklearn"] = None\n')
    folder = tmp_path / "project"
    run = run_with(folder, churn_config(data_csv), PYTHONPATH=str(site))
    assert_clean_success(run)
    client = mlflow.tracking.MlflowClient(tracking_uri=(folder / "mlruns").resolve().as_uri())
    (logged,) = client.search_runs([client.get_experiment_by_name(EXPERIMENT).experiment_id])
    files = {item.path for item in client.list_artifacts(logged.info.run_id, "model")}
    assert files == {"model/model.joblib"}
