"""Approval in a real terminal: the person reads the panel and answers at the prompt."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time

from conftest import EXAMPLES, copy_upstream
from upstream_builders import two_targets_upstream


def read_until(fd: int, needle: str, timeout: float = 120) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"{needle!r} never appeared; saw:\n{seen[-2000:]}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk.decode("utf-8", errors="replace")
    return seen


def run_in_terminal(args: list[str], answers: list[tuple[str, str]]) -> tuple[int, str]:
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ml_engineer", *args], stdin=slave, stdout=slave, stderr=slave,
        env=env, close_fds=True,
    )  # fmt: skip
    os.close(slave)
    transcript = ""
    try:
        for prompt, answer in answers:
            transcript += read_until(master, prompt)
            os.write(master, answer.encode() + b"\r")
        proc.wait(timeout=120)
        while True:  # drain what is left
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            transcript += chunk.decode("utf-8", errors="replace")
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, transcript


def test_terminal_user_rejects_with_a_reason(tmp_path):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    code, transcript = run_in_terminal(
        ["run", str(data_dir), "--no-validate"], [("Your decision", "reject wrong metric")]
    )
    assert code == 0, transcript
    assert "ML design complete. Approve before handing off" in transcript
    assert "ML design rejected; nothing was handed off. Reason: wrong metric" in transcript
    assert "Invoking: /mlops" not in transcript


def test_terminal_user_shows_revises_then_approves(tmp_path):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    code, transcript = run_in_terminal(
        ["run", str(data_dir), "--no-validate"],
        [
            ("Your decision", "show config"),
            ("Your decision", "what is this"),
            ("Not understood", "revise drop tenure and use F1, make it fair"),
            ("Your decision", "approve"),
        ],
    )
    assert code == 0, transcript
    assert "experiment-config.yaml" in transcript and "hist_gradient_boosting" in transcript
    assert "Revision 1: dropped `tenure`; primary metric set to f1" in transcript
    assert "make it fair" in transcript  # shown back as not understood
    assert "ML design approved. Handing off to MLOps." in transcript
    ml_dir = data_dir.parent / "ml"
    spec = (ml_dir / "feature-spec.md").read_text()
    assert "excluded by the reviewer" in spec and "make it fair" in spec
    assert (ml_dir / "versions" / "v1" / "feature-spec.md").is_file()
    before = (ml_dir / "versions" / "v1" / "feature-spec.md").read_text()
    assert "tenure" not in before.split("### Excluded")[1].split("## Target")[0]


def test_terminal_revise_of_target_split_model_and_tracker_at_once(tmp_path):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    code, transcript = run_in_terminal(
        ["run", str(data_dir), "--no-validate"],
        [
            (
                "Your decision",
                "revise target is married, random split, use lightgbm, log to mlflow",
            ),
            ("Your decision", "reject not today"),
        ],
    )
    assert code == 0, transcript
    assert "target set to `married`" in transcript and "model set to lightgbm" in transcript
    assert "ML design rejected; nothing was handed off. Reason: not today" in transcript
    import yaml

    config = yaml.safe_load((data_dir.parent / "ml" / "experiment-config.yaml").read_text())
    assert config["data"]["target"] == "married"
    assert config["data"]["split"]["strategy"] == "random"
    assert (config["model"]["type"], config["logging"]["tracker"]) == ("lightgbm", "mlflow")


def test_enter_alone_does_not_approve_and_ctrl_d_pauses(tmp_path):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    code, transcript = run_in_terminal(
        ["run", str(data_dir), "--no-validate"], [("Your decision", ""), ("Your decision", "\x04")]
    )
    assert code == 0, transcript
    assert "ML design approved" not in transcript
    assert "No answer; the run is paused" in transcript and "resume" in transcript


TARGET_PROMPT = "Which column should the model predict?"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\r")


def test_terminal_user_picks_the_target_from_a_numbered_list(tmp_path):
    # Column names come from the data: markup in them is shown as typed, never applied.
    names = ("default_[b]30d[/b]", "default_[b]90d[/b]")
    data_dir = two_targets_upstream(tmp_path, names=names)
    code, transcript = run_in_terminal(
        ["run", str(data_dir), "--no-validate"],
        [(TARGET_PROMPT, "7"), (TARGET_PROMPT, "2"), ("Your decision", "reject not today")],
    )
    assert code == 0, transcript
    transcript = ANSI.sub("", transcript)
    assert "leaves 2 columns plausible as the target" in transcript
    for number, name in enumerate(names, 1):  # numbered, each with its reason
        reads = rf"{number}\.\s+{re.escape(name)}\s+its name reads the goal's words"
        assert re.search(reads, transcript)
    assert "There is no choice 7: answer a number (1-2)." in transcript
    assert "Target chosen: `default_[b]90d[/b]`" in transcript
    assert "ML design rejected; nothing was handed off. Reason: not today" in transcript
    spec = (data_dir.parent / "ml" / "feature-spec.md").read_text()
    assert "chosen by the person among the candidates" in spec
    assert "**Column:** `default_[b]90d[/b]`" in spec


def test_ctrl_d_at_the_target_question_pauses_and_says_how_to_answer(tmp_path):
    data_dir = two_targets_upstream(tmp_path)
    code, transcript = run_in_terminal(["run", str(data_dir)], [(TARGET_PROMPT, "\x04")])
    assert code == 0, transcript
    assert "No answer; the run is paused" in transcript and "--target COLUMN" in transcript
    assert not (data_dir.parent / "ml" / "feature-spec.md").exists()
