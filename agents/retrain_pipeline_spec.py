"""The retrain-pipeline-spec sub-skill: when to retrain, how, and what gates a new model."""

from __future__ import annotations

from ml_engineer.models import ExperimentConfig, FeatureSpec
from ml_engineer.models.mlops import MonitoringSpec, RetrainPipeline


def build_retrain_pipeline(
    spec: FeatureSpec, config: ExperimentConfig, monitoring: MonitoringSpec
) -> RetrainPipeline:
    primary = next(a for a in monitoring.metric_alerts if a.metric == config.metrics.primary)
    direction = "above" if primary.lower_is_better else "below"
    threshold = (
        f"{primary.metric} {direction} {primary.alert_at}"
        if primary.alert_at is not None
        else f"{primary.metric} worse than the naive baseline"
    )
    time_note = (
        f" (the split is by time on `{spec.split.time_column}`: retrain on the newest data and "
        "hold out the latest period)"
        if spec.split.time_column
        else ""
    )
    return RetrainPipeline(
        slug=spec.slug,
        triggers=[
            "Schedule: monthly, on the newest labelled data" + time_note,
            "Drift: PSI above 0.25 on any kept feature for 3 consecutive days, or a missing rate "
            "above its alert line",
            f"Performance: {threshold} in two consecutive weekly windows",
            "Change: the input schema or the feature spec changes (a revision approved upstream)",
        ],
        steps=[
            "Pull: the newest data with the columns of deployment-config.yaml `input_schema` and "
            f"the target `{spec.target.column}`",
            "Validate: reject the batch if a required column is absent or its type changed; "
            "report rows outside the schema",
            "Train: `python ml/training_script.py --config ml/experiment-config.yaml "
            "--output-dir ml/runs/<date>` (the same script and config that were approved)",
            "Evaluate: the new model's metrics.json on its held-out test part, beside the naive "
            "baseline and the serving model scored on the same rows",
        ],
        gates=[
            f"The new model beats the naive baseline on {config.metrics.primary}",
            f"It is no worse than the serving model on {config.metrics.primary} by more than "
            "1% relative, on the same held-out rows",
            "No metric among the secondary ones falls below its alert line",
            "A person approves if any gate is borderline or the feature spec changed",
        ],
        rollout=[
            "Shadow: score live traffic with both models for 3 days; compare predictions",
            "Canary: 10% of traffic for 2 days with the alerts of monitoring-spec.md",
            "Full: 100% when the canary raised no alert",
        ],
        rollback=[
            "Keep the previous model.joblib and its metrics.json beside the new one",
            f"Roll back at once if {threshold} or the error rate doubles during canary or the "
            "first week",
            "Rolling back is a pointer change in deployment-config.yaml `model.artifact`; no "
            "retraining",
        ],
    )
