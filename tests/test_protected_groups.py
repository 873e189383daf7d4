"""Results per group of a protected attribute (data.protected): the generated script, run for
real, scores the test part per group, and the approval shows it in a line per attribute."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from script_fixtures import make_config, spec_for, train

from ml_engineer import terminal
from ml_engineer.group_lines import group_lines
from ml_engineer.mcp_server import _question_text
from ml_engineer.render.training_script import render_training_script


def people(n: int = 900, seed: int = 0) -> pd.DataFrame:
    """Customers with a sex (not an input), an age (an input), an island region whose few
    customers never buy, and an outcome that depends on x1 and on sex."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "x1": rng.normal(size=n), "x2": rng.normal(size=n),
        "sex": rng.choice(["female", "male", None], size=n, p=[0.47, 0.47, 0.06]),
        "age": rng.integers(18, 86, size=n).astype(float),
        "region": rng.choice(["mainland", "island"], size=n, p=[0.95, 0.05]),
        "income": rng.lognormal(10, 0.5, size=n).round(0),
    })  # fmt: skip
    frame.loc[rng.random(n) < 0.05, "age"] = np.nan
    chance = 1 / (1 + np.exp(-(1.5 * frame.x1 + 1.5 * (frame.sex == "male") - 0.7)))
    frame["bought"] = np.where((rng.random(n) < chance) & (frame.region != "island"), "yes", "no")
    return frame


def run_with_groups(tmp_path, frame, task, primary, framework="sklearn", **config_args):
    frame.to_csv(tmp_path / "data.csv", index=False)
    config = make_config(
        target=config_args.pop("target", "bought"), task=task, primary=primary,
        features={"numeric": ["x1", "x2", "age"]}, framework=framework,
        model_type={"sklearn": "hist_gradient_boosting"}.get(framework, framework), **config_args,
    )  # fmt: skip
    config.data.protected = ["sex", "age", "region", "income", "race"]
    return train(tmp_path, config)


@pytest.fixture(scope="module")
def binary_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("groups_binary")
    return run_with_groups(folder, people(), "binary", "roc_auc", positive_class="yes")


def by_group(metrics, column):
    return {group["group"]: group for group in metrics["groups"]["columns"][column]["groups"]}


def test_each_protected_attribute_is_scored_per_group_on_test(binary_run):
    metrics = binary_run.metrics
    report = metrics["groups"]
    assert (report["part"], report["metric"]) == ("test", "roc_auc")
    assert report["positive_class"] == "yes"
    sex = by_group(metrics, "sex")
    assert set(sex) == {"female", "male", "(missing)"} and list(sex)[-1] == "(missing)"
    assert sum(group["rows"] for group in sex.values()) == metrics["rows"]["test"]
    for group in sex.values():
        assert 0 <= group["predicted_positive"] <= 1 and 0 <= group["actual_positive"] <= 1
    # Men buy more, but the model does not see sex: the report shows its predicted rates
    # closer together than the actual ones, which is what the person approving must see.
    actual_gap = sex["male"]["actual_positive"] - sex["female"]["actual_positive"]
    predicted_gap = sex["male"]["predicted_positive"] - sex["female"]["predicted_positive"]
    assert actual_gap > 0.1 and predicted_gap < actual_gap
    assert 0.5 < sex["male"]["score"] <= 1


def test_an_age_is_cut_into_readable_bands_and_missing_is_a_group(binary_run):
    age = binary_run.metrics["groups"]["columns"]["age"]
    assert age["grouped_by"] == "age bands"
    labels = [group["group"] for group in age["groups"]]
    assert labels == ["under 25", "25-34", "35-44", "45-54", "55-64", "65+", "(missing)"]


def test_another_number_is_cut_at_its_quartiles(binary_run):
    income = binary_run.metrics["groups"]["columns"]["income"]
    assert income["grouped_by"] == "quartile bands"
    labels = [group["group"] for group in income["groups"]]
    assert labels[0].startswith("under ") and labels[-1].endswith("+") and len(labels) == 4


def test_a_small_group_of_one_class_is_reported_without_a_score(binary_run):
    island = by_group(binary_run.metrics, "region")["island"]
    assert island["actual_positive"] == 0 and island["score"] is None
    assert "one class" in island["no_score"].lower()
    assert island.get("too_few_rows", False) == (island["rows"] < 10)


def test_an_attribute_the_data_lacks_is_said_not_to_stop_the_run(binary_run):
    assert binary_run.metrics["groups"]["columns"]["race"] == {"skipped": "not in the data"}


