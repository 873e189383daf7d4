"""`ml-engineer chat` in a real terminal: a person types commands and answers in plain words.

Each test drives the chat in a pseudo-terminal, as a person would, and checks what the person
reads and the files left behind; runs started in the chat share the CLI's checkpoints.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from argparse import Namespace
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, REPO, copy_upstream
from fake_chat import call, fake
from upstream_builders import two_targets_upstream

CLI = [sys.executable, "-m", "ml_engineer"]
IDLE, ANSWER = "ml-engineer› ", "your answer› "
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\r")
SLUG = "ui-benefit-claims"
READLINE = importlib.util.find_spec("readline") is not None  # the chat reads lines with it
DATA = f"output/{SLUG}/data"


class Terminal:
    """`ml-engineer chat` in a pseudo-terminal; `expect` reads on from what was last seen."""

    def __init__(self, cwd: Path, *args: str):
        master, slave = pty.openpty()
        # 160 columns: the panels' titles and the progress lines stay on one line each.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
        env = {**os.environ, "COLUMNS": "160", "TERM": "xterm"}
        env.pop("ML_ENGINEER_MODEL", None)
        self.proc = subprocess.Popen(
            [*CLI, "chat", *args], stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env,
            close_fds=True,
        )  # fmt: skip
        os.close(slave)
        self.fd = master
        self.raw = ""
        self.seen = 0  # how far into the transcript `expect` has read

    @property
    def transcript(self) -> str:
        return ANSI.sub("", self.raw)

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # the chat ended and closed the terminal
            return False
        self.raw += chunk.decode("utf-8", errors="replace")
        return bool(chunk)

    def expect(self, *needles: str, timeout: float = 120) -> str:
        """Read until one of `needles` appears after what was seen; return the text up to it."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.transcript
            found = [(text.find(n, self.seen), n) for n in needles if text.find(n, self.seen) >= 0]
            if found:
                at, needle = min(found)
                before, self.seen = text[self.seen : at], at + len(needle)
                return before
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{needles!r} never appeared; saw:\n{text[-3000:]}"
            assert self._read(remaining), f"the chat ended before {needles!r}:\n{text[-3000:]}"

    def _wait_for_the_reader(self) -> None:
        """readline takes the terminal out of line mode while it reads; keys sent before it
        has (a test types at once, a person never does) are echoed twice or, for Ctrl-D, lost.
        So wait until it reads; without readline, line mode is the reader's and keys are safe."""
        deadline = time.monotonic() + 5
        while READLINE and time.monotonic() < deadline:
            if not termios.tcgetattr(self.fd)[3] & termios.ICANON:
                return
            time.sleep(0.01)

    def type(self, line: str) -> None:
        self._wait_for_the_reader()
        os.write(self.fd, line.encode() + b"\r")

    def at(self, prompt: str, line: str) -> str:
        """Wait for `prompt`, then type `line`; returns what was shown before the prompt."""
        before = self.expect(prompt)
        self.type(line)
        return before

    def ctrl_d(self) -> None:
        self._wait_for_the_reader()
        os.write(self.fd, b"\x04")

    def close(self, timeout: float = 60) -> int:
        """Wait for the chat to end, reading what it still shows; its exit code."""
        try:
            deadline = time.monotonic() + timeout
            while self.proc.poll() is None:
                assert time.monotonic() < deadline, f"the chat did not end:\n{self.transcript}"
                self._read(0.2)
            while select.select([self.fd], [], [], 0.2)[0] and self._read(0):
                pass
            return self.proc.returncode
        finally:
            os.close(self.fd)
            if self.proc.poll() is None:
                self.proc.kill()


