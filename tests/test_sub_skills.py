"""Each sub-skill run alone: it reads the files its contract names and writes only its own
deliverable, and the chain of them builds the design a full run builds."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, copy_upstream
from fake_chat import call, fake
from test_renderers import tricky_spec

from ml_engineer.graphs.state import Context
from ml_engineer.skill_runner import run_skill
from ml_engineer.spec_block import read_spec_file, with_block

CHAIN = [
    ("feature-spec-writer", "data"),
    ("training-script-generator", "ml/feature-spec.md"),
    ("experiment-config-writer", "ml/feature-spec.md"),
    ("mlops", "ml"),
]


def cli(cwd, *args):
    proc = subprocess.run(
        [sys.executable, "-m", "ml_engineer", *args], capture_output=True, text=True,
        timeout=300, stdin=subprocess.DEVNULL, check=False, cwd=cwd,
    )  # fmt: skip
    return proc, [json.loads(line) for line in proc.stdout.splitlines()]


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".ml_engineer" not in p.parts
    }


@pytest.fixture
def benefits(tmp_path):
    return copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path / "alone")


def test_the_chain_of_sub_skills_writes_the_full_runs_design_one_file_each(tmp_path, benefits):
    project = benefits.parent
    for command, path in CHAIN:
        before = tree(project)
        proc, events = cli(tmp_path, command, str(project / path), "--json")
        assert proc.returncode == 0, proc.stderr
        done = events[-1]
        assert done["event"] == "done" and done["status"] == "written"
        changed = {k for k, v in tree(project).items() if before.get(k) != v}
        assert changed == {Path(p).relative_to(project).as_posix() for p in done["paths"].values()}
    assert done["next_slash"].startswith("/report_owner ")
    # A full run on a copy of the same folder writes the same config, and the same script but
    # for the header's model: the check run's choice there, the plan unmeasured in the chain.
    full = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path / "full")
    proc, _ = cli(tmp_path, "run", str(full), "--yes", "--json")
    assert proc.returncode == 0, proc.stderr
    name = "experiment-config.yaml"
    assert (project / "ml" / name).read_bytes() == (full.parent / "ml" / name).read_bytes()
    chain_script, full_script = (p / "ml" / "training_script.py" for p in (project, full.parent))
    assert without_model_lines(chain_script) == without_model_lines(full_script)
    planned = yaml.safe_load((project / "ml" / name).read_text())["model"]["type"]
    assert f"# Model: the planned model {planned}; not yet measured\n" in chain_script.read_text()
    assert_the_model_is_named_as_measured(full.parent)
    # And the script the chain wrote runs on the data and beats the naive baseline.
    run = subprocess.run(
        [sys.executable, "training_script.py", "--output-dir", str(tmp_path / "run")],
        cwd=project / "ml", capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["beats_baseline"] is True


def without_model_lines(script: Path) -> list[str]:
    """The script's lines but its header's `# Model:` line and the check run's lines below it."""
    lines = script.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# Model: "))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("#   "))
    return lines[:start] + lines[end:]


def assert_the_model_is_named_as_measured(project: Path) -> None:
    """The script's header and the deployment name the model the check run's metrics.json
    records (the full run here served the check run's model)."""
    metrics = json.loads((project / "ml" / "runs" / "validation" / "metrics.json").read_text())
    header = (project / "ml" / "training_script.py").read_text().split('"""')[0]
    assert f"# Model: {metrics['model_label']}\n" in header
    deployment = yaml.safe_load((project / "mlops" / "deployment-config.yaml").read_text())
    assert deployment["model"]["type"] == metrics["model_type"]
    assert deployment["model"]["name"].startswith(f"{metrics['model_label']}, ")


def test_each_step_names_the_next_and_an_unapproved_design_is_said_to_be(tmp_path, benefits):
    ml = benefits.parent / "ml"
    spec = run_skill("feature_spec_writer", benefits)
    assert spec.next_command.split()[:2] == ["ml-engineer", "training-script-generator"]
    run_skill("training_script_generator", ml / "feature-spec.md")
    run_skill("experiment_config_writer", ml / "feature-spec.md")
    lines: list[str] = []
    alone = run_skill("monitoring_dashboard_spec", ml, on_line=lambda n, m: lines.append(m))
    assert list(alone.paths) == ["monitoring-spec.md"]
    assert sorted(p.name for p in (ml.parent / "mlops").iterdir()) == ["monitoring-spec.md"]
    assert any("was not approved" in line for line in lines)
    assert alone.next_slash.startswith("/retrain_pipeline_spec ")


