"""The LightGBM and XGBoost training scripts, rendered and RUN on small real datasets.

Between them the two frameworks train a binary, a multiclass and a regression case (class
labels as words, a categorical column, missing values), one of each also searching, one inside
a tuned threshold and one on log(1 + y); the saved model is loaded in a fresh, isolated process
from another folder, with no path trick, where the runtime's early-stopping wrapper says how
many trees it kept. A wrong model type in the YAML and the generated code's lint are checked
too; the wrapper itself is tested in test_runtime_boosting.py.
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
    LOAD_AND_PREDICT,
    in_fresh_process,
    make_config,
    run_script,
    spec_for,
    train,
    write_project,
)

from ml_engineer.models import (
    ColumnDecision,
    ColumnKind,
    DerivedSection,
    ForecastSection,
    ModelSection,
    SearchSection,
)

pytest.importorskip("lightgbm")
pytest.importorskip("xgboost")

FRAMEWORKS = ("lightgbm", "xgboost")
RUFF_SELECT = ["--select", "E,F,W,I,B,UP", "--line-length", "100"]
MAX_TREES = 1000  # the upper bound in model.params; early stopping must keep far fewer
STOP_AFTER = 10  # early_stopping_rounds in these tests
# A shallow variant of the same framework, as the planner's search lists (but faster).
SHALLOW = {
    "lightgbm": {"n_estimators": MAX_TREES, "num_leaves": 4, "early_stopping_rounds": STOP_AFTER},
    "xgboost": {"n_estimators": MAX_TREES, "max_depth": 2, "early_stopping_rounds": STOP_AFTER},
}


def assert_clean_success(run) -> dict:
    assert run.process.returncode == 0, run.process.stderr
    assert "Traceback" not in run.process.stderr, run.process.stderr
    metrics = run.metrics
    assert metrics["beats_baseline"] is True, metrics
    assert (run.output_dir / "model.joblib").is_file()
    return metrics


# --- small real datasets, made a little messier -------------------------------------------------


def breast_cancer(folder: Path) -> dict:
    """Binary, labels as words; a few columns, one of them categorical, some values missing."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    numeric = ["mean radius", "mean texture", "mean concave points", "worst area",
               "worst smoothness", "worst concavity"]  # fmt: skip
    frame = frame[[*numeric, "target"]].copy()
    rng = np.random.default_rng(0)
    frame["size band"] = pd.cut(frame["mean radius"], 3, labels=["small", "mid", "large"])
    frame["size band"] = frame["size band"].astype(object)
    frame["diagnosis"] = np.where(frame.pop("target") == 1, "benign", "malignant")
    frame.loc[rng.choice(len(frame), 40, replace=False), "mean texture"] = np.nan
    frame.loc[rng.choice(len(frame), 30, replace=False), "size band"] = np.nan
    frame.to_csv(folder / "data.csv", index=False)
    features = {"numeric": numeric, "categorical": ["size band"]}
    return {"target": "diagnosis", "task": "binary", "features": features,
            "primary": "roc_auc", "secondary": ["accuracy", "log_loss"],
            "positive_class": "malignant", "rows": len(frame), "classes": 2}  # fmt: skip


def wine(folder: Path) -> dict:
    """Multiclass on 178 rows, labels as words."""
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame
    rng = np.random.default_rng(1)
    frame["cultivar"] = np.array(["barolo", "grignolino", "barbera"])[frame.pop("target")]
    frame["hue band"] = np.where(frame["hue"] > frame["hue"].median(), "light", "dark")
    frame.loc[rng.choice(len(frame), 15, replace=False), "alcohol"] = np.nan
    frame.to_csv(folder / "data.csv", index=False)
    numeric = [c for c in frame.columns if c not in ("cultivar", "hue band")]
    return {"target": "cultivar", "task": "multiclass",
            "features": {"numeric": numeric, "categorical": ["hue band"]},
            "primary": "f1_macro", "secondary": ["accuracy", "roc_auc"],
            "rows": len(frame), "classes": 3}  # fmt: skip


def diabetes(folder: Path) -> dict:
    """Regression; sex as a categorical word column, some values missing."""
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True, scaled=False).frame
    rng = np.random.default_rng(2)
    frame["sex"] = np.where(frame["sex"] == 1, "F", "M").astype(object)
    frame.loc[rng.choice(len(frame), 30, replace=False), "bmi"] = np.nan
    frame.to_csv(folder / "data.csv", index=False)
    numeric = [c for c in frame.columns if c not in ("sex", "target")]
    return {"target": "target", "task": "regression",
            "features": {"numeric": numeric, "categorical": ["sex"]},
            "primary": "rmse", "secondary": ["r2"], "split": {"strategy": "random"},
            "rows": len(frame), "classes": 0}  # fmt: skip


