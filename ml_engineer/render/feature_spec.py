"""Rendering `feature-spec.md` from a validated `FeatureSpec`."""

from __future__ import annotations

from ml_engineer import __version__
from ml_engineer.models import DerivedFeature, DerivedOp, FeatureSpec, TaskType
from ml_engineer.models.derived import BINS_DEFAULT
from ml_engineer.render.jinja_env import markdown_environment
from ml_engineer.render.markdown_filters import code, md
from ml_engineer.spec_block import with_block

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
    text = (
        markdown_environment()
        .get_template("feature_spec.md.j2")
        .render(
            spec=spec,
            version=__version__,
            task_label=label,
            baseline_label=_BASELINE[task],
            seed=seed,
            constraint_lines=_constraint_lines(spec, validation_line),
            derived_rows=[(d, operation_words(d)) for d in spec.derived],
            preprocessing_order=_preprocessing_order(spec),
            data_file=_data_file_words(spec),
        )
    )
    # The sub-skills run alone read the design from this block, never from the prose.
    return with_block(text, spec, seed)


_SEPARATOR_WORDS = {"\t": "tabs", ";": "semicolons", "|": "`|`"}


def _data_file_words(spec: FeatureSpec) -> str:
    """How the CSV file is written, said where a reader would assume UTF-8 and commas: other
    tools (and people) must read it alike. Markdown-safe: the values may have been edited."""
    if not spec.data_available or spec.data_format != "csv":
        return ""
    parts, keys = [], []
    if spec.data_encoding.lower() not in ("utf-8", "utf-8-sig"):
        parts.append(f"text encoded in {md(spec.data_encoding)}, not UTF-8")
        keys.append("`data.encoding`")
    if spec.data_sep != ",":
        keys.append("`data.sep`")
        parts.append(
            "fields separated by " + _SEPARATOR_WORDS.get(spec.data_sep, code(spec.data_sep))
        )
    if not parts:
        return ""
    return f" ({'; '.join(parts)}: {' and '.join(keys)} in experiment-config.yaml)"


_OPERATIONS = {
    DerivedOp.ratio: "ratio, first / second (a zero divisor gives missing)",
    DerivedOp.difference: "difference, first - second",
    DerivedOp.product: "product, first × second",
    DerivedOp.log: "log(1 + x) (a negative value gives missing)",
    DerivedOp.days_between: "days from the first date to the second",
    DerivedOp.frequency: "share of training rows with the same value (unseen values: 0)",
    DerivedOp.text_length: "length in characters (missing: 0)",
}
_DATE_PARTS = {"dayofweek": "day of week (Monday = 0)", "dayofyear": "day of year"}


def operation_words(feature: DerivedFeature) -> str:
    """What a derived feature computes, in words a reviewer reads without the code."""
    if feature.op == DerivedOp.bins:
        return (
            f"quantile bin number, {feature.bins or BINS_DEFAULT} bins with edges learnt on the "
            "training rows"
        )
    if feature.op == DerivedOp.date_part:
        part = feature.part or "?"
        return f"date part: {_DATE_PARTS.get(part, part)}"
    return _OPERATIONS[feature.op]


def _preprocessing_order(spec: FeatureSpec) -> list[str]:
    """The planner's steps, with the derive step after type coercion when there is one.

    Added here rather than by the planner, because derived features join the spec after it."""
    steps = list(spec.preprocessing_order)
    if not spec.derived:
        return steps
    at = next((i + 1 for i, s in enumerate(steps) if s.startswith("Coerce types")), len(steps))
    steps.insert(
        at,
        f"Derived features ({len(spec.derived)}, listed above): computed from the raw columns as "
        "the first step of the pipeline (bin edges and value shares learnt on train only), then "
        "imputed with the median and standard-scaled like the numeric columns",
    )
    return steps


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
    lines.extend(note for notes in spec.agent_notes.values() for note in notes)
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
