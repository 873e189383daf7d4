"""Checking the profile against the dataset, and measuring what only the data can tell.

The data is the truth: a target absent from it is an error; columns the profile lists but the
data lacks are excluded with that reason; columns only the data has were profiled from it
(`column_profile.py`) before the goal was decided; counts the profile left out are filled in.
Everything reconciled is said in the notes, never changed silently.
"""

from __future__ import annotations

import pandas as pd

from ml_engineer.errors import DataError
from ml_engineer.inputs.data.association import association_screen
from ml_engineer.inputs.data.held_out import outside_test
from ml_engineer.inputs.data.leaks import measure_leaks
from ml_engineer.inputs.data.series import MAX_FACT_ROWS, SAMPLE_SEED
from ml_engineer.inputs.dataset import DatasetLocation, dataset_facts
from ml_engineer.models import AnalystNotes, ColumnKind, DataProfile, Goal, TaskType, TopValue
from ml_engineer.models.profile import ABSENT_FROM_DATA, PROFILED_FROM_DATA
from ml_engineer.models.table_facts import TableFacts
from ml_engineer.planning.names import tokens
from ml_engineer.planning.planner import DataEvidence
from ml_engineer.planning.split import decide_split
from ml_engineer.planning.structure import read_structure


def measure_evidence(
    location: DatasetLocation,
    df: pd.DataFrame,
    profile: DataProfile,
    goal: Goal,
    notes_in: AnalystNotes,
    table: TableFacts | None = None,
    seed: int = 42,
) -> tuple[DataProfile, DataEvidence]:
    """Check `profile` against `df`, the dataset read from `location` (read once by the caller:
    it is measured again for each target an agent proposes). `profile` is as add_data_columns
    left it: the data's own columns added and flagged, the ones it lacks flagged.

    The leak screens see only the rows the training script keeps out of its test part (its
    split, with `seed`), so no column is excluded on a figure taken from the test rows."""
    data_columns = [str(c) for c in df.columns]
    if goal.target not in data_columns:
        shown = ", ".join(f"`{c}`" for c in data_columns[:20])
        raise DataError(
            f"The target `{goal.target}` ({goal.target_reason}) is not a column of the dataset "
            f"{location.path}, whose columns are: {shown}. Pass --target with one of them, or "
            "point the profile at the file it describes.",
            path=str(location.path),
            field=goal.target,
        )
    task = "regression" if goal.task == TaskType.regression else "classification"
    facts = dataset_facts(df, goal.target, task, screen=False)
    if facts.missing_target_rows >= facts.row_count:
        raise DataError(
            f"Every row of {location.path} has an empty target `{goal.target}`, so there is "
            "nothing to learn from. Check that the file holds the labelled data.",
            path=str(location.path),
            field=goal.target,
        )
    notes = list(facts.notes)
    profile = _reconcile(profile, data_columns, facts, notes)
    _check_types(profile, df, notes)
    table = table or TableFacts()
    association, leaks = _screen(df, profile, goal, notes_in, table, task, seed, notes)
    return profile, DataEvidence(
        target_counts=facts.target_value_counts if task == "classification" else None,
        missing_target=facts.missing_target_rows,
        association=association,
        leaks=leaks,
        table=table,
        notes=notes,
    )


def _screen(
    df: pd.DataFrame,
    profile: DataProfile,
    goal: Goal,
    notes_in: AnalystNotes,
    table: TableFacts,
    task: str,
    seed: int,
    notes: list[str],
) -> tuple[dict[str, float], dict[str, str]]:
    """The association screen and the leak screens, on the rows outside the test part."""
    structure = read_structure(
        profile, target=goal.target, key_columns=notes_in.key_columns, facts=table
    )
    split = decide_split(profile, goal, notes_in, structure=structure)
    rows = outside_test(df, goal.target, split, goal.task.value, seed)
    if len(rows) > MAX_FACT_ROWS:
        rows = rows.sample(n=MAX_FACT_ROWS, random_state=SAMPLE_SEED)
    association, _, _ = association_screen(rows, goal.target, task, notes)
    found = measure_leaks(rows, goal.target, task, association, set(tokens(goal.target)))
    return association, {leak.column: leak.reason for leak in found}


def _reconcile(
    profile: DataProfile, data_columns: list[str], facts, notes: list[str]
) -> DataProfile:
    profile = profile.model_copy(deep=True)
    present = set(data_columns)
    absent = [c for c in profile.columns if ABSENT_FROM_DATA in c.flags]
    if absent:
        notes.append(
            "Columns in the profile but not in the dataset were excluded: "
            + ", ".join(f"`{c.name}`" for c in absent)
            + "."
        )
    from_data = [c.name for c in profile.columns if PROFILED_FROM_DATA in c.flags]
    if from_data:
        notes.append(
            "Columns in the dataset but not in the profile were profiled from the data (type, "
            "missing and distinct counts, statistics) and decided on like the others: "
            + ", ".join(f"`{c}`" for c in from_data)
            + "."
        )
    if profile.row_count is not None and profile.row_count != facts.row_count:
        notes.append(
            f"The profile counts {profile.row_count} rows, the dataset has {facts.row_count}; "
            "the dataset's count is used."
        )
    profile.row_count = facts.row_count
    filled = []
    for col in profile.columns:
        if col.name not in present:
            continue
        if col.missing_count is None and col.name in facts.missing_counts:
            col.missing_count = facts.missing_counts[col.name]
            col.missing_fraction = col.missing_count / facts.row_count if facts.row_count else 0.0
            filled.append(col.name)
        if col.unique_count is None and col.name in facts.unique_counts:
            col.unique_count = facts.unique_counts[col.name]
            filled.append(col.name)
    if filled:
        names = ", ".join(f"`{n}`" for n in dict.fromkeys(filled))
        notes.append(
            f"Missing and distinct counts the profile lacked were measured on the data: {names}."
        )
    return profile


NUMERIC_SHARE = 0.9  # a "numeric" column whose values are mostly not numbers is not numeric


def _check_types(profile: DataProfile, df, notes: list[str]) -> None:
    """Correct the profile's type where the data contradicts it, and measure text lengths."""
    from ml_engineer.inputs.data.shapes import column_shape

    for col in profile.columns:
        if col.name not in df.columns or ABSENT_FROM_DATA in col.flags:
            continue
        textual = col.kind in (ColumnKind.categorical, ColumnKind.text)
        if col.kind != ColumnKind.numeric and not (textual and col.mean_length is None):
            continue
        shape = column_shape(df[col.name])
        if textual:
            col.mean_length = shape.mean_length
            continue
        if shape.numeric_share is not None and shape.numeric_share < NUMERIC_SHARE:
            col.kind = ColumnKind.categorical
            col.stats = None
            col.mean_length = shape.mean_length
            col.top_values = [TopValue(value=v, count=n) for v, n in shape.top_values]
            examples = ", ".join(repr(v) for v, _ in shape.top_values[:3])
            notes.append(
                f"The profile types `{col.name}` as numeric, but {1 - shape.numeric_share:.0%} of "
                f"its values in the data are not numbers (e.g. {examples}); it is treated as "
                "categorical. Fix the profile if the data is wrong."
            )
