"""Derived features, from the planner's checks to the generated script running on real data.

The checks are tested rule by rule on a small hand-built profile planned by the real planner, so
the exclusions they rely on are the planner's own. The scripts are rendered and RUN: on the
shared penguins fixture through the whole planning chain, and on a small dated CSV.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED, copy_upstream, shared_fixtures_or_skip
from script_fixtures import SCRIPT_ENV, Run, make_config, run_script, spec_for, train, write_project
from sklearn.base import clone

from ml_engineer.agents.deployment_config_writer import build_deployment_config
from ml_engineer.inputs.load import load_inputs
from ml_engineer.models import (
    AnalystNotes,
    ColumnDecision,
    ColumnKind,
    ColumnProfile,
    DataProfile,
    DerivedFeature,
    DerivedSection,
    Exclusion,
    TopValue,
)
from ml_engineer.models.revision import Overrides
from ml_engineer.planning.columns import exclusion_of
from ml_engineer.planning.derived import MAX_DERIVED, apply_derived, check_derived
from ml_engineer.planning.experiment import plan_experiment
from ml_engineer.planning.planner import PlanRequest, plan_feature_spec
from ml_engineer.render.experiment_config import load_experiment_config, render_experiment_config
from ml_engineer.render.feature_spec import render_feature_spec
from ml_engineer.render.training_script import render_training_script

# --- the planner's checks ----------------------------------------------------------------------


def col(name, kind="numeric", **kw) -> ColumnProfile:
    return ColumnProfile(name=name, kind=ColumnKind(kind), missing_fraction=0.0, **kw)


def tops(*values: str) -> list[TopValue]:
    return [TopValue(value=v, count=100) for v in values]


@pytest.fixture(scope="module")
def planned():
    """A loan profile with one column for each rule, planned by the real planner."""
    columns = [
        col("debt", stats=None),
        col("income"),
        col("branch_code", unique_count=12, notes=["branch is a categorical code, not a number"]),
        col("purpose", "categorical", unique_count=5, top_values=tops("car", "home")),
        col("comment", "text", unique_count=4000, mean_length=60.0),
        col("opened", "datetime", unique_count=900),
        col("shipped_on", "text", unique_count=800, sample_values=["2021-03-04", "2022-11-30"]),
        col("city_name", "text", unique_count=40, sample_values=["Lyon", "Paris"]),
        col("loan_id", "id", unique_count=5000),
        col("default_reason", "categorical", unique_count=4, top_values=tops("fraud", "job")),
        col("country", "categorical", unique_count=1, top_values=tops("FR")),
        col("mystery", "unknown"),
        col("defaulted", "categorical", unique_count=2, top_values=tops("no", "yes")),
    ]
    profile = DataProfile(
        source_format="canonical", profile_path="profile.json", row_count=5000, columns=columns
    )
    spec = plan_feature_spec(profile, AnalystNotes(), PlanRequest(slug="loans", target="defaulted"))
    return profile, spec


def feature(op="ratio", inputs=("debt", "income"), name="debt_to_income", **kw) -> DerivedFeature:
    return DerivedFeature(name=name, op=op, inputs=list(inputs), reason="repayment burden", **kw)


def problems_of(planned, **kw) -> list[str]:
    profile, spec = planned
    return check_derived(feature(**kw), profile, spec)


def test_the_fixture_exclusions_are_the_planners(planned):
    _, spec = planned
    why = {d.name: exclusion_of(d) for d in spec.columns}
    assert why["loan_id"] == Exclusion.identifier
    assert why["default_reason"] == Exclusion.leakage
    assert why["country"] == Exclusion.constant
    assert why["debt"] is None  # kept
    assert next(d for d in spec.columns if d.name == "branch_code").treatment == "categorical"


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"op": "difference"},
        {"op": "product"},
        {"op": "log", "inputs": ["income"], "name": "log_income"},
        {"op": "bins", "inputs": ["income"], "bins": 20, "name": "income_band"},
        {"op": "date_part", "inputs": ["opened"], "part": "quarter", "name": "opened_q"},
        {"op": "date_part", "inputs": ["shipped_on"], "part": "hour", "name": "shipped_hour"},
        {"op": "days_between", "inputs": ["opened", "shipped_on"], "name": "open_days"},
        {"op": "frequency", "inputs": ["purpose"], "name": "purpose_share"},
        {"op": "frequency", "inputs": ["branch_code"], "name": "branch_share"},  # a code
        {"op": "text_length", "inputs": ["comment"], "name": "comment_chars"},
        {"op": "text_length", "inputs": ["purpose"], "name": "_purpose_len2"},
    ],
)
def test_fitting_features_pass(planned, kw):
    assert problems_of(planned, **kw) == []


@pytest.mark.parametrize(
    ("kw", "phrases"),
    [
        ({"inputs": ["debt"]}, ["ratio takes exactly 2 input columns", "1 was given"]),
        ({"op": "log", "inputs": ["debt", "income"]}, ["log takes exactly 1 input column"]),
        ({"inputs": ["debt", "debt"]}, ["'debt' twice", "two different columns"]),
        ({"inputs": ["debt", "incme"]}, ["'incme' is not a column", "Did you mean 'income'"]),
        ({"inputs": ["debt", "defaulted"]}, ["'defaulted' is the target", "leaks"]),
        ({"inputs": ["debt", "default_reason"]}, ["'default_reason'", "leakage suspect"]),
        ({"op": "frequency", "inputs": ["loan_id"]}, ["'loan_id'", "an identifier"]),
        ({"op": "frequency", "inputs": ["country"]}, ["'country'", "constant"]),
        ({"inputs": ["debt", "purpose"]}, ["'purpose' is a categorical column", "numeric one"]),
        ({"inputs": ["debt", "branch_code"]}, ["'branch_code' is a numeric code", "frequency"]),
        ({"op": "log", "inputs": ["mystery"]}, ["'mystery' is typed unknown"]),
        ({"op": "frequency", "inputs": ["debt"]}, ["'debt' is a numeric measure", "bins"]),
        ({"op": "text_length", "inputs": ["debt"]}, ["text_length needs text or a category"]),
        (
            {"op": "date_part", "inputs": ["city_name"], "part": "month"},
            ["'city_name'", "does not show as dates", "choose a date column"],
        ),
        ({"op": "days_between", "inputs": ["opened", "debt"]}, ["'debt'", "needs a date"]),
        ({"op": "date_part", "inputs": ["opened"]}, ["date_part needs part", "quarter"]),
        ({"part": "month"}, ["part only applies to date_part"]),
        ({"bins": 4}, ["bins only applies to the bins op"]),
        ({"op": "bins", "inputs": ["debt"], "bins": 1}, ["bins must be between 2 and 20, not 1"]),
        ({"op": "bins", "inputs": ["debt"], "bins": 21}, ["not 21"]),
        ({"name": "debt to income"}, ["not a plain column name", "underscores"]),
        ({"name": "9lives"}, ["not a plain column name"]),
        ({"name": "ratio\n"}, ["not a plain column name"]),
        ({"name": "x" * 65}, ["at most 64 characters"]),
        ({"name": "income"}, ["'income' is already a column"]),
        ({"name": "defaulted"}, ["'defaulted' is already a column"]),
    ],
)
def test_each_rule_refuses_with_a_message_naming_the_problem(planned, kw, phrases):
    problems = problems_of(planned, **kw)
    assert problems, kw
    text = " ".join(problems)
    for phrase in phrases:
        assert phrase in text, (phrase, problems)
    assert all(p.endswith((".", "?")) for p in problems)


def test_a_name_already_taken_by_an_accepted_feature_is_refused(planned):
    profile, spec = planned
    taken = spec.model_copy(update={"derived": [feature(op="difference")]})
    assert "already used by another derived feature" in check_derived(feature(), profile, taken)[0]
    # The same feature checked again inside its own spec is not a repeat of itself.
    own = spec.model_copy(update={"derived": [first := feature()]})
    assert check_derived(first, profile, own) == []


def test_an_empty_reason_is_refused(planned):
    profile, spec = planned
    blank = feature().model_copy(update={"reason": "  "})
    assert "reason is empty" in check_derived(blank, profile, spec)[0]


def test_a_reworded_exclusion_still_blocks(planned):
    """An agent may rewrite a reason; the recorded category still keeps the leak out."""
    profile, spec = planned
    reworded = spec.model_copy(deep=True)
    leak = next(d for d in reworded.columns if d.name == "default_reason")
    leak.reason = "not useful for this model (proposed by the LLM agent)"
    assert "leakage suspect" in " ".join(
        check_derived(feature(op="frequency", inputs=["default_reason"]), profile, reworded)
    )


def test_a_column_the_reviewer_dropped_cannot_come_back_through_a_derived_feature(planned):
    """The reviewer's drop at approval holds: a ratio over the column would bring it back."""
    profile, _ = planned
    request = PlanRequest(slug="loans", target="defaulted", overrides=Overrides(drop=["income"]))
    spec = plan_feature_spec(profile, AnalystNotes(), request)
    assert exclusion_of(next(d for d in spec.columns if d.name == "income")) == "reviewer"
    problems = check_derived(feature(), profile, spec)
    assert problems == [
        "input 'income' cannot be used: the reviewer excluded it at approval, and a feature "
        "computed from it would bring it back; use other columns."
    ]
    accepted, notes = apply_derived(spec, [feature()], profile)
    assert accepted == [] and "the reviewer excluded it at approval" in notes[0]


