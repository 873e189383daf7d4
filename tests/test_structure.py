"""What the rows are: keys, entities, panels and time, and the split and exclusions they decide.
Small frames shaped like public tables (a state-by-year panel, a survey in communes, a quarterly
series), profiled from data as `ml-engineer run data.csv` does."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml_engineer.inputs.data.column_profile import add_data_columns
from ml_engineer.inputs.data.table_facts import measure_table_facts
from ml_engineer.models import AnalystNotes, DataProfile
from ml_engineer.planning.planner import DataEvidence, PlanRequest, plan_feature_spec
from ml_engineer.planning.structure import candidate_pairs, read_structure

RNG = np.random.default_rng(0)


def profiled(frame: pd.DataFrame) -> tuple[DataProfile, DataEvidence]:
    """The profile and the table facts, as the planner gets them from the data."""
    empty = DataProfile(source_format="canonical", profile_path="p.json", columns=[])
    profile = add_data_columns(empty, frame)
    profile.row_count = len(frame)
    dates = [c.name for c in profile.columns if c.kind == "datetime"]
    table = measure_table_facts(frame, candidate_pairs(profile), dates)
    return profile, DataEvidence(table=table)


def plan(frame: pd.DataFrame, target: str, goal: str | None = None):
    profile, evidence = profiled(frame)
    request = PlanRequest(slug="t", goal_text=goal, target=None if goal else target)
    return plan_feature_spec(profile, AnalystNotes(), request, evidence=evidence)


def decision(spec, name):
    return next(c for c in spec.columns if c.name == name)


def panel(states: int = 30, years: int = 8) -> pd.DataFrame:
    rows = [
        {"state": s, "year": 1980 + y, "beertax": RNG.uniform(0, 2), "unrate": RNG.uniform(3, 12),
         "mrall": RNG.uniform(1, 3)}
        for s in range(1, 2 * states, 2) for y in range(years)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_a_state_by_year_panel_is_grouped_by_state_and_state_is_never_an_input():
    spec = plan(panel(), "mrall")
    assert spec.split.strategy == "group" and spec.split.group_column == "state"
    state = decision(spec, "state")
    assert not state.keep and "panel" in state.reason and "30 entities x 8 times" in state.reason
    assert decision(spec, "year").keep


def test_a_panel_of_few_entities_holds_out_the_latest_periods_instead():
    spec = plan(panel(states=6, years=30), "mrall")
    assert spec.split.strategy == "time" and spec.split.time_column == "year"
    assert "too few" in spec.split.reason
    assert not decision(spec, "state").keep


def test_people_surveyed_in_communes_are_grouped_by_commune():
    frame = pd.DataFrame({
        "commune": RNG.integers(1, 200, 4000), "age": RNG.integers(18, 80, 4000),
        "illdays": RNG.integers(0, 30, 4000), "visits": RNG.poisson(1.0, 4000),
    })  # fmt: skip
    spec = plan(frame, "visits")
    assert spec.split.strategy == "group" and spec.split.group_column == "commune"
    assert not decision(spec, "commune").keep


def test_a_place_code_shared_by_many_people_is_a_category_or_too_many_to_one_hot():
    frame = pd.DataFrame({
        "state": RNG.integers(1, 51, 3000), "region": RNG.integers(1, 10, 3000),
        "age": RNG.integers(18, 80, 3000), "ui": RNG.choice(["yes", "no"], 3000),
    })  # fmt: skip
    spec = plan(frame, "ui")
    region, state = decision(spec, "region"), decision(spec, "state")
    assert region.keep and region.treatment == "categorical" and "code" in region.reason
    # 50 states: one-hot is too wide and target encoding measured worse than the number
    assert state.keep and state.treatment == "numeric" and "too many to one-hot" in state.reason
    assert spec.split.strategy == "stratified"


def test_unique_codes_of_any_type_are_keys():
    n = 400
    frame = pd.DataFrame({
        "distcod": RNG.permutation(np.arange(75000, 75000 + n)),  # unique, not the row order
        "row": np.arange(n),
        "district": [f"District {i}" for i in RNG.permutation(n)],
        "income": RNG.integers(10_000, 200_000, n),  # unique-ish whole numbers: a magnitude
        "score": RNG.normal(650, 20, n),
    })  # fmt: skip
    spec = plan(frame, "score")
    for key in ("distcod", "row", "district"):
        assert not decision(spec, key).keep, key
        assert decision(spec, key).reason.startswith("identifier"), key
    assert decision(spec, "income").keep


def test_glued_id_names_are_entities():
    n = 3000
    frame = pd.DataFrame({
        "schidkn": RNG.integers(1, 80, n),  # a school's ID, in kindergarten
        "townid": RNG.integers(1, 90, n), "paid": RNG.integers(0, 90, n),
        "score": RNG.normal(500, 40, n),
    })  # fmt: skip
    spec = plan(frame, "score")
    assert not decision(spec, "schidkn").keep and not decision(spec, "townid").keep
    assert decision(spec, "paid").keep  # `paid` ends in "id", but names no entity


def test_interview_and_person_numbers_are_never_inputs_and_families_are_grouped():
    n = 3000
    family = np.repeat(np.arange(1, 1801), 2)[:n]
    frame = pd.DataFrame({
        "intnum": family, "persnum": RNG.integers(1, 60, n), "age": RNG.integers(20, 60, n),
        "earnings": RNG.normal(30000, 8000, n),
    })  # fmt: skip
    spec = plan(frame, "earnings")
    assert not decision(spec, "intnum").keep and not decision(spec, "persnum").keep
    assert spec.split.group_column == "intnum"


def test_year_and_quarter_make_a_time_index_for_a_forecast():
    frame = pd.DataFrame({
        "year": np.repeat(np.arange(1990, 2010), 4), "quarter": np.tile([1, 2, 3, 4], 20),
        "sales": np.linspace(100, 300, 80) + RNG.normal(0, 5, 80),
    })  # fmt: skip
    spec = plan(frame, "sales", goal="forecast next quarter's sales")
    assert spec.goal.forecasting and spec.goal.time_column == "year"
    assert spec.goal.time_parts == ["quarter"] and spec.goal.season == 4
    assert spec.split.strategy == "time" and spec.split.time_parts == ["quarter"]


def test_a_single_series_is_split_by_time_even_without_a_forecast_goal():
    frame = pd.DataFrame({"time": np.arange(1, 151), "leading": RNG.normal(10, 1, 150),
                          "sales": np.linspace(200, 260, 150)})  # fmt: skip
    spec = plan(frame, "sales")
    assert spec.split.strategy == "time" and spec.split.time_column == "time"
    assert "one series in time" in spec.split.reason


def test_a_duration_called_time_is_not_a_time_axis():
    frame = pd.DataFrame({
        "time": RNG.exponential(300, 300).round(), "age": RNG.integers(30, 80, 300),
        "status": RNG.choice(["a", "b"], 300),
    })  # fmt: skip
    profile, evidence = profiled(frame)
    assert read_structure(profile, target="status", facts=evidence.table).time is None


def test_weekly_dates_give_a_forecast_a_season_of_52():
    dates = pd.date_range("2000-01-01", periods=300, freq="W")
    frame = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "co2": np.linspace(300, 330, 300)})
    spec = plan(frame, "co2", goal="forecast next week's co2")
    assert spec.goal.time_column == "date" and spec.goal.season == 52


def test_an_llm_agent_may_not_shuffle_a_panel_but_a_person_may_choose_for_it():
    from ml_engineer.models.proposals import FeatureProposal
    from ml_engineer.planning.feature_checks import review_feature_proposal

    frame = panel()
    profile, evidence = profiled(frame)
    spec = plan(frame, "mrall")
    review = review_feature_proposal(
        FeatureProposal(split_strategy="random", split_reason="more data in training"),
        profile, AnalystNotes(), spec,
    )  # fmt: skip
    assert any("a random split is refused" in p and "panel" in p for p in review.problems)
    assert review.accepted.split_strategy is None  # the planner's grouped split stands


def test_a_measure_of_an_entity_is_neither_an_entity_nor_a_code():
    n = 600
    frame = pd.DataFrame({
        "account_balance": RNG.integers(0, 400, n), "household_income": RNG.integers(0, 300, n),
        "hh_size": RNG.integers(1, 9, n), "state": RNG.integers(1, 40, n),
        "y": RNG.normal(size=n),
    })  # fmt: skip
    profile, evidence = profiled(frame)
    structure = read_structure(profile, target="y", facts=evidence.table)
    assert not set(structure.entities) & {"account_balance", "household_income"}
    assert set(structure.codes) == {"state"}
    assert "a numeric code for a state" in structure.codes["state"]


def test_a_document_number_is_a_key_and_a_rate_per_year_is_not_a_year():
    n = 300
    frame = pd.DataFrame({
        "docno": 78001 + np.sort(RNG.choice(5000, n, replace=False)),
        "visits_per_year": RNG.integers(0, 41, n), "y": RNG.normal(size=n),
    })  # fmt: skip
    profile, evidence = profiled(frame)
    structure = read_structure(profile, target="y", facts=evidence.table)
    assert "docno" in structure.keys
    assert structure.time is None
