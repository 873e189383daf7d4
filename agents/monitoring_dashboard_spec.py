"""The monitoring-dashboard-spec sub-skill: what to watch once the model serves.

Drift baselines are the profile's own statistics for each kept feature; metric thresholds sit
between the validated score and the naive baseline, so an alert means the model is losing the
margin it was approved for. With a model configured, an LLM agent may choose the columns the
drift panel shows first, state the label delay and add panels; baselines and alert lines stay
computed.
"""

from __future__ import annotations

from ml_engineer.agents.mlops_reader import MLOpsReader, chosen_by
from ml_engineer.agents.prompts import system_prompt
from ml_engineer.agents.tool_loop import AgentResult, AgentSession, WriteTool, run_agent
from ml_engineer.chosen_model import chosen_model
from ml_engineer.models import ColumnKind, DataProfile, ExperimentConfig, FeatureSpec, Treatment
from ml_engineer.models.mlops import DriftBaseline, MetricAlert, MonitoringSpec
from ml_engineer.models.mlops_proposals import MonitoringProposal
from ml_engineer.planning.mlops_checks import review_monitoring_proposal
from ml_engineer.render.markdown_filters import code
from ml_engineer.validation import ValidationResult

NODE = "monitoring_dashboard_spec"
WRITE = "write_monitoring_plan"

LOWER_IS_BETTER = {"rmse", "mae", "log_loss", "mape"}
WARN_SHARE, ALERT_SHARE = 0.25, 0.50  # of the margin over the baseline that may be lost
PSI_WARN, PSI_ALERT = 0.10, 0.25
MISSING_ALERT_POINTS = 0.10


def build_monitoring_spec(
    spec: FeatureSpec, config: ExperimentConfig, profile: DataProfile, result: ValidationResult
) -> MonitoringSpec:
    metrics = result.metrics or {}
    model_test = (metrics.get("model") or {}).get("test") or {}
    baseline_test = (metrics.get("baseline") or {}).get("test") or {}
    names = [config.metrics.primary, *config.metrics.secondary]
    alerts = [_metric_alert(n, model_test.get(n), baseline_test.get(n)) for n in names]
    drift = [_drift(c.name, c.treatment, profile, spec.split.time_column) for c in spec.kept]
    return MonitoringSpec(
        slug=spec.slug,
        model=chosen_model(config, result).described(),
        task=spec.goal.task.value,
        primary_metric=config.metrics.primary,
        metric_alerts=alerts,
        drift=drift,
        prediction_baseline=_prediction_baseline(spec, profile),
        label_delay_note=label_delay_note(spec.target.column),
        dashboard=[
            f"Quality: {config.metrics.primary} per week with the warn and alert lines, beside "
            "the naive baseline",
            "Traffic: requests per minute, rows scored, error rate, p50/p95 latency",
            "Predictions: the distribution of predicted classes or values against training",
            _drift_panel([]),
            "Data contract: rows rejected by the input schema, by column and reason",
        ],
    )


def choose_monitoring(
    monitoring: MonitoringSpec,
    spec: FeatureSpec,
    config: ExperimentConfig,
    result: ValidationResult | None,
    session: AgentSession | None,
) -> AgentResult | None:
    """Let the agent adjust `monitoring` in place; None without a model."""
    if session is None:
        return None
    agent = run_agent(
        session,
        node=NODE,
        system=system_prompt(NODE),
        task=(
            # No column name here: names are data, and reach the model only inside <data>.
            f"Plan what the monitoring dashboard of the approved model ({len(monitoring.drift)} "
            "inputs on the drift panel; design_summary names its target) shows first and when "
            f"its labels arrive; read what you need, then call {WRITE}."
        ),
        reads=MLOpsReader(spec, config, result).monitoring_tools(monitoring),
        write=WriteTool(
            WRITE,
            "Set the columns to watch first, the label delay and the panels you add.",
            MonitoringProposal,
            lambda p: review_monitoring_proposal(p, spec, monitoring),
        ),
    )
    proposal = agent.proposal
    if proposal is None:  # the planner's deliverable, saying why the agent did not decide
        monitoring.agent_notes = list(agent.notes)
        return agent
    if proposal.watch_first:
        first = {name: i for i, name in enumerate(proposal.watch_first)}
        monitoring.drift.sort(key=lambda d: first.get(d.column, len(first)))
        panels = monitoring.dashboard
        at = next((i for i, p in enumerate(panels) if p.startswith("Drift:")), len(panels))
        panels[at : at + 1] = [_drift_panel(proposal.watch_first)]
    if proposal.label_delay_days is not None:
        monitoring.label_delay_note = label_delay_note(
            spec.target.column, proposal.label_delay_days
        )
    monitoring.dashboard.extend(proposal.extra_panels)
    agent.notes.insert(0, chosen_by(session.model_name, proposal.reason))
    monitoring.agent_notes = list(agent.notes)
    return agent


