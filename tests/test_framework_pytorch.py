"""The PyTorch template (framework pytorch, model.type mlp), rendered and RUN on small real data.

Each scenario runs the generated script once per module (the runs are the slow part); its tests
then check the exit code, metrics.json, and model.joblib loaded in a fresh process: that it
predicts, that the categorical columns are embedded and that early stopping is recorded.
"""

from __future__ import annotations

import importlib.util
import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from script_fixtures import (
    in_fresh_process,
    load_and_predict,
    make_config,
    run_script,
    spec_for,
    train,
    write_project,
)

from ml_engineer.models import ColumnDecision, ColumnKind, DerivedSection, ForecastSection

pytest.importorskip("torch")

PYTORCH = {"framework": "pytorch", "model_type": "mlp"}
RUFF_SELECT = ["--select", "E,F,W,I,B,UP", "--line-length", "100"]


def assert_clean_success(run) -> dict:
    assert run.process.returncode == 0, run.process.stderr
    assert "Traceback" not in run.process.stderr
    metrics = run.metrics
    assert metrics["beats_baseline"] is True, metrics
    assert (run.output_dir / "model.joblib").is_file()
    return metrics


# Runs in a fresh interpreter, isolated (-I): loads model.joblib, reads the fitted network's
# record, rebuilds the network from the saved weights on first use and predicts (what
# load_and_predict checks, and more, in one process: each new process imports torch again).
INSPECT = """
import json, sys
import joblib, numpy as np, pandas as pd
script_dir, model_path, data_path, target = sys.argv[1:5]
sys.path.insert(0, script_dir)
pipeline = joblib.load(model_path)
network = pipeline.named_steps["model"]
weights = network.__getstate__()["network_weights_"]
result = {
    "class": type(network).__module__ + "." + type(network).__name__,
    "rebuilt_lazily": network.network_ is None,
    "weights_are_numpy": all(isinstance(w, np.ndarray) for w in weights.values()),
    "code_columns": network.code_columns_,
    "embedding_shapes": network.embedding_shapes_,
    "n_epochs": network.n_epochs_,
    "best_epoch": network.best_epoch_,
    "stopped_by": network.stopped_by_,
    "params": {k: v for k, v in network.get_params().items() if k in ("max_epochs", "patience")},
}
module = network.network()  # built here, from the numpy weights
result["embeddings"] = [[e.num_embeddings, e.embedding_dim] for e in module.embeddings]
X = pd.read_csv(data_path).drop(columns=[target])
result["predictions"] = len(pipeline.predict(X))
if hasattr(pipeline, "predict_proba"):
    result["proba_shape"] = list(pipeline.predict_proba(X).shape)
print(json.dumps(result))
"""


def inspect_model(run, data_path: Path, target: str) -> dict:
    return json.loads(in_fresh_process(run, INSPECT, data_path, target))


# --- binary: breast cancer with string labels and a categorical column ------------------------


