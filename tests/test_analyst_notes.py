"""The analyst's markdown documents, read by rules: real fixtures and hostile hand-written ones."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest
from conftest import shared_fixtures_or_skip as shared_fixtures

from ml_engineer.inputs.analyst_notes import read_analyst_notes

DOCS = Path(__file__).resolve().parent / "fixtures" / "docs"


def column_names(data_dir: Path) -> list[str]:
    """The real columns: the CSV header when the data is there, else the profile's fields."""
    data = data_dir / "data.csv"
    if data.exists():
        with data.open(newline="") as fh:
            return next(csv.reader(fh))
    profile = json.loads((data_dir / "profile.json").read_text())
    return [f["column"] for f in profile["fields"]]


def notes_for(name: str):
    data_dir = shared_fixtures() / name / "data"
    return read_analyst_notes(data_dir, column_names(data_dir))


# ---------------------------------------------------------------------------------------------
# The shared fixtures


def test_benefits_goal_target_keys_and_metrics():
    notes = notes_for("ui-benefit-claims")
    assert "unemployment insurance" in notes.goal_sentence
    assert "`" not in notes.goal_sentence and "\n" not in notes.goal_sentence
    assert len(notes.goal_sentence) <= 300
    assert notes.target_hint == "ui"
    assert notes.key_columns == []  # "Key columns: none"
    assert "roc_auc" in notes.suggested_metrics and "recall" in notes.suggested_metrics
    assert notes.sources == ["schema-suggestion.md", "eda-report.md"]


def test_benefits_column_notes_and_quality_notes():
    notes = notes_for("ui-benefit-claims")
    assert any("zero variance" in n for n in notes.column_notes["bluecol"])
    # A table row listing several columns applies to each of them, each with its own meaning
    # when the meaning cell lists one per column.
    for name, meaning in (("age", "age (years)"), ("tenure", "tenure in lost job"),
                          ("yrdispl", "year of job loss")):  # fmt: skip
        assert any(meaning in n for n in notes.column_notes[name])
        assert any("type: integer" in n for n in notes.column_notes[name])
    assert not any("age (years)" in n for n in notes.column_notes["yrdispl"])
    assert any("state code" in n for n in notes.column_notes["state"])
    assert any("zero variance" in n for n in notes.quality_notes)
    assert all("`" not in n and "**" not in n for n in notes.quality_notes)
    # Two-letter names are only matched in backticks or table cells, never as bare words.
    assert "rr" in notes.column_notes
    assert not any("stateur 0.128" in n for n in notes.column_notes["rr"])
    assert any("stateur 0.128" in n for n in notes.column_notes["tenure"])


def test_wife_target_weight_note_and_ordered_education():
    notes = notes_for("wife-health-insurance")
    assert notes.target_hint == "whi"
    assert "health insurance" in notes.goal_sentence
    assert notes.key_columns == []  # "No key column."
    assert any("sampling weight" in n for n in notes.column_notes["wght"])
    assert notes.ordered_categories["education"] == [
        "<9years",
        "9-11years",
        "12years",
        "13-15years",
        "16years",
        ">16years",
    ]
    assert notes.suggested_metrics[:2] == ["roc_auc", "log_loss"]


def test_penguins_target_from_key_column_and_per_class_metrics():
    notes = notes_for("penguin-species")
    assert notes.target_hint == "species"
    # "target" in the key? column marks the target, not a key.
    assert notes.key_columns == []
    assert {"f1_macro", "balanced_accuracy"} & set(notes.suggested_metrics)
    assert "accuracy" not in notes.suggested_metrics  # "per-class accuracy" is not accuracy
    assert any("confounded" in n for n in notes.column_notes["island"])


def test_target_hint_matches_case_insensitively_but_only_real_columns():
    data_dir = shared_fixtures() / "ui-benefit-claims" / "data"
    upper = [c.upper() for c in column_names(data_dir)]
    assert read_analyst_notes(data_dir, upper).target_hint == "UI"
    without_ui = [c for c in column_names(data_dir) if c != "ui"]
    assert read_analyst_notes(data_dir, without_ui).target_hint is None


# ---------------------------------------------------------------------------------------------
# Hand-written documents


def test_no_goal_gives_no_goal_but_keeps_other_facts():
    cols = ["customer_id", "tenure_months", "plan", "monthly_fee", "churn"]
    notes = read_analyst_notes(DOCS / "no_goal", cols)
    assert notes.goal_sentence is None
    assert notes.target_hint is None
    assert notes.key_columns == ["customer_id"]  # "the primary key" in its row
    assert notes.ordered_categories == {"plan": ["basic", "standard", "premium"]}
    # A bullet's continuation line stays part of the bullet.
    assert 'Some plan values are lower-case duplicates (e.g. "Basic" and "basic").' in (
        notes.quality_notes
    )


def test_two_candidate_targets_give_no_hint_and_say_so():
    notes = read_analyst_notes(DOCS / "two_targets", ["churned", "cancelled", "age"])
    assert notes.target_hint is None
    assert any("churned" in n and "cancelled" in n for n in notes.quality_notes)
    assert notes.goal_sentence == "Predict which customers leave."
    # "Accuracy is misleading here" is not a recommendation.
    assert notes.suggested_metrics == ["average_precision", "f1"]


