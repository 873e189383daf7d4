"""ml_engineer_runtime's boosting models, called directly: LightGBM and XGBoost inside the
wrapper that stops early on a held-out slice of the rows it is given.

Early stopping keeps fewer trees than n_estimators, too few rows train them all, labels given as
words come back as words, the wrapper pickles by the runtime's own names, and a machine without
the library gets the pip line, while the modules still import.
"""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from ml_engineer_runtime.boosting import early_stopping_settings
from ml_engineer_runtime.errors import ScriptError
from ml_engineer_runtime.estimators import build_estimator
from ml_engineer_runtime.fitting import fit
from sklearn.base import clone
from threadpoolctl import threadpool_limits

LIBRARIES = ("lightgbm", "xgboost")
NAMES = {"lightgbm": "LightGBM", "xgboost": "XGBoost"}
MAX_TREES = 500


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One OpenMP thread, as the scripts run on small data (two shared cores)."""
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


def families(library: str) -> dict:
    """A generated script's MODELS: {"lightgbm": lightgbm_model}, say."""
    pytest.importorskip(library)
    module = importlib.import_module(f"ml_engineer_runtime.boosting_{library}")
    return {library: getattr(module, f"{library}_model")}


def build(library: str, task: str, **params):
    """The model of a `framework: <library>` section, made as a generated script makes it."""
    section = {"framework": library, "type": library, "params": params}
    return build_estimator(families(library), section, task, 0)


def signal(rows: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two informative columns of five, with noise: the loss bottoms out after a few dozen trees
    at a high learning rate."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 5))
    return X, X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=1.0, size=rows)


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("task", ["regression", "binary"])
def test_early_stopping_keeps_fewer_trees_than_the_bound(library, task):
    X, target = signal()
    y = target if task == "regression" else np.where(target > 0, "yes", "no")
    model = build(library, task, n_estimators=MAX_TREES, learning_rate=0.3,
                  early_stopping_rounds=10)  # fmt: skip
    model.fit(X, y)
    assert model.held_out_rows_ == 60  # validation_fraction 0.1 of 600 rows
    assert 1 <= model.best_iteration_ < MAX_TREES // 5, model.early_stopping_
    assert model.n_trained_ == model.best_iteration_ + 10, model.early_stopping_
    assert model.early_stopping_.startswith(f"kept {model.best_iteration_} of")
    assert model.estimator_.get_params()["n_estimators"] == MAX_TREES


@pytest.mark.parametrize("library", LIBRARIES)
def test_too_few_rows_train_every_tree(library):
    X, y = signal(rows=79)
    model = build(library, "regression", n_estimators=30).fit(X, y)
    assert model.best_iteration_ is None and model.held_out_rows_ == 0
    assert model.n_trained_ == 30
    assert model.early_stopping_ == "off: 79 rows are too few to hold out 20 of them"


@pytest.mark.parametrize("library", LIBRARIES)
def test_early_stopping_off_when_asked_or_on_the_last_rows(library):
    X, target = signal(rows=400)
    y = np.where(target > 0, "yes", "no")
    off = build(library, "binary", n_estimators=20, early_stopping_rounds=0).fit(X, y)
    assert off.best_iteration_ is None and off.n_trained_ == 20
    assert off.early_stopping_ == "off (model.params)"
    last = build(library, "binary", n_estimators=200, early_stopping_rounds=5,
                 validation_split="last").fit(X, y)  # fmt: skip
    assert last.held_out_rows_ == 40 and last.best_iteration_ is not None


@pytest.mark.parametrize("library", LIBRARIES)
def test_string_labels_round_trip(library):
    X, target = signal()
    labels = np.array(["barbera", "barolo", "grignolino"])
    y = labels[np.digitize(target, [-0.7, 0.7])].astype(object)
    model = build(library, "multiclass", n_estimators=100, early_stopping_rounds=10).fit(X, y)
    assert list(model.classes_) == list(labels)
    predicted = model.predict(X)
    assert set(predicted) <= set(labels) and (predicted == y).mean() > 0.6
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 3)
    # The columns of predict_proba are in classes_ order: the most likely is the label predicted.
    assert (model.classes_[proba.argmax(axis=1)] == predicted).all()


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_fitted_wrapper_clones_and_pickles_by_the_runtimes_names(library):
    X, target = signal(rows=300)
    y = np.where(target > 0, "yes", "no")
    model = build(library, "binary", n_estimators=50, early_stopping_rounds=5).fit(X, y)
    assert type(model).__module__ == f"ml_engineer_runtime.boosting_{library}"
    assert type(model).__name__ == f"{NAMES[library]}EarlyStoppingClassifier"
    again = pickle.loads(pickle.dumps(model))
    assert (again.predict(X) == model.predict(X)).all()
    assert clone(model).get_params()["early_stopping_rounds"] == 5


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_parameter_the_library_refuses_is_one_line(library):
    X, y = signal(rows=200)
    model = build(library, "regression", n_estimators=10, max_depth="deep")
    with pytest.raises(ScriptError) as caught:  # as the scripts fit: ml_engineer_runtime.fitting
        fit(model, pd.DataFrame(X), pd.Series(y))
    message = str(caught.value)
    assert message.startswith("training failed on 200 rows: ") and "max_depth" in message
    assert "\n" not in message, message


