"""How strongly each column goes with the target, and how the numeric columns correlate.

One measure per pair of kinds, each from 0 (none) to 1 (the column tells the target), so the
profile, the leakage flags and the pictures can rank columns on one scale:
- a number against a numeric (or two-class) target: Pearson's r, signed;
- a number against a target of several classes: the correlation ratio (eta);
- a category against a category target: Cramér's V;
- a category against a numeric target: the correlation ratio of the target over the categories.
Every measure is an aggregate in the engine, so a table past memory is never fetched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ml_engineer.profiler.measure import ColumnFacts, quote

CLASS_TARGET_MAX_DISTINCT = 20  # a number target with this few values is read as classes
CATEGORY_MAX_DISTINCT = 1_000  # categories beyond this are not crossed with the target
MATRIX_MAX_COLUMNS = 25  # the correlation heat map's columns (the least missing first)


@dataclass(frozen=True)
class Association:
    measure: str  # pearson, correlation_ratio or cramers_v
    value: float


def target_task(target: ColumnFacts, kind: str) -> str:
    """classification or regression, as the target's values suggest."""
    if kind == "numeric" and target.distinct > CLASS_TARGET_MAX_DISTINCT:
        return "regression"
    if kind == "numeric" and not target.integers:
        return "regression"
    return "classification"


def target_associations(
    con, table: str, target: ColumnFacts, task: str, columns: list[tuple[ColumnFacts, str]]
) -> dict[str, Association]:
    """The association of each (column, kind) with the target, measured in `table` (the whole
    table, or the sample of a big one); ids, text and dates skipped."""
    y = quote(target.name)
    two_classes = task == "classification" and target.distinct == 2
    numbers = [c for c, kind in columns if kind == "numeric" and c.group == "number"]
    categories = [
        c for c, kind in columns
        if kind in ("categorical", "boolean") and 1 < c.distinct <= CATEGORY_MAX_DISTINCT
    ]  # fmt: skip
    found: dict[str, Association] = {}
    if task == "regression" or two_classes:
        params = {} if target.group in ("number", "boolean") else {"positive": _rarer_class(target)}
        if numbers:
            found |= _pearson(con, table, numbers, _as_number(target, y), params)
    else:
        for col in numbers:
            found[col.name] = _ratio(con, table, y, f"CAST({quote(col.name)} AS DOUBLE)")
    for col in categories:
        found[col.name] = (
            _ratio(con, table, quote(col.name), f"CAST({y} AS DOUBLE)") if task == "regression"
            else _cramers_v(con, table, quote(col.name), y)
        )  # fmt: skip
    return {name: a for name, a in found.items() if a is not None and math.isfinite(a.value)}


def _as_number(target: ColumnFacts, y: str) -> str:
    """A two-class target as 1 for its rarer class (a number target as itself)."""
    if target.group in ("number", "boolean"):
        return f"CAST({y} AS DOUBLE)"
    # The class is bound as the query's $positive parameter: a value never becomes SQL.
    is_positive = f"CAST({y} AS VARCHAR) = $positive"
    return f"CASE WHEN {y} IS NULL THEN NULL WHEN {is_positive} THEN 1.0 ELSE 0.0 END"


def _rarer_class(target: ColumnFacts) -> str:
    return str(min(target.top_values, key=lambda tv: (tv[1], str(tv[0])))[0])


def _pearson(
    con, table: str, numbers: list[ColumnFacts], y_number: str, params: dict[str, str]
) -> dict[str, Association]:
    parts = [f"corr(CAST({quote(c.name)} AS DOUBLE), {y_number})" for c in numbers]
    values = con.execute(f"SELECT {', '.join(parts)} FROM {table}", params).fetchone()
    return {c.name: Association("pearson", v) for c, v in zip(numbers, values, strict=True)
            if v is not None}  # fmt: skip


def _ratio(
    con, table: str, groups: str, values: str, params: dict[str, str] | None = None
) -> Association | None:
    """The correlation ratio eta of `values` over the groups: the share of their spread that
    the group explains, square-rooted to sit on r's scale."""
    rows = con.execute(
        f"WITH v AS (SELECT {groups} AS g, {values} AS x FROM {table} "
        f"WHERE {groups} IS NOT NULL AND {values} IS NOT NULL) "
        "SELECT count(*), CAST(avg(x) AS DOUBLE), CAST(sum(x * x) AS DOUBLE) FROM v GROUP BY g",
        params or {},
    ).fetchall()
    n = sum(r[0] for r in rows)
    if n < 2 or len(rows) < 2:
        return None
    mean = sum(r[0] * r[1] for r in rows) / n
    total = sum(r[2] for r in rows) - n * mean * mean
    between = sum(r[0] * (r[1] - mean) ** 2 for r in rows)
    if total <= 0:
        return None
    return Association("correlation_ratio", math.sqrt(min(1.0, max(0.0, between / total))))


def _cramers_v(con, table: str, a: str, b: str) -> Association | None:
    cells = con.execute(
        f"SELECT CAST({a} AS VARCHAR), CAST({b} AS VARCHAR), count(*) FROM {table} "
        f"WHERE {a} IS NOT NULL AND {b} IS NOT NULL GROUP BY ALL"
    ).fetchall()
    n = sum(c[2] for c in cells)
    rows: dict[Any, int] = {}
    cols: dict[Any, int] = {}
    for r, c, count in cells:
        rows[r] = rows.get(r, 0) + count
        cols[c] = cols.get(c, 0) + count
    k = min(len(rows), len(cols))
    if n == 0 or k < 2:
        return None
    chi2 = sum((count - rows[r] * cols[c] / n) ** 2 / (rows[r] * cols[c] / n)
               for r, c, count in cells)  # fmt: skip
    # Cells never seen contribute their expected count.
    seen = sum(rows[r] * cols[c] / n for r, c, _ in cells)
    chi2 += n - seen
    return Association("cramers_v", math.sqrt(min(1.0, chi2 / (n * (k - 1)))))


def correlation_matrix(con, table: str, numbers: list[ColumnFacts]) -> dict[str, Any] | None:
    """Pearson's r between the numeric columns (at most MATRIX_MAX_COLUMNS, least missing
    first), pairwise over the rows where both have a value, as pandas' `corr` computes it."""
    chosen = sorted(numbers, key=lambda c: -c.non_null)[:MATRIX_MAX_COLUMNS]
    chosen.sort(key=numbers.index)
    if len(chosen) < 2:
        return None
    pairs = [(i, j) for i in range(len(chosen)) for j in range(i + 1, len(chosen))]
    parts = [
        f"corr(CAST({quote(chosen[i].name)} AS DOUBLE), CAST({quote(chosen[j].name)} AS DOUBLE))"
        for i, j in pairs
    ]
    values = con.execute(f"SELECT {', '.join(parts)} FROM {table}").fetchone()
    matrix = [[1.0 if i == j else None for j in range(len(chosen))] for i in range(len(chosen))]
    for (i, j), value in zip(pairs, values, strict=True):
        r = round(value, 4) if value is not None and math.isfinite(value) else None
        matrix[i][j] = matrix[j][i] = r
    return {"method": "pearson", "columns": [c.name for c in chosen], "matrix": matrix}
