"""The generated training_script.py, rendered and RUN on real and synthetic data.

Each scenario runs once per module (the runs are the slow part); its tests then check the exit
code, metrics.json and that model.joblib loads in a fresh process and predicts on raw columns.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import shared_fixtures_or_skip
from ml_engineer_runtime.convert import to_booleans, to_categories, to_date_parts
from ml_engineer_runtime.data import sample
from ml_engineer_runtime.metrics import Predictions, score
from ml_engineer_runtime.split import split_rows
from script_fixtures import (
    in_fresh_process,
    load_and_predict,
    make_config,
    run_script,
    spec_for,
    train,
    write_project,
)

from ml_engineer.models import ColumnDecision, ColumnKind
from ml_engineer.render.jinja_env import comment, pyrepr, quoted_name
from ml_engineer.render.training_script import render_training_script

RUFF_SELECT = ["--select", "E,F,W,I,B,UP", "--line-length", "100"]


def assert_clean_success(run) -> dict:
    assert run.process.returncode == 0, run.process.stderr
    assert "Traceback" not in run.process.stderr
    metrics = run.metrics
    assert metrics["beats_baseline"] is True, metrics
    assert (run.output_dir / "model.joblib").is_file()
    return metrics


# --- synthetic data ----------------------------------------------------------------------------


def churn_frame(n: int = 1200, seed: int = 0) -> pd.DataFrame:
    """Binary target over time, with a date, a free-text, a yes/no and a categorical column."""
    rng = np.random.default_rng(seed)
    signup = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")
    x = rng.normal(size=n)
    member = rng.random(n) < 0.5
    plan = rng.choice(["basic", "plus", "pro"], n)
    logit = 1.5 * x - 1.2 * member + 0.8 * (plan == "pro") - 0.3
    churned = rng.random(n) < 1 / (1 + np.exp(-logit))
    unhappy = ["slow support", "cancel soon", "too expensive", "bugs everywhere"]
    happy = ["great value", "love it", "works well", "fast support"]
    reviews = [
        " ".join(rng.choice(unhappy if (c ^ (rng.random() < 0.2)) else happy, 2)) for c in churned
    ]
    yes_words, no_words = ["yes", "Yes", "TRUE", "y"], ["no", "No", "false", "N"]
    frame = pd.DataFrame(
        {
            "signup_date": signup.strftime("%Y-%m-%d"),
            "last_seen": (signup + pd.to_timedelta(rng.integers(0, 90, n), unit="D")).strftime(
                "%Y-%m-%d"
            ),
            "x": x,
            "plan": plan,
            "is_member": [rng.choice(yes_words if m else no_words) for m in member],
            "review": reviews,
            "churned": np.where(churned, "yes", "no").astype(object),
        }
    )
    frame.loc[rng.choice(n, 30, replace=False), "churned"] = None
    frame.loc[rng.choice(n, 20, replace=False), "review"] = None
    return frame


def stores_frame(n: int = 1500, seed: int = 1) -> pd.DataFrame:
    """Regression with a high-cardinality zip code and repeated customers (groups)."""
    rng = np.random.default_rng(seed)
    zip_effect = rng.normal(0, 3, 150)
    zips = rng.integers(0, 150, n)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    return pd.DataFrame(
        {
            "customer_id": [f"c{c}" for c in rng.integers(0, 120, n)],
            "zip_code": [f"z{z:03d}" for z in zips],
            "x1": x1,
            "x2": x2,
            "spend": 2 * x1 - x2 + zip_effect[zips] + rng.normal(0, 0.5, n),
        }
    )


# --- real datasets -----------------------------------------------------------------------------


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
            "numeric": [
                "bill_length_mm",
                "bill_depth_mm",
                "flipper_length_mm",
                "body_mass_g",
                "year",
            ],
            "categorical": ["island", "sex"],
        },
        model_type="hist_gradient_boosting",
        params={"max_iter": 100},
        primary="f1_macro",
        secondary=["accuracy", "roc_auc", "log_loss"],
        split={"cv_folds": 3},
    )
    return train(folder, config), data


def test_penguins_multiclass(penguins):
    run, data = penguins
    metrics = assert_clean_success(run)
    assert metrics["task"] == "multiclass"
    assert metrics["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    assert metrics["model"]["test"]["f1_macro"] > 0.9
    assert metrics["cv"]["splitter"] == "StratifiedKFold" and len(metrics["cv"]["scores"]) == 3
    assert sum(metrics["rows"][part] for part in ("train", "val", "test")) == 344
    loaded = load_and_predict(run, data, "species")  # rows with missing measurements included
    assert loaded["n_predictions"] == 344
    assert loaded["proba_shape"] == [344, 3]


def test_benefits_binary_with_positive_class(tmp_path_factory):
    data = shared_fixtures_or_skip() / "ui-benefit-claims" / "data" / "data.csv"
    config = make_config(
        target="ui",
        task="binary",
        positive_class="yes",
        path=str(data),
        features={
            "numeric": ["stateur", "statemb", "age", "tenure", "yrdispl", "rr"],
            "categorical": ["joblost", "sex"],
            "high_cardinality": ["state"],
            "boolean": ["nwhite", "school12", "bluecol", "smsa", "married", "dkids", "dykids"]
            + ["head"],
        },
        model_type="hist_gradient_boosting",
        params={"max_iter": 100, "learning_rate": 0.05},
        primary="roc_auc",
        secondary=["average_precision", "f1", "accuracy", "log_loss"],
    )
    run = train(tmp_path_factory.mktemp("benefits"), config)
    metrics = assert_clean_success(run)
    assert metrics["positive_class"] == "yes"
    assert metrics["baseline"]["test"]["roc_auc"] == pytest.approx(0.5)
    assert metrics["model"]["test"]["roc_auc"] > 0.6
    loaded = load_and_predict(run, data, "ui")
    assert loaded["proba_shape"][1] == 2
    # Which inputs matter: measured on test, largest loss first, only the inputs the model read.
    importance = metrics["importances"]
    assert importance["metric"] == "roc_auc" and importance["part"] == "test"
    drops = [item["drop"] for item in importance["top"]]
    assert drops == sorted(drops, reverse=True) and drops[0] > 0
    used = {c for group in config.data.features.model_dump().values() for c in group}
    assert {item["column"] for item in importance["top"]} <= used
    assert "Inputs that matter most" in run.process.stdout


def test_diabetes_regression_with_cv(tmp_path_factory):
    from sklearn.datasets import load_diabetes

    folder = tmp_path_factory.mktemp("diabetes")
    data = folder / "data.csv"
    frame = load_diabetes(as_frame=True).frame
    frame.to_csv(data, index=False)
    config = make_config(
        target="target",
        task="regression",
        features={"numeric": [c for c in frame.columns if c != "target"]},
        model_type="ridge",
        params={"alpha": 1.0},
        primary="rmse",
        secondary=["mae", "r2", "mape", "roc_auc"],  # roc_auc: null with a reason, no crash
        split={"strategy": "random", "cv_folds": 5},
        path=None,  # the data comes from the environment variable named by data.path_env
    )
    run = train(folder, config, env={config.data.path_env: str(data)})
    metrics = assert_clean_success(run)
    test = metrics["model"]["test"]
    assert test["rmse"] < metrics["baseline"]["test"]["rmse"]  # lower is better
    assert metrics["lower_is_better"] is True
    assert test["roc_auc"] is None
    assert "not a regression metric" in metrics["unavailable_metrics"]["model.test.roc_auc"]
    assert metrics["cv"]["splitter"] == "KFold" and metrics["cv"]["mean"] > 0
    # Body mass index and s5 (log of serum triglycerides) carry diabetes progression most.
    top = [item["column"] for item in metrics["importances"]["top"][:3]]
    assert {"bmi", "s5"} & set(top), top
    from ml_engineer.graphs.approval_summary import _top_inputs

    shown = _top_inputs(metrics["importances"], metrics["lower_is_better"])
    assert shown[0].startswith(f"{top[0]} (rmse rises ") and shown[0].endswith("when shuffled)")
    loaded = load_and_predict(run, data, "target")
    assert loaded["n_predictions"] == len(frame) and "proba_shape" not in loaded


def test_the_search_measures_the_alternatives_and_keeps_the_best(tmp_path_factory):
    """Small smooth regression: the regularised linear candidate beats boosting by CV, and the
    script says what it tried; the saved model is the one chosen."""
    from sklearn.datasets import load_diabetes

    from ml_engineer.models import ModelSection, SearchSection

    folder = tmp_path_factory.mktemp("diabetes_search")
    frame = load_diabetes(as_frame=True).frame
    frame.to_csv(folder / "data.csv", index=False)
    config = make_config(
        target="target", task="regression", model_type="hist_gradient_boosting",
        features={"numeric": [c for c in frame.columns if c != "target"]}, primary="rmse",
        split={"strategy": "random"},
    )  # fmt: skip
    config.search = SearchSection(
        folds=5,
        alternatives=[ModelSection(type="ridge", params={"alpha": 1.0}),
                      ModelSection(type="random_forest", params={"no_such_param": 1})],
    )  # fmt: skip
    run = train(folder, config)
    metrics = assert_clean_success(run)
    search = metrics["search"]
    assert search["how"] == "5-fold CV on train+val"
    hgb, ridge, broken = search["tried"]
    assert ridge["score"] < hgb["score"]  # rmse: lower is better
    assert "do not fit RandomForestRegressor" in broken["skipped"]  # skipped, not a crash
    assert search["chosen"] == 1 and metrics["model_type"] == "ridge"
    assert metrics["model_params"] == {"alpha": 1.0}
    assert "chose ridge" in run.process.stdout
    loaded = load_and_predict(run, folder / "data.csv", "target")
    assert loaded["n_predictions"] == len(frame)

    config.search = None  # no search: the model section is trained as it is
    config.data.path = str(folder / "data.csv")
    metrics = assert_clean_success(train(tmp_path_factory.mktemp("no_search"), config))
    assert metrics["search"] is None and metrics["model_type"] == "hist_gradient_boosting"


def test_the_search_draws_parameters_blends_its_two_best_and_keeps_the_best(tmp_path_factory):
    """A smooth signal plus a step: the linear model and the trees each see part of it. After
    the families, the average of the two best families and random parameter draws of the best
    one are measured like any candidate; the saved model is the one that scored best."""
    from ml_engineer.models import ModelSection, SearchSection

    folder = tmp_path_factory.mktemp("blend")
    rng = np.random.default_rng(7)
    n = 1500
    X = rng.normal(size=(n, 6))
    logit = X[:, :4].sum(axis=1) * 0.6 + 1.5 * (X[:, 4] > 0.8) - 0.5
    label = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(6)]).assign(label=label)
    frame.to_csv(folder / "data.csv", index=False)
    config = make_config(
        target="label", task="binary", model_type="hist_gradient_boosting", primary="roc_auc",
        features={"numeric": [f"x{i}" for i in range(6)]}, positive_class="yes",
        params={"max_iter": 150, "learning_rate": 0.05}, split={"cv_folds": 3},
    )  # fmt: skip
    config.search = SearchSection(
        folds=3, n_iter=2, blend_top=2,
        alternatives=[ModelSection(type="logistic_regression", params={"C": 1.0}),
                      ModelSection(type="extra_trees", params={"n_estimators": 100})],
    )  # fmt: skip
    run = train(folder, config)
    metrics = assert_clean_success(run)
    tried = metrics["search"]["tried"]
    families, blend, draws = tried[:3], tried[3], tried[4:6]
    leaders = {}  # the best of each family, best first: a blend mixes families
    for t in sorted(families, key=lambda t: -t["score"]):
        leaders.setdefault(t["type"], t)
    two = list(leaders.values())[:2]
    assert blend["type"] == "blend"
    assert blend["label"] == f"blend of {two[0]['label']} + {two[1]['label']}"
    assert [t["label"] for t in draws] == [
        f"{two[0]['type']} (random draw 1)", f"{two[0]['type']} (random draw 2)",
    ]  # fmt: skip
    assert all(t["params"] != two[0]["params"] and t["score"] is not None for t in draws)
    best = max(range(len(tried)), key=lambda i: (tried[i]["score"], -i))
    assert metrics["search"]["chosen"] == best
    assert metrics["model_label"] == tried[best]["label"]
    assert f"chose {tried[best]['label']}." in run.process.stdout
    # The reported 3-fold CV is the search's own measurement of the chosen model, not a rerun.
    assert metrics["cv"]["mean"] == tried[best]["score"] and metrics["cv"]["folds"] == 3
    assert "chosen_cv" not in metrics["search"]
    loaded = load_and_predict(run, folder / "data.csv", "label")
    assert loaded["proba_shape"] == [n, 2]


# --- synthetic scenarios -----------------------------------------------------------------------


def test_time_split_text_boolean_datetime_parquet_missing_target(tmp_path_factory):
    folder = tmp_path_factory.mktemp("churn")
    data = folder / "data.parquet"
    churn_frame().to_parquet(data, index=False)
    config = make_config(
        target="churned",
        task="binary",
        positive_class="yes",
        path="data.parquet",
        data_format="parquet",
        features={
            "numeric": ["x"],
            "categorical": ["plan"],
            "boolean": ["is_member"],
            "datetime": ["signup_date", "last_seen"],
            "text": ["review"],
        },
        model_type="hist_gradient_boosting",
        params={"max_iter": 100},
        primary="roc_auc",
        secondary=["f1", "balanced_accuracy"],
        split={"strategy": "time", "time_column": "signup_date", "cv_folds": 3},
        text_max_features=200,
    )
    run = train(folder, config)
    metrics = assert_clean_success(run)
    assert metrics["split"] == "time"
    assert metrics["rows"]["dropped_missing_target"] == 30
    assert sum(metrics["rows"][part] for part in ("train", "val", "test")) == 1200 - 30
    assert metrics["cv"]["splitter"] == "TimeSeriesSplit"
    loaded = load_and_predict(run, data, "churned")
    assert loaded["proba_shape"] == [1200, 2]


def test_group_split_target_encoding_sample_rows(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stores")
    stores_frame().to_csv(folder / "data.csv", index=False)
    config = make_config(
        target="spend",
        task="regression",
        features={"numeric": ["x1", "x2"], "high_cardinality": ["zip_code"]},
        model_type="random_forest",
        params={"n_estimators": 50, "min_samples_leaf": 3},
        primary="rmse",
        secondary=["r2"],
        split={"strategy": "group", "group_column": "customer_id", "cv_folds": 3},
    )
    run = train(folder, config, "--sample-rows", "1000")
    metrics = assert_clean_success(run)
    assert metrics["sampled_rows"] == 1000
    assert sum(metrics["rows"][part] for part in ("train", "val", "test")) == 1000
    assert metrics["cv"]["splitter"] == "GroupKFold"
    assert metrics["model"]["test"]["r2"] > 0.5  # the zip code effect only comes via encoding
    load_and_predict(run, folder / "data.csv", "spend")


# --- only the columns the run uses are read ----------------------------------------------------


def with_unused_columns(frame: pd.DataFrame, path: Path) -> None:
    """`frame` as CSV with two columns no config names: `notes`, whose bytes are not UTF-8
    (reading it fails), and `blob`, 5,000 characters a row."""
    frame = frame.assign(notes="NOTE", blob="z" * 5000)
    text = frame.to_csv(index=False).encode("utf-8")
    path.write_bytes(text.replace(b"NOTE", b"caf\xe9 \xff\xfe"))
    with pytest.raises(UnicodeDecodeError):  # what reading every column would do
        pd.read_csv(path)


# Loads model.joblib in a fresh process; predicts on the data without the unreadable columns.
PREDICT_WITHOUT_UNUSED = """
import json, sys
import joblib, pandas as pd
script_dir, model_path, data_path, target = sys.argv[1:5]
model = joblib.load(model_path)
X = pd.read_csv(data_path, usecols=lambda c: c not in ("notes", "blob", target))
print(json.dumps({"n": len(model.predict(X)), "inputs": list(model.feature_names_in_)}))
"""


def test_only_the_configured_columns_are_read(tmp_path):
    """The target, the inputs and the split's group column are read; the others are not, so a
    column of bytes that are not UTF-8 or of long text costs nothing and breaks nothing."""
    frame = stores_frame(n=600)
    data = tmp_path / "data.csv"
    with_unused_columns(frame, data)
    config = make_config(
        target="spend",
        task="regression",
        features={"numeric": ["x1", "x2"], "high_cardinality": ["zip_code"]},
        model_type="ridge",
        primary="rmse",
        split={"strategy": "group", "group_column": "customer_id"},
    )
    run = train(tmp_path, config)
    metrics = assert_clean_success(run)
    assert metrics["columns"] == {"read": 5, "in_data": 7}
    assert "(600 rows; read 5 of its 7 columns)" in run.process.stdout
    loaded = json.loads(in_fresh_process(run, PREDICT_WITHOUT_UNUSED, data, "spend"))
    assert loaded["n"] == 600
    # The model was fitted on the columns read, less the target: nothing else is asked for.
    assert loaded["inputs"] == ["customer_id", "zip_code", "x1", "x2"]


def test_a_configured_column_missing_is_named_before_any_row_is_read(tmp_path):
    """The header is checked against the config first: the missing column is named in one
    line, and the unreadable column (which no config names) is never decoded."""
    with_unused_columns(stores_frame(n=100), tmp_path / "data.csv")
    config = make_config(
        target="spend",
        task="regression",
        features={"numeric": ["x1", "nope"], "high_cardinality": ["zip_code"]},
        model_type="ridge",
        primary="rmse",
        split={"strategy": "group", "group_column": "no_such_group"},
    )
    process = run_script(write_project(tmp_path, config))
    assert_clear_error(process, "column(s) in the config but not in the data", "'nope'",
                       "'no_such_group'")  # fmt: skip
    assert "utf-8" not in process.stderr


def test_parquet_reads_only_the_configured_columns(tmp_path):
    frame = stores_frame(n=300).assign(unused=[list(range(50))] * 300, note="x" * 1000)
    frame.to_parquet(tmp_path / "data.parquet", index=False)
    settings = {
        "target": "spend",
        "task": "regression",
        "features": {"numeric": ["x1", "x2"]},
        "model_type": "ridge",
        "primary": "rmse",
        "split": {"strategy": "random"},
        "path": "data.parquet",
        "data_format": "parquet",
    }
    run = train(tmp_path, make_config(**settings))
    assert assert_clean_success(run)["columns"] == {"read": 3, "in_data": 7}
    settings["features"] = {"numeric": ["x1", "x2", "absent"]}
    process = run_script(write_project(tmp_path, make_config(**settings)))
    assert_clear_error(process, "column(s) in the config but not in the data: 'absent'")


def test_the_searched_fit_on_train_is_the_model_scored(tmp_path):
    """Measured by a fit on train scored on val, the chosen candidate is not fitted again:
    its val score in the search is the reported one, and its fit time is within the search's."""
    from ml_engineer.models import ModelSection, SearchSection

    churn_frame(n=900).to_csv(tmp_path / "data.csv", index=False)
    config = make_config(
        target="churned", task="binary", positive_class="yes", primary="roc_auc",
        features={"numeric": ["x"], "categorical": ["plan"], "boolean": ["is_member"]},
        model_type="logistic_regression", params={"C": 1.0},
    )  # fmt: skip
    config.search = SearchSection(
        folds=None, n_iter=2, blend_top=2,
        alternatives=[ModelSection(type="hist_gradient_boosting", params={"max_iter": 60}),
                      ModelSection(type="logistic_regression", params={"C": 0.05})],
    )  # fmt: skip
    run = train(tmp_path, config)
    metrics = assert_clean_success(run)
    search = metrics["search"]
    assert search["how"] == "fit on train, scored on val" and "chosen_fit" not in search
    chosen = search["tried"][search["chosen"]]
    assert len([t for t in search["tried"] if t.get("score") is not None]) >= 4
    assert metrics["model"]["val"]["roc_auc"] == chosen["score"]
    assert metrics["fit_seconds"] <= chosen["seconds"]
    loaded = load_and_predict(run, tmp_path / "data.csv", "churned")
    assert loaded["proba_shape"] == [900, 2]


