"""From an approved feature spec to the experiment the script runs: model, params, metrics,
logging. The default model is histogram gradient boosting; text inputs get a linear model."""

from __future__ import annotations

from ml_engineer.models import (
    DataSection,
    DerivedSection,
    ExperimentConfig,
    FeatureGroups,
    FeatureSpec,
    LoggingSection,
    MetricsSection,
    ModelSection,
    SearchSection,
    SplitSection,
    TaskType,
    Treatment,
)
from ml_engineer.planning.planner import PlanRequest


def tracker_warning(tracker: str) -> str | None:
    """A tracker the script cannot reach here is said, not discovered after training."""
    if tracker == "none":
        return None
    import importlib.util

    if importlib.util.find_spec(tracker) is None:
        return (
            f"logging.tracker is {tracker}, but {tracker} is not installed where ml-engineer "
            f"runs, so the check run logged nothing: install {tracker} where the script runs."
        )
    return None


def plan_experiment(spec: FeatureSpec, request: PlanRequest) -> ExperimentConfig:
    """The experiment the script runs: data, split, model and params, metrics, logging."""
    groups = FeatureGroups(**{t.value: spec.columns_for(t) for t in Treatment})
    split = spec.split
    model = _choose_model(spec, groups, request.seed, request.overrides.model_type)
    # A family the reviewer chose is trained as it is; otherwise the script measures others.
    chosen = request.overrides.model_type
    search = None if chosen else plan_search(spec, groups, model, request.seed)
    return ExperimentConfig(
        data=DataSection(
            path=spec.data_path,
            format="parquet"
            if spec.data_format == "parquet" or (spec.data_path or "").endswith((".parquet", ".pq"))
            else "csv",
            sep=spec.data_sep,
            target=spec.target.column,
            task=spec.goal.task.value,
            positive_class=spec.target.positive_class,
            classes=spec.target.classes,
            features=groups,
            # The reason of each stays in the spec; the script needs only how to compute it.
            derived=[
                DerivedSection(**feature.model_dump(exclude={"reason"})) for feature in spec.derived
            ],
            drop=[c.name for c in spec.excluded],
            split=SplitSection(
                strategy=split.strategy,
                train=split.train,
                val=split.val,
                test=split.test,
                stratify=split.strategy == "stratified",
                time_column=split.time_column,
                group_column=split.group_column,
                cv_folds=split.cv_folds,
            ),
        ),
        model=model,
        search=search,
        metrics=MetricsSection(
            primary=spec.goal.primary_metric, secondary=spec.goal.secondary_metrics
        ),
        logging=LoggingSection(
            experiment_name=spec.slug, tracker=request.overrides.tracker or request.tracker
        ),
        seed=request.seed,
    )


SEARCH_BUDGET_S = 12.0  # the whole script stays within ~15 s up to 60,000 rows
FOREST_MAX_ROWS = 20_000  # forests past this eat the budget on 2 cores


def plan_search(
    spec: FeatureSpec, groups: FeatureGroups, model: ModelSection, seed: int
) -> SearchSection:
    """The families the script measures against `model`: different data favour different
    ones (a regularised linear model on small smooth data, shallow slow boosting on low-signal
    tabular data, extra-trees on many numeric inputs), so the script measures, not guesses."""
    rows = spec.row_count or 0
    small = bool(rows) and rows < 1_000
    classification = spec.goal.task != TaskType.regression
    class_weight = spec.class_weight if classification else None
    linear = "logistic_regression" if classification else "ridge"
    kinds = [linear, "lightgbm"]
    # TF-IDF is wide and sparse: a forest over it would not fit in the budget.
    if not groups.text and (not rows or rows <= FOREST_MAX_ROWS):
        kinds.append("extra_trees")
    alternatives = []
    for kind in kinds:
        if kind == model.type:
            continue
        params = _DEFAULT_PARAMS[kind](small, seed)
        if kind == "lightgbm":
            params |= _LOW_SIGNAL_LIGHTGBM
        alternatives.append(ModelSection(type=kind, params=params, class_weight=class_weight))
    folds = 5 if rows and rows < 1_000 else 3 if rows and rows < 12_000 else None
    return SearchSection(budget_s=SEARCH_BUDGET_S, folds=folds, alternatives=alternatives)


# Few leaves, a slow rate and many trees: the largest single gain on low-signal tabular data.
_LOW_SIGNAL_LIGHTGBM = {
    "n_estimators": 700, "learning_rate": 0.03, "num_leaves": 7, "min_child_samples": 40,
}  # fmt: skip


def put_model_first(config: ExperimentConfig, model: ModelSection) -> None:
    """`model` becomes the one the script trains (or measures first); the search still
    measures the other families against it, no longer its own."""
    config.model = model
    if config.search:
        others = [m for m in config.search.alternatives if m.type != model.type]
        config.search.alternatives = others


def default_model(spec: FeatureSpec, kind: str, seed: int) -> ModelSection:
    """The planner's parameters for a model family someone else chose."""
    groups = FeatureGroups(**{t.value: spec.columns_for(t) for t in Treatment})
    return _choose_model(spec, groups, seed, kind)


def _choose_model(
    spec: FeatureSpec, groups: FeatureGroups, seed: int, requested: str | None = None
) -> ModelSection:
    classification = spec.goal.task != TaskType.regression
    class_weight = spec.class_weight if classification else None
    kind = requested or ("linear" if groups.text else "hist_gradient_boosting")
    if kind == "linear":
        # TF-IDF is wide and sparse: a regularised linear model uses it directly and fast.
        kind = "logistic_regression" if classification else "ridge"
    rows = spec.row_count or 0
    small = bool(rows) and rows < 1_000
    params = _DEFAULT_PARAMS[kind](small, seed)
    smallest = min(spec.target.class_counts.values(), default=None)
    if "early_stopping" in params and smallest is not None and smallest < EARLY_STOP_MIN_CLASS:
        # Early stopping holds out a stratified slice of train; a rare class cannot be split.
        params["early_stopping"] = False
    return ModelSection(type=kind, params=params, class_weight=class_weight)


EARLY_STOP_MIN_CLASS = 40


def _hgb_params(small: bool, seed: int) -> dict:
    return {
        "learning_rate": 0.05 if small else 0.06,
        "max_iter": 300 if small else 500,
        "max_leaf_nodes": 15 if small else 31,
        "min_samples_leaf": 10 if small else 20,
        "l2_regularization": 1.0,
        # Early stopping on an internal 15% of train picks the number of trees.
        "early_stopping": not small,
        "validation_fraction": 0.15,
        "n_iter_no_change": 30,
        "random_state": seed,
    }


def _lightgbm_params(small: bool, seed: int) -> dict:
    return {
        "n_estimators": 300 if small else 500,
        "learning_rate": 0.05,
        "num_leaves": 15 if small else 31,
        "min_child_samples": 10 if small else 20,
        "subsample": 0.8,
        "subsample_freq": 1,
        "colsample_bytree": 0.8,
        "random_state": seed,
        "verbose": -1,
    }


def _forest_params(small: bool, seed: int) -> dict:
    return {"n_estimators": 300, "min_samples_leaf": 2, "n_jobs": -1, "random_state": seed}


_DEFAULT_PARAMS = {
    "hist_gradient_boosting": _hgb_params,
    "lightgbm": _lightgbm_params,
    "random_forest": _forest_params,
    "extra_trees": _forest_params,
    "logistic_regression": lambda small, seed: {"C": 1.0, "max_iter": 2000},
    "ridge": lambda small, seed: {"alpha": 1.0},
}
