"""Time `ml-engineer profile` against DuckDB's SUMMARIZE and ydata-profiling, and the training.

    .venv/bin/python benchmarks/profile_speed.py [--data /tmp/pb/data.csv] [--rows 10000000]
        [--slice-rows 1000000] [--repeat 1] [--skip-ydata] [--ydata-python PATH]
        [--skip-training] [--workdir /tmp/ml-engineer-profile-speed-<time>]
        [--out benchmarks/results/profile-speed-<date>.json]

On one synthetic CSV (profile_data.py: 10 million rows, about 1.3 GB, 20 mixed columns with
missing values, dates stored as text, a high-cardinality code; `--data` reuses a file that exists
and otherwise writes it there) and a slice of its first `--slice-rows` rows, each contender runs
as its own subprocess, so each starts fresh and its memory is its own:

a. `ml-engineer profile <full csv> --out <dir> --target churned` (the `ml-engineer` beside this
   Python, or `--cli`);
b. DuckDB's `SUMMARIZE SELECT * FROM read_csv(<full csv>)`, fetched, in a fresh Python: the
   near-limit of a scan that computes per-column statistics;
b2. the same core facts with Polars' streaming engine (`--skip-polars` to leave it out): the
   engine not chosen, for the record of why DuckDB was;
c. ydata-profiling's `ProfileReport(df, minimal=True, progress_bar=False).to_json()` on the slice
   read with `pandas.read_csv` (the read is timed: a user does it too). ydata-profiling needs
   pandas < 3 and numpy < 2.4, so unless this Python has it (or `--ydata-python` names one that
   has), it runs in benchmarks/.venv-ydata, built once from PyPI with pinned versions (git-ignored);
d. the generated default training script on the slice: `ml-engineer profile <slice> --goal ...`
   writes the upstream folder, `ml-engineer run <folder> --yes --no-mlops --no-validate` writes
   the script, and `python training_script.py --data <slice> --output-dir <dir>` runs with
   OMP_NUM_THREADS=2, killed if its process tree holds more than 8 GB.

Measured for each: wall time, and peak memory as the larger of the process tree's summed RSS
(polled every 50 ms with psutil) and the ru_maxrss of wait4 (the largest single process, which a
poll cannot miss). Before timing, the full file is read once (to count its rows), so every
contender reads it from the page cache. `--repeat N` runs a and b N times and keeps the fastest.

Targets (the profiler issue): ours within 1.5x of SUMMARIZE's wall time; at least 20x faster than
ydata-profiling minimal per row (ydata's seconds x full rows / slice rows, against ours on the
full file); ours under 2 GB peak; the training script within 300 s on 2 threads (and 8 GB).

Prints a markdown table, writes the same as JSON (default under benchmarks/results/, which is
git-ignored), keeps every output and log under --workdir, and exits 1 if any target fails.
Timings are wall times on a shared 2-core machine: the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

BENCH_DIR = Path(__file__).resolve().parent
TARGET = "churned"
GOAL = "predict whether a customer churns"
MB = 1024 * 1024
GB = 1024 * MB
POLL_S = 0.05

MAX_VS_SUMMARIZE = 1.5  # ours' wall time / SUMMARIZE's
MIN_VS_YDATA = 20.0  # ydata's seconds per row / ours'
MAX_PROFILE_MEMORY = 2 * GB
MAX_TRAIN_SECONDS = 300.0
MAX_TRAIN_MEMORY = 8 * GB
TRAIN_THREADS = "2"

# ydata-profiling 4.18.4 (its last release under that name; it goes on as fg-data-profiling,
# which still requires pandas < 3) requires pandas < 3, numpy < 2.4, scipy < 1.17 and
# matplotlib <= 3.10, and imports pkg_resources (setuptools < 81): not the project's venv.
YDATA_VENV = BENCH_DIR / ".venv-ydata"
YDATA_PACKAGES = [
    "ydata-profiling==4.18.4", "pandas==2.3.3", "numpy==2.3.5", "scipy==1.16.3",
    "matplotlib==3.10.0", "setuptools<81",
]  # fmt: skip
YDATA_READY = YDATA_VENV / ".ready"  # written last: the packages the venv was built with
YDATA_CHECK = (
    "import importlib.metadata as m, json, ydata_profiling; "
    "print(json.dumps({p: m.version(p) for p in ('ydata-profiling', 'pandas', 'numpy')}))"
)
# Quiet, offline and headless: ydata-profiling otherwise sends usage analytics.
YDATA_ENV = {"YDATA_PROFILING_NO_ANALYTICS": "True", "MPLBACKEND": "Agg"}

SUMMARIZE_CODE = """\
import sys, duckdb
path = sys.argv[1].replace("'", "''")
rows = duckdb.connect().sql(f"SUMMARIZE SELECT * FROM read_csv('{path}')").fetchall()
print(f"SUMMARIZE: {len(rows)} columns")
"""

# The engine not chosen, on the same core facts as one lazy query on its streaming engine: per
# column the missing and exact distinct counts, and for numbers min, max, mean, std and quartiles.
POLARS_CODE = """\
import sys, polars as pl
frame = pl.scan_csv(sys.argv[1], infer_schema_length=20480)
schema = frame.collect_schema()
facts = []
for name in schema.names():
    facts += [pl.col(name).null_count().alias(name + ":missing"),
              pl.col(name).n_unique().alias(name + ":distinct")]
