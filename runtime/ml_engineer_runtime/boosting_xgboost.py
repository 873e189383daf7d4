"""XGBoost inside the early-stopping wrapper: the model of a `--framework xgboost` script.

Why here, not in the script: model.joblib pickles these classes by their module's name, so it
loads wherever ml-engineer-runtime and xgboost are installed, with no copy of the script.
xgboost is imported when a model is built, never when this module is imported.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.class_weight import compute_sample_weight

from ml_engineer_runtime.boosting import (
    EarlyStoppingModel,
    early_stopping_settings,
    rows_of,
    with_params,
)
from ml_engineer_runtime.estimators import optional_class


class XGBoostEarlyStopping(EarlyStoppingModel):
    """An XGBClassifier or XGBRegressor (`estimator`) that stops early; see
    EarlyStoppingModel for what it holds after fit."""

    def targets(self, y: np.ndarray) -> np.ndarray:
        """What XGBoost learns: the target as it is (a regression)."""
        return y

    def weights(self, y: np.ndarray, weights: np.ndarray | None) -> np.ndarray | None:
        """The weight of each row: sample_weight as given (a regression)."""
        return weights

    def fit_all(self, model, X, y, weights) -> int:
        model.fit(X, self.targets(y), sample_weight=self.weights(y, weights))
        return model.get_booster().num_boosted_rounds()

    def fit_stopping(self, model, X, y, weights, fit_rows, held_rows) -> tuple[int, int]:
        targets, weights = self.targets(y), self.weights(y, weights)
        model.set_params(early_stopping_rounds=int(self.early_stopping_rounds))
        model.fit(
            rows_of(X, fit_rows), targets[fit_rows],
            sample_weight=None if weights is None else weights[fit_rows],
            eval_set=[(rows_of(X, held_rows), targets[held_rows])],
            sample_weight_eval_set=None if weights is None else [weights[held_rows]],
            verbose=False,
        )  # fmt: skip
        # XGBoost counts its iterations from 0.
        return int(model.best_iteration) + 1, model.get_booster().num_boosted_rounds()

    def kept_trees(self) -> tuple[int, int] | None:
        """The trees to predict with: those up to the best iteration (None: all)."""
        return None if self.best_iteration_ is None else (0, self.best_iteration_)

    def predict(self, X):
        return self.estimator_.predict(X, iteration_range=self.kept_trees())


class XGBoostEarlyStoppingRegressor(RegressorMixin, XGBoostEarlyStopping):
    pass


class XGBoostEarlyStoppingClassifier(ClassifierMixin, XGBoostEarlyStopping):
    """Also: XGBoost learns the classes as 0, 1, 2, ...; this one takes and predicts the labels
    as they are (strings here), in classes_ order, and weighs the rows by class_weight."""

    def __init__(self, estimator=None, validation_fraction=0.1, early_stopping_rounds=50,
                 validation_split="random", random_state=None, class_weight=None):  # fmt: skip
        super().__init__(estimator, validation_fraction, early_stopping_rounds,
                         validation_split, random_state)  # fmt: skip
        self.class_weight = class_weight

    def targets(self, y: np.ndarray) -> np.ndarray:
        """The class codes XGBoost learns; classes_[code] is the label."""
        self.classes_, codes = np.unique(y, return_inverse=True)
        return codes

    def weights(self, y: np.ndarray, weights: np.ndarray | None) -> np.ndarray | None:
        """sample_weight times the weight of each row's class (model.class_weight)."""
        if not self.class_weight:
            return weights
        by_class = compute_sample_weight(self.class_weight, y)
        return by_class if weights is None else by_class * weights

    def predict(self, X):
        return self.classes_[super().predict(X)]

    def predict_proba(self, X):
        return self.estimator_.predict_proba(X, iteration_range=self.kept_trees())


def xgboost_model(model_cfg: dict[str, Any], task: str, seed: int) -> XGBoostEarlyStopping:
    """The model of a `framework: xgboost` section: XGBClassifier or XGBRegressor with
    model.params, inside the wrapper that stops early (its keys of model.params). The class
    weights (model.class_weight) become row weights: XGBoost has no class_weight of its own."""
    params = dict(model_cfg.get("params") or {})
    settings = early_stopping_settings(params)  # the wrapper's keys, taken out of params
    if task == "regression":
        estimator = optional_class("xgboost:XGBRegressor")(random_state=seed)
        wrapper = XGBoostEarlyStoppingRegressor
    else:
        estimator = optional_class("xgboost:XGBClassifier")(random_state=seed)
        wrapper = XGBoostEarlyStoppingClassifier
        settings["class_weight"] = model_cfg.get("class_weight")
    return wrapper(with_params(estimator, params), random_state=seed, **settings)


xgboost_model.framework = "xgboost"  # what model.framework must say (estimators.build_estimator)
