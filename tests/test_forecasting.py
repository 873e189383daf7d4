"""A forecasting goal ("next month's sales"): the target's own past as inputs, taken from
earlier rows of the same series only, a time-ordered split, and the last value as the naive
baseline the model must beat. Planned from a profile and run for real."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from ml_engineer_runtime.data import time_order
from ml_engineer_runtime.forecast import add_target_history
from script_fixtures import in_fresh_process, make_config, run_script, train, write_project
from upstream_builders import sales_frame, write_upstream

from ml_engineer.models import ForecastSection

PROFILE_MD = """# Profile: monthly sales

- Rows: {rows}
- Source: data.csv

| column | type | missing | unique | notes |
|---|---|---|---|---|
| order_month | datetime | 0 | {months} | first day of the month |
| region | categorical | 0 | {regions} | sales region |
| promo | numeric | 0 | 2 | promotion that month |
| sales | numeric | 0 | {rows} | monthly sales |
"""


def persistent_sales(months: int = 72, seed: int = 0) -> pd.DataFrame:
    """Each region's sales wander (a random walk) with a promotion effect: last month's value
    is a strong naive forecast, and only a model that uses the past AND the promo beats it."""
    rng = np.random.default_rng(seed)
    rows = []
    for region in ("north", "south", "east", "west"):
        level = rng.uniform(80, 160)
        for m in range(months):
            level += rng.normal(0, 4)
            promo = int(rng.random() < 0.35)
            date = (pd.Timestamp("2019-01-01") + pd.DateOffset(months=m)).strftime("%Y-%m-%d")
            rows.append({"order_month": date, "region": region, "promo": promo,
                         "sales": round(level + 25 * promo + rng.normal(0, 2), 2)})  # fmt: skip
    frame = pd.DataFrame(rows)
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # file order: none


@pytest.fixture(scope="module")
def forecast_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("forecast")
    frame = persistent_sales()
    profile = PROFILE_MD.format(rows=len(frame), months=72, regions=4)
    data_dir = write_upstream(
        root / "output" / "shop" / "data", frame, goal="forecast next month's sales",
        profile_text=profile,
    )  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "ml_engineer", "run", str(data_dir), "--yes"],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ml_dir = data_dir.parent / "ml"
    metrics = json.loads((ml_dir / "runs" / "validation" / "metrics.json").read_text())
    return frame, ml_dir, metrics


def test_the_plan_names_the_series_and_the_past_it_adds(forecast_run):
    _, ml_dir, _ = forecast_run
    config = yaml.safe_load((ml_dir / "experiment-config.yaml").read_text())
    assert config["data"]["split"]["strategy"] == "time"
    assert config["data"]["forecast"] == {
        "time_column": "order_month", "time_parts": [], "series": ["region"], "season": 12,
        "lags": [1, 2, 3], "rolling": [3], "predict": "change",
    }  # fmt: skip
    spec = " ".join((ml_dir / "feature-spec.md").read_text().split())
    assert "rows of each `region` are ordered by `order_month`" in spec
    assert "measures the model against the last value" in spec


def test_the_model_beats_the_last_value_on_the_newest_months(forecast_run):
    _, _, metrics = forecast_run
    assert metrics["split"] == "time"
    assert metrics["baseline_type"] == "LastValue"
    # Monthly dates: a season of 12, so the value a year back is an input too.
    assert metrics["forecast"]["history"] == [
        "sales_lag_1", "sales_lag_2", "sales_lag_3", "sales_lag_12", "sales_mean_3",
    ]  # fmt: skip
    model, last = metrics["model"]["test"]["rmse"], metrics["baseline"]["test"]["rmse"]
    assert metrics["beats_baseline"] is True and model < last * 0.8, (model, last)
    used = [item["column"] for item in metrics["importances"]["top"][:3]]
    assert "sales_lag_1" in used or "sales_mean_3" in used, used


def test_the_served_model_is_said_to_take_the_past_values_too(forecast_run):
    _, ml_dir, _ = forecast_run
    deployment = yaml.safe_load((ml_dir.parent / "mlops" / "deployment-config.yaml").read_text())
    fields = {field["name"]: field for field in deployment["input_schema"]}
    for name in ("sales_lag_1", "sales_lag_2", "sales_lag_3", "sales_mean_3"):
        assert fields[name]["type"] == "number", name
    assert {"order_month", "promo"} <= set(fields)
    # The series' name orders its history; an entity of a panel is never a model input.
    assert "region" not in fields


def test_each_lag_comes_from_earlier_rows_of_its_own_series(forecast_run):
    frame, _, _ = forecast_run
    cfg = {"time_column": "order_month", "series": ["region"], "lags": [1, 3], "rolling": [2]}
    made, names, last = add_target_history(frame, "sales", cfg)
    assert names == ["sales_lag_1", "sales_lag_3", "sales_mean_2"] and last == "sales_lag_1"
    for region, rows in made.groupby("region"):
        history = frame[frame.region == region].sort_values("order_month")["sales"].to_numpy()
        assert list(rows["order_month"]) == sorted(rows["order_month"])  # time order kept
        assert np.isnan(rows["sales_lag_1"].iloc[0])  # nothing before the first month
        np.testing.assert_allclose(rows["sales_lag_1"].iloc[1:], history[:-1])
        np.testing.assert_allclose(rows["sales_lag_3"].iloc[3:], history[:-3])
        two_back = (history[1:-1] + history[:-2]) / 2
        np.testing.assert_allclose(rows["sales_mean_2"].iloc[2:], two_back)


def test_a_single_series_needs_no_series_column(tmp_path):
    frame = sales_frame()
    north = frame[frame.region == "north"].drop(columns="region").reset_index(drop=True)
    profile = PROFILE_MD.format(rows=len(north), months=60, regions=1).replace(
        "| region | categorical | 0 | 1 | sales region |\n", ""
    )
    data_dir = write_upstream(
        tmp_path / "output" / "one" / "data", north, goal="forecast next month's sales",
        profile_text=profile,
    )  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "ml_engineer", "run", str(data_dir), "--yes", "--no-mlops"],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    config = yaml.safe_load((data_dir.parent / "ml" / "experiment-config.yaml").read_text())
    assert config["data"]["forecast"]["series"] == []
    metrics_path = data_dir.parent / "ml" / "runs" / "validation" / "metrics.json"
    assert json.loads(metrics_path.read_text())["baseline_type"] == "LastValue"


def test_a_history_column_that_already_exists_is_refused_in_one_line(forecast_run, tmp_path):
    frame, ml_dir, _ = forecast_run
    clash = frame.assign(sales_lag_1=0.0)
    clash.to_csv(tmp_path / "clash.csv", index=False)
    proc = subprocess.run(
        [sys.executable, str(ml_dir / "training_script.py"), "--data", str(tmp_path / "clash.csv"),
         "--output-dir", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "sales_lag_1" in proc.stderr and "already exist" in proc.stderr
    assert not Path(tmp_path / "out" / "metrics.json").exists()


# --- forecasts run for real from hand-built configs: change, seasons, finer time parts ----------


def trending_sales(months: int = 120, seed: int = 0) -> pd.DataFrame:
    """One series that climbs 2 a month, with persistent noise: its newest months are levels
    the training rows never reached."""
    rng = np.random.default_rng(seed)
    noise = np.zeros(months)
    for t in range(1, months):
        noise[t] = 0.6 * noise[t - 1] + rng.normal(0, 2)
    dates = pd.date_range("2015-01-01", periods=months, freq="MS").strftime("%Y-%m-%d")
    return pd.DataFrame({"month": dates, "sales": (100 + 2.0 * np.arange(months) + noise).round(2)})


def seasonal_visitors(months: int = 96, seed: int = 0) -> pd.DataFrame:
    """Two stores whose visitors follow the calendar (a 12-month cycle), rows in no order."""
    rng = np.random.default_rng(seed)
    rows = [
        {"month": (pd.Timestamp("2015-01-01") + pd.DateOffset(months=t)).strftime("%Y-%m-%d"),
         "store": store,
         "visitors": round(base + 20 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1.5), 2)}
        for store, base in (("a", 50), ("b", 80)) for t in range(months)
    ]  # fmt: skip
    return pd.DataFrame(rows).sample(frac=1.0, random_state=seed).reset_index(drop=True)


def run_forecast(folder: Path, frame: pd.DataFrame, target: str, forecast: ForecastSection,
                 features: dict[str, list[str]]):  # fmt: skip
    """The generated script on `frame`, a time split on the forecast's time columns."""
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "data.csv", index=False)
    split = {"strategy": "time", "time_column": forecast.time_column,
             "time_parts": forecast.time_parts}  # fmt: skip
    config = make_config(
        target=target, task="regression", primary="rmse", secondary=["mae"], features=features,
        model_type="hist_gradient_boosting", split=split,
    )  # fmt: skip
    config.data.forecast = forecast
    return train(folder, config)


