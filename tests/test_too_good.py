"""Too good to be true: a check run that looks like a leak is shown to a person, never approved
by --yes. The rule on small metrics.json dicts (its figures are those measured on real data,
see ml_engineer/too_good.py), then the product on a planted leak."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ml_engineer.graphs.approval_summary import needs_a_person
from ml_engineer.too_good import too_good


def check_run(primary, model, baseline, drops, *, lower_is_better=False, **extra):
    """A check run's metrics.json as the script writes it: test scores of the model and the
    baseline, and the permutation importances (column -> drop of the primary metric)."""
    return {
        "task": extra.pop("task", "regression" if lower_is_better else "binary"),
        "primary_metric": primary,
        "lower_is_better": lower_is_better,
        "model": {"val": None, "test": model},
        "baseline": {"val": None, "test": baseline},
        "baseline_type": extra.pop("baseline_type", "DummyClassifier"),
        "importances": {
            "method": "permutation",
            "metric": primary,
            "top": [{"column": c, "drop": d, "std": 0.0} for c, d in drops.items()],
        },  # fmt: skip
        **extra,
    }


def test_a_flag_that_is_the_target_is_named():
    metrics = check_run(
        "roc_auc", {"roc_auc": 1.0, "average_precision": 1.0}, {"roc_auc": 0.5},
        {"claimed": 0.495, "age": 0.001, "income": 0.0},
    )  # fmt: skip
    verdict = too_good(metrics)
    assert verdict.columns == ["claimed"]
    assert verdict.scores == {"roc_auc": 1.0, "average_precision": 1.0}
    assert "`claimed` carries 100% of the input importance" in verdict.reason
    assert 'revise "drop claimed"' in verdict.warning


def test_the_target_minus_another_input_names_both_though_they_share_the_importance():
    # y = adjusted + 4 visits: shuffling either breaks the sum, so each holds all the gain.
    metrics = check_run(
        "rmse", {"rmse": 0.18, "r2": 0.9998}, {"rmse": 14.5, "r2": -0.01},
        {"visits": 23.0, "adjusted": 19.0, "tenure": 0.01}, lower_is_better=True,
    )  # fmt: skip
    verdict = too_good(metrics)
    assert verdict.columns == ["visits", "adjusted"]
    assert "(`adjusted` close behind)" in verdict.reason and "loses all" in verdict.reason


def test_a_near_perfect_score_spread_over_many_inputs_is_shown_to_a_person():
    # breast_cancer: AUC 0.994, no input alone matters (many measure the same thing). No leak
    # shows, and none is named; a person who knows the task is this easy approves it.
    drops = {"worst concavity": 0.0062, "worst smoothness": 0.0029, "mean compactness": 0.0014,
             "worst radius": 0.0006, "worst texture": 0.0006}  # fmt: skip
    verdict = too_good(check_run("roc_auc", {"roc_auc": 0.9936}, {"roc_auc": 0.5}, drops))
    assert verdict.columns == [] and verdict.scores == {"roc_auc": 0.9936}
    assert "spread over the inputs" in verdict.reason and "`worst concavity`" in verdict.reason
    assert "approve it yourself; --yes does not" in verdict.warning


def test_a_strong_honest_input_below_near_perfect_passes():
    # diamonds: R^2 0.982; carat is the strongest input but does not carry most of the model.
    metrics = check_run(
        "rmse", {"rmse": 536.7, "r2": 0.9821}, {"rmse": 4014.0, "r2": 0.0},
        {"carat": 3746.0, "y": 1785.0, "clarity": 1065.0, "color": 700.0}, lower_is_better=True,
    )  # fmt: skip
    assert too_good(metrics) is None


def test_a_perfect_multiclass_score_on_two_strong_inputs_names_no_single_leak():
    # penguins: balanced accuracy 1.0; island and bill length share the work.
    metrics = check_run(
        "f1_macro", {"f1_macro": 1.0, "balanced_accuracy": 1.0}, {"f1_macro": 0.21},
        {"island": 0.39, "bill_length_mm": 0.17, "sex": 0.04, "bill_depth_mm": 0.01},
        task="multiclass",
    )  # fmt: skip
    verdict = too_good(metrics)
    assert verdict.columns == [] and "spread over the inputs" in verdict.reason


def test_one_input_that_is_most_of_the_model_trips_without_a_perfect_score():
    # Benefits + a flag that is the target with 5 % of it flipped: AUC 0.968, 95 % of the model.
    metrics = check_run(
        "roc_auc", {"roc_auc": 0.968}, {"roc_auc": 0.5},
        {"claim_flag": 0.42, "age": 0.01, "tenure": 0.012},
    )  # fmt: skip
    verdict = too_good(metrics)
    assert verdict.columns == ["claim_flag"] and verdict.scores == {}


def test_an_honest_strong_driver_of_a_good_model_passes():
    # EmplUK: a firm's employment goes with its capital, 88 % of a model that closes 0.72 of the
    # way to perfect (R² 0.72): strong, not too good.
    metrics = check_run(
        "rmse", {"rmse": 2.659}, {"rmse": 5.015}, {"capital": 4.1, "output": 0.4, "wage": 0.15},
        lower_is_better=True, baseline_type="DummyRegressor",
    )  # fmt: skip
    assert too_good(metrics) is None


def test_an_honest_single_driver_of_a_noisy_outcome_passes():
    # Churn driven by tenure alone: tenure is the whole model, but a middling one (AUC 0.75).
    metrics = check_run(
        "roc_auc", {"roc_auc": 0.75}, {"roc_auc": 0.5}, {"tenure": 0.26, "plan": 0.004}
    )
    assert too_good(metrics) is None


def test_a_forecast_the_last_value_already_explains_is_known_easy():
    # co2: R^2 0.991, the last value alone 0.983; the series' own past carries the model.
    metrics = check_run(
        "rmse", {"rmse": 0.38, "r2": 0.9906}, {"rmse": 0.50, "r2": 0.9834},
        {"co2_lag_1": 5.08, "date": 0.25, "co2_mean_3": 0.04}, lower_is_better=True,
        forecast={"history": ["co2_lag_1", "co2_lag_2", "co2_lag_3", "co2_mean_3"]},
        baseline_type="LastValue",
    )  # fmt: skip
    assert too_good(metrics) is None


def test_a_forecasts_own_past_is_never_the_suspect():
    metrics = check_run(
        "rmse", {"rmse": 0.1, "r2": 0.995}, {"rmse": 1.0, "r2": 0.9},
        {"sales_lag_1": 2.0, "promo": 0.01}, lower_is_better=True,
        forecast={"history": ["sales_lag_1"]}, baseline_type="LastValue",
    )  # fmt: skip
    assert too_good(metrics) is None


def test_a_perfect_score_without_importances_is_shown_to_a_person():
    metrics = check_run("roc_auc", {"roc_auc": 0.999}, {"roc_auc": 0.5}, {})
    metrics["importances"] = {"skipped": "the Spark script does not measure input importances"}
    verdict = too_good(metrics)
    assert verdict.columns == [] and "no input importances" in verdict.reason


def test_r2_is_estimated_from_rmse_when_not_reported():
    metrics = check_run(
        "rmse", {"rmse": 1.0}, {"rmse": 20.0}, {"leak": 25.0, "x": 0.5},
        lower_is_better=True, baseline_type="DummyRegressor",
    )  # fmt: skip
    assert too_good(metrics).scores == {"r2": pytest.approx(0.9975)}


def test_a_malformed_metrics_file_is_no_verdict_and_no_error():
    assert too_good({"model": "x", "importances": {"top": [{"column": "a"}, "b"]}}) is None
    assert too_good(None) is None


def test_needs_a_person_gives_the_reason():
    metrics = check_run("roc_auc", {"roc_auc": 1.0}, {"roc_auc": 0.5}, {"flag": 0.5})
    summary = {"validation_status": "passed", "beats_baseline": True,
               "too_good": too_good(metrics).model_dump()}  # fmt: skip
    assert "`flag` carries 100%" in needs_a_person(summary)
    assert needs_a_person({**summary, "too_good": None}) is None


# --- the product ---------------------------------------------------------------------------------


def cli(cwd, *args):
    proc = subprocess.run(
        [sys.executable, "-m", "ml_engineer", *args], capture_output=True, text=True,
        timeout=300, stdin=subprocess.DEVNULL, cwd=cwd,
    )  # fmt: skip
    return proc, [json.loads(line) for line in proc.stdout.splitlines()]


def test_a_planted_leak_is_shown_at_approval_and_yes_does_not_approve_it(tmp_path):
    # `adjusted` = spend - 4 visits - 3 tenure: past the planner's checks (its association with
    # spend is weak, its name neutral, and no two columns rebuild the target), but with visits
    # and tenure it rebuilds the target exactly.
    rng = np.random.default_rng(0)
    n = 400
    shop = pd.DataFrame({"visits": rng.poisson(20, n).astype(float),
                         "tenure": rng.uniform(0, 10, n),
                         "region": rng.choice(["north", "south", "east"], n)})  # fmt: skip
    shop["spend"] = (30 + 2 * shop.visits + 3 * shop.tenure + rng.normal(0, 8, n)).round(2)
    shop["adjusted"] = (shop.spend - 4 * shop.visits - 3 * shop.tenure).round(2)
    shop.to_csv(tmp_path / "shop.csv", index=False)

    proc, events = cli(tmp_path, "run", "shop.csv", "--target", "spend", "--no-mlops", "--json")
    assert proc.returncode == 0, proc.stderr
    approval = events[-1]
    assert approval["event"] == "approval"
    flagged = approval["summary"]["too_good"]
    assert "adjusted" in flagged["columns"] and flagged["scores"]["r2"] > 0.99
    assert "`adjusted`" in flagged["warning"] and "too good to be true" in proc.stderr

    proc, events = cli(tmp_path, *approval["answer"]["approve"].split()[1:-2], "--yes", "--json")
    assert proc.returncode == 8, proc.stdout + proc.stderr
    paused = events[-1]
    assert paused["event"] == "paused" and "`adjusted`" in paused["reason"]
    assert not (tmp_path / "output" / "shop" / "mlops").exists()


def test_a_perfect_score_on_a_handful_of_test_rows_says_it_may_be_chance():
    # spector: 32 students leave 5 to test on; ROC AUC 1.0 there is weak evidence.
    drops = {"GPA": 0.2, "PSI": 0.15, "TUCE": 0.1}
    scores = {"roc_auc": 1.0, "average_precision": 1.0}
    few = too_good(check_run("roc_auc", scores, {"roc_auc": 0.5}, drops, rows={"test": 5}))
    assert "only 5 rows" in few.warning and "may be chance" in few.warning
    many = too_good(check_run("roc_auc", scores, {"roc_auc": 0.5}, drops, rows={"test": 500}))
    assert "may be chance" not in many.warning
