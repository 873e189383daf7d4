"""Finding, reading and screening the dataset."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import shared_fixtures_or_skip as shared_fixtures

from ml_engineer.errors import DataError
from ml_engineer.inputs.dataset import (
    DatasetLocation,
    dataset_facts,
    find_dataset,
    is_monotonic_in_time,
    read_dataset,
)


def slug_dir(tmp_path: Path, slug: str = "acme-churn") -> Path:
    data_dir = tmp_path / "output" / slug / "data"
    data_dir.mkdir(parents=True)
    return data_dir


SMALL = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})


# ---------------------------------------------------------------------------------------------
# find_dataset


def test_benefits_found_by_the_profile_path_and_read():
    data_dir = shared_fixtures() / "ui-benefit-claims" / "data"
    location = find_dataset(data_dir, "data.csv")
    assert location is not None
    assert location.path == data_dir / "data.csv"
    assert location.format == "csv"
    assert "profile" in location.how_found
    df = read_dataset(location)
    assert df.shape == (4877, 18)
    assert "ui" in df.columns


def test_wife_profile_path_does_not_exist_so_nothing_is_found():
    data_dir = shared_fixtures() / "wife-health-insurance" / "data"
    assert find_dataset(data_dir, "/mnt/shared/uploads/hi_wives_survey.csv") is None


def test_penguins_found_as_the_only_data_file_without_a_profile_path():
    data_dir = shared_fixtures() / "penguin-species" / "data"
    location = find_dataset(data_dir, None)
    assert location is not None and location.path.name == "data.csv"
    assert "only data file" in location.how_found
    df = read_dataset(location, nrows=10, columns=["island", "species"])
    assert list(df.columns) == ["island", "species"] and len(df) == 10


def test_absolute_profile_path_outside_the_folder_is_used(tmp_path):
    data_dir = slug_dir(tmp_path)
    elsewhere = tmp_path / "uploads" / "survey.csv"
    elsewhere.parent.mkdir()
    SMALL.to_csv(elsewhere, index=False)
    location = find_dataset(data_dir, str(elsewhere))
    assert location is not None and location.path == elsewhere


def test_relative_profile_path_from_the_data_folder_or_its_parent(tmp_path):
    data_dir = slug_dir(tmp_path)
    (data_dir / "raw").mkdir()
    SMALL.to_csv(data_dir / "raw" / "x.csv", index=False)
    assert find_dataset(data_dir, "raw/x.csv").path == data_dir / "raw" / "x.csv"
    SMALL.to_csv(data_dir.parent / "y.csv", index=False)
    assert find_dataset(data_dir, "y.csv").path == data_dir.parent / "y.csv"


def test_file_beside_the_profile_with_the_profiles_basename(tmp_path):
    data_dir = slug_dir(tmp_path)
    SMALL.to_csv(data_dir / "hi_wives_survey.csv", index=False)
    SMALL.to_csv(data_dir / "other.csv", index=False)
    location = find_dataset(data_dir, "/mnt/shared/uploads/hi_wives_survey.csv")
    assert location is not None and location.path == data_dir / "hi_wives_survey.csv"
    windows = find_dataset(data_dir, r"C:\Users\ana\hi_wives_survey.csv")
    assert windows is not None and windows.path.name == "hi_wives_survey.csv"


def test_no_data_file_gives_none(tmp_path):
    data_dir = slug_dir(tmp_path)
    (data_dir / "profile.json").write_text("{}")
    (data_dir / "notes.txt").write_text("csv,not\n")
    assert find_dataset(data_dir, None) is None
    assert find_dataset(tmp_path / "missing", "data.csv") is None
    assert find_dataset(data_dir, "https://example.invalid/data.csv") is None


def test_several_candidates_prefer_data_then_slug_else_none(tmp_path):
    data_dir = slug_dir(tmp_path, "acme-churn")
    SMALL.to_csv(data_dir / "train.csv", index=False)
    SMALL.to_csv(data_dir / "test.csv", index=False)
    assert find_dataset(data_dir, None) is None  # ambiguous: the user must say

    SMALL.to_csv(data_dir / "acme-churn.csv", index=False)
    assert find_dataset(data_dir, None).path.name == "acme-churn.csv"

    SMALL.to_parquet(data_dir / "data.parquet", index=False)
    SMALL.to_csv(data_dir / "data.csv", index=False)
    location = find_dataset(data_dir, None)
    assert location.path.name == "data.parquet" and location.format == "parquet"
    assert "several" in location.how_found


def test_symlinks_directories_and_non_data_files_are_refused(tmp_path):
    data_dir = slug_dir(tmp_path)
    real = tmp_path / "real.csv"
    SMALL.to_csv(real, index=False)
    (data_dir / "data.csv").symlink_to(real)
    (data_dir / "dir.csv").mkdir()
    (data_dir / "report.md").write_text("# not data")
    assert find_dataset(data_dir, str(data_dir / "data.csv")) is None
    assert find_dataset(data_dir, "dir.csv") is None
    assert find_dataset(data_dir, "report.md") is None


def test_tsv_gzip_and_semicolon_csv_are_read(tmp_path):
    data_dir = slug_dir(tmp_path)
    SMALL.to_csv(data_dir / "data.tsv", sep="\t", index=False)
    location = find_dataset(data_dir, None)
    assert location.sep == "\t"
    assert read_dataset(location).equals(SMALL)

    gz = tmp_path / "g.csv.gz"
    with gzip.open(gz, "wt") as fh:
        SMALL.to_csv(fh, index=False)
    assert read_dataset(find_dataset(data_dir, str(gz)))["b"].tolist() == ["x", "y", "z"]

    semi = tmp_path / "semi.csv"
    semi.write_text("a;b\n1;x\n2;y\n")
    assert list(read_dataset(find_dataset(data_dir, str(semi))).columns) == ["a", "b"]


# ---------------------------------------------------------------------------------------------
# read_dataset


def test_parquet_is_read_with_nrows_and_columns(tmp_path):
    data_dir = slug_dir(tmp_path)
    big = pd.DataFrame({"a": np.arange(100_000), "b": np.arange(100_000) % 7})
    big.to_parquet(data_dir / "data.pq", index=False)
    location = find_dataset(data_dir, None)
    assert location.format == "parquet"
    assert len(read_dataset(location)) == 100_000
    head = read_dataset(location, nrows=70_000, columns=["b"])
    assert list(head.columns) == ["b"] and len(head) == 70_000


def test_empty_csv_names_the_file(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("")
    with pytest.raises(DataError) as err:
        read_dataset(DatasetLocation(path=path, format="csv", how_found="test"))
    assert str(path) in str(err.value) and "empty" in str(err.value)
    assert err.value.path == str(path)


def test_header_only_csv_has_no_rows(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n")
    location = DatasetLocation(path=path, format="csv", how_found="test")
    with pytest.raises(DataError, match="no rows"):
        read_dataset(location)
    assert list(read_dataset(location, nrows=0).columns) == ["a", "b"]


def test_corrupt_parquet_names_the_file_and_the_fix(tmp_path):
    path = tmp_path / "data.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    with pytest.raises(DataError) as err:
        read_dataset(DatasetLocation(path=path, format="parquet", how_found="test"))
    assert str(path) in str(err.value) and "Parquet" in str(err.value)


def test_truncated_parquet_and_binary_csv_are_data_errors(tmp_path):
    good = tmp_path / "good.parquet"
    SMALL.to_parquet(good, index=False)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(good.read_bytes()[:-20])
    with pytest.raises(DataError):
        read_dataset(DatasetLocation(path=cut, format="parquet", how_found="test"))
    binary = tmp_path / "bin.csv"
    shutil.copy(good, binary)
    with pytest.raises(DataError, match="binary"):
        read_dataset(DatasetLocation(path=binary, format="csv", how_found="test"))


def test_missing_requested_columns_are_a_data_error(tmp_path):
    path = tmp_path / "data.csv"
    SMALL.to_csv(path, index=False)
    with pytest.raises(DataError, match="expected columns"):
        read_dataset(DatasetLocation(path=path, format="csv", how_found="t"), columns=["zzz"])


def test_latin1_csv_is_still_read(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes("name,city\nJosé,Zürich\n".encode("latin-1"))
    df = read_dataset(DatasetLocation(path=path, format="csv", how_found="t"))
    assert df.loc[0, "city"] == "Zürich"


def test_encoding_bom_then_utf8_throughout_then_cp1252_else_latin1(tmp_path):
    """Found once, when the dataset is located, for the product and the script alike."""
    late = "name,price\n" + "plain,1\n" * 150_000  # past the first 1 MB read
    cases = {
        "sig.csv": ("name,price\nJosé,1\n".encode("utf-8-sig"), "utf-8-sig"),
        "u16.csv": ("name,price\nJosé,1\n".encode("utf-16"), "utf-16"),
        "ascii.csv": (b"name,price\nJose,1\n", "utf-8"),
        # an accent only after the first megabyte: the whole file is checked, not its head
        "late.csv": ((late + "José,5€\n").encode("cp1252"), "cp1252"),
        # 0x81 is no cp1252 character: latin-1 reads any byte
        "odd.csv": (b"name,price\nJos\xe9,\x81\n", "latin-1"),
    }
    for name, (content, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        location = find_dataset(tmp_path, name)
        assert location.encoding == expected, name
        assert "Jos" in read_dataset(location)["name"].iloc[-1]
    assert read_dataset(find_dataset(tmp_path, "late.csv"))["price"].iloc[-1] == "5€"


def test_utf8_character_cut_at_a_read_boundary_is_still_utf8(tmp_path):
    from ml_engineer.inputs.dataset_location import CHUNK

    head = "a\n"
    text = head + "x" * (CHUNK - 1 - len(head)) + "é\n"  # é's two bytes straddle the chunk end
    assert text.encode("utf-8")[CHUNK - 1 : CHUNK + 1] == "é".encode()
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    location = find_dataset(tmp_path, None)
    assert location.encoding == "utf-8"
    assert read_dataset(location)["a"].iloc[0].endswith("é")


def test_separator_is_sniffed_through_quotes(tmp_path):
    cases = {
        "pipe.csv": ('name|note\n"a, b"|"x; y"\n"c, d"|"z; w"\n', "|", ["name", "note"]),
        "semi.csv": ("a;b\n1,5;2\n3,5;4\n", ";", ["a", "b"]),  # decimal commas
        "comma.csv": ('a,b\n"x|y",1\n"z|w",2\n', ",", ["a", "b"]),
        "one.csv": ("species\nAdelie\nGentoo\n", ",", ["species"]),
    }
    for name, (text, sep, columns) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        location = find_dataset(tmp_path, name)
        assert location.sep == sep, name
        assert list(read_dataset(location).columns) == columns, name
    pipe = read_dataset(find_dataset(tmp_path, "pipe.csv"))
    assert pipe["name"].tolist() == ["a, b", "c, d"]


def test_repeated_column_names_are_a_data_error_naming_them(tmp_path):
    csv = tmp_path / "data.csv"
    csv.write_text("id,score,id,score,city\n1,2,3,4,x\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_dataset(find_dataset(tmp_path, "data.csv"))
    message = str(err.value)
    assert str(csv) in message and "Rename the repeated columns" in message
    assert "`id` (columns 1, 3); `score` (columns 2, 4)" in message
    assert err.value.field == "id, score" and err.value.path == str(csv)

    parquet = tmp_path / "data.parquet"
    pq.write_table(pa.table([[1], [2]], names=["city", "city"]), parquet)
    with pytest.raises(DataError, match=r"`city` \(columns 1, 2\)"):
        read_dataset(find_dataset(tmp_path, "data.parquet"))

    # Columns without a name are not repeats: pandas names them apart (`Unnamed: 1`, ...).
    unnamed = tmp_path / "unnamed.csv"
    unnamed.write_text(",a,\n0,1,2\n", encoding="utf-8")
    assert read_dataset(find_dataset(tmp_path, "unnamed.csv")).shape == (1, 3)


# ---------------------------------------------------------------------------------------------
# dataset_facts


def leak_frame(n: int = 4000) -> pd.DataFrame:
    rng = np.random.default_rng(42)
    y = rng.choice(["churn", "stay"], size=n, p=[0.3, 0.7])
    df = pd.DataFrame(
        {
            "row_id": np.arange(n),
            "target": y,
            "status_code": np.where(y == "churn", "CLOSED", "OPEN"),  # a copy of the target
            "refund_amount": np.where(y == "churn", 10.0, 0.0),  # numeric copy
            "noise": rng.normal(size=n),
            "noise_cat": rng.choice(list("abcdefgh"), size=n),
            "zip": rng.integers(0, 2000, size=n).astype(str),  # high cardinality, random
        }
    )
    return df.sort_values("target", kind="stable").reset_index(drop=True)


def test_leakage_screen_flags_copies_of_the_target_and_not_noise():
    facts = dataset_facts(leak_frame(), "target")
    assert facts.target_kind == "classification"
    assert facts.association["status_code"] > 0.99
    assert facts.association["refund_amount"] > 0.99
    for column in ("noise", "noise_cat", "zip"):
        assert facts.association[column] < 0.1, column
    assert all(0.0 <= v <= 1.0 for v in facts.association.values())
    assert facts.association_method.keys() == facts.association.keys()


def test_ids_are_skipped_even_when_the_file_is_sorted_by_target():
    facts = dataset_facts(leak_frame(), "target")
    assert "row_id" not in facts.association
    assert facts.skipped_id_columns == ["row_id"]


def test_counts_and_target_distribution():
    df = leak_frame()
    df.loc[[0, 1, 2], "target"] = None
    df.loc[5, "noise"] = np.nan
    facts = dataset_facts(df, "target")
    assert facts.row_count == 4000 and facts.analysed_rows == 4000 and not facts.sampled
    assert facts.missing_target_rows == 3
    assert facts.missing_counts["noise"] == 1 and facts.missing_counts["target"] == 3
    assert set(facts.target_value_counts) == {"churn", "stay"}
    assert sum(facts.target_value_counts.values()) == 3997
    assert facts.unique_counts["status_code"] == 2


def test_penguins_facts_on_the_real_data():
    data_dir = shared_fixtures() / "penguin-species" / "data"
    df = read_dataset(find_dataset(data_dir, None))
    facts = dataset_facts(df, "species")
    assert facts.target_value_counts == {"Adelie": 152, "Gentoo": 124, "Chinstrap": 68}
    assert facts.missing_counts["sex"] == 11
    # Measurements separate the species well, but nothing is a copy of the target.
    assert 0.3 < facts.association["flipper_length_mm"] < 0.95
    assert facts.association["year"] < 0.1


def test_benefits_constant_column_scores_zero():
    data_dir = shared_fixtures() / "ui-benefit-claims" / "data"
    df = read_dataset(find_dataset(data_dir, "data.csv"))
    facts = dataset_facts(df, "ui")
    assert facts.target_value_counts == {"yes": 3335, "no": 1542}
    assert facts.association["bluecol"] == 0.0
    assert max(facts.association.values()) < 0.5


def test_regression_uses_correlation():
    rng = np.random.default_rng(0)
    t = rng.normal(size=3000)
    df = pd.DataFrame(
        {
            "price": t,
            "price_x2": t * 2 + 1,
            "noise": rng.normal(size=3000),
            "sign": np.where(t > 0, "up", "down"),
        }
    )
    facts = dataset_facts(df, "price")
    assert facts.target_kind == "regression"
    assert facts.association["price_x2"] > 0.99
    assert facts.association["noise"] < 0.1
    assert 0.5 < facts.association["sign"] < 1.0
    assert facts.target_value_counts_truncated and len(facts.target_value_counts) == 100


def test_large_frames_are_sampled_and_say_so():
    n = 250_000
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"y": rng.integers(0, 2, size=n), "x": rng.normal(size=n)})
    facts = dataset_facts(df, "y")
    assert facts.row_count == n and facts.analysed_rows == 200_000 and facts.sampled
    assert any("sample" in note for note in facts.notes)
    assert facts.target_value_counts.keys() == {"0", "1"}


def test_unknown_target_is_a_data_error():
    with pytest.raises(DataError, match="'churn' is not in the dataset"):
        dataset_facts(SMALL, "churn")


def test_pandas_string_dtype_columns_are_handled():
    df = leak_frame(500).astype({"target": "string", "noise_cat": "string"})
    facts = dataset_facts(df, "target")
    assert facts.association["status_code"] > 0.99


# ---------------------------------------------------------------------------------------------
# Time order and groups


def test_is_monotonic_in_time():
    n = 300
    df = pd.DataFrame(
        {
            "sorted": pd.date_range("2021-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "shuffled": pd.Series(pd.date_range("2021-01-01", periods=n, freq="D"))
            .sample(frac=1, random_state=0)
            .to_numpy(),
            "amount": np.arange(n) * 3.5,
            "words": ["hello"] * n,
            "year": [2007] * 100 + [2008] * 100 + [2009] * 100,
        }
    )
    ordered = is_monotonic_in_time(df, "sorted")
    assert ordered.parses_as_dates and ordered.sorted_fraction == 1.0
    assert ordered.first.startswith("2021-01-01")
    shuffled = is_monotonic_in_time(df, "shuffled")
    assert shuffled.parses_as_dates and 0.3 < shuffled.sorted_fraction < 0.7
    assert not is_monotonic_in_time(df, "amount").parses_as_dates  # numbers are not epochs
    assert not is_monotonic_in_time(df, "words").parses_as_dates
    assert is_monotonic_in_time(df, "year").parses_as_dates


def test_mostly_unparseable_dates_are_not_dates():
    values = ["2021-01-01"] * 90 + ["soon"] * 10
    result = is_monotonic_in_time(pd.DataFrame({"d": values}), "d")
    assert not result.parses_as_dates and result.parsed_fraction == pytest.approx(0.9)


# ---------------------------------------------------------------------------------------------
# column_profile: the columns only the data has


def test_columns_only_the_data_has_are_profiled_from_their_values():
    from ml_engineer.inputs.data.column_profile import add_data_columns
    from ml_engineer.models import ColumnKind, ColumnProfile, DataProfile

    n = 400
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "known": rng.normal(size=n),
        "Unnamed: 0": np.arange(n),  # an exported row index
        "year": np.arange(n) + 1,  # counts too, but is named as time
        "weight": np.where(np.arange(n) % 50 == 0, "?", (rng.normal(size=n) + 10).round(2)
                           .astype(str)),  # numbers, with "?" for missing
        "plan": rng.choice(["basic", "pro", None], n),
        "review": [f"customer review number {i} says it was fine overall" for i in range(n)],
        "signup": pd.date_range("2021-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
        "month_name": rng.choice(["March", "May", "June"], n),  # words, not dates
        "active": rng.choice([True, False], n),
        "flag_text": rng.choice(["True", "False"], n),
    })  # fmt: skip
    profile = DataProfile(
        source_format="canonical", profile_path="profile.json",
        columns=[ColumnProfile(name="known", kind=ColumnKind.numeric),
                 ColumnProfile(name="gone", kind=ColumnKind.numeric)],
    )  # fmt: skip
    completed = add_data_columns(profile, frame)
    assert profile.column("plan") is None and profile.column("gone").flags == []  # a copy
    assert completed.column("known").flags == []  # the profile's own columns are kept as are
    assert completed.column("gone").flags == ["absent_from_data"]
    kinds = {c.name: c.kind for c in completed.columns if "profiled_from_data" in c.flags}
    assert kinds == {
        "Unnamed: 0": ColumnKind.id, "year": ColumnKind.numeric, "weight": ColumnKind.numeric,
        "plan": ColumnKind.categorical, "review": ColumnKind.text, "signup": ColumnKind.datetime,
        "month_name": ColumnKind.categorical, "active": ColumnKind.boolean,
        "flag_text": ColumnKind.boolean,
    }  # fmt: skip
    assert "row number" in completed.column("Unnamed: 0").notes[0]
    weight = completed.column("weight")
    assert "'?'" in weight.notes[0] and "read as missing" in weight.notes[0]
    assert weight.stats.min < weight.stats.q50 < weight.stats.max  # "?" is not a number
    plan = completed.column("plan")
    assert plan.missing_count == int(frame["plan"].isna().sum()) > 0
    assert plan.missing_fraction == pytest.approx(plan.missing_count / n)
    assert plan.unique_count == 2 and {t.value for t in plan.top_values} == {"basic", "pro"}
    assert sum(t.count for t in plan.top_values) == n - plan.missing_count  # all rows counted
    year = completed.column("year")
    assert (year.stats.min, year.stats.max, year.stats.q50) == (1.0, 400.0, 200.5)
    assert year.top_values[0].value == "1" and year.sample_values[:2] == ["1", "2"]
    review = completed.column("review")
    assert review.mean_length > 25 and review.unique_count == n
    assert all(isinstance(v, str) for c in completed.columns for v in c.sample_values)
    agreeing = completed.model_copy(
        update={"columns": [c for c in completed.columns if c.name != "gone"]}
    )
    assert add_data_columns(agreeing, frame) is agreeing  # nothing to add: nothing read again