def test_a_trending_series_is_forecast_as_a_change_from_the_last_value(tmp_path):
    frame = trending_sales()
    dates = {"datetime": ["month"]}
    change = run_forecast(
        tmp_path / "change", frame, "sales", ForecastSection(time_column="month"), dates
    )
    level = run_forecast(
        tmp_path / "level", frame, "sales", ForecastSection(time_column="month", predict="level"),
        dates,
    )  # fmt: skip
    model = change.metrics["model"]["test"]["rmse"]
    last = change.metrics["baseline"]["test"]["rmse"]
    assert change.metrics["forecast"]["predict"] == "change from the last value"
    assert change.metrics["beats_baseline"] and model < last, (model, last)
    # Trees on the level cannot reach values above those they were trained on.
    assert level.metrics["model"]["test"]["rmse"] > 5 * model

    # model.joblib still takes the raw columns with the target's past, and predicts the level.
    code = """
import sys, joblib, pandas as pd
from ml_engineer_runtime.forecast import add_target_history
script_dir, model_path, data_path, target = sys.argv[1:5]
frame = pd.read_csv(data_path)
cfg = {"time_column": "month"}
made, history, _ = add_target_history(frame, target, cfg)
predicted = joblib.load(model_path).predict(made.drop(columns=[target]).tail(12))
print(abs(predicted - made[target].tail(12).to_numpy()).mean())
"""
    error = float(in_fresh_process(change, code, tmp_path / "change" / "data.csv", "sales"))
    assert error < 5  # levels near 330, not changes near 2


