"""Running the generated training script, bounded in time and rows, to check it really works.

The script runs in a subprocess with this interpreter, so it sees the same pandas and
scikit-learn the product was installed with, in the ml folder, without the caller's secrets,
bounded in time and memory (script_process). A failure is a result, not an exception: the
person who approves sees it with the tail of stderr.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from ml_engineer.chosen_model import read_choice
from ml_engineer.deliverables import EXPERIMENT_CONFIG, TRAINING_SCRIPT
from ml_engineer.errors import OutputError
from ml_engineer.script_process import default_memory_limit_mb, format_megabytes, run_bounded

STDERR_TAIL_LINES = 25


class ValidationResult(BaseModel):
    # memory: stopped for holding more than its memory limit (its reason says how much)
    status: Literal["passed", "failed", "timeout", "memory", "skipped"]
    reason: str
    seconds: float | None = None
    sampled_rows: int | None = None
    metrics: dict | None = None
    stderr_tail: str | None = None
    output_dir: str | None = None

    @property
    def primary(self) -> tuple[str, float | None, float | None] | None:
        """(metric, model on test, baseline on test) when the run produced them."""
        if not self.metrics:
            return None
        name = self.metrics.get("primary_metric")
        model = (self.metrics.get("model") or {}).get("test", {}).get(name)
        baseline = (self.metrics.get("baseline") or {}).get("test", {}).get(name)
        return name, model, baseline

    def summary_line(self) -> str:
        if self.status == "skipped":
            return f"Validation: not run ({self.reason})."
        if self.status != "passed":
            said = f"Validation: the script {self.what_happened()}; it is marked not validated"
            if not self.stderr_tail:  # a script stopped for time or memory may have said nothing
                return said + "."
            return said + " and the end of its error output is shown at approval."
        name, model, baseline = self.primary or ("?", None, None)
        sample = f" on a sample of {self.sampled_rows} rows" if self.sampled_rows else ""
        verdict = (
            "beats" if self.metrics and self.metrics.get("beats_baseline") else "does not beat"
        )
        return (
            f"Validation: the script ran{sample} in {self.seconds:.1f} s; test {name} "
            f"{_fmt(model)} vs naive baseline {_fmt(baseline)}{self._baseline_words()}: the "
            f"model {verdict} the baseline." + self._search_words()
        )

    def _baseline_words(self) -> str:
        """` (the last value, better than the value 52 periods back at 1.881)`: which naive
        baseline was the bar, when the script says (a forecast faces two)."""
        metrics = self.metrics or {}
        bar = metrics.get("baseline_label")
        if not isinstance(bar, str):
            return ""
        others = []
        forecast = metrics.get("forecast")
        baselines = forecast.get("baselines") if isinstance(forecast, dict) else None
        for name, scores in (baselines if isinstance(baselines, dict) else {}).items():
            test = scores.get("test") if isinstance(scores, dict) else None
            value = test.get(metrics.get("primary_metric")) if isinstance(test, dict) else None
            if name != bar and isinstance(value, int | float):
                others.append(f"{name} at {_fmt(value)}")
        return f" ({bar}" + (f", better than {' and '.join(others)}" if others else "") + ")"

    def what_happened(self) -> str:
        """How the run ended, as words after "the script": "timed out (no result within 600 s)"."""
        if self.status == "memory":  # its reason is already the sentence's predicate
            return self.reason
        verb = {"passed": "ran", "timeout": "timed out", "skipped": "was not run"}
        return f"{verb.get(self.status, 'failed')} ({self.reason})"

    def saved_model(self) -> str:
        """The saved model's name in the run folder: model.joblib, or a Spark model's folder."""
        saved = (self.metrics or {}).get("saved_model")
        path = saved.get("path") if isinstance(saved, dict) else None
        return path if path in ("model.joblib", "model") else "model.joblib"

    def _search_words(self) -> str:
        """What the script's model search chose, over which measured rivals, and how."""
        metrics = self.metrics or {}
        # The plan is not needed here: a run that wrote metrics names the model it trained.
        choice = read_choice(str(metrics.get("model_type")), {}, metrics)
        if choice.how is None:
            return ""
        over = choice.over_words()
        return f" The script's search ({choice.how}) chose {choice.name}" + (
            f" over {over}." if over else "."
        )


def run_training_script(
    ml_dir: Path,
    data_path: Path,
    *,
    sample_rows: int | None,
    timeout_s: float,
    memory_limit_mb: int | None = None,
    run_name: str = "validation",
) -> ValidationResult:
    """Run the script on the data; `memory_limit_mb` None: half the machine's memory, now."""
    out_dir = ml_dir / "runs" / run_name
    _refuse_links(ml_dir, out_dir)
    cmd = [
        sys.executable,
        str(ml_dir / TRAINING_SCRIPT),
        "--config",
        str(ml_dir / EXPERIMENT_CONFIG),
        "--data",
        str(data_path),
        "--output-dir",
        str(out_dir),
    ]
    if sample_rows:
        cmd += ["--sample-rows", str(sample_rows)]
    # One OpenMP thread unless the user chose otherwise: on a busy machine, gradient boosting's
    # spinning threads made a 3 s check take a minute; one thread costs little on small data.
    env = script_environment(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    limit = memory_limit_mb or default_memory_limit_mb()
    run = run_bounded(cmd, cwd=ml_dir, env=env, timeout_s=timeout_s, memory_limit_mb=limit)
    said = {"seconds": run.seconds, "stderr_tail": _tail(run.stderr), "sampled_rows": sample_rows}
    if run.stopped == "timeout":
        reason = f"no result within {timeout_s:.0f} s"
        return ValidationResult(status="timeout", reason=reason, **said)
    if run.stopped == "memory":
        reason = (
            f"used more than {format_megabytes(limit)} of memory (the limit, --memory-limit) "
            f"and was stopped after {run.seconds:.1f} s"
        )
        return ValidationResult(status="memory", reason=reason, **said)
    if run.returncode != 0:
        return ValidationResult(status="failed", reason=f"exit code {run.returncode}", **said)
    metrics_path = out_dir / "metrics.json"
    try:
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return ValidationResult(
            status="failed",
            reason=f"the script exited 0 but {metrics_path} is unreadable: {exc}",
            seconds=run.seconds,
            stderr_tail=_tail(run.stderr),
        )
    return ValidationResult(
        status="passed",
        reason="ran to completion",
        seconds=run.seconds,
        sampled_rows=sample_rows,
        metrics=metrics,
        output_dir=str(out_dir),
    )


def _refuse_links(ml_dir: Path, out_dir: Path) -> None:
    """The script writes its model and metrics in `out_dir`; a link planted on the way there
    would have it write elsewhere, so the check run does not start."""
    for path in (ml_dir, ml_dir / "runs", out_dir):
        if path.is_symlink():
            raise OutputError(
                f"{path} is a symbolic link; ml-engineer does not let the training script write "
                "through links. Remove it and run again.",
                path=str(path),
            )


def _tail(text: str | bytes | None) -> str | None:
    if not text:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return "\n".join(text.strip().splitlines()[-STDERR_TAIL_LINES:])


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


# The generated script needs no credentials: API keys, tokens and cloud secrets stay with us.
_SECRET = re.compile(
    r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|SESSION|^AWS_|^AZURE_|^GOOGLE_|^GCP_"
    r"|^OPENAI_|^ANTHROPIC_|^HF_|^HUGGING",
    re.IGNORECASE,
)


def script_environment(environ) -> dict[str, str]:
    """The caller's environment without its secrets, for the generated script's process."""
    return {name: value for name, value in environ.items() if not _SECRET.search(name)}
