"""LightGBM inside the early-stopping wrapper: the model of a `--framework lightgbm` script.

Why here, not in the script: model.joblib pickles these classes by their module's name, so it
loads wherever ml-engineer-runtime and lightgbm are installed, with no copy of the script.
lightgbm is imported when a model is built or fitted, never when this module is imported.
"""

from __future__ import annotations

import warnings
from typing import Any

from sklearn.base import ClassifierMixin, RegressorMixin

from ml_engineer_runtime.boosting import (
    EarlyStoppingModel,
    early_stopping_settings,
    rows_of,
    with_params,
)
from ml_engineer_runtime.estimators import optional_class


class LightGBMEarlyStopping(EarlyStoppingModel):
    """An LGBMClassifier or LGBMRegressor (`estimator`) that stops early; see
    EarlyStoppingModel for what it holds after fit."""

    def fit(self, X, y, sample_weight=None):
        from lightgbm.basic import LightGBMError

        try:
            return super().fit(X, y, sample_weight)
        except LightGBMError as err:  # e.g. a parameter out of range: one line, as a ValueError
            raise ValueError(f"LightGBM: {' '.join(str(err).split())}") from None

    def fit_all(self, model, X, y, weights) -> int:
        model.fit(X, y, sample_weight=weights)
        return int(model.n_estimators_)

    def fit_stopping(self, model, X, y, weights, fit_rows, held_rows) -> tuple[int, int]:
        from lightgbm import early_stopping

        class_weight = model.get_params().get("class_weight")  # classifiers only
        held_weights: dict[str, Any] = {"eval_class_weight": [class_weight]} if class_weight else {}
        if weights is not None:
            held_weights["eval_sample_weight"] = [weights[held_rows]]
        with warnings.catch_warnings():
            # LightGBM 4.7 deprecates eval_set for eval_X and eval_y, but its classifier does not
            # encode the labels of eval_y (strings here) as it does those of eval_set.
            warnings.filterwarnings("ignore", message=".*'eval_set' is deprecated")
            model.fit(
                rows_of(X, fit_rows), y[fit_rows],
                sample_weight=None if weights is None else weights[fit_rows],
                eval_set=[(rows_of(X, held_rows), y[held_rows])],
                **held_weights,
                callbacks=[early_stopping(int(self.early_stopping_rounds),
                                          first_metric_only=True, verbose=False)],
            )  # fmt: skip
        # LightGBM keeps only the trees up to the best iteration; the loss history counts all.
        history = next(iter(model.evals_result_.values()), {})
        trained = max(map(len, history.values()), default=int(model.n_estimators_))
        return int(model.best_iteration_) or int(model.n_estimators_), trained

    def predict(self, X):
        return self.estimator_.predict(X, num_iteration=self.best_iteration_)


class LightGBMEarlyStoppingRegressor(RegressorMixin, LightGBMEarlyStopping):
    pass


class LightGBMEarlyStoppingClassifier(ClassifierMixin, LightGBMEarlyStopping):
    """Predicts the labels as given (strings here): LightGBM encodes them itself."""

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X):
        return self.estimator_.predict_proba(X, num_iteration=self.best_iteration_)


def lightgbm_model(model_cfg: dict[str, Any], task: str, seed: int) -> LightGBMEarlyStopping:
    """The model of a `framework: lightgbm` section: LGBMClassifier or LGBMRegressor with
    model.params, inside the wrapper that stops early (its keys of model.params)."""
    params = dict(model_cfg.get("params") or {})
    settings = early_stopping_settings(params)  # the wrapper's keys, taken out of params
    if task == "regression":
        estimator = optional_class("lightgbm:LGBMRegressor")()
        wrapper = LightGBMEarlyStoppingRegressor
    else:
        estimator = optional_class("lightgbm:LGBMClassifier")()
        wrapper = LightGBMEarlyStoppingClassifier
        if model_cfg.get("class_weight"):
            estimator.set_params(class_weight=model_cfg["class_weight"])
    # n_jobs 0: as many threads as OpenMP is set to (by OMP_NUM_THREADS, or by cap_threads on
    # small data). LightGBM's own default, one per core, ignores both, and made small fits 50
    # times slower on a busy 2-core machine: its threads spin while they wait for each other.
    estimator.set_params(random_state=seed, verbose=-1, n_jobs=0)
    return wrapper(with_params(estimator, params), random_state=seed, **settings)


lightgbm_model.framework = "lightgbm"  # what model.framework must say (estimators.build_estimator)