for name, dtype in schema.items():
    if dtype.is_numeric():
        c = pl.col(name)
        facts += [c.min().alias(name + ":min"), c.max().alias(name + ":max"),
                  c.mean().alias(name + ":mean"), c.std().alias(name + ":std")]
        facts += [c.quantile(q).alias(f"{name}:q{q}") for q in (0.25, 0.5, 0.75)]
out = frame.select(facts).collect(engine="streaming")
print(f"polars: {out.width} facts")
"""

YDATA_CODE = """\
import json, sys, time
started = time.perf_counter()
import pandas as pd
from ydata_profiling import ProfileReport
df = pd.read_csv(sys.argv[1])
read = time.perf_counter()
report = ProfileReport(df, minimal=True, progress_bar=False).to_json()
done = time.perf_counter()
with open(sys.argv[2], "w", encoding="utf-8") as sink:
    sink.write(report)
print("YDATA " + json.dumps({"rows": len(df), "import_and_read_s": round(read - started, 2),
                             "report_s": round(done - read, 2)}), flush=True)
"""


# --- Measuring one process tree ---------------------------------------------------------------


@dataclass
class Run:
    name: str
    cmd: list[str]
    rows: int
    wall_s: float | None = None
    tree_rss_mb: float | None = None  # the largest summed RSS of the tree seen by the poll
    maxrss_mb: float | None = None  # wait4's ru_maxrss: the largest single process of the tree
    exit_code: int | None = None
    stopped: str | None = None  # why the harness killed it, if it did
    log: str = ""
    tail: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.stopped is None

    @property
    def peak_mb(self) -> float | None:
        peaks = [p for p in (self.tree_rss_mb, self.maxrss_mb) if p is not None]
        return max(peaks) if peaks else None

    def problem(self) -> str:
        return self.stopped or f"exit {self.exit_code}"


def tree_rss(root: psutil.Process) -> int:
    """Summed RSS of a process and all its descendants, in bytes (0 once it is gone)."""
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total


def kill_tree(pid: int, root: psutil.Process) -> None:
    """SIGKILL the process group (its own session) and any descendant that left it."""
    try:
        descendants = root.children(recursive=True)
    except psutil.Error:
        descendants = []
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    for proc in descendants:
        try:
            proc.kill()
        except psutil.Error:
            pass


def measure(
    name: str,
    cmd: list,
    rows: int,
    log: Path,
    *,
    env: dict | None = None,
    cwd: Path | None = None,
    memory_limit: int | None = None,
    timeout: float | None = None,
) -> Run:
    """Run `cmd` (output to `log`) and measure its wall time and its process tree's peak memory."""
    run = Run(name, [str(c) for c in cmd], rows, log=str(log))
    shown_cmd = ["<code>" if "\n" in c else c for c in run.cmd]  # `python -c` code
    print(f"{name}: {shlex.join(shown_cmd)}", flush=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    peak = 0
    with log.open("wb") as sink:
        started = time.perf_counter()
        proc = subprocess.Popen(
            run.cmd,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        root = psutil.Process(proc.pid)
        while True:
            # wait4, not Popen.poll: it also returns the rusage of the child and its descendants.
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            rss = tree_rss(root)
            peak = max(peak, rss)
            elapsed = time.perf_counter() - started
            if run.stopped is None and memory_limit and rss > memory_limit:
                run.stopped = f"killed: tree RSS {rss / MB:,.0f} MB > {memory_limit / MB:,.0f} MB"
                kill_tree(proc.pid, root)
            elif run.stopped is None and timeout and elapsed > timeout:
                run.stopped = f"killed: still running after {timeout:g} s"
                kill_tree(proc.pid, root)
            time.sleep(POLL_S)
        run.wall_s = time.perf_counter() - started
    proc.returncode = run.exit_code = os.waitstatus_to_exitcode(status)
    run.tree_rss_mb = peak / MB
    # Linux counts ru_maxrss in KiB, macOS in bytes.
    run.maxrss_mb = usage.ru_maxrss / (MB if sys.platform == "darwin" else 1024)
    lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    run.tail = " | ".join(lines[-3:])
    state = "ok" if run.ok else run.problem()
    print(f"  {run.wall_s:.1f} s, peak {run.peak_mb:,.0f} MB ({state})", flush=True)
    return run


def fastest(runs: list[Run]) -> Run:
    """The fastest of repeated runs, with the highest peak of them all; a failed one if any."""
    failed = [r for r in runs if not r.ok]
    if failed:
        return failed[0]
    best = min(runs, key=lambda r: r.wall_s)
    if len(runs) > 1:
        best.extra["wall_s_each"] = [round(r.wall_s, 2) for r in runs]
        best.tree_rss_mb = max(r.tree_rss_mb for r in runs)
        best.maxrss_mb = max(r.maxrss_mb for r in runs)
    return best


# --- The data -----------------------------------------------------------------------------------


def prepare_data(path: Path | None, rows: int, work: Path) -> Path:
    """The full CSV: `path` if it exists, else written there (or in `work`) by profile_data.py."""
    if path is not None and path.is_file():
        return path
    path = path or work / "data.csv"
    print(f"generating {rows:,} rows into {path} ...", flush=True)
    subprocess.run(
        [
            sys.executable,
            str(BENCH_DIR / "profile_data.py"),
            "--out",
            str(path),
            "--rows",
            str(rows),
        ],
        check=True,
    )
    return path


def count_rows(path: Path) -> int:
    """Data rows of a CSV (lines less the header). Also brings the file into the page cache."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(16 * MB):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n") - 1


def write_slice(source: Path, dest: Path, rows: int) -> int:
    """The header and the first `rows` lines of `source` (no field holds a newline), streamed."""
    written = -1  # the header is not a row
    with source.open("rb") as src, dest.open("wb") as out:
        for line in src:
            if written == rows:
                break
            out.write(line)
            written += 1
    return written


# --- ydata-profiling's interpreter --------------------------------------------------------------


def ydata_versions(python: Path | str) -> dict | None:
    """The versions of ydata-profiling, pandas and numpy under `python`; None if it lacks them."""
    try:
        check = subprocess.run(
            [str(python), "-c", YDATA_CHECK],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, **YDATA_ENV},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if check.returncode != 0:
        return None
    return json.loads(check.stdout.strip().splitlines()[-1])


def build_ydata_venv() -> None:
    """benchmarks/.venv-ydata with YDATA_PACKAGES from PyPI (about a minute)."""
    print(f"building {YDATA_VENV} (once): {' '.join(YDATA_PACKAGES)} ...", flush=True)
    shutil.rmtree(YDATA_VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(YDATA_VENV)], check=True, timeout=300)
    python = YDATA_VENV / "bin" / "python"
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *YDATA_PACKAGES,
        ],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if install.returncode != 0:
        shutil.rmtree(YDATA_VENV, ignore_errors=True)
        output = (install.stdout + install.stderr).strip()
        raise SystemExit(f"pip could not build {YDATA_VENV}:\n{output[-3000:]}")
    YDATA_READY.write_text(" ".join(YDATA_PACKAGES), encoding="utf-8")


def ydata_python(override: Path | None) -> tuple[Path, dict]:
    """The Python to run ydata-profiling with, and its versions: --ydata-python, this Python if
    it has ydata-profiling, else benchmarks/.venv-ydata (built when missing or outdated)."""
    if override is not None:
        versions = ydata_versions(override)
        if versions is None:
            raise SystemExit(f"--ydata-python {override} cannot import ydata_profiling")
        return override, versions
    versions = ydata_versions(sys.executable)
    if versions is not None:
        return Path(sys.executable), versions
    python = YDATA_VENV / "bin" / "python"
    ready = YDATA_READY.is_file() and YDATA_READY.read_text(encoding="utf-8") == " ".join(
        YDATA_PACKAGES
    )
    versions = ydata_versions(python) if ready else None
    if versions is None:
        build_ydata_venv()
        versions = ydata_versions(python)
        if versions is None:
            raise SystemExit(f"{python} was built but cannot import ydata_profiling")
    return python, versions


# --- The contenders -----------------------------------------------------------------------------


def product_env() -> dict:
    """The product offline: no LLM model from the caller's environment."""
    return {k: v for k, v in os.environ.items() if k != "ML_ENGINEER_MODEL"}


def run_ours(args: argparse.Namespace, data: Path, rows: int, work: Path) -> Run:
    out = work / "profile-out"
    runs = []
    for i in range(args.repeat):
        shutil.rmtree(out, ignore_errors=True)
        cmd = [args.cli, "profile", data, "--out", out, "--target", TARGET]
        runs.append(
            measure(
                "ml-engineer profile",
                cmd,
                rows,
                work / f"profile-{i + 1}.log",
                env=product_env(),
                timeout=args.timeout,
            )
        )
        if not runs[-1].ok:
            break
    return fastest(runs)


def run_summarize(args: argparse.Namespace, data: Path, rows: int, work: Path) -> Run:
    runs = []
    for i in range(args.repeat):
        cmd = [sys.executable, "-c", SUMMARIZE_CODE, data]
        runs.append(
            measure(
                "DuckDB SUMMARIZE", cmd, rows, work / f"summarize-{i + 1}.log", timeout=args.timeout
            )
        )
        if not runs[-1].ok:
            break
    return fastest(runs)


def run_polars(args: argparse.Namespace, data: Path, rows: int, work: Path) -> Run:
    cmd = [sys.executable, "-c", POLARS_CODE, data]
    return measure("Polars (streaming)", cmd, rows, work / "polars.log", timeout=args.timeout)


def run_ydata(
    python: Path, versions: dict, slice_csv: Path, rows: int, work: Path, timeout: float
) -> Run:
    cmd = [python, "-c", YDATA_CODE, slice_csv, work / "ydata-report.json"]
    env = {**os.environ, **YDATA_ENV}
    run = measure(
        "ydata-profiling minimal", cmd, rows, work / "ydata.log", env=env, timeout=timeout
    )
    run.extra["versions"] = versions
    for line in Path(run.log).read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("YDATA "):
            run.extra.update(json.loads(line.removeprefix("YDATA ")))
    return run


def run_training(args: argparse.Namespace, slice_csv: Path, rows: int, work: Path) -> list[Run]:
    """The upstream folder and the script from the product, then the script: three runs."""
    train = work / "train"
    shutil.rmtree(train, ignore_errors=True)
    data_dir = train / "data"
    upstream = measure(
        "upstream: ml-engineer profile",
        [args.cli, "profile", slice_csv, "--out", data_dir, "--target", TARGET, "--goal", GOAL],
        rows,
        work / "train-profile.log",
        env=product_env(),
        timeout=args.timeout,
    )
    if not upstream.ok:
        return [upstream]
    design = measure(
        "ml-engineer run",
        [args.cli, "run", data_dir, "--yes", "--no-mlops", "--no-validate", "--target", TARGET],
        rows,
        work / "train-run.log",
        env=product_env(),
        cwd=train,
        timeout=args.timeout,
    )
    script = train / "ml" / "training_script.py"
    if not design.ok or not script.is_file():
        if design.ok:
            design.stopped = f"no {script} written"
        return [upstream, design]
    env = {**os.environ, "OMP_NUM_THREADS": TRAIN_THREADS}
    cmd = [sys.executable, script, "--data", slice_csv, "--output-dir", train / "run"]
    trained = measure(
        "training script",
        cmd,
        rows,
        work / "train-script.log",
        env=env,
        cwd=script.parent,
        memory_limit=MAX_TRAIN_MEMORY,
        timeout=args.timeout,
    )
    return [upstream, design, trained]


# --- Targets and the report ---------------------------------------------------------------------


@dataclass
class Row:
    run: Run
    target: str = "—"
    verdicts: list[str] = field(default_factory=list)

    def cells(self) -> list[str]:
        r = self.run
        if not r.ok:
            verdict = f"ERROR ({r.problem()})"
        else:
            verdict = "; ".join(self.verdicts) or "—"
        wall = f"{r.wall_s:,.1f}" if r.wall_s is not None else "—"
        peak = f"{r.peak_mb:,.0f}" if r.peak_mb is not None else "—"
        return [r.name, f"{r.rows:,}", wall, peak, self.target, verdict]


def check(targets: dict, key: str, limit: str, value: float | None, passed: bool | None) -> str:
    """Record one target (passed None: skipped); return its verdict."""
    verdict = None if passed is None else "PASS" if passed else "FAIL"
    targets[key] = {"target": limit, "value": value, "verdict": verdict}
    return verdict or "skipped"


def shown(value: float | None, spec: str, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:{spec}}{unit}"


def judge(
    ours: Run,
    summarize: Run,
    ydata: Run | None,
    training: list[Run] | None,
    full_rows: int,
    polars: Run | None = None,
) -> tuple[list[Row], dict]:
    """The table's rows, and each target's limit, measured value and verdict (None: skipped)."""
    targets: dict = {}
    vs_sum = ours.wall_s / summarize.wall_s if ours.ok and summarize.ok else None
    time_ok = check(
        targets,
        "profile_vs_summarize",
        f"<= {MAX_VS_SUMMARIZE}x",
        vs_sum,
        vs_sum is not None and vs_sum <= MAX_VS_SUMMARIZE,
    )
    peak = ours.peak_mb if ours.ok else None
    limit_mb = MAX_PROFILE_MEMORY / MB
    mem_ok = check(
        targets, "profile_peak_mb", f"< {limit_mb:,.0f}", peak, peak is not None and peak < limit_mb
    )
    rows = [
        Row(
            ours,
            f"<= {MAX_VS_SUMMARIZE}x SUMMARIZE ({shown(vs_sum, '.2f', 'x')}); "
            f"peak < {limit_mb:,.0f} MB",
            [f"time {time_ok}", f"memory {mem_ok}"],
        ),
        Row(summarize, "the near-limit"),
    ]
    if polars is not None:
        rows.append(Row(polars, "the engine not chosen (counts and statistics only)"))

    vs_ydata = None
    if ydata is not None:
        scaled = ydata.wall_s * full_rows / ydata.rows if ydata.ok and ydata.rows else None
        ydata.extra["scaled_to_full_rows_s"] = scaled
        vs_ydata = scaled / ours.wall_s if scaled is not None and ours.ok else None
        at = f"{shown(scaled, ',.0f', ' s')} at {full_rows:,} rows"
        target = f"per row >= {MIN_VS_YDATA:.0f}x ours ({shown(vs_ydata, '.1f', 'x')}; {at})"
    passed = None if ydata is None else vs_ydata is not None and vs_ydata >= MIN_VS_YDATA
    ydata_ok = check(targets, "ydata_per_row_vs_profile", f">= {MIN_VS_YDATA}x", vs_ydata, passed)
    if ydata is not None:
        rows.append(Row(ydata, target, [ydata_ok]))

    script = None
    if training is not None:
        script = next((r for r in training if r.name == "training script" and r.ok), None)
    wall = script.wall_s if script else None
    peak = script.peak_mb if script else None
    limit_mb = MAX_TRAIN_MEMORY / MB
    skip = training is None
    time_ok = check(
        targets,
        "training_script_s",
        f"<= {MAX_TRAIN_SECONDS:.0f}",
        wall,
        None if skip else wall is not None and wall <= MAX_TRAIN_SECONDS,
    )
    mem_ok = check(
        targets,
        "training_script_peak_mb",
        f"<= {limit_mb:,.0f}",
        peak,
        None if skip else peak is not None and peak <= limit_mb,
    )
    for run in training or []:
        if run.name == "training script":
            target = (
                f"<= {MAX_TRAIN_SECONDS:.0f} s, <= {limit_mb:,.0f} MB "
                f"(OMP_NUM_THREADS={TRAIN_THREADS})"
            )
            rows.append(Row(run, target, [f"time {time_ok}", f"memory {mem_ok}"]))
        else:
            rows.append(Row(run, "— (writes the script)"))
    return rows, targets


def print_table(rows: list[Row]) -> None:
    header = ["contender", "rows", "wall s", "peak MB", "target", "verdict"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if i in (0, 4, 5) else "---:" for i in range(6)) + "|")
    for row in rows:
        print("| " + " | ".join(row.cells()) + " |")
    for row in rows:
        if not row.run.ok:
            print(f"\n{row.run.name}: {row.run.problem()}; log {row.run.log}\n  {row.run.tail}")


def package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    today = dt.date.today().isoformat()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        help="the full CSV: reused if it exists, else "
        "generated there (default: generated under --workdir)",
    )
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows to generate")
    parser.add_argument(
        "--slice-rows",
        type=int,
        default=1_000_000,
        help="rows of the slice for ydata-profiling and the training script",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run ours and SUMMARIZE N times each, keep the fastest",
    )
    parser.add_argument("--skip-ydata", action="store_true")
    parser.add_argument("--skip-polars", action="store_true", help="leave out the Polars run")
    parser.add_argument(
        "--ydata-python",
        type=Path,
        help="a Python that has ydata-profiling (default: benchmarks/.venv-ydata)",
    )
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument(
        "--cli",
        type=Path,
        default=Path(sys.executable).with_name("ml-engineer"),
        help="the ml-engineer to measure (default: the one beside this Python)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600.0,
        help="seconds after which any one contender is killed",
    )
    parser.add_argument(
        "--workdir", type=Path, help="kept outputs and logs (default: a new /tmp folder)"
    )
    parser.add_argument(
        "--out", type=Path, default=BENCH_DIR / "results" / f"profile-speed-{today}.json"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.slice_rows < 1:
        parser.error("--repeat and --slice-rows must be at least 1")
    return args


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="ml-engineer-profile-speed-"))
    work.mkdir(parents=True, exist_ok=True)
    ydata_py, ydata_vers = (None, None) if args.skip_ydata else ydata_python(args.ydata_python)
    data = prepare_data(args.data, args.rows, work)
    full_rows = count_rows(data)
    slice_csv = work / "slice.csv"
    slice_rows = write_slice(data, slice_csv, args.slice_rows)
    start_load = load()
    print(
        f"product: {args.cli}; data {data}: {full_rows:,} rows, "
        f"{data.stat().st_size / 1e9:.2f} GB; slice {slice_rows:,} rows"
    )
    print(f"workdir {work}; {os.cpu_count()} cores, load average {start_load} at start", flush=True)

    ours = run_ours(args, data, full_rows, work)
    summarize = run_summarize(args, data, full_rows, work)
    polars = None
    if not args.skip_polars and importlib.util.find_spec("polars") is None:
        print("Polars: not installed here (pip install -e '.[bench]'); left out", flush=True)
    elif not args.skip_polars:
        polars = run_polars(args, data, full_rows, work)
    ydata = None
    if ydata_py is not None:
        ydata = run_ydata(ydata_py, ydata_vers, slice_csv, slice_rows, work, args.timeout)
    training = None if args.skip_training else run_training(args, slice_csv, slice_rows, work)

    end_load = load()
    print(f"\nload average {end_load} at end (1/5/15 min; timings are wall times)\n")
    rows, targets = judge(ours, summarize, ydata, training, full_rows, polars)
    print_table(rows)
    failed = [name for name, t in targets.items() if t["verdict"] == "FAIL"]
    skipped = [name for name, t in targets.items() if t["verdict"] is None]
    print(
        f"\ntargets failed: {', '.join(failed) or 'none'}"
        + (f"; skipped: {', '.join(skipped)}" if skipped else "")
    )

    report = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / GB, 1),
            "load_start": start_load,
            "load_end": end_load,
        },
        "versions": {
            "python": sys.version.split()[0],
            "ml-engineer": package_version("ml-engineer"),
            "duckdb": package_version("duckdb"),
            "polars": package_version("polars"),
            "ydata": ydata_vers,
        },
        "data": {
            "path": str(data),
            "rows": full_rows,
            "bytes": data.stat().st_size,
            "slice": str(slice_csv),
            "slice_rows": slice_rows,
        },
        "workdir": str(work),
        "runs": [asdict(r.run) | {"peak_mb": r.run.peak_mb} for r in rows],
        "targets": targets,
        "passed": not failed,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"JSON: {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
