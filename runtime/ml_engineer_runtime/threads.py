"""How many threads the models of a run use.

Why: OpenMP's worker threads spin while they wait for each other. On data this small a second
thread saves little, and on a machine busy with other work the spinning made a 1.5 s fit of
50,000 rows take 74 s (measured on 2 cores). OMP_NUM_THREADS, when set, decides instead.
"""

from __future__ import annotations

import os

from threadpoolctl import threadpool_limits

ONE_THREAD_BELOW_ROWS = 100_000


def cap_threads(rows: int) -> None:
    """One OpenMP thread below ONE_THREAD_BELOW_ROWS rows, unless OMP_NUM_THREADS is set."""
    if os.environ.get("OMP_NUM_THREADS") or rows >= ONE_THREAD_BELOW_ROWS:
        return
    threadpool_limits(limits=1, user_api="openmp")  # the OpenMP runtimes loaded so far
    os.environ["OMP_NUM_THREADS"] = "1"  # and one loaded later (LightGBM's, imported when chosen)


def one_thread() -> bool:
    """True when the run was capped (or asked) to one OpenMP thread."""
    return os.environ.get("OMP_NUM_THREADS") == "1"
