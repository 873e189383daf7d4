"""How the target is treated: a long-tailed regression target learnt as log(1 + y), and a
binary model's decision threshold tuned for F1. Planned from the profile, run for real."""

from __future__ import annotations

import numpy as np
import pandas as pd
from script_fixtures import load_and_predict, make_config, train

from ml_engineer.models import NumericStats, SearchSection
from ml_engineer.planning.experiment import plan_experiment
from ml_engineer.planning.planner import PlanRequest


def long_tailed(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """Claim amounts: multiplicative effects, so the target's right tail is long."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    region = rng.choice(["north", "south", "east"], n)
    log_amount = 5 + 0.9 * a - 0.6 * b + 0.5 * (region == "east") + rng.normal(0, 0.4, n)
    return pd.DataFrame({"a": a, "b": b, "region": region, "amount": np.expm1(log_amount)})


def rare_positives(n: int = 3000, seed: int = 1) -> pd.DataFrame:
    """About 6 % positives, weakly separated: at a 0.5 cut the model rarely says yes."""
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=n), rng.normal(size=n)
    logit = -3.6 + 1.1 * x + 0.6 * z
    label = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "fraud", "ok")
    return pd.DataFrame({"x": x, "z": z, "label": label})


def test_a_log_target_model_predicts_on_the_target_scale(tmp_path):
    frame = long_tailed()
    frame.to_csv(tmp_path / "data.csv", index=False)
    config = make_config(
        target="amount", task="regression", model_type="hist_gradient_boosting",
        features={"numeric": ["a", "b"], "categorical": ["region"]}, primary="rmse",
        split={"strategy": "random", "stratify": False},
    )  # fmt: skip
    config.model.target_transform = "log1p"
    run = train(tmp_path / "ml", config, "--data", str(tmp_path / "data.csv"))
    metrics = run.metrics
    assert metrics["beats_baseline"] is True
    assert metrics["model_label"] == "hist_gradient_boosting on log(1 + target)"
    assert "on log(1 + target)" in run.process.stdout
    # Predictions come back on the amount's scale, not the log's (about 5 there).
    predicted = load_and_predict(run, tmp_path / "data.csv", "amount")
    assert predicted["n_predictions"] == len(frame)
    assert metrics["model"]["test"]["rmse"] < frame["amount"].std()


def test_the_search_measures_the_log_target_and_says_which_it_chose(tmp_path):
    frame = long_tailed(seed=3)
    frame.to_csv(tmp_path / "data.csv", index=False)
    config = make_config(
        target="amount", task="regression", model_type="ridge",
        features={"numeric": ["a", "b"], "categorical": ["region"]}, primary="mae",
        split={"strategy": "random", "stratify": False},
    )  # fmt: skip
    logged = config.model.model_copy(update={"target_transform": "log1p"})
    config.search = SearchSection(folds=3, alternatives=[logged])
    metrics = train(tmp_path / "ml", config, "--data", str(tmp_path / "data.csv")).metrics
    labels = [t["label"] for t in metrics["search"]["tried"]]
    assert labels == ["ridge", "ridge on log(1 + target)"]
    scores = [t["score"] for t in metrics["search"]["tried"]]
    # A linear model of a multiplicative target: the log scale fits it far better (MAE).
    assert scores[1] < scores[0] * 0.9
    assert metrics["model_label"] == "ridge on log(1 + target)"


def test_a_tuned_threshold_raises_f1_on_rare_positives(tmp_path):
    frame = rare_positives()
    frame.to_csv(tmp_path / "data.csv", index=False)
    f1 = {}
    for threshold in (None, "tuned"):
        config = make_config(
            target="label", task="binary", model_type="logistic_regression", primary="f1",
            features={"numeric": ["x", "z"]}, positive_class="fraud",
        )  # fmt: skip
        config.model.threshold = threshold
        run = train(tmp_path / f"ml-{threshold}", config, "--data", str(tmp_path / "data.csv"))
        f1[threshold] = run.metrics["model"]["test"]["f1"]
        predicted = load_and_predict(run, tmp_path / "data.csv", "label")
        assert predicted["proba_shape"] == [len(frame), 2]
    assert f1["tuned"] > f1[None] + 0.1, f1


def test_a_wrong_target_treatment_is_one_line_and_exit_2(tmp_path):
    rare_positives(300).to_csv(tmp_path / "data.csv", index=False)
    config = make_config(
        target="label", task="binary", model_type="logistic_regression", primary="roc_auc",
        features={"numeric": ["x", "z"]},
    )  # fmt: skip
    config.model.target_transform = "log1p"
    run = train(tmp_path / "ml", config, "--data", str(tmp_path / "data.csv"))
    assert run.process.returncode == 2
    assert "Traceback" not in run.process.stderr
    assert "model.target_transform applies to a regression target" in run.process.stderr


def test_the_planner_measures_a_log_target_for_a_long_tail_only():
    from test_planner import col, plan, profile

    def amount(skew, low):
        return col("amount", stats=NumericStats(min=low, max=9e4, skew=skew))

    # Without a skew in the profile, Pearson's from mean, median and spread: diamonds' prices.
    pearson = col("amount", stats=NumericStats(min=326, mean=3933, q50=2401, std=3989))
    cases = ((amount(4.2, 0.0), True), (amount(0.3, 0.0), False), (amount(4.2, -10.0), False),
             (pearson, True))  # fmt: skip
    for target, expected in cases:
        spec = plan(profile(col("a"), col("b"), target), "predict the amount", target="amount")
        assert spec.goal.task.value == "regression"
        assert spec.target.skewed is expected
        spec.goal.primary_metric = "mae"
        config = plan_experiment(spec, PlanRequest(slug="t"))
        logged = [m for m in config.search.alternatives if m.target_transform == "log1p"]
        assert bool(logged) is expected
        if expected:  # the planner's own family, first in line
            assert config.search.alternatives[0] is logged[0]
            assert logged[0].type == config.model.type
            # Judged on RMSE, the mean matters, which a model of the log does not predict.
            spec.goal.primary_metric = "rmse"
            config = plan_experiment(spec, PlanRequest(slug="t"))
            assert not [m for m in config.search.alternatives if m.target_transform]


def test_the_planner_tunes_the_threshold_for_f1_only():
    from test_planner import cat, col, plan, profile

    fraud = cat("fraud", {"no": 4700, "yes": 300})
    for metric, tuned in (("f1", True), ("roc_auc", False)):
        spec = plan(profile(col("x"), fraud), "predict fraud")
        spec.goal.primary_metric = metric
        config = plan_experiment(spec, PlanRequest(slug="t"))
        assert (config.model.threshold == "tuned") is tuned
        assert all((m.threshold == "tuned") is tuned for m in config.search.alternatives)
