"""The Spark training script (framework `spark`), rendered and RUN in local mode on real data.

Spark is slow to start (a JVM per process), so the three scenarios run once per module, side by
side, and one fresh process loads all three saved models from the installed runtime alone (no
copy of the script, no sys.path change). Each scenario covers several things:

    binary      CSV, breast cancer with string labels, a categorical column, missing values, rows
                without a target, a column name with quotes, spaces, a backtick and a dot,
                class_weight balanced, stratified split, GBTClassifier
    multiclass  Parquet with typed columns, every feature group, a group split, `gbt` (which
                trains a random forest: Spark's GBT classifier is binary only)
    regression  CSV, diabetes, a time split, every derived op, --sample-rows, GBTRegressor
                measured against LinearRegression (search.alternatives)

The user-mistake cases fail before Spark starts, so they are fast. The runtime's Spark modules
(spark_inputs: the saved model's first stage; spark_training) are unit-tested last, in one
Spark session of this process, started once the scripts' runs are done.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ml_engineer_runtime
import numpy as np
import pandas as pd
import pytest
from script_fixtures import SCRIPT_ENV, make_config, run_script, spec_for, write_project

from ml_engineer.models import DerivedSection, ModelSection, SearchSection

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java on PATH", allow_module_level=True)

RUFF_SELECT = ["--select", "E,F,W,I,B,UP", "--line-length", "100"]
# A name Spark would misread if the script passed it to F.col() or into SQL.
WEIRD = 'mean `radius` "q" it\'s a.b'
# Small models: the data is small, and each tree level is a Spark job.
GBT_PARAMS = {"maxIter": 8, "max_depth": 3}
# One local core per script: the three scenarios run side by side on a two-core machine.
SPARK_ENV = {**SCRIPT_ENV, "SPARK_MASTER": "local[1]"}
# A JVM start and Spark's many small jobs: generous, as other jobs may share the machine.
SPARK_TIMEOUT_S = 420


def run_spark_script(script: Path, *args: str) -> subprocess.CompletedProcess:
    """run_script with a Spark-sized timeout, from the folder above the script's."""
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=script.parent.parent, env=SPARK_ENV, capture_output=True, text=True,
        timeout=SPARK_TIMEOUT_S,
    )  # fmt: skip


# --- data --------------------------------------------------------------------------------------


def binary_project(folder: Path):
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    rng = np.random.default_rng(0)
    frame = data.frame.drop(columns=["target"]).iloc[:, :12]  # 12 inputs are plenty
    frame = frame.rename(columns={"mean radius": WEIRD})
    frame["site"] = rng.choice(["north", "south", "east"], len(frame))
    frame.loc[rng.random(len(frame)) < 0.1, "mean texture"] = np.nan
    frame.loc[rng.random(len(frame)) < 0.05, "site"] = None
    frame["diagnosis"] = np.where(data.target == 1, "benign", "malignant")
    frame.loc[[3, 50, 200], "diagnosis"] = None  # dropped and counted
    folder.mkdir(parents=True)
    frame.to_csv(folder / "data.csv", index=False)
    numeric = [name for name in frame.columns if name not in ("diagnosis", "site")]
    config = make_config(
        target="diagnosis",
        task="binary",
        features={"numeric": numeric, "categorical": ["site"]},
        model_type="gbt",
        params=GBT_PARAMS,
        primary="roc_auc",
        secondary=["average_precision", "f1", "accuracy", "precision", "recall", "log_loss"],
        positive_class="malignant",
        framework="spark",
    )
    config.model.class_weight = "balanced"
    return config, folder / "data.csv", "diagnosis"


def multiclass_frame(n: int = 900, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], n)
    member = rng.random(n) < 0.5
    signup = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    words = {"gold": "premium lounge upgrade", "silver": "standard seat", "bronze": "basic fare"}
    score = 1.6 * x1 + 0.8 * (color == "red") - 0.8 * (color == "blue") + 0.6 * member
    tier = np.where(score > 0.8, "gold", np.where(score > -0.6, "silver", "bronze"))
    review = [
        f"{words[t] if rng.random() < 0.7 else 'no comment'} {rng.integers(100)}" for t in tier
    ]
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "color": color,
            "member": member,
            "signup": signup,
            "review": review,
            "city": [f"city{c}" for c in rng.integers(0, 60, n)],
            "store": [f"store{s}" for s in rng.integers(0, 40, n)],
            "tier": tier,
        }
    )


