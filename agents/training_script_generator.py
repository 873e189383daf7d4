"""The training-script-generator sub-skill: chooses the model and renders the script."""

from __future__ import annotations

from ml_engineer.models import ExperimentConfig, FeatureSpec
from ml_engineer.planning.experiment import plan_experiment
from ml_engineer.planning.planner import PlanRequest
from ml_engineer.render.training_script import render_training_script


def generate_training_script(
    spec: FeatureSpec, request: PlanRequest
) -> tuple[ExperimentConfig, str]:
    config = plan_experiment(spec, request)
    return config, render_training_script(spec, config)
