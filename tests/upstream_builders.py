"""Hand-built upstream folders for tests: the hostile and unusual cases the shared ones lack."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

HOSTILE_NAME = 'x"); import os; os.system("touch {sentinel}"); #'


def canonical_profile(df: pd.DataFrame, source: str | None = "data.csv") -> dict:
    """A canonical profile.json of a frame, as a careful analyst would write it."""
    columns = []
    for name in df.columns:
        s = df[name]
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        entry = {
            "name": str(name),
            "inferred_type": "numeric" if numeric else "categorical",
            "missing_count": int(s.isna().sum()),
            "missing_pct": round(float(s.isna().mean() * 100), 3),
            "unique_count": int(s.nunique()),
        }
        if numeric:
            entry["stats"] = {"min": float(s.min()), "max": float(s.max()), "mean": float(s.mean())}
        else:
            counts = s.astype(str).value_counts().head(10)
            entry["top_values"] = [{"value": k, "count": int(v)} for k, v in counts.items()]
        columns.append(entry)
    overview = {"row_count": len(df), "column_count": df.shape[1]}
    if source:
        overview["file"] = source
    return {"overview": overview, "columns": columns, "quality_flags": []}


def write_upstream(
    data_dir: Path,
    df: pd.DataFrame | None,
    *,
    goal: str,
    profile: dict | None = None,
    profile_text: str | None = None,
    eda_extra: str = "",
) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    if df is not None:
        df.to_csv(data_dir / "data.csv", index=False)
    if profile_text is not None:
        (data_dir / "profile.md").write_text(profile_text, encoding="utf-8")
    else:
        prof = profile if profile is not None else canonical_profile(df)
        (data_dir / "profile.json").write_text(json.dumps(prof), encoding="utf-8")
    (data_dir / "eda-report.md").write_text(
        f"# EDA report\n\n{eda_extra}\n\n## Confirmed ML goal\nGoal: {goal}\n", encoding="utf-8"
    )
    return data_dir


def churn_frame(n: int = 1200, seed: int = 0) -> pd.DataFrame:
    """Customers who churn more when tenure is short and the plan is basic."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 60, n)
    plan = rng.choice(["basic", "pro", "team"], n, p=[0.5, 0.3, 0.2])
    spend = rng.gamma(2.0, 30.0, n).round(2)
    logit = 1.5 - 0.06 * tenure + (plan == "basic") * 1.0 - 0.004 * spend
    churned = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return pd.DataFrame(
        {"customer_id": [f"C{i:05d}" for i in range(n)], "tenure": tenure, "plan": plan,
         "monthly_spend": spend, "churned": churned}
    )  # fmt: skip


def sales_frame(n_months: int = 60, seed: int = 0) -> pd.DataFrame:
    """Monthly sales per region with a trend and a yearly season: a forecasting goal."""
    rng = np.random.default_rng(seed)
    rows = []
    for region_i, region in enumerate(["north", "south", "east"]):
        for m in range(n_months):
            date = pd.Timestamp("2020-01-01") + pd.DateOffset(months=m)
            season = 10 * np.sin(2 * np.pi * date.month / 12)
            promo = int(rng.random() < 0.3)
            sales = 100 + 20 * region_i + 0.8 * m + season + 15 * promo + rng.normal(0, 3)
            rows.append({"order_month": date.strftime("%Y-%m-%d"), "region": region,
                         "promo": promo, "sales": round(sales, 2)})  # fmt: skip
    return pd.DataFrame(rows)


def wide_profile(n_columns: int, rows: int = 50_000) -> dict:
    """A profile-only upstream of many columns: numbers, categories, dates and IDs."""
    columns = []
    for i in range(n_columns - 1):
        kind = ("numeric", "numeric", "categorical", "datetime", "id")[i % 5]
        entry = {"name": f"{kind[:3]}_{i}", "inferred_type": kind, "missing_count": i % 40,
                 "missing_pct": (i % 40) / rows * 100, "unique_count": 5 + i}  # fmt: skip
        if kind == "id":
            entry.update(name=f"code_{i}_id", inferred_type="categorical", unique_count=rows)
        elif kind == "numeric":
            entry["stats"] = {"min": 0, "max": 100, "mean": 50, "std": 10}
        elif kind == "categorical":
            entry["top_values"] = [{"value": f"v{j}", "count": rows // 10} for j in range(5)]
        columns.append(entry)
    columns.append({"name": "churned", "inferred_type": "categorical", "missing_count": 0,
                    "missing_pct": 0.0, "unique_count": 2,
                    "top_values": [{"value": "no", "count": rows * 4 // 5},
                                   {"value": "yes", "count": rows // 5}]})  # fmt: skip
    return {"overview": {"row_count": rows, "column_count": n_columns}, "columns": columns}


def wide_upstream(root: Path, columns: int) -> Path:
    """output/wide-<n>/data with a profile only (no dataset): the agents' widest case."""
    return write_upstream(
        root / "output" / f"wide-{columns}" / "data", None,
        goal="predict whether a customer churns (`churned`)", profile=wide_profile(columns),
    )  # fmt: skip


def loan_frame(
    n: int = 400, seed: int = 0, names: tuple[str, str] = ("default_30d", "default_90d")
) -> pd.DataFrame:
    """Loans with two default flags, 30 and 90 days late: "predict default" fits both."""
    rng = np.random.default_rng(seed)
    income = rng.gamma(4.0, 12_000.0, n).round(0)
    amount = rng.gamma(3.0, 4_000.0, n).round(0)
    grade = rng.choice(["A", "B", "C", "D"], n, p=[0.3, 0.3, 0.25, 0.15])
    logit = -1.2 + 2.5 * amount / income + (grade == "D") * 0.8
    late_30 = rng.random(n) < 1 / (1 + np.exp(-logit))
    late_90 = late_30 & (rng.random(n) < 0.6)
    return pd.DataFrame(
        {"loan_id": [f"L{i:05d}" for i in range(n)], "income": income, "amount": amount,
         "grade": grade, names[0]: np.where(late_30, "yes", "no"),
         names[1]: np.where(late_90, "yes", "no")}
    )  # fmt: skip


def two_targets_upstream(
    root: Path, slug: str = "loans", names: tuple[str, str] = ("default_30d", "default_90d")
) -> Path:
    """output/<slug>/data whose goal, "predict default", leaves two columns plausible as the
    target (`names`): a person must say which."""
    frame = loan_frame(names=names)
    return write_upstream(root / "output" / slug / "data", frame, goal="predict default")
