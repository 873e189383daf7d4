"""Choosing how rows are split into train, validation and test."""

from __future__ import annotations

from ml_engineer.models import AnalystNotes, ColumnKind, DataProfile, Goal, SplitPlan, TaskType
from ml_engineer.planning.names import tokens

SMALL_DATA_ROWS = 1_000  # below this, a single validation split is too noisy: cross-validate
CV_FOLDS = 5
_ENTITY_TOKENS = {"id", "customer", "user", "account", "patient", "client", "member", "store"}
# A grouped split puts whole groups in each part: with fewer groups, validation and test hold
# one or two groups each (or none), and grouped k-fold cannot fill its folds.
MIN_GROUPS = 20


def decide_split(
    profile: DataProfile,
    goal: Goal,
    notes: AnalystNotes,
    *,
    repeated_keys: dict[str, bool] | None = None,
) -> SplitPlan:
    """Time split for goals about the future; grouped when an entity repeats; else stratified.

    `repeated_keys` says, for key columns checked on the data, whether their values repeat.
    """
    rows = profile.row_count
    small = rows is not None and rows < SMALL_DATA_ROWS
    cv = CV_FOLDS if small else None
    cv_note = (
        f"; {rows} rows is small data, so the primary metric is also cross-validated "
        f"({CV_FOLDS} folds) on train+validation"
        if small
        else ""
    )
    if goal.forecasting and goal.time_column:
        return SplitPlan(
            strategy="time", train=0.7, val=0.15, test=0.15, time_column=goal.time_column,
            cv_folds=cv,
            reason=f"the goal is about the future, so rows are ordered by `{goal.time_column}`: "
            "the newest 15% is the test part and the 15% before it validation, never shuffled"
            + cv_note,
        )  # fmt: skip
    group, too_few = _group_column(profile, goal, notes, repeated_keys or {})
    cv_note += too_few
    if group:
        return SplitPlan(
            strategy="group", train=0.7, val=0.15, test=0.15, group_column=group, cv_folds=cv,
            reason=f"`{group}` repeats across rows: all rows of one `{group}` stay in the same "
            "part, so the test score is not inflated by entities seen in training" + cv_note,
        )  # fmt: skip
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


def _group_column(
    profile: DataProfile, goal: Goal, notes: AnalystNotes, repeated: dict[str, bool]
) -> tuple[str | None, str]:
    """The column to group the split by, or None; and, when a key column repeats but has too
    few values to split by, the words that say so."""
    rows = profile.row_count
    too_few = ""
    candidates = list(notes.key_columns)
    candidates += [
        c.name
        for c in profile.columns
        if c.name not in candidates
        and (c.kind == ColumnKind.id or set(tokens(c.name)) & {"id", "uuid", "key"})
    ]
    for name in candidates:
        col = profile.column(name)
        if col is None or name == goal.target:
            continue
        if col.unique_count is not None and col.unique_count < MIN_GROUPS:
            repeats = not rows or col.unique_count < rows
            if repeats and not too_few:
                too_few = (
                    f"; `{name}` repeats across rows but has only {col.unique_count} values, too "
                    f"few to keep each in one part (a grouped split needs {MIN_GROUPS}), so it is "
                    "not grouped on"
                )
            continue
        if name in repeated:
            if repeated[name]:
                return name, too_few
            continue
        if col.unique_count is not None and rows and col.unique_count < rows * 0.95:
            if set(tokens(name)) & _ENTITY_TOKENS or name in notes.key_columns:
                return name, too_few
    return None, too_few
