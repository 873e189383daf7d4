"""The embedded engine: DuckDB, with the table loaded once, in memory up to a limit.

Why DuckDB (benchmarks/profile_speed.py measures it): it reads CSV and Parquet in parallel, keeps
to a memory limit by spilling to disk, so a file larger than memory is profiled without loading it
whole, and its aggregates give every column's facts in one pass. Polars' `describe` on the
benchmark's 1.3 GB CSV took 3.2 GB of memory and counts no distinct values.

The table is copied once into the engine: every later query (the column facts, top values,
correlations, pictures) then reads columns instead of parsing the text again. The copy is held
in memory up to the limit and spilled to a temporary folder beyond it (on the benchmark's file
this is 5 s faster than a database file on disk, and a file several times the limit still loads).
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ml_engineer.errors import DataError, SettingsError
from ml_engineer.inputs.dataset_location import file_encoding
from ml_engineer.profiler.source import ProfileSource

TABLE = '"profiled"'
DEFAULT_MEMORY_LIMIT_MB = 1024  # the engine's own buffers, so the whole process stays < 2 GB
MIN_MEMORY_LIMIT_MB = 96  # below this DuckDB cannot hold a CSV reader's buffers
# What pandas (and so the generated script) reads as missing: the profile counts the same.
PANDAS_NA = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
_DUCKDB_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "latin-1": "latin-1"}
_CHUNK = 1 << 20


@contextlib.contextmanager
def open_engine(memory_limit_mb: int | None = None, threads: int | None = None) -> Iterator:
    """A DuckDB connection to a new in-memory database whose spill folder is removed after."""
    import duckdb

    limit = memory_limit_mb or DEFAULT_MEMORY_LIMIT_MB
    if limit < MIN_MEMORY_LIMIT_MB:
        raise SettingsError(
            f"--memory-limit {limit} MB is too small for the profiler's engine; give it at "
            f"least {MIN_MEMORY_LIMIT_MB} MB (e.g. --memory-limit 256MB).",
            field="--memory-limit",
        )
    folder = Path(tempfile.mkdtemp(prefix="ml-engineer-profile-"))
    try:
        con = duckdb.connect(
            ":memory:",
            config={
                "memory_limit": f"{limit}MB",
                "threads": threads or os.cpu_count() or 1,
                "temp_directory": str(folder / "spill"),
                # Row order is not needed to profile; keeping it costs memory on big loads.
                "preserve_insertion_order": False,
                # No extension is ever downloaded: the profiler works offline.
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
            },
        )
        # Our own progress lines say what runs; DuckDB's bar would garble a pipe.
        con.execute("SET enable_progress_bar = false")
        try:
            yield con
        finally:
            con.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def load_table(con, source: ProfileSource) -> ProfileSource:
    """Copy the source into TABLE, or raise a DataError naming the file and the problem. The
    source is returned with the text encoding it was read in, when that was not UTF-8."""
    import duckdb

    try:
        try:
            return _load(con, source)
        except duckdb.InvalidInputException as exc:
            if "unicode" not in str(exc).lower() or source.encoding not in ("utf-8", "utf-8-sig"):
                raise
            # Not UTF-8 after all (assumed, to spare a whole-file read): find what it is and
            # read again.
            con.execute(f"DROP TABLE IF EXISTS {TABLE}")
            source = source.model_copy(update={"encoding": file_encoding(source.files[0])})
            return _load(con, source)
    except duckdb.OutOfMemoryException:
        raise  # the caller says so for every step alike (out_of_memory)
    except duckdb.Error as exc:
        raise _unreadable(source, exc) from exc


def _unreadable(source: ProfileSource, exc: BaseException) -> DataError:
    return DataError(
        f"cannot read {source.path} as {source.format.upper()}: {_first_line(exc)}. Check that "
        "the file is complete and every row has the header's number of fields.",
        path=str(source.path),
    )


def _load(con, source: ProfileSource) -> ProfileSource:
    import duckdb

    files = [str(f) for f in source.files]
    if source.format == "parquet":
        con.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM read_parquet(?)", [files])
    else:
        files, encoding = _readable_text(con, source, files)
        try:
            _load_csv(con, files, source.sep, encoding, sample_all=False)
        except duckdb.ConversionException:
            # The type guessed from the first rows does not hold further down (a number
            # column with "n/a" on row 900,000): guess again from every row.
            con.execute(f"DROP TABLE IF EXISTS {TABLE}")
            _load_csv(con, files, source.sep, encoding, sample_all=True)
    _name_as_pandas(con, source.columns)
    return source


def _name_as_pandas(con, names: tuple[str, ...]) -> None:
    """The table's columns renamed to the names pandas reads (` b `, `Unnamed: 0`), so the
    profile names the columns the script will find."""
    engine_names = [str(row[0]) for row in con.execute(f"DESCRIBE {TABLE}").fetchall()]
    if len(engine_names) != len(names):
        return  # a header the engine split otherwise; its names are the best there are
    for old, new in zip(engine_names, names, strict=True):
        if old != new:
            con.execute(f"ALTER TABLE {TABLE} RENAME COLUMN {quote(old)} TO {quote(new)}")


def quote(name: str) -> str:
    """A column name as an SQL identifier: names are untrusted text, never spliced raw."""
    return '"' + name.replace('"', '""') + '"'


def out_of_memory(path: Path, exc: BaseException) -> SettingsError:
    return SettingsError(
        f"profiling {path} needed more memory than --memory-limit allows "
        f"({_first_line(exc)}). Pass a higher --memory-limit (the default is "
        f"{DEFAULT_MEMORY_LIMIT_MB} MB), or fewer --threads: each thread needs its own buffers.",
        field="--memory-limit",
    )


def _load_csv(con, files: list[str], sep: str, encoding: str, *, sample_all: bool) -> None:
    options = (
        "header = true, delim = ?, encoding = ?, nullstr = ?, normalize_names = false, "
        # No BOOLEAN: DuckDB reads yes/no and y/n as booleans, pandas (and so the script)
        # keeps them as text; true/false columns are told apart as booleans afterwards.
        "auto_type_candidates = ['BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP', 'VARCHAR']"
    )
    if sample_all:
        options += ", sample_size = -1"
    con.execute(
        f"CREATE TABLE {TABLE} AS SELECT * FROM read_csv(?, {options})",
        [files, sep, encoding, list(PANDAS_NA)],
    )


def _readable_text(con, source: ProfileSource, files: list[str]) -> tuple[list[str], str]:
    """Files DuckDB can read as they are, or UTF-8 copies in the engine's temporary folder
    (DuckDB reads UTF-8 and latin-1 itself; cp1252, UTF-16 and UTF-32 exports are re-encoded
    once, streaming, rather than guessed at)."""
    native = _DUCKDB_ENCODINGS.get(source.encoding.lower())
    if native:
        return files, native
    folder = Path(con.execute("SELECT current_setting('temp_directory')").fetchone()[0]).parent
    copies = []
    for index, name in enumerate(files):
        copy = folder / f"utf8-{index}.csv"
        opener = gzip.open if name.lower().endswith(".gz") else open
        decoder = codecs.getincrementaldecoder(source.encoding)(errors="replace")
        with opener(name, "rb") as raw, open(copy, "w", encoding="utf-8", newline="") as out:
            while chunk := raw.read(_CHUNK):
                out.write(decoder.decode(chunk))
            out.write(decoder.decode(b"", final=True))
        copies.append(str(copy))
    return copies, "utf-8"


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]
