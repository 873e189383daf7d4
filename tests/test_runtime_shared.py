"""ml_engineer_runtime's functions that the Spark script shares with the scikit-learn one.

The Spark script imports the runtime's metrics, search record, tracking, atomic writes and
command line instead of carrying copies; where Spark's version differs (a model saved as a
folder, predictions collected from a DataFrame, a --master option) the runtime takes it too.
These run without Spark: the Spark script itself is run in test_framework_spark.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ml_engineer_runtime.cli import run_script
from ml_engineer_runtime.files import write_atomically
from ml_engineer_runtime.metrics import Predictions, evaluate, evaluate_predictions
from ml_engineer_runtime.search import cap_reached, choose_model, search_record

# --- atomic writes: a folder too (Spark's model/) ----------------------------------------------


def write_folder(files: dict[str, str]):
    def write(path):
        path.mkdir()
        for name, text in files.items():
            (path / name).write_text(text, encoding="utf-8")

    return write


def test_a_folder_replaces_the_previous_one_whole(tmp_path):
    model = tmp_path / "model"
    write_atomically(model, write_folder({"old": "1", "stale": "2"}))
    write_atomically(model, write_folder({"new": "3"}))
    assert sorted(path.name for path in model.iterdir()) == ["new"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model"]  # no leftovers


def test_a_folder_write_that_fails_keeps_the_previous_folder(tmp_path):
    model = tmp_path / "model"
    write_atomically(model, write_folder({"old": "1"}))

    def half_then_fail(path):
        write_folder({"half": "x"})(path)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(model, half_then_fail)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model"]
    assert (model / "old").read_text(encoding="utf-8") == "1"


# --- metrics of predictions made elsewhere ------------------------------------------------------


def test_predictions_collected_elsewhere_score_as_an_estimators_do():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=200)})
    y = pd.Series(np.where(X["x"] + rng.normal(size=200) > 0, "yes", "no"))
    model = LogisticRegression().fit(X, y)
    names = ["roc_auc", "f1", "rmse"]
    proba = model.predict_proba(X)
    collected = Predictions(y.to_numpy(), model.predict(X), proba, ["no", "yes"], "yes")
    scores, problems = evaluate_predictions(collected, names, "binary")
    assert (scores, problems) == evaluate(model, X, y, names, "binary", "yes")
    assert scores["roc_auc"] > 0.7 and scores["rmse"] is None
    assert problems == {"rmse": "not a binary metric"}


def test_a_metric_undefined_on_the_rows_is_missing_with_the_reason():
    one_class = Predictions(np.array(["no"] * 4), np.array(["no"] * 4),
                            np.tile([0.7, 0.3], (4, 1)), ["no", "yes"], "yes")  # fmt: skip
    scores, problems = evaluate_predictions(one_class, ["roc_auc", "accuracy"], "binary")
    assert scores == {"roc_auc": None, "accuracy": 1.0}
    assert "roc_auc" in problems and problems["roc_auc"]


# --- the search's record: bounded by a count, the cap only cuts a runaway ---------------------


def test_the_record_says_what_the_cap_cut(capsys):
    tried = [
        {"type": "a", "label": "a", "params": {}, "score": 0.8, "seconds": 1.0},
        {"type": "b", "label": "b (random draw 1)", "params": {}, "skipped": cap_reached(5)},
        {"type": "c", "label": "c", "params": {}, "skipped": "lightgbm is not installed"},
    ]
    record = search_record("fit on train, scored on val", tried, 5.0)
    assert record == {
        "how": "fit on train, scored on val", "tried": tried, "max_seconds": 5.0,
        "cut": {"after_seconds": 5.0, "not_measured": ["b (random draw 1)"]},
    }  # fmt: skip
    assert "did not measure 1 candidate(s): b (random draw 1)" in capsys.readouterr().out


def test_a_search_within_its_cap_records_no_cut(capsys):
    tried = [{"type": "a", "label": "a", "params": {}, "score": 0.8, "seconds": 1.0}]
    assert "cut" not in search_record("3-fold CV on train+val", tried, 600.0)
    assert capsys.readouterr().out == ""


def test_a_zero_cap_measures_the_first_candidate_only():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"x": rng.normal(size=120)})
    y = pd.Series(np.where(X["x"] > 0, "yes", "no"))
    parts = {"train": np.arange(80), "val": np.arange(80, 100), "test": np.arange(100, 120)}
    model = {"type": "logistic_regression", "params": {"C": 1.0}}
    others = [{"type": "logistic_regression", "params": {"C": 0.1}}]
    chosen, record = choose_model(
        model, {"alternatives": others, "max_seconds": 1e-9},
        lambda cfg: LogisticRegression(**cfg["params"]), X, y, parts,
        {"strategy": "random"}, "binary", "roc_auc", "yes", 0,
    )  # fmt: skip
    assert chosen is model and record["chosen"] == 0
    assert "score" in record["tried"][0]
    assert record["tried"][1]["skipped"] == cap_reached(1e-9)
    assert record["cut"]["not_measured"] == ["logistic_regression"]


# --- tracking: a model its framework saved as a folder -----------------------------------------


def test_a_model_folder_is_logged_as_the_models_files(tmp_path, monkeypatch):
    mlflow = pytest.importorskip("mlflow", reason="mlflow (or mlflow-skinny) is not installed")
    from ml_engineer_runtime.tracking import log_to_tracker

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    model = tmp_path / "runs" / "model"
    (model / "metadata").mkdir(parents=True)
    (model / "metadata" / "part-0").write_text("{}", encoding="utf-8")
    metrics_path = tmp_path / "runs" / "metrics.json"
    metrics_path.write_text("{}", encoding="utf-8")
    metrics = {
        "model_type": "gbt", "model_params": {"maxDepth": 3}, "split": "random",
        "primary_metric": "roc_auc", "rows": {"train": 7, "val": 2, "test": 2},
        "sampled_rows": None, "model": {"test": {"roc_auc": 0.9}}, "baseline": {"test": None},
        "cv": None, "fit_seconds": 1.5, "target": "y", "task": "binary", "beats_baseline": True,
    }  # fmt: skip
    config = {"model": {"framework": "spark"}, "seed": 3,
              "logging": {"tracker": "mlflow", "experiment_name": "folder"}}  # fmt: skip
    log_to_tracker(config, metrics, metrics_path, model, None, tmp_path)
    client = mlflow.tracking.MlflowClient(tracking_uri=(tmp_path / "mlruns").resolve().as_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("folder").experiment_id])
    assert run.data.params["model.maxDepth"] == "3" and run.data.tags["framework"] == "spark"
    files = {item.path for item in client.list_artifacts(run.info.run_id, "model/metadata")}
    assert files == {"model/metadata/part-0"}


# --- the command line: a framework's own options -----------------------------------------------


def test_a_script_adds_its_own_options(tmp_path):
    seen = {}

    def train(args) -> None:
        seen.update(vars(args))

    def master(parser) -> None:
        parser.add_argument("--master")

    script = str(tmp_path / "training_script.py")
    assert run_script(train, ["--master", "local[1]"], "Train.", script, master) == 0
    assert seen["master"] == "local[1]" and seen["sample_rows"] is None
    assert seen["config"] == str(tmp_path.resolve() / "experiment-config.yaml")
