"""The PyTorch template (framework pytorch, model.type mlp), rendered and RUN on small real data.

Each scenario runs the generated script once per module (the runs are the slow part); its tests
then check the exit code, metrics.json, and model.joblib loaded in a fresh, isolated process
with nothing of the script on its path: that it predicts, that the categorical columns are
embedded and that early stopping is recorded. The network itself is ml_engineer_runtime's
(tested in test_runtime_torch.py).
"""

from __future__ import annotations

import json
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


# Runs in a fresh interpreter, isolated (-I: neither the script's folder nor the working folder
# is on sys.path): loads model.joblib from installed packages alone, reads the fitted network's
# record, rebuilds the network from the saved weights on first use and predicts (what
# load_and_predict checks, and more, in one process: each new process imports torch again).
INSPECT = """
import json, sys
import joblib, numpy as np, pandas as pd
script_dir, model_path, data_path, target = sys.argv[1:5]
pipeline = joblib.load(model_path)
network = pipeline.named_steps["model"]
weights = network.__getstate__()["network_weights_"]
result = {
    "needed_the_script": "training_script" in sys.modules,
    "torch_on_load": "torch" in sys.modules,  # imported only to rebuild the network
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_the_categorical_column_is_embedded(cancer):
    _, record = cancer
    assert record is not None, "the run failed: see test_binary_string_labels_beat_the_baseline"
    assert record["class"] == "ml_engineer_runtime.torch_mlp.TabularMLPClassifier"
    assert not record["needed_the_script"] and not record["torch_on_load"]
    assert record["rebuilt_lazily"] and record["weights_are_numpy"]
    # Codes: A, B, C, D (all frequent) plus row 0, reserved for missing and unseen values.
    assert record["code_columns"] == ["categorical__tier"]
    assert record["embedding_shapes"] == {"categorical__tier": [5, 3]}  # min(16, (5 + 1) // 2)
    assert record["embeddings"] == [[5, 3]]


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_diabetes_regression(diabetes):
    run, record = diabetes
    metrics = assert_clean_success(run)
    test, baseline = metrics["model"]["test"], metrics["baseline"]["test"]
    assert test["rmse"] < 0.9 * baseline["rmse"]
    assert test["r2"] > 0.3
    assert record["predictions"] == 442 and "proba_shape" not in record  # fresh process


@pytest.mark.slow
def test_early_stopping_stops_before_max_epochs(diabetes):
    _, record = diabetes
    assert record is not None, "the run failed: see test_diabetes_regression"
    assert record["class"] == "ml_engineer_runtime.torch_mlp.TabularMLPRegressor"
    assert not record["needed_the_script"]
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_wrong_model_type_in_the_yaml(cancer_project):
    process = run_script(cancer_project(type="transformer"))
    assert_one_line_error(process, "model.type 'transformer'", "mlp")


# Each variant changes what the script imports: derived columns and a forecast add runtime names,
# a design of text alone imputes nothing, every group imports every branch's transforms.
VARIANTS = ["plain", "derived", "forecast", "text_only", "every_group"]
EVERY_GROUP = {
    "numeric": ["n" * 150], "categorical": ["列" * 80], "high_cardinality": ["zip"],
    "boolean": ["flag"], "datetime": ["day"], "text": ["a\nb"],
}  # fmt: skip


@pytest.mark.parametrize("variant", VARIANTS)
def test_generated_script_passes_ruff(tmp_path, variant):
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).is_file():
        pytest.skip("ruff is not installed")
    features = {"numeric": ["n" * 150], "categorical": ["列" * 80], "text": ["a\nb"]}
    if variant in ("text_only", "every_group"):
        features = {"text": ["a\nb"]} if variant == "text_only" else EVERY_GROUP
    config = make_config(
        target="t" * 120,
        task="regression" if variant == "forecast" else "binary",
        features=features,
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
    # The design only: the network and its machinery come from the runtime.
    assert "from ml_engineer_runtime.torch_mlp import tabular_mlp" in source
    assert "\nclass " not in source and "import torch" not in source
    assert "Needs torch (pip install torch)" in source


# What each group's branch alone uses, as the script writes it.
BRANCH_WORDS = {
    "numeric": ["to_numbers"],
    "categorical": ["OrdinalEncoder", "one_hot_min_frequency"],
    "high_cardinality": ["target_encoder"],
    "boolean": ["to_booleans"],
    "datetime": ["to_date_parts", "date_part_names"],
    "text": ["TextComponents", "TEXT_COMPONENTS"],
}


@pytest.mark.parametrize("groups", [["numeric"], ["categorical", "text"], list(EVERY_GROUP)])
def test_the_script_has_the_branches_of_its_groups_only(tmp_path, groups):
    config = make_config(
        target="y", task="binary", features={group: [f"{group}_column"] for group in groups},
        primary="roc_auc", **PYTORCH,
    )  # fmt: skip
    source = write_project(tmp_path, config).read_text(encoding="utf-8")
    for group, words in BRANCH_WORDS.items():
        for word in words:
            assert (word in source) == (group in groups), (group, word)
    assert "OneHotEncoder" not in source and "TfidfVectorizer" not in source
    assert "blended" not in source and "members" not in source  # one family: nothing to blend
    assert '.set_output(transform="pandas")' in source