def cancer_frame(seed: int = 0) -> pd.DataFrame:
    """Breast cancer (malignant/benign as text) with `tier`, a 4-level categorical column that
    carries a real signal about the label, and is missing in about 10% of the rows."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    frame = data.frame.drop(columns=["target"])
    label = np.asarray(data.target_names)[data.target]
    rng = np.random.default_rng(seed)
    informative = rng.random(len(frame)) < 0.7
    by_label = np.where(label == "malignant", rng.choice(["A", "B"], len(frame)),
                        rng.choice(["C", "D"], len(frame)))  # fmt: skip
    frame["tier"] = np.where(informative, by_label, rng.choice(list("ABCD"), len(frame)))
    frame.loc[rng.random(len(frame)) < 0.1, "tier"] = None
    frame["diagnosis"] = label
    return frame


def cancer_config(frame: pd.DataFrame):
    config = make_config(
        target="diagnosis",
        task="binary",
        positive_class="malignant",
        features={
            "numeric": [c for c in frame.columns if c.startswith("mean ")],  # 10 of the 30
            "categorical": ["tier"],
        },
        params={"max_epochs": 100, "patience": 8},
        primary="roc_auc",
        secondary=["accuracy", "log_loss"],
        **PYTORCH,
    )
    config.model.class_weight = "balanced"
    return config


@pytest.fixture(scope="module")
def cancer(tmp_path_factory):
    frame = cancer_frame()
    runs = []
    for name in ("cancer_a", "cancer_b"):  # the same config and seed, twice
        folder = tmp_path_factory.mktemp(name)
        frame.to_csv(folder / "data.csv", index=False)
        runs.append(train(folder, cancer_config(frame)))
    data, ran = runs[0].script.parent / "data.csv", runs[0].process.returncode == 0
    return runs, inspect_model(runs[0], data, "diagnosis") if ran else None


def test_binary_string_labels_beat_the_baseline(cancer):
    (run, _), record = cancer
    metrics = assert_clean_success(run)
    assert metrics["classes"] == ["benign", "malignant"]
    assert metrics["positive_class"] == "malignant"
    assert metrics["model"]["test"]["roc_auc"] > 0.97
    assert metrics["model"]["test"]["accuracy"] > 0.9
    assert metrics["baseline"]["test"]["roc_auc"] == pytest.approx(0.5)
    assert metrics["model"]["test"]["log_loss"] < metrics["baseline"]["test"]["log_loss"]
    assert "network:" in run.process.stdout and " on cpu" in run.process.stdout
    assert record["predictions"] == 569 and record["proba_shape"] == [569, 2]  # fresh process


def test_the_categorical_column_is_embedded(cancer):
    _, record = cancer
    assert record is not None, "the run failed: see test_binary_string_labels_beat_the_baseline"
    assert record["class"] == "training_script.TabularMLPClassifier"
    assert record["rebuilt_lazily"] and record["weights_are_numpy"]
    # Codes: A, B, C, D (all frequent) plus row 0, reserved for missing and unseen values.
    assert record["code_columns"] == ["categorical__tier"]
    assert record["embedding_shapes"] == {"categorical__tier": [5, 3]}  # min(16, (5 + 1) // 2)
    assert record["embeddings"] == [[5, 3]]


def test_same_seed_same_test_metrics(cancer):
    (first, second), _ = cancer
    assert first.metrics["model"]["test"] == second.metrics["model"]["test"]
    assert first.metrics["model"]["val"] == second.metrics["model"]["val"]


# --- multiclass: penguins, with missing values in numbers and categories ----------------------


@pytest.fixture(scope="module")
def penguins(tmp_path_factory):
    palmerpenguins = pytest.importorskip("palmerpenguins")
    folder = tmp_path_factory.mktemp("penguins")
    data = folder / "data.csv"
    palmerpenguins.load_penguins().to_csv(data, index=False)
    config = make_config(
        target="species",
        task="multiclass",
        features={
            "numeric": ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"],
            "categorical": ["island", "sex"],
        },
        params={"max_epochs": 80},
        primary="f1_macro",
        secondary=["accuracy", "log_loss"],
        split={"cv_folds": 3},
        **PYTORCH,
    )
    return train(folder, config), data


def test_penguins_multiclass(penguins):
    run, data = penguins
    metrics = assert_clean_success(run)
    assert metrics["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    assert metrics["model"]["test"]["f1_macro"] > 0.9
    assert metrics["cv"]["splitter"] == "StratifiedKFold" and metrics["cv"]["mean"] > 0.9
    loaded = load_and_predict(run, data, "species")  # rows with missing measurements included
    assert loaded["n_predictions"] == 344 and loaded["proba_shape"] == [344, 3]


# --- regression: diabetes, early stopping built to trigger ------------------------------------


@pytest.fixture(scope="module")
def diabetes(tmp_path_factory):
    from sklearn.datasets import load_diabetes

    folder = tmp_path_factory.mktemp("diabetes")
    data = folder / "data.csv"
    frame = load_diabetes(as_frame=True).frame
    frame.to_csv(data, index=False)
    config = make_config(
        target="target",
        task="regression",
        features={"numeric": [c for c in frame.columns if c != "target"]},
        # 442 noisy rows, a wide network and a high rate: the held-out loss bottoms out early.
        params={"max_epochs": 500, "patience": 5, "lr": 0.003},
        primary="rmse",
        secondary=["mae", "r2"],
        split={"strategy": "random"},
        **PYTORCH,
    )
    run = train(folder, config)
    return run, inspect_model(run, data, "target") if run.process.returncode == 0 else None


def test_diabetes_regression(diabetes):
    run, record = diabetes
    metrics = assert_clean_success(run)
    test, baseline = metrics["model"]["test"], metrics["baseline"]["test"]
    assert test["rmse"] < 0.9 * baseline["rmse"]
    assert test["r2"] > 0.3
    assert record["predictions"] == 442 and "proba_shape" not in record  # fresh process


def test_early_stopping_stops_before_max_epochs(diabetes):
    _, record = diabetes
    assert record is not None, "the run failed: see test_diabetes_regression"
    assert record["class"] == "training_script.TabularMLPRegressor"
    assert record["params"] == {"max_epochs": 500, "patience": 5}
    assert record["stopped_by"] == "patience"
    assert record["n_epochs"] < 500
    assert record["best_epoch"] == record["n_epochs"] - 5  # patience epochs without improvement
    assert record["code_columns"] == [] and record["embeddings"] == []


# --- every column group, a derived feature and a time split -----------------------------------


def mixed_frame(n: int = 1000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    plan = rng.choice(["basic", "plus", "pro"], n)
    member = rng.random(n) < 0.5
    zips = rng.integers(0, 120, n)
    unhappy = rng.random(n) < 0.5
    logit = 1.5 * x + 1.2 * (plan == "pro") - 0.8 * member + 1.5 * unhappy - 0.8
    churned = rng.random(n) < 1 / (1 + np.exp(-logit))
    phrases = np.where(unhappy, "slow support, cancel soon", "great value, works well")
    signup = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    frame = pd.DataFrame(
        {
            "signup": signup.strftime("%Y-%m-%d"),
            "x": x,
            "spend": rng.gamma(2.0, 50.0, n),
            "visits": rng.integers(1, 30, n),
            "plan": plan,
            "zip": [f"z{z:03d}" for z in zips],
            "member": np.where(member, "yes", "no"),
            "review": phrases,
            "churned": np.where(churned, "yes", "no"),
        }
    )
    frame.loc[rng.choice(n, 40, replace=False), "review"] = None
    return frame


def test_every_column_group_with_a_derived_feature(tmp_path):
    frame = mixed_frame()
    frame.to_csv(tmp_path / "data.csv", index=False)
    config = make_config(
        target="churned",
        task="binary",
        positive_class="yes",
        features={
            "numeric": ["x", "spend", "visits"],
            "categorical": ["plan"],
            "high_cardinality": ["zip"],
            "boolean": ["member"],
            "datetime": ["signup"],
            "text": ["review"],
        },
        params={"max_epochs": 60, "hidden_sizes": [64, 32]},
        primary="roc_auc",
        split={"strategy": "time", "time_column": "signup"},
        **PYTORCH,
    )
    config.data.derived = [DerivedSection(name="spend_per_visit", op="ratio",
                                          inputs=["spend", "visits"])]  # fmt: skip
    run = train(tmp_path, config)
    metrics = assert_clean_success(run)
    assert metrics["model"]["test"]["roc_auc"] > 0.75
    assert load_and_predict(run, tmp_path / "data.csv", "churned")["proba_shape"] == [1000, 2]


# --- errors and the generated code --------------------------------------------------------------


@pytest.fixture
def cancer_project(tmp_path):
    """A written project whose YAML model section the test edits; returns (script, edit)."""
    frame = cancer_frame()
    frame.to_csv(tmp_path / "data.csv", index=False)
    script = write_project(tmp_path / "project", cancer_config(frame))
    config_path = script.parent / "experiment-config.yaml"

    def edit(**model) -> Path:
        config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
        config["data"]["path"] = str(tmp_path / "data.csv")
        config["model"].update(model)
        config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        return script

    return edit


def assert_one_line_error(process, *phrases):
    assert process.returncode == 2, process.stdout + process.stderr
    assert "Traceback" not in process.stderr, process.stderr
    message = process.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message, message
    for phrase in phrases:
        assert phrase in message, message


def test_wrong_model_type_in_the_yaml(cancer_project):
    process = run_script(cancer_project(type="transformer"))
    assert_one_line_error(process, "model.type 'transformer'", "mlp")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The generated script imported as a module, to call build_model and the network directly.

    Registered as `training_script` while the tests run, as the script itself is, so that what
    it fits can be pickled; restored afterwards."""
    frame = cancer_frame()
    script = write_project(tmp_path_factory.mktemp("module"), cancer_config(frame))
    module_spec = importlib.util.spec_from_file_location("training_script", script)
    module = importlib.util.module_from_spec(module_spec)
    previous = sys.modules.get("training_script")
    sys.modules["training_script"] = module
    try:
        module_spec.loader.exec_module(module)
        yield module
    finally:
        if previous is None:
            sys.modules.pop("training_script", None)
        else:
            sys.modules["training_script"] = previous


