"""The feature-spec and config renderers, and the validation runner, on hostile strings."""

from __future__ import annotations

import pytest
import yaml

from ml_engineer.deliverables import archive_previous, discard_if_unchanged, write_file
from ml_engineer.errors import OutputError
from ml_engineer.models import AnalystNotes, ColumnKind, ColumnProfile, DataProfile, TopValue
from ml_engineer.planning.experiment import plan_experiment
from ml_engineer.planning.planner import PlanRequest, plan_feature_spec
from ml_engineer.render.experiment_config import load_experiment_config, render_experiment_config
from ml_engineer.render.feature_spec import render_feature_spec
from ml_engineer.render.markdown_filters import cell, code, md
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
