"""The monitoring-dashboard-spec sub-skill: what to watch once the model serves.

Drift baselines are the profile's own statistics for each kept feature; metric thresholds sit
between the validated score and the naive baseline, so an alert means the model is losing the
margin it was approved for.
"""

from __future__ import annotations

from ml_engineer.models import ColumnKind, DataProfile, ExperimentConfig, FeatureSpec, Treatment
from ml_engineer.models.mlops import DriftBaseline, MetricAlert, MonitoringSpec
from ml_engineer.validation import ValidationResult

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
        task=spec.goal.task.value,
        primary_metric=config.metrics.primary,
        metric_alerts=alerts,
        drift=drift,
        prediction_baseline=_prediction_baseline(spec, profile),
        label_delay_note=(
            f"Quality metrics need the true `{spec.target.column}`, which arrives after the "
            "prediction: compute them weekly on the predictions whose labels have arrived, and "
            "watch drift (which needs no labels) daily in the meantime."
        ),
        dashboard=[
            f"Quality: {config.metrics.primary} per week with the warn and alert lines, beside "
            "the naive baseline",
            "Traffic: requests per minute, rows scored, error rate, p50/p95 latency",
            "Predictions: the distribution of predicted classes or values against training",
            "Drift: PSI per feature (top 20 by importance or by PSI), missing rate per feature",
            "Data contract: rows rejected by the input schema, by column and reason",
        ],
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