def test_hostile_column_name_stays_a_column_name(tmp_path):
    sentinel = tmp_path / "SENTINEL"
    hostile = f'x"); import os; os.system("touch {sentinel}"); #'
    rng = np.random.default_rng(3)
    signal = rng.normal(size=400)
    frame = pd.DataFrame(
        {
            hostile: signal,
            "color": rng.choice(["red", "blue"], 400),
            "label": (signal + rng.normal(0, 0.5, 400) > 0).astype(int),  # 0/1 labels
        }
    )
    frame.to_csv(tmp_path / "data.csv", index=False)
    config = make_config(
        target="label",
        task="binary",
        positive_class="1",
        features={"numeric": [hostile], "categorical": ["color"]},
        model_type="logistic_regression",
        primary="roc_auc",
    )
    injected = f'\nimport os; os.system("touch {sentinel}")\n'
    spec = spec_for(config, slug=f"demo\r{injected}", goal=f"predict{injected}\u2028x = 1")
    run = train(tmp_path, config, spec=spec)
    assert_clean_success(run)
    assert not sentinel.exists()
    loaded = load_and_predict(run, tmp_path / "data.csv", "label")
    assert hostile in loaded["inputs"]
    for line in run.script.read_text(encoding="utf-8").splitlines():
        if "os.system" in line:
            assert line.startswith("#"), line
    assert not sentinel.exists()


