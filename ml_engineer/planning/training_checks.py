"""The planner's review of an LLM agent's training plan and experiment proposal.

A model type must fit the task and the inputs, every hyperparameter must be one the script
passes on and lie in a sane range, and every metric must fit the task: the script then runs
whatever the agent chose, because nothing else can reach it.
"""

from __future__ import annotations

import importlib.util

from ml_engineer.models import ExperimentConfig, FeatureSpec, TaskType, Treatment
from ml_engineer.models.proposals import ExperimentProposal, TrainingPlan
from ml_engineer.planning.goal import TASK_METRICS
from ml_engineer.planning.review import Review, closest

_RATE = (0.001, 1.0)
_LEAVES = (2, 1024)
_SHARE = (0.05, 1.0)
_FOREST = {"n_estimators": (10, 2000), "max_depth": (1, 64), "min_samples_leaf": (1, 1000),
           "max_features": _SHARE}  # fmt: skip
# model.type -> parameter -> (low, high) for numbers, or bool.
PARAM_RANGES: dict[str, dict[str, tuple[float, float] | type]] = {
    "hist_gradient_boosting": {
        "learning_rate": _RATE, "max_iter": (10, 5000), "max_leaf_nodes": _LEAVES,
        "min_samples_leaf": (1, 1000), "l2_regularization": (0.0, 100.0), "max_depth": (1, 64),
        "max_features": _SHARE, "early_stopping": bool, "n_iter_no_change": (1, 500),
        "validation_fraction": (0.05, 0.5),
    },
    "lightgbm": {
        "n_estimators": (10, 5000), "learning_rate": _RATE, "num_leaves": _LEAVES,
        "min_child_samples": (1, 1000), "subsample": _SHARE, "subsample_freq": (0, 10),
        "colsample_bytree": _SHARE, "reg_alpha": (0.0, 100.0), "reg_lambda": (0.0, 100.0),
        "max_depth": (-1, 64),
    },
    "random_forest": _FOREST,
    "extra_trees": _FOREST,
    "logistic_regression": {"C": (1e-4, 1e4), "max_iter": (100, 20000)},
    "ridge": {"alpha": (1e-6, 1e4)},
}  # fmt: skip
CLASSIFIERS_ONLY = {"logistic_regression"}
REGRESSORS_ONLY = {"ridge"}
DENSE_ONLY = {"hist_gradient_boosting"}  # TF-IDF would be densified: wide and slow


def review_training_plan(plan: TrainingPlan, spec: FeatureSpec, required: str | None) -> Review:
    """`required` is a model type the reviewer asked for at approval, which the agent may only
    tune. A refused family takes nothing of the plan with it: the planner's model stands."""
    problems: list[str] = []
    classification = spec.goal.task != TaskType.regression
    kind = plan.model_type
    if required is not None and kind != required:
        problems.append(f"the reviewer asked for {required}; tune it rather than change it.")
    elif unfit := family_problem(kind, spec.goal.task):
        problems.append(unfit)
    elif kind in DENSE_ONLY and spec.columns_for(Treatment.text):
        problems.append(
            f"{kind} needs dense input, and the text columns' TF-IDF is wide and sparse; use "
            "logistic_regression / ridge, or lightgbm."
        )
    elif kind == "lightgbm" and importlib.util.find_spec("lightgbm") is None:
        problems.append("lightgbm is not installed where the script runs; choose another model.")
    if problems:
        return Review(problems=problems, accepted=None)
    accepted = plan.model_copy(update={"params": {}})
    allowed = PARAM_RANGES[kind]
    for name, value in plan.params.items():
        problem = _param_problem(kind, name, value, allowed)
        if problem:
            problems.append(problem)
        else:
            accepted.params[name] = _as_declared(value, allowed[name])
    if plan.class_weight == "balanced" and not classification:
        problems.append("class_weight applies to classification only; use 'planner'.")
        accepted.class_weight = "planner"
    return Review(problems=problems, accepted=accepted)


def family_problem(kind: str, task: TaskType) -> str | None:
    """Why a model family cannot serve this task, or None. Shared with the review of a
    reviewer's feedback read by the agent."""
    if kind not in PARAM_RANGES:
        return f"model_type {kind!r} is not one of {', '.join(PARAM_RANGES)}."
    if kind in CLASSIFIERS_ONLY and task == TaskType.regression:
        return f"{kind} is a classifier and this is a regression task; use ridge."
    if kind in REGRESSORS_ONLY and task != TaskType.regression:
        return f"{kind} is a regressor and this is a classification task."
    return None


def _as_declared(value, bounds):
    """The value in its parameter's own type: scikit-learn reads max_features=1 (an int) as
    "one feature", and 1.0 (a float) as "all of them"."""
    if bounds is bool:
        return value
    whole = all(isinstance(b, int) for b in bounds)
    return int(value) if whole else float(value)


def _param_problem(kind: str, name: str, value, allowed: dict) -> str | None:
    if name not in allowed:
        return (
            f"{kind} has no parameter {name!r} the script sets.{closest(name, list(allowed))} "
            f"Allowed: {', '.join(allowed)}."
        )
    bounds = allowed[name]
    if bounds is bool:
        return None if isinstance(value, bool) else f"{name} takes true or false."
    low, high = bounds
    whole = isinstance(low, int) and isinstance(high, int)  # integer bounds: a count or a depth
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{name} takes a number between {low} and {high}."
    if whole and not float(value).is_integer():
        return f"{name} takes a whole number between {low} and {high}, not {value}."
    if not low <= value <= high:
        return f"{name}={value} is outside the sane range [{low}, {high}]."
    return None


def review_experiment_proposal(proposal: ExperimentProposal, config: ExperimentConfig) -> Review:
    problems: list[str] = []
    accepted = proposal.model_copy()
    if proposal.secondary_metrics is not None:
        allowed = TASK_METRICS[TaskType(config.data.task)]
        wrong = [m for m in proposal.secondary_metrics if m not in allowed]
        if wrong:
            problems.append(
                f"metric(s) {', '.join(wrong)} do not fit a {config.data.task} task; choose from "
                f"{', '.join(allowed)}."
            )
        kept = [m for m in proposal.secondary_metrics if m in allowed]
        accepted.secondary_metrics = [m for m in dict.fromkeys(kept) if m != config.metrics.primary]
    return Review(problems=problems, accepted=accepted)
