"""Making one candidate's estimator from model.type and model.params.

The script names its candidate families (model.type -> estimator class); this module sets what
every family needs alike: the seed, the threads, the class weights, and a clear error when the
config names a family the script was not written for.
"""

from __future__ import annotations

import importlib
from typing import Any

from sklearn.base import is_regressor

from ml_engineer_runtime.errors import ScriptError
from ml_engineer_runtime.threads import one_thread

# Classes imported only when a run asks for them: the library is optional where the script runs.
OPTIONAL = {"lightgbm": "pip install lightgbm", "xgboost": "pip install xgboost"}


def optional_class(path: str):
    """`lightgbm:LGBMClassifier`, imported now, with the install line when it is missing."""
    module, _, name = path.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError:
        install = OPTIONAL.get(module, f"pip install {module}")
        raise ScriptError(f"model.type {module!r} needs the {module} package: {install}") from None


def build_estimator(families: dict[str, Any], model_cfg: dict[str, Any], task: str, seed: int):
    """The estimator of model.type with model.params over the defaults: the seed, one thread
    on small data, the class weights of model.class_weight.

    A family is an estimator class, "module:Class" for an optional library, or a factory
    `make(model_cfg, task, seed)` that builds the estimator itself (a framework's wrapper). A
    factory that names its framework (`make.framework`) takes only model sections of it."""
    check_framework(families, model_cfg)
    kind = model_cfg["type"]
    if kind not in families:
        kinds = " or ".join(map(repr, families))
        raise ScriptError(
            f"model.type {kind!r} is not a family this script was written for: set it to "
            f"{kinds}, or generate the script again"
        )
    family = families[kind]
    if callable(family) and not isinstance(family, type):
        return checked_task(family(model_cfg, task, seed), kind, task)
    estimator_class = optional_class(family) if isinstance(family, str) else family
    estimator = checked_task(estimator_class(), kind, task)
    defaults: dict[str, Any] = {"random_state": seed}
    accepted = estimator.get_params()
    if "max_iter" in accepted and kind == "logistic_regression":
        defaults["max_iter"] = 1000
    if kind == "lightgbm":  # by default LightGBM takes every core, whatever OpenMP is told
        defaults["n_jobs"] = 0  # 0: OpenMP's own setting, which cap_threads limits
        defaults["verbose"] = -1
    elif one_thread() and kind != "logistic_regression":
        # A forest's trees: the same one thread (on small data, threads made its predictions
        # 3.7 times slower). LogisticRegression's n_jobs does nothing since scikit-learn 1.8,
        # which warns about it on every fit.
        defaults["n_jobs"] = 1
    if task != "regression" and model_cfg.get("class_weight"):
        defaults["class_weight"] = model_cfg["class_weight"]
    params = {key: value for key, value in defaults.items() if key in accepted}
    params.update(model_cfg.get("params") or {})
    try:
        estimator.set_params(**params)
    except (TypeError, ValueError) as err:
        raise ScriptError(f"model.params do not fit {estimator_class.__name__}: {err}") from None
    return estimator


def check_framework(families: dict[str, Any], model_cfg: dict[str, Any]) -> None:
    """Refuse a model section of another framework than the script's factories were written
    for: its parameters mean something else there (a search may list such a section)."""
    frameworks = {getattr(family, "framework", None) for family in families.values()} - {None}
    asked = model_cfg.get("framework", "sklearn")
    if frameworks and asked not in frameworks:
        ours = " or ".join(map(repr, sorted(frameworks)))
        raise ScriptError(
            f"model.framework {asked!r} is not what this script trains: set it to {ours}, "
            f"or generate the script for {asked!r}"
        )


def checked_task(estimator, kind: str, task: str):
    """The estimator, if it fits the task (a regressor for a regression, else a classifier)."""
    if is_regressor(estimator) != (task == "regression"):
        made = "regressor" if is_regressor(estimator) else "classifier"
        raise ScriptError(
            f"model.type {kind!r} is a {made} in this script, but data.task is {task!r}: "
            f"set model.type to a {'regressor' if task == 'regression' else 'classifier'}, or "
            "generate the script again for the new task"
        )
    return estimator