# --- clear errors ------------------------------------------------------------------------------


@pytest.fixture
def small_project(tmp_path):
    rng = np.random.default_rng(4)
    pd.DataFrame(
        {"a": rng.normal(size=60), "b": rng.choice(["p", "q"], 60), "y": rng.normal(size=60)}
    ).to_csv(tmp_path / "data.csv", index=False)

    def project(**overrides):
        settings = {
            "target": "y",
            "task": "regression",
            "features": {"numeric": ["a"], "categorical": ["b"]},
            "model_type": "ridge",
            "primary": "rmse",
            "split": {"strategy": "random"},
            **overrides,
        }
        return write_project(tmp_path, make_config(**settings))

    return project


def assert_clear_error(process, *phrases):
    assert process.returncode != 0
    assert "Traceback" not in process.stderr, process.stderr
    message = process.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message, message
    for phrase in phrases:
        assert phrase in message


def test_error_missing_data_file(small_project):
    script = small_project(path="nowhere.csv")
    assert_clear_error(run_script(script), "data file not found", "nowhere.csv")


def test_error_configured_columns_absent(small_project):
    script = small_project(features={"numeric": ["a", "nope"], "categorical": ["also_missing"]})
    assert_clear_error(run_script(script), "'nope'", "'also_missing'")