def test_a_hand_edit_of_the_block_is_followed_and_an_edit_of_the_prose_is_reported(benefits):
    ml = benefits.parent / "ml"
    run_skill("feature_spec_writer", benefits)
    path = ml / "feature-spec.md"
    text = path.read_text()
    head, block = text.split("<details>")
    payload = json.loads(block.split("```json ml-engineer:feature-spec\n")[1].split("\n```")[0])
    kept = [c for c in payload["spec"]["columns"] if c["keep"]]
    dropped = kept[0]["name"]
    kept[0].update(keep=False, treatment=None, exclusion="reviewer", reason="hand edit")
    edited = block.split("```json")[0] + "```json ml-engineer:feature-spec\n"
    edited += json.dumps(payload, indent=1) + "\n```\n\n</details>\n"
    path.write_text(head + "<details>" + edited)
    run_skill("experiment_config_writer", path)
    config = yaml.safe_load((ml / "experiment-config.yaml").read_text())
    inputs = [n for names in config["data"]["features"].values() for n in names]
    assert dropped not in inputs and dropped in config["data"]["drop"]

    path.write_text(path.read_text().replace("## Goal", "## Goal (edited by hand)"))
    lines: list[str] = []
    run_skill("experiment_config_writer", path, on_line=lambda n, m: lines.append(m))
    assert any("edited above its machine-readable block" in line for line in lines)


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda t: t.split("<details>")[0], "has no machine-readable block"),
        (lambda t: t.replace('"seed": 42', '"seed": 42,,'), "is not valid JSON"),
        (lambda t: t.replace('"strategy": "stratified"', '"strategy": "sideways"'),
         "field spec.split.strategy"),
        (lambda t: t.replace('"target": {\n   "column": "ui"', '"target": {\n   "column": "age"'),
         "is also kept as an input"),
    ],
)  # fmt: skip
def test_a_broken_spec_gets_a_clear_error_and_writes_nothing(tmp_path, benefits, damage, said):
    ml = benefits.parent / "ml"
    run_skill("feature_spec_writer", benefits)
    spec = ml / "feature-spec.md"
    spec.write_text(damage(spec.read_text()))
    proc, events = cli(tmp_path, "training-script-generator", str(spec), "--json")
    assert proc.returncode == 2
    assert events[-1]["event"] == "error" and said in events[-1]["message"]
    assert str(spec) in events[-1]["message"] and "Traceback" not in proc.stderr
    assert not (ml / "training_script.py").exists()


def edit_block(path: Path, change) -> None:
    """Apply `change(payload)` to the JSON block of a feature-spec.md, as a person would."""
    head, block = path.read_text().split("<details>")
    fence = "```json ml-engineer:feature-spec\n"
    payload = json.loads(block.split(fence)[1].split("\n```")[0])
    change(payload)
    body = block.split(fence)[0] + fence + json.dumps(payload, indent=1) + "\n```\n\n</details>\n"
    path.write_text(head + "<details>" + body)


def _derived(**fields):
    base = {"name": "new_ratio", "op": "ratio", "inputs": ["age", "tenure"], "reason": "burden"}
    return lambda p: p["spec"].__setitem__("derived", [base | fields])


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda p: p.__setitem__("seed", 10**30), "seed 1000000000000000000000000000000"),
        (lambda p: p["spec"]["split"].update(train=0.9, val=0.5), "must be shares that add up"),
        (lambda p: p["spec"]["split"].update(cv_folds=10**9), "cv_folds 1000000000"),
        (lambda p: p["spec"].update(slug="../x\nimport os"), "slug '../x\\nimport os'"),
        (_derived(inputs=["age", "nope"]), "input 'nope' is not a column"),
        (_derived(inputs=["age", "ui"]), "is the target"),
        (_derived(inputs=["bluecol", "age"]), "excluded by the planner as constant"),
        (_derived(name="age"), "already a column"),
        (_derived(op="bins", inputs=["age"], bins=10**9), "bins must be between"),
    ],
)  # fmt: skip
def test_a_hand_edit_that_breaks_the_design_is_refused_naming_it(tmp_path, benefits, change, said):
    ml = benefits.parent / "ml"
    run_skill("feature_spec_writer", benefits)
    edit_block(ml / "feature-spec.md", change)
    proc, events = cli(tmp_path, "experiment-config-writer", str(ml / "feature-spec.md"), "--json")
    assert proc.returncode == 2, proc.stderr
    assert said in events[-1]["message"] and "does not hold together" in events[-1]["message"]
    assert not (ml / "experiment-config.yaml").exists()