DATASETS = {"binary": breast_cancer, "multiclass": wine, "regression": diabetes}

# script_fixtures' fresh-process load and predict, then a look at the early-stopping wrapper
# at the end of the saved pipeline (one process for both: each costs a second of imports).
INSPECT = (
    LOAD_AND_PREDICT
    + """
wrapper = model.steps[-1][1]
if "EarlyStopping" not in type(wrapper).__name__:  # inside a tuned threshold or log target
    wrapper = getattr(wrapper, "regressor_", None) or wrapper.estimator_
print(json.dumps({
    "class": f"{type(wrapper).__module__}.{type(wrapper).__name__}",
    "booster": type(wrapper.estimator_).__name__,
    "best_iteration": wrapper.best_iteration_,
    "trained": wrapper.n_trained_,
    "held_out_rows": wrapper.held_out_rows_,
    "upper_bound": wrapper.estimator_.get_params()["n_estimators"],
    "classes": [str(c) for c in getattr(wrapper, "classes_", [])],
}))
"""
)


def load_predict_and_inspect(run, data_path: Path, target: str) -> tuple[dict, dict]:
    """As script_fixtures.load_and_predict, and what the saved wrapper says of itself."""
    predicted, inspected = in_fresh_process(run, INSPECT, data_path, target).strip().splitlines()
    return json.loads(predicted), json.loads(inspected)


# Between them, the two frameworks train each task; one case of each also searches.
CASES = [("lightgbm", "binary"), ("lightgbm", "regression"),
         ("xgboost", "multiclass"), ("xgboost", "binary")]  # fmt: skip
