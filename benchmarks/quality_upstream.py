"""Write an analyst's upstream folder (data.csv, profile.json, eda-report.md) for a frame.

The profile is the canonical shape of ../shared/contracts.md, as a careful analyst would write
it: an overview, and per column its inferred type, missing count and percentage, unique count,
numeric stats (min, max, mean, std, quartiles) or the top values, and a few sample values.
Types come from the pandas dtype of the frame as read back from the CSV, so the profile
describes exactly the file the product reads: bool -> boolean, number -> numeric, anything else
-> categorical (no dataset of the quality benchmark has dates or free text).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

TOP_VALUES = 10
SAMPLE_VALUES = 5


def _plain(value: object) -> object:
    """A JSON-safe scalar: numpy numbers to Python, anything else to its string."""
    if isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def inferred_type(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "boolean"
    if pd.api.types.is_numeric_dtype(s):
        return "numeric"
    return "categorical"


def numeric_stats(s: pd.Series) -> dict:
    q = s.quantile([0.25, 0.5, 0.75])
    stats = {
        "min": s.min(), "max": s.max(), "mean": s.mean(), "std": s.std(),
        "q25": q[0.25], "q50": q[0.5], "q75": q[0.75],
    }  # fmt: skip
    return {k: round(float(v), 4) for k, v in stats.items()}


def column_profile(s: pd.Series) -> dict:
    kind = inferred_type(s)
    present = s.dropna()
    entry = {
        "name": str(s.name),
        "inferred_type": kind,
        "missing_count": int(s.isna().sum()),
        "missing_pct": round(float(s.isna().mean() * 100), 3),
        "unique_count": int(s.nunique()),
    }
    if kind == "numeric":
        entry["stats"] = numeric_stats(present)
    else:
        counts = present.astype(str).value_counts().head(TOP_VALUES)
        entry["top_values"] = [{"value": k, "count": int(v)} for k, v in counts.items()]
    entry["sample_values"] = [_plain(v) for v in present.head(SAMPLE_VALUES)]
    return entry


def quality_flags(df: pd.DataFrame) -> list[dict]:
    flags = []
    for name in df.columns:
        s = df[name]
        if s.isna().mean() > 0.3:
            flags.append({"column": name, "flag": "high_missing"})
        if s.nunique(dropna=True) <= 1:
            flags.append({"column": name, "flag": "zero_variance"})
    return flags


def canonical_profile(df: pd.DataFrame, source: str = "data.csv") -> dict:
    overview = {
        "file": source,
        "row_count": len(df),
        "column_count": df.shape[1],
        "duplicate_rows": int(df.duplicated().sum()),
    }
    return {
        "overview": overview,
        "columns": [column_profile(df[c]) for c in df.columns],
        "quality_flags": quality_flags(df),
    }


def write_upstream(data_dir: Path, df: pd.DataFrame, *, target: str, task: str) -> Path:
    """output/<slug>/data with data.csv, profile.json and an eda-report.md naming the goal.

    The profile is computed from the CSV as written, so types match what the product reads.
    Returns the path of data.csv.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    csv = data_dir / "data.csv"
    df.to_csv(csv, index=False)
    profile = canonical_profile(pd.read_csv(csv))
    (data_dir / "profile.json").write_text(json.dumps(profile, indent=1), encoding="utf-8")
    (data_dir / "eda-report.md").write_text(
        f"# EDA report\n\n## Executive summary\n{len(df):,} rows, {df.shape[1]} columns.\n\n"
        f"## Confirmed ML goal\nGoal: predict `{target}` ({task}).\n",
        encoding="utf-8",
    )
    return csv
