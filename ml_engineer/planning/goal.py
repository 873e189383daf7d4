"""Deciding the goal: task, target, positive class and metrics, from words and the profile."""

from __future__ import annotations

import re

from ml_engineer.errors import GoalError, TargetUnclear
from ml_engineer.models import AnalystNotes, ColumnKind, ColumnProfile, DataProfile, Goal, TaskType
from ml_engineer.models.profile import ABSENT_FROM_DATA
from ml_engineer.models.table_facts import TableFacts
from ml_engineer.planning.structure import TableStructure, read_structure
from ml_engineer.planning.target_choice import TargetChoice, choose_target

# Goals this product does not handle yet; each gets a clear message instead of a wrong spec.
_UNSUPPORTED = {
    "clustering": ("cluster", "clustering", "segment", "segmentation", "group similar"),
    "ranking or recommendation": ("recommend", "recommendation", "ranking", "rank"),
    "anomaly detection": ("anomaly", "anomalies", "outlier detection", "fraud ring"),
    "time-to-event (survival)": ("survival", "time to event", "time-to-event", "hazard"),
}
_FORECAST = re.compile(
    r"\b(forecast\w*|next (day|week|month|quarter|year|period)('s)?|"
    r"(tomorrow|future)('s)?|in the coming)\b",
    re.IGNORECASE,
)
_REGRESSION_WORDS = re.compile(
    r"\b(how (much|many)|amount|price|revenue|sales|value of|estimate)\b", re.I
)
_POSITIVE_LABELS = ("yes", "y", "true", "t", "1", "1.0", "positive", "pos")
MAX_CLASSES = 50

# The metrics each task can use; the first one is the default primary metric.
TASK_METRICS: dict[TaskType, list[str]] = {
    TaskType.binary: [
        "roc_auc",
        "average_precision",
        "f1",
        "accuracy",
        "balanced_accuracy",
        "precision",
        "recall",
        "log_loss",
    ],
    TaskType.multiclass: ["f1_macro", "accuracy", "balanced_accuracy", "roc_auc", "log_loss"],
    TaskType.regression: ["rmse", "mae", "r2", "mape"],
}
DEFAULT_SECONDARY: dict[TaskType, list[str]] = {
    TaskType.binary: ["average_precision", "f1", "accuracy"],
    TaskType.multiclass: ["accuracy", "balanced_accuracy"],
    TaskType.regression: ["mae", "r2"],
}
# Threshold-dependent metrics make a poor primary metric for model selection.
_PRIMARY_OK = {
    "roc_auc",
    "average_precision",
    "f1_macro",
    "balanced_accuracy",
    "log_loss",
    "rmse",
    "mae",
    "r2",
    "accuracy",
    "f1",
}