def test_a_column_the_llm_agent_dropped_can_feed_a_ratio(planned):
    """Debt-to-income instead of income itself is a common, legitimate design for the agent."""
    profile, spec = planned
    dropped = spec.model_copy(deep=True)
    income = next(d for d in dropped.columns if d.name == "income")
    income.keep, income.treatment, income.transforms = False, None, []
    income.exclusion = Exclusion.model
    income.reason = "replaced by debt_to_income (proposed by the LLM agent)"
    assert exclusion_of(income) == Exclusion.model == "model"
    assert check_derived(feature(), profile, dropped) == []


def test_exclusion_of_falls_back_to_the_planners_opening_words():
    def old(reason: str) -> ColumnDecision:  # saved before `exclusion` existed
        return ColumnDecision(name="c", kind=ColumnKind.numeric, keep=False, reason=reason)

    assert exclusion_of(old("leakage suspect: flagged")) == Exclusion.leakage
    assert exclusion_of(old("identifier-like: 99% distinct")) == Exclusion.identifier
    assert exclusion_of(old("near-constant: one value covers 99.9%")) == Exclusion.constant
    assert exclusion_of(old("a note that mentions leakage later")) is None
    kept = ColumnDecision(name="c", kind=ColumnKind.numeric, keep=True, reason="leakage suspect")
    assert exclusion_of(kept) is None