@pytest.mark.parametrize(
    ("model", "phrases"),
    [
        ({"framework": "sklearn", "type": "mlp"}, ["model.framework 'sklearn'", "pytorch"]),
        ({"framework": "pytorch", "type": "random_forest"}, ["model.type 'random_forest'"]),
        ({"framework": "pytorch", "type": "mlp", "params": {"dropout": 1.5, "lr": 0}},
         ["dropout must be", "lr must be above 0"]),
        ({"framework": "pytorch", "type": "mlp", "params": {"hidden_size": 64}},
         ["['hidden_size']", "hidden_sizes"]),
        ({"framework": "pytorch", "type": "mlp", "params": {"hidden_sizes": [64, 0]}},
         ["hidden_sizes must be"]),
    ],
)  # fmt: skip
def test_build_model_refuses_a_bad_model_section(generated, model, phrases):
    with pytest.raises(generated.ScriptError) as caught:
        generated.build_model(model, "binary", 0)
    message = str(caught.value)
    assert "\n" not in message
    for phrase in phrases:
        assert phrase in message, message


def test_pickle_holds_numpy_weights_and_predicts_the_same(generated):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"numeric__x": rng.normal(size=300),
                      "categorical__c": rng.choice([-1.0, 0.0, 1.0, 2.0], 300)})  # fmt: skip
    y = np.where(X["numeric__x"] + (X["categorical__c"] == 2) > 0.5, "yes", "no")
    network = generated.TabularMLPClassifier(max_epochs=20, verbose=False).fit(X, y)
    saved = pickle.dumps(network)
    assert b"torch" not in saved  # the weights travel as numpy arrays, not torch objects
    loaded = pickle.loads(saved)
    assert loaded.network_ is None
    unseen = X.assign(**{"categorical__c": [7.0, np.nan, -1.0] * 100})  # all map to row 0
    np.testing.assert_allclose(loaded.predict_proba(unseen), network.predict_proba(unseen))
    assert list(loaded.predict(X.head(3))) == list(network.predict(X.head(3)))
    assert loaded.embedding_shapes_ == {"categorical__c": [4, 2]}