def test_a_rewrite_keeps_the_previous_version_and_an_identical_one_leaves_no_copy(benefits):
    ml = benefits.parent / "ml"
    run_skill("feature_spec_writer", benefits)
    run_skill("feature_spec_writer", benefits)
    assert not (ml / "versions").exists()
    first = (ml / "feature-spec.md").read_text()
    again = run_skill("feature_spec_writer", benefits, goal="predict ui, optimise f1")
    assert again.kept_previous
    assert (Path(again.kept_previous) / "feature-spec.md").read_text() == first


def test_the_profile_file_itself_may_be_named(tmp_path, benefits):
    profile = benefits / "profile.json"
    renamed = benefits / "profile-v2.json"
    renamed.write_text(profile.read_text())
    profile.unlink()
    (benefits / "profile-old.json").write_text("{not json")  # two profiles: the named one wins
    result = run_skill("feature_spec_writer", renamed)
    assert "profile-v2.json" in " ".join(result.log)


def test_the_config_written_alone_names_the_model_the_llm_chose_for_the_script(benefits):
    ml = benefits.parent / "ml"
    run_skill("feature_spec_writer", benefits)
    llm = fake(call("write_training_plan", {"model_type": "random_forest", "reason": "robust"}))
    run_skill("training_script_generator", ml / "feature-spec.md", context=Context(llm=llm))
    planned = "# Model: the planned model random_forest; not yet measured"  # no check run here
    assert planned in (ml / "training_script.py").read_text()
    run_skill("experiment_config_writer", ml / "feature-spec.md")  # offline: follows the script
    assert yaml.safe_load((ml / "experiment-config.yaml").read_text())["model"]["type"] == (
        "random_forest"
    )


def test_hostile_strings_round_trip_through_the_block_and_cannot_close_it():
    spec = tricky_spec()
    spec.columns[0].reason = "```\n</details>\n<script>x</script> & `tick`"
    text = with_block("# Feature spec\n", spec, 7)
    block = text.split("<details>", 1)[1]
    assert "</details>" not in block.split("```json")[1].split("\n```")[0]
    assert "`" not in block.split("```json ml-engineer:feature-spec\n")[1].split("\n```")[0]
    path = Path("/tmp") / f"spec-{id(text)}.md"
    try:
        path.write_text(text)
        read = read_spec_file(path)
    finally:
        path.unlink()
    assert read.spec == spec and read.seed == 7 and read.warnings == []


def test_slash_runs_the_pipelines_commands_as_typed_and_a_bad_one_gets_its_usage(
    tmp_path, benefits
):
    proc, events = cli(
        tmp_path, "slash", "--json", "--", "/feature_spec_writer", str(benefits)
    )  # fmt: skip
    assert proc.returncode == 0 and events[-1]["paths"]
    proc, events = cli(tmp_path, "slash", "--json", "--", "/mlops", "x", "--framework", "spark")
    assert proc.returncode == 2 and "Usage: /mlops <ml-dir>" in events[-1]["message"]
    proc, events = cli(
        tmp_path, "slash", f"/ml_engineer {benefits} predict ui --tracker mlflow", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    approval = events[-1]
    assert approval["event"] == "approval" and approval["answer"]["approve"].endswith("--json")
    config = yaml.safe_load((benefits.parent / "ml" / "experiment-config.yaml").read_text())
    assert config["logging"]["tracker"] == "mlflow"


def readme_commands(title: str) -> list[list[str]]:
    """The `ml-engineer` lines of the first bash block in the README section `title`."""
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"### {title}\n", 1)[1].split("\n##", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    lines = [line.split("  #", 1)[0] for line in block.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("ml-engineer ")]


@pytest.mark.parametrize(
    "title", ["One step at a time: each sub-skill alone", "From another program: `--json`"]
)
def test_the_readme_examples_run_as_written(tmp_path, title):
    copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    commands = readme_commands(title)
    assert len(commands) >= 3
    for words in commands:
        proc = subprocess.run(
            [sys.executable, "-m", "ml_engineer", *words], capture_output=True, text=True,
            timeout=300, stdin=subprocess.DEVNULL, check=False, cwd=tmp_path,
        )  # fmt: skip
        assert proc.returncode == 0, (words, proc.stderr)
        if "--json" in words:
            assert [json.loads(line) for line in proc.stdout.splitlines()]
    mlops = tmp_path / "output" / "ui-benefit-claims" / "mlops"
    assert sorted(p.name for p in mlops.iterdir() if p.is_file()) == [
        "deployment-config.yaml", "monitoring-spec.md", "retrain-pipeline.md",
    ]  # fmt: skip


def test_a_design_changed_after_its_approval_is_said_to_be_by_the_step_and_by_mlops(tmp_path):
    data = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    ml = data.parent / "ml"
    proc, _ = cli(tmp_path, "run", str(data), "--yes", "--no-validate", "--no-mlops", "--json")
    assert proc.returncode == 0, proc.stderr
    lines: list[str] = []
    run_skill("mlops", ml, on_line=lambda n, m: lines.append(m))
    assert not any("not approved" in line for line in lines)  # approved, unchanged

    run_skill("experiment_config_writer", ml / "feature-spec.md", tracker="mlflow",
              on_line=lambda n, m: lines.append(m))  # fmt: skip
    assert any("experiment-config.yaml changed since the design was approved" in x for x in lines)
    said: list[str] = []
    run_skill("deployment_config_writer", ml, on_line=lambda n, m: said.append(m))
    assert any("experiment-config.yaml changed since it was approved" in x for x in said)


def test_a_step_does_not_write_while_a_run_of_the_same_project_holds_it(tmp_path, benefits):
    from ml_engineer.run_lock import project_lock

    with project_lock(benefits.parent / ".ml_engineer", "ui-benefit-claims"):
        proc, events = cli(tmp_path, "feature-spec-writer", str(benefits), "--json")
    assert proc.returncode == 7 and "is in progress" in events[-1]["message"]
    assert not (benefits.parent / "ml").exists()


def test_no_step_writes_through_a_linked_folder_or_beside_a_linked_data_folder(tmp_path, benefits):
    project = benefits.parent
    run_skill("feature_spec_writer", benefits)
    run_skill("training_script_generator", project / "ml" / "feature-spec.md")
    run_skill("experiment_config_writer", project / "ml" / "feature-spec.md")
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / "mlops").symlink_to(outside, target_is_directory=True)
    proc, events = cli(tmp_path, "mlops", str(project / "ml"), "--json")
    assert proc.returncode == 6 and "symbolic link" in events[-1]["message"]
    assert list(outside.iterdir()) == []

    # A data folder that is a link to another project's: this project's ml/ gets the spec.
    other = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path / "other")
    linked = tmp_path / "mine" / "output" / "mine" / "data"
    linked.parent.mkdir(parents=True)
    linked.symlink_to(other, target_is_directory=True)
    proc, events = cli(tmp_path, "feature-spec-writer", str(linked), "--json")
    assert proc.returncode == 0, proc.stderr
    assert (linked.parent / "ml" / "feature-spec.md").is_file()
    assert not (other.parent / "ml").exists()


