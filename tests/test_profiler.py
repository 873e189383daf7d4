"""`ml-engineer profile`: a raw file becomes the analyst's three files, which the product reads.

The fixtures' own profiles are the reference: profiling each fixture's data must give the same
counts exactly and the same statistics within their rounding. Then the awkward files a user
brings: dates kept as text, empty columns, one row, no row, a folder of parts, another encoding,
hostile names, and a file larger than the memory the test allows.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import copy_upstream, shared_fixtures_or_skip
from hostile import one_paragraph, run_cli

from ml_engineer.inputs.load import read_profile
from ml_engineer.models import ColumnKind

PROFILE_FILES = ("profile.json", "schema-suggestion.md", "eda-report.md")


def profile(tmp_path: Path, data: Path, *flags: str, out: str = "out/data") -> tuple[int, str]:
    return run_cli(["profile", str(data), "--out", str(tmp_path / out), *flags])


def written(tmp_path: Path, out: str = "out/data") -> dict:
    return json.loads((tmp_path / out / "profile.json").read_text(encoding="utf-8"))


def columns_of(document: dict) -> dict[str, dict]:
    return {c["name"]: c for c in document["columns"]}


def said(output: str) -> str:
    """The output's words on one line, the error panel's borders left out."""
    return " ".join(output.replace("│", " ").split())


def close(ours: float | None, theirs: float | None) -> bool:
    """Equal within the fixture's rounding (it writes four decimals, sometimes three)."""
    return ours is not None and math.isclose(ours, theirs, rel_tol=1e-3, abs_tol=1e-3)


# --- The fixtures' own profiles are the reference ---------------------------------------------


@pytest.mark.parametrize(
    "name, target", [("ui-benefit-claims", "ui"), ("penguin-species", "species")]
)
def test_profile_of_a_fixtures_data_matches_its_own_profile(tmp_path, name, target):
    data = shared_fixtures_or_skip() / name / "data"
    code, output = profile(tmp_path, data / "data.csv", "--target", target)
    assert code == 0, output
    ours = read_profile(tmp_path / "out/data/profile.json")
    theirs = read_profile(data / "profile.json")
    assert ours.unread_fields == []  # the product's reader understands every key we write
    assert ours.row_count == theirs.row_count
    assert ours.column_names == theirs.column_names
    for col in theirs.columns:
        mine = ours.column(col.name)
        assert mine.missing_count == col.missing_count, col.name
        assert mine.unique_count == col.unique_count, col.name
        if col.stats and col.kind == ColumnKind.numeric:
            for stat in ("min", "max", "mean", "std", "q25", "q50", "q75"):
                theirs_value = getattr(col.stats, stat)
                if theirs_value is not None:
                    assert close(getattr(mine.stats, stat), theirs_value), (col.name, stat)
        mine_counts = {v.value: v.count for v in mine.top_values}
        for value in col.top_values:
            if value.value in mine_counts:  # ydata lists numbers' counts too; we list few
                assert mine_counts[value.value] == value.count, (col.name, value.value)
        if col.kind in (ColumnKind.categorical, ColumnKind.boolean):
            assert {v.value for v in mine.top_values} >= {v.value for v in col.top_values[:3]}


def test_fixture_kinds_and_flags_agree_with_the_analyst(tmp_path):
    data = shared_fixtures_or_skip() / "ui-benefit-claims" / "data"
    assert profile(tmp_path, data / "data.csv")[0] == 0
    ours = read_profile(tmp_path / "out/data/profile.json")
    theirs = read_profile(data / "profile.json")
    assert {c.name: c.kind for c in ours.columns} == {c.name: c.kind for c in theirs.columns}
    assert "constant" in ours.column("bluecol").flags  # the analyst's zero_variance flag


