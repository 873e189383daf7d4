"""The feature-spec and config renderers, and the validation runner, on hostile strings."""

from __future__ import annotations

import re

import pytest
import yaml

from ml_engineer.deliverables import archive_previous, discard_if_unchanged, write_file
from ml_engineer.errors import OutputError
from ml_engineer.models import (
    AnalystNotes,
    ColumnKind,
    ColumnProfile,
    DataProfile,
    DerivedFeature,
    TopValue,
)
from ml_engineer.models.mlops import DriftBaseline, MetricAlert, MonitoringSpec, RetrainPipeline
from ml_engineer.planning.experiment import plan_experiment
from ml_engineer.planning.planner import PlanRequest, plan_feature_spec
from ml_engineer.render.experiment_config import load_experiment_config, render_experiment_config
from ml_engineer.render.feature_spec import render_feature_spec
from ml_engineer.render.markdown_filters import cell, code, code_cell, md, no_links
from ml_engineer.render.mlops import render_monitoring_spec, render_retrain_pipeline
from ml_engineer.validation import run_training_script

# Names that YAML, markdown or Python would misread if they were pasted rather than rendered.
TRICKY = ["yes", "null", "1.0", "a|b", "`tick`", "two\nlines", "<script>x</script>", "# hash"]


def tricky_spec():
    columns = [
        ColumnProfile(name=n, kind=ColumnKind.numeric, unique_count=100, missing_fraction=0.0)
        for n in TRICKY
    ]
    target = ColumnProfile(
        name="label: on",
        kind=ColumnKind.categorical,
        unique_count=2,
        top_values=[TopValue(value="on", count=700), TopValue(value="off", count=300)],
    )
    profile = DataProfile(
        source_format="canonical", profile_path="p.json", row_count=1000, columns=[*columns, target]
    )
    return plan_feature_spec(profile, AnalystNotes(), PlanRequest(slug="t", target="label: on"))


def test_config_round_trips_every_string_exactly():
    spec = tricky_spec()
    config = plan_experiment(spec, PlanRequest(slug="t"))
    text = render_experiment_config(config)
    assert load_experiment_config(text) == config
    loaded = yaml.safe_load(text)
    assert loaded["data"]["features"]["numeric"] == TRICKY  # "yes" stays a string, not True
    assert loaded["data"]["target"] == "label: on"
    assert loaded["data"]["positive_class"] == "off"  # the minority class; YAML keeps it text
    # Every comment line is ours: no data string starts a line of its own.
    assert all(not line.startswith("lines") for line in text.splitlines())