SEARCHED = [("lightgbm", "binary"), ("xgboost", "multiclass")]
# The script's own wrappers around the model (class weights are the model's): they must compose.
MODEL_SECTION = {
    ("lightgbm", "regression"): {"target_transform": "log1p"},
    ("xgboost", "binary"): {"threshold": "tuned", "class_weight": "balanced"},
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """run(framework, task): one real run of the script per case, made when first asked for,
    with its saved model loaded in a fresh process. A searched case measures a shallow variant
    of the same framework, as the planner lists, and a scikit-learn section it must skip.
    A run takes 4 to 12 s: the tests that ask for one are marked slow."""
    done = {}

    def run(framework: str, task: str):
        if (framework, task) in done:
            return done[framework, task]
        folder = tmp_path_factory.mktemp(f"{framework}_{task}")
        case = DATASETS[task](folder)
        params = {"n_estimators": MAX_TREES, "learning_rate": 0.1,
                  "early_stopping_rounds": STOP_AFTER, "random_state": 0}  # fmt: skip
        config = make_config(
            target=case["target"], task=case["task"], features=case["features"],
            primary=case["primary"], secondary=case["secondary"], split=case.get("split"),
            positive_class=case.get("positive_class"), params=params,
            framework=framework, model_type=framework,
        )  # fmt: skip
        config.model = config.model.model_copy(update=MODEL_SECTION.get((framework, task), {}))
        if (framework, task) in SEARCHED:
            config.search = SearchSection(folds=3, alternatives=[
                ModelSection(framework=framework, type=framework, params=SHALLOW[framework]),
                ModelSection(type="random_forest", params={"n_estimators": 10}),
            ])  # fmt: skip
        finished = train(folder, config)
        assert finished.process.returncode == 0, finished.process.stderr
        loaded = load_predict_and_inspect(finished, folder / "data.csv", case["target"])
        done[framework, task] = case, finished, *loaded
        return done[framework, task]

    return run


@pytest.mark.slow
@pytest.mark.parametrize(("framework", "task"), CASES)
def test_trains_beats_the_baseline_and_loads_elsewhere(runs, framework, task):
    case, run, loaded, _ = runs(framework, task)
    metrics = assert_clean_success(run)
    primary = case["primary"]
    model, baseline = metrics["model"]["test"][primary], metrics["baseline"]["test"][primary]
    if metrics["lower_is_better"]:
        assert model < 0.9 * baseline, (model, baseline)
    else:
        assert model > baseline + 0.2, (model, baseline)
    assert metrics["model_type"] == framework
    assert loaded["n_predictions"] == case["rows"]
    if case["classes"]:
        assert loaded["proba_shape"] == [case["rows"], case["classes"]]
    else:
        assert "proba_shape" not in loaded


@pytest.mark.slow
@pytest.mark.parametrize(("framework", "task"), CASES)
def test_early_stopping_stopped_and_predicts_the_labels_as_given(runs, framework, task):
    case, run, _, saved = runs(framework, task)
    kind = "Regressor" if task == "regression" else "Classifier"
    # A class of the installed runtime: model.joblib needs no copy of the script.
    wrapper = {"lightgbm": "LightGBM", "xgboost": "XGBoost"}[framework] + "EarlyStopping" + kind
    assert saved["class"] == f"ml_engineer_runtime.boosting_{framework}.{wrapper}"
    assert saved["booster"] == ("LGBM" if framework == "lightgbm" else "XGB") + kind
    assert saved["upper_bound"] == MAX_TREES
    # Stopped: STOP_AFTER trees past the best one, far under the bound.
    assert saved["held_out_rows"] >= 20
    assert 1 <= saved["best_iteration"] < MAX_TREES // 2, saved
    assert saved["trained"] == saved["best_iteration"] + STOP_AFTER, saved
    assert saved["classes"] == sorted(run.metrics["classes"] or [])


@pytest.mark.slow
@pytest.mark.parametrize(("framework", "task"), SEARCHED)
def test_the_search_measures_the_variant_and_skips_another_framework(runs, framework, task):
    _, run, _, _ = runs(framework, task)
    search = run.metrics["search"]
    assert search["how"] == "3-fold CV on train+val"
    first, variant, other = search["tried"]
    assert first["score"] > 0.9 and variant["score"] > 0.9
    assert "model.framework 'sklearn'" in other["skipped"]  # skipped, not a crash
    assert variant["params"] == SHALLOW[framework]
    assert run.metrics["model_params"] == [first, variant][search["chosen"]]["params"]


# --- whole-script errors and lint --------------------------------------------------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_wrong_model_type_in_the_yaml_exits_2_with_one_line(tmp_path, framework):
    config = make_config(
        target="y", task="binary", features={"numeric": ["a"]}, primary="roc_auc",
        framework=framework, model_type=framework,
    )  # fmt: skip
    script = write_project(tmp_path, config)
    config_path = tmp_path / "experiment-config.yaml"
    content = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    content["model"]["type"] = "random_forest"
    config_path.write_text(yaml.safe_dump(content), encoding="utf-8")
    process = run_script(script)
    assert process.returncode == 2, process.stderr
    message = process.stderr.strip()
    assert "Traceback" not in message and "\n" not in message, message
    assert message.startswith("error: model.type 'random_forest'"), message
    assert f"set it to '{framework}'" in message


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_generated_script_passes_ruff(tmp_path, framework):
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).is_file():
        pytest.skip("ruff is not installed")
    scripts = []
    # The shared imports differ with derived features and with a forecast.
    for derived, forecast in ((False, False), (True, False), (False, True), (True, True)):
        config = make_config(
            target="t" * 120, task="regression" if forecast else "binary",
            primary="rmse" if forecast else "roc_auc",
            features={"numeric": ["n" * 150], "categorical": ["列" * 80], "text": ["a\nb"]},
            framework=framework, model_type=framework,
        )  # fmt: skip
        if derived:
            config.data.derived = [DerivedSection(name="r", op="ratio", inputs=["n" * 150, "x"])]
        if forecast:
            config.data.forecast = ForecastSection(time_column="d" * 90, season=12)
            config.data.protected = ["sex", "年齢" * 60]
        spec = spec_for(config, slug="s" * 200, goal="目标" * 80 + '\n"""')
        spec.columns.append(
            ColumnDecision(name="id" * 90, kind=ColumnKind.id, keep=False, reason="an identifier")
        )
        scripts.append(write_project(tmp_path / f"derived_{derived}_{forecast}", config, spec))
    result = subprocess.run(
        [ruff, "check", "--isolated", *RUFF_SELECT, *map(str, scripts)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    for script in scripts:
        source = script.read_text(encoding="utf-8")
        assert f"from ml_engineer_runtime.boosting_{framework} import {framework}_model" in source
        assert "RandomForestClassifier" not in source  # the scikit-learn families: not here
        assert "OrdinalEncoder" not in source  # one-hot columns, never category codes
