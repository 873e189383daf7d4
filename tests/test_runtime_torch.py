"""ml_engineer_runtime's PyTorch network (torch_mlp, torch_network) and TextComponents, called
directly: the checks of a model section, pickling as numpy weights, the CPU fallback, threads,
seeds and early stopping, and that nothing but the network itself ever needs torch.

test_framework_pytorch.py runs the generated scripts that use them.
"""

from __future__ import annotations

import io
import json
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from ml_engineer_runtime.convert import date_part_names, to_date_parts
from ml_engineer_runtime.errors import ScriptError
from ml_engineer_runtime.estimators import build_estimator
from ml_engineer_runtime.text import TextComponents
from ml_engineer_runtime.torch_mlp import (
    MIN_ROWS_TO_HOLD_OUT,
    TabularMLPClassifier,
    TabularMLPRegressor,
    tabular_mlp,
)
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import FunctionTransformer

torch = pytest.importorskip("torch")
torch_network = pytest.importorskip("ml_engineer_runtime.torch_network")

MODELS = {"mlp": tabular_mlp}  # as the generated script names the family


def coded_frame(rows: int = 300, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A preprocessed frame as the script's ColumnTransformer makes it: a standardised number
    and a categorical column's codes (-1: missing or unseen); a label that depends on both."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"numeric__x": rng.normal(size=rows),
                      "categorical__c": rng.choice([-1.0, 0.0, 1.0, 2.0], rows)})  # fmt: skip
    y = np.where(X["numeric__x"] + (X["categorical__c"] == 2) > 0.5, "yes", "no")
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = coded_frame()
    return TabularMLPClassifier(max_epochs=20, verbose=False).fit(X, y), X


@pytest.fixture
def one_thread_after():
    """Tests that set torch's threads leave it at one thread, as the runs of the others expect."""
    yield
    torch.set_num_threads(1)


# --- the model section ---------------------------------------------------------------------


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
        ({"framework": "pytorch", "type": "mlp", "params": {"device": "nonsense"}},
         ["device:"]),
    ],
)  # fmt: skip
def test_a_bad_model_section_is_one_line_naming_every_problem(model, phrases):
    with pytest.raises(ScriptError) as caught:
        build_estimator(MODELS, model, "binary", 0)
    message = str(caught.value)
    assert "\n" not in message
    for phrase in phrases:
        assert phrase in message, message


def test_the_model_section_sets_the_seed_class_weight_and_params():
    model = {"framework": "pytorch", "type": "mlp", "class_weight": "balanced",
             "params": {"hidden_sizes": [8], "patience": 3}}  # fmt: skip
    classifier = build_estimator(MODELS, model, "binary", 7)
    assert isinstance(classifier, TabularMLPClassifier)
    assert (classifier.random_state, classifier.class_weight) == (7, "balanced")
    assert (classifier.hidden_sizes, classifier.patience) == ([8], 3)
    regressor = build_estimator(MODELS, model, "regression", 7)  # class weights: not for numbers
    assert isinstance(regressor, TabularMLPRegressor) and regressor.class_weight is None


# --- saving and loading -----------------------------------------------------------------------


def pickled_modules(saved: bytes) -> set[str]:
    """The modules whose classes and functions a pickle names (what loading it imports)."""
    modules: set[str] = set()

    class Recording(pickle.Unpickler):
        def find_class(self, module: str, name: str):
            modules.add(module)
            return super().find_class(module, name)

    Recording(io.BytesIO(saved)).load()
    return modules


def test_the_pickle_holds_numpy_weights_and_predicts_the_same(fitted):
    network, X = fitted
    saved = pickle.dumps(network)
    named = pickled_modules(saved)
    assert not [module for module in named if module.split(".")[0] == "torch"], named
    assert "ml_engineer_runtime.torch_mlp" in named  # an installed module, not the script
    loaded = pickle.loads(saved)
    assert loaded.network_ is None  # rebuilt from the numpy weights on first use
    assert all(isinstance(w, np.ndarray) for w in loaded.network_weights_.values())
    unseen = X.assign(**{"categorical__c": [7.0, np.nan, -1.0] * 100})  # all map to row 0
    np.testing.assert_allclose(loaded.predict_proba(unseen), network.predict_proba(unseen))
    assert list(loaded.predict(X.head(3))) == list(network.predict(X.head(3)))
    assert loaded.embedding_shapes_ == {"categorical__c": [4, 2]}  # -1..2 shifted, row 0 kept


@pytest.mark.skipif(torch.cuda.is_available(), reason="the fallback is for a machine without one")
def test_a_model_saved_on_a_gpu_predicts_on_the_cpu(fitted):
    network, X = fitted
    loaded = pickle.loads(pickle.dumps(network))
    loaded.device = "cuda"  # as a model trained with model.params.device: cuda is saved
    np.testing.assert_allclose(loaded.predict_proba(X), network.predict_proba(X))
    assert next(loaded.network().parameters()).device.type == "cpu"
    with pytest.raises(ValueError, match="no CUDA GPU"):  # training there is refused instead
        torch_network.torch_device("cuda")


def test_columns_other_than_those_fitted_are_refused(fitted):
    network, X = fitted
    with pytest.raises(ValueError, match="fitted on 2 columns"):
        network.predict(X.rename(columns={"numeric__x": "numeric__other"}))


# --- training ---------------------------------------------------------------------------------


