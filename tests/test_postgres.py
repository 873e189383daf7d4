"""The team checkpointer: runs kept in a real PostgreSQL server, resumed from a new process.

CI starts the server (.ci/postgres.sh) and exports ML_ENGINEER_TEST_POSTGRES. Locally the test
starts a throwaway one on loopback when PostgreSQL is installed, and skips, saying why, when
it cannot; under CI it never skips.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from conftest import EXAMPLES, copy_upstream

CLI = [sys.executable, "-m", "ml_engineer"]


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"CI must provide PostgreSQL (.ci/postgres.sh): {reason}")
    pytest.skip(f"no PostgreSQL server could be started here: {reason}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    url = os.environ.get("ML_ENGINEER_TEST_POSTGRES")
    if url:
        yield url
        return
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bins:
        _unavailable("PostgreSQL is not installed (apt-get install postgresql)")
    pg_bin = bins[-1]
    # Not under pytest's tmp folder: that is private to root, and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="ml-engineer-pg-"))
    as_pg: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        if shutil.which("runuser") is None:
            _unavailable("running as root without runuser")
        shutil.chown(root, user="postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = root / "data"
    initdb = [*as_pg, str(pg_bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
    init = subprocess.run(initdb, capture_output=True, text=True, check=False)
    if init.returncode != 0:
        _unavailable(init.stderr.strip().splitlines()[-1] if init.stderr else "initdb failed")
    ctl = [*as_pg, str(pg_bin / "pg_ctl"), "-D", str(data)]
    start = subprocess.run(
        [*ctl, "-l", str(root / "log"), "-w", "start", "-o",
         f"-p {port} -k {root} -c listen_addresses=127.0.0.1"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if start.returncode != 0:
        _unavailable("pg_ctl start failed")
    yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    subprocess.run([*ctl, "-m", "fast", "stop"], capture_output=True, check=False)
    shutil.rmtree(root, ignore_errors=True)


def test_a_run_paused_in_postgres_resumes_from_a_new_process(tmp_path, postgres_url):
    slug = f"pg-{uuid.uuid4().hex[:8]}"  # a fresh thread, whatever the database already holds
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path, slug=slug)

    def run(*args):
        return subprocess.run([*CLI, *args, "--checkpointer", postgres_url], capture_output=True,
                              text=True, cwd=tmp_path, timeout=300, stdin=subprocess.DEVNULL,
                              check=False)  # fmt: skip

    paused = run("run", str(data_dir), "--no-validate")
    assert paused.returncode == 0, paused.stdout + paused.stderr
    assert "the run is paused" in paused.stdout
    assert not (data_dir.parent / ".ml_engineer" / "checkpoints.sqlite").exists()
    status = run("status", slug)
    assert "waiting for approval" in status.stdout, status.stdout + status.stderr
    approved = run("resume", slug, "--approve")
    assert approved.returncode == 0, approved.stderr
    assert "ML design approved. Handing off to MLOps." in approved.stdout
    assert "Feature spec complete" not in approved.stdout  # nothing redone
    assert "approved and handed off" in run("status", slug).stdout


def test_a_bad_postgres_url_is_one_clear_error(tmp_path):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    proc = subprocess.run(
        [*CLI, "run", str(data_dir), "--checkpointer", "postgresql://nobody:secret@127.0.0.1:1/x"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    message = " ".join(proc.stderr.replace("│", " ").split())
    assert "Could not use the PostgreSQL checkpointer" in message
    assert "secret" not in message and "***" in message
    assert "Traceback" not in proc.stderr