def multiclass_project(folder: Path):
    folder.mkdir(parents=True)
    path = folder / "data.parquet"
    multiclass_frame().to_parquet(path, index=False)
    config = make_config(
        target="tier",
        task="multiclass",
        features={
            "numeric": ["x1", "x2"],
            "categorical": ["color"],
            "high_cardinality": ["city"],
            "boolean": ["member"],
            "datetime": ["signup"],
            "text": ["review"],
        },
        model_type="gbt",
        params={"maxIter": 8, "maxDepth": 5, "numTrees": 20},  # maxIter: GBT only, left out
        primary="f1_macro",
        secondary=["accuracy", "balanced_accuracy", "roc_auc", "log_loss"],
        split={"strategy": "group", "group_column": "store"},
        path="data.parquet",
        data_format="parquet",
        text_max_features=256,
        framework="spark",
    )
    return config, path, "tier"


def regression_project(folder: Path):
    from sklearn.datasets import load_diabetes

    data = load_diabetes(as_frame=True, scaled=False)
    rng = np.random.default_rng(2)
    frame = data.frame.rename(columns={"target": "progression"})
    n = len(frame)
    frame["visit"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D")
    frame["visit"] = frame["visit"].dt.strftime("%Y-%m-%d")
    frame.loc[[5, 6], "visit"] = "not a date"
    frame["referral"] = pd.Timestamp("2019-06-01") + pd.to_timedelta(rng.integers(0, 200, n), "D")
    frame["referral"] = frame["referral"].dt.strftime("%m/%d/%Y")  # a US date, not ISO
    clinics = ["Main St", "Harbor", "Hill Top Clinic", "North"]
    frame["clinic"] = rng.choice(clinics, n, p=[0.5, 0.3, 0.15, 0.05])
    folder.mkdir(parents=True)
    frame.to_csv(folder / "data.csv", index=False)
    numeric = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
    config = make_config(
        target="progression",
        task="regression",
        features={"numeric": numeric},
        model_type="gbt",
        params=GBT_PARAMS,
        primary="rmse",
        secondary=["mae", "r2"],
        split={"strategy": "time", "time_column": "visit"},
        framework="spark",
    )
    config.data.derived = [
        DerivedSection(name="bmi_per_bp", op="ratio", inputs=["bmi", "bp"]),
        DerivedSection(name="s1_minus_s2", op="difference", inputs=["s1", "s2"]),
        DerivedSection(name="bmi_times_age", op="product", inputs=["bmi", "age"]),
        DerivedSection(name="log_s1", op="log", inputs=["s1"]),
        DerivedSection(name="age_bin", op="bins", inputs=["age"], bins=4),
        DerivedSection(name="visit_month", op="date_part", inputs=["visit"], part="month"),
        DerivedSection(name="wait_days", op="days_between", inputs=["referral", "visit"]),
        DerivedSection(name="clinic_share", op="frequency", inputs=["clinic"]),
        DerivedSection(name="clinic_chars", op="text_length", inputs=["clinic"]),
    ]
    config.data.protected = ["sex"]
    params = {"reg_param": 0.1}  # scikit-learn style: the script reads it as regParam
    alternative = ModelSection(framework="spark", type="linear_regression", params=params)
    config.search = SearchSection(alternatives=[alternative])
    return config, folder / "data.csv", "progression"


SCENARIOS = {
    "binary": (binary_project, ()),
    "multiclass": (multiclass_project, ()),
    "regression": (regression_project, ("--sample-rows", "400")),
}


# --- the runs ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each scenario's (config, data path, target, process, output dir), run side by side."""
    root = tmp_path_factory.mktemp("spark")
    prepared = {}
    for name, (build, args) in SCENARIOS.items():
        config, data_path, target = build(root / name)
        script = write_project(root / name, config)
        prepared[name] = (config, data_path, target, script, args)
    # The regression run finds an earlier run's model/ where it saves its own.
    earlier = root / "regression" / "runs" / "latest" / "model"
    earlier.mkdir(parents=True)
    (earlier / "from-an-earlier-run").write_text("stale", encoding="utf-8")

    def run(name: str):
        config, data_path, target, script, args = prepared[name]
        process = run_spark_script(script, *args)
        return name, (config, data_path, target, process, script.parent / "runs" / "latest")

    with ThreadPoolExecutor(len(SCENARIOS)) as pool:
        return dict(pool.map(run, SCENARIOS))


def metrics_of(runs, name: str) -> dict:
    process, output_dir = runs[name][3], runs[name][4]
    assert process.returncode == 0, process.stderr[-3000:]
    return json.loads((output_dir / "metrics.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_runs_cleanly_and_beats_the_baseline(runs, name):
    process = runs[name][3]
    metrics = metrics_of(runs, name)
    assert "Traceback" not in process.stderr
    # Quiet: no log lines from Spark, only the JVM's own note on the vector module it loads.
    noise = [line for line in process.stderr.splitlines() if line.strip()]
    assert all(line.startswith("WARNING: Using incubator modules") for line in noise), noise
    assert "beats the baseline" in process.stdout
    assert metrics["beats_baseline"] is True, metrics
    primary = metrics["primary_metric"]
    assert metrics["model"]["test"][primary] is not None
    for key in ("task", "target", "lower_is_better", "baseline_type", "rows", "split",
                "model_type", "model_params", "fit_seconds", "total_seconds",
                "unavailable_metrics"):  # fmt: skip
        assert key in metrics
    assert metrics["model_type"] in ("gbt", "linear_regression")  # the search may choose
    assert metrics["saved_model"] == {
        **metrics["saved_model"],
        "path": "model",
        "format": "spark",
        "fitted_on": "train+val",
        # Its first stage is the runtime's: loading needs the version that saved it.
        "loads_with": f"ml-engineer-runtime=={ml_engineer_runtime.__version__} and pyspark",
    }
    assert (runs[name][4] / "model" / "metadata").is_dir()


def test_the_model_replaces_an_earlier_one_whole_and_no_temporary_file_is_left(runs):
    metrics_of(runs, "regression")
    output_dir = runs["regression"][4]
    assert sorted(path.name for path in output_dir.iterdir()) == ["metrics.json", "model"]
    assert not (output_dir / "model" / "from-an-earlier-run").exists()
    assert (output_dir / "model" / "metadata").is_dir()


def test_binary_details(runs):
    metrics = metrics_of(runs, "binary")
    assert metrics["classes"] == ["benign", "malignant"]
    assert metrics["positive_class"] == "malignant"
    assert metrics["rows"]["dropped_missing_target"] == 3
    assert sum(metrics["rows"][part] for part in ("train", "val", "test")) == 569 - 3
    assert metrics["estimator"] == "GBTClassifier"
    assert metrics["estimator_params"] == {"maxIter": 8, "maxDepth": 3}  # max_depth: an alias
    test = metrics["model"]["test"]
    assert set(test) == {"roc_auc", "average_precision", "f1", "accuracy", "precision",
                         "recall", "log_loss"}  # fmt: skip
    assert test["roc_auc"] > 0.9 and test["log_loss"] < metrics["baseline"]["test"]["log_loss"]
    assert repr(WEIRD) in runs["binary"][3].stdout  # the name was read as written


def test_multiclass_details(runs):
    metrics = metrics_of(runs, "multiclass")
    assert metrics["classes"] == ["bronze", "gold", "silver"]
    assert metrics["estimator"] == "RandomForestClassifier"
    assert metrics["estimator_params"] == {"maxDepth": 5, "numTrees": 20}
    assert "binary only" in runs["multiclass"][3].stdout
    assert "'maxIter' left out" in runs["multiclass"][3].stdout
    assert metrics["split"] == "group"
    assert metrics["model"]["test"]["accuracy"] > metrics["baseline"]["test"]["accuracy"]


def test_regression_details(runs):
    metrics = metrics_of(runs, "regression")
    assert metrics["sampled_rows"] == 400
    assert sum(metrics["rows"][part] for part in ("train", "val", "test")) == 400
    assert metrics["lower_is_better"] is True
    assert metrics["classes"] is None
    assert metrics["model"]["test"]["r2"] > 0.2
    assert "derived (9)" in runs["regression"][3].stdout
    # Not measured per group, and said so, so that the approval does not read silence as fair.
    assert metrics["groups"] == {
        "columns": {"sex": {"skipped": "not measured per group by the Spark script"}}
    }
    search = metrics["search"]
    assert [item["type"] for item in search["tried"]] == ["gbt", "linear_regression"]
    assert all(item["score"] > 0 for item in search["tried"])  # rmse on val, both measured
    # Bounded by its count of candidates; the cap (search.max_seconds) only stops a runaway.
    assert search["max_seconds"] == 600.0 and "cut" not in search and "budget_s" not in search
    assert [item["label"] for item in search["tried"]] == ["gbt", "linear_regression"]
    chosen = search["tried"][search["chosen"]]["type"]
    assert metrics["model_type"] == metrics["model_label"] == chosen
    assert metrics["estimator"] == {"gbt": "GBTRegressor"}.get(chosen, "LinearRegression")
    if chosen == "linear_regression":
        assert metrics["estimator_params"] == {"regParam": 0.1}  # from reg_param


# Runs in a fresh interpreter, isolated (-I: neither the scripts' folder nor the working folder
# is on sys.path), in a folder of its own: the models load from installed packages alone.
LOAD_AND_TRANSFORM = """
import json, sys
from pyspark.ml import PipelineModel
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
         .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1")
         .config("spark.sql.session.timeZone", "UTC").getOrCreate())
result = {}
for model_path, data_path, target in json.loads(sys.argv[1]):
    model = PipelineModel.load(model_path)
    assert "training_script" not in sys.modules, "the model needed the script itself"
    if data_path.endswith(".parquet"):
        frame = spark.read.parquet(data_path)
    else:
        frame = spark.read.csv(data_path, header=True, escape='"')
    frame = frame.drop(target)
    columns = [c for c in ("prediction", "probability", "predicted_label") if c in
               model.transform(frame.limit(1)).columns]
    rows = model.transform(frame).select(*columns).collect()
    result[model_path] = {
        "rows": len(rows), "columns": columns,
        "first_stage": type(model.stages[0]).__module__ + "." + type(model.stages[0]).__name__,
        "labels": sorted({row["predicted_label"] for row in rows}) if "predicted_label" in
                  columns else None,
        "proba_len": len(rows[0]["probability"]) if "probability" in columns else None,
    }
spark.stop()
result["script_imported"] = "training_script" in sys.modules
print(json.dumps(result))
"""
FIRST_STAGE = "ml_engineer_runtime.spark_inputs.PreparedInputs"


@pytest.mark.slow
def test_saved_models_load_in_a_fresh_process_and_take_raw_data(runs, tmp_path):
    jobs = []
    for name in SCENARIOS:
        metrics_of(runs, name)  # the run succeeded
        _, data_path, target, _, output_dir = runs[name]
        jobs.append((str(output_dir / "model"), str(data_path), target))
        # The saved model names its first stage by the runtime's module, not the script's.
        # Spark pads the stage numbers to one width (0_, or 00_ from ten stages on).
        first = min((output_dir / "model" / "stages").iterdir(), key=lambda p: p.name)
        (metadata,) = (first / "metadata").glob("part-*")
        assert json.loads(metadata.read_text(encoding="utf-8"))["class"] == FIRST_STAGE
    elsewhere = tmp_path / "elsewhere"  # not a script's folder, nor a parent of one
    elsewhere.mkdir()
    process = subprocess.run(
        [sys.executable, "-I", "-c", LOAD_AND_TRANSFORM, json.dumps(jobs)],
        cwd=elsewhere, capture_output=True, text=True, timeout=SPARK_TIMEOUT_S,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr[-3000:]
    result = json.loads(process.stdout.strip().splitlines()[-1])
    assert result.pop("script_imported") is False
    binary, multiclass, regression = (result[job[0]] for job in jobs)
    assert binary == {
        "rows": 569, "columns": ["prediction", "probability", "predicted_label"],
        "first_stage": FIRST_STAGE, "labels": binary["labels"], "proba_len": 2,
    }  # fmt: skip
    assert set(binary["labels"]) == {"benign", "malignant"}
    assert multiclass["rows"] == 900 and multiclass["proba_len"] == 3
    assert set(multiclass["labels"]) <= {"bronze", "gold", "silver"}
    assert regression == {
        "rows": 442, "columns": ["prediction"], "first_stage": FIRST_STAGE,
        "labels": None, "proba_len": None,
    }  # fmt: skip


# --- user mistakes: one line, exit 2, no traceback, before Spark starts ------------------------


def small_project(folder: Path, **overrides):
    folder.mkdir(parents=True)
    pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": ["p", "q", "p", "q"], "y": [0, 1, 0, 1]}).to_csv(
        folder / "data.csv", index=False
    )
    options = {
        "target": "y", "task": "binary", "features": {"numeric": ["a"], "categorical": ["b"]},
        "model_type": "gbt", "primary": "roc_auc", "framework": "spark", **overrides,
    }  # fmt: skip
    return write_project(folder, make_config(**options))


def assert_one_line_error(process: subprocess.CompletedProcess, *fragments: str) -> None:
    assert process.returncode == 2, process.stderr
    assert "Traceback" not in process.stderr
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), process.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_missing_column_is_one_line(tmp_path):
    script = small_project(tmp_path / "p", features={"numeric": ["a", "nope"]})
    assert_one_line_error(run_script(script), "not in the data", "'nope'")


def test_unknown_param_is_one_line(tmp_path):
    script = small_project(tmp_path / "p", params={"colsample_bytree": 0.5})
    assert_one_line_error(run_script(script), "'colsample_bytree'", "GBTClassifier", "maxDepth")


def test_unknown_model_type_is_one_line(tmp_path):
    script = small_project(tmp_path / "p", model_type="hist_gradient_boosting")
    assert_one_line_error(run_script(script), "'hist_gradient_boosting'", "gbt")


def test_regression_model_for_classification_is_one_line(tmp_path):
    script = small_project(tmp_path / "p", model_type="linear_regression")
    assert_one_line_error(run_script(script), "does not fit a binary task")


# --- the generated code itself -----------------------------------------------------------------


def test_generated_script_passes_ruff(tmp_path):
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).is_file():
        pytest.skip("ruff is not installed")
    config = make_config(
        target="t" * 120,
        task="binary",
        features={"numeric": ["n" * 150, WEIRD], "categorical": ["列" * 80], "text": ["a\nb"]},
        model_type="gbt",
        primary="roc_auc",
        framework="spark",
    )
    config.data.derived = [DerivedSection(name="r" * 70, op="ratio", inputs=[WEIRD, "n" * 150])]
    config.data.protected = [WEIRD]
    spec = spec_for(config, slug="s" * 200, goal="目标" * 80 + '\n"""')
    script = write_project(tmp_path, config, spec)
    result = subprocess.run(
        [ruff, "check", "--isolated", *RUFF_SELECT, str(script)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    code = [line for line in script.read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")]  # fmt: skip
    assert not any("n" * 50 in line or "列" in line for line in code)  # names: comments only


# --- the runtime's Spark modules, in one session of this process -------------------------------
# Last in this file: the session starts once the scripts' runs above are done, so their JVMs and
# this one do not share the cores.

# Runs in a fresh, isolated interpreter where pyspark cannot be imported: every module of the
# runtime but the Spark ones imports; and loading a model imports spark_inputs alone.
WITHOUT_PYSPARK = """
import importlib, json, pkgutil, sys

class NoSpark:  # import pyspark fails, as where it is not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pyspark", "py4j"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

blocker = NoSpark()
sys.meta_path.insert(0, blocker)
import ml_engineer_runtime
imported, refused = [], []
for module in pkgutil.iter_modules(ml_engineer_runtime.__path__):
    try:
        importlib.import_module("ml_engineer_runtime." + module.name)
        imported.append(module.name)
    except ModuleNotFoundError:
        refused.append(module.name)
sys.meta_path.remove(blocker)
import ml_engineer_runtime.spark_inputs
loaded = sorted(name for name in sys.modules if name.startswith("ml_engineer_runtime.spark"))
print(json.dumps({"imported": imported, "refused": refused, "loaded": loaded}))
"""


def test_only_the_spark_modules_need_pyspark(tmp_path):
    process = subprocess.run(
        [sys.executable, "-I", "-c", WITHOUT_PYSPARK],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    result = json.loads(process.stdout)
    assert sorted(result["refused"]) == ["spark_inputs", "spark_training"]
    assert {"metrics", "search", "tracking", "torch_mlp"} <= set(result["imported"])
    assert result["loaded"] == ["ml_engineer_runtime.spark_inputs"]  # no spark_training


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]").appName("runtime tests")
        .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC").config("spark.sql.shuffle.partitions", "1")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1").getOrCreate()
    )  # fmt: skip
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def text_frame(spark, columns: dict[str, list]):
    """Rows as a CSV file reads them: every column text, None where the field was empty."""
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(name, StringType()) for name in columns])
    return spark.createDataFrame(list(zip(*columns.values(), strict=True)), schema)