def test_apply_derived_keeps_the_valid_ones_and_says_why_the_others_were_not_used(planned):
    profile, spec = planned
    proposed = [
        feature(),
        feature(name="debt_to_income", op="difference"),  # the same name again
        feature(name="band", op="bins", inputs=["income"]),
        feature(name="leaky", op="frequency", inputs=["default_reason"]),
    ]
    accepted, notes = apply_derived(spec, proposed, profile)
    assert [f.name for f in accepted] == ["debt_to_income", "band"]
    assert accepted[1].bins == 5  # the default, written out so the spec shows it
    assert len(notes) == 2
    assert notes[0].startswith("The proposed derived feature `debt_to_income` was not used: ")
    assert "leakage suspect" in notes[1]
    assert spec.derived == []  # pure: the caller assigns the result


def test_apply_derived_caps_the_count(planned):
    profile, spec = planned
    many = [feature(name=f"r{i}") for i in range(MAX_DERIVED + 2)]
    accepted, notes = apply_derived(spec, many, profile)
    assert len(accepted) == MAX_DERIVED and len(notes) == 2


# --- the experiment config ---------------------------------------------------------------------


def test_plan_experiment_copies_derived_and_the_yaml_round_trips(planned):
    profile, spec = planned
    spec = spec.model_copy(deep=True)
    spec.derived, _ = apply_derived(
        spec,
        [
            feature(),
            feature(name="opened_month", op="date_part", inputs=["opened"], part="month"),
            feature(name="band", op="bins", inputs=["income"], bins=7),
        ],
        profile,
    )
    config = plan_experiment(spec, PlanRequest(slug="loans"))
    assert [d.name for d in config.data.derived] == ["debt_to_income", "opened_month", "band"]
    assert config.data.derived[2].bins == 7 and config.data.derived[1].part == "month"
    text = render_experiment_config(config)
    assert load_experiment_config(text) == config
    assert "  derived:\n  - name: debt_to_income\n    op: ratio\n" in text
    assert "null" not in text.split("  derived:")[1].split("  drop:")[0]  # unset params left out
    assert text.index("  features:") < text.index("  derived:") < text.index("  drop:")
    assert "reason" not in text.split("  derived:")[1].split("  drop:")[0]


