"""Rendering `feature-spec.md` from a validated `FeatureSpec`."""

from __future__ import annotations

from ml_engineer import __version__
from ml_engineer.models import FeatureSpec, TaskType
from ml_engineer.render.jinja_env import markdown_environment

_TASK_LABELS = {
    TaskType.binary: "binary classification",
    TaskType.multiclass: "multiclass classification",
    TaskType.regression: "regression",
}
_BASELINE = {
    TaskType.binary: "always predict the training class mix",
    TaskType.multiclass: "always predict the training class mix",
    TaskType.regression: "always predict the training mean",
}


def render_feature_spec(
    spec: FeatureSpec, *, seed: int = 42, validation_line: str | None = None
) -> str:
    task = spec.goal.task
    label = _TASK_LABELS[task]
    if spec.goal.forecasting:
        label += " (forecast: rows ordered in time)"
    return (
        markdown_environment()
        .get_template("feature_spec.md.j2")
        .render(
            spec=spec,
            version=__version__,
            task_label=label,
            baseline_label=_BASELINE[task],
            seed=seed,
            constraint_lines=_constraint_lines(spec, validation_line),
        )
    )


def _constraint_lines(spec: FeatureSpec, validation_line: str | None) -> list[str]:
    lines: list[str] = []
    leaks = [c for c in spec.excluded if c.reason.startswith("leakage")]
    if leaks:
        lines.append(
            "Leakage risks excluded: "
            + ", ".join(f"`{c.name}`" for c in leaks)
            + " (reasons in the table above)."
        )
    else:
        lines.append("Leakage: no column was found to leak the target by name, flag or data test.")
    lines.extend(spec.risks)
    if spec.imbalance_note:
        lines.append(spec.imbalance_note)
    elif spec.goal.task != TaskType.regression:
        lines.append("Class balance: no reweighting needed.")
    lines.extend(spec.notes)
    if validation_line:
        lines.append(validation_line)
    if spec.analyst_quality_notes:
        lines.append(
            "The analyst's data-quality notes, as written: "
            + " / ".join(note.rstrip(". ") for note in spec.analyst_quality_notes)
            + "."
        )
    if spec.unread_fields:
        shown = ", ".join(spec.unread_fields[:12])
        more = f" and {len(spec.unread_fields) - 12} more" if len(spec.unread_fields) > 12 else ""
        lines.append(f"Profile fields that were not understood and not used: {shown}{more}.")
    return lines