def decide_goal(
    profile: DataProfile,
    notes: AnalystNotes,
    *,
    goal_text: str | None = None,
    target: str | None = None,
    target_counts: dict[str, int] | None = None,
    facts: TableFacts | None = None,
) -> Goal:
    """Decide the goal. `goal_text` and `target` are the user's; the documents fill the gaps.

    Raises TargetUnclear when two or more columns stay plausible (a person must choose)."""
    sentence = (goal_text or notes.goal_sentence or "").strip()
    _refuse_unsupported(sentence)
    forecasting = bool(_FORECAST.search(sentence))
    # A forecast is ordered by its time axis, which is never the thing forecast.
    axis = read_structure(profile, facts=facts).time if forecasting else None
    choice = _find_target(
        profile, notes, sentence, target, user_goal=goal_text is not None,
        exclude=set(axis.columns) if axis else set(), facts=facts,
    )  # fmt: skip
    column = choice.column
    col = profile.column(column)
    assert col is not None  # _find_target only returns real columns
    counts = target_counts or {tv.value: tv.count for tv in col.top_values}
    task = _decide_task(col, counts, sentence, forecasting)
    classes = _classes(task, counts)
    positive, positive_reason = None, ""
    if task == TaskType.binary:
        positive, positive_reason = _positive_class(classes, counts, notes.metric_notes)
    primary, secondary, metric_reason = _decide_metrics(task, notes.suggested_metrics)
    structure = None
    if forecasting:
        # Read again without the target: the axis and the series are the target's neighbours.
        structure = read_structure(profile, target=column, facts=facts)
        axis = structure.time
        if axis is None:
            raise GoalError(
                f"The goal {sentence!r} asks about the future, but the profile "
                f"({profile.profile_path}) has no column that orders the rows in time (a date, "
                "a year with or without a quarter or month, or a period counter such as `time` "
                "= 1, 2, 3, ...). Add one, or restate the goal without a time horizon."
            )
    series = _series_column(profile, column, structure) if structure else None
    return Goal(
        text=sentence or f"predict {column}",
        task=task,
        target=column,
        target_reason=choice.reason,
        positive_class=positive,
        positive_reason=positive_reason,
        classes=classes,
        forecasting=forecasting,
        time_column=axis.column if axis else None,
        time_parts=list(axis.parts) if axis else [],
        season=axis.season if axis else None,
        series_column=series,
        primary_metric=primary,
        secondary_metrics=secondary,
        metric_reason=metric_reason,
        candidates=choice.others[:5],
    )


def _refuse_unsupported(sentence: str) -> None:
    low = sentence.lower()
    for kind, words in _UNSUPPORTED.items():
        if any(re.search(rf"\b{re.escape(w)}\b", low) for w in words) and not re.search(
            r"\b(predict|classif|whether|estimate|forecast)\w*\b", low
        ):
            raise GoalError(
                f"The goal {sentence!r} is {kind}, which ml-engineer does not handle yet: it "
                "designs supervised models (binary or multiclass classification, regression, "
                "forecasting). Restate the goal as a column to predict, e.g. --goal "
                '"predict churn".'
            )


def _find_target(
    profile: DataProfile,
    notes: AnalystNotes,
    sentence: str,
    explicit: str | None,
    *,
    user_goal: bool,
    exclude: set[str],
    facts: TableFacts | None,
) -> TargetChoice:
    """The target among the columns the dataset has, when it was read (the data wins); else
    among all the profile's, so that a target the data lacks is named as such when measured."""
    names = profile.column_names
    if explicit is not None:
        if explicit in names:
            return TargetChoice(explicit, "named with --target")
        folded = [n for n in names if n.lower() == explicit.lower()]
        if len(folded) == 1:
            how = f"named with --target ({explicit!r} matched {folded[0]!r})"
            return TargetChoice(folded[0], how)
        raise GoalError(
            f"The target {explicit!r} is not a column of the profile ({profile.profile_path}). "
            f"Columns: {_column_list(names)}. Pass one of them with --target."
        )
    absent = {c.name for c in profile.columns if ABSENT_FROM_DATA in c.flags}
    choose = lambda skip: choose_target(  # noqa: E731
        profile, notes, sentence, user_goal=user_goal, exclude=exclude | skip, facts=facts
    )
    if absent and len(absent) < len(names):
        try:
            return choose(absent)
        except TargetUnclear as unclear:
            # The goal may name a column the profile has and the data lacks: taken, so that
            # measuring it refuses it by name, instead of asking about the data's columns.
            try:
                named = choose(set())
            except GoalError:
                raise unclear from None
            if named.column in absent:
                return named
            raise
        except GoalError:  # none of the data's columns fits: name the profile's, to be refused
            pass
    return choose(set())