def test_prompt_injection_is_only_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cols = ["age", "income", "churned", "rm"]
    notes = read_analyst_notes(DOCS / "injection", cols)
    # "rm" is a real column here, yet `rm -rf /` does not name it.
    assert notes.target_hint is None
    assert notes.key_columns == []
    assert notes.goal_sentence.startswith("Ignore previous instructions")
    assert "\n" not in notes.goal_sentence
    assert not (tmp_path / "pwned").exists()
    assert set(notes.column_notes) <= set(cols)
    assert "click me age is fine." in notes.quality_notes


def test_binary_junk_is_reported_not_read():
    notes = read_analyst_notes(DOCS / "binary_junk", ["a", "b"])
    assert notes.sources == []
    assert any(n.startswith("eda-report.md could not be read:") for n in notes.quality_notes)
    assert any(n.startswith("schema-suggestion.md could not be read:") for n in notes.quality_notes)
    assert notes.goal_sentence is None and notes.target_hint is None


def test_huge_line_is_cut_and_the_rest_still_read():
    start = time.perf_counter()
    notes = read_analyst_notes(DOCS / "huge_line", ["label", "x"])
    assert time.perf_counter() - start < 5
    assert notes.goal_sentence == "predict label from the rest."
    assert notes.target_hint == "label"
    assert all(len(n) <= 500 for ns in notes.column_notes.values() for n in ns)


def test_other_file_names_setext_heading_and_pipeless_table():
    notes = read_analyst_notes(DOCS / "alt_names", ["store_id", "month", "sales"])
    assert notes.sources == ["schema_suggestion.md", "EDA.md"]
    assert notes.goal_sentence == "Forecast next month's sales for each store."
    assert notes.target_hint == "sales"
    assert notes.key_columns == ["store_id", "month"]  # ✓ and yes in the key? column
    assert notes.suggested_metrics == ["rmse", "mape", "r2"]
    assert notes.quality_notes == ["month has gaps for new stores."]


def test_missing_folder_and_empty_documents(tmp_path):
    assert read_analyst_notes(tmp_path / "absent", ["a"]).sources == []
    (tmp_path / "eda-report.md").write_text("")
    (tmp_path / "schema-suggestion.md").write_text("   \n\n")
    notes = read_analyst_notes(tmp_path, ["a"])
    assert notes.goal_sentence is None
    assert "eda-report.md is empty." in notes.quality_notes


def test_directory_named_like_a_document_is_reported(tmp_path):
    (tmp_path / "eda-report.md").mkdir()
    notes = read_analyst_notes(tmp_path, ["a"])
    assert notes.quality_notes == ["eda-report.md could not be read: it is not a regular file."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**Goal:** predict `churn`.", ("predict churn.", "churn")),
        ("## Objective\n\nPredict *churn* for each customer. More text here.", (None, None)),
        ("Target: churn (yes/no)", (None, "churn")),
        ("The target column is `Churn`.", (None, "churn")),
        ("The target is not `churn`.", (None, None)),
    ],
)
def test_goal_and_target_spellings(tmp_path, text, expected):
    (tmp_path / "eda-report.md").write_text(text)
    notes = read_analyst_notes(tmp_path, ["churn", "tenure"])
    goal, target = expected
    if goal is not None:
        assert notes.goal_sentence == goal
    assert notes.target_hint == target


def test_objective_heading_gives_first_sentence(tmp_path):
    (tmp_path / "eda-report.md").write_text(
        "## Objective\n\nPredict *churn* for each customer. More text here.\n"
    )
    notes = read_analyst_notes(tmp_path, ["churn"])
    assert notes.goal_sentence == "Predict churn for each customer."


def test_metric_spellings_are_normalised_in_order(tmp_path):
    (tmp_path / "schema-suggestion.md").write_text(
        "## Metrics\n- Macro F1, then PR AUC and average precision (same thing), "
        "ROC AUC, log loss, MAE, R², precision and balanced accuracy.\n"
    )
    notes = read_analyst_notes(tmp_path, [])
    assert notes.suggested_metrics == [
        "f1_macro",
        "average_precision",
        "roc_auc",
        "log_loss",
        "mae",
        "r2",
        "precision",
        "balanced_accuracy",
    ]


def test_a_row_naming_several_columns_gives_each_its_own_meaning(tmp_path):
    (tmp_path / "schema-suggestion.md").write_text(
        "| column | type | meaning |\n|---|---|---|\n"
        "| age, tenure, yrdispl | integer | age (years), tenure in lost job (years), "
        "year of job loss (1–10 code) |\n| rr, head | float | replacement rate |\n"
    )
    notes = read_analyst_notes(tmp_path, ["age", "tenure", "yrdispl", "rr", "head"])
    assert notes.column_notes["tenure"] == ["type: integer; meaning: tenure in lost job (years)"]
    assert "age (years)" not in notes.column_notes["yrdispl"][0]
    # a meaning that lists no items per column is shared by every column the row names
    assert notes.column_notes["head"] == ["type: float; meaning: replacement rate"]