@pytest.mark.parametrize("variant", ["plain", "derived", "forecast"])  # the imports differ
def test_generated_script_passes_ruff(tmp_path, variant):
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).is_file():
        pytest.skip("ruff is not installed")
    config = make_config(
        target="t" * 120,
        task="regression" if variant == "forecast" else "binary",
        features={"numeric": ["n" * 150], "categorical": ["列" * 80], "text": ["a\nb"]},
        primary="rmse" if variant == "forecast" else "roc_auc",
        **PYTORCH,
    )
    if variant == "derived":
        config.data.derived = [DerivedSection(name="d" * 90, op="log", inputs=["n" * 150])]
    if variant == "forecast":
        config.data.forecast = ForecastSection(time_column="day", series=["列" * 80], season=7)
        config.data.protected = ["年齢" * 60]
    spec = spec_for(config, slug="s" * 200, goal="目标" * 80 + '\n"""')
    spec.columns.append(
        ColumnDecision(name="id" * 90, kind=ColumnKind.id, keep=False, reason="an identifier")
    )
    script = write_project(tmp_path, config, spec)
    result = subprocess.run(
        [ruff, "check", "--isolated", *RUFF_SELECT, str(script)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    source = script.read_text(encoding="utf-8")
    assert "class TabularMLPClassifier(ClassifierMixin, TabularMLP)" in source
    assert "needs torch" in source or "Needs torch" in source
