"""Gradient boosting that stops early: what the LightGBM and XGBoost models share.

Why: n_estimators is only an upper bound. Every fit (the search's, each fold's, the scored and
the saved model's) holds out a slice of ITS OWN rows and keeps the trees up to the best loss on
them, so the number of trees is learnt without ever looking at the val or test part. Each
library is imported only when its model is built or fitted (boosting_lightgbm,
boosting_xgboost), so importing these modules needs neither.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import train_test_split

from ml_engineer_runtime.errors import ScriptError

# Keys of model.params read by the early-stopping wrapper rather than by the library.
EARLY_STOPPING_DEFAULTS = {
    "validation_fraction": 0.1,  # the share of the rows of each fit held out to stop on
    "early_stopping_rounds": 50,  # stop after this many trees without a better loss; 0: off
    "validation_split": "random",  # or "last": the last rows (the newest, for a time split)
}
# At least this many rows are held out, as long as that is at most MAX_HELD_OUT_SHARE of them
# (from 80 rows on); on fewer rows there is no early stopping and all the trees are trained.
MIN_HELD_OUT_ROWS, MAX_HELD_OUT_SHARE = 20, 0.25


def rows_of(X, positions: np.ndarray):
    """Some rows of a matrix: a numpy array, a scipy sparse matrix or a DataFrame."""
    return X.iloc[positions] if hasattr(X, "iloc") else X[positions]


def early_stopping_settings(params: dict[str, Any]) -> dict[str, Any]:
    """The wrapper's keys of model.params (removed from `params`), checked."""
    settings = {key: params.pop(key, default) for key, default in EARLY_STOPPING_DEFAULTS.items()}
    fraction, rounds = settings["validation_fraction"], settings["early_stopping_rounds"]
    if type(fraction) not in (int, float) or not 0 <= fraction <= 0.5:
        raise ScriptError(f"model.params.validation_fraction {fraction!r}: use a number 0 to 0.5")
    if rounds is not None and (type(rounds) is not int or rounds < 0):
        raise ScriptError(f"model.params.early_stopping_rounds {rounds!r}: use a whole number")
    if settings["validation_split"] not in ("random", "last"):
        split = settings["validation_split"]
        raise ScriptError(f"model.params.validation_split {split!r}: use random or last")
    return settings


def with_params(estimator, params: dict[str, Any]):
    """The estimator with model.params set; a parameter it refuses is a one-line error."""
    try:
        estimator.set_params(**params)
    except (TypeError, ValueError) as err:
        raise ScriptError(f"model.params do not fit {type(estimator).__name__}: {err}") from None
    return estimator


class EarlyStoppingModel(BaseEstimator):
    """A boosting model (`estimator`) fitted with early stopping on a held-out slice of the
    rows given to fit. After fit: estimator_ (the fitted model), best_iteration_ (the number
    of trees kept; None when early stopping was off), n_trained_ (the trees trained),
    held_out_rows_ and early_stopping_ (what happened, in words).

    A library's subclass says how to fit with and without the held-out slice, and how to
    predict with only the trees kept."""

    def __init__(self, estimator=None, validation_fraction=0.1, early_stopping_rounds=50,
                 validation_split="random", random_state=None):  # fmt: skip
        self.estimator = estimator
        self.validation_fraction = validation_fraction
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_split = validation_split
        self.random_state = random_state

    def held_out(self, y: np.ndarray):
        """(fit rows, held-out rows), or a string saying why there is no early stopping."""
        rows, classify = len(y), isinstance(self, ClassifierMixin)
        if not self.early_stopping_rounds or not self.validation_fraction:
            return "off (model.params)"
        held = max(int(round(rows * self.validation_fraction)), MIN_HELD_OUT_ROWS)
        if held > rows * MAX_HELD_OUT_SHARE:
            return f"off: {rows} rows are too few to hold out {MIN_HELD_OUT_ROWS} of them"
        positions = np.arange(rows)
        if self.validation_split == "last":
            fit_rows, held_rows = positions[: rows - held], positions[rows - held :]
        else:
            stratify = y if classify else None
            try:
                fit_rows, held_rows = train_test_split(
                    positions, test_size=held, random_state=self.random_state, stratify=stratify
                )
            except ValueError:  # a class too rare to be on both sides
                return "off: a class is too rare to hold out a stratified slice"
        if classify and len(np.unique(y[fit_rows])) < len(np.unique(y)):
            return "off: a class would be missing from the rows it trains on"
        return fit_rows, held_rows

    def fit(self, X, y, sample_weight=None):
        y = np.asarray(y)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        model = clone(self.estimator)
        split = self.held_out(y)
        self.held_out_rows_, self.best_iteration_, self.early_stopping_ = 0, None, split
        if isinstance(split, str):
            self.n_trained_ = self.fit_all(model, X, y, weights)
        else:
            fit_rows, held_rows = split
            self.best_iteration_, self.n_trained_ = self.fit_stopping(
                model, X, y, weights, fit_rows, held_rows
            )
            self.held_out_rows_ = len(held_rows)
            self.early_stopping_ = (
                f"kept {self.best_iteration_} of {self.n_trained_} trees trained, by the loss "
                f"on {len(held_rows):,} held-out rows"
            )
        self.estimator_ = model
        self.n_features_in_ = X.shape[1]
        return self

    def fit_all(self, model, X, y: np.ndarray, weights) -> int:
        """Fit `model` on every row, with all its trees; the number of trees trained."""
        raise NotImplementedError

    def fit_stopping(self, model, X, y: np.ndarray, weights, fit_rows, held_rows) -> tuple:
        """Fit `model` on fit_rows, stopping on held_rows; (trees kept, trees trained)."""
        raise NotImplementedError