@pytest.mark.slow  # the session's start: its JVM
def test_conversions_read_text_as_the_scikit_learn_script_does(spark):
    from ml_engineer_runtime import spark_inputs as si
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    values = [" 2.5 ", "1e3", "abc", "NaN", "inf", "NA", "", None, "yes", "N", "0",
              "2024-05-31", "5/31/2024", "2024/5/31 ", "2024-05-31 13:45:00"]  # fmt: skip
    frame = text_frame(spark, {"v": values})
    column, text = F.col("v"), StringType()
    rows = frame.select(
        si.to_number(column, text).alias("number"), si.to_boolean(column).alias("boolean"),
        si.as_text(column).alias("text"), F.year(si.to_time(column, text)).alias("year"),
        F.dayofyear(si.to_time(column, text)).alias("day"),
        si.value_key(column, text).alias("key"),
    ).collect()  # fmt: skip
    by_value = dict(zip(values, rows, strict=True))
    assert [by_value[v]["number"] for v in (" 2.5 ", "1e3", "abc", "NaN", "inf", "NA")] == [
        2.5, 1000.0, None, None, None, None
    ]  # fmt: skip
    assert [by_value[v]["boolean"] for v in ("yes", "N", "0", "abc", None)] == [
        1.0, 0.0, 0.0, None, None
    ]  # fmt: skip
    assert [by_value[v]["text"] for v in (" 2.5 ", "NA", "", None)] == ["2.5", None, None, None]
    for written in ("2024-05-31", "5/31/2024", "2024/5/31 ", "2024-05-31 13:45:00"):
        assert (by_value[written]["year"], by_value[written]["day"]) == (2024, 152), written
    assert by_value["abc"]["year"] is None
    assert by_value["abc"]["key"] == "abc" and by_value["NA"]["key"] is None
    # Numbers are counted as numbers by `frequency`: 3 and 3.0 are one value.
    numbers = spark.createDataFrame([(3,), (3,)], "n int").select(F.col("n").cast("double"))
    keys = numbers.select(si.value_key(F.col("n"), numbers.schema[0].dataType)).collect()
    assert [row[0] for row in keys] == ["3.0", "3.0"]
    assert si.whole_word(("a.b", "c")) == r"^(?:a\.b|c)$"  # a word, never a pattern


