"""The package installs as one import package: nothing generic lands at the top of site-packages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO


def test_wheel_holds_only_ml_engineer_with_its_subpackages_and_templates(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(tmp_path / "dist")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (wheel,) = (tmp_path / "dist").glob("ml_engineer-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names}
    assert top_level == {"ml_engineer", wheel.name.split("-py")[0] + ".dist-info"}, top_level
    for expected in (
        "ml_engineer/agents/feature_spec_writer.py",
        "ml_engineer/graphs/ml_engineer.py",
        "ml_engineer/render/templates/training_script.py.j2",
        "ml_engineer/render/templates/feature_spec.md.j2",
    ):
        assert expected in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    scripts = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "ml-engineer = ml_engineer.cli:main" in scripts

    # Installed from the wheel alone (unpacked), the graph imports and no `agents` module exists.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import importlib.util, ml_engineer, ml_engineer.graphs.ml_engineer as g;"
        f"assert ml_engineer.__file__.startswith({str(site)!r}), ml_engineer.__file__;"
        "assert importlib.util.find_spec('agents') is None;"
        "assert importlib.util.find_spec('graphs') is None;"
        "g.build_graph()"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr

    # The Agent Skills travel in the wheel, and install from it alone.
    bundled = sorted(p.parent.name for p in (REPO / "skills").glob("*/SKILL.md"))
    assert bundled and all(f"ml_engineer/skills/{n}/SKILL.md" in names for n in bundled)
    proc = subprocess.run(
        [sys.executable, "-m", "ml_engineer", "skills", "install", "--target", "skills", "--json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sorted(json.loads(proc.stdout)["skills"]) == bundled
    assert all((tmp_path / "skills" / n / "SKILL.md").is_file() for n in bundled)


def test_editable_install_maps_the_top_level_folders_into_the_package(tmp_path):
    code = (
        "import importlib.util, ml_engineer.agents.feature_spec_writer as a;"
        "import ml_engineer.graphs.state as s;"
        "assert importlib.util.find_spec('agents') is None;"
        "print(a.__file__); print(s.__file__)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    agent_file, state_file = proc.stdout.split()
    assert Path(agent_file).parent.name == "agents"
    assert Path(state_file).parent.name == "graphs"


def test_console_script_is_installed():
    cli = Path(sys.executable).with_name("ml-engineer")
    proc = subprocess.run([str(cli), "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("ml-engineer ")


def test_the_runtime_wheel_holds_only_the_runtime_and_needs_nothing_of_the_orchestrator(tmp_path):
    """What a serving process installs to load a model: ml_engineer_runtime alone, with no
    LangGraph, LLM client, MCP or rich among its requirements."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO / "runtime"), "--no-deps",
         "--no-build-isolation", "--quiet", "-w", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("ml_engineer_runtime-*.whl")
    archive = zipfile.ZipFile(wheel)
    top_level = {name.split("/")[0] for name in archive.namelist()}
    assert top_level == {"ml_engineer_runtime", wheel.name.split("-py")[0] + ".dist-info"}
    metadata = archive.read(next(n for n in archive.namelist() if n.endswith("METADATA")))
    required = [line.split(":", 1)[1].strip() for line in metadata.decode().splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line]  # fmt: skip
    names = {
        requirement.split(">")[0].split("=")[0].split(";")[0].strip() for requirement in required
    }
    assert names == {"pandas", "numpy", "scikit-learn", "pyyaml", "joblib", "threadpoolctl"}


def test_the_skills_install_line_installs_ml_engineer_from_this_repository():
    """Every SKILL.md names the same install line, and it installs ml-engineer and its runtime
    from a clone (PyPI holds neither): pip resolves it here offline, building nothing."""
    lines = set()
    for skill in sorted((REPO / "skills").glob("*/SKILL.md")):
        front = skill.read_text(encoding="utf-8").split("---")[1]
        (compatibility,) = [line for line in front.splitlines() if line.startswith("compat")]
        lines.add(compatibility.split("pip install ", 1)[1].split(")", 1)[0])
    (arguments,) = lines  # one line for every skill
    process = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index",
         "--no-build-isolation", "--quiet", "--report", "-", *arguments.split()],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    names = {item["metadata"]["name"] for item in json.loads(process.stdout)["install"]}
    assert names == {"ml-engineer", "ml-engineer-runtime"}


def make_commands(tmp_path: Path, target: str) -> list[str]:
    """The commands `make <target>` runs on a fresh clone (a dry run: nothing is installed)."""
    for name in ("Makefile", "pyproject.toml", "runtime/pyproject.toml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes((REPO / name).read_bytes())
    process = subprocess.run(
        ["make", "-n", target, "PYTHON=python3"], cwd=tmp_path, capture_output=True, text=True
    )
    assert process.returncode == 0, process.stderr
    return process.stdout.splitlines()


def test_make_demo_installs_the_main_job_only_and_make_test_the_dev_extra(tmp_path):
    demo = [line for line in make_commands(tmp_path, "demo") if "pip install" in line]
    # pip itself, then ml-engineer and its runtime: no extra (torch, Spark, MLflow, pytest...).
    assert demo[-1].endswith("pip install -qq -e ./runtime -e .") and "[" not in " ".join(demo)
    test = [line for line in make_commands(tmp_path, "test") if "pip install" in line]
    assert any(line.endswith("-e ./runtime -e '.[dev]'") for line in test)
