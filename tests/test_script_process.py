"""The check run's process: bounded in time and memory, never left running, and without secrets.

Fake "training scripts" stand in for the generated one, so each test is fast and says one thing;
the last tests run a real generated script to check that its own writes are atomic.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from argparse import Namespace
from pathlib import Path

import pandas as pd
import psutil
import pytest
from script_fixtures import LOAD_AND_PREDICT, make_config, run_script, write_project

from ml_engineer.cli import main
from ml_engineer.errors import SettingsError
from ml_engineer.llm_flags import resume_context, start_settings
from ml_engineer.validation import run_training_script

LINUX = sys.platform.startswith("linux")

# The start of every fake script: the --output-dir the product passes, and its pid recorded.
PREAMBLE = """\
import json, os, subprocess, sys, time
from pathlib import Path
out = Path(sys.argv[sys.argv.index("--output-dir") + 1])
out.mkdir(parents=True, exist_ok=True)
def record(**pids):
    (out / "pids.json").write_text(json.dumps(pids))
"""
SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def fake_project(tmp_path: Path, body: str) -> Path:
    """An ml folder whose training_script.py is `body` (after PREAMBLE), as the product runs it."""
    ml_dir = tmp_path / "ml"
    ml_dir.mkdir()
    (ml_dir / "training_script.py").write_text(PREAMBLE + textwrap.dedent(body), "utf-8")
    (ml_dir / "experiment-config.yaml").write_text("seed: 42\n", encoding="utf-8")
    (tmp_path / "data.csv").write_text("a,y\n1,2\n", encoding="utf-8")
    return ml_dir


def check(ml_dir: Path, **limits):
    settings = {"sample_rows": None, "timeout_s": 20, **limits}
    return run_training_script(ml_dir, ml_dir.parent / "data.csv", **settings)


def pids_of(ml_dir: Path) -> dict[str, int]:
    return json.loads((ml_dir / "runs" / "validation" / "pids.json").read_text())


def gone(pid: int, within_s: float = 0) -> bool:
    """The process no longer runs (a zombie waiting for a parent to reap it has ended too)."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


# --- memory ------------------------------------------------------------------------------------


def test_a_script_that_grows_past_the_memory_limit_is_stopped_and_told_plainly(tmp_path):
    body = """
        record(script=os.getpid())
        hoard = []
        for _ in range(100):  # 1 GB, 10 MB at a time: a leak, not one big request
            hoard.append(bytearray(10 * 1024 * 1024))
            time.sleep(0.01)
        (out / "metrics.json").write_text("{}")
    """
    ml_dir = fake_project(tmp_path, body)
    result = check(ml_dir, memory_limit_mb=200)
    assert result.status == "memory"
    assert result.seconds < 5
    assert result.reason.startswith("used more than 200 MB of memory (the limit, --memory-limit)")
    assert f"stopped after {result.seconds:.1f} s" in result.reason
    line = result.summary_line()
    assert line.startswith("Validation: the script used more than 200 MB of memory")
    assert "not validated" in line
    assert ("error output" in line) == bool(result.stderr_tail)  # none is promised if none came
    assert gone(pids_of(ml_dir)["script"])
    assert not (ml_dir / "runs" / "validation" / "metrics.json").exists()


def test_memory_counts_the_processes_the_script_starts(tmp_path):
    """Spark's JVM and joblib's workers hold their memory in child processes."""
    body = """
        grow = "import time; b = [bytearray(10 << 20) for _ in range(20)]; time.sleep(60)"
        workers = [subprocess.Popen([sys.executable, "-c", grow]) for _ in range(2)]
        record(script=os.getpid(), workers=[w.pid for w in workers])
        time.sleep(60)
    """
    ml_dir = fake_project(tmp_path, body)
    result = check(ml_dir, memory_limit_mb=300)  # each process alone stays well below it
    assert result.status == "memory", result
    assert all(gone(pid) for pid in pids_of(ml_dir)["workers"])