def test_a_seasonal_series_faces_the_value_one_season_back_too(tmp_path):
    run = run_forecast(
        tmp_path, seasonal_visitors(), "visitors",
        ForecastSection(time_column="month", series=["store"], season=12),
        {"datetime": ["month"], "categorical": ["store"]},
    )  # fmt: skip
    metrics = run.metrics
    baselines = {name: scores["test"]["rmse"] for name, scores in
                 metrics["forecast"]["baselines"].items()}  # fmt: skip
    assert set(baselines) == {"the last value", "the value 12 periods back"}
    assert baselines["the value 12 periods back"] < baselines["the last value"] / 2
    assert metrics["forecast"]["bar"] == metrics["baseline_label"] == "the value 12 periods back"
    assert metrics["baseline"]["test"]["rmse"] == baselines["the value 12 periods back"]
    model = metrics["model"]["test"]["rmse"]
    # Beating the last value is not enough: the bar is the better of the two.
    assert model < baselines["the last value"]
    assert metrics["beats_baseline"] == (model < baselines["the value 12 periods back"])
    assert "visitors_lag_12" in metrics["forecast"]["history"]
    assert "(the value 12 periods back, better than the last value at" in run.process.stdout


def test_a_year_and_its_quarter_order_the_rows(tmp_path):
    # The value is the quarter's number: in time order, each value is the last one plus 1.
    rows = [{"year": year, "quarter": f"Q{quarter}", "region": region,
             "orders": (year - 2000) * 4 + quarter + offset}
            for year in range(2000, 2015) for quarter in range(1, 5)
            for region, offset in (("north", 0.0), ("south", 100.0))]  # fmt: skip
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=0).reset_index(drop=True)
    run = run_forecast(
        tmp_path, frame, "orders",
        ForecastSection(time_column="year", time_parts=["quarter"], series=["region"]),
        {"numeric": ["year"], "categorical": ["region"]},
    )  # fmt: skip
    last_value = run.metrics["forecast"]["baselines"]["the last value"]["test"]
    assert last_value["mae"] == pytest.approx(1.0)  # quarters in any other order: larger steps


