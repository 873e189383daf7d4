"""When the data file is not what a reader assumes, or not what the profile says: the product
and the script it writes read it alike, and the data wins.

Each scenario is the penguin fixture with its data.csv altered, run through the CLI as a user
runs it (`ml-engineer run <dir>/data --yes --no-mlops --goal ...`):

    latin1 / utf16 / pipe   the file is latin-1, UTF-16 (with BOM) or `|`-separated: the
                            generated script must read it as the product did, so its check run
                            passes (the failure was "'utf-8' codec can't decode byte 0xe9")
    duplicate               two columns named `species` (CSV or Parquet): refused, naming both
    extra / extra_target    columns only the data has are profiled from it and planned on, and
                            a goal may name one of them
    renamed                 no profile column is in the data: the design comes from the data

The runs go side by side, two at a time (the check runs take most of the time). Spark's
reader of the latin-1 and UTF-16 files runs last and only with pyspark and Java at hand.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import copy_upstream, shared_fixtures_or_skip

CLI = [sys.executable, "-m", "ml_engineer"]
GOAL = "predict species"
NEST = {"Adélie": "rock", "Gentoo": "grass", "Chinstrap": "cliff"}


def penguins(root: Path) -> tuple[Path, pd.DataFrame]:
    """A writable copy of the penguin fixture, and its data with an accented class name (the
    byte a latin-1 file writes differently from UTF-8)."""
    data_dir = copy_upstream(shared_fixtures_or_skip() / "penguin-species", root)
    frame = pd.read_csv(data_dir / "data.csv")
    frame["species"] = frame["species"].str.replace("Adelie", "Adélie")
    return data_dir, frame


def with_extra_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Three columns the profile lacks: a useful one, an exported row index, a constant."""
    rng = np.random.default_rng(0)
    frame = frame.copy()
    usual = frame["species"].map(NEST)
    frame["nest_site"] = np.where(
        rng.random(len(frame)) < 0.85, usual, rng.choice(sorted(NEST.values()), len(frame))
    )
    frame["Unnamed: 0"] = np.arange(len(frame))
    frame["survey_team"] = "north"
    return frame


def write_scenario(name: str, root: Path) -> Path:
    data_dir, frame = penguins(root / name)
    csv = data_dir / "data.csv"
    if name == "latin1":
        frame.to_csv(csv, index=False, encoding="latin-1")
    elif name == "utf16":
        frame.to_csv(csv, index=False, encoding="utf-16")  # with its byte-order mark
    elif name == "pipe":
        frame["island"] = frame["island"] + ", Antarctica"  # a comma inside every row
        frame.to_csv(csv, index=False, sep="|")
    elif name == "duplicate":
        text = csv.read_text(encoding="utf-8")
        csv.write_text(text.replace("species,island", "species,species", 1), encoding="utf-8")
    elif name == "duplicate_parquet":
        table = pa.Table.from_pandas(frame, preserve_index=False)
        pq.write_table(table.rename_columns(["species", "species", *table.column_names[2:]]),
                       data_dir / "data.parquet")  # fmt: skip
        csv.unlink()
    elif name.startswith("extra"):
        with_extra_columns(frame).to_csv(csv, index=False)
    elif name == "renamed":
        frame.rename(columns=lambda c: f"{c}_v2").to_csv(csv, index=False)
    return data_dir


SCENARIOS = {  # name -> extra CLI arguments
    "latin1": [],
    "utf16": [],
    "pipe": [],
    "duplicate": [],
    "duplicate_parquet": [],
    "extra": [],
    "extra_target": ["--goal", "predict the nest site", "--no-validate"],
    "renamed": [],
}


class Run:
    def __init__(self, data_dir: Path, proc: subprocess.CompletedProcess):
        self.data_dir, self.proc = data_dir, proc
        self.ml_dir = data_dir.parent / "ml"

    @property
    def spec(self) -> str:
        return (self.ml_dir / "feature-spec.md").read_text(encoding="utf-8")

    @property
    def config(self) -> dict:
        return yaml.safe_load((self.ml_dir / "experiment-config.yaml").read_text("utf-8"))

    @property
    def error(self) -> str:
        text = self.proc.stderr.replace("│", " ")  # the error panel wraps lines; join them
        return " ".join(text.split())

    def features(self) -> list[str]:
        return [name for names in self.config["data"]["features"].values() for name in names]

    def assert_checked(self) -> None:
        """The generated script ran on the file and beat the baseline."""
        assert self.proc.returncode == 0, self.proc.stdout[-3000:] + self.proc.stderr[-3000:]
        assert "Traceback" not in self.proc.stdout + self.proc.stderr
        assert "- Validation: the script ran in" in self.spec
        assert (self.ml_dir / "approval.json").is_file()
        assert (self.ml_dir / "runs" / "validation" / "metrics.json").is_file()

    def metrics(self) -> dict:
        return json.loads((self.ml_dir / "runs" / "validation" / "metrics.json").read_text())