def imbalanced(rows: int = 1000, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """About 6% positives with a weak signal: unweighted, the model rarely predicts one."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 5))
    logit = -3.3 + 0.9 * X[:, 0] + 0.5 * X[:, 1]
    return X, np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "churned", "stayed")


@pytest.mark.parametrize("library", LIBRARIES)
def test_class_weight_balanced_changes_the_fit(library):
    """LightGBM weighs the classes itself; XGBoost has no class_weight, so the wrapper turns
    model.class_weight into row weights."""
    make = families(library)[library]
    X, y = imbalanced()
    params = {"n_estimators": 100, "learning_rate": 0.1, "random_state": 0}
    section = {"framework": library, "type": library, "params": params}
    fitted = {weight: make({**section, "class_weight": weight}, "binary", 0).fit(X, y)
              for weight in (None, "balanced")}  # fmt: skip
    assert list(fitted[None].classes_) == list(fitted["balanced"].classes_) == ["churned", "stayed"]
    share = {w: (m.predict(X) == "churned").mean() for w, m in fitted.items()}
    mean_proba = {w: m.predict_proba(X)[:, 0].mean() for w, m in fitted.items()}
    assert (y == "churned").mean() < 0.1
    # Balanced weights make the rare class as heavy as the common one: far more predictions of it.
    assert share["balanced"] > 2 * share[None] + 0.05, share
    assert mean_proba["balanced"] > 2 * mean_proba[None], mean_proba


@pytest.mark.parametrize(
    ("params", "said"),
    [({"validation_fraction": 0.9}, "model.params.validation_fraction 0.9: use a number 0 to 0.5"),
     ({"early_stopping_rounds": "ten"}, "model.params.early_stopping_rounds 'ten'"),
     ({"validation_split": "first"}, "model.params.validation_split 'first': use random or last")],
)  # fmt: skip
def test_the_wrappers_settings_are_checked(params, said):
    with pytest.raises(ScriptError, match=said):
        early_stopping_settings(dict(params))


def test_the_settings_are_taken_out_of_the_librarys_params():
    params = {"n_estimators": 10, "early_stopping_rounds": 5}
    settings = early_stopping_settings(params)
    assert params == {"n_estimators": 10}
    assert settings == {"validation_fraction": 0.1, "early_stopping_rounds": 5,
                        "validation_split": "random"}  # fmt: skip


# Neither library importable: the modules still import (a model.joblib of another family needs
# no boosting library), and building the model says what to install, in one line.
WITHOUT_THE_LIBRARIES = """
import sys
sys.modules["lightgbm"] = sys.modules["xgboost"] = None  # import lightgbm: ImportError
from ml_engineer_runtime.boosting_lightgbm import lightgbm_model
from ml_engineer_runtime.boosting_xgboost import xgboost_model
from ml_engineer_runtime.errors import ScriptError
for make in (lightgbm_model, xgboost_model):
    try:
        make({"framework": make.framework, "type": make.framework}, "binary", 0)
    except ScriptError as err:
        print(err)
"""


def test_a_missing_library_gives_the_pip_line():
    process = subprocess.run(
        [sys.executable, "-I", "-c", WITHOUT_THE_LIBRARIES],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    assert process.stdout.splitlines() == [
        "model.type 'lightgbm' needs the lightgbm package: pip install lightgbm",
        "model.type 'xgboost' needs the xgboost package: pip install xgboost",
    ]


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_section_of_another_framework_or_family_is_refused(library):
    wrong = [
        ({"framework": "sklearn", "type": "random_forest"}, "model.framework 'sklearn'",
         f"set it to '{library}'"),
        ({"type": library}, "model.framework 'sklearn'", f"set it to '{library}'"),  # sklearn's
        ({"framework": library, "type": "random_forest"}, "model.type 'random_forest'",
         f"set it to '{library}'"),
        ({"framework": library, "type": library, "params": {"validation_fraction": 2}},
         "model.params.validation_fraction 2", "use a number 0 to 0.5"),
    ]  # fmt: skip
    for section, field, fix in wrong:
        with pytest.raises(ScriptError) as caught:
            build_estimator(families(library), section, "binary", 0)
        message = str(caught.value)
        assert message.startswith(field) and fix in message and "\n" not in message, message
