"""The generated training_script.py on pandas 2, where text is `object`, not pandas 3's `str`.

The project's venv has pandas 3, so a second venv with pandas 2 is built once, from PyPI, into
.venv-pandas2/ (git-ignored) and reused while it works. Each case renders a script here, runs it
there, and loads the saved model there. Every column group and derived features are covered, for
binary, multiclass and regression.

Not tested, on purpose: a model saved under pandas 3 loading under pandas 2 (or the reverse).
Pickles are not portable across pandas major versions, so that is no contract of the script.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from script_fixtures import LOAD_AND_PREDICT, SCRIPT_ENV, Run, make_config, write_project
from test_training_script import assert_clean_success, churn_frame, stores_frame

from ml_engineer.models import DerivedSection

fcntl = pytest.importorskip("fcntl", reason="the pandas-2 venv is built on POSIX systems only")

VENV = REPO / ".venv-pandas2"
LOCK = REPO / ".venv-pandas2.lock"  # two pytest sessions at once build it once
PACKAGES = ["pandas>=2.2,<3", "numpy", "scikit-learn", "pyyaml", "joblib", "pyarrow", "lightgbm"]
# What the scripts import, from this checkout (editable: the venv follows its changes). Nothing of
# ml-engineer itself is installed: the scripts and their models need the runtime alone.
RUNTIME = ["-e", str(REPO / "runtime")]
READY = VENV / ".ready"  # written last: the requirements the venv was built for
CHECK = (
    "import joblib, lightgbm, pyarrow, sklearn, yaml, pandas, ml_engineer_runtime; "
    "print(pandas.__version__)"
)
# Words of pip's output when it could not reach an index at all (not when a package is missing).
OFFLINE = (
    "NewConnectionError", "Failed to establish a new connection", "Temporary failure in name "
    "resolution", "Network is unreachable", "ConnectTimeout", "ProxyError", "Could not fetch URL",
)  # fmt: skip


def venv_python() -> Path:
    return VENV / "bin" / "python"


def pandas_version() -> str | None:
    """The pandas version of a working, complete venv; None if it must be (re)built."""
    if not venv_python().is_file() or not READY.is_file():
        return None
    if READY.read_text(encoding="utf-8") != " ".join(PACKAGES + RUNTIME):
        return None
    check = subprocess.run(
        [str(venv_python()), "-c", CHECK], capture_output=True, text=True, timeout=120
    )
    return check.stdout.strip() if check.returncode == 0 else None


def build() -> float:
    """Create the venv and install PACKAGES from PyPI; return the seconds it took."""
    started = time.perf_counter()
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, timeout=300)
    install = subprocess.run(
        [str(venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         *PACKAGES, *RUNTIME],
        capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    if install.returncode != 0:
        output = install.stdout + install.stderr
        shutil.rmtree(VENV, ignore_errors=True)
        if any(word in output for word in OFFLINE):
            last = output.strip().splitlines()[-1] if output.strip() else ""
            pytest.skip(f"pip cannot reach a package index to build the pandas-2 venv: {last}")
        pytest.fail(f"pip could not build the pandas-2 venv:\n{output[-4000:]}")
    READY.write_text(" ".join(PACKAGES + RUNTIME), encoding="utf-8")
    return time.perf_counter() - started


@pytest.fixture(scope="session")
def pandas2_python() -> Path:
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another session may be building it: wait
        version = pandas_version()
        if version is None:
            seconds = build()
            version = pandas_version()
            print(f"\nbuilt {VENV.name} in {seconds:.0f} s (pandas {version})")
    assert version and version.startswith("2."), version
    return venv_python()


def run_under(python: Path, folder: Path, config) -> Run:
    script = write_project(folder, config)
    process = subprocess.run(
        [str(python), str(script)], cwd=folder.parent, env=SCRIPT_ENV,
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    return Run(script, process, folder / "runs" / "latest")


def load_and_predict_under(python: Path, run: Run, data: Path, target: str) -> dict:
    process = subprocess.run(
        [str(python), "-I", "-c", LOAD_AND_PREDICT, str(run.script.parent),
         str(run.output_dir / "model.joblib"), str(data), target],
        env=SCRIPT_ENV, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def species_frame(n: int = 900, seed: int = 7) -> pd.DataFrame:
    """Three classes from a measurement, a site code (many values), a colour and 0/1 flags."""
    rng = np.random.default_rng(seed)
    site_effect = rng.normal(0, 1.5, 80)
    sites = rng.integers(0, 80, n)
    length, width = rng.gamma(4, 2, n), rng.gamma(3, 1, n) + 0.5
    flag = rng.random(n) < 0.5
    signal = np.log1p(length) + site_effect[sites] + 1.2 * flag + rng.normal(0, 0.4, n)
    species = np.select([signal < 1.8, signal < 3.0], ["ant", "bee"], "wasp")
    frame = pd.DataFrame(
        {
            "length": length,
            "width": width,
            "site": [f"s{s:02d}" for s in sites],
            "colour": rng.choice(["red", "black", "brown"], n),
            "winged": np.where(flag, rng.choice(["True", "1"], n), rng.choice(["False", "0"], n)),
            "species": species,
        }
    )
    frame.loc[rng.choice(n, 25, replace=False), "colour"] = None
    frame.loc[rng.choice(n, 25, replace=False), "length"] = np.nan
    return frame


def binary_case(folder: Path):
    """Time-dated churn from a Parquet file: numeric, categorical, boolean, datetime and text."""
    churn_frame().to_parquet(folder / "data.parquet", index=False)
    config = make_config(
        target="churned", task="binary", positive_class="yes", path="data.parquet",
        data_format="parquet",
        features={"numeric": ["x"], "categorical": ["plan"], "boolean": ["is_member"],
                  "datetime": ["signup_date", "last_seen"], "text": ["review"]},
        model_type="hist_gradient_boosting", params={"max_iter": 60}, primary="roc_auc",
        secondary=["f1", "log_loss"], split={"strategy": "time", "time_column": "signup_date",
                                             "cv_folds": 3},
        text_max_features=200,
    )  # fmt: skip
    config.data.derived = [
        DerivedSection(name="days_active", op="days_between", inputs=["signup_date", "last_seen"]),
        DerivedSection(name="signup_month", op="date_part", inputs=["signup_date"], part="month"),
        DerivedSection(name="review_chars", op="text_length", inputs=["review"]),
        DerivedSection(name="plan_share", op="frequency", inputs=["plan"]),
    ]
    return config, folder / "data.parquet", "churned"


def multiclass_case(folder: Path):
    """CSV with a high-cardinality code, 0/1 and True/False flags, missing values; LightGBM."""
    species_frame().to_csv(folder / "data.csv", index=False)
    config = make_config(
        target="species", task="multiclass",
        features={"numeric": ["length", "width"], "categorical": ["colour"],
                  "high_cardinality": ["site"], "boolean": ["winged"]},
        model_type="lightgbm", params={"n_estimators": 60, "verbose": -1}, primary="f1_macro",
        secondary=["accuracy", "roc_auc", "log_loss"], split={"cv_folds": 3},
    )  # fmt: skip
    config.data.derived = [
        DerivedSection(name="shape", op="ratio", inputs=["length", "width"]),
        DerivedSection(name="log_length", op="log", inputs=["length"]),
        DerivedSection(name="length_band", op="bins", inputs=["width"], bins=4),
        DerivedSection(name="site_share", op="frequency", inputs=["site"]),
    ]
    return config, folder / "data.csv", "species"


def regression_case(folder: Path):
    """Group split by customer, target-encoded zip codes, a random forest."""
    stores_frame().to_csv(folder / "data.csv", index=False)
    config = make_config(
        target="spend", task="regression",
        features={"numeric": ["x1", "x2"], "high_cardinality": ["zip_code"]},
        model_type="random_forest", params={"n_estimators": 40, "min_samples_leaf": 3},
        primary="rmse", secondary=["r2", "mae"],
        split={"strategy": "group", "group_column": "customer_id", "cv_folds": 3},
    )  # fmt: skip
    config.data.derived = [
        DerivedSection(name="x_gap", op="difference", inputs=["x1", "x2"]),
        DerivedSection(name="x_product", op="product", inputs=["x1", "x2"]),
        DerivedSection(name="zip_chars", op="text_length", inputs=["zip_code"]),
    ]
    return config, folder / "data.csv", "spend"


CASES = {"binary": binary_case, "multiclass": multiclass_case, "regression": regression_case}


@pytest.mark.parametrize("task", list(CASES))
def test_the_script_runs_and_its_model_predicts_under_pandas_2(task, pandas2_python, tmp_path):
    folder = tmp_path / task
    folder.mkdir()
    config, data, target = CASES[task](folder)
    run = run_under(pandas2_python, folder, config)
    metrics = assert_clean_success(run)
    assert metrics["task"] == task
    assert metrics["cv"]["mean"] is not None and metrics["cv"]["error"] is None
    assert "of which derived" in run.process.stdout
    assert not metrics["unavailable_metrics"], metrics["unavailable_metrics"]
    loaded = load_and_predict_under(pandas2_python, run, data, target)
    rows = len(pd.read_parquet(data) if data.suffix == ".parquet" else pd.read_csv(data))
    assert loaded["n_predictions"] == rows
    if task != "regression":
        assert loaded["proba_shape"] == [rows, len(metrics["classes"])]
    if task == "multiclass":
        assert metrics["classes"] == ["ant", "bee", "wasp"]
        assert metrics["model"]["test"]["f1_macro"] > 0.6
    if task == "regression":
        assert metrics["model"]["test"]["r2"] > 0.5  # the zip effect comes through the encoder