def run_cli(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    # A wide terminal: the error panel then keeps a long path on one line.
    env = {**os.environ, "COLUMNS": "400", **env}
    return subprocess.run(
        [*CLI, "run", str(data_dir), "--yes", "--no-mlops", "--goal", GOAL, *args],
        capture_output=True, text=True, timeout=600, check=False, stdin=subprocess.DEVNULL,
        env=env,
    )  # fmt: skip


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Run]:
    root = tmp_path_factory.mktemp("disagreement")
    dirs = {name: write_scenario(name, root) for name in SCENARIOS}
    with ThreadPoolExecutor(max_workers=2) as pool:  # two cores: two check runs at a time
        procs = pool.map(lambda name: run_cli(dirs[name], *SCENARIOS[name]), SCENARIOS)
        return {name: Run(dirs[name], proc) for name, proc in zip(SCENARIOS, procs, strict=True)}


# --- 1. text encoding ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, encoding", [("latin1", "cp1252"), ("utf16", "utf-16")])
def test_a_non_utf8_file_is_read_by_the_script_as_by_the_product(runs, name, encoding):
    run = runs[name]
    run.assert_checked()
    assert run.config["data"]["encoding"] == encoding
    assert run.config["data"]["sep"] == ","
    assert f"and the dataset (text encoded in {encoding}, not UTF-8: `data.encoding`" in run.spec
    # The class is the word written, not mojibake, for the product and for the script.
    assert "`Adélie`" in run.spec
    assert sorted(run.metrics()["classes"]) == ["Adélie", "Chinstrap", "Gentoo"]


def test_an_old_config_without_encoding_reads_utf8(runs, tmp_path):
    """A config written before data.encoding existed still runs, as UTF-8."""
    run = runs["extra"]  # a UTF-8 file
    assert run.config["data"]["encoding"] == "utf-8"
    config = run.config
    del config["data"]["encoding"]
    config.pop("search", None)  # the model alone: the search is not what is tested
    old = run.ml_dir / "old-config.yaml"
    old.write_text(yaml.safe_dump(config), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "training_script.py", "--config", old.name, "--output-dir",
         str(tmp_path / "out"), "--sample-rows", "200"],
        cwd=run.ml_dir, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "out" / "metrics.json").is_file()


# --- 2. field separator -------------------------------------------------------------------------


def test_a_pipe_separated_file_is_read_by_the_script_as_by_the_product(runs):
    run = runs["pipe"]
    run.assert_checked()
    assert run.config["data"]["sep"] == "|"
    assert "island" in run.features()  # "Biscoe, Antarctica": the commas are inside fields
    assert "(fields separated by `|`: `data.sep` in experiment-config.yaml)" in run.spec


# --- 3. repeated column names -------------------------------------------------------------------


@pytest.mark.parametrize("name, file", [("duplicate", "data.csv"),
                                        ("duplicate_parquet", "data.parquet")])  # fmt: skip
def test_repeated_column_names_are_refused_naming_file_name_and_fix(runs, name, file):
    run = runs[name]
    assert run.proc.returncode == 5, run.proc.stdout[-2000:] + run.proc.stderr[-2000:]
    assert "Traceback" not in run.proc.stdout + run.proc.stderr
    message = run.error
    assert str(run.data_dir / file) in message
    assert "`species` (columns 1, 2)" in message
    assert "Rename the repeated columns" in message
    assert not (run.ml_dir / "feature-spec.md").exists()


