"""The deterministic planner: the embedded default that decides everything without an LLM.

`plan_feature_spec` turns the profile, the analyst's notes and (when the data is present) facts
measured on it into a `FeatureSpec`; `experiment.plan_experiment` turns a spec into the
`ExperimentConfig` the training script reads. Both are pure functions over pydantic models.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ml_engineer.errors import GoalError
from ml_engineer.models import (
    AnalystNotes,
    DataProfile,
    FeatureSpec,
    Goal,
    NumericStats,
    TargetSpec,
    TaskType,
    Treatment,
)
from ml_engineer.models.profile import ABSENT_FROM_DATA
from ml_engineer.models.revision import Overrides
from ml_engineer.models.table_facts import TableFacts
from ml_engineer.planning.columns import column_meanings, column_risks, decide_columns
from ml_engineer.planning.goal import decide_goal
from ml_engineer.planning.names import tokens
from ml_engineer.planning.overrides import (
    apply_drops,
    apply_keeps,
    apply_metric_override,
    apply_split_override,
)
from ml_engineer.planning.protected import find_protected, protected_risks
from ml_engineer.planning.split import decide_split
from ml_engineer.planning.structure import read_structure

MAX_QUALITY_NOTES = 12  # the spec quotes at most this many of the analyst's notes
SEVERE_IMBALANCE = 0.20  # minority share (binary) or smallest/largest class ratio (multiclass)


@dataclass
class DataEvidence:
    """What was measured on the dataset itself; empty when the data is absent."""

    target_counts: dict[str, int] | None = None
    missing_target: int | None = None
    association: dict[str, float] = field(default_factory=dict)
    leaks: dict[str, str] = field(default_factory=dict)  # column -> why, with its figure
    table: TableFacts = field(default_factory=TableFacts)
    notes: list[str] = field(default_factory=list)


@dataclass
class PlanRequest:
    """What the user asked for, and what a reviewer changed since."""

    slug: str
    goal_text: str | None = None
    target: str | None = None
    target_reason: str | None = None  # how `target` was chosen, when not with --target
    tracker: str = "none"
    framework: str = "sklearn"
    seed: int = 42
    overrides: Overrides = field(default_factory=Overrides)
    reviewer_notes: list[str] = field(default_factory=list)
    reviewer_feedback: list[str] = field(default_factory=list)  # verbatim, for the LLM agents

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
    data_encoding: str = "utf-8",
) -> FeatureSpec:
    evidence = evidence or DataEvidence()
    goal = decide_goal(
        profile,
        notes,
        goal_text=request.goal_text,
        target=request.chosen_target,
        target_counts=evidence.target_counts,
        facts=evidence.table,
    )
    if request.target_reason and request.chosen_target == request.target == goal.target:
        goal.target_reason = request.target_reason  # e.g. a person chose among the candidates
    review_notes = list(request.reviewer_notes)
    apply_metric_override(goal, request.overrides, review_notes)
    structure = read_structure(
        profile, target=goal.target, key_columns=notes.key_columns, facts=evidence.table
    )
    meanings = column_meanings(profile, notes)
    decisions = decide_columns(
        profile, goal, notes, association=evidence.association, structure=structure,
        leaks=evidence.leaks, meanings=meanings,
    )  # fmt: skip
    apply_drops(decisions, request.overrides)
    apply_keeps(decisions, profile, request.overrides, review_notes)
    risks = column_risks(decisions, evidence.association)  # of the columns still kept
    present = [c for c in profile.columns if ABSENT_FROM_DATA not in c.flags]
    protected = find_protected(present, goal.target, meanings)
    # Names as words: `loan_amount` says lending, though `\b` reads "_" as part of a word.
    names = [goal.target, *profile.column_names]
    domain_words = " ".join([goal.text, *(word for name in names for word in tokens(name))])
    risks.extend(protected_risks(protected, decisions, domain_words))
    if not any(d.keep for d in decisions):
        raise GoalError(
            f"Every input column of {profile.profile_path} was excluded, so there is nothing to "
            "learn from: "
            + "; ".join(f"`{d.name}`: {d.reason}" for d in decisions[:10])
            + ". Check the profile's flags, or pick another target."
        )
    split = decide_split(profile, goal, notes, structure=structure)
    split = apply_split_override(split, goal, request.overrides, review_notes)
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
        per = f" of each `{goal.series_column}`" if goal.series_column else ""
        axis = " + ".join(f"`{c}`" for c in [goal.time_column, *goal.time_parts])
        back = f"1, 2, 3 and {goal.season}" if goal.season and goal.season > 3 else "1, 2 and 3"
        seasonal = (
            f" and against the value {goal.season} periods back (one season)" if goal.season else ""
        )
        risks.append(
            f"Forecast: rows{per} are ordered by {axis} and the newest are held out. The script "
            f"adds the target's own past as inputs (its values {back} periods back and the mean "
            "of the last 3, from earlier rows only), learns the change from the last value, and "
            f"measures the model against the last value{seasonal}. The other inputs are from the "
            "same row as the target: confirm each is known one period ahead, or the model will "
            "look better than it can be in use."
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
        protected=protected,
        notes=notes_out,
        analyst_quality_notes=list(dict.fromkeys([*notes.quality_notes, *profile.quality_notes]))[
            :MAX_QUALITY_NOTES
        ],
        row_count=profile.row_count,
        data_path=data_path,
        data_available=data_available,
        data_format="parquet" if data_format == "parquet" else "csv",
        data_sep=data_sep,
        data_encoding=data_encoding,
        profile_format=profile.source_format,
        unread_fields=list(profile.unread_fields),
    )


SKEWED_TARGET = 1.0  # a right tail this long: errors on the large values dominate the fit


def _skew(stats: NumericStats) -> float | None:
    """The profile's skew; without one, Pearson's from the mean, median and spread."""
    if stats.skew is not None:
        return stats.skew
    if None in (stats.mean, stats.q50, stats.std) or not stats.std:
        return None
    return 3 * (stats.mean - stats.q50) / stats.std


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
    stats = col.stats if col is not None else None
    skew = _skew(stats) if stats is not None else None
    skewed = bool(
        goal.task == TaskType.regression
        and skew is not None
        and stats.min is not None
        and stats.min >= 0
        and skew >= SKEWED_TARGET
    )
    return TargetSpec(
        column=goal.target,
        meaning=meaning,
        encoding=encoding,
        classes=goal.classes,
        positive_class=goal.positive_class,
        skewed=skewed,
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