def test_ydata_minimal_text_columns_are_categories_here(tmp_path):
    """ydata's minimal mode types species/island/sex as Text (the fixture's trap); a profile
    made from the data says what they are."""
    data = shared_fixtures_or_skip() / "penguin-species" / "data"
    assert profile(tmp_path, data / "data.csv", "--target", "species")[0] == 0
    cols = columns_of(written(tmp_path))
    assert {cols[n]["inferred_type"] for n in ("species", "island", "sex")} == {"categorical"}
    assert cols["year"]["inferred_type"] == "numeric"
    assert written(tmp_path)["overview"]["task"] == "classification"


def test_the_design_from_our_profile_keeps_what_the_analysts_keeps(tmp_path):
    """The planner reading our profile keeps the same inputs, for the same target and task."""
    data = shared_fixtures_or_skip() / "ui-benefit-claims" / "data"
    goal = "predict whether a worker applies for unemployment insurance (ui)"
    assert profile(tmp_path, data / "data.csv", "--goal", goal, out="ours/data")[0] == 0
    analyst = copy_upstream(data.parent, tmp_path / "analyst")
    designs = []
    for folder in (tmp_path / "ours/data", analyst):
        code, output = run_cli(["run", str(folder), "--yes", "--no-validate", "--no-mlops"])
        assert code == 0, output
        config = yaml.safe_load((folder.parent / "ml/experiment-config.yaml").read_text())
        kept = {name for names in config["data"]["features"].values() for name in names or []}
        designs.append((config["data"]["target"], config["data"]["task"], kept))
    assert designs[0] == designs[1]


# --- What a user brings -----------------------------------------------------------------------


def test_dates_kept_as_text_are_datetimes(tmp_path):
    rows = 60
    frame = pd.DataFrame({
        "iso": [f"2024-01-{1 + i % 28:02d}" for i in range(rows)],
        "us": [f"{1 + i % 12:02d}/{1 + i % 28:02d}/2023" for i in range(rows)],
        "stamp": [f"2024-03-{1 + i % 28:02d} {i % 24:02d}:15:00" for i in range(rows)],
        "month": ["Jan", "Feb", "Mar"] * 20,  # names without a digit stay categories
        "y": [i % 2 for i in range(rows)],
    })  # fmt: skip
    frame.to_csv(tmp_path / "dates.csv", index=False)
    pq.write_table(pa.Table.from_pandas(frame.astype(str)), tmp_path / "dates.parquet")
    for name in ("dates.csv", "dates.parquet"):
        out = f"out-{name}/data"
        code, output = profile(tmp_path, tmp_path / name, out=out)
        assert code == 0, output
        cols = columns_of(written(tmp_path, out))
        for date in ("iso", "us", "stamp"):
            assert cols[date]["inferred_type"] == "datetime", (name, date)
        assert cols["month"]["inferred_type"] == "categorical"
        assert cols["iso"]["range"]["min"].startswith("2024-01-01")
        assert cols["iso"]["range"]["max"].startswith("2024-01-28")
    # Parquet keeps them as strings: the profile says they must be parsed.
    assert columns_of(written(tmp_path, "out-dates.parquet/data"))["us"]["stored_as"] == "text"


def test_an_all_missing_column_is_flagged_not_fatal(tmp_path):
    (tmp_path / "d.csv").write_text("a,empty,y\n1,,x\n2,,y\n3,NA,x\n")
    assert profile(tmp_path, tmp_path / "d.csv")[0] == 0
    document = written(tmp_path)
    empty = columns_of(document)["empty"]
    assert (empty["missing_count"], empty["missing_pct"], empty["unique_count"]) == (3, 100.0, 0)
    assert {"column": "empty", "flag": "high_missing", "detail": "all 3 values missing"} in (
        document["quality_flags"]
    )
    assert "high_missing" in read_profile(tmp_path / "out/data/profile.json").column("empty").flags