def test_error_unknown_model_type(small_project):
    assert_clear_error(run_script(small_project(model_type="quantum_forest")), "quantum_forest")


def test_error_target_without_values(small_project, tmp_path):
    pd.DataFrame({"a": [1.0, 2.0], "b": ["p", "q"], "y": [None, None]}).to_csv(
        tmp_path / "empty_target.csv", index=False
    )
    process = run_script(small_project(), "--data", str(tmp_path / "empty_target.csv"))
    assert_clear_error(process, "'y' has no rows with a value")


# --- the generated code itself -----------------------------------------------------------------


def test_generated_script_passes_ruff(tmp_path):
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).is_file():
        pytest.skip("ruff is not installed")
    config = make_config(
        target="t" * 120,
        task="binary",
        features={"numeric": ["n" * 150], "categorical": ["列" * 80], "text": ["a\nb"]},
        model_type="hist_gradient_boosting",
        primary="roc_auc",
    )
    spec = spec_for(config, slug="s" * 200, goal="目标" * 80 + '\n"""')
    spec.columns.append(
        ColumnDecision(name="id" * 90, kind=ColumnKind.id, keep=False, reason="an identifier")
    )
    script = write_project(tmp_path, config, spec)
    result = subprocess.run(
        [ruff, "check", "--isolated", *RUFF_SELECT, str(script)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# Left out" in script.read_text(encoding="utf-8")


def test_time_split_keeps_the_latest_rows_for_test():
    frame = churn_frame(n=500).dropna(subset=["churned"]).reset_index(drop=True)
    y = frame["churned"].astype(object)
    split = {
        "strategy": "time",
        "train": 0.6,
        "val": 0.2,
        "test": 0.2,
        "time_column": "signup_date",
    }
    parts = split_rows(frame, y, split, "binary", 0)
    train, val, test = parts["train"], parts["val"], parts["test"]
    dates = pd.to_datetime(frame["signup_date"])
    assert dates.iloc[train].max() <= dates.iloc[val].min()
    assert dates.iloc[val].max() <= dates.iloc[test].min()
    assert len(train) + len(val) + len(test) == len(frame)


def test_sample_rows_on_a_time_split_keeps_the_latest():
    frame = churn_frame(n=300)
    split = {"strategy": "time", "time_column": "signup_date"}
    sampled = sample(frame, 50, split, 0)
    dates = pd.to_datetime(frame["signup_date"])
    assert len(sampled) == 50
    assert pd.to_datetime(sampled["signup_date"]).min() >= dates.sort_values().iloc[-50]


def test_group_split_never_shares_a_group():
    frame = stores_frame(n=600)
    split = {"strategy": "group", "train": 0.6, "val": 0.2, "test": 0.2}
    split["group_column"] = "customer_id"
    parts = split_rows(frame, frame["spend"], split, "regression", 0)
    groups = [set(frame["customer_id"].iloc[rows]) for rows in parts.values()]
    assert all(groups)
    assert not any(first & second for first, second in itertools.combinations(groups, 2))


def test_metric_that_cannot_be_computed_is_null_with_a_reason():
    one_class = Predictions(
        y_true=np.array(["no", "no"], dtype=object),
        y_pred=np.array(["no", "yes"], dtype=object),
        proba=np.array([[0.9, 0.1], [0.4, 0.6]]),
        classes=["no", "yes"],
        positive="yes",
    )
    value, reason = score("roc_auc", one_class, "binary")
    assert value is None and reason
    assert score("accuracy", one_class, "binary") == (0.5, None)
    assert score("rmse", one_class, "binary")[1] == "not a binary metric"


def test_conversions_accept_pandas_text_columns():
    raw = pd.DataFrame({"flag": ["Yes", "no", None, "TRUE", "f", "maybe"], "n": list("123456")})
    assert to_booleans(raw[["flag"]])["flag"].tolist()[:2] == [1.0, 0.0]
    converted = to_booleans(raw[["flag"]])["flag"]
    assert converted.isna().tolist() == [False, False, True, False, False, True]
    categories = to_categories(raw[["flag"]])
    assert categories["flag"].dtype == object and type(categories["flag"].iloc[0]) is str
    assert isinstance(categories["flag"].iloc[2], float) and np.isnan(categories["flag"].iloc[2])
    parts = to_date_parts(pd.DataFrame({"d": ["2024-02-29", None]}))
    assert parts.iloc[0].tolist() == [2024.0, 2.0, 3.0, 60.0] and parts.iloc[1].isna().all()


# --- the filters -------------------------------------------------------------------------------


def test_quoted_name_takes_only_the_products_own_names():
    assert quoted_name("hist_gradient_boosting") == '"hist_gradient_boosting"'
    assert quoted_name("0.1") == '"0.1"'
    for data in ('x"); import os; #', "Sales Region", "a\nb", 3):
        with pytest.raises(ValueError):
            quoted_name(data)


def test_pyrepr_only_plain_literals():
    assert pyrepr('x"); import os; #') == repr('x"); import os; #')
    assert pyrepr(None) == "None" and pyrepr(True) == "True" and pyrepr(1.5) == "1.5"
    with pytest.raises(TypeError):
        pyrepr(["a"])
    with pytest.raises(ValueError):
        pyrepr(float("nan"))


def test_comment_is_one_safe_line():
    text = comment("a\nb\r\nc\u2028d\x00e\u202ef" + "z" * 300)
    assert "\n" not in text and "\r" not in text and "\u2028" not in text and "\u202e" not in text
    assert len(text) <= 100 and text.endswith("...")
    assert comment("目" * 100, 20) == "目" * 8 + "..."  # wide characters take two columns
    assert "coding:" not in comment("-*- coding: raw_unicode_escape -*-")


def test_header_cannot_declare_an_encoding():
    config = make_config(
        target="t",
        task="binary",
        features={"numeric": ["n"]},
        model_type="logistic_regression",
        primary="f1",
    )
    source = render_training_script(
        spec_for(config, slug="coding: raw_unicode_escape", goal="# coding=latin-1"), config
    )
    first_two = source.splitlines()[:2]
    assert first_two == ["#!/usr/bin/env python", "# Training script generated by ml_engineer."]
    assert "coding: raw" not in source and "coding=latin" not in source


# Runs a script as `python training_script.py` does, with another series of the runtime
# installed; reports which of the runtime's modules had been imported when it stopped.
OTHER_SERIES = """
import runpy, sys
import ml_engineer_runtime
ml_engineer_runtime.__version__ = "0.2.0"
sys.argv = [sys.argv[1]]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    print(sorted(name for name in sys.modules if name.startswith("ml_engineer_runtime.")))
"""


def test_a_script_run_against_another_runtime_series_stops_first_with_the_fix(tmp_path):
    config = make_config(
        target="t", task="binary", features={"numeric": ["n"]}, model_type="ridge", primary="f1"
    )
    script = write_project(tmp_path, config)
    process = subprocess.run(
        [sys.executable, "-c", OTHER_SERIES, str(script)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert process.returncode == 2 and "Traceback" not in process.stderr, process.stderr
    assert process.stderr.strip() == (
        "error: this script was written for ml-engineer-runtime 0.1, but 0.2.0 is installed: "
        "pip install 'ml-engineer-runtime==0.1.*' (or regenerate the script)"
    )
    # Stopped before any of the runtime's modules was imported: none could fail first.
    assert process.stdout.strip() == "[]"


# The columns' order is part of a result: LightGBM's colsample_bytree and forests sample columns
# by position, so another order is another model (a merge once swapped it, moving the benchmarks'
# figures). Numbers come first; histogram gradient boosting takes its category codes first.
BRANCHES = """
import json, sys, joblib
model = joblib.load(sys.argv[2])
print(json.dumps([name for name, _, _ in model.named_steps["preprocess"].transformers_
                  if name != "remainder"]))
"""


@pytest.mark.parametrize(
    ("model_type", "first"),
    [("logistic_regression", "numeric"), ("hist_gradient_boosting", "categorical")],
)
def test_the_preprocessor_puts_numbers_first_and_native_codes_first(tmp_path, model_type, first):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "size": rng.normal(size=300), "colour": rng.choice(["red", "blue", "green"], 300),
        "y": rng.choice(["a", "b"], 300),
    })  # fmt: skip
    frame.to_csv(tmp_path / "data.csv", index=False)
    config = make_config(
        target="y", task="binary", primary="roc_auc", model_type=model_type,
        features={"categorical": ["colour"], "numeric": ["size"]},
    )  # fmt: skip
    run = train(tmp_path / "ml", config, "--data", str(tmp_path / "data.csv"))
    assert run.metrics["model_type"] == model_type
    branches = json.loads(in_fresh_process(run, BRANCHES, tmp_path / "data.csv", "y"))
    assert branches[0] == first and set(branches) == {"numeric", "categorical"}
