"""Rendering `experiment-config.yaml`: the single source of truth the training script reads.

Values are dumped by `yaml.safe_dump`, so any string from the data is quoted as YAML requires;
the comments are ours alone and never include data.
"""

from __future__ import annotations

import yaml

from ml_engineer.models import ExperimentConfig

_DERIVED_COMMENT = (
    "`derived` lists new numeric inputs the pipeline computes first from the raw columns\n"
    "(op: ratio, difference, product, log, bins, date_part, days_between, frequency,\n"
    "text_length); bin edges and value shares are learnt on the training rows only."
)
_SECTION_COMMENTS = {
    "data": (
        "Where the data is and how it is used. `path` is relative to this file's folder; the\n"
        "environment variable named by `path_env`, or the script's --data flag, overrides it.\n"
        "`features` groups the input columns by treatment (one pipeline branch per group);\n"
        "`drop` lists excluded columns (reasons in feature-spec.md). `sep` and `encoding` are\n"
        "the CSV file's field separator and text encoding, as found in the file."
    ),
    "preprocessing": "Encoding limits shared by every column of a group.",
    "model": "The estimator and its parameters, passed to scikit-learn as written.",
    "search": (
        "Before training, the script scores `model`, each alternative, the blend of the best\n"
        "`blend_top` and `n_iter` random draws of the best family on the primary metric (k-fold\n"
        "CV on train+val, or the val part when `folds` is empty), and keeps the best. Counts,\n"
        "not seconds, bound it: reruns choose alike. `max_seconds` only stops a runaway."
    ),
    "metrics": "Scored on validation and on the held-out test part, beside a naive baseline.",
    "logging": "Experiment tracking: none writes metrics.json only; mlflow logs there too.",
    "validation": "Bounds for ml-engineer's own check run of the script (a sample when large).",
    "seed": "One seed for the split, the model and any sampling, so reruns agree.",
}


def render_experiment_config(config: ExperimentConfig) -> str:
    header = (
        "# experiment-config.yaml, written by ml-engineer.\n"
        "# Run: python training_script.py --config experiment-config.yaml "
        "--output-dir runs/latest\n"
    )
    parts = [header]
    for key, value in config.model_dump(mode="json").items():
        if value is None:  # an optional section left out (no search: the model is fixed)
            continue
        comment = "\n".join(f"# {line}" for line in _section_comment(key, config).splitlines())
        if key == "data":
            value = _data_section(config)
        body = yaml.safe_dump(
            {key: value}, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
        )
        parts.append(f"\n{comment}\n{body}")
    return "".join(parts)


def _section_comment(key: str, config: ExperimentConfig) -> str:
    if key == "data" and config.data.derived:
        return _SECTION_COMMENTS[key] + "\n" + _DERIVED_COMMENT
    return _SECTION_COMMENTS[key]


def _data_section(config: ExperimentConfig) -> dict:
    """The data section, with `derived` only when there are some: a config without derived
    features is written exactly as before they existed. Unset parameters are left out."""
    data = config.data.model_dump(mode="json")
    if config.data.derived:  # replaced in place, so the key keeps its place after `features`
        data["derived"] = [
            d.model_dump(mode="json", exclude_none=True) for d in config.data.derived
        ]
    else:
        del data["derived"]
    return data


def load_experiment_config(text: str) -> ExperimentConfig:
    """Parse a written config back into the model (used to check what was written)."""
    return ExperimentConfig.model_validate(yaml.safe_load(text))