def test_feature_spec_tables_keep_their_shape_whatever_the_names():
    text = render_feature_spec(tricky_spec())
    table = text.split("### Input columns")[1].split("###")[0]
    rows = [line for line in table.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + len(TRICKY)  # header, rule, one row per column
    for row in rows:
        # Unescaped pipes delimit cells: 6 on every row, whatever the names hold.
        assert row.replace("\\|", "").count("|") == 6, row
    assert "<script>" not in text
    assert "two\\nlines" in text


def test_markdown_filters():
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert cell("a|b\nc") == "a\\|b\\nc"
    assert md("<9years < 12years") == "<9years < 12years"
    assert md("<img src=x>") == "&lt;img src=x>"


# Markdown that GitHub renders live: an image fetched from elsewhere, a script link, a
# reference definition and a reference link that uses it.
PIXEL = "![x](https://attacker.example/pixel.png)"
SCRIPT = "[click](javascript:alert(1))"
DEFINITION = "[ref]: https://attacker.example/r"
REFERENCE = "see [here][ref]"
HOSTILE = [PIXEL, SCRIPT, DEFINITION, REFERENCE]
# A `]` that closes a link: before `(`, `[` or `:`, after an even run of backslashes (none).
_LIVE_CLOSE = re.compile(r"(?<!\\)(?:\\\\)*\](?=[(\[:])")
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
_FENCED = re.compile(r"^```[^\n]*\n.*?^```$", re.DOTALL | re.MULTILINE)  # shown verbatim


def live_close(text: str) -> str | None:
    """The first `]` that could close a link outside a code span or fenced block (inside
    them, none can)."""
    found = _LIVE_CLOSE.search(_CODE_SPAN.sub("", _FENCED.sub("", text)))
    return found and found.string[max(0, found.start() - 40) : found.end() + 20]


def live_links(text: str) -> list[str]:
    """What a CommonMark renderer makes links or images of, in `text`."""
    markdown_it = pytest.importorskip("markdown_it")
    env: dict = {}
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(text, env)
    found = [f"reference {label}" for label in env.get("references", {})]
    for token in tokens:
        for child in token.children or []:
            if child.type in ("link_open", "image"):
                found.append(f"{child.type} {child.attrs}")
    return found


def test_link_and_image_syntax_shows_literally():
    assert md(PIXEL) == "![x\\](`https://attacker.example/pixel.png`)"
    assert md(SCRIPT) == "[click\\](javascript:alert(1))"
    assert md(DEFINITION) == "[ref\\]: `https://attacker.example/r`"
    assert md(REFERENCE) == "see [here\\][ref]"
    assert cell("a|" + PIXEL) == "a\\|![x\\](`https://attacker.example/pixel.png`)"
    # A backslash of the text's own cannot undo the escape: the run before `]` is doubled.
    assert no_links("[x\\](http://a)") == "[x\\\\\\](http://a)"
    assert live_links(md("[x\\](http://a)")) == []
    # Brackets that open no link are left alone, and so is a code span's inside.
    assert md("values in [0, 1]; [sex] 11 missing") == "values in [0, 1]; [sex] 11 missing"
    assert code_cell(PIXEL) == "`" + PIXEL + "`"
    assert live_links("\n\n".join(HOSTILE)) != []  # the check below sees them when raw


def test_a_feature_spec_shows_links_and_images_from_the_data_as_text():
    spec = tricky_spec()
    spec.kept[0].reason = PIXEL
    spec.kept[0].notes = [SCRIPT]
    dropped = spec.kept[1]
    dropped.keep, dropped.treatment, dropped.reason = False, None, REFERENCE
    spec.goal.metric_reason = SCRIPT
    spec.goal.target_reason = PIXEL
    spec.risks.append(DEFINITION)
    spec.notes += [REFERENCE, PIXEL]
    spec.split.reason = REFERENCE
    spec.derived = [
        DerivedFeature(name="a_ratio", op="ratio", inputs=[PIXEL, "yes"], reason=SCRIPT)
    ]
    text = render_feature_spec(spec)
    assert live_close(text) is None, live_close(text)
    assert "![x\\](`https://attacker.example/pixel.png`)" in text
    assert "`" + PIXEL + "`" in text  # a derived feature's input, in a code span, unchanged
    assert live_links(text) == []


def test_monitoring_and_retrain_docs_show_links_and_images_as_text():
    monitoring = MonitoringSpec(
        slug="t",
        task="binary",
        primary_metric="roc_auc",
        metric_alerts=[
            MetricAlert(metric="roc_auc", baseline=0.5, validated=0.8, warn_at=0.7, alert_at=0.6),
            MetricAlert(
                metric="f1", baseline=None, validated=None, warn_at=None, alert_at=None,
                note=SCRIPT,
            ),
        ],
        drift=[
            DriftBaseline(column=PIXEL, kind="categorical", baseline=PIXEL, test=SCRIPT,
                          warn=DEFINITION, alert=REFERENCE),
        ],
        prediction_baseline=PIXEL,
        label_delay_note=REFERENCE,
        dashboard=["Scores", PIXEL, SCRIPT],
        agent_notes=[DEFINITION, f"Chosen by the LLM agent (m): {PIXEL}"],
    )  # fmt: skip
    pipeline = RetrainPipeline(
        slug="t", triggers=[PIXEL], steps=[SCRIPT], gates=[DEFINITION], rollout=[REFERENCE],
        rollback=[PIXEL], agent_notes=[DEFINITION, REFERENCE],
    )  # fmt: skip
    for text in (render_monitoring_spec(monitoring), render_retrain_pipeline(pipeline)):
        assert live_close(text) is None, live_close(text)
        assert "![x\\](`https://attacker.example/pixel.png`)" in text
        assert live_links(text) == []


def test_a_failing_script_is_a_result_with_its_stderr(tmp_path):
    (tmp_path / "training_script.py").write_text(
        "import sys\nprint('loading', file=sys.stderr)\nraise SystemExit('error: bad column')\n"
    )
    (tmp_path / "experiment-config.yaml").write_text("{}\n")
    result = run_training_script(tmp_path, tmp_path / "d.csv", sample_rows=None, timeout_s=60)
    assert result.status == "failed"
    assert "error: bad column" in result.stderr_tail
    assert "failed" in result.summary_line()


def test_archive_keeps_the_previous_set_unless_a_rerun_reproduced_it(tmp_path):
    write_file(tmp_path / "feature-spec.md", "- Validation: ran in 2.1 s\nv1\n")
    kept = archive_previous(tmp_path)
    assert kept == tmp_path / "versions" / "v1" and not (tmp_path / "feature-spec.md").exists()
    # The rerun wrote the same design (only the timing differs): no copy is left behind.
    write_file(tmp_path / "feature-spec.md", "- Validation: ran in 3.5 s\nv1\n")
    assert discard_if_unchanged(kept, tmp_path) and not kept.exists()
    # A changed design keeps its predecessor.
    kept = archive_previous(tmp_path)
    write_file(tmp_path / "feature-spec.md", "v2\n")
    assert not discard_if_unchanged(kept, tmp_path)
    assert (kept / "feature-spec.md").read_text().endswith("v1\n")


def test_write_file_is_atomic_and_refuses_symlinks(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("precious")
    link = tmp_path / "feature-spec.md"
    link.symlink_to(target)
    with pytest.raises(OutputError, match="symbolic link"):
        write_file(link, "overwrite")
    assert target.read_text() == "precious"
    write_file(tmp_path / "x.md", "whole")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_validation_line_names_what_the_search_chose_over_and_counts_the_draws():
    from ml_engineer.validation import ValidationResult

    tried = [
        {"type": "hist_gradient_boosting", "label": "hist_gradient_boosting", "score": 0.71},
        {"type": "lightgbm", "label": "lightgbm", "score": 0.74},
        {"type": "lightgbm", "label": "lightgbm (random draw 1)", "score": 0.73},
        {"type": "lightgbm", "label": "lightgbm (random draw 2)", "score": 0.72},
        {"type": "blend", "label": "blend of lightgbm + hist_gradient_boosting", "score": 0.75},
    ]
    metrics = {
        "primary_metric": "roc_auc", "model": {"test": {"roc_auc": 0.74}},
        "baseline": {"test": {"roc_auc": 0.5}}, "beats_baseline": True,
        "model_type": "blend", "model_label": "blend of lightgbm + hist_gradient_boosting",
        "search": {"how": "3-fold CV on train+val", "tried": tried, "chosen": 4},
    }  # fmt: skip
    line = ValidationResult(status="passed", reason="ran", seconds=2.0, metrics=metrics)
    assert line.summary_line().endswith(
        "The script's search (3-fold CV on train+val) chose blend of lightgbm + "
        "hist_gradient_boosting over hist_gradient_boosting, lightgbm, 2 random parameter draws."
    )
