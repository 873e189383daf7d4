"""The quality flags the planner reads, in the words an analyst's profile uses for them.

Each flag is `{"column", "flag", "detail"}` as in contracts.md's canonical profile; the profile
reader maps the words onto its vocabulary (zero_variance -> constant, likely_id, high_missing,
high_cardinality, skewed, possible_target_leakage -> leakage, imbalanced_target -> imbalanced).
Thresholds sit below the planner's own where the planner acts (it drops a column above 60 %
missing), so the reviewer is told before the planner decides.
"""

from __future__ import annotations

from typing import Any

HIGH_MISSING = 0.5
HIGH_CARDINALITY = 50  # distinct values of a category column
SKEWED = 2.0  # absolute skewness
LEAKAGE_SUSPECT = 0.95  # association with the target (|r|, Cramér's V, correlation ratio)
IMBALANCED = 0.10  # the rarest class's share of the target's rows


def column_flags(
    column: dict[str, Any], rows: int, target: str | None, task: str | None
) -> list[dict[str, Any]]:
    """The flags of one column entry of the profile being written."""
    name, kind = column["name"], column["inferred_type"]
    missing, distinct = column["missing_count"], column["unique_count"]
    flags: list[tuple[str, str]] = []
    if rows and missing == rows:
        flags.append(("high_missing", f"all {rows:,} values missing"))
    elif rows and missing / rows >= HIGH_MISSING:
        flags.append(("high_missing", f"{missing / rows:.1%} of values missing"))
    if distinct == 1 and missing < rows:
        value = column["top_values"][0]["value"] if column.get("top_values") else None
        shown = f" {value!r}" if value is not None else ""
        flags.append(("zero_variance", f"single value{shown} in all {rows - missing:,} "
                                       "non-missing rows"))  # fmt: skip
    if kind == "id":
        flags.append(("likely_id", (column.get("notes") or ["every value is distinct"])[0]))
    elif kind == "categorical" and distinct > HIGH_CARDINALITY and name != target:
        flags.append(("high_cardinality", f"{distinct:,} distinct values"))
    skew = (column.get("stats") or {}).get("skew")
    if kind == "numeric" and skew is not None and abs(skew) >= SKEWED:
        flags.append(("skewed", f"skewness {skew:.2f}"))
    association = column.get("target_association")
    if association and abs(association["value"]) >= LEAKAGE_SUSPECT:
        flags.append((
            "possible_target_leakage",
            f"{association['measure']} {association['value']:.3f} with the target {target!r}: "
            "check that it is known before the outcome",
        ))  # fmt: skip
    classes = column.get("top_values") or []
    # Only when every class is listed: the rarest of the top ten is not the rarest class.
    if name == target and task == "classification" and classes and len(classes) == distinct:
        present = rows - missing
        rarest = min(v["count"] for v in classes)
        if present and rarest / present < IMBALANCED:
            flags.append(
                ("imbalanced_target", f"the rarest class is {rarest / present:.1%} of rows")
            )
    return [{"column": name, "flag": flag, "detail": detail} for flag, detail in flags]


def table_flags(rows: int, duplicate_rows: int) -> list[dict[str, Any]]:
    if not duplicate_rows:
        return []
    return [{
        "column": None, "flag": "duplicate_rows",
        "detail": f"{duplicate_rows:,} rows ({duplicate_rows / rows:.1%}) repeat an earlier row",
    }]  # fmt: skip
