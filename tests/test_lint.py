"""The project's own code stays ruff-clean, as the generated scripts must be."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_ruff_is_clean_on_the_project():
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "ml_engineer", "agents", "graphs", "tests",
         "benchmarks", "runtime"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
