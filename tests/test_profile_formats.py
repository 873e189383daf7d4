"""The ydata-profiling, Frictionless and markdown readers, on small hand-written fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ml_engineer.errors import ProfileError
from ml_engineer.inputs.profile_detect import read_profile
from ml_engineer.inputs.profiles.flags import normalise_flags
from ml_engineer.inputs.profiles.numbers import parse_count_and_percent
from ml_engineer.models.profile import ColumnKind

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "profiles"


def read(name: str):
    return read_profile(FIXTURES / name)


# --- ydata ------------------------------------------------------------------------------------


def test_ydata_types_map_faithfully():
    profile = read("ydata_full_like.json")
    kinds = {c.name: c.kind for c in profile.columns}
    assert kinds == {
        "plan": ColumnKind.categorical,
        "active": ColumnKind.boolean,
        "joined": ColumnKind.datetime,
        "spend": ColumnKind.numeric,
        "bio": ColumnKind.text,
        "blob": ColumnKind.unknown,
    }
    assert profile.row_count == 100 and profile.column_count == 6


def test_ydata_text_stays_text_with_cardinality_and_lengths():
    bio = read("ydata_full_like.json").column("bio")
    assert bio.kind is ColumnKind.text  # the planner, not the reader, reclassifies text
    assert bio.unique_count == 97
    assert [(t.value, t.count) for t in bio.top_values][:2] == [("hello", 2), ("hi", 2)]
    assert (bio.max_length, bio.mean_length) == (80, 21.5)


def test_ydata_missing_is_a_fraction_and_stats_are_read():
    profile = read("ydata_full_like.json")
    plan = profile.column("plan")
    assert plan.missing_count == 30 and plan.missing_fraction == pytest.approx(0.3)
    spend = profile.column("spend")
    assert (spend.stats.q25, spend.stats.q50, spend.stats.q75) == (3.5, 20.0, 60.0)
    assert spend.stats.skew == 23.5
    # DateTime min/max are date strings: not numeric stats, and not an error either
    assert profile.column("joined").stats is None


def test_ydata_alerts_attach_to_their_column_with_normalised_flags():
    profile = read("ydata_full_like.json")
    assert profile.column("plan").flags == ["missing", "imbalanced"]
    assert profile.column("joined").flags == ["unique"]
    assert profile.column("spend").flags == ["other", "skewed", "correlated"]  # zeros -> other
    assert "[spend] is highly skewed (γ1 = 23.5)" in profile.column("spend").notes
    assert "Dataset has 4 (4.0%) duplicate rows" in profile.quality_notes
    assert "4 duplicate rows (table.n_duplicates)" in profile.quality_notes


def test_ydata_p_missing_alone_is_read_as_a_fraction(tmp_path):
    data = json.loads((FIXTURES / "ydata_full_like.json").read_text())
    del data["variables"]["plan"]["n_missing"]
    data["variables"]["plan"]["p_missing"] = 0.032
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data))
    plan = read_profile(path).column("plan")
    assert plan.missing_count is None and plan.missing_fraction == pytest.approx(0.032)


def test_ydata_alert_naming_another_column_flags_only_what_it_says(tmp_path):
    data = json.loads((FIXTURES / "ydata_full_like.json").read_text())
    data["alerts"] = ["[spend] is highly overall correlated with [id] and 1 other fields"]
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data))
    assert read_profile(path).column("spend").flags == ["correlated"]  # not likely_id


def test_ydata_unknown_keys_are_listed_but_known_noise_is_not():
    profile = read("ydata_full_like.json")
    assert set(profile.unread_fields) == {
        "table.brand_new_table_key",
        "variables.*.new_metric",
        "extra_section",
    }


def test_ydata_sample_rows_give_numeric_columns_samples():
    profile = read("ydata_full_like.json")
    assert profile.column("spend").sample_values == ["12.5", "0.0"]
    assert profile.column("plan").sample_values == ["basic", "pro", "team"]  # from first_rows


def test_ydata_row_count_falls_back_to_variable_n_only_when_consistent(tmp_path):
    data = json.loads((FIXTURES / "ydata_full_like.json").read_text())
    del data["table"]["n"]
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data))
    assert read_profile(path).row_count == 100
    data["variables"]["plan"]["n"] = 99
    path.write_text(json.dumps(data))
    assert read_profile(path).row_count is None


# --- Frictionless -----------------------------------------------------------------------------


def test_frictionless_schema_types_and_unknowns():
    profile = read("frictionless_schema.json")
    kinds = {c.name: c.kind.value for c in profile.columns}
    assert kinds == {
        "id": "numeric",
        "plan": "categorical",
        "note": "text",
        "active": "boolean",
        "joined": "datetime",
        "at": "datetime",
        "yr": "datetime",
        "ym": "datetime",
        "t": "datetime",
        "loc": "unknown",
        "tags": "unknown",
        "untyped": "text",
    }
    assert all(c.missing_fraction is None and c.unique_count is None for c in profile.columns)
    assert profile.column("id").flags == ["unique", "likely_id"]  # unique + primaryKey
    assert profile.column("plan").sample_values == ["basic", "pro", "team"]  # from enum
    assert profile.unread_fields == []


def test_frictionless_describe_output_gives_rows_path_and_reports_extras():
    profile = read("frictionless_describe.json")
    assert (profile.row_count, profile.column_count) == (250, 3)
    assert profile.dataset_path == "raw/loans.csv"
    assert profile.column("grade").kind is ColumnKind.text
    assert "custom_tag" in profile.unread_fields
    assert any('"when"' in u and "weird" in u for u in profile.unread_fields)


def test_frictionless_data_package_reads_the_first_resource():
    profile = read("datapackage.json")
    assert profile.column_names == ["a", "b"]
    assert profile.row_count == 42 and profile.dataset_path == "main.csv"
    assert any(u.startswith("resources[1:]") for u in profile.unread_fields)


# --- Markdown ---------------------------------------------------------------------------------


def test_markdown_overview_and_column_table():
    profile = read("markdown_profile.md")
    assert profile.source_format == "markdown"
    assert (profile.row_count, profile.column_count) == (12345, 6)
    assert profile.dataset_path == "data/churn.csv"
    assert profile.column_names == [
        "customer_id",
        "tenure",
        "plan",
        "monthly charge",
        "a | b",
        "churned",
    ]


def test_markdown_cells_hold_counts_percents_and_dashes():
    profile = read("markdown_profile.md")
    tenure = profile.column("tenure")
    assert tenure.missing_count == 12 and tenure.missing_fraction == pytest.approx(12 / 12345)
    assert tenure.stats.min == 0 and tenure.stats.std == 24.6
    plan = profile.column("plan")  # "1.5%" and a bold name
    assert plan.missing_count is None and plan.missing_fraction == pytest.approx(0.015)
    assert [(t.value, t.count) for t in plan.top_values][0] == ("basic", 6000)
    charge = profile.column("monthly charge")  # "—" is unknown, not zero
    assert charge.missing_fraction is None and charge.unique_count == 1585
    churned = profile.column("churned")
    assert [(t.value, t.count) for t in churned.top_values] == [("no", 9000), ("yes", 3345)]


def test_markdown_notes_and_quality_bullets_become_flags():
    profile = read("markdown_profile.md")
    customer = profile.column("customer_id")
    assert customer.kind is ColumnKind.id and "likely_id" in customer.flags
    assert "`customer_id` is unique for every row (identifier)." in customer.notes
    assert profile.column("monthly charge").flags == ["skewed"]
    assert profile.column("plan").flags == ["missing"]
    assert "The export dropped 3 malformed lines." in profile.quality_notes
    assert profile.column("churned").flags == []  # a "target" note is not a quality flag


def test_markdown_unread_sections_and_tables_are_listed():
    unread = read("markdown_profile.md").unread_fields
    assert 'overview "Sampling"' in unread
    assert any("Column A | Column B | r" in u for u in unread)
    assert not any("File size" in u for u in unread)  # understood, not needed


def test_markdown_variants_metric_table_split_tables_range_and_quality_table():
    profile = read("markdown_variants.md")
    assert profile.row_count == 1200  # "1.2k"
    assert profile.column_count == 4
    assert profile.dataset_path == "s3://bucket/loans.csv"  # a markdown link's target
    assert profile.column_names == ["amount", "rate", "grade", "state"]  # two tables, merged
    amount = profile.column("amount")
    assert (amount.stats.min, amount.stats.max) == (1000.0, 50000.0)  # "1,000 – 50,000"
    assert profile.column("rate").missing_fraction == pytest.approx(0.025)  # "null %" = 2.5
    assert profile.column("state").missing_fraction == pytest.approx(0.10)
    assert profile.column("state").sample_values == ["CA", "NY", "TX"]  # values, no counts
    assert "correlated" in amount.flags and "correlated" in profile.column("rate").flags
    assert profile.column("grade").flags == ["imbalanced"]
    assert profile.unread_fields == ['column table header "histogram"']


def test_markdown_per_column_subsections():
    profile = read("markdown_sections.md")
    assert profile.row_count == 500 and profile.dataset_path == "data/survey.csv"
    assert profile.column_names == ["age", "income", "region"]
    age = profile.column("age")
    assert age.missing_count == 5 and age.unique_count == 60 and age.stats.mean == 41.2
    assert profile.column("income").stats.q50 == 52000
    assert profile.column("region").flags == ["weight"]
    assert profile.unread_fields == ['column section key "Weird key"']


def test_markdown_duplicate_rows_in_one_table_are_refused(tmp_path):
    path = tmp_path / "profile.md"
    path.write_text("| column | type |\n|---|---|\n| a | int |\n| b | int |\n| a | text |\n")
    with pytest.raises(ProfileError, match='duplicate column names: "a"') as info:
        read_profile(path)
    assert str(path) in str(info.value)


# --- Shared helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("zero_variance", ["constant"]),
        ("single value 'yes' in all rows", ["constant"]),
        ("has a constant value", ["constant"]),
        ("likely_id", ["likely_id"]),
        ("primary key", ["likely_id"]),
        ("has unique values", ["unique"]),
        ("survey sampling weight, not a respondent attribute", ["weight"]),
        ("weight", ["weight"]),
        ("body weight in kg", ["other"]),  # a measured weight is not a sampling weight
        ("two versions of husband-insurance flag, partially redundant", ["redundant"]),
        ("duplicate column", ["redundant"]),
        ("2 duplicated rows", ["duplicate"]),
        ("possible target leak", ["leakage"]),
        ("high_missing", ["high_missing"]),
        ("11 (3.2%) missing values", ["missing"]),
        ("no missing values", ["other"]),
        ("high cardinality", ["high_cardinality"]),
        ("is highly skewed (γ1 = 23.5)", ["skewed"]),
        ("is highly imbalanced (65.2%)", ["imbalanced"]),
        ("is highly overall correlated with [y]", ["correlated"]),
        ("has 54 (2.1%) zeros", ["other"]),
    ],
)
def test_flag_vocabulary(text, flags):
    assert normalise_flags(text) == flags


@pytest.mark.parametrize(
    ("cell", "parsed"),
    [
        ("12 (3.4%)", (12, 3.4)),
        ("3.4%", (None, 3.4)),
        ("1,234", (1234, None)),
        ("0 (0.0%)", (0, 0.0)),
        ("—", (None, None)),
        ("3,4 %", (None, 3.4)),
    ],
)
def test_count_and_percent_cells(cell, parsed):
    assert parse_count_and_percent(cell) == parsed


def test_count_and_percent_refuses_text():
    with pytest.raises(ValueError):
        parse_count_and_percent("lots")


def test_markdown_table_without_outer_pipes_and_bold_overview(tmp_path):
    path = tmp_path / "profile.md"
    path.write_text(
        "- **Rows**: 1,234\n- Source: data/__raw__.csv\n\n"
        "Field | DType | Nulls | Cardinality\n-|-|-|-\n"
        "__id__ | int64 | 0 | 1,234\nscore | float | 12 (1.0%) | 99\n\n"
        "## Warnings\n- **score** is heavily skewed\n"
    )
    profile = read_profile(path)
    assert profile.row_count == 1234 and profile.dataset_path == "data/__raw__.csv"
    assert profile.column_names == ["__id__", "score"]
    assert profile.column("score").missing_count == 12
    assert profile.column("__id__").unique_count == 1234
    assert profile.column("score").flags == ["skewed"]
    assert profile.quality_notes == ["**score** is heavily skewed"]  # verbatim