def test_one_row_and_zero_rows(tmp_path):
    (tmp_path / "one.csv").write_text("a,b,c\n1,x,2024-01-01\n")
    assert profile(tmp_path, tmp_path / "one.csv", out="one")[0] == 0
    one = written(tmp_path, "one")
    assert one["overview"]["row_count"] == 1
    assert columns_of(one)["a"]["stats"]["min"] == 1
    assert columns_of(one)["a"]["stats"]["std"] is None  # one value has no spread

    (tmp_path / "none.csv").write_text("a,b,c\n")
    code, output = profile(tmp_path, tmp_path / "none.csv", out="none")
    assert code == 0, output
    none = written(tmp_path, "none")
    assert none["overview"]["row_count"] == 0
    assert [c["name"] for c in none["columns"]] == ["a", "b", "c"]
    assert "0 rows" in (tmp_path / "none/eda-report.md").read_text()


def test_an_empty_file_is_a_clear_error_and_writes_nothing(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    code, output = profile(tmp_path, tmp_path / "empty.csv")
    assert code == 5, output
    assert "empty.csv" in output and one_paragraph(output) and "Traceback" not in output
    assert not (tmp_path / "out/data").exists() or not any((tmp_path / "out/data").iterdir())


def test_duplicates_counts_and_a_late_text_value_in_a_number_column(tmp_path):
    # DuckDB guesses types from the first rows; "n/a"... no: "unknown" 30,000 rows down
    # would break a BIGINT column, and must be re-read, not fail.
    values = [str(i % 500) for i in range(30_000)] + ["unknown"] + ["7"] * 10
    pd.DataFrame({"n": values, "k": ["a"] * len(values)}).to_csv(tmp_path / "l.csv", index=False)
    code, output = profile(tmp_path, tmp_path / "l.csv")
    assert code == 0, output
    document = written(tmp_path)
    n = columns_of(document)["n"]
    assert n["inferred_type"] == "numeric" and n.get("stored_as") == "text"
    # Its statistics are of the numbers, the junk marker read as missing (as the script does).
    assert (n["stats"]["min"], n["stats"]["max"]) == (0, 499)
    assert n["notes"] == ["fewer than 0.1% of its values are not numbers; they are read as missing"]
    # Rows equal to an earlier row: every ("7", "a") after the first, and the repeats of i % 500.
    frame = pd.read_csv(tmp_path / "l.csv", dtype=str)
    assert document["overview"]["duplicate_rows"] == int(frame.duplicated().sum())


def test_hostile_names_and_values_stay_text(tmp_path):
    names = ['a"b', "x; DROP TABLE profiled; --", "$\\frac{1}{2}$", "pipe|name", "`tick`", "y"]
    frame = pd.DataFrame({
        names[0]: [1, 2, 3] * 10, names[1]: ["'); DROP TABLE x; --", "b", "c"] * 10,
        names[2]: [0.5, 1.5, 2.5] * 10, names[3]: ["![img](http://e.x/p.png)", "q", "r"] * 10,
        names[4]: ["<script>", "u", "v"] * 10, "y": ["yes", "no", "no"] * 10,
    })  # fmt: skip
    frame.to_csv(tmp_path / "h.csv", index=False)
    code, output = profile(tmp_path, tmp_path / "h.csv", "--target", "y")
    assert code == 0, output
    assert [c["name"] for c in written(tmp_path)["columns"]] == names
    schema = (tmp_path / "out/data/schema-suggestion.md").read_text()
    table = [line for line in schema.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + len(names)  # the header and one row a column: no name broke a row
    assert all(len(re.split(r"(?<!\\)\|", line)) == 7 for line in table)  # five cells each
    report = (tmp_path / "out/data/eda-report.md").read_text()
    assert "<script>" not in report and "](http://e.x" not in report


def test_target_that_is_not_a_column_names_the_columns(tmp_path):
    data = shared_fixtures_or_skip() / "ui-benefit-claims" / "data" / "data.csv"
    code, output = profile(tmp_path, data, "--target", "UI")
    assert code == 4, output
    assert "Did you mean 'ui'?" in said(output) and one_paragraph(output)
    assert not (tmp_path / "out/data/profile.json").exists()


def test_an_existing_profile_is_not_replaced_without_force(tmp_path):
    data = shared_fixtures_or_skip() / "ui-benefit-claims" / "data" / "data.csv"
    out = tmp_path / "out/data"
    out.mkdir(parents=True)
    (out / "profile.json").write_text('{"analyst": "mine"}')
    code, output = profile(tmp_path, data)
    assert code == 6 and "--force" in output
    assert (out / "profile.json").read_text() == '{"analyst": "mine"}'
    assert profile(tmp_path, data, "--force")[0] == 0
    assert written(tmp_path)["overview"]["row_count"] == 4877


def test_a_folder_of_parquet_parts_is_one_table(tmp_path):
    parts = tmp_path / "parts"
    parts.mkdir()
    for i in range(3):
        frame = pd.DataFrame({"id": range(i * 100, i * 100 + 100), "v": [i] * 100})
        frame.to_parquet(parts / f"part-{i}.parquet")
    code, output = profile(tmp_path, parts)
    assert code == 0, output
    document = written(tmp_path)
    assert document["overview"]["row_count"] == 300
    assert document["overview"]["parts"] == ["part-0.parquet", "part-1.parquet", "part-2.parquet"]
    assert columns_of(document)["v"]["unique_count"] == 3

    pd.DataFrame({"other": [1]}).to_parquet(parts / "part-3.parquet")
    code, output = profile(tmp_path, parts, out="again")
    assert code == 5 and "do not share one header" in said(output)


def test_a_latin1_semicolon_export_reads_as_written(tmp_path):
    text = "ville;prix\nMontréal;1,5\nQuébec;2\nMontréal;3\n"
    (tmp_path / "fr.csv").write_bytes(text.encode("cp1252"))
    assert profile(tmp_path, tmp_path / "fr.csv")[0] == 0
    document = written(tmp_path)
    assert document["overview"]["sep"] == ";"
    top = columns_of(document)["ville"]["top_values"]
    assert top[0] == {"value": "Montréal", "count": 2}


def test_approximate_facts_above_the_exact_limit_say_so(tmp_path, monkeypatch):
    from ml_engineer.profiler import measure

    monkeypatch.setattr(measure, "EXACT_ROWS", 100)
    monkeypatch.setattr(measure, "SAMPLE_ROWS", 100)
    pd.DataFrame({"a": range(500), "b": [i % 7 for i in range(500)]}).to_csv(
        tmp_path / "a.csv", index=False
    )
    assert profile(tmp_path, tmp_path / "a.csv")[0] == 0
    document = written(tmp_path)
    assert "HyperLogLog" in document["overview"]["approximate"]
    assert document["overview"]["shape_sample"] == {"rows": 100, "every_nth_row": 5}
    assert read_profile(tmp_path / "out/data/profile.json").unread_fields == []
    a, b = columns_of(document)["a"], columns_of(document)["b"]
    assert b["unique_count_approximate"] and abs(b["unique_count"] - 7) <= 1
    assert b["missing_count"] == 0  # counts stay exact
    # A nearly unique estimate is counted exactly: it tells an identifier from a repeated value.
    assert (a["unique_count"], a["inferred_type"]) == (500, "id")
    assert "unique_count_approximate" not in a
    assert document["overview"]["duplicate_rows"] == 0  # a unique column: no row repeats

    pairs = pd.DataFrame({"k": [i % 150 for i in range(400)], "v": [i % 3 for i in range(400)]})
    pairs.to_csv(tmp_path / "d.csv", index=False)
    assert profile(tmp_path, tmp_path / "d.csv", out="dups")[0] == 0
    # Compared by a hash of the row above the limit: still the exact count here.
    assert written(tmp_path, "dups")["overview"]["duplicate_rows"] == int(pairs.duplicated().sum())


def test_run_on_a_data_file_profiles_first_then_reuses_the_profile(tmp_path, monkeypatch):
    data = shared_fixtures_or_skip() / "penguin-species" / "data" / "data.csv"
    monkeypatch.chdir(tmp_path)
    argv = ["run", str(data), "--goal", "predict the species", "--yes", "--no-validate",
            "--no-mlops"]  # fmt: skip
    code, output = run_cli(argv)
    assert code == 0, output
    project = tmp_path / "output" / "penguin-species"
    assert all((project / "data" / name).is_file() for name in PROFILE_FILES)
    assert (project / "ml" / "training_script.py").is_file()
    config = (project / "ml" / "experiment-config.yaml").read_text()
    assert "target: species" in config and str(data) in config  # the data read where it is

    code, output = run_cli(argv)
    assert code == 0 and "Using the profile" in output


def test_a_file_larger_than_the_memory_allowed_is_profiled(tmp_path):
    """The profiler runs under a resident-memory cap below the file's size (enforced by the
    product's own process watcher) and still counts every row."""
    import duckdb

    from ml_engineer.script_process import MB, run_bounded

    rows = 4_000_000
    big = tmp_path / "big.csv"
    duckdb.sql(
        "COPY (SELECT i AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE i % 1000 END AS x, "
        "'cat_' || (i % 50) AS c, repeat('t', 60 + i % 20) AS pad FROM range(?) r(i)) "
        f"TO '{big}' (HEADER)",
        params=[rows],
    )
    cap_mb = 320
    assert big.stat().st_size > cap_mb * MB
    out = tmp_path / "out"
    # One engine thread: each thread holds its own buffers, and under a busy test run two
    # threads' buffers sometimes outgrew the 96 MB limit.
    cmd = [sys.executable, "-m", "ml_engineer", "profile", str(big), "--out", str(out),
           "--memory-limit", "96MB", "--threads", "1"]  # fmt: skip
    done = run_bounded(cmd, cwd=tmp_path, env=dict(os.environ), timeout_s=300,
                       memory_limit_mb=cap_mb)  # fmt: skip
    assert done.stopped is None and done.returncode == 0, done.stderr
    document = json.loads((out / "profile.json").read_text())
    assert document["overview"]["row_count"] == rows
    x = columns_of(document)["x"]
    assert x["missing_count"] == len(range(0, rows, 7))
    assert abs(x["unique_count"] - 1000) <= 50  # approximate above a million rows, and said so
    assert "HyperLogLog" in document["overview"]["approximate"]


def test_engine_settings_a_user_gets_wrong_are_named(tmp_path):
    data = shared_fixtures_or_skip() / "penguin-species" / "data" / "data.csv"
    for flags, field in ((["--memory-limit", "lots"], "--memory-limit"),
                         (["--threads", "0"], "--threads")):  # fmt: skip
        code, output = profile(tmp_path, data, *flags)
        assert code == 2 and field in output and one_paragraph(output), output
        assert not (tmp_path / "out").exists()


def test_columns_are_named_as_pandas_reads_them(tmp_path):
    """The engine strips spaces from names and calls an empty header cell `column0`; the
    script reads the file with pandas, so the profile must name the columns as pandas does."""
    frame = pd.DataFrame({" padded ": range(30), "y": ["a", "b", "c"] * 10})
    frame.to_csv(tmp_path / "exported.csv")  # the index, written under an empty header cell
    assert profile(tmp_path, tmp_path / "exported.csv")[0] == 0
    expected = list(pd.read_csv(tmp_path / "exported.csv").columns)
    assert [c["name"] for c in written(tmp_path)["columns"]] == expected
    assert expected == ["Unnamed: 0", " padded ", "y"]

    (tmp_path / "twins.csv").write_text("id,ID\n1,2\n")
    code, output = profile(tmp_path, tmp_path / "twins.csv", out="twins")
    assert code == 5 and "differ only in case" in said(output) and one_paragraph(output)
