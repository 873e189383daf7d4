"""Rendering the MLOps deliverables from their validated models."""

from __future__ import annotations

import textwrap

import yaml

from ml_engineer.models.mlops import DeploymentConfig, MetricAlert, MonitoringSpec, RetrainPipeline
from ml_engineer.render.jinja_env import comment, markdown_environment

_DEPLOYMENT_HEADER = """\
# deployment-config.yaml, written by ml-engineer from the approved ML design.
# service: how the model is exposed; model: which artifact and how it loads;
# environment: the packages it was built with; resources: a starting point to tune;
# input_schema: the columns the model uses, their types and the ranges seen in training
# (requests outside them are logged and scored, or rejected when required is true and absent).
"""


def render_deployment_config(config: DeploymentConfig) -> str:
    body = yaml.safe_dump(
        config.model_dump(mode="json", exclude_none=True),
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return _DEPLOYMENT_HEADER + _comment_lines(config.agent_notes) + body


def _comment_lines(notes: list[str]) -> str:
    """Each note as `#` comment lines, wrapped; line breaks in it become spaces, so no note
    can end its comment and become YAML."""
    lines: list[str] = []
    for note in notes:
        wrapped = textwrap.wrap(comment(note, max_chars=2000), width=96) or [""]
        lines += [f"# {wrapped[0]}", *(f"#   {rest}" for rest in wrapped[1:])]
    return "".join(f"{line}\n" for line in lines)


def render_monitoring_spec(spec: MonitoringSpec) -> str:
    return (
        markdown_environment()
        .get_template("monitoring_spec.md.j2")
        .render(m=spec, num=_num, bound=_bound, pct=_pct)
    )


def render_retrain_pipeline(pipeline: RetrainPipeline) -> str:
    return markdown_environment().get_template("retrain_pipeline.md.j2").render(r=pipeline)


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _bound(alert: MetricAlert, value: float | None) -> str:
    if value is None:
        return alert.note or "set after the first training run"
    return f"{'>' if alert.lower_is_better else '<'} {value:.4g}"


def _pct(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.1%}"
