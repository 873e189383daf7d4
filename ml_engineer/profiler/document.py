"""The profile.json the profiler writes: the canonical shape of contracts.md.

`overview{}` + `columns[]` (name, inferred_type, missing_count, missing_pct 0-100, unique_count,
stats or top_values, sample_values) + `quality_flags[]`, the shape of the shared fixture
`ui-benefit-claims`, so every reader of the product and the upstream template agree on it. What
the shape has no place for is added under keys the product's reader knows: `notes`, a column's
`target_association`, a datetime's `range`, `stored_as`, and the table's `correlations`. A
measured fact that is approximate says so beside it, and the overview says why.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

from ml_engineer.inputs.data.kind_rules import MAX_VALUE_CHARS
from ml_engineer.profiler.association import Association
from ml_engineer.profiler.kinds import Kind
from ml_engineer.profiler.measure import EXACT_ROWS, ColumnFacts, TableFacts
from ml_engineer.profiler.quality import column_flags, table_flags

DIGITS = 6


def json_value(value: Any) -> Any:
    """A measured value as JSON: numbers as numbers, times as ISO text, the rest as short text."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return round(value, DIGITS) if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return json_value(float(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _as_truth(value: Any) -> Any:
    """true/false written as text, as pandas reads them (and so the script): True/False."""
    folded = str(value).strip().lower()
    return {"true": True, "false": False}.get(folded, json_value(value))


def column_entry(
    col: ColumnFacts, kind: Kind, rows: int, approximate: bool, association: Association | None
) -> dict[str, Any]:
    missing = rows - col.non_null
    entry: dict[str, Any] = {
        "name": col.name,
        "inferred_type": kind.name,
        "missing_count": missing,
        "missing_pct": round(100 * missing / rows, 4) if rows else 0.0,
        "unique_count": col.distinct,
    }
    if approximate and not col.distinct_exact:
        entry["unique_count_approximate"] = True
    if kind.stored_as_text:
        entry["stored_as"] = "text"
    numbers = col.group == "number" or (col.group == "text" and kind.name == "numeric")
    if numbers and kind.name in ("numeric", "id"):
        q25, q50, q75 = col.quartiles or (None, None, None)
        entry["stats"] = {
            "min": json_value(col.min), "max": json_value(col.max), "mean": json_value(col.mean),
            "std": json_value(col.std), "q25": json_value(q25), "q50": json_value(q50),
            "q75": json_value(q75), "skew": json_value(col.skew),
        }  # fmt: skip
    if col.group == "time" or (kind.name == "datetime" and col.min is not None):
        entry["range"] = {"min": json_value(col.min), "max": json_value(col.max)}
    value = _as_truth if kind.name == "boolean" else json_value
    if col.top_values and kind.name != "id":
        entry["top_values"] = [{"value": value(v), "count": n} for v, n in col.top_values]
    entry["sample_values"] = [value(v) for v in col.sample_values]
    if col.length_mean is not None:
        entry["min_length"] = col.length_min
        entry["mean_length"] = json_value(col.length_mean)
        entry["max_length"] = col.length_max
    if association is not None:
        entry["target_association"] = {
            "measure": association.measure, "value": json_value(association.value),
        }  # fmt: skip
    if kind.note:
        entry["notes"] = [kind.note]
    return entry


def profile_document(
    facts: TableFacts,
    kinds: dict[str, Kind],
    overview: dict[str, Any],
    associations: dict[str, Association],
    correlations: dict[str, Any] | None,
    target: str | None,
    task: str | None,
) -> dict[str, Any]:
    rows = facts.rows
    columns = [
        column_entry(c, kinds[c.name], rows, facts.approximate, associations.get(c.name))
        for c in facts.columns
    ]
    flags = [flag for entry in columns for flag in column_flags(entry, rows, target, task)]
    flags += table_flags(rows, facts.duplicate_rows)
    if facts.approximate:
        overview["shape_sample"] = {
            "rows": math.ceil(rows / facts.sample_step), "every_nth_row": facts.sample_step
        }  # fmt: skip
        overview["approximate"] = (
            f"{rows:,} rows is more than {EXACT_ROWS:,}: distinct counts are HyperLogLog "
            "estimates (within a few percent), and duplicate rows are counted by a 64-bit "
            "hash of each row. Quartiles, correlations, associations with the target, sample "
            f"values and the pictures are measured on every {facts.sample_step:,}th row "
            f"({math.ceil(rows / facts.sample_step):,} rows). Counts, missing values, min, max, "
            "mean, spread, skew and top values are of every row."
        )
    document: dict[str, Any] = {"overview": overview, "columns": columns, "quality_flags": flags}
    if correlations:
        document["correlations"] = correlations
    return document
