"""Write the profiler benchmark's synthetic CSV: about 1 GB, 10 million rows, 20 mixed columns.

    .venv/bin/python benchmarks/profile_data.py --out /tmp/profile-bench/data.csv [--rows 10000000]

The columns are what a real export mixes: an ID, a timestamp and a date stored as text, a
high-cardinality code (about a million distinct values), low-cardinality categoricals with
missing values, a boolean, skewed and plain numbers with missing values, a mostly empty free-text
column, a constant column, and a binary target (`churned`) that depends on several features.
The same seed writes the same bytes, so every engine is timed on one file. Rows are written a
million at a time, so the generator itself needs little memory.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

CHUNK = 1_000_000
SEED = 20261128
REGIONS = np.array(["north", "south", "east", "west", "central", "islands", "metro", "rural"])
PLANS = np.array(["basic", "standard", "premium", "enterprise"])
CHANNELS = np.array([f"channel_{i:02d}" for i in range(12)])
WORDS = np.array(["late", "refund", "great", "slow", "support", "price", "app", "billing"])
START = np.datetime64("2020-01-01T00:00:00")


def _with_missing(rng: np.random.Generator, values: np.ndarray, share: float) -> pa.Array:
    """The values as an Arrow array with `share` of them missing (written as empty fields)."""
    return pa.array(values, mask=rng.random(len(values)) < share)


def chunk_table(rng: np.random.Generator, first_id: int, rows: int) -> pa.Table:
    """One chunk of the table: `rows` rows whose IDs start at `first_id`."""
    age = rng.integers(18, 90, rows)
    tenure = rng.integers(0, 120, rows)
    visits = rng.poisson(4.0, rows)
    income = rng.lognormal(10.5, 0.8, rows).round(2)
    plan_idx = rng.integers(0, len(PLANS), rows)
    score = rng.normal(0.0, 1.0, rows).round(4)
    # The target depends on tenure, visits, the plan and the score, so correlations show.
    logit = -0.8 - 0.02 * tenure + 0.15 * (visits < 2) + 0.4 * (plan_idx == 0) + 0.6 * score
    churned = (rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int8)
    seconds = rng.integers(0, 5 * 365 * 86_400, rows)
    event_time = (START + seconds.astype("timedelta64[s]")).astype(str)
    signup = (START - rng.integers(0, 3_000, rows).astype("timedelta64[D]")).astype("datetime64[D]")
    comment = np.char.add(
        np.char.add(WORDS[rng.integers(0, len(WORDS), rows)], " "),
        WORDS[rng.integers(0, len(WORDS), rows)],
    )
    return pa.table(
        {
            "customer_id": pa.array(np.arange(first_id, first_id + rows)),
            "event_time": pa.array(np.char.replace(event_time, "T", " ")),
            "signup_date": pa.array(signup.astype(str)),
            "account_code": pa.array(
                np.char.add("AC", rng.integers(0, 1_000_000, rows).astype(str))
            ),
            "region": _with_missing(rng, REGIONS[rng.integers(0, len(REGIONS), rows)], 0.02),
            "plan": _with_missing(rng, PLANS[plan_idx], 0.05),
            "channel": pa.array(CHANNELS[rng.integers(0, len(CHANNELS), rows)]),
            "is_active": pa.array(rng.random(rows) < 0.7),
            "age": _with_missing(rng, age, 0.03),
            "income": _with_missing(rng, income, 0.10),
            "balance": pa.array(rng.normal(1_500.0, 700.0, rows).round(1)),
            "tenure_months": pa.array(tenure),
            "visits": pa.array(visits),
            "score": pa.array(score),
            "discount": _with_missing(rng, rng.uniform(0, 0.5, rows).round(3), 0.30),
            "rating": _with_missing(rng, rng.integers(1, 6, rows), 0.15),
            "temperature": pa.array(rng.normal(15.0, 8.0, rows).round(1)),
            "comment": _with_missing(rng, comment, 0.85),
            "source": pa.array(np.full(rows, "web")),
            "churned": pa.array(churned),
        }
    )


def write(out: Path, rows: int) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    partial = out.with_name(out.name + ".partial")
    with partial.open("wb") as sink:
        for first in range(0, rows, CHUNK):
            table = chunk_table(rng, first + 1, min(CHUNK, rows - first))
            # Polars quotes a value only where it needs quotes, as most exports do.
            pl.from_arrow(table).write_csv(sink, include_header=first == 0)
    partial.replace(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    write(args.out, args.rows)
    size = args.out.stat().st_size
    print(
        f"wrote {args.out}: {args.rows:,} rows, {size / 1e9:.2f} GB "
        f"in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