def test_one_thread_unless_asked_otherwise(monkeypatch, one_thread_after):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    torch.set_num_threads(2)
    torch_network.torch_threads(None)
    assert torch.get_num_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    torch_network.torch_threads(None)
    assert torch.get_num_threads() == 2
    torch_network.torch_threads(3)  # model.params.n_threads wins
    assert torch.get_num_threads() == 3


def test_the_seed_fixes_the_network():
    X, y = coded_frame()
    first, second, other = (
        TabularMLPClassifier(max_epochs=5, random_state=seed, verbose=False).fit(X, y)
        for seed in (1, 1, 2)
    )
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert not np.allclose(first.predict_proba(X), other.predict_proba(X))


def test_early_stopping_keeps_the_best_epoch():
    X, _ = coded_frame(rows=200)
    noise = np.random.default_rng(1).normal(size=len(X))  # nothing to learn: stops early
    network = TabularMLPRegressor(max_epochs=300, patience=4, lr=0.01, verbose=False)
    network.fit(X, noise)
    assert network.stopped_by_ == "patience" and network.n_epochs_ < 300
    assert network.best_epoch_ == network.n_epochs_ - 4
    assert network.best_val_loss_ is not None
    assert network.predict(X).shape == (200,)


def test_too_few_rows_to_hold_out_train_every_epoch():
    X, y = coded_frame(rows=MIN_ROWS_TO_HOLD_OUT - 1, seed=3)
    network = TabularMLPClassifier(max_epochs=7, verbose=False).fit(X, y)
    assert (network.stopped_by_, network.n_epochs_, network.best_epoch_) == ("max_epochs", 7, 7)
    assert network.best_val_loss_ is None


def test_class_weights_weigh_the_rare_class():
    labels = np.array(["a"] * 30 + ["b"] * 10)
    balanced = TabularMLPClassifier(class_weight="balanced").encode_target(labels)[3]
    np.testing.assert_allclose(balanced, [40 / 60, 40 / 20])
    given = TabularMLPClassifier(class_weight={"b": 3}).encode_target(labels)[3]
    np.testing.assert_allclose(given, [1.0, 3.0])
    with pytest.raises(ValueError, match="two classes"):
        TabularMLPClassifier().encode_target(["a", "a"])


# --- the preprocessor's parts -----------------------------------------------------------------


def test_text_components_are_a_few_named_dense_numbers():
    reviews = pd.Series(["slow support", "great value", None, "slow, cancel", "works well"] * 8,
                        name="review")  # fmt: skip
    text = TextComponents(n_components=3, random_state=0).fit(reviews)
    made = text.transform(reviews)
    assert made.shape == (40, 3) and np.isfinite(made).all()
    assert list(text.get_feature_names_out()) == ["review_svd0", "review_svd1", "review_svd2"]
    few = TextComponents(n_components=50).fit(pd.Series(["one word", "two words"]))
    assert few.svd_.n_components <= 2  # never more than the rows or the words


def test_the_frame_names_its_date_parts_and_text_components():
    frame = pd.DataFrame({"day": ["2024-02-29", None, "2023-01-01"] * 10,
                          "note": ["late fee", "on time", "late again"] * 10})  # fmt: skip
    dates = FunctionTransformer(to_date_parts, feature_names_out=date_part_names)
    branches = [("datetime", dates, ["day"]), ("text_0", TextComponents(n_components=2), "note")]
    made = ColumnTransformer(branches).set_output(transform="pandas").fit_transform(frame)
    assert list(made.columns) == [
        "datetime__day_year", "datetime__day_month", "datetime__day_dayofweek",
        "datetime__day_dayofyear", "text_0__note_svd0", "text_0__note_svd1",
    ]  # fmt: skip


# --- torch only where the network is ----------------------------------------------------------

# Runs in a fresh, isolated interpreter where torch cannot be imported: every module of the
# runtime but torch_network imports, a saved network unpickles, and building, fitting or
# predicting says how to install torch in one line.
WITHOUT_TORCH = """
import json, pickle, pkgutil, importlib, sys

class NoTorch:  # import torch fails, as where it is not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, NoTorch())
import ml_engineer_runtime
from ml_engineer_runtime.errors import ScriptError
imported = []
for module in pkgutil.iter_modules(ml_engineer_runtime.__path__):
    if module.name != "torch_network":
        importlib.import_module("ml_engineer_runtime." + module.name)
        imported.append(module.name)
from ml_engineer_runtime.torch_mlp import tabular_mlp
network = pickle.loads(open(sys.argv[1], "rb").read())
errors = []
for attempt in (lambda: tabular_mlp({"framework": "pytorch", "type": "mlp"}, "binary", 0),
                lambda: network.predict(None)):
    try:
        attempt()
    except ScriptError as err:
        errors.append(str(err))
print(json.dumps({"imported": imported, "errors": errors, "torch": "torch" in sys.modules}))
"""


def test_only_the_network_itself_needs_torch(fitted, tmp_path):
    saved = tmp_path / "network.pickle"
    saved.write_bytes(pickle.dumps(fitted[0]))
    process = subprocess.run(
        [sys.executable, "-I", "-c", WITHOUT_TORCH, str(saved)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    result = json.loads(process.stdout)
    assert {"torch_mlp", "text", "training", "project"} <= set(result["imported"])
    assert len(result["errors"]) == 2 and not result["torch"]
    for message in result["errors"]:
        assert "pip install torch" in message and "\n" not in message