def run_cli(*args, cwd: Path):
    return subprocess.run(
        [*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, stdin=subprocess.DEVNULL,
        timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture
def project(tmp_path) -> Path:
    """tmp_path holding output/ui-benefit-claims/data, the folder the chat runs in."""
    copy_upstream(EXAMPLES / SLUG, tmp_path)
    return tmp_path


def readme_example() -> tuple[list[str], list[str]]:
    """The README's "Terminal chat" section: the command to run and the lines typed in it."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Terminal chat\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(\w+)\n(.*?)```", section, re.DOTALL)
    command = next(body for lang, body in blocks if lang == "bash").strip()
    typed = next(body for lang, body in blocks if lang == "text").strip().splitlines()
    return command.split(), typed


def test_the_readme_example_runs_as_written(project):
    command, typed = readme_example()
    assert command == ["ml-engineer", "chat"]
    chat = Terminal(project, *command[2:])
    for line in typed:
        chat.expect(IDLE, ANSWER)
        chat.type(line)
    assert chat.close() == 0, chat.transcript
    shown = chat.transcript
    assert "ML design complete. Approve before handing off" in shown
    assert "experiment-config.yaml" in shown and "hist_gradient_boosting" in shown  # show config
    assert "Revising: drop tenure and optimise F1" in shown
    assert "Revision 1: dropped `tenure`; primary metric set to f1" in shown
    assert "ML design approved. Handing off to MLOps." in shown
    assert "Traceback" not in shown
    ml, mlops = project / "output" / SLUG / "ml", project / "output" / SLUG / "mlops"
    for name in ("deployment-config.yaml", "monitoring-spec.md", "retrain-pipeline.md"):
        assert (mlops / name).is_file(), name
    assert yaml.safe_load((ml / "experiment-config.yaml").read_text())["metrics"]["primary"] == "f1"


def test_a_person_is_asked_again_shows_a_file_revises_then_approves(project):
    chat = Terminal(project, "--no-validate")
    greeting = chat.at(IDLE, f"/ml_engineer {DATA} predict ui take-up")
    assert "/ml_engineer <data-dir> [goal words]" in greeting and "/resume <project>" in greeting
    first = chat.at(ANSWER, "hmm")
    assert "Feature spec complete. Proceeding to training script" in first
    assert "tenure" in first  # a kept column, in the approval panel
    assert "Not sure what you mean by 'hmm'" in chat.at(ANSWER, "show config")
    shown = chat.at(ANSWER, "not yet")
    assert "hist_gradient_boosting" in shown
    assert "Not sure what you mean by 'not yet'" in chat.at(ANSWER, "drop tenure and optimise F1")
    spec_before = project / "output" / SLUG / "ml" / "versions" / "v1" / "feature-spec.md"
    revised = chat.at(ANSWER, "looks good")
    assert "Revising: drop tenure and optimise F1" in revised
    assert "Revision 1: dropped `tenure`; primary metric set to f1" in revised
    assert "ML design complete." in revised  # asked again, on the revised design
    done = chat.at(IDLE, "/quit")
    assert "Approved." in done and "ML design approved. Handing off to MLOps." in done
    assert "Next: /report_owner output/ui-benefit-claims" in done
    assert chat.close() == 0
    ml = project / "output" / SLUG / "ml"
    spec = (ml / "feature-spec.md").read_text()
    # The spec changed: tenure went from a kept input to excluded by the reviewer.
    assert "| `tenure` | numeric | excluded by the reviewer at approval |" in spec
    assert "| `tenure` | numeric | impute median" in spec_before.read_text()
    assert (project / "output" / SLUG / "mlops" / "deployment-config.yaml").is_file()
    assert '"status": "approved"' in (ml / "approval.json").read_text()


def test_no_stop_rejects_and_the_chat_goes_on_until_ctrl_d(project):
    chat = Terminal(project, "--no-validate")
    chat.at(IDLE, f"/ml_engineer {DATA} --tracker mlflow")
    chat.at(ANSWER, "show")
    assert "Show what? spec, script or config." in chat.at(ANSWER, "show spec")
    assert "## Data splits" in chat.at(ANSWER, "/status ui-benefit-claims")
    assert "The question above is waiting for your answer." in chat.at(ANSWER, "no, stop")
    rejected = chat.at(IDLE, "/status ui-benefit-claims")
    assert "Rejected." in rejected and "ML design rejected; nothing was handed off" in rejected
    assert "rejected; nothing was handed off" in chat.expect(IDLE)
    chat.ctrl_d()
    assert chat.close() == 0
    assert "Bye." in chat.transcript
    assert not (project / "output" / SLUG / "mlops").exists()
    config_path = project / "output" / SLUG / "ml" / "experiment-config.yaml"
    config = yaml.safe_load(config_path.read_text())
    assert config["logging"]["tracker"] == "mlflow"


def test_mistakes_get_the_usage_line_or_an_error_panel_never_a_traceback(project):
    chat = Terminal(project)
    chat.expect(IDLE)
    for line, said in [
        ("hello", "Start with a command, e.g. /ml_engineer output/<slug>/data"),
        ("/nope", "Unknown command /nope. Commands: /ml_engineer, /feature_spec_writer"),
        ("/ml_engineer", "/ml_engineer needs a path. Usage: /ml_engineer <data-dir> [goal words]"),
        ("/mlops a b", "/mlops takes one path. Usage: /mlops <ml-dir>"),
        ("/ml_engineer x --framework tf", "--framework 'tf' is not one of sklearn, lightgbm"),
        ("/ml_engineer missing/data", "The data folder missing/data does not exist"),
        ("/status nothing", "No project 'nothing' was found"),
        ("/resume", "Usage: /resume <project>"),
        ("/resume ui-benefit-claims", "No run of output/ui-benefit-claims/data was found"),
        ('/ml_engineer "unclosed', "A quote is not closed."),
        ("/help", "/status [project]"),
    ]:
        chat.type(line)
        assert said in chat.expect(IDLE), line
    chat.ctrl_d()
    assert chat.close() == 0
    assert "Traceback" not in chat.transcript
    assert "error (exit 2)" in chat.transcript  # the missing folder, as `run` reports it


def test_a_question_left_in_the_chat_is_answered_later_here_or_by_the_cli(project):
    first = Terminal(project, "--no-validate")
    first.at(IDLE, f"/ml_engineer {DATA}")
    first.at(ANSWER, "/quit")
    assert first.close() == 0
    assert "Run ui-benefit-claims-1 is paused at the approval question" in first.transcript
    assert "/resume ui-benefit-claims" in first.transcript
    assert "ml-engineer resume ui-benefit-claims --approve" in first.transcript

    second = Terminal(project, "--no-validate")
    greeting = second.at(IDLE, "/resume ui-benefit-claims")
    assert "ui-benefit-claims: run ui-benefit-claims-1 is waiting for your approval" in greeting
    asked = second.expect(ANSWER)
    assert "Run ui-benefit-claims-1 is waiting for your answer." in asked
    assert "ML design complete." in asked
    assert "Feature spec complete" not in asked  # asked again, nothing redone
    second.ctrl_d()  # leaves the chat; the question stays paused
    assert second.close() == 0
    assert "is paused at the approval question" in second.transcript

    done = run_cli("resume", SLUG, "--approve", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "ML design approved. Handing off to MLOps." in done.stdout
    assert (project / "output" / SLUG / "mlops" / "retrain-pipeline.md").is_file()


def test_resume_in_the_chat_answers_a_run_the_cli_left_waiting(project):
    paused = run_cli("run", DATA, "--no-validate", cwd=project)
    assert paused.returncode == 0 and "the run is paused" in paused.stdout, paused.stderr
    chat = Terminal(project)
    chat.at(IDLE, "/status")
    listed = chat.expect(IDLE)
    assert "ui-benefit-claims: ui-benefit-claims-1 is waiting for your approval" in listed
    chat.type("/resume ui-benefit-claims")
    chat.at(ANSWER, "yes but use F1")
    again = chat.at(ANSWER, "lgtm")
    assert "Revising: use F1" in again and "primary metric set to f1" in again
    assert "ML design approved" in chat.at(IDLE, "/quit")
    assert chat.close() == 0
    status = run_cli("status", SLUG, cwd=project)
    assert "approved and handed off" in status.stdout


@pytest.mark.slow
def test_the_chat_asks_which_column_to_predict_and_a_number_answers(tmp_path):
    two_targets_upstream(tmp_path)
    chat = Terminal(tmp_path, "--no-validate")
    chat.at(IDLE, "/ml_engineer output/loans/data")
    asked = chat.at(ANSWER, "the late one")
    assert "leaves 2 columns plausible as the target. Which one should the model predict?" in asked
    assert re.search(r"1\.\s+default_30d\s+its name reads the goal's words", asked)
    assert re.search(r"2\.\s+default_90d\s+its name reads the goal's words", asked)
    assert "Answer with a candidate's number" in asked
    again = chat.at(ANSWER, "/pause")
    assert "'the late one' is neither a candidate nor a column of the profile" in again
    paused = chat.at(IDLE, "/status")
    assert "paused at the target question (which column to predict)" in paused
    assert "ml-engineer resume loans --target COLUMN" in paused
    assert "loans-1 is waiting for you to choose the column to predict" in chat.expect(IDLE)
    chat.type("/resume loans")
    chat.at(ANSWER, "2")
    designed = chat.at(ANSWER, "no, stop")
    assert "Target chosen: `default_90d`" in designed and "ML design complete." in designed
    chat.at(IDLE, "/quit")
    assert chat.close() == 0, chat.transcript
    spec = (tmp_path / "output" / "loans" / "ml" / "feature-spec.md").read_text()
    assert "`default_90d`: chosen by the person among the candidates" in spec


def test_a_sub_skill_command_runs_that_step_alone(project):
    chat = Terminal(project)
    chat.at(IDLE, f"/feature_spec_writer {DATA}")
    shown = chat.at(IDLE, "/quit")
    assert chat.close() == 0, chat.transcript
    assert "Next: /training_script_generator" in shown
    assert (project / "output" / SLUG / "ml" / "feature-spec.md").is_file()
    assert "Traceback" not in chat.transcript


def test_with_a_model_the_answer_reader_agent_reads_the_reply(monkeypatch, capsys):
    """In process, with a scripted model: the agent's reading is the answer, said back."""
    from ml_engineer.chat import Chat
    from ml_engineer.graphs.state import Context
    from ml_engineer.terminal import out

    typed = iter(["honestly great, hand it to the ops folks"])
    monkeypatch.setattr(out, "input", lambda prompt="": next(typed))
    args = Namespace(checkpointer=None, no_validate=True, sample_rows=100, timeout=60)
    llm = fake(call("record_answer", {"decision": "approve"}))
    answer = Chat(args)._ask({"paths": {}}, {}, Context(llm=llm, model_name="fake-model"))
    assert answer == {"decision": "approve"}
    shown = capsys.readouterr().out
    assert "fake-model read the answer: 1 call(s)" in shown and "Approved." in shown


def test_no_terminal_and_bad_model_flags_end_cleanly(project):
    piped = run_cli("chat", cwd=project)  # stdin at EOF at once: greets, then leaves
    assert piped.returncode == 0 and "Bye." in piped.stdout, piped.stderr
    bad = run_cli("chat", "--max-tokens", "1000", cwd=project)
    assert bad.returncode == 2
    assert "has no effect without a model" in bad.stderr and "Traceback" not in bad.stderr


def test_a_data_file_starts_a_run_as_run_takes_it(tmp_path):
    """`/ml_engineer data.csv goal...` in the chat: the file is profiled, then the run starts
    from its profile's folder, as `ml-engineer run data.csv` does."""
    (tmp_path / "claims.csv").write_bytes((EXAMPLES / SLUG / "data" / "data.csv").read_bytes())
    chat = Terminal(tmp_path, "--no-validate")
    chat.at(IDLE, "/ml_engineer claims.csv predict ui")
    asked = chat.at(ANSWER, "reject not now")  # what was shown before the question
    assert "Profiling claims.csv" in asked and "not a folder" not in asked
    assert "ML design complete" in asked
    chat.expect(IDLE)
    chat.ctrl_d()
    assert chat.close() == 0
    assert (tmp_path / "output" / "claims" / "data" / "profile.json").is_file()
    assert (tmp_path / "output" / "claims" / "ml" / "feature-spec.md").is_file()


def test_the_langgraph_chat_takes_a_data_file_too(tmp_path, monkeypatch):
    """The same in the LangGraph server's chat (Studio, the Agent Chat UI): a CSV is profiled
    and the run goes on to the approval question; a near miss of a name is offered."""
    from langchain_core.messages import HumanMessage
    from langgraph.checkpoint.memory import InMemorySaver

    from ml_engineer import build_graph
    from ml_engineer.graphs.state import Context

    (tmp_path / "claims.csv").write_bytes((EXAMPLES / SLUG / "data" / "data.csv").read_bytes())
    monkeypatch.chdir(tmp_path)
    graph = build_graph(checkpointer=InMemorySaver())
    config, context = {"configurable": {"thread_id": "t"}}, Context(validate=False)
    said = HumanMessage("/ml_engineer claims.csv predict ui")
    result = graph.invoke({"messages": [said]}, config, context=context)
    assert result["__interrupt__"][0].value["action_requests"][0]["name"] == "approve_ml_design"
    assert Path(result["data_dir"]).resolve() == (tmp_path / "output" / "claims" / "data").resolve()
    typo = HumanMessage("/ml_engineer claims.cvs predict ui")
    result = build_graph(checkpointer=InMemorySaver()).invoke(
        {"messages": [typo]}, {"configurable": {"thread_id": "u"}}, context=context
    )
    assert "Did you mean claims.csv?" in result["messages"][-1].content