def _decide_task(
    col: ColumnProfile, counts: dict[str, int], sentence: str, forecasting: bool
) -> TaskType:
    n_unique = col.unique_count if col.unique_count is not None else (len(counts) or None)
    if forecasting:
        if col.kind != ColumnKind.numeric:
            raise GoalError(
                f"The goal {sentence!r} is a forecast, but the target `{col.name}` is "
                f"{col.kind.value}, not numeric. Forecasting here means predicting a number."
            )
        return TaskType.regression
    if col.kind == ColumnKind.boolean or n_unique == 2:
        return TaskType.binary
    if col.kind in (ColumnKind.categorical, ColumnKind.text):
        if n_unique is None or n_unique <= MAX_CLASSES:
            return TaskType.multiclass
        raise GoalError(
            f"The target `{col.name}` has {n_unique} distinct values: too many classes for a "
            f"classifier (at most {MAX_CLASSES}). Choose a coarser target, or a numeric one."
        )
    if col.kind == ColumnKind.numeric:
        few = n_unique is not None and n_unique <= 10
        if few and not _REGRESSION_WORDS.search(sentence):
            return TaskType.multiclass
        return TaskType.regression
    raise GoalError(
        f"The target `{col.name}` is typed {col.source_type or col.kind.value!r} in the profile; "
        "its task (classification or regression) cannot be told. Fix its type in the profile."
    )


def _classes(task: TaskType, counts: dict[str, int]) -> list[str]:
    if task == TaskType.regression:
        return []
    return [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


_CLASS_FOCUS = re.compile(r"recall|precision|f1|sensitivity|detect|catch|positive|minority", re.I)


def _positive_class(
    classes: list[str], counts: dict[str, int], metric_notes: list[str]
) -> tuple[str | None, str]:
    """The class the analyst's metrics focus on; else yes/true/1; else the minority class."""
    for note in metric_notes:
        if not _CLASS_FOCUS.search(note):
            continue
        named = {m for m in re.findall(r"`([^`]+)`", note) if m in classes}
        if len(named) == 1:
            label = named.pop()
            return label, f"the analyst's metrics focus on `{label}`: {note.strip()}"
    for label in _POSITIVE_LABELS:
        for c in classes:
            if c.strip().lower() == label:
                return c, f"`{c}` is the conventional positive label"
    if counts:
        minority = min(counts, key=lambda k: (counts[k], k))
        return minority, f"`{minority}` is the minority class"
    return (classes[-1], "the last class") if classes else (None, "")


def _decide_metrics(task: TaskType, suggested: list[str]) -> tuple[str, list[str], str]:
    allowed = TASK_METRICS[task]
    fitting = [m for m in suggested if m in allowed]
    primary_choices = [m for m in fitting if m in _PRIMARY_OK]
    if primary_choices:
        primary = primary_choices[0]
        reason = f"{primary} is the analyst's first suggested metric that fits a {task.value} task"
    else:
        primary = allowed[0]
        reason = f"{primary} is the default for a {task.value} task"
    skipped = [m for m in suggested if m not in allowed]
    if skipped:
        reason += (
            f"; suggested metrics that do not fit this task were left out: {', '.join(skipped)}"
        )
    secondary: list[str] = []
    for m in [*fitting, *DEFAULT_SECONDARY[task]]:
        if m != primary and m not in secondary:
            secondary.append(m)
    return primary, secondary, reason


def _series_column(profile: DataProfile, target: str, structure: TableStructure) -> str | None:
    """The column that names each series of a forecast: the panel's entity, or a category
    whose values times the periods' make the row count (within 10 %)."""
    if structure.panel_entity:
        return structure.panel_entity
    axis = structure.time
    assert axis is not None  # a forecast without a time axis was refused
    periods, rows = axis.distinct, profile.row_count
    if not periods or not rows or periods >= rows * 0.9:
        return None  # one row per period: a single series
    for col in profile.columns:
        if col.name in (target, *axis.columns) or col.kind != ColumnKind.categorical:
            continue
        count = col.unique_count or 0
        if count >= 2 and abs(count * periods - rows) <= rows * 0.1:
            return col.name
    return None


def _column_list(names: list[str], limit: int = 15) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
