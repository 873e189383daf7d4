"""Shared test helpers: where the upstream fixtures are, and copies a test may write beside."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def shared_fixtures_dir() -> Path | None:
    env = os.environ.get("ML_ENGINEER_SHARED_FIXTURES")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "fixtures")
    for path in candidates:
        if path.is_dir():
            return path
    return None


SHARED = shared_fixtures_dir()


def shared_fixtures_or_skip() -> Path:
    """The shared fixtures folder; the calling test is skipped, saying why, when it is absent."""
    if SHARED is None:
        pytest.skip("../shared/fixtures not found (set ML_ENGINEER_SHARED_FIXTURES)")
    return SHARED


SHARED_NAMES = sorted(p.name for p in (SHARED.iterdir() if SHARED else []) if (p / "data").is_dir())


def copy_upstream(source: Path, root: Path, slug: str | None = None) -> Path:
    """Copy an upstream folder to root/output/<slug>/data (writable) and return that data dir."""
    slug = slug or source.name
    target = root / "output" / slug
    shutil.copytree(source, target)
    for path in target.rglob("*"):  # the shared fixtures are read-only
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return target / "data"


@pytest.fixture
def shared_fixture(tmp_path):
    """Factory: a writable copy of ../shared/fixtures/<name>; skips if shared/ is absent."""

    def make(name: str) -> Path:
        if SHARED is None:
            pytest.skip("../shared/fixtures not found (set ML_ENGINEER_SHARED_FIXTURES)")
        return copy_upstream(SHARED / name, tmp_path)

    return make