def test_the_default_limit_is_half_the_machines_memory_and_a_normal_script_passes(tmp_path):
    body = """
        (out / "metrics.json").write_text(json.dumps({"primary_metric": "rmse"}))
    """
    ml_dir = fake_project(tmp_path, body)
    result = check(ml_dir)
    assert result.status == "passed", result
    half = psutil.virtual_memory().total // 2 // 2**20
    from ml_engineer.script_process import default_memory_limit_mb

    assert default_memory_limit_mb() <= half


# --- no orphans --------------------------------------------------------------------------------


@pytest.mark.parametrize("own_session", [False, True], ids=["same-group", "own-session"])
def test_on_timeout_the_script_and_its_children_are_all_gone(tmp_path, own_session):
    """A child that left the group (setsid, as daemons do) is still found and killed."""
    body = f"""
        child = subprocess.Popen({SLEEPER!r}, start_new_session={own_session})
        record(script=os.getpid(), child=child.pid)
        time.sleep(60)
    """
    ml_dir = fake_project(tmp_path, body)
    result = check(ml_dir, timeout_s=1)
    assert result.status == "timeout"
    assert result.summary_line().startswith("Validation: the script timed out (no result within")
    pids = pids_of(ml_dir)
    assert gone(pids["script"]) and gone(pids["child"])


def test_a_child_left_running_by_a_finished_script_is_stopped_too(tmp_path):
    body = f"""
        child = subprocess.Popen({SLEEPER!r})
        record(script=os.getpid(), child=child.pid)
        (out / "metrics.json").write_text(json.dumps({{"primary_metric": "rmse"}}))
    """
    ml_dir = fake_project(tmp_path, body)
    assert check(ml_dir).status == "passed"
    assert gone(pids_of(ml_dir)["child"], within_s=2)


# A product process: runs the check as graphs/nodes.py does, until the test kills it.
PRODUCT = """
import sys
from pathlib import Path
from ml_engineer.validation import run_training_script
ml_dir = Path(sys.argv[1])
run_training_script(ml_dir, ml_dir.parent / "data.csv", sample_rows=None, timeout_s=60)
"""


@pytest.mark.skipif(not LINUX, reason="the parent-death signal is Linux's")
def test_a_product_killed_with_sigkill_takes_its_check_run_with_it(tmp_path):
    body = """
        record(script=os.getpid())
        time.sleep(60)
        (out / "metrics.json").write_text("{}")  # what a lingering run would write
    """
    ml_dir = fake_project(tmp_path, body)
    product = subprocess.Popen([sys.executable, "-c", PRODUCT, str(ml_dir)])
    pids_file = ml_dir / "runs" / "validation" / "pids.json"
    try:
        deadline = time.monotonic() + 20
        while not pids_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        script = pids_of(ml_dir)["script"]
        assert not gone(script)
        product.send_signal(signal.SIGKILL)
        product.wait()
        assert gone(script, within_s=3)
    finally:
        product.kill()
        product.wait()


# --- environment -------------------------------------------------------------------------------


def test_the_script_runs_in_the_ml_folder_without_the_callers_secrets(tmp_path, monkeypatch):
    secrets = ("OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "DB_PASSWORD",
               "ANTHROPIC_API_KEY", "HF_TOKEN")  # fmt: skip
    for name in secrets:
        monkeypatch.setenv(name, "s3cr3t")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    body = """
        seen = {"cwd": os.getcwd(), "env": dict(os.environ), "primary_metric": "rmse"}
        (out / "metrics.json").write_text(json.dumps(seen))
    """
    ml_dir = fake_project(tmp_path, body)
    result = check(ml_dir)
    assert result.status == "passed", result
    assert Path(result.metrics["cwd"]) == ml_dir.resolve()
    env = result.metrics["env"]
    assert not [name for name in secrets if name in env]
    assert "s3cr3t" not in json.dumps(env)
    assert env["PATH"] == os.environ["PATH"]
    assert env["OMP_NUM_THREADS"] == "1"


