"""Profile one table into an analyst's folder: profile.json, schema-suggestion.md,
eda-report.md and the pictures the report links.

Nothing in the folder is replaced unless asked (`force`): an analyst's own profile is worth more
than ours. Every file goes through a temporary file and a rename, and profile.json is written
last, so a folder that has it has the rest.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from ml_engineer import __version__
from ml_engineer.deliverables import write_file
from ml_engineer.errors import GoalError, OutputError
from ml_engineer.profiler.association import correlation_matrix, target_associations, target_task
from ml_engineer.profiler.document import profile_document
from ml_engineer.profiler.engine import TABLE, load_table, open_engine, out_of_memory
from ml_engineer.profiler.kinds import Kind, column_kind
from ml_engineer.profiler.measure import (
    ColumnFacts,
    measure_table,
    text_date_range,
    text_number_stats,
)
from ml_engineer.profiler.reports import eda_report, schema_suggestion
from ml_engineer.profiler.source import ProfileSource, resolve_source

PROFILE_FILES = ("profile.json", "schema-suggestion.md", "eda-report.md")
# An analyst's profile in any spelling the product reads counts as one already there.
ANALYST_FILES = (*PROFILE_FILES, "profile.md")


@dataclass
class ProfileResult:
    out_dir: Path
    rows: int
    columns: int
    seconds: float
    written: list[Path] = field(default_factory=list)
    approximate: bool = False
    target: str | None = None
    task: str | None = None


def existing_profile_files(out_dir: Path) -> list[str]:
    return [name for name in ANALYST_FILES if (out_dir / name).exists()]


def profile_to_folder(
    path: Path,
    out_dir: Path,
    *,
    target: str | None = None,
    goal: str | None = None,
    force: bool = False,
    memory_limit_mb: int | None = None,
    threads: int | None = None,
) -> ProfileResult:
    started = time.perf_counter()
    source = resolve_source(path)
    out_dir = Path(out_dir)
    _check_out_dir(out_dir, force)
    import duckdb

    try:
        facts, kinds, document, charts = _measure_and_draw(
            source, out_dir, target, goal, memory_limit_mb, threads
        )
    except duckdb.OutOfMemoryException as exc:
        raise out_of_memory(source.path, exc) from exc
    written = [out_dir / chart.file for chart in charts]
    storage = {c.name: _storage(c, kinds[c.name]) for c in facts.columns}
    written.append(
        write_file(out_dir / "schema-suggestion.md", schema_suggestion(document, storage))
    )
    written.append(write_file(out_dir / "eda-report.md", eda_report(document, charts)))
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    written.append(write_file(out_dir / "profile.json", text))
    return ProfileResult(
        out_dir=out_dir, rows=facts.rows, columns=len(facts.columns),
        seconds=time.perf_counter() - started, written=written, approximate=facts.approximate,
        target=target, task=document["overview"].get("task"),
    )  # fmt: skip


def _measure_and_draw(source, out_dir, target, goal, memory_limit_mb, threads):
    """The table's facts, each column's kind, the profile document and its pictures."""
    with open_engine(memory_limit_mb, threads) as con:
        source = load_table(con, source)
        names = [str(row[0]) for row in con.execute(f"DESCRIBE {TABLE}").fetchall()]
        if target is not None and target not in names:
            raise GoalError(_unknown_target(target, names, source), field="--target")
        facts = measure_table(con)
        kinds = {c.name: column_kind(c, facts.rows) for c in facts.columns}
        for col in facts.columns:  # what the text of a column turned out to hold
            if kinds[col.name].name == "datetime" and col.group == "text":
                text_date_range(con, col)
            if kinds[col.name].name == "numeric" and col.group == "text":
                text_number_stats(con, col, facts.sample_table)
        task, associations = None, {}
        if target is not None and facts.rows:
            target_facts = next(c for c in facts.columns if c.name == target)
            task = target_task(target_facts, kinds[target].name)
            others = [(c, kinds[c.name].name) for c in facts.columns if c.name != target]
            associations = target_associations(con, facts.sample_table, target_facts, task, others)
        numbers = [c for c in facts.columns if kinds[c.name].name == "numeric"
                   and c.group == "number" and c.non_null]  # fmt: skip
        correlations = correlation_matrix(con, facts.sample_table, numbers) if facts.rows else None
        overview = _overview(source, facts.rows, len(facts.columns), facts.duplicate_rows,
                             target, task, goal)  # fmt: skip
        document = profile_document(facts, kinds, overview, associations, correlations, target,
                                    task)  # fmt: skip
        out_dir.mkdir(parents=True, exist_ok=True)
        charts = _charts(con, facts.sample_table, document, out_dir)
    return facts, kinds, document, charts


def _check_out_dir(out_dir: Path, force: bool) -> None:
    if out_dir.is_symlink():
        raise OutputError(
            f"{out_dir} is a symbolic link; ml-engineer does not write through links. Pass a "
            "real folder with --out.",
            path=str(out_dir),
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} exists and is not a folder; pass another --out.",
                          path=str(out_dir))  # fmt: skip
    there = existing_profile_files(out_dir) if out_dir.is_dir() else []
    if there and not force:
        raise OutputError(
            f"{out_dir} already holds {', '.join(there)}; ml-engineer profile does not replace "
            "an existing profile silently. Pass --force to replace it, or another --out.",
            path=str(out_dir / there[0]),
        )


def _unknown_target(target: str, names: list[str], source: ProfileSource) -> str:
    folded = {n.casefold(): n for n in names}
    close = folded.get(target.casefold())
    hint = f" Did you mean {close!r}?" if close else ""
    shown = ", ".join(repr(n) for n in names[:20]) + (" ..." if len(names) > 20 else "")
    return (f"--target {target!r} is not a column of {source.path}.{hint} Its columns are: "
            f"{shown}. Pass one of them with --target.")  # fmt: skip


def _overview(source, rows, columns, duplicates, target, task, goal) -> dict:
    overview = {
        "file": str(source.path.resolve()),
        "file_name": source.path.name,
        "format": source.format,
        "row_count": rows,
        "column_count": columns,
        "file_size_bytes": source.size_bytes,
        "modified_at": modified_at(source.path),
        "duplicate_rows": duplicates,
        "profiled_by": f"ml-engineer {__version__} profile (DuckDB)",
    }
    if len(source.files) > 1:
        overview["parts"] = [f.name for f in source.files]
    if source.format == "csv":
        overview["sep"], overview["encoding"] = source.sep, source.encoding
    if target is not None:
        overview["target"], overview["task"] = target, task
    if goal:
        overview["goal"] = " ".join(goal.split())
    return overview


def modified_at(path: Path) -> str:
    """When the data was last changed: with its size, what says a profile is still of it."""
    stamp = Path(path).resolve().stat().st_mtime
    return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(timespec="microseconds")


def _storage(col: ColumnFacts, kind: Kind) -> str:
    if col.group == "number":
        return "integer" if col.integers else "float"
    return {"boolean": "boolean", "time": col.engine_type.lower(), "text": "text"}.get(
        col.group, col.engine_type.lower()
    )


def _charts(con, table: str, document: dict, out_dir: Path) -> list:
    from ml_engineer.profiler.charts import write_charts

    return write_charts(con, table, document, out_dir)