def test_raw_columns_take_any_name_literally(spark):
    from ml_engineer_runtime.spark_inputs import RawColumns
    from pyspark.sql import functions as F

    raw = RawColumns(text_frame(spark, {WEIRD: ["1"], "a.b": ["2"], "`c`": ["3"]}))
    assert raw.missing([WEIRD, "a", "a.b", "b"]) == ["a", "b"]
    frame = raw.frame.withColumn(
        "sum", sum(raw[name].cast("double") for name in (WEIRD, "a.b", "`c`"))
    )
    restored = raw.restore(frame, ["sum"])
    assert restored.columns == [WEIRD, "a.b", "`c`", "sum"]
    assert restored.select(F.col("sum")).first()[0] == 6.0


# The first stage's layout: every group, and the derived ops that learn something.
LAYOUT = {
    "groups": {
        "numeric": [WEIRD, "empty"], "categorical": ["color"], "high_cardinality": ["city"],
        "boolean": ["flag"], "datetime": ["when"], "text": ["note"],
    },
    "derived": [
        {"name": "ratio", "op": "ratio", "inputs": [WEIRD, "b"], "part": None, "bins": None},
        {"name": "b_bin", "op": "bins", "inputs": ["b"], "part": None, "bins": 2},
        {"name": "city_share", "op": "frequency", "inputs": ["city"], "part": None, "bins": None},
    ],
    "min_frequency": 2,
    "max_categories": 30,
}  # fmt: skip
TRAIN_ROWS = {
    WEIRD: ["1", "2", "x", None, "4", "5", "6", "7"],
    "empty": [None] * 8,  # no value in training: a constant 0
    "color": ["red", "red", "blue", "blue", "green", "red", "blue", None],
    "city": ["a", "a", "b", "c", "a", "b", "d", None],
    "flag": ["yes", "no", "Y", "0", "true", "F", "maybe", None],
    "when": ["2024-05-31", "5/31/2024", None, "not a date", "2024-01-01", "2023-12-31", None, "x"],
    "note": ["good", None, "bad", "ok", "fine", "good", "bad", "ok"],
    "b": ["2", "0", "1", "4", "3", "5", "6", "7"],
}
NEW_ROWS = {  # what a served model meets: unseen values, missing ones, a zero divisor
    WEIRD: ["3", "8"], "empty": ["9", None], "color": ["green", "purple"], "city": ["a", "zzz"],
    "flag": ["n", None], "when": ["2024-12-31", None], "note": [None, "new words"],
    "b": ["0", "7"],
}  # fmt: skip