def test_without_derived_features_the_yaml_has_no_derived_key(planned):
    _, spec = planned
    config = plan_experiment(spec, PlanRequest(slug="loans"))
    text = render_experiment_config(config)
    assert "derived" not in text
    assert load_experiment_config(text) == config


# --- the feature spec and the deployment config ------------------------------------------------


def test_feature_spec_lists_derived_features_only_when_there_are_some(planned):
    _, spec = planned
    plain = render_feature_spec(spec)
    assert "None. The deterministic planner adds no feature" in plain
    assert "Derived features (" not in plain
    spec = spec.model_copy(deep=True)
    spec.derived = [
        feature(),
        DerivedFeature(
            name="w", op="date_part", inputs=["op|ened`"], part="dayofweek", reason="a\n<b>|x"
        ),
    ]
    text = render_feature_spec(spec)
    section = text.split("### Derived features")[1].split("### Excluded")[0]
    assert "| `debt_to_income` | ratio, first / second" in section
    assert "| `debt`, `income` | repayment burden |" in section
    assert "day of week" in section
    assert "`` op\\|ened` ``" in section  # the hostile input stays in its code span and cell
    assert "a\\n&lt;b>\\|x" in section  # one line, no tag, no extra cell
    order = text.split("## Preprocessing")[1]
    assert "Derived features (2, listed above)" in order
    assert order.index("Coerce types") < order.index("Derived features") < order.index("Numeric")


def test_deployment_schema_includes_raw_inputs_used_only_by_derived_features(planned):
    profile, spec = planned
    dropped = Overrides(drop=["income", "shipped_on"])
    request = PlanRequest(slug="loans", target="defaulted", overrides=dropped)
    spec = plan_feature_spec(profile, AnalystNotes(), request)
    spec.derived = [
        feature(),
        feature(name="shipped_days", op="days_between", inputs=["opened", "shipped_on"]),
    ]
    config = plan_experiment(spec, request)
    fields = {f.name: f for f in build_deployment_config(spec, config, profile, None).input_schema}
    assert fields["income"].type == "number"  # dropped as an input, still needed for the ratio
    assert fields["shipped_on"].type == "datetime"
    assert list(fields).count("debt") == 1 and "debt_to_income" not in fields


# --- the generated script, run -----------------------------------------------------------------

# Loads model.joblib in a fresh, isolated process and predicts on ONLY the given raw columns.
PREDICT_ON_COLUMNS = """
import json, sys
import joblib, pandas as pd
script_dir, model_path, data_path, columns = sys.argv[1:5]
model = joblib.load(model_path)
X = pd.read_csv(data_path)[json.loads(columns)]
print(json.dumps({"n": len(model.predict(X)), "steps": list(model.named_steps),
                  "inputs": list(model.feature_names_in_)}))
"""