def test_mlops_refuses_another_projects_design_and_ignores_numbers_of_an_older_one(
    tmp_path, shared_fixture
):
    data = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path / "mine")
    ml = data.parent / "ml"
    proc, _ = cli(tmp_path, "run", str(data), "--yes", "--no-mlops", "--json")
    assert proc.returncode == 0, proc.stderr
    score = json.loads((ml / "runs" / "validation" / "metrics.json").read_text())["model"]
    score = f"{score['test']['roc_auc']:.4f}"
    run_skill("monitoring_dashboard_spec", ml)
    assert score in (ml.parent / "mlops" / "monitoring-spec.md").read_text()

    # The primary metric changed by hand: the check run's numbers are of another design.
    edit_block(ml / "feature-spec.md", lambda p: p["spec"]["goal"].update(primary_metric="f1"))
    run_skill("experiment_config_writer", ml / "feature-spec.md")
    run_skill("monitoring_dashboard_spec", ml)
    assert score not in (ml.parent / "mlops" / "monitoring-spec.md").read_text()

    # Another project's spec copied in: refused, naming the columns this profile lacks.
    penguins = shared_fixture("penguin-species")
    run_skill("feature_spec_writer", penguins)
    shutil.copy(penguins.parent / "ml" / "feature-spec.md", ml / "feature-spec.md")
    lines: list[str] = []
    spec = ml / "feature-spec.md"
    run_skill("experiment_config_writer", spec, on_line=lambda n, m: lines.append(m))
    assert any("written for project 'penguin-species'" in line for line in lines)
    proc, events = cli(tmp_path, "mlops", str(ml), "--json")
    assert proc.returncode == 2 and "it is not this project's design" in events[-1]["message"]


def test_a_step_that_changes_nothing_in_an_approved_design_keeps_no_copy_and_no_warning(tmp_path):
    data = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    ml = data.parent / "ml"
    proc, _ = cli(tmp_path, "run", str(data), "--yes", "--no-mlops", "--json")
    assert proc.returncode == 0, proc.stderr
    lines: list[str] = []
    result = run_skill("feature_spec_writer", data, on_line=lambda n, m: lines.append(m))
    assert result.kept_previous is None and not (ml / "versions").exists()
    assert not any("changed since" in line for line in lines)
