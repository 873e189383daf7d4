"""From an approved feature spec to the experiment the script runs: model, params, metrics,
logging. With scikit-learn (the default framework) the model is histogram gradient boosting, or
a linear model for text inputs, measured against other families; another framework trains its
own family (`FRAMEWORK_MODELS`)."""

from __future__ import annotations

from ml_engineer.models import (
    DataSection,
    DerivedSection,
    ExperimentConfig,
    FeatureGroups,
    FeatureSpec,
    ForecastSection,
    LoggingSection,
    MetricsSection,
    ModelSection,
    SearchSection,
    SplitSection,
    TaskType,
    Treatment,
)
from ml_engineer.planning.planner import PlanRequest
from ml_engineer.planning.search_cost import SEARCH_TARGET_S, DataShape, fit_seconds, search_seconds


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
    framework = request.framework
    chosen = request.overrides.model_type
    if chosen and chosen not in framework_models(framework, spec.goal.task):
        chosen = None  # the framework's own stands (the feedback reader says so to the reviewer)
    model = _choose_model(spec, groups, request.seed, chosen, framework)
    # A family the reviewer chose is trained as it is; otherwise the script measures others.
    search = None if chosen else plan_search(spec, groups, model, request.seed)
    return ExperimentConfig(
        data=DataSection(
            path=spec.data_path,
            format="parquet"
            if spec.data_format == "parquet" or (spec.data_path or "").endswith((".parquet", ".pq"))
            else "csv",
            sep=spec.data_sep,
            encoding=spec.data_encoding,
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
            protected=[p.column for p in spec.protected],
            forecast=_forecast(spec),
            split=SplitSection(
                strategy=split.strategy,
                train=split.train,
                val=split.val,
                test=split.test,
                stratify=split.strategy == "stratified",
                time_column=split.time_column,
                time_parts=list(split.time_parts),
                group_column=split.group_column,
                # Spark's script does not cross-validate: a JVM job per fold costs too much.
                cv_folds=split.cv_folds if request.framework != "spark" else None,
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


def _forecast(spec: FeatureSpec) -> ForecastSection | None:
    goal = spec.goal
    if not goal.forecasting or not goal.time_column:
        return None
    series = [goal.series_column] if goal.series_column else []
    return ForecastSection(
        time_column=goal.time_column,
        time_parts=list(goal.time_parts),
        series=series,
        season=goal.season,
    )


LOG_TARGET_METRICS = ("mae", "mape")
N_ITER = 4  # at most this many random draws of the best family's parameters
BLEND_TOP = 2  # the two best candidates' average is measured too
FOREST_MAX_ROWS = 20_000  # forests past this cost more than the rest of the search together
MANY_CLASSES = 5  # boosting grows a tree per class: past this, fewer and faster rounds


def plan_search(
    spec: FeatureSpec, groups: FeatureGroups, model: ModelSection, seed: int
) -> SearchSection | None:
    """The families the script measures against `model`: different data favour different
    ones (a regularised linear model on small smooth data, shallow slow boosting on low-signal
    tabular data, extra-trees on many numeric inputs), so the script measures, not guesses.
    How many folds, families, blends and random draws: as many as fit SEARCH_TARGET_S by the
    estimate of search_cost, so that the counts in the config bound the search."""
    rows = spec.row_count or 0
    small = bool(rows) and rows < 1_000
    classification = spec.goal.task != TaskType.regression
    class_weight = spec.class_weight if classification else None
    # A long-tailed target judged on absolute or relative errors: the same model on
    # log(1 + target) is measured first. Not for RMSE or R2: a model of the log predicts the
    # typical value, not the mean those reward (diamonds: test RMSE 553 against 543).
    relative = spec.goal.primary_metric in LOG_TARGET_METRICS
    logged = (
        [model.model_copy(update={"target_transform": "log1p"})]
        if spec.target.skewed and relative
        else []
    )
    if model.framework in _VARIANT_FRAMEWORKS:
        # The framework is the family: the search measures a shallow, slow variant of it.
        variant = model.params | _LOW_SIGNAL[model.framework]
        alternatives = [*logged, model.model_copy(update={"params": variant})]
    elif model.framework != "sklearn":
        return None  # a network or a cluster job: one model, trained once
    else:
        linear = "logistic_regression" if classification else "ridge"
        kinds = [linear, "lightgbm"]
        # TF-IDF is wide and sparse: a forest over it is slow and no better than the linear model.
        if not groups.text and (not rows or rows <= FOREST_MAX_ROWS):
            kinds.append("extra_trees")
        alternatives = list(logged)
        for kind in kinds:
            if kind == model.type:
                continue
            params = _DEFAULT_PARAMS[kind](small, seed) | _search_variant(kind, spec)
            alternatives.append(
                ModelSection(
                    type=kind, params=params, class_weight=class_weight, threshold=model.threshold
                )
            )
    return _sized_search(spec, model, alternatives, seed)


def _search_variant(kind: str, spec: FeatureSpec) -> dict:
    """The search's own parameters for an alternative family: LightGBM shallow and slow (the
    largest single gain on low-signal tabular data), or fewer faster rounds for many classes."""
    if kind != "lightgbm":
        return {}
    return _MANY_CLASSES_LIGHTGBM if _class_count(spec) >= MANY_CLASSES else _LOW_SIGNAL_LIGHTGBM


def _class_count(spec: FeatureSpec) -> int:
    if spec.goal.task != TaskType.multiclass:
        return 1
    return max(len(spec.target.classes), len(spec.target.class_counts), 3)


def _sized_search(
    spec: FeatureSpec, model: ModelSection, alternatives: list[ModelSection], seed: int
) -> SearchSection:
    """The search with the most measurement that fits SEARCH_TARGET_S: all the folds, families,
    the blend and draws if they fit; else, in this order, fewer draws, 3 folds instead of 5,
    the slowest alternative left out, no blend, the val part instead of folds, and again."""
    rows = spec.row_count or 1_000
    columns = max(1, len(spec.kept) + len(spec.derived))
    classification = spec.goal.task != TaskType.regression
    folds = 5 if rows < 1_000 else 3 if rows < 12_000 else None
    blend = True

    def shape(folds: int | None) -> DataShape:
        # What one fit sees: (k-1)/k of train+val (85 %) in CV, else the train part (70 %).
        fitted = rows * 0.85 * (folds - 1) / folds if folds else rows * 0.7
        return DataShape(int(fitted), columns, classification, _class_count(spec))

    def draws() -> int | None:
        """The most draws that fit the target, or None when nothing does."""
        for count in range(N_ITER, -1, -1):
            candidates = [model, *alternatives]
            seconds = search_seconds(candidates, shape(folds), folds or 1, blend, count, seed)
            if seconds <= SEARCH_TARGET_S:
                return count
        return None

    def slowest() -> ModelSection:
        return max(alternatives, key=lambda m: fit_seconds(m, shape(folds)))

    while (count := draws()) is None:
        if folds == 5:
            folds = 3
        elif len(alternatives) > 2 or (alternatives and not blend and folds is None):
            alternatives = [m for m in alternatives if m is not slowest()]
        elif blend:
            blend = False
        elif folds:
            folds = None
        else:
            count = 0  # the planned model alone is over the target: it is still measured
            break
    return SearchSection(
        folds=folds, alternatives=alternatives, n_iter=count, blend_top=BLEND_TOP if blend else 0
    )


# Few leaves, a slow rate and many trees: the largest single gain on low-signal tabular data.
_LOW_SIGNAL_LIGHTGBM = {
    "n_estimators": 700, "learning_rate": 0.03, "num_leaves": 7, "min_child_samples": 40,
}  # fmt: skip
# Boosting for many classes: a tree per class and round, so fewer, faster rounds.
_MANY_CLASSES_LIGHTGBM = {
    "n_estimators": 300, "learning_rate": 0.1, "num_leaves": 15, "min_child_samples": 20,
}  # fmt: skip
_MANY_CLASSES_HGB = {"learning_rate": 0.15, "max_iter": 150, "n_iter_no_change": 15}
_VARIANT_FRAMEWORKS = ("lightgbm", "xgboost")
_LOW_SIGNAL = {
    "lightgbm": _LOW_SIGNAL_LIGHTGBM,
    "xgboost": {"n_estimators": 1000, "learning_rate": 0.03, "max_depth": 3,
                "min_child_weight": 5},
}  # fmt: skip

# The model families each framework's template trains; the first that fits the task is the
# default. scikit-learn's template trains any family of _DEFAULT_PARAMS.
FRAMEWORK_MODELS: dict[str, tuple[str, ...]] = {
    "lightgbm": ("lightgbm",),
    "xgboost": ("xgboost",),
    "pytorch": ("mlp",),
    "spark": ("gbt", "random_forest", "logistic_regression", "linear_regression"),
}


def framework_models(framework: str, task: TaskType) -> tuple[str, ...]:
    """The model families `framework`'s script can train for `task`."""
    if framework == "sklearn":
        unfit = "logistic_regression" if task == TaskType.regression else "ridge"
        return tuple(kind for kind in _DEFAULT_PARAMS if kind != unfit)
    kinds = FRAMEWORK_MODELS[framework]
    if framework == "spark":
        # Spark's GBT classifier is binary only; a regression has no logistic model.
        unfit = {
            TaskType.regression: {"logistic_regression"},
            TaskType.multiclass: {"gbt", "linear_regression"},
        }.get(task, {"linear_regression"})
        kinds = tuple(kind for kind in kinds if kind not in unfit)
    return kinds


def put_model_first(config: ExperimentConfig, model: ModelSection) -> None:
    """`model` becomes the one the script trains (or measures first); the search still
    measures the other families against it, no longer its own."""
    config.model = model
    if config.search:
        others = [
            m
            for m in config.search.alternatives
            if m.type != model.type or m.framework in _VARIANT_FRAMEWORKS
        ]
        config.search.alternatives = others


def default_model(
    spec: FeatureSpec, kind: str, seed: int, framework: str = "sklearn"
) -> ModelSection:
    """The planner's parameters for a model family someone else chose."""
    groups = FeatureGroups(**{t.value: spec.columns_for(t) for t in Treatment})
    return _choose_model(spec, groups, seed, kind, framework)


def _choose_model(
    spec: FeatureSpec,
    groups: FeatureGroups,
    seed: int,
    requested: str | None = None,
    framework: str = "sklearn",
) -> ModelSection:
    classification = spec.goal.task != TaskType.regression
    class_weight = spec.class_weight if classification else None
    # F1 and balanced accuracy depend on where the probability is cut: tune the cut by CV.
    tuned = spec.goal.task == TaskType.binary and spec.goal.primary_metric in THRESHOLD_METRICS
    threshold = "tuned" if tuned and framework != "spark" else None
    if framework != "sklearn":
        kind = requested or framework_models(framework, spec.goal.task)[0]
        rows = spec.row_count or 0
        params = _FRAMEWORK_PARAMS[kind, framework](bool(rows) and rows < 1_000, seed)
        if framework in _VARIANT_FRAMEWORKS and spec.split.strategy == "time":
            params["validation_split"] = "last"  # stop early on the newest rows, as in use
        return ModelSection(
            framework=framework, type=kind, params=params, class_weight=class_weight,
            threshold=threshold,
        )  # fmt: skip
    kind = requested or ("linear" if groups.text else "hist_gradient_boosting")
    if kind == "linear":
        # TF-IDF is wide and sparse: a regularised linear model uses it directly and fast.
        kind = "logistic_regression" if classification else "ridge"
    rows = spec.row_count or 0
    small = bool(rows) and rows < 1_000
    params = _DEFAULT_PARAMS[kind](small, seed)
    if kind == "hist_gradient_boosting" and _class_count(spec) >= MANY_CLASSES:
        params |= _MANY_CLASSES_HGB
    smallest = min(spec.target.class_counts.values(), default=None)
    if "early_stopping" in params and smallest is not None and smallest < EARLY_STOP_MIN_CLASS:
        # Early stopping holds out a stratified slice of train; a rare class cannot be split.
        params["early_stopping"] = False
    return ModelSection(type=kind, params=params, class_weight=class_weight, threshold=threshold)


EARLY_STOP_MIN_CLASS = 40
THRESHOLD_METRICS = ("f1", "balanced_accuracy")


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
    # n_jobs is the script's: one thread on small data, all the cores past 100,000 rows.
    return {"n_estimators": 300, "min_samples_leaf": 2, "random_state": seed}


_DEFAULT_PARAMS = {
    "hist_gradient_boosting": _hgb_params,
    "lightgbm": _lightgbm_params,
    "random_forest": _forest_params,
    "extra_trees": _forest_params,
    "logistic_regression": lambda small, seed: {"C": 1.0, "max_iter": 2000},
    "ridge": lambda small, seed: {"alpha": 1.0},
}


def _xgboost_params(small: bool, seed: int) -> dict:
    # An upper bound on the trees: the script stops early on a slice of the training rows.
    return {
        "n_estimators": 400 if small else 800,
        "learning_rate": 0.05,
        "max_depth": 4 if small else 6,
        "min_child_weight": 1.0,
        "subsample": 0.8,
        "colsample_bytree": 0.8,
        "reg_lambda": 1.0,
        "random_state": seed,
    }


def _mlp_params(small: bool, seed: int) -> dict:
    # Early stopping on a held-out slice picks the epoch; max_epochs is only a bound.
    return {
        "hidden_sizes": [64, 32] if small else [128, 64], "dropout": 0.1, "lr": 0.001,
        "weight_decay": 0.0001, "batch_size": 256, "max_epochs": 200, "patience": 15,
        "validation_fraction": 0.15,
    }  # fmt: skip


_FRAMEWORK_PARAMS = {
    ("lightgbm", "lightgbm"): _lightgbm_params,
    ("xgboost", "xgboost"): _xgboost_params,
    ("mlp", "pytorch"): _mlp_params,
    ("gbt", "spark"): lambda small, seed: {"maxIter": 60, "maxDepth": 5, "stepSize": 0.1},
    ("random_forest", "spark"): lambda small, seed: {"numTrees": 100, "maxDepth": 8},
    ("logistic_regression", "spark"): lambda small, seed: {"regParam": 0.01, "maxIter": 100},
    ("linear_regression", "spark"): lambda small, seed: {"regParam": 0.01, "maxIter": 100},
}
