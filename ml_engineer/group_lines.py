"""The check run's results per group of a protected attribute, one line per attribute.

The script writes them into metrics.json["groups"] (see its section "Results per group");
these lines are what the approval shows: "sex: female roc_auc 0.61, 22% predicted positive
(actual 25%), n=140; male ...". metrics.json is the script's output, so anything unexpected
in it is skipped, never an error.
"""

from __future__ import annotations

from typing import Any

MAX_LABEL = 40  # a group's value is the data's text: shown short, never a paragraph


def group_lines(groups: Any) -> list[str]:
    """One line per protected attribute; [] when the run measured none."""
    if not isinstance(groups, dict) or not isinstance(groups.get("columns"), dict):
        return []
    metric = str(groups.get("metric") or "score")
    lines = []
    for column, found in groups["columns"].items():
        if not isinstance(found, dict):
            continue
        if found.get("skipped"):
            lines.append(f"{_label(column)}: {_label(found['skipped'], 120)}")
            continue
        said = [_group(group, metric) for group in found.get("groups") or []]
        said = [words for words in said if words]
        if said:
            lines.append(f"{_label(column)}: " + "; ".join(said))
    return lines


def _group(group: Any, metric: str) -> str | None:
    """`female roc_auc 0.61, 22% predicted positive (actual 25%), n=140`."""
    if not isinstance(group, dict) or "group" not in group:
        return None
    try:
        rows = int(group.get("rows") or 0)
        score = _number(group.get("score"))
        if score == "n/a" and group.get("no_score"):  # "only one class present in y_true"
            why = str(group["no_score"]).split(".")[0][:60]
            score += f" ({why[:1].lower()}{why[1:]})"
        words = [f"{_label(group['group'])} {_label(metric)} {score}"]
        if "predicted_positive" in group:
            words.append(
                f"{float(group['predicted_positive']):.0%} predicted positive "
                f"(actual {float(group['actual_positive']):.0%})"
            )
        elif "mean_predicted" in group:
            words.append(
                f"mean prediction {float(group['mean_predicted']):.4g} "
                f"(actual {float(group['mean_actual']):.4g})"
            )
        elif "accuracy" in group:
            words.append(f"accuracy {float(group['accuracy']):.0%}")
    except (KeyError, TypeError, ValueError):  # the script's file, not ours
        return None
    words.append(f"n={rows}" + (", too few to judge" if group.get("too_few_rows") else ""))
    return ", ".join(words)


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "n/a"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.4g}"


def _label(value: Any, limit: int = MAX_LABEL) -> str:
    """A value from the data as one short printable line (these lines reach a chat's LLM)."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(value)).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."
