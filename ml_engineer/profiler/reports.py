"""schema-suggestion.md and eda-report.md, written from the profile as an analyst writes them.

They are read twice: by a person on GitHub, and by the product's notes reader (the goal sentence,
key columns, metrics, risks). Column names and values are untrusted text, so every one goes
through `code()`, which keeps a name from breaking a table, a line or a code span.
"""

from __future__ import annotations

from typing import Any

from ml_engineer.profiler.charts import Chart
from ml_engineer.render import markdown_filters as filters

MAX_NAME_CHARS = 60
STORAGE = {  # the storage type to declare, by kind (the engine's own type for numbers)
    "categorical": "category", "boolean": "boolean", "datetime": "timestamp", "text": "text",
    "unknown": "(empty: drop)",
}  # fmt: skip


def _short(text: Any) -> str:
    text = str(text)
    return text if len(text) <= MAX_NAME_CHARS else text[: MAX_NAME_CHARS - 1] + "…"


def code(text: Any) -> str:
    """A name or value as an inline code span (cut short), whatever it holds."""
    return filters.code(_short(text))


def one_line(text: Any) -> str:
    """Untrusted or free text as inline markdown: one line, no link, image or tag."""
    return filters.md(" ".join(str(text).split()))


def _alt(text: str) -> str:
    """Alt text inside `![...]`: no bracket may close it early."""
    return one_line(text).replace("[", "\\[").replace("]", "\\]")


def _columns(profile: dict[str, Any]) -> list[dict[str, Any]]:
    return profile["columns"]


def _flags_by_column(profile: dict[str, Any]) -> dict[str | None, list[dict[str, Any]]]:
    found: dict[str | None, list[dict[str, Any]]] = {}
    for flag in profile["quality_flags"]:
        found.setdefault(flag["column"], []).append(flag)
    return found


def _role(column: dict[str, Any], target: str | None, flags: list[dict[str, Any]]) -> str:
    words = {f["flag"] for f in flags}
    if column["name"] == target:
        return "**target**"
    if column["inferred_type"] == "id":
        return "key (not a feature)"
    if words & {"zero_variance"} or column["inferred_type"] == "unknown":
        return "drop"
    if "possible_target_leakage" in words:
        return "check for leakage"
    return "feature"


def _metrics(task: str | None, classes: int | None, imbalanced: bool) -> list[str]:
    if task == "regression":
        return ["RMSE (primary): errors in the target's own unit, large misses weigh most.",
                "MAE: the typical miss; R²: the share of the spread explained."]  # fmt: skip
    if task == "classification" and classes == 2:
        lines = ["ROC AUC (primary): how well the model ranks the two classes."]
        if imbalanced:
            lines.append("PR AUC and recall on the rarer class: the classes are imbalanced.")
        return lines + ["F1 and log loss at the chosen threshold."]
    if task == "classification":
        return ["Macro F1 (primary): every class counts alike.", "Accuracy and log loss."]
    return ["No target was named: run `ml-engineer profile` with `--target` to get metrics."]


def schema_suggestion(profile: dict[str, Any], storage_types: dict[str, str]) -> str:
    """`storage_types`: the engine's type of each column as read (integer, float, text...)."""
    overview = profile["overview"]
    target, task = overview.get("target"), overview.get("task")
    flags = _flags_by_column(profile)
    lines = [
        f"# Schema suggestion: {code(overview['file_name'])}",
        "",
        f"Profiled by `ml-engineer profile` from {overview['row_count']:,} rows and "
        f"{overview['column_count']} columns.",
        "",
        "## Suggested schema",
        "| column | suggested type | storage | role | note |",
        "|---|---|---|---|---|",
    ]
    for column in _columns(profile):
        kind = column["inferred_type"]
        storage = STORAGE.get(kind) or storage_types.get(column["name"], kind)
        if column.get("stored_as") == "text":
            storage += " (stored as text: parse it)"
        col_flags = flags.get(column["name"], [])
        note = "; ".join(one_line(f["detail"]) for f in col_flags) or ""
        lines.append(
            f"| {filters.code_cell(_short(column['name']))} | {kind} | {storage} "
            f"| {_role(column, target, col_flags)} | {note.replace('|', '/')} |"
        )
    keys = [c for c in _columns(profile) if c["inferred_type"] == "id"]
    lines += ["", "## Key columns"]
    if keys:
        for col in keys:
            why = one_line((col.get("notes") or ["every value is distinct"])[0])
            lines.append(f"- {code(col['name'])}: {why}; an identifier, not a feature.")
    else:
        lines.append("Key columns: none: no column identifies the rows.")
    imbalanced = any(f["flag"] == "imbalanced_target" for f in flags.get(target, []))
    target_col = next((c for c in _columns(profile) if c["name"] == target), None)
    classes = target_col["unique_count"] if target_col else None
    lines += [
        "",
        "## Recommended metrics",
        *(f"- {m}" for m in _metrics(task, classes, imbalanced)),
    ]
    lines += ["", "## Data quality notes", *_quality_lines(profile)]
    return "\n".join(lines) + "\n"


