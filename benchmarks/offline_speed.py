"""Time the whole offline run, as a user's process sees it, on profile-only folders.

    .venv/bin/python benchmarks/offline_speed.py [--columns 100 2000] [--repeat 3]

Each folder holds a canonical profile.json with N columns (numeric, categorical, text, date,
ID and constant columns in turn) and an eda-report.md naming the goal, but no data, so the
validation run is skipped: what is timed is start-up, reading, planning, rendering, writing and
checkpointing. Targets (issue 2): at most 2 s for 100 columns and 10 s for 2,000 columns.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS_S = {100: 2.0, 2000: 10.0}


def make_profile(n_columns: int, rows: int = 50_000) -> dict:
    columns = []
    for i in range(n_columns - 1):
        kind = i % 6
        if kind in (0, 1, 2):
            columns.append({
                "name": f"num_{i}", "inferred_type": "numeric", "missing_count": i % 50,
                "missing_pct": (i % 50) / rows * 100, "unique_count": 1000 + i,
                "stats": {"min": 0, "max": 100, "mean": 50, "std": 10, "q50": 50},
            })  # fmt: skip
        elif kind == 3:
            columns.append({
                "name": f"cat_{i}", "inferred_type": "categorical", "missing_count": 0,
                "missing_pct": 0.0, "unique_count": 5 + i % 60,
                "top_values": [{"value": f"v{j}", "count": rows // 10} for j in range(5)],
            })  # fmt: skip
        elif kind == 4:
            columns.append({
                "name": f"when_{i}", "inferred_type": "datetime", "missing_count": 0,
                "missing_pct": 0.0, "unique_count": 900,
            })  # fmt: skip
        else:
            columns.append({
                "name": f"code_{i}_id", "inferred_type": "categorical", "missing_count": 0,
                "missing_pct": 0.0, "unique_count": rows,
            })  # fmt: skip
    columns.append({
        "name": "churned", "inferred_type": "categorical", "missing_count": 0, "missing_pct": 0.0,
        "unique_count": 2,
        "top_values": [
            {"value": "no", "count": rows * 4 // 5}, {"value": "yes", "count": rows // 5}
        ],
    })  # fmt: skip
    return {"overview": {"row_count": rows, "column_count": n_columns}, "columns": columns}


def make_folder(root: Path, n_columns: int) -> Path:
    data = root / f"speed-{n_columns}" / "data"
    data.mkdir(parents=True)
    (data / "profile.json").write_text(json.dumps(make_profile(n_columns)), encoding="utf-8")
    (data / "eda-report.md").write_text(
        "# EDA\n\n## Confirmed ML goal\nGoal: predict whether a customer churns (`churned`).\n",
        encoding="utf-8",
    )
    return data


def time_run(data_dir: Path) -> float:
    cli = Path(sys.executable).with_name("ml-engineer")
    started = time.perf_counter()
    proc = subprocess.run(
        [str(cli), "run", str(data_dir), "--yes"], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"run failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    shutil.rmtree(data_dir.parent / "ml")
    shutil.rmtree(data_dir.parent / ".ml_engineer")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, nargs="+", default=[100, 2000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'columns':>8} {'median s':>9} {'max s':>7} {'target s':>9}  verdict")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.columns:
            folder = make_folder(Path(tmp), n)
            times = [time_run(folder) for _ in range(args.repeat)]
            target = TARGETS_S.get(n)
            verdict = "-" if target is None else ("ok" if max(times) <= target else "SLOW")
            print(
                f"{n:>8} {statistics.median(times):>9.2f} {max(times):>7.2f} "
                f"{target if target else '-':>9}  {verdict}"
            )


if __name__ == "__main__":
    main()
