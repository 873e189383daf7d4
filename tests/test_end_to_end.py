"""The product as a user meets it: `ml-engineer run` on real upstream folders, in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, SHARED_NAMES, copy_upstream

CLI = [sys.executable, "-m", "ml_engineer"]
DELIVERABLES = ("feature-spec.md", "training_script.py", "experiment-config.yaml")


def run_cli(*args, cwd: Path | None = None, stdin: str | None = None):
    return subprocess.run(
        [*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, input=stdin,
        timeout=300, check=False,
    )  # fmt: skip


def metrics_of(ml_dir: Path) -> dict:
    return json.loads((ml_dir / "runs" / "validation" / "metrics.json").read_text())


@pytest.mark.parametrize("name", SHARED_NAMES or ["<shared fixtures absent>"])
def test_every_shared_fixture_gives_three_checked_deliverables(shared_fixture, name):
    data_dir = shared_fixture(name)
    proc = run_cli("run", data_dir, "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ml_dir = data_dir.parent / "ml"
    for deliverable in DELIVERABLES:
        assert (ml_dir / deliverable).is_file(), deliverable
    spec = (ml_dir / "feature-spec.md").read_text()
    headings = [line for line in spec.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Goal", "## Features", "## Target", "## Data splits", "## Preprocessing",
        "## Constraints and notes",
    ]  # fmt: skip
    config = yaml.safe_load((ml_dir / "experiment-config.yaml").read_text())
    assert {"data", "model", "metrics", "logging"} <= set(config)
    assert "ML design approved. Handing off to MLOps." in proc.stdout
    assert f"Invoking: /mlops {ml_dir}" in proc.stdout.replace("\n", " ") or (
        "Invoking: /mlops" in proc.stdout
    )
    has_data = any((data_dir).glob("*.csv"))
    if has_data:
        metrics = metrics_of(ml_dir)
        assert metrics["beats_baseline"], metrics
        assert "Validation: the script ran" in spec
    else:
        assert "was not run" in spec
        assert not (ml_dir / "runs").exists()


def test_benefits_traps_are_caught_and_explained(shared_fixture):
    data_dir = shared_fixture("ui-benefit-claims")
    assert run_cli("run", data_dir, "--yes").returncode == 0
    spec = (data_dir.parent / "ml" / "feature-spec.md").read_text()
    config = yaml.safe_load((data_dir.parent / "ml" / "experiment-config.yaml").read_text())
    assert config["data"]["target"] == "ui" and config["data"]["task"] == "binary"
    # The analyst asks for "recall on the `no` (non-claimant) group": that is the positive class.
    assert config["data"]["positive_class"] == "no"
    assert "bluecol" in config["data"]["drop"]
    assert (
        "| `bluecol` | categorical | constant" in spec
        or "`bluecol`" in spec.split("### Excluded")[1]
    )
    # `state` is a code, not a magnitude: encoded as a category, never scaled as a number.
    feats = config["data"]["features"]
    assert "state" in feats["categorical"] + feats["high_cardinality"]
    assert "Moderately imbalanced" in spec


def test_wife_fixture_without_data_flags_weight_and_definitional_signal(shared_fixture):
    data_dir = shared_fixture("wife-health-insurance")
    proc = run_cli("run", data_dir, "--yes")
    assert proc.returncode == 0, proc.stderr
    ml_dir = data_dir.parent / "ml"
    spec = (ml_dir / "feature-spec.md").read_text()
    config = yaml.safe_load((ml_dir / "experiment-config.yaml").read_text())
    assert config["data"]["target"] == "whi"
    assert "wght" in config["data"]["drop"]
    excluded = spec.split("### Excluded")[1].split("## Target")[0]
    assert "`wght`" in excluded and "sampling weight" in excluded
    risks = spec.split("## Constraints and notes")[1]
    assert "`whrswk`" in risks and "definitional" in risks
    assert "`hhi2`" in risks or "`hhi`" in risks
    assert "/mnt/shared/uploads/hi_wives_survey.csv" in proc.stdout


def test_penguins_ydata_profile_traps(shared_fixture):
    data_dir = shared_fixture("penguin-species")
    assert run_cli("run", data_dir, "--yes").returncode == 0
    ml_dir = data_dir.parent / "ml"
    config = yaml.safe_load((ml_dir / "experiment-config.yaml").read_text())
    spec = (ml_dir / "feature-spec.md").read_text()
    assert config["data"]["task"] == "multiclass"
    assert sorted(config["data"]["classes"]) == ["Adelie", "Chinstrap", "Gentoo"]
    # ydata's minimal mode types them Text: the planner treats them as categories.
    assert {"island", "sex"} <= set(config["data"]["features"]["categorical"])
    assert "confounded" in spec.split("## Constraints and notes")[1]
    assert config["data"]["split"]["cv_folds"] == 5  # 344 rows: small data
    assert metrics_of(ml_dir)["model"]["test"]["f1_macro"] > 0.9


def test_no_tty_without_yes_pauses_and_resume_approves_from_a_new_process(tmp_path):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    proc = run_cli("run", data_dir, "--no-validate", stdin="")
    assert proc.returncode == 0, proc.stderr
    assert "resume" in proc.stdout and "--approve" in proc.stdout
    assert "Handing off" not in proc.stdout
    status = run_cli("resume", data_dir, "--approve")
    assert status.returncode == 0, status.stderr
    assert "ML design approved. Handing off to MLOps." in status.stdout
    # Finished nodes were not redone: the feature spec line is not printed again.
    assert "Feature spec complete" not in status.stdout


def test_reject_hands_nothing_off(tmp_path):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    assert run_cli("run", data_dir, "--no-validate", stdin="").returncode == 0
    proc = run_cli("resume", data_dir, "--reject", "wrong target")
    assert proc.returncode == 0
    assert "rejected" in proc.stdout and "wrong target" in proc.stdout
    assert "Invoking: /mlops" not in proc.stdout


def test_rerun_keeps_the_previous_deliverables_as_a_version(tmp_path):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    assert run_cli("run", data_dir, "--yes", "--no-validate").returncode == 0
    ml_dir = data_dir.parent / "ml"
    (ml_dir / "feature-spec.md").write_text("my own edits\n")
    assert run_cli("run", data_dir, "--yes", "--no-validate").returncode == 0
    assert (ml_dir / "versions" / "v1" / "feature-spec.md").read_text() == "my own edits\n"
    assert (ml_dir / "feature-spec.md").read_text().startswith("# Feature spec")


def test_python_api_as_in_the_readme(tmp_path, monkeypatch):
    copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    monkeypatch.chdir(tmp_path)
    readme = (EXAMPLES.parent / "README.md").read_text()
    example = readme.split("## From Python")[1].split("```python")[1].split("```")[0]
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)  # the README's own code, as written
    assert namespace["result"]["handoff"] == "/mlops output/ui-benefit-claims/ml"
    assert (tmp_path / "output" / "ui-benefit-claims" / "ml" / "feature-spec.md").is_file()


def test_progress_arrives_as_custom_stream_events(tmp_path, monkeypatch):
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.types import Command

    from ml_engineer import build_graph, initial_state
    from ml_engineer.graphs.state import Context

    copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path, slug="acme")
    monkeypatch.chdir(tmp_path)
    graph = build_graph(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    state = initial_state("output/acme/data")
    events = list(
        graph.stream(state, config, context=Context(validate=False), stream_mode="custom")
    )
    messages = [e["message"] for e in events]
    assert "Feature spec complete. Proceeding to training script..." in messages
    assert messages.index(
        "Feature spec complete. Proceeding to training script..."
    ) < messages.index("Training script complete. Proceeding to experiment config...")
    assert any(m.startswith("Validation: not run (validation was turned off)") for m in messages)
    events = list(graph.stream(Command(resume="approve"), config, stream_mode="custom"))
    assert [e["message"] for e in events] == [
        "ML design approved. Handing off to MLOps.",
        "Invoking: /mlops output/acme/ml",
    ]


def test_identical_reruns_leave_no_copies_behind(tmp_path):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    for _ in range(3):
        assert run_cli("run", data_dir, "--yes", "--no-validate", "--no-mlops").returncode == 0
    versions = data_dir.parent / "ml" / "versions"
    assert not versions.exists() or not any(versions.iterdir())