def test_the_script_refuses_a_future_export_with_repeated_names(runs, tmp_path):
    """The script will run on later exports: one clear line, not `species.1` read silently."""
    ml_dir = runs["latin1"].ml_dir
    bad_csv = tmp_path / "export.csv"
    text = (runs["latin1"].data_dir / "data.csv").read_bytes()
    bad_csv.write_bytes(text.replace(b"species,island", b"species,species", 1))
    bad_parquet = tmp_path / "export.parquet"
    pq.write_table(pa.table([[1, 2], [3, 4]], names=["island", "island"]), bad_parquet)
    for path in (bad_csv, bad_parquet):
        proc = subprocess.run(
            [sys.executable, "training_script.py", "--data", str(path), "--output-dir",
             str(tmp_path / "out")],
            cwd=ml_dir, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert proc.returncode != 0
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "column name(s) repeated in the header of" in lines[0]
        assert str(path) in lines[0] and "rename them" in lines[0]
        assert not (tmp_path / "out" / "metrics.json").exists()


# --- 4. the data wins over the profile ----------------------------------------------------------


def test_a_column_only_the_data_has_is_profiled_and_used(runs):
    run = runs["extra"]
    run.assert_checked()
    assert "nest_site" in run.config["data"]["features"]["categorical"]
    assert "| `nest_site` | categorical |" in run.spec
    # The planner's rules apply to them as to any column: a row index and a constant go.
    assert set(run.config["data"]["drop"]) >= {"Unnamed: 0", "survey_team"}
    assert "| `Unnamed: 0` | id | identifier" in run.spec
    assert "| `survey_team` | categorical | constant" in run.spec
    assert (
        "Columns in the dataset but not in the profile were profiled from the data (type, "
        "missing and distinct counts, statistics) and decided on like the others: `nest_site`, "
        "`Unnamed: 0`, `survey_team`."
    ) in run.spec
    assert "not used" not in run.spec


def test_the_mlops_stage_run_alone_takes_a_design_that_uses_such_a_column(runs):
    """It checks that the design is this project's by its columns: the data's count too."""
    run = runs["extra"]
    proc = subprocess.run(
        [*CLI, "mlops", str(run.ml_dir)], capture_output=True, text=True, timeout=300,
        check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    deployment = yaml.safe_load(
        (run.ml_dir.parent / "mlops" / "deployment-config.yaml").read_text()
    )
    assert "nest_site" in {field["name"] for field in deployment["input_schema"]}


def test_a_goal_may_name_a_column_only_the_data_has(runs):
    run = runs["extra_target"]
    assert run.proc.returncode == 0, run.proc.stdout[-2000:] + run.proc.stderr[-2000:]
    assert run.config["data"]["target"] == "nest_site"
    assert run.config["data"]["task"] == "multiclass"
    assert sorted(run.config["data"]["classes"]) == sorted(NEST.values())
    assert "- **Target:** `nest_site`: matched from the goal's words 'nest', 'site'" in run.spec


def test_a_profile_of_other_columns_still_runs_from_the_data(runs):
    run = runs["renamed"]
    run.assert_checked()
    data = run.config["data"]
    assert data["target"] == "species_v2"
    assert set(run.features()) >= {"island_v2", "bill_length_mm_v2", "body_mass_g_v2"}
    assert {"species", "island", "body_mass_g"} <= set(data["drop"])
    assert "| `island` | text | absent from the dataset" in run.spec
    assert "profiled from the data" in run.spec and "`species_v2`" in run.spec


def test_a_target_the_data_lacks_is_still_named_as_such(tmp_path):
    """The goal is looked for among the data's columns first; a target only the profile has
    is refused as absent from the data, not replaced by a look-alike."""
    data_dir, frame = penguins(tmp_path)
    frame.drop(columns=["species"]).to_csv(data_dir / "data.csv", index=False)
    proc = run_cli(data_dir, "--target", "species")
    assert proc.returncode == 5, proc.stderr[-2000:]
    text = " ".join(proc.stderr.replace("│", " ").split())
    assert "The target `species`" in text and "is not a column of the dataset" in text


# --- Spark's CSV reader ------------------------------------------------------------------------


def test_spark_reads_latin1_and_utf16_as_the_product_does(tmp_path):
    """Spark names charsets its own way, reads only a few without a legacy switch (not
    windows-1252), and splits UTF-16 lines wrongly unless it reads the file whole."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java on PATH")
    dirs = [write_scenario(name, tmp_path) for name in ("latin1", "utf16")]
    with ThreadPoolExecutor(max_workers=2) as pool:  # one core each: the two run side by side
        procs = list(
            pool.map(lambda d: run_cli(d, "--framework", "spark", SPARK_MASTER="local[1]"), dirs)
        )
    for data_dir, proc in zip(dirs, procs, strict=True):
        run = Run(data_dir, proc)
        run.assert_checked()
        metrics = run.metrics()
        assert sorted(metrics["classes"]) == ["Adélie", "Chinstrap", "Gentoo"]
        assert sum(metrics["rows"][part] for part in ("train", "val", "test")) == len(
            pd.read_csv(data_dir / "data.csv", encoding=run.config["data"]["encoding"])
        )  # no stray row from a line split inside a UTF-16 character