def test_time_parts_sort_as_time_and_gaps_take_the_value_before():
    periods = pd.DataFrame({"year": [2021, 2020, 2020, 2021, 2020],
                            "month": ["Feb", "Dec", "Jan", "jan", "Mar"]})  # fmt: skip
    order = time_order(periods, ["year", "month"])
    assert [tuple(periods.iloc[i]) for i in order] == [
        (2020, "Jan"), (2020, "Mar"), (2020, "Dec"), (2021, "jan"), (2021, "Feb"),
    ]  # fmt: skip
    weekly = pd.DataFrame({"week": range(6), "co2": [1.0, 2.0, None, None, 5.0, 6.0]})
    made, _, last = add_target_history(weekly, "co2", {"time_column": "week", "lags": [1]})
    assert made[last].tolist()[1:] == [1.0, 2.0, 2.0, 2.0, 5.0]  # a gap: the value known before


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        ({"season": 1}, "data.forecast.season 1: use a whole number of periods of 2 or more"),
        ({"season": "weekly"}, "data.forecast.season 'weekly'"),
        ({"predict": "levels"}, "data.forecast.predict 'levels': use change or level"),
        ({"target_transform": "log1p"}, "model.target_transform does not fit"),
    ],
)
def test_a_forecast_config_mistake_is_one_line(tmp_path, edit, said):
    frame = trending_sales(40)
    frame.to_csv(tmp_path / "data.csv", index=False)
    config = make_config(
        target="sales", task="regression", primary="rmse", features={"datetime": ["month"]},
        model_type="ridge", split={"strategy": "time", "time_column": "month"},
    )  # fmt: skip
    config.data.forecast = ForecastSection(time_column="month")
    config.model.target_transform = edit.pop("target_transform", None)
    script = write_project(tmp_path, config)
    text = yaml.safe_load((tmp_path / "experiment-config.yaml").read_text())
    text["data"]["forecast"].update(edit)  # what a hand edit could write
    (tmp_path / "experiment-config.yaml").write_text(yaml.safe_dump(text))
    process = run_script(script)
    assert process.returncode == 2 and "Traceback" not in process.stderr
    assert process.stderr.startswith(f"error: {said}"), process.stderr


# A hand edit that asks the script for code it was written without: refused before any data is
# read, where it would otherwise crash late or run and report what it did not do.
@pytest.mark.parametrize(
    ("written_for", "edit", "said"),
    [
        ("level", lambda data: data["forecast"].update(predict="change"),
         "data.forecast.predict 'change': this script models the level"),
        ("level", lambda data: data.pop("forecast"), "data.forecast is missing"),
        (None, lambda data: data.update(forecast={"time_column": "month"}),
         "data.forecast: this script was not written for a forecast"),
        (None, lambda data: data.update(derived=[{"name": "m2", "op": "ratio",
                                                  "inputs": ["sales", "sales"]}]),
         "data.derived: this script has no step that derives columns"),
    ],
)  # fmt: skip
def test_a_config_asking_for_code_the_script_lacks_is_refused_in_one_line(
    tmp_path, written_for, edit, said
):
    trending_sales(40).to_csv(tmp_path / "data.csv", index=False)
    config = make_config(
        target="sales", task="regression", primary="rmse", features={"datetime": ["month"]},
        model_type="ridge", split={"strategy": "time", "time_column": "month"},
    )  # fmt: skip
    if written_for:
        config.data.forecast = ForecastSection(time_column="month", predict=written_for)
    script = write_project(tmp_path, config)
    text = yaml.safe_load((tmp_path / "experiment-config.yaml").read_text())
    edit(text["data"])
    (tmp_path / "experiment-config.yaml").write_text(yaml.safe_dump(text))
    process = run_script(script)
    assert process.returncode == 2 and "Traceback" not in process.stderr, process.stderr
    assert process.stderr.startswith(f"error: {said}"), process.stderr
    assert "ml-engineer revise" in process.stderr