def label_delay_note(target: str, days: int | None = None) -> str:
    """When quality can be measured: the labels' delay in words (None: not known)."""
    if days is None:
        return (
            f"Quality metrics need the true `{target}`, which arrives after the prediction: "
            "compute them weekly on the predictions whose labels have arrived, and watch drift "
            "(which needs no labels) daily in the meantime."
        )
    if days == 0:
        return (
            f"Quality metrics need the true `{target}`, which arrives the same day as the "
            "prediction: compute them weekly on the scored rows, each week's figure complete "
            "when the week ends, and watch drift (which needs no labels) daily beside them."
        )
    words = _delay_words(days)
    exact = f" ({days} days)" if words.startswith("about") else ""
    return (
        f"Quality metrics need the true `{target}`, which arrives {words} after the "
        f"prediction{exact}: compute them weekly on the predictions whose labels have arrived, "
        f"each week's figure complete {words} after the week ends, and watch drift (which needs "
        "no labels) daily in the meantime."
    )


def _delay_words(days: int) -> str:
    if days < 7:
        return "a day" if days == 1 else f"{days} days"
    if days <= 10:
        return "about a week"
    if days <= 24:
        return f"about {round(days / 7)} weeks"
    if days <= 45:
        return "about a month"
    if days <= 319:
        return f"about {round(days / 30)} months"
    return "about a year"


def _drift_panel(first: list[str]) -> str:
    if not first:
        return "Drift: PSI per feature (top 20 by importance or by PSI), missing rate per feature"
    names = ", ".join(code(name) for name in first)
    return (
        f"Drift: PSI per feature, first {names}, then the top 20 by importance or by PSI; "
        "missing rate per feature"
    )


def _metric_alert(name: str, validated: float | None, baseline: float | None) -> MetricAlert:
    lower = name in LOWER_IS_BETTER
    if validated is None or baseline is None:
        return MetricAlert(
            metric=name, baseline=baseline, validated=validated, warn_at=None, alert_at=None,
            lower_is_better=lower,
        )  # fmt: skip
    margin = validated - baseline  # negative for lower-is-better metrics that beat the baseline
    if (margin >= 0) if lower else (margin <= 0):
        # The model does not beat the naive baseline on this metric: no line to defend.
        return MetricAlert(
            metric=name, baseline=baseline, validated=validated, warn_at=None, alert_at=None,
            lower_is_better=lower, note="not alerted: the model does not beat the naive baseline",
        )  # fmt: skip
    return MetricAlert(
        metric=name,
        baseline=baseline,
        validated=validated,
        warn_at=round(validated - WARN_SHARE * margin, 4),
        alert_at=round(validated - ALERT_SHARE * margin, 4),
        lower_is_better=lower,
    )


def _drift(
    name: str, treatment: Treatment | None, profile: DataProfile, time_column: str | None
) -> DriftBaseline:
    col = profile.column(name)
    missing = col.missing_fraction if col else None
    if name == time_column:  # the time axis moves forward by design: drift would always fire
        return DriftBaseline(
            column=name, kind="numeric", baseline="the split's time axis", missing_rate=missing,
            test="none: new periods are expected", warn="a gap of more than one period",
            alert="rows older than the training data's newest period",
        )  # fmt: skip
    numeric = treatment in (Treatment.numeric, Treatment.datetime) or (
        col is not None and col.kind == ColumnKind.numeric
    )
    if numeric and col is not None and col.stats is not None:
        s = col.stats
        parts = [
            f"{label} {value:.4g}"
            for label, value in (("mean", s.mean), ("std", s.std), ("q25", s.q25),
                                 ("median", s.q50), ("q75", s.q75), ("min", s.min), ("max", s.max))
            if value is not None
        ]  # fmt: skip
        baseline = ", ".join(parts) or "the training data's quantiles"
    elif col is not None and col.top_values:
        total = sum(tv.count for tv in col.top_values) or 1
        baseline = ", ".join(f"{tv.value} {tv.count / total:.1%}" for tv in col.top_values[:8])
        baseline = f"shares of the top values: {baseline}"
    else:
        baseline = "the training data's distribution (the profile holds no statistics)"
    return DriftBaseline(
        column=name,
        kind="numeric" if numeric else "categorical",
        baseline=baseline,
        missing_rate=missing,
        test="PSI over 10 quantile bins of training" if numeric else "PSI over the top levels",
        warn=f"PSI > {PSI_WARN}",
        alert=f"PSI > {PSI_ALERT}"
        + (
            f", or missing rate above {missing + MISSING_ALERT_POINTS:.0%}"
            if missing is not None
            else ""
        ),
    )


def _prediction_baseline(spec: FeatureSpec, profile: DataProfile) -> str:
    counts = spec.target.class_counts
    if counts:
        total = sum(counts.values()) or 1
        shares = ", ".join(f"{k} {v / total:.1%}" for k, v in counts.items())
        return f"class shares in training: {shares}; alert when a share moves by 10 points"
    col = profile.column(spec.target.column)
    if col is not None and col.stats is not None and col.stats.mean is not None:
        std = f", std {col.stats.std:.4g}" if col.stats.std is not None else ""
        return (
            f"target mean {col.stats.mean:.4g}{std} in training; alert when the mean prediction "
            "moves by more than half a standard deviation"
        )
    return "the distribution of the first week's predictions (no training statistics known)"
