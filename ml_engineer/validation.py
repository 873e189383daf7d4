"""Running the generated training script, bounded in time and rows, to check it really works.

The script runs in a subprocess with this interpreter, so it sees the same pandas and
scikit-learn the product was installed with. A failure is a result, not an exception: the
person who approves sees it with the tail of stderr.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from ml_engineer.deliverables import EXPERIMENT_CONFIG, TRAINING_SCRIPT

STDERR_TAIL_LINES = 25


class ValidationResult(BaseModel):
    status: Literal["passed", "failed", "timeout", "skipped"]
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
            verb = "timed out" if self.status == "timeout" else "failed"
            return (
                f"Validation: the script {verb} ({self.reason}); it is marked not validated and "
                "the end of its error output is shown at approval."
            )
        name, model, baseline = self.primary or ("?", None, None)
        sample = f" on a sample of {self.sampled_rows} rows" if self.sampled_rows else ""
        verdict = (
            "beats" if self.metrics and self.metrics.get("beats_baseline") else "does not beat"
        )
        return (
            f"Validation: the script ran{sample} in {self.seconds:.1f} s; test {name} "
            f"{_fmt(model)} vs naive baseline {_fmt(baseline)}: the model {verdict} the baseline."
            + self._search_words()
        )

    def saved_model(self) -> str:
        """The saved model's name in the run folder: model.joblib, or a Spark model's folder."""
        saved = (self.metrics or {}).get("saved_model")
        path = saved.get("path") if isinstance(saved, dict) else None
        return path if path in ("model.joblib", "model") else "model.joblib"

    def _search_words(self) -> str:
        """What the script's model search chose, over what, and how it measured them."""
        search = (self.metrics or {}).get("search")
        if not isinstance(search, dict) or not search.get("tried"):
            return ""
        named = lambda t: t.get("label") or t.get("type")  # noqa: E731 (label: newer scripts)
        chosen = (self.metrics or {}).get("model_label") or (self.metrics or {}).get("model_type")
        others = [str(named(t)) for t in search["tried"] if named(t) != chosen]
        # Parameter draws are counted, not listed: the sentence names the families.
        families = [name for name in others if "(random draw" not in name]
        if draws := len(others) - len(families):
            families.append(f"{draws} random parameter draw{'s' if draws > 1 else ''}")
        return f" The script's search ({search.get('how')}) chose {chosen}" + (
            f" over {', '.join(families)}." if families else "."
        )


def run_training_script(
    ml_dir: Path,
    data_path: Path,
    *,
    sample_rows: int | None,
    timeout_s: float,
    run_name: str = "validation",
) -> ValidationResult:
    out_dir = ml_dir / "runs" / run_name
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
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, cwd=ml_dir, capture_output=True, text=True, timeout=timeout_s, check=False,
            env=env,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        return ValidationResult(
            status="timeout",
            reason=f"no result within {timeout_s:.0f} s",
            seconds=time.perf_counter() - started,
            stderr_tail=_tail(exc.stderr),
            sampled_rows=sample_rows,
        )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        return ValidationResult(
            status="failed",
            reason=f"exit code {proc.returncode}",
            seconds=seconds,
            stderr_tail=_tail(proc.stderr),
            sampled_rows=sample_rows,
        )
    metrics_path = out_dir / "metrics.json"
    try:
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return ValidationResult(
            status="failed",
            reason=f"the script exited 0 but {metrics_path} is unreadable: {exc}",
            seconds=seconds,
            stderr_tail=_tail(proc.stderr),
        )
    return ValidationResult(
        status="passed",
        reason="ran to completion",
        seconds=seconds,
        sampled_rows=sample_rows,
        metrics=metrics,
        output_dir=str(out_dir),
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
