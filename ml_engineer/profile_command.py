"""`ml-engineer profile <file or folder> [--out output/<slug>/data]`, and `run <file>`.

For the user who arrives with a data file and no analyst: the upstream stage's three files, in
seconds, in the folder `ml-engineer run` reads. `run` handed a data file profiles it first (or
reuses the profile it made of the same, unchanged file) and goes on from that folder.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from pathlib import Path

from ml_engineer import json_events
from ml_engineer.errors import OutputError
from ml_engineer.inputs.dataset_location import data_suffix

GENERIC_STEMS = {"data", "dataset", "export", "table", "part", "file", "input", "raw"}


def add_profile_command(sub, store: argparse.ArgumentParser) -> None:
    cmd = sub.add_parser(
        "profile", parents=[store],
        help="profile a CSV/Parquet file (or a folder of them) into an analyst's folder",
    )  # fmt: skip
    cmd.add_argument("path", type=Path, help="a .csv/.tsv/.parquet file (or .gz), or a folder")
    cmd.add_argument(
        "--out", type=Path, help="the folder to write (default: output/<name of the file>/data)"
    )
    cmd.add_argument("--target", help="the target column: adds its associations and charts")
    cmd.add_argument("--goal", help='the goal in words, e.g. "predict whether a customer churns"')
    cmd.add_argument("--force", action="store_true", help="replace a profile already in --out")
    cmd.add_argument("--memory-limit", metavar="SIZE",
                     help="the engine's memory, e.g. 512MB or 2GB (default 1GB); beyond it, "
                     "it works on disk")  # fmt: skip
    cmd.add_argument("--threads", type=int, help="engine threads (default: every core)")
    cmd.set_defaults(func=run_profile_command)


def default_out_dir(path: Path) -> Path:
    """output/<slug>/data, the slug from the file's name (its folder's, for data.csv)."""
    path = Path(path).expanduser().resolve()
    name = path.name
    if path.is_file() or data_suffix(name):
        suffix = data_suffix(name) or ""
        name = name[: len(name) - len(suffix)]
        folder = path.parent
        # exports/data.csv -> exports; output/acme/data/data.csv -> acme
        while name.lower() in GENERIC_STEMS and folder.name:
            name, folder = folder.name, folder.parent
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "project"
    return Path("output") / slug / "data"


def run_profile_command(args: argparse.Namespace) -> int:
    from ml_engineer.profiler.run import profile_to_folder
    from ml_engineer.terminal import show_checkpoint

    out_dir = args.out or default_out_dir(args.path)
    limit_mb, threads = _engine_settings(args.memory_limit, args.threads)
    show_checkpoint(f"Profiling {args.path} ...")
    result = profile_to_folder(
        args.path, out_dir, target=args.target, goal=args.goal, force=args.force,
        memory_limit_mb=limit_mb, threads=threads,
    )  # fmt: skip
    _show(result)
    return 0


def _engine_settings(
    memory_limit: str | None, threads: int | None
) -> tuple[int | None, int | None]:
    """--memory-limit in megabytes and --threads, or a SettingsError saying what they take."""
    from ml_engineer.errors import SettingsError
    from ml_engineer.script_process import parse_memory_limit

    try:
        limit_mb = parse_memory_limit(memory_limit)
    except SettingsError:
        raise SettingsError(
            f"--memory-limit {memory_limit!r} is not a memory size: it takes an amount such as "
            "512MB or 2GB (a plain number is megabytes), the memory the profiler's engine keeps "
            "to before it works on disk. Left out, it is 1 GB.",
            field="--memory-limit",
        ) from None
    if threads is not None and threads < 1:
        raise SettingsError(
            f"--threads {threads} is not a number of threads: give 1 or more, or leave it out "
            "to use every core.",
            field="--threads",
        )
    return limit_mb, threads


def profiled_line(result) -> str:
    how = " (distinct counts approximate, shape from a sample)" if result.approximate else ""
    return (
        f"Profiled {result.rows:,} rows x {result.columns} columns in {result.seconds:.1f} s{how}"
    )


def _show(result) -> None:
    from rich.markup import escape

    from ml_engineer.terminal import out, show_checkpoint

    show_checkpoint(profiled_line(result))
    for path in result.written:
        out.print(f"  {escape(str(path))}")
    out.print(f"Next: ml-engineer run {escape(str(result.out_dir))}")
    json_events.emit(
        "profiled", out_dir=str(result.out_dir), rows=result.rows, columns=result.columns,
        seconds=round(result.seconds, 3), approximate=result.approximate,
        files=[str(p) for p in result.written],
    )  # fmt: skip


def data_dir_for_run(args: argparse.Namespace) -> Path:
    """`run`'s folder, profiling a data file first; progress lines on the terminal."""
    from ml_engineer.terminal import show_checkpoint

    return data_dir_for(Path(args.data_dir), target=args.target, goal=args.goal,
                        say=show_checkpoint, show=_show)  # fmt: skip


def data_dir_for(path: Path, *, target, goal, say: Callable[[str], None], show=None) -> Path:
    """The analyst's folder a run works from: the folder given, or, for a data file, the folder
    its profile is written to (made now, or made before of the same unchanged file). `say`
    takes the progress lines; `show`, when given, the result (the CLI lists the files)."""
    path = Path(path)
    if path.is_dir() or not data_suffix(path.name):
        return path
    out_dir = default_out_dir(path)
    if _profile_of(out_dir, path):
        say(f"Using the profile of {path} already in {out_dir}")
        return out_dir
    from ml_engineer.profiler.run import existing_profile_files, profile_to_folder

    if existing_profile_files(out_dir):
        raise OutputError(
            f"{out_dir} already holds a profile, not of {path} as it is now. To design from that "
            f"profile, run `ml-engineer run {out_dir}`; to profile {path} there instead, run "
            f"`ml-engineer profile {path} --out {out_dir} --force` first.",
            path=str(out_dir),
        )
    say(f"Profiling {path} ...")
    # The check run's --memory-limit is the script's; the profile keeps its engine's default.
    # The goal is this run's, not the data's: written into the profile, a goal that failed or
    # was rejected would be read by every later run of the same file. The target, when given,
    # is kept: the profile's target pictures need it.
    result = profile_to_folder(path, out_dir, target=target, goal=None)
    (show or (lambda r: say(profiled_line(r))))(result)
    return out_dir


def _profile_of(out_dir: Path, path: Path) -> bool:
    """Whether out_dir's profile.json is ours, of this file, with its size and time unchanged."""
    from ml_engineer.profiler.run import modified_at

    try:
        overview = json.loads((out_dir / "profile.json").read_text(encoding="utf-8"))["overview"]
        stat = path.resolve().stat()
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return (
        str(overview.get("profiled_by", "")).startswith("ml-engineer")
        and overview.get("file") == str(path.resolve())
        and overview.get("file_size_bytes") == stat.st_size
        and overview.get("modified_at") == modified_at(path)
    )