@pytest.mark.slow  # a fit, a save and a load: several Spark jobs
def test_the_first_stage_learns_on_training_rows_and_loads_by_the_runtimes_name(spark, tmp_path):
    from ml_engineer_runtime import spark_inputs as si

    PREFIX = si.PREFIX
    fitted = si.PrepareInputs(layout=json.dumps(LAYOUT)).fit(text_frame(spark, TRAIN_ROWS))
    learnt = json.loads(fitted.getOrDefault(fitted.learnt))
    assert learnt["categories"] == {f"{PREFIX}categorical_0": ["blue", "red"]}  # green: rare
    assert learnt["shares"][f"{PREFIX}high_cardinality_0"]["a"] == 3 / 8
    assert learnt["empty"] == [f"{PREFIX}numeric_1"]
    path = tmp_path / "stage"
    fitted.write().overwrite().save(str(path))
    (metadata,) = path.glob("metadata/part-*")
    assert json.loads(metadata.read_text(encoding="utf-8"))["class"] == FIRST_STAGE

    inner = si.inner_columns(LAYOUT)
    for stage in (fitted, si.PreparedInputs.load(str(path))):
        out = stage.transform(text_frame(spark, NEW_ROWS))
        assert out.columns == [*NEW_ROWS, *inner["numbers"], *inner["categories"],
                               *inner["texts"]]  # fmt: skip
        first, second = (row.asDict() for row in out.collect())
        assert first[f"{PREFIX}numeric_0"] == 3.0 and first[f"{PREFIX}numeric_1"] == 0.0
        assert first[f"{PREFIX}categorical_0"] == si.INFREQUENT  # rare in training
        assert second[f"{PREFIX}categorical_0"] == si.INFREQUENT  # never seen
        assert first[f"{PREFIX}high_cardinality_0"] == 3 / 8
        assert second[f"{PREFIX}high_cardinality_0"] == 0.0  # unseen: no share
        assert (first[f"{PREFIX}boolean_0"], second[f"{PREFIX}boolean_0"]) == (0.0, None)
        assert first[f"{PREFIX}datetime_0_year"] == 2024.0
        assert first[f"{PREFIX}datetime_0_dayofweek"] == 1.0  # a Tuesday, as pandas numbers it
        assert (first[f"{PREFIX}text_0"], second[f"{PREFIX}text_0"]) == ("", "new words")
        assert first[f"{PREFIX}derived_0"] is None  # 3 / 0
        assert second[f"{PREFIX}derived_0"] == 8 / 7
        assert (first[f"{PREFIX}derived_1"], second[f"{PREFIX}derived_1"]) == (0.0, 1.0)
        assert first[f"{PREFIX}derived_2"] == 3 / 8