def _quality_lines(profile: dict[str, Any]) -> list[str]:
    overview = profile["overview"]
    lines = []
    missing = [c for c in _columns(profile) if c["missing_count"]]
    if not missing:
        lines.append("- No missing values in any column.")
    lines.append(f"- {overview['duplicate_rows']:,} exact duplicate rows.")
    for flag in profile["quality_flags"]:
        where = code(flag["column"]) if flag["column"] is not None else "The table"
        lines.append(f"- {where}: {flag['flag'].replace('_', ' ')}: {one_line(flag['detail'])}.")
    if overview.get("approximate"):
        lines.append(f"- Approximate facts: {overview['approximate']}")
    return lines


def eda_report(profile: dict[str, Any], charts: list[Chart]) -> str:
    overview = profile["overview"]
    target, goal = overview.get("target"), overview.get("goal")
    rows, columns = overview["row_count"], overview["column_count"]
    cells = rows * columns
    missing = sum(c["missing_count"] for c in _columns(profile))
    summary = (
        f"{rows:,} rows and {columns} columns; {missing / cells:.1%} of the cells are missing "
        f"and {overview['duplicate_rows']:,} rows repeat an earlier row."
        if cells
        else f"{rows:,} rows and {columns} columns."
    )
    target_col = next((c for c in _columns(profile) if c["name"] == target), None)
    if target_col and target_col.get("top_values"):
        present = rows - target_col["missing_count"]
        shares = ", ".join(f"{code(v['value'])} {v['count'] / present:.1%}"
                           for v in target_col["top_values"][:5] if present)  # fmt: skip
        summary += f" The target {code(target)} is {shares}."
    lines = [f"# EDA report: {code(overview['file_name'])}", "", "## Executive summary", summary]
    lines += ["", "## Notable patterns", *_patterns(profile, target)]
    if charts:
        lines += ["", "## Pictures"]
        sample = overview.get("shape_sample")
        if sample:
            lines += ["", f"Drawn from every {sample['every_nth_row']:,}th row "
                      f"({sample['rows']:,} of {rows:,}); the target's class counts and the "
                      "missing values are of every row."]  # fmt: skip
        for chart in charts:
            lines += ["", f"### {one_line(chart.title)}", f"![{_alt(chart.alt)}]({chart.file})"]
    lines += ["", "## Confirmed ML goal", _goal_line(goal, target, overview.get("task"))]
    return "\n".join(lines) + "\n"


def _patterns(profile: dict[str, Any], target: str | None) -> list[str]:
    lines = []
    ranked = sorted(
        (c for c in _columns(profile) if c.get("target_association")),
        key=lambda c: -abs(c["target_association"]["value"]),
    )
    if ranked:
        shown = ", ".join(
            f"{code(c['name'])} {c['target_association']['value']:+.3f} "
            f"({c['target_association']['measure'].replace('_', ' ')})"
            for c in ranked[:8]
        )
        where = f"{code(target)}{_sign_note(profile)}"
        lines.append(f"- Strongest associations with the target {where}: {shown}.")
    matrix = profile.get("correlations")
    if matrix:
        names, values = matrix["columns"], matrix["matrix"]
        pairs = sorted(
            ((abs(values[i][j]), names[i], names[j], values[i][j])
             for i in range(len(names)) for j in range(i + 1, len(names))
             if values[i][j] is not None),
            reverse=True,
        )  # fmt: skip
        strong = [p for p in pairs[:5] if p[0] >= 0.5]
        if strong:
            lines.append("- Strongly correlated pairs: " + ", ".join(
                f"{code(a)} and {code(b)} ({r:+.2f})" for _, a, b, r in strong) + ".")  # fmt: skip
    skewed = [c for c in _columns(profile) if abs((c.get("stats") or {}).get("skew") or 0) >= 2]
    if skewed:
        lines.append("- Skewed: " + ", ".join(
            f"{code(c['name'])} (skew {c['stats']['skew']:+.2f}, median {c['stats']['q50']}, "
            f"max {c['stats']['max']})" for c in skewed[:6]) + ".")  # fmt: skip
    times = [c for c in _columns(profile) if c.get("range")]
    for col in times[:4]:
        lines.append(f"- {code(col['name'])} runs from {col['range']['min']} to "
                     f"{col['range']['max']}.")  # fmt: skip
    return lines or ["- Nothing stands out."]


def _sign_note(profile: dict[str, Any]) -> str:
    """Which class a two-class text target's r is signed towards (the rarer, counted as 1)."""
    target = profile["overview"].get("target")
    col = next((c for c in _columns(profile) if c["name"] == target), None)
    classes = (col or {}).get("top_values") or []
    if len(classes) != 2 or any(isinstance(v["value"], bool | int | float) for v in classes):
        return ""
    rarer = min(classes, key=lambda v: (v["count"], str(v["value"])))["value"]
    return f" (Pearson's r counts {code(target)} = {code(rarer)} as 1)"


def _goal_line(goal: str | None, target: str | None, task: str | None) -> str:
    if goal:
        sentence = one_line(goal).rstrip(".")
        if target:
            sentence += f" (target: {code(target)}; {task})"
        return f"Goal: {sentence}."
    if target:
        return f"Goal: predict {code(target)} ({task})."
    return "No goal was given: pass `--goal` or `--target` to `ml-engineer profile`."