def test_the_script_prints_the_groups_and_the_model_never_takes_a_dropped_attribute(binary_run):
    out = binary_run.process.stdout
    assert "Per group of the protected attributes, on test (roc_auc;" in out
    assert "'sex' = female:" in out and "'race': not in the data" in out
    code = (
        "import sys, joblib; "
        "print(list(joblib.load(sys.argv[2]).feature_names_in_))"
    )
    taken = subprocess.run(
        [sys.executable, "-I", "-c", code, str(binary_run.script.parent),
         str(binary_run.output_dir / "model.joblib")], capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert taken.strip() == "['x1', 'x2', 'age']"  # age is an input; sex, region are not


def test_regression_groups_show_the_mean_prediction_beside_the_mean(tmp_path):
    frame = people(600, seed=1).assign(spend=lambda f: 3 * f.x1 + 2 * (f.sex == "male"))
    run = run_with_groups(
        tmp_path, frame.drop(columns="bought"), "regression", "rmse", target="spend",
        split={"strategy": "random"},
    )  # fmt: skip
    sex = by_group(run.metrics, "sex")
    # Men spend 2 more; blind to sex, the model predicts men too low and women too high.
    assert sex["male"]["mean_actual"] > sex["female"]["mean_actual"] + 1
    assert sex["male"]["mean_predicted"] < sex["male"]["mean_actual"]
    assert sex["female"]["mean_predicted"] > sex["female"]["mean_actual"]
    assert "mean prediction vs actual" in run.process.stdout


def test_multiclass_groups_show_accuracy_and_class_shares(tmp_path):
    frame = people(600, seed=2)
    frame["tier"] = pd.cut(frame.x1, [-np.inf, -0.5, 0.5, np.inf], labels=["low", "mid", "high"])
    run = run_with_groups(tmp_path, frame.drop(columns="bought"), "multiclass", "f1_macro",
                          target="tier")  # fmt: skip
    for group in run.metrics["groups"]["columns"]["sex"]["groups"]:
        assert 0 <= group["accuracy"] <= 1
        assert sum(group["predicted_shares"].values()) == pytest.approx(1)
        assert set(group["actual_shares"]) == {"high", "low", "mid"}


@pytest.mark.parametrize("framework", ["lightgbm", "xgboost"])
def test_boosting_scripts_report_groups_too(tmp_path, framework):
    run = run_with_groups(tmp_path, people(500, seed=3), "binary", "roc_auc", framework,
                          positive_class="yes")  # fmt: skip
    assert set(run.metrics["groups"]["columns"]) == {"sex", "age", "region", "income", "race"}


def test_without_protected_attributes_the_script_has_no_trace_of_them():
    config = make_config(target="t", task="binary", features={"numeric": ["n"]},
                         model_type="hist_gradient_boosting", primary="roc_auc")  # fmt: skip
    source = render_training_script(spec_for(config), config)
    assert "results_by_group" not in source and "import re\n" not in source


# --- what the person approving sees --------------------------------------------------------------


def test_the_approval_line_per_attribute(binary_run):
    lines = group_lines(binary_run.metrics["groups"])
    sex = next(line for line in lines if line.startswith("sex: "))
    female = by_group(binary_run.metrics, "sex")["female"]
    said = (
        f"female roc_auc {female['score']:.2f}, {female['predicted_positive']:.0%} predicted "
        f"positive (actual {female['actual_positive']:.0%}), n={female['rows']}"
    )
    assert said in sex
    region = next(line for line in lines if line.startswith("region: "))
    assert "island roc_auc n/a (only one class" in region  # scikit-learn's words
    assert "race: not in the data" in lines


SUMMARY = {
    "question": "ML design complete.", "task": "binary", "target": "bought",
    "primary_metric": "roc_auc", "split": "stratified", "model": "hgb", "model_params": {},
    "kept_columns": ["x1"], "excluded_columns": [], "validation": "Validation: ran.",
    "paths": {}, "slug": "shop", "revision": 0,
    "groups": ["sex: [bold]female[/bold] roc_auc 0.61, 22% predicted positive (actual 25%), n=140"],
    "too_good": {"reason": "r", "warning": "The check run looks too good: `[red]leak`.",
                 "columns": ["[red]leak"], "scores": {"roc_auc": 1.0}},
}  # fmt: skip


def test_the_terminal_panel_shows_groups_and_the_warning_as_written(monkeypatch):
    recorded = Console(file=io.StringIO(), width=200, highlight=False)
    monkeypatch.setattr(terminal, "out", recorded)
    terminal.show_summary(SUMMARY)
    text = recorded.file.getvalue()
    assert "per group" in text and "sex: [bold]female[/bold] roc_auc 0.61" in text  # not markup
    assert "too good?" in text and "`[red]leak`" in text


def test_the_mcp_question_shows_groups_and_the_warning():
    text = _question_text(SUMMARY, "shop-1", "answer here")
    assert "Too good to be true? The check run looks too good: `[red]leak`." in text
    assert "Per group, sex: [bold]female[/bold] roc_auc 0.61" in text


def test_at_80_columns_the_approval_question_is_whole_and_no_title_is_cut(monkeypatch):
    from ml_engineer.graphs.approval_summary import QUESTION

    recorded = Console(file=io.StringIO(), width=80, highlight=False, soft_wrap=True)
    monkeypatch.setattr(terminal, "out", recorded)
    terminal.show_summary({**SUMMARY, "question": QUESTION})
    lines = recorded.file.getvalue().splitlines()
    assert QUESTION in lines  # the whole question, on a line of its own above the panel
    (top,) = [line for line in lines if line.startswith("╭")]
    assert len(top) <= 80 and " ML design complete " in top  # its first sentence, not cut
