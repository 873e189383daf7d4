"""Leaks that no single column's association shows, each rule on a small synthetic frame, and the
planner excluding them with the figure a reviewer reads. Measured on the training rows only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ml_engineer_runtime.data import prepare_target
from ml_engineer_runtime.split import split_rows
from upstream_builders import canonical_profile, write_upstream

from ml_engineer.agents.feature_planner import FeaturePlanner
from ml_engineer.inputs.data.held_out import outside_test
from ml_engineer.inputs.data.leaks import measure_leaks
from ml_engineer.inputs.load import load_inputs
from ml_engineer.models import SplitPlan
from ml_engineer.planning.leak_names import sibling_measure, transform_of_target
from ml_engineer.planning.planner import PlanRequest

RNG = np.random.default_rng(1)
N = 600


def found(frame: pd.DataFrame, target: str, kind: str = "regression") -> dict[str, str]:
    association = {c: 0.5 for c in frame.columns if c != target}
    return {
        leak.column: leak.reason
        for leak in measure_leaks(frame, target, kind, association, {target})
    }


def test_two_part_scores_whose_mean_is_the_target_are_both_leaks():
    read, math = RNG.normal(650, 20, N), RNG.normal(650, 20, N)
    frame = pd.DataFrame({"readscr": read, "mathscr": math, "str": RNG.normal(20, 2, N),
                          "testscr": (read + math) / 2})  # fmt: skip
    leaks = found(frame, "testscr")
    assert set(leaks) == {"readscr", "mathscr"}
    assert "(`readscr` + `mathscr`) / 2" in leaks["readscr"] and "R² 1.000" in leaks["readscr"]


def test_a_per_unit_column_times_a_size_is_a_leak_and_the_size_is_kept():
    size = RNG.integers(50, 500, N).astype(float)
    per_unit = RNG.normal(4000, 600, N)
    frame = pd.DataFrame({"sales": per_unit, "ssize": size, "margin": RNG.normal(40, 3, N),
                          "tsales": per_unit * size})  # fmt: skip
    leaks = found(frame, "tsales")
    assert set(leaks) == {"sales"}  # named inside the target's name
    assert "`tsales` ≈ `sales` × `ssize`" in leaks["sales"] and "`ssize` is kept" in leaks["sales"]


def test_a_ratio_leaks_through_its_numerator():
    population = RNG.integers(1_000, 100_000, N).astype(float)
    rate = RNG.uniform(0.001, 0.01, N)
    frame = pd.DataFrame({"deaths": rate * population, "population": population,
                          "rate": rate})  # fmt: skip
    assert set(found(frame, "rate")) == {"deaths"}


def test_a_threshold_and_bands_of_the_target_are_leaks():
    income = RNG.lognormal(10, 0.5, N)
    frame = pd.DataFrame({
        "income": income, "rich": (income > 40_000).astype(int),
        "bracket": pd.cut(income, [0, 15_000, 30_000, 60_000, np.inf], labels=list("abcd")),
        "age": RNG.integers(20, 70, N),
    })  # fmt: skip
    leaks = found(frame, "income")
    assert {"rich", "bracket"} <= set(leaks)
    assert (
        "a threshold of the target" in leaks["rich"]
        and "0.0% of rows out of place" in leaks["rich"]
    )
    assert "4 bands" in leaks["bracket"]
    assert "age" not in leaks


def test_two_bounds_that_together_give_the_class_are_both_leaks():
    bid = RNG.choice([10, 30, 70, 150], N)
    answer = RNG.choice(["yy", "yn", "ny", "nn"], N)
    lower = np.where(answer == "yy", bid * 2, np.where(answer == "yn", bid, 0))
    upper = np.where(answer == "nn", bid / 2, np.where(answer == "ny", bid, bid * 4))
    frame = pd.DataFrame({"lower": lower, "upper": upper, "age": RNG.integers(18, 80, N),
                          "answer": answer})  # fmt: skip
    association = {"lower": 0.7, "upper": 0.8, "age": 0.01}
    leaks = {leak.column for leak in measure_leaks(frame, "answer", "classification",
                                                   association)}  # fmt: skip
    assert leaks == {"lower", "upper"}


def test_honest_inputs_are_not_leaks():
    x1, x2 = RNG.normal(0, 1, N), RNG.normal(0, 1, N)
    frame = pd.DataFrame({"x1": x1, "x2": x2, "x3": RNG.normal(0, 1, N),
                          "y": 2 * x1 - x2 + RNG.normal(0, 1.0, N)})  # fmt: skip
    assert found(frame, "y") == {}


@pytest.mark.parametrize(
    ("column", "target", "leaks"),
    [("lwage", "wage", True), ("wage", "lwage", True), ("log_price", "price", True),
     ("wage_sq", "wage", True), ("estperf", "perf", True), ("lw", "lw80", False),
     ("re74", "re78", False)],
)  # fmt: skip
def test_a_transform_in_the_name(column, target, leaks):
    assert bool(transform_of_target(column, target)) is leaks


@pytest.mark.parametrize(
    ("column", "target", "measure"),
    [("readscr", "mathscr", "scr"), ("read_score", "math_score", "score"),
     ("treadssk", "tmathssk", "ssk"), ("re74", "re78", None), ("sales", "tsales", None),
     ("savings", "earnings", None), ("prev_sales", "weekly_sales", None),
     ("list_price", "sale_price", None), ("prevsales", "wsales", None)],
)  # fmt: skip
def test_a_second_outcome_shares_the_targets_measure(column, target, measure):
    assert sibling_measure(column, target) == measure


def test_the_leak_screens_see_only_the_rows_outside_the_test_part():
    frame = pd.DataFrame({"x": np.arange(100), "y": np.arange(100) % 2})
    split = SplitPlan(strategy="stratified", train=0.7, val=0.15, test=0.15, reason="")
    kept = outside_test(frame, "y", split, "binary", seed=42)
    assert len(kept) == 85  # the script's 15 % test part is left out
    timed = SplitPlan(strategy="time", train=0.7, val=0.15, test=0.15, time_column="x", reason="")
    assert outside_test(frame, "y", timed, "binary", seed=42)["x"].max() == 84  # the newest out


@pytest.mark.parametrize(
    "split",
    [{"strategy": "stratified"}, {"strategy": "random"},
     {"strategy": "group", "group_column": "shop"},
     {"strategy": "time", "time_column": "year", "time_parts": ["quarter"]}],
    ids=["stratified", "random", "group", "time"],
)  # fmt: skip
def test_the_screens_hold_out_exactly_the_rows_the_script_tests_on(split):
    n = 240
    frame = pd.DataFrame({
        "year": np.repeat(np.arange(2000, 2060), 4),
        "quarter": np.tile(["Q1", "Q2", "Q3", "Q4"], 60),
        "shop": RNG.integers(0, 30, n), "x": RNG.normal(0, 1, n),
        "y": RNG.choice(["no", "yes"], n), "spend": RNG.normal(10, 2, n),
    }).sample(frac=1.0, random_state=3).reset_index(drop=True)  # fmt: skip
    frame.loc[[5, 17], "y"] = None  # rows without a target are left out first, by both
    shares = {"train": 0.7, "val": 0.15, "test": 0.15}
    task = "regression" if split["strategy"] == "random" else "binary"
    target = "spend" if task == "regression" else "y"
    # What the generated script calls, with the config's split and seed.
    cfg = {**shares, "stratify": split["strategy"] == "stratified", **split}
    X, y, _ = prepare_target(frame, target, task)
    tested = set(split_rows(X, y, cfg, task, 42)["test"])

    plan = SplitPlan(**{**shares, **split}, reason="")
    labelled = frame[frame[target].notna()].reset_index(drop=True)
    kept = outside_test(labelled, target, plan, task, seed=42)
    assert set(range(len(labelled))) - set(kept.index) == tested


def test_the_planner_excludes_a_hidden_leak_with_its_figure_and_keeps_the_rest(tmp_path):
    size = RNG.integers(50, 500, N).astype(float)
    per_unit = RNG.normal(4000, 600, N)
    frame = pd.DataFrame({
        "sales": per_unit, "ssize": size, "nown": RNG.integers(1, 4, N),
        "censor1": RNG.integers(0, 2, N), "tsales": per_unit * size,
        "log_tsales": np.log(per_unit * size),
    })  # fmt: skip
    data_dir = write_upstream(tmp_path / "output" / "shop" / "data", frame,
                              goal="predict a shop's total sales",
                              profile=canonical_profile(frame))  # fmt: skip
    inputs = load_inputs(data_dir)
    spec, _ = FeaturePlanner(inputs, data_dir.parent / "ml").plan(
        PlanRequest(slug="shop", goal_text="predict a shop's total sales")
    )
    reasons = {c.name: c.reason for c in spec.excluded}
    assert spec.target.column == "tsales"
    assert "R² 1.000 on logarithms" in reasons["sales"]
    assert "log_tsales" in reasons and reasons["log_tsales"].startswith("leakage")
    assert "recorded after the outcome" in reasons["censor1"]
    assert {c.name for c in spec.kept} == {"ssize", "nown"}


def test_infinite_values_are_left_out_of_the_fits_not_a_stall():
    a, b = RNG.uniform(1, 5, N), RNG.uniform(1, 5, N)
    frame = pd.DataFrame({"a": a, "b": b, "y": a + b})
    frame.loc[:9, "a"] = np.inf
    assert set(found(frame, "y")) & {"a", "b"}  # the sum is still found on the finite rows


def test_the_chosen_alternatives_value_is_a_leak_and_a_duplicate_column_is_not():
    # A mode choice: each trip's price for every mode, and `price`, the price of the one chosen
    # (known once chosen). `pshore` is a plain copy of `pbeach` in every row: a duplicate.
    modes = np.array(["beach", "boat", "charter"])
    mode = RNG.choice(modes, N)
    prices = {f"p{m}": RNG.uniform(10, 200, N).round(2) for m in modes}
    frame = pd.DataFrame({"mode": mode, **prices, "income": RNG.uniform(1, 9, N)})
    frame["price"] = [prices[f"p{m}"][i] for i, m in enumerate(mode)]
    frame["pshore"] = frame["pbeach"]
    leaks = found(frame, "mode", kind="classification")
    assert set(leaks) == {"price"}
    assert "`pboat` where it is 'boat'" in leaks["price"]
