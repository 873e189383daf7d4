"""Render training_script.py: a standalone script driven by experiment-config.yaml.

The script reads every decision (columns, target, split, model, metrics) from the YAML at run
time; the template bakes in only a descriptive header, where untrusted text passes through the
`comment` and `pyrepr` filters.
"""

from __future__ import annotations

import textwrap

from ml_engineer.chosen_model import ModelChoice, read_choice
from ml_engineer.models import ExperimentConfig, FeatureSpec
from ml_engineer.render.jinja_env import comment, python_environment

# One template per framework. PyTorch extends the scikit-learn one (the same data checks, split,
# metrics and saved pipeline, another model), and so do LightGBM and XGBoost through the
# early-stopping wrapper they share (training_script_boosting.py.j2); Spark is its own.
TEMPLATES = {
    "sklearn": "training_script.py.j2",
    "lightgbm": "training_script_lightgbm.py.j2",
    "xgboost": "training_script_xgboost.py.j2",
    "pytorch": "training_script_pytorch.py.j2",
    "spark": "training_script_spark.py.j2",
}
MAX_EXCLUDED_LISTED = 30
HEADER_WIDTH = 94  # after "#   ": no header line passes 100 characters


def render_training_script(
    spec: FeatureSpec, config: ExperimentConfig, model: ModelChoice | None = None
) -> str:
    """The script; `model`: what its check run chose, for the header (None: not yet run)."""
    model = model or read_choice(config.model.type, config.model.params, None)
    features = config.data.features
    groups = [
        (group, names)
        for group, names in (
            ("numeric", features.numeric),
            ("categorical", features.categorical),
            ("high_cardinality", features.high_cardinality),
            ("boolean", features.boolean),
            ("datetime", features.datetime),
            ("text", features.text),
        )
        if names
    ]
    excluded = [column.name for column in spec.excluded][:MAX_EXCLUDED_LISTED]
    source = (
        python_environment()
        .get_template(TEMPLATES[config.model.framework])
        .render(
            spec=spec,
            config=config,
            groups=groups,
            excluded=excluded,
            derived=config.data.derived,
            protected=config.data.protected,  # the per-group results are in the script only then
            model=model,
            model_notes=_search_notes(model),
        )
    )
    # A template bug must fail here, not in the user's first run.
    compile(source, "training_script.py", "exec")
    return source


def _search_notes(model: ModelChoice) -> list[str]:
    """The check run's search as header lines: the model's rivals and their scores."""
    line = model.search_line()
    if not line:
        return []
    return textwrap.wrap(comment(f"Check run: {line}", max_chars=2000), width=HEADER_WIDTH)
