"""The PyTorch network as scikit-learn estimators: TabularMLPClassifier and TabularMLPRegressor,
and `tabular_mlp`, the model family (model.type mlp) a PyTorch script names.

Why: a multilayer perceptron over the standardised inputs and one learnt embedding per
categorical column. Its sizes and training settings are its parameters (model.params), so a
wider or longer-trained network is a YAML edit. The network is saved as its architecture and
its weights (numpy arrays) and rebuilt on first use, so model.joblib does not depend on how
torch pickles its objects, and a model trained on a GPU predicts on a machine without one.

This module never imports torch itself: torch_network does, when a network is checked, fitted
or first predicts. A missing torch is then a one-line error with the install command.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted

from ml_engineer_runtime.errors import ScriptError

# The preprocessor's categorical branch is named "categorical": its columns (named by the
# branch, as ColumnTransformer names them) hold the integer codes to embed.
CODE_PREFIX = "categorical__"
MIN_ROWS_TO_HOLD_OUT = 20  # below this, no early-stopping slice: train for max_epochs


def torch_network() -> ModuleType:
    """ml_engineer_runtime.torch_network, imported now; without torch, a one-line error."""
    try:
        from ml_engineer_runtime import torch_network as module
    except ModuleNotFoundError as err:
        if err.name != "torch" and not str(err.name).startswith("torch."):
            raise
        raise ScriptError("model.type 'mlp' is a PyTorch network: pip install torch") from None
    return module


def whole(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


class TabularMLP(BaseEstimator):
    """What TabularMLPClassifier and TabularMLPRegressor share (the parameters are model.params).

    Columns named with CODE_PREFIX hold integer codes (-1: missing or unseen); each gets an
    embedding of min(embedding_max_dim, (rows + 1) // 2) numbers, where row 0 is reserved for
    missing and unseen values. Every other column is a dense input.

    Training holds out validation_fraction of the rows given to fit (stratified by class when
    possible) and stops once the loss on them has not improved for `patience` epochs, keeping
    the best epoch's weights; random_state fixes the slice, the initial weights, the dropout and
    the batch order, so a rerun gives the same model on the same machine. n_threads: CPU
    threads (default: OMP_NUM_THREADS, else one); device: cpu or cuda (default: a GPU when torch
    sees one).

    After fit: n_epochs_ (epochs run), best_epoch_ (whose weights were kept), stopped_by_
    ("patience", "max_epochs" or "max_seconds"), best_val_loss_, code_columns_ and
    embedding_shapes_ ({column: [rows, dim]}), device_ and fit_seconds_.
    """

    def __init__(
        self,
        hidden_sizes=(256, 128),
        dropout: float = 0.1,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 256,
        max_epochs: int = 200,
        patience: int = 10,
        validation_fraction: float = 0.15,
        embedding_max_dim: int = 16,
        class_weight=None,  # classification only: None, "balanced" or {label: weight}
        device: str | None = None,
        n_threads: int | None = None,
        max_seconds: float | None = None,
        random_state: int = 0,
        verbose: bool = True,
    ):
        self.hidden_sizes = hidden_sizes
        self.dropout = dropout
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.embedding_max_dim = embedding_max_dim
        self.class_weight = class_weight
        self.device = device
        self.n_threads = n_threads
        self.max_seconds = max_seconds
        self.random_state = random_state
        self.verbose = verbose

    def check_params(self) -> None:
        """Every parameter usable, or one ValueError naming all the problems."""
        sizes, fraction, seconds = self.hidden_sizes, self.validation_fraction, self.max_seconds
        checks = [
            (isinstance(sizes, (list, tuple)) and all(whole(size, 1) for size in sizes),
             "hidden_sizes must be a list of whole numbers >= 1, e.g. [256, 128]"),
            (number(self.dropout) and 0 <= self.dropout < 1, "dropout must be >= 0 and < 1"),
            (number(self.lr) and self.lr > 0, "lr must be above 0"),
            (number(self.weight_decay) and self.weight_decay >= 0, "weight_decay must be >= 0"),
            (whole(self.batch_size, 1), "batch_size must be a whole number >= 1"),
            (whole(self.max_epochs, 1), "max_epochs must be a whole number >= 1"),
            (whole(self.patience, 1), "patience must be a whole number >= 1"),
            (number(fraction) and 0 <= fraction <= 0.5, "validation_fraction must be 0 to 0.5"),
            (whole(self.embedding_max_dim, 1), "embedding_max_dim must be a whole number >= 1"),
            (self.class_weight in (None, "balanced") or isinstance(self.class_weight, dict),
             "class_weight must be balanced, a {label: weight} mapping or empty"),
            (self.n_threads is None or whole(self.n_threads, 1),
             "n_threads must be a whole number >= 1 or empty"),
            (seconds is None or (number(seconds) and seconds > 0),
             "max_seconds must be above 0 or empty"),
            (whole(self.random_state, 0), "random_state must be a whole number >= 0"),
        ]  # fmt: skip
        problems = [message for fine, message in checks if not fine]
        try:
            torch_network().torch_device(self.device)
        except (RuntimeError, ValueError) as err:
            problems.append(f"device: {err}")
        if problems:
            raise ValueError("; ".join(problems))

    # -- inputs ----------------------------------------------------------------------------------

    def inputs(self, X: Any, fitting: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(dense float32 inputs, int64 embedding rows) from the preprocessed frame."""
        names = [str(name) for name in getattr(X, "columns", range(np.shape(X)[1]))]
        values = np.asarray(X, dtype=np.float64)
        if fitting:
            self.feature_names_in_ = np.asarray(names, dtype=object)
            self.n_features_in_ = len(names)
            self.code_columns_ = [name for name in names if name.startswith(CODE_PREFIX)]
        elif names != list(self.feature_names_in_):
            raise ValueError(
                f"the network was fitted on {self.n_features_in_} columns "
                f"({', '.join(self.feature_names_in_[:5])}...); got {len(names)} others"
            )
        is_code = np.isin(names, self.code_columns_)
        dense = np.nan_to_num(values[:, ~is_code], nan=0.0, posinf=0.0, neginf=0.0)
        raw = values[:, is_code]
        known = np.isfinite(raw) & (raw >= 0)
        codes = np.where(known, np.nan_to_num(raw) + 1, 0).astype(np.int64)  # 0: missing/unseen
        if fitting:
            self.cardinalities_ = [int(codes[:, j].max(initial=0)) + 1 for j in range(raw.shape[1])]
        codes[codes >= np.asarray(self.cardinalities_, dtype=np.int64)] = 0
        return dense.astype(np.float32), codes

    def held_out_rows(self, n_rows: int, strata: np.ndarray | None) -> tuple[np.ndarray, ...]:
        """(rows to train on, rows to stop on): stratified by class when that is possible."""
        rows = np.arange(n_rows)
        if self.validation_fraction == 0 or n_rows < MIN_ROWS_TO_HOLD_OUT:
            return rows, rows[:0]
        fraction, seed = self.validation_fraction, self.random_state
        try:
            return tuple(train_test_split(rows, test_size=fraction, random_state=seed,
                                          stratify=strata))  # fmt: skip
        except ValueError:  # a class with a single row: split at random
            return tuple(train_test_split(rows, test_size=fraction, random_state=seed))

    # -- training --------------------------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> TabularMLP:
        self.check_params()
        net = torch_network()
        dense, codes = self.inputs(X, fitting=True)
        target, strata, n_outputs, class_weights = self.encode_target(y)
        embedding_dims = [
            min(self.embedding_max_dim, (rows + 1) // 2) for rows in self.cardinalities_
        ]
        self.embedding_shapes_ = {
            name: [rows, dim]
            for name, rows, dim in zip(self.code_columns_, self.cardinalities_, embedding_dims,
                                       strict=True)
        }  # fmt: skip
        self.network_args_ = {
            "n_dense": int(dense.shape[1]),
            "cardinalities": list(self.cardinalities_),
            "embedding_dims": embedding_dims,
            "hidden_sizes": [int(size) for size in self.hidden_sizes],
            "dropout": float(self.dropout),
            "n_outputs": n_outputs,
        }
        rows = self.held_out_rows(len(dense), strata)
        training = net.train_network(
            self, self.network_args_, dense, codes, target, class_weights, rows
        )
        self.network_ = training.network
        self.device_ = str(training.device)
        self.n_epochs_ = training.epochs
        self.best_epoch_ = training.best_epoch
        self.best_val_loss_ = training.best_loss
        self.stopped_by_ = training.stopped_by
        self.fit_seconds_ = round(training.seconds, 3)
        if self.verbose:
            print(
                f"  network: {self.n_epochs_} epochs on {len(rows[0]):,} rows, stopped by "
                f"{self.stopped_by_} on {len(rows[1]):,} held-out rows, kept epoch "
                f"{self.best_epoch_}; {self.fit_seconds_:.1f} s on {self.device_}"
            )
        return self

    # -- predicting and saving -------------------------------------------------------------------

    def network(self):
        """The fitted torch network; rebuilt from the saved weights on first use after loading."""
        check_is_fitted(self, "network_args_")
        if getattr(self, "network_", None) is None:
            self.network_ = torch_network().rebuilt(
                self.network_args_, self.network_weights_, self.device, self.n_threads
            )
        return self.network_

    def raw_outputs(self, X: Any) -> np.ndarray:
        network = self.network()  # first: a model that is not fitted says so
        return torch_network().predict_outputs(network, *self.inputs(X))

    def __getstate__(self) -> dict[str, Any]:
        """The weights as numpy arrays instead of the torch module, which is rebuilt on load."""
        state = dict(super().__getstate__())
        network = state.pop("network_", None)
        if network is not None:
            state["network_weights_"] = torch_network().weights_of(network)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self.network_ = None  # built by network() when first needed


class TabularMLPClassifier(ClassifierMixin, TabularMLP):  # mixin first, as scikit-learn asks
    """Softmax over the classes; classes_ are the original labels; class_weight weighs the loss."""

    def encode_target(self, y: Any):
        """(class indices, the strata to hold out by, outputs, the loss's class weights)."""
        self.classes_, encoded = np.unique(np.asarray(y), return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"the network needs two classes or more; got {list(self.classes_)}")
        weights = None
        if self.class_weight == "balanced":
            counts = np.bincount(encoded, minlength=len(self.classes_))
            weights = len(encoded) / (len(self.classes_) * np.maximum(counts, 1))
        elif isinstance(self.class_weight, dict):
            given = {str(label): float(weight) for label, weight in self.class_weight.items()}
            weights = np.asarray([given.get(str(label), 1.0) for label in self.classes_])
        return encoded, encoded, len(self.classes_), weights

    def predict_proba(self, X: Any) -> np.ndarray:
        outputs = self.raw_outputs(X)
        outputs -= outputs.max(axis=1, keepdims=True)
        exp = np.exp(outputs)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class TabularMLPRegressor(RegressorMixin, TabularMLP):  # mixin first, as scikit-learn asks
    """One output trained on the standardised target, turned back into the target's units."""

    def encode_target(self, y: Any):
        """(the standardised target, no strata, one output, no class weights)."""
        values = np.asarray(y, dtype=np.float64)
        self.y_mean_ = float(values.mean())
        self.y_scale_ = float(values.std()) or 1.0
        return (values - self.y_mean_) / self.y_scale_, None, 1, None

    def predict(self, X: Any) -> np.ndarray:
        return self.raw_outputs(X)[:, 0] * self.y_scale_ + self.y_mean_


def tabular_mlp(model_cfg: dict[str, Any], task: str, seed: int) -> TabularMLP:
    """The network of the model section (model.type mlp): a classifier, or a regressor for a
    regression, with model.params over the seed and model.class_weight; every parameter is
    checked now, so that a bad model section fails before any data is read."""
    kind = model_cfg["type"]
    estimator = TabularMLPRegressor() if task == "regression" else TabularMLPClassifier()
    params: dict[str, Any] = {"random_state": seed}
    if task != "regression" and model_cfg.get("class_weight"):
        params["class_weight"] = model_cfg["class_weight"]
    params.update(model_cfg.get("params") or {})
    accepted = estimator.get_params()
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        known = ", ".join(sorted(accepted))
        raise ScriptError(f"model.params {unknown} unknown to the {kind} network; known: {known}")
    estimator.set_params(**params)
    try:
        estimator.check_params()
    except ValueError as err:
        raise ScriptError(f"model.params: {err}") from None
    return estimator


tabular_mlp.framework = "pytorch"  # what model.framework must say (estimators.build_estimator)