def predict_on(run, data: Path, columns: list[str]) -> dict:
    process = subprocess.run(
        [sys.executable, "-I", "-c", PREDICT_ON_COLUMNS, str(run.script.parent),
         str(run.output_dir / "model.joblib"), str(data), json.dumps(columns)],
        capture_output=True, text=True, timeout=120, env=SCRIPT_ENV,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def assert_ran(run) -> dict:
    assert run.process.returncode == 0, run.process.stderr
    assert "Traceback" not in run.process.stderr
    assert (run.output_dir / "metrics.json").is_file()
    assert (run.output_dir / "model.joblib").is_file()
    return run.metrics


@pytest.fixture(scope="module")
def penguins_planned(tmp_path_factory):
    """The shared penguins fixture through the real chain: profile, planner, checks, render.

    The LLM agent drops bill_depth_mm, so it reaches the model only through the bill ratio (a
    reviewer's drop would hold against the ratio too).
    """
    data_dir = copy_upstream(
        shared_fixtures_or_skip() / "penguin-species", tmp_path_factory.mktemp("p")
    )
    inputs = load_inputs(data_dir)
    ml_dir = data_dir.parent / "ml"
    ml_dir.mkdir()
    request = PlanRequest(
        slug="penguins", target="species", overrides=Overrides(drop=["bill_depth_mm"])
    )
    spec = plan_feature_spec(inputs.profile, inputs.notes, request, data_path="../data/data.csv")
    depth = next(d for d in spec.columns if d.name == "bill_depth_mm")
    depth.exclusion, depth.reason = Exclusion.model, "replaced by the bill ratio (LLM agent)"
    proposed = [
        DerivedFeature(name="bill_ratio", op="ratio", inputs=["bill_length_mm", "bill_depth_mm"],
                       reason="bill shape: long and thin or short and deep"),
        DerivedFeature(name="log_mass", op="log", inputs=["body_mass_g"], reason="mass scale"),
        DerivedFeature(name="flipper_band", op="bins", inputs=["flipper_length_mm"], bins=4,
                       reason="size class"),
        DerivedFeature(name="island_share", op="frequency", inputs=["island"],
                       reason="how common the island is in the sample"),
    ]  # fmt: skip
    spec.derived, refused = apply_derived(spec, proposed, inputs.profile)
    assert refused == [] and len(spec.derived) == 4
    config = plan_experiment(spec, request)
    config.model.params["max_iter"] = 100  # small data: keep the run short
    (ml_dir / "experiment-config.yaml").write_text(render_experiment_config(config))
    script = ml_dir / "training_script.py"
    script.write_text(render_training_script(spec, config))
    return Run(script, run_script(script), ml_dir / "runs" / "latest"), spec, data_dir / "data.csv"


def test_penguins_with_derived_features_runs_and_predicts_on_raw_columns(penguins_planned):
    run, spec, data = penguins_planned
    metrics = assert_ran(run)
    assert metrics["model"]["test"]["f1_macro"] > 0.9
    assert "of which derived (4): 'bill_ratio'" in run.process.stdout
    assert "bill_depth_mm" not in [c.name for c in spec.kept]
    # Only the kept columns and the raw inputs of the derived features: no derived column.
    raw = [c.name for c in spec.kept] + ["bill_depth_mm"]
    loaded = predict_on(run, data, raw)
    assert loaded["n"] == 344
    assert loaded["steps"] == ["derive", "preprocess", "model"]
    assert "bill_depth_mm" in loaded["inputs"] and "bill_ratio" not in loaded["inputs"]


def test_the_model_needs_the_raw_input_of_a_derived_feature(penguins_planned):
    run, spec, data = penguins_planned
    process = subprocess.run(
        [sys.executable, "-I", "-c", PREDICT_ON_COLUMNS, str(run.script.parent),
         str(run.output_dir / "model.joblib"), str(data),
         json.dumps([c.name for c in spec.kept])],
        capture_output=True, text=True, timeout=120, env=SCRIPT_ENV,
    )  # fmt: skip
    assert process.returncode != 0
    assert "missing from the input: ['bill_depth_mm']" in process.stderr


def dated_frame(n: int = 600, seed: int = 5) -> pd.DataFrame:
    """Orders over time: a late delivery (in days) and a weekend order drive the complaints."""
    rng = np.random.default_rng(seed)
    ordered = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    ordered = ordered + pd.to_timedelta(rng.integers(0, 24, n), unit="h")
    days = rng.integers(1, 15, n)
    weekend = ordered.day_of_week >= 5
    complaint = rng.random(n) < 1 / (1 + np.exp(-(0.6 * (days - 8) + 1.5 * weekend)))
    frame = pd.DataFrame(
        {
            "ordered_at": ordered.strftime("%Y-%m-%d %H:%M"),
            "delivered_on": (ordered + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d"),
            "amount": rng.gamma(2, 30, n).round(2),
            "channel": rng.choice(["web", "app", "phone"], n),
            "complaint": np.where(complaint, "yes", "no"),
        }
    )
    frame.loc[:9, "delivered_on"] = "not a date"  # unreadable dates become missing
    frame.loc[10:19, "ordered_at"] = None
    return frame


@pytest.fixture(scope="module")
def dated_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dated")
    dated_frame().to_csv(folder / "data.csv", index=False)
    config = make_config(
        target="complaint",
        task="binary",
        positive_class="yes",
        features={"numeric": ["amount"], "categorical": ["channel"]},
        model_type="hist_gradient_boosting",
        params={"max_iter": 100},
        primary="roc_auc",
        split={"cv_folds": 3},
    )
    config.data.derived = [
        DerivedSection(name="order_dow", op="date_part", inputs=["ordered_at"], part="dayofweek"),
        DerivedSection(name="order_hour", op="date_part", inputs=["ordered_at"], part="hour"),
        DerivedSection(name="delivery_days", op="days_between",
                       inputs=["ordered_at", "delivered_on"]),
        DerivedSection(name="channel_len", op="text_length", inputs=["channel"]),
    ]  # fmt: skip
    return train(folder, config), folder / "data.csv"


def test_dates_derived_features_run_and_predict(dated_run):
    run, data = dated_run
    metrics = assert_ran(run)
    assert metrics["model"]["test"]["roc_auc"] > 0.75  # the signal is only in the derived days
    assert metrics["cv"]["folds"] == 3 and metrics["cv"]["error"] is None
    loaded = predict_on(run, data, ["ordered_at", "delivered_on", "amount", "channel"])
    assert loaded["n"] == 600


# --- clear errors from the script --------------------------------------------------------------


@pytest.fixture
def tiny(tmp_path):
    pd.DataFrame({"a": [1.0, 2.0, 3.0] * 20, "b": [0.5, 0.0, 2.0] * 20, "y": range(60)}).to_csv(
        tmp_path / "data.csv", index=False
    )

    def project(*derived: DerivedSection) -> Path:
        config = make_config(
            target="y", task="regression", features={"numeric": ["a"]}, model_type="ridge",
            primary="rmse", split={"strategy": "random"},
        )  # fmt: skip
        config.data.derived = list(derived)
        return write_project(tmp_path, config)

    return project


def assert_clear_error(process, *phrases):
    assert process.returncode == 2, process.stderr
    message = process.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message and "Traceback" not in message
    for phrase in phrases:
        assert phrase in message, message


def test_error_derived_input_not_in_the_data(tiny):
    script = tiny(DerivedSection(name="r", op="ratio", inputs=["a", "nope"]))
    assert_clear_error(run_script(script), "not in the data: 'nope'")


def test_error_derived_name_clashes_with_a_data_column(tiny):
    script = tiny(DerivedSection(name="b", op="ratio", inputs=["a", "b"]))
    assert_clear_error(run_script(script), "already data columns: 'b'", "rename")


def test_error_derived_from_the_target(tiny):
    script = tiny(DerivedSection(name="r", op="ratio", inputs=["a", "y"]))
    assert_clear_error(run_script(script), "computed from the target: ['r']")


def test_error_a_yaml_edit_with_an_unknown_op(tiny, tmp_path):
    script = tiny(DerivedSection(name="r", op="log", inputs=["a"]))
    config = tmp_path / "experiment-config.yaml"
    text = config.read_text().replace("op: log", "op: __import__('os')")
    config.write_text(text)
    assert_clear_error(run_script(script), "unknown op \"__import__('os')\"", "known: ratio")


# --- the transformer the scripts import (ml_engineer_runtime.derived) --------------------------


@pytest.fixture(scope="module")
def generated():
    from ml_engineer_runtime import derived

    return derived


def derive(module, entries: list[dict], train: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    step = module.DerivedFeatures(entries).fit(train)
    return step.transform(new)


def test_zero_denominators_and_infinities_become_missing(generated):
    frame = pd.DataFrame({"a": [1.0, 0.0, -2.0, 4.0, 1e308], "b": ["2", 0, 0, "x", 1e-308]})
    out = derive(generated, [{"name": "r", "op": "ratio", "inputs": ["a", "b"]}], frame, frame)
    assert out["r"].iloc[0] == 0.5
    assert out["r"].iloc[1:].isna().all()  # 1/0, 0/0, -2/0, unreadable, overflow
    assert list(out.columns) == ["a", "b", "r"]
    product = derive(
        generated, [{"name": "p", "op": "product", "inputs": ["a", "a"]}], frame, frame
    )
    assert np.isnan(product["p"].iloc[4]) and product["p"].iloc[3] == 16.0


def test_log_of_a_negative_is_missing(generated):
    frame = pd.DataFrame({"x": [0.0, np.e - 1, -1.0, None, "7"]})
    out = derive(generated, [{"name": "l", "op": "log", "inputs": ["x"]}], frame, frame)["l"]
    assert out.iloc[0] == 0.0 and out.iloc[1] == pytest.approx(1.0)
    assert out.iloc[2:4].isna().all() and out.iloc[4] == pytest.approx(np.log(8))


def test_frequency_is_learnt_on_train_and_unseen_values_are_zero(generated):
    train = pd.DataFrame({"c": ["a", "a", "b", None], "code": [3, 3, 3, 7]})
    new = pd.DataFrame({"c": ["a", " b ", "zzz", None], "code": ["3", 7.0, 9, None]})
    entries = [
        {"name": "fc", "op": "frequency", "inputs": ["c"]},
        {"name": "fcode", "op": "frequency", "inputs": ["code"]},
    ]
    out = derive(generated, entries, train, new)
    assert out["fc"].tolist()[:3] == [0.5, 0.25, 0.0] and np.isnan(out["fc"].iloc[3])
    assert out["fcode"].tolist()[:3] == [0.75, 0.25, 0.0]  # "3" and 7.0 match the numbers


def test_bins_are_fitted_on_train_only(generated):
    train = pd.DataFrame({"v": np.arange(100, dtype=float)})
    new = pd.DataFrame({"v": [-50.0, 10.0, 50.0, 1e6, None]})
    step = generated.DerivedFeatures([{"name": "b", "op": "bins", "inputs": ["v"], "bins": 4}])
    step.fit(train)
    edges = step.learnt_["b"]
    assert edges == pytest.approx(list(np.quantile(np.arange(100), [0.25, 0.5, 0.75])))
    out = step.transform(new)["b"]
    assert out.tolist()[:4] == [0.0, 0.0, 2.0, 3.0] and np.isnan(out.iloc[4])
    assert step.learnt_["b"] == edges  # transforming new rows learns nothing
    # Default count, and ties collapse edges rather than making empty bins.
    ties, new = pd.DataFrame({"v": [1.0] * 9 + [2.0]}), pd.DataFrame({"v": [1.0, 2.0]})
    tied = derive(generated, [{"name": "b", "op": "bins", "inputs": ["v"]}], ties, new)
    assert tied["b"].tolist() == [1.0, 1.0]


def test_dates_text_and_parts(generated):
    frame = pd.DataFrame(
        {
            "start": ["2024-02-28 10:30", "2024-12-31 23:00", "garbage", None],
            "end": ["2024-03-01", "2025-01-01", "2024-01-01", "2024-01-01"],
            "note": ["hello", "", None, "é!"],
        }
    )
    entries = [
        {"name": "days", "op": "days_between", "inputs": ["start", "end"]},
        {"name": "q", "op": "date_part", "inputs": ["start"], "part": "quarter"},
        {"name": "h", "op": "date_part", "inputs": ["start"], "part": "hour"},
        {"name": "dow", "op": "date_part", "inputs": ["end"], "part": "dayofweek"},
        {"name": "n", "op": "text_length", "inputs": ["note"]},
    ]
    out = derive(generated, entries, frame, frame)
    assert out["days"].iloc[0] == pytest.approx(1 + 13.5 / 24)  # 2024 is a leap year
    assert out["days"].iloc[2:].isna().all()
    assert out["q"].tolist()[:2] == [1.0, 4.0] and out["h"].tolist()[:2] == [10.0, 23.0]
    assert out["dow"].iloc[0] == 4.0  # 2024-03-01 was a Friday
    assert out["n"].tolist() == [5.0, 0.0, 0.0, 2.0]
    assert all(out[c].dtype == float for c in ("days", "q", "h", "dow", "n"))


def test_transformer_clones_and_checks_its_config(generated):
    entries = [{"name": "r", "op": "ratio", "inputs": ["a", "b"]}]
    step = generated.DerivedFeatures(entries)
    assert clone(step).get_params() == {"derived": entries}
    assert generated.derived_problems(
        [{"name": "x", "op": "cube", "inputs": ["a"]},
         {"name": "y", "op": "bins", "inputs": ["a"], "bins": 50},
         {"name": "y", "op": "date_part", "inputs": ["a"], "part": "week"},
         {"op": "log"}]
    ) == [
        "data.derived 'x': unknown op 'cube'; known: ratio, difference, product, days_between, "
        "log, bins, date_part, frequency, text_length",
        "data.derived 'y': bins must be a whole number from 2 to 20",
        "data.derived 'y' is listed twice",
        "data.derived 'y': part must be one of year, month, day, dayofweek, dayofyear, hour, "
        "quarter",
        "data.derived[3] needs a name",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="missing from the input: \\['b'\\]"):
        step.fit(pd.DataFrame({"a": [1.0]}))


# --- the generated code itself -----------------------------------------------------------------


def test_without_derived_features_the_script_has_no_trace_of_them():
    config = make_config(
        target="t", task="binary", features={"numeric": ["n"]}, model_type="ridge", primary="f1"
    )
    source = render_training_script(spec_for(config), config)
    assert "derive" not in source.lower() and "TransformerMixin" not in source


def test_hostile_derived_names_stay_data(tmp_path):
    ruff = Path(sys.executable).parent / "ruff"
    hostile = 'x"); import os; os.system("touch SENTINEL") #\n\u2028import os'
    config = make_config(
        target="t", task="binary", features={"numeric": ["n"]}, model_type="ridge", primary="f1"
    )
    config.data.derived = [DerivedSection(name=hostile, op="log", inputs=["n" * 120])]
    script = write_project(tmp_path, config)
    for line in script.read_text(encoding="utf-8").splitlines():
        if "os.system" in line:
            assert line.startswith("#"), line
    if ruff.is_file():
        select = ["--select", "E,F,W,I,B,UP", "--line-length", "100"]
        result = subprocess.run(
            [str(ruff), "check", "--isolated", *select, str(script)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout


@pytest.mark.skipif(SHARED is None, reason="../shared/fixtures not found")
def test_the_rendered_penguins_script_passes_ruff(penguins_planned):
    run, _, _ = penguins_planned
    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.is_file():
        pytest.skip("ruff is not installed")
    select = ["--select", "E,F,W,I,B,UP", "--line-length", "100"]
    result = subprocess.run(
        [str(ruff), "check", "--isolated", *select, str(run.script)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
