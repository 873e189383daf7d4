"""The facts the planner needs from the real data: counts, the target's distribution, and the
leakage screen (`association.py`)."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from ml_engineer.errors import DataError
from ml_engineer.inputs.data.association import association_screen
from ml_engineer.inputs.data.series import MAX_FACT_ROWS, SAMPLE_SEED, is_numeric

MAX_TARGET_VALUE_COUNTS = 100


class DatasetFacts(BaseModel):
    """What the real data says, for the planner.

    `row_count`, `missing_counts`, `target_value_counts` and `missing_target_rows` are counted on
    all rows. `unique_counts` and `association` are computed on `analysed_rows` rows: all of them
    up to 200,000, beyond that a random sample (seed 0), which `notes` then says.
    """

    target: str
    row_count: int
    analysed_rows: int
    sampled: bool = False
    columns: list[str]
    missing_counts: dict[str, int]
    unique_counts: dict[str, int]
    target_kind: Literal["classification", "regression"]
    target_unique_count: int
    target_value_counts: dict[str, int] = Field(
        description="Counts of the target's values as text, most frequent first (top 100)."
    )
    target_value_counts_truncated: bool = False
    missing_target_rows: int
    association: dict[str, float] = Field(
        default_factory=dict,
        description="0..1 per other column: how well the column alone predicts the target "
        "(0 = no better than chance, 1 = perfectly). See `dataset_facts`.",
    )
    association_method: dict[str, str] = Field(default_factory=dict)
    skipped_id_columns: list[str] = Field(
        default_factory=list, description="Unique per row, so left out of the association screen."
    )
    notes: list[str] = Field(default_factory=list)


def _target_kind(series: pd.Series) -> Literal["classification", "regression"]:
    values = series.dropna()
    if is_numeric(values) and values.nunique() > 20 and not pd.api.types.is_bool_dtype(values):
        return "regression"
    return "classification"


def value_key(value: object) -> str:
    """A value as text, as the script reads labels: 1.0 is "1"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def dataset_facts(
    df: pd.DataFrame,
    target: str,
    task: Literal["classification", "regression"] | str | None = None,
    *,
    screen: bool = True,
) -> DatasetFacts:
    """Counts, the target's distribution and a single-column leakage screen.

    `task` is "classification" (or "binary"/"multiclass") or "regression"; by default a numeric
    target with more than 20 distinct values is regression, anything else classification.

    The leakage screen gives each other column an `association` in [0, 1]: how well that
    column alone predicts the target, with 0 meaning no better than chance and 1 perfectly.
    Rows with a missing target are left out; a missing feature value is a level of its own.

    - Classification, any column: *cross-fitted purity*. The rows are split in two halves (seed
      0); each row's class is predicted as the majority class of its column value (numeric
      columns: of its quantile bin, up to 10) in the other half, an unseen value getting the
      overall majority. The accuracy is rescaled as (acc - majority_rate) / (1 - majority_rate).
      Cross-fitting keeps high-cardinality columns from looking pure by chance.
    - Binary classification, additionally: the ROC AUC of the column as a score (numeric: the
      value itself; otherwise its cross-fitted target rate), as |2 * AUC - 1|. The larger of the
      two numbers is reported.
    - Regression: numeric columns, max(|Pearson|, |Spearman|) with the target; other columns,
      the correlation of the cross-fitted per-value target mean with the target.

    `screen=False` leaves the association screen out (the planner runs it on the training rows
    only, once the split is known: `inputs/evidence.py`).

    Columns unique per row (IDs) are not scored, so a row number in a file sorted by the target
    cannot look like a perfect predictor; they are listed in `skipped_id_columns`. Non-integer
    numeric columns are scored even when all distinct (continuous measurements are not IDs).
    `association_method` says which method scored each column.
    """
    if target not in df.columns:
        shown = ", ".join(map(str, list(df.columns)[:20]))
        raise DataError(
            f"The target column '{target}' is not in the dataset (its columns: {shown}). "
            "Check the target name against the data.",
            field="target",
        )
    if isinstance(df[target], pd.DataFrame):
        raise DataError(
            f"The dataset has several columns named '{target}'. Rename them so the target is "
            "one column.",
            field="target",
        )
    notes: list[str] = []
    row_count = int(len(df))
    missing_counts = {str(c): int(v) for c, v in df.isna().sum().items()}
    y_all = df[target]
    missing_target = int(y_all.isna().sum())
    counts = y_all.value_counts(dropna=True)
    value_counts = {value_key(k): int(v) for k, v in counts.head(MAX_TARGET_VALUE_COUNTS).items()}

    if row_count > MAX_FACT_ROWS:
        sample = df.sample(n=MAX_FACT_ROWS, random_state=SAMPLE_SEED)
        notes.append(
            f"Unique counts and the association screen use a random sample of {MAX_FACT_ROWS:,} "
            f"of {row_count:,} rows (seed {SAMPLE_SEED})."
        )
    else:
        sample = df
    unique_counts = {str(c): int(sample[c].nunique(dropna=True)) for c in sample.columns}

    if task in ("binary", "multiclass", "classification"):
        kind: Literal["classification", "regression"] = "classification"
    elif task == "regression":
        kind = "regression"
    else:
        kind = _target_kind(y_all)

    labelled = sample[sample[target].notna()]
    association, methods, skipped = (
        association_screen(labelled, target, kind, notes) if screen else ({}, {}, [])
    )

    return DatasetFacts(
        target=str(target),
        row_count=row_count,
        analysed_rows=int(len(sample)),
        sampled=len(sample) < row_count,
        columns=[str(c) for c in df.columns],
        missing_counts=missing_counts,
        unique_counts=unique_counts,
        target_kind=kind,
        target_unique_count=int(len(counts)),
        target_value_counts=value_counts,
        target_value_counts_truncated=len(counts) > MAX_TARGET_VALUE_COUNTS,
        missing_target_rows=missing_target,
        association=association,
        association_method=methods,
        skipped_id_columns=skipped,
        notes=notes,
    )