# --- the --memory-limit setting ----------------------------------------------------------------


@pytest.mark.parametrize("given, megabytes", [("4GB", 4096), ("512MB", 512), ("768", 768),
                                              ("1.5g", 1536)])  # fmt: skip
def test_memory_limit_reaches_the_runs_context_and_its_resume(given, megabytes):
    checks = {"validate": True, "sample_rows": 100, "timeout_s": 60}
    context, kept = start_settings(Namespace(memory_limit=given), checks, train=False)
    assert context.memory_limit_mb == megabytes
    assert kept["check_settings"]["memory_limit_mb"] == megabytes  # what `resume` reads
    resumed = resume_context(None, kept, train=False)
    assert resumed.memory_limit_mb == megabytes
    raised = resume_context(Namespace(memory_limit="8GB"), kept, train=False)
    assert raised.memory_limit_mb == 8192


def test_bogus_memory_limit_is_one_clear_paragraph_and_writes_nothing(tmp_path, capsys):
    data_dir = tmp_path / "acme" / "data"
    data_dir.mkdir(parents=True)
    code = main(["run", str(data_dir), "--memory-limit", "bogus", "--json"])
    assert code == SettingsError.exit_code == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    event = json.loads(captured.out.strip().splitlines()[-1])
    assert event["event"] == "error" and event["code"] == 2
    message = event["message"]
    assert message.startswith("--memory-limit 'bogus' is not a memory size")
    assert "4GB or 512MB" in message and "\n" not in message
    assert not (tmp_path / "acme" / ".ml_engineer").exists()


def test_mcp_start_run_refuses_a_bogus_memory_limit_by_its_own_name(tmp_path):
    from ml_engineer import mcp_server

    data_dir = tmp_path / "acme" / "data"
    data_dir.mkdir(parents=True)
    with pytest.raises(SettingsError, match=r"^memory_limit 'lots' is not a memory size"):
        mcp_server.start(str(data_dir), memory_limit="lots")


# --- the generated script's own writes ---------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A small generated scikit-learn project, run twice into the same output folder."""
    folder = tmp_path_factory.mktemp("atomic")
    frame = pd.DataFrame({"a": range(80), "b": ["p", "q"] * 40})
    frame["y"] = frame["a"] * 0.5 + (frame["b"] == "p")
    frame.to_csv(folder / "data.csv", index=False)
    config = make_config(target="y", task="regression", split={"strategy": "random"},
                         features={"numeric": ["a"], "categorical": ["b"]},
                         model_type="ridge", primary="rmse")  # fmt: skip
    script = write_project(folder, config)
    for _ in range(2):  # the second run replaces the first one's files
        process = run_script(script, "--output-dir", str(folder / "out"))
        assert process.returncode == 0, process.stderr
    return script, folder / "out"


def test_a_generated_script_leaves_its_files_whole_and_no_temporary_ones(generated):
    script, out = generated
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "model.joblib"]
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["saved_model"]["path"] == "model.joblib"
    loaded = subprocess.run(
        [sys.executable, "-I", "-c", LOAD_AND_PREDICT, str(script.parent),
         str(out / "model.joblib"), str(script.parent / "data.csv"), "y"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout)["n_predictions"] == 80


def test_a_write_that_fails_midway_keeps_the_previous_file(generated):
    """What a kill mid-write leaves, without the race: the write stops after half the bytes."""
    from ml_engineer_runtime.files import write_atomically

    script, out = generated
    before = (out / "metrics.json").read_bytes()

    def half_then_fail(path: Path) -> None:
        path.write_bytes(before[: len(before) // 2])
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(out / "metrics.json", half_then_fail)
    assert (out / "metrics.json").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "model.joblib"]
