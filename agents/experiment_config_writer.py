"""The experiment-config-writer sub-skill: writes the config the script reads."""

from __future__ import annotations

from ml_engineer.models import ExperimentConfig
from ml_engineer.render.experiment_config import load_experiment_config, render_experiment_config


def write_experiment_config(config: ExperimentConfig) -> str:
    text = render_experiment_config(config)
    # Parse what was rendered: the file on disk must mean exactly the validated model.
    if load_experiment_config(text) != config:
        raise AssertionError("experiment-config.yaml does not round-trip to its model")
    return text
