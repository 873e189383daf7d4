"""The deterministic planner: the embedded default that decides everything without an LLM.

`plan_feature_spec` turns the profile, the analyst's notes and (when the data is present) facts
measured on it into a `FeatureSpec`; `plan_experiment` turns a spec into the `ExperimentConfig`
the training script reads. Both are pure functions over pydantic models.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ml_engineer.errors import GoalError
from ml_engineer.models import (
    AnalystNotes,
    ColumnDecision,
    DataProfile,
    DataSection,
    ExperimentConfig,
    FeatureGroups,
    FeatureSpec,
    Goal,
    LoggingSection,
    MetricsSection,
    ModelSection,
    SplitPlan,
    SplitSection,
    TargetSpec,
    TaskType,
    Treatment,
)
from ml_engineer.models.revision import Overrides
from ml_engineer.planning.columns import decide_columns, forced_keep
from ml_engineer.planning.goal import TASK_METRICS, decide_goal
from ml_engineer.planning.split import decide_split

MAX_QUALITY_NOTES = 12  # the spec quotes at most this many of the analyst's notes
SEVERE_IMBALANCE = 0.20  # minority share (binary) or smallest/largest class ratio (multiclass)


@dataclass
class DataEvidence:
    """What was measured on the dataset itself; empty when the data is absent."""

    target_counts: dict[str, int] | None = None
    missing_target: int | None = None
    association: dict[str, float] = field(default_factory=dict)
    repeated_keys: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class PlanRequest:
    """What the user asked for, and what a reviewer changed since."""

    slug: str
    goal_text: str | None = None
    target: str | None = None
    tracker: str = "none"
    seed: int = 42
    overrides: Overrides = field(default_factory=Overrides)
    reviewer_notes: list[str] = field(default_factory=list)

    @property
    def chosen_target(self) -> str | None:
        return self.overrides.target or self.target


def plan_feature_spec(
    profile: DataProfile,
    notes: AnalystNotes,
    request: PlanRequest,
    *,
    evidence: DataEvidence | None = None,
    data_path: str | None = None,
    data_format: str = "csv",
    data_sep: str = ",",
) -> FeatureSpec:
    evidence = evidence or DataEvidence()
    goal = decide_goal(
        profile,
        notes,
        goal_text=request.goal_text,
        target=request.chosen_target,
        target_counts=evidence.target_counts,
    )
    review_notes = list(request.reviewer_notes)
    _apply_metric_override(goal, request.overrides, review_notes)
    decisions, risks = decide_columns(profile, goal, notes, association=evidence.association)
    _apply_drops(decisions, request.overrides)
    _apply_keeps(decisions, profile, request.overrides, review_notes)
    if not any(d.keep for d in decisions):
        raise GoalError(
            f"Every input column of {profile.profile_path} was excluded, so there is nothing to "
            "learn from: "
            + "; ".join(f"`{d.name}`: {d.reason}" for d in decisions[:10])
            + ". Check the profile's flags, or pick another target."
        )
    split = decide_split(profile, goal, notes, repeated_keys=evidence.repeated_keys)
    split = _apply_split_override(split, goal, request.overrides, review_notes)
    target = _target_spec(profile, goal, notes, evidence)
    target_col = profile.column(goal.target)
    profile_counts = {tv.value: tv.count for tv in target_col.top_values} if target_col else {}
    counts = evidence.target_counts or profile_counts
    class_weight, imbalance_note = _imbalance(goal, counts)
    if goal.task != TaskType.regression:
        target.class_counts = dict(counts)
        risks.extend(_rare_class_risks(counts))
    if imbalance_note and "average_precision" not in goal.secondary_metrics:
        if goal.task == TaskType.binary:
            goal.secondary_metrics.insert(0, "average_precision")
    notes_out = [*evidence.notes, *review_notes]
    data_available = data_path is not None
    if not data_available:
        named = profile.dataset_path
        where = (
            f"The profile names `{named}`, which is not reachable here; it is kept as "
            "`data.path` in experiment-config.yaml"
            if named
            else "`data.path` in experiment-config.yaml is empty"
        )
        notes_out.append(
            "The dataset was not found, so the training script was not run: its metrics are "
            f"unknown until it is run on the data. {where}; point the script at the file with "
            "--data PATH or the ML_ENGINEER_DATA environment variable."
        )
        data_path = named
    if goal.forecasting:
        risks.append(
            f"Forecast: rows are ordered by `{goal.time_column}` and the newest are held out, but "
            "the inputs are from the same row as the target (no lag features of the target, no "
            "shift to the next period). Confirm every input is known one period ahead, or the "
            "model will look better than it can be in use."
        )
    if profile.row_count is not None and profile.row_count < 1_000:
        risks.append(
            f"Small sample: {profile.row_count} rows. Metrics will be noisy; the script "
            "cross-validates the primary metric to show the spread."
        )
    return FeatureSpec(
        slug=request.slug,
        goal=goal,
        target=target,
        columns=decisions,
        split=split,
        class_weight=class_weight,
        imbalance_note=imbalance_note,
        preprocessing_order=_preprocessing_order(decisions, target),
        risks=risks,
        notes=notes_out,
        analyst_quality_notes=list(dict.fromkeys([*notes.quality_notes, *profile.quality_notes]))[
            :MAX_QUALITY_NOTES
        ],
        row_count=profile.row_count,
        data_path=data_path,
        data_available=data_available,
        data_format="parquet" if data_format == "parquet" else "csv",
        data_sep=data_sep,
        profile_format=profile.source_format,
        unread_fields=list(profile.unread_fields),
    )


def _apply_metric_override(goal: Goal, overrides: Overrides, notes: list[str]) -> None:
    metric = overrides.primary_metric
    if metric is None or metric == goal.primary_metric:
        return
    if metric not in TASK_METRICS[goal.task]:
        notes.append(
            f"The reviewer asked for {metric} as the primary metric, which does not fit a "
            f"{goal.task.value} task; {goal.primary_metric} is kept."
        )
        return
    previous = goal.primary_metric
    goal.primary_metric = metric
    goal.secondary_metrics = [m for m in [previous, *goal.secondary_metrics] if m != metric]
    goal.metric_reason = "set by the reviewer at approval"


def _apply_drops(decisions: list[ColumnDecision], overrides: Overrides) -> None:
    for decision in decisions:
        if decision.name in overrides.drop and decision.keep:
            decision.keep = False
            decision.treatment = None
            decision.transforms = []
            decision.reason = "excluded by the reviewer at approval"


def _apply_keeps(
    decisions: list[ColumnDecision], profile: DataProfile, overrides: Overrides, notes: list[str]
) -> None:
    for i, decision in enumerate(decisions):
        if decision.name not in overrides.keep or decision.keep:
            continue
        col = profile.column(decision.name)
        kept = forced_keep(col, profile.row_count, decision.reason) if col else None
        if kept is None:
            notes.append(
                f"The reviewer asked to keep `{decision.name}`, but it cannot be used: "
                f"{decision.reason}."
            )
            continue
        kept.notes = decision.notes
        decisions[i] = kept


def _apply_split_override(
    split: SplitPlan, goal: Goal, overrides: Overrides, notes: list[str]
) -> SplitPlan:
    strategy = overrides.split_strategy
    if strategy is None:
        return split
    if strategy == "stratified" and goal.task == TaskType.regression:
        notes.append("The reviewer asked for a stratified split; a regression target cannot be "
                     "stratified, so the split stays random.")  # fmt: skip
        strategy = "random"
    column = overrides.split_column
    return split.model_copy(
        update={
            "strategy": strategy,
            "time_column": column if strategy == "time" else None,
            "group_column": column if strategy == "group" else None,
            "reason": f"{strategy} split"
            + (f" on `{column}`" if column else "")
            + ", set by the reviewer at approval",
        }
    )


def _target_spec(
    profile: DataProfile, goal: Goal, notes: AnalystNotes, evidence: DataEvidence
) -> TargetSpec:
    col = profile.column(goal.target)
    # The first note is the schema's own line for the target; the rest repeat the EDA.
    meaning = next(iter(notes.column_notes.get(goal.target, [])), None)
    if evidence.missing_target is not None:
        missing, source = evidence.missing_target, "data"
    else:
        missing, source = (col.missing_count if col else None), "profile"
    if goal.task == TaskType.binary:
        encoding = f"1 for {goal.positive_class!r}, 0 for the other class (labels read as text)"
    elif goal.task == TaskType.multiclass:
        encoding = f"class labels as text ({len(goal.classes)} classes), encoded by the model"
    else:
        encoding = "numeric, used as is"
    return TargetSpec(
        column=goal.target,
        meaning=meaning,
        encoding=encoding,
        classes=goal.classes,
        positive_class=goal.positive_class,
        missing_rows=missing,
        missing_rows_source=source,
    )


RARE_CLASS_ROWS = 10  # fewer rows than this cannot be learnt or scored reliably


def _rare_class_risks(counts: dict[str, int]) -> list[str]:
    rare = {k: v for k, v in counts.items() if v < RARE_CLASS_ROWS}
    if not rare:
        return []
    shown = ", ".join(f"`{k}` ({v} row{'s' if v != 1 else ''})" for k, v in rare.items())
    return [
        f"Rare classes: {shown}. Too few rows to learn or to score; the split may leave them out "
        "of a part. Merge them into a broader class or drop their rows before training."
    ]


def _imbalance(goal: Goal, counts: dict[str, int] | None) -> tuple[str | None, str | None]:
    if goal.task == TaskType.regression or not counts or len(counts) < 2:
        return None, None
    total = sum(counts.values())
    smallest, largest = min(counts.values()), max(counts.values())
    if goal.task == TaskType.binary:
        share = smallest / total
        if share < SEVERE_IMBALANCE:
            return "balanced", (
                f"Imbalanced: the minority class is {share:.1%} of rows. Classes are weighted "
                "(balanced) and average precision (PR-AUC) is reported beside the primary metric."
            )
        minority = min(counts, key=lambda k: (counts[k], k))
        wants_recall = {"recall", "f1"} & {goal.primary_metric, *goal.secondary_metrics}
        if share < 0.4 and goal.positive_class == minority and wants_recall:
            # Thresholded metrics on the minority class suffer at the default 0.5 cut-off.
            return "balanced", (
                f"Moderately imbalanced: the minority class `{minority}`, the positive class, is "
                f"{share:.1%} of rows and its {' and '.join(sorted(wants_recall))} matter, so "
                "classes are weighted (balanced); PR-AUC is reported."
            )
        if share < 0.4:
            return None, (
                f"Moderately imbalanced: the minority class is {share:.1%} of rows. The split is "
                "stratified and PR-AUC is reported; no reweighting at this level."
            )
        return None, None
    ratio = smallest / largest
    if ratio < SEVERE_IMBALANCE:
        return "balanced", (
            f"Imbalanced classes: the smallest is {ratio:.0%} the size of the largest. Classes are "
            "weighted (balanced) and balanced accuracy is reported."
        )
    return None, None


def _preprocessing_order(decisions, target: TargetSpec) -> list[str]:
    kept = {d.treatment for d in decisions if d.keep}
    steps = [
        f"Drop rows whose target `{target.column}` is missing"
        + (
            f" ({target.missing_rows} in the {target.missing_rows_source})"
            if target.missing_rows
            else ""
        ),
        "Split into train / validation / test before fitting anything, so no statistic of the "
        "held-out rows leaks into preprocessing",
        "Coerce types on the raw columns (numbers, text categories, booleans, dates)",
    ]
    if Treatment.numeric in kept:
        steps.append("Numeric: impute the median, then standard-scale (fitted on train only)")
    if Treatment.categorical in kept:
        steps.append(
            "Categorical: impute the most frequent level, then one-hot with rare levels grouped"
        )
    if Treatment.high_cardinality in kept:
        steps.append("High-cardinality: target encoding, cross-fitted within train")
    if Treatment.boolean in kept:
        steps.append("Boolean: map yes/no, true/false, 1/0 to 1/0, impute the most frequent")
    if Treatment.datetime in kept:
        steps.append(
            "Dates: parse, extract year, month, day of week, day of year; impute the median"
        )
    if Treatment.text in kept:
        steps.append("Text: TF-IDF per column with a capped vocabulary")
    steps.append("All of the above is one scikit-learn Pipeline, saved whole with the model")
    return steps


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
        metrics=MetricsSection(
            primary=spec.goal.primary_metric, secondary=spec.goal.secondary_metrics
        ),
        logging=LoggingSection(
            experiment_name=spec.slug, tracker=request.overrides.tracker or request.tracker
        ),
        seed=request.seed,
    )


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
