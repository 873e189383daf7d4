"""Choosing how rows are split into train, validation and test.

The split follows what the rows are (`structure.py`): a goal about the future is split by time;
a panel keeps each entity whole in one part (or, with too few entities to fill the parts, holds
out the latest periods); a survey of people in communes keeps each commune whole; a single
series is split by time, since neighbouring rows would leak into each other; anything else is
split at random, stratified on the classes.
"""

from __future__ import annotations

from ml_engineer.models import AnalystNotes, DataProfile, Goal, SplitPlan, TaskType
from ml_engineer.planning.names import tokens
from ml_engineer.planning.structure import ID_WORDS, MIN_GROUPS, TableStructure, read_structure
from ml_engineer.planning.time_axis import TimeAxis

SMALL_DATA_ROWS = 1_000  # below this, a single validation split is too noisy: cross-validate
CV_FOLDS = 5


def decide_split(
    profile: DataProfile,
    goal: Goal,
    notes: AnalystNotes,
    *,
    structure: TableStructure | None = None,
) -> SplitPlan:
    """Time split for goals about the future; grouped when an entity repeats; by time for a
    single series or a panel of few entities; else random (stratified for classes)."""
    structure = structure or read_structure(
        profile, target=goal.target, key_columns=notes.key_columns
    )
    rows = profile.row_count
    small = rows is not None and rows < SMALL_DATA_ROWS
    cv = CV_FOLDS if small else None
    cv_note = (
        f"; {rows} rows is small data, so the primary metric is also cross-validated "
        f"({CV_FOLDS} folds) on train+validation"
        if small
        else ""
    )
    axis = structure.time
    if goal.forecasting and goal.time_column:
        forecast_axis = TimeAxis(goal.time_column, list(goal.time_parts))
        return _by_time(
            forecast_axis, cv,
            f"the goal is about the future, so rows are ordered by {forecast_axis.named()}"
            + cv_note,
        )  # fmt: skip
    group = structure.group
    if group and structure.panel and axis:
        count = _count(profile, group)
        if count is not None and count < MIN_GROUPS:
            return _by_time(
                axis, cv, f"a panel: `{group}` x {axis.describe()} names each row, but "
                f"{count} entities are too few to keep each whole in one part (a grouped split "
                f"needs {MIN_GROUPS}), so the latest periods of every `{group}` are held out "
                "instead" + cv_note,
            )  # fmt: skip
        return _by_group(
            group, cv, f"a panel: `{group}` x {axis.describe()} names each row, so all rows of "
            f"one `{group}` stay in the same part and the test score is about {group} values "
            "the model has not seen" + cv_note,
        )  # fmt: skip
    if group:
        return _by_group(
            group, cv, f"{structure.entities[group]}: all rows of one `{group}` stay in the "
            "same part, so the test score is not inflated by entities seen in training" + cv_note,
        )  # fmt: skip
    if structure.single_series and axis:
        return _by_time(
            axis, cv, f"the rows are one series in time ({axis.describe()}, one row per "
            "period): a random split would let each test row's neighbours into training, so "
            "rows are ordered in time" + cv_note,
        )  # fmt: skip
    cv_note += _too_few_to_group(profile, goal, notes)
    if goal.task == TaskType.regression:
        return SplitPlan(
            strategy="random", train=0.7, val=0.15, test=0.15, cv_folds=cv,
            reason="random 70/15/15 split (regression: nothing to stratify on)" + cv_note,
        )  # fmt: skip
    return SplitPlan(
        strategy="stratified", train=0.7, val=0.15, test=0.15, cv_folds=cv,
        reason=f"stratified 70/15/15 split on `{goal.target}` so every part keeps the class mix"
        + cv_note,
    )  # fmt: skip


def _by_time(axis: TimeAxis, cv: int | None, why: str) -> SplitPlan:
    return SplitPlan(
        strategy="time", train=0.7, val=0.15, test=0.15, time_column=axis.column,
        time_parts=list(axis.parts), cv_folds=cv,
        reason=f"{why}: the newest 15% is the test part and the 15% before it validation, "
        "never shuffled",
    )  # fmt: skip


def _by_group(group: str, cv: int | None, why: str) -> SplitPlan:
    return SplitPlan(
        strategy="group", train=0.7, val=0.15, test=0.15, group_column=group, cv_folds=cv,
        reason=why,
    )  # fmt: skip


def _count(profile: DataProfile, name: str) -> int | None:
    col = profile.column(name)
    return col.unique_count if col else None


def _too_few_to_group(profile: DataProfile, goal: Goal, notes: AnalystNotes) -> str:
    """When a key column repeats but has too few values to group by, the words that say so."""
    rows = profile.row_count
    for col in profile.columns:
        if col.name == goal.target:
            continue
        named = col.name in notes.key_columns or set(tokens(col.name)) & ID_WORDS
        count = col.unique_count
        if named and count is not None and count < MIN_GROUPS and (not rows or count < rows):
            return (
                f"; `{col.name}` repeats across rows but has only {count} values, too few to "
                f"keep each in one part (a grouped split needs {MIN_GROUPS}), so it is not "
                "grouped on"
            )
    return ""
