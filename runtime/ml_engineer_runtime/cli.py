"""A training script's command line, and its exit codes: 0 done, 2 a config or data problem."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ml_engineer_runtime.errors import ScriptError

# How a script adds its framework's own options to the command line (Spark's --master).
AddOptions = Callable[[argparse.ArgumentParser], object]


def parse_args(
    argv: list[str] | None, description: str, script: str, options: AddOptions | None = None
) -> argparse.Namespace:
    """--config (default: experiment-config.yaml beside `script`), --data, --output-dir and
    --sample-rows; and a framework's own, added by `options(parser)` (Spark's --master)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--config",
        default=str(Path(script).resolve().parent / "experiment-config.yaml"),
        help="experiment config (default: experiment-config.yaml beside this script)",
    )
    parser.add_argument("--data", help="data file; overrides data.path_env and data.path")
    parser.add_argument("--output-dir", help="where to write (default: runs/latest beside config)")
    parser.add_argument(
        "--sample-rows",
        type=int,
        help="use N rows only, for a quick check (random; the latest N for a time split)",
    )
    if options:
        options(parser)
    return parser.parse_args(argv)


def run_script(
    train: Callable[[argparse.Namespace], None],
    argv: list[str] | None,
    doc: str | None,
    script: str,
    options: AddOptions | None = None,
) -> int:
    """Parse the command line and train; a ScriptError is one line on stderr and exit 2."""
    sys.dont_write_bytecode = True  # no __pycache__ beside the deliverables
    description = (doc or "Train the model of experiment-config.yaml.").strip().splitlines()[0]
    args = parse_args(argv, description, script, options)
    try:
        train(args)
    except ScriptError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
