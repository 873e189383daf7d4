"""The facts of every column, measured by the engine in as few passes as it can.

One aggregate query reads every column once for its counts and statistics. Up to EXACT_ROWS rows
the distinct counts and quartiles are exact; above, distinct counts come from HyperLogLog
sketches (a few percent off, in bounded memory), and quartiles, like the correlations and the
pictures, come from a systematic sample of a million rows; the profile says which facts are
approximate. Top values are one GROUP BY per
column that needs them; sample values are the five values with the smallest hash, so the same
data always gives the same samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ml_engineer.inputs.data.kind_rules import SAMPLE_VALUES, TOP_VALUES
from ml_engineer.profiler.engine import TABLE, quote

EXACT_ROWS = 1_000_000  # above this many rows, distinct counts and quartiles are approximate
SAMPLE_ROWS = 1_000_000  # above EXACT_ROWS, what describes shape is measured on this many rows
SAMPLE = '"sampled"'  # ...kept in this table: every k-th row of TABLE
PROBE_ROWS = 100_000  # text columns are tried as numbers and dates on this many rows
NEAR_UNIQUE = 0.95  # an estimated distinct count this close to the rows is counted exactly
TOP_VALUES_MAX_DISTINCT_NUMBERS = 20  # a number column this coded gets its counts listed
# Dates written other than ISO 8601 (which a cast reads): the usual spreadsheet spellings.
DATE_FORMATS = (
    "%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y%m%d", "%d-%b-%Y", "%b %d, %Y", "%d %b %Y",
)  # fmt: skip

_NUMBER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE",
                 "DECIMAL", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")  # fmt: skip
_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                  "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")  # fmt: skip


def type_group(engine_type: str) -> str:
    """number, boolean, time, text or other (lists, structs, blobs: nothing to model on)."""
    base = engine_type.split("(")[0].strip().upper()
    if base in _NUMBER_TYPES:
        return "number"
    if base == "BOOLEAN":
        return "boolean"
    if base.startswith(("DATE", "TIMESTAMP", "TIME")):
        return "time"
    if base == "VARCHAR":
        return "text"
    return "other"


@dataclass
class ColumnFacts:
    """What the engine measured of one column; None where a fact does not apply."""

    name: str
    engine_type: str
    group: str
    non_null: int = 0
    distinct: int = 0
    min: Any = None
    max: Any = None
    mean: float | None = None
    std: float | None = None
    skew: float | None = None
    quartiles: tuple[float | None, float | None, float | None] | None = None
    length_min: int | None = None
    length_mean: float | None = None
    length_max: int | None = None
    number_share: float | None = None  # text: the share of values that read as numbers
    date_share: float | None = None  # text: the share of values that read as dates
    integers: bool = False
    distinct_exact: bool = False  # counted exactly where the rest are estimated
    top_values: list[tuple[Any, int]] = field(default_factory=list)
    sample_values: list[Any] = field(default_factory=list)


@dataclass
class TableFacts:
    rows: int
    duplicate_rows: int
    approximate: bool  # distinct counts from sketches, and the shape from SAMPLE
    columns: list[ColumnFacts]
    sample_table: str = TABLE  # where shape is measured: TABLE itself, or SAMPLE
    sample_step: int = 1  # SAMPLE holds every sample_step-th row


def measure_table(con) -> TableFacts:
    described = con.execute(f"DESCRIBE {TABLE}").fetchall()
    columns = [ColumnFacts(name=str(row[0]), engine_type=str(row[1]),
                           group=type_group(str(row[1]))) for row in described]  # fmt: skip
    rows = int(con.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0])
    approximate = rows > EXACT_ROWS
    facts = TableFacts(rows=rows, duplicate_rows=0, approximate=approximate, columns=columns)
    if not columns or not rows:
        return facts
    if approximate:
        # Counts, missing values, min, max, mean, spread and top values are of every row; the
        # shape (quartiles, correlations, the pictures) of a systematic sample: every k-th
        # row, so the same file always gives the same sample, drawn in one scan.
        facts.sample_step = math.ceil(rows / SAMPLE_ROWS)
        facts.sample_table = SAMPLE
        con.execute(
            f"CREATE TEMP TABLE {SAMPLE} AS SELECT * FROM {TABLE} "
            f"WHERE rowid % {facts.sample_step} = 0"
        )
    _aggregate(con, columns, approximate)
    if approximate:
        _exact_near_unique(con, columns)
        _sample_quartiles(con, [c for c in columns if c.group == "number"])
    _probe_text(con, columns, facts.sample_table)
    for col in columns:
        _top_and_samples(con, col, facts.sample_table)
    facts.duplicate_rows = _duplicates(con, columns, rows, approximate)
    return facts


def _aggregate(con, columns: list[ColumnFacts], approximate: bool) -> None:
    """Every column's counts and statistics in one pass over the table."""
    expressions: list[str] = []
    slots: list[tuple[ColumnFacts, str]] = []

    def add(col: ColumnFacts, fact: str, sql: str) -> None:
        expressions.append(sql)
        slots.append((col, fact))

    for col in columns:
        q = quote(col.name)
        add(col, "non_null", f"count({q})")
        if col.group == "other":
            add(col, "distinct", f"approx_count_distinct(CAST({q} AS VARCHAR))")
            continue
        add(col, "distinct", f"approx_count_distinct({q})" if approximate
            else f"count(DISTINCT {q})")  # fmt: skip
        if col.group in ("number", "time"):
            add(col, "min", f"min({q})")
            add(col, "max", f"max({q})")
        if col.group == "number":
            x = f"CAST({q} AS DOUBLE)"
            finite = f"CASE WHEN isfinite({x}) THEN {x} END"  # inf would poison mean and std
            add(col, "mean", f"avg({finite})")
            add(col, "std", f"stddev_samp({finite})")
            add(col, "skew", f"skewness({finite})")
            if not approximate:  # else from a sample: _sample_quartiles
                add(col, "quartiles", f"quantile_cont({finite}, [0.25, 0.5, 0.75])")
            if col.engine_type.split("(")[0].upper() not in _INTEGER_TYPES:
                add(col, "integers", f"bool_and({x} = round({x}))")
        if col.group == "text":
            add(col, "length_min", f"min(length({q}))")
            add(col, "length_mean", f"avg(length({q}))")
            add(col, "length_max", f"max(length({q}))")
    values = con.execute(f"SELECT {', '.join(expressions)} FROM {TABLE}").fetchone()
    for (col, fact), value in zip(slots, values, strict=True):
        setattr(col, fact, _clean(fact, value))
    for col in columns:
        if col.group == "number" and col.engine_type.split("(")[0].upper() in _INTEGER_TYPES:
            col.integers = True


def _exact_near_unique(con, columns: list[ColumnFacts]) -> None:
    """Exact distinct counts where an estimate cannot tell an identifier (every value once)
    from a column that repeats a few values: numbers and text estimated as nearly unique."""
    for col in columns:
        near = col.non_null and col.distinct >= NEAR_UNIQUE * col.non_null
        if near and col.group in ("number", "text"):
            q = quote(col.name)
            col.distinct = int(
                con.execute(f"SELECT count(DISTINCT {q}) FROM {TABLE}").fetchone()[0]
            )
            col.distinct_exact = True


def _sample_quartiles(con, numbers: list[ColumnFacts]) -> None:
    """Quartiles of a big table from its sample: exact on the sample, within a fraction of a
    percentile of the whole, and faster than a t-digest sketch of every row."""
    if not numbers:
        return
    parts = []
    for col in numbers:
        x = f"CAST({quote(col.name)} AS DOUBLE)"
        parts.append(f"quantile_cont(CASE WHEN isfinite({x}) THEN {x} END, [0.25, 0.5, 0.75])")
    values = con.execute(f"SELECT {', '.join(parts)} FROM {SAMPLE}").fetchone()
    for col, value in zip(numbers, values, strict=True):
        col.quartiles = _clean("quartiles", value)


def _clean(fact: str, value: Any) -> Any:
    """An aggregate's value as the fact holds it: counts as ints, statistics finite or None."""
    if fact in ("non_null", "distinct"):
        return int(value or 0)
    if fact == "integers":
        return bool(value)
    if fact == "quartiles":
        return tuple(_finite(v) for v in value) if value else None
    if fact in ("mean", "std", "skew", "length_mean"):
        return _finite(value)
    return value


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _probe_text(con, columns: list[ColumnFacts], source: str) -> None:
    """The share of each text column's values that read as numbers and as dates (on the sample
    of a big table): enough to tell a number column with junk markers, or dates kept as text."""
    texts = [c for c in columns if c.group == "text" and c.non_null]
    if not texts:
        return
    rows = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
    if rows > PROBE_ROWS:  # parsing dates in a dozen formats is the costly part: fewer rows
        source = f"(SELECT * FROM {source} WHERE rowid % {math.ceil(rows / PROBE_ROWS)} = 0)"
    formats = _formats()
    expressions = []
    for col in texts:
        q = quote(col.name)
        trimmed = f"nullif(trim({q}), '')"
        expressions += [
            f"count({q})",
            f"count(TRY_CAST({trimmed} AS DOUBLE))",
            # A date has a digit: month and weekday names alone stay categories.
            f"count(CASE WHEN regexp_matches({q}, '\\d') THEN coalesce(TRY_CAST({trimmed} AS "
            f"TIMESTAMP), try_strptime({trimmed}, {formats})) END)",
        ]
    values = con.execute(f"SELECT {', '.join(expressions)} FROM {source}").fetchone()
    for index, col in enumerate(texts):
        seen, numbers, dates = values[3 * index : 3 * index + 3]
        if seen:
            col.number_share, col.date_share = numbers / seen, dates / seen


def text_number_stats(con, col: ColumnFacts, table: str) -> None:
    """The statistics of a text column that holds numbers (and a few junk markers, read as
    missing, as the script reads them): quartiles from `table` (the sample of a big table)."""
    x = f"TRY_CAST(nullif(trim({quote(col.name)}), '') AS DOUBLE)"
    finite = f"CASE WHEN isfinite({x}) THEN {x} END"
    (col.min, col.max, col.mean, col.std, col.skew, col.integers) = con.execute(
        f"SELECT min({finite}), max({finite}), avg({finite}), stddev_samp({finite}), "
        f"skewness({finite}), coalesce(bool_and({finite} = round({finite})), false) FROM {TABLE}"
    ).fetchone()
    quartiles = f"SELECT quantile_cont({finite}, [0.25, 0.5, 0.75]) FROM {table}"
    col.quartiles = _clean("quartiles", con.execute(quartiles).fetchone()[0])
    col.mean, col.std, col.skew = (_finite(v) for v in (col.mean, col.std, col.skew))


def text_date_range(con, col: ColumnFacts) -> None:
    """The first and last time of a text column that reads as dates (its min and max)."""
    q = quote(col.name)
    trimmed = f"nullif(trim({q}), '')"
    parsed = f"coalesce(TRY_CAST({trimmed} AS TIMESTAMP), try_strptime({trimmed}, {_formats()}))"
    col.min, col.max = con.execute(f"SELECT min({parsed}), max({parsed}) FROM {TABLE}").fetchone()


def _formats() -> str:
    return "[" + ", ".join("'" + f + "'" for f in DATE_FORMATS) + "]"


def _top_and_samples(con, col: ColumnFacts, sample_table: str) -> None:
    if not col.non_null or col.group == "other":
        return
    q = quote(col.name)
    wants_top = col.group in ("text", "boolean") or (
        col.group == "number" and col.distinct <= TOP_VALUES_MAX_DISTINCT_NUMBERS
    )
    # An identifier (every value once) has no frequent values worth a GROUP BY of every row.
    if wants_top and col.distinct < col.non_null:
        col.top_values = [
            (value, int(count))
            for value, count in con.execute(
                f"SELECT {q}, count(*) AS n FROM {TABLE} WHERE {q} IS NOT NULL "
                f"GROUP BY {q} ORDER BY n DESC, {q} LIMIT {TOP_VALUES}"
            ).fetchall()
        ]
    pick = "SELECT {q} FROM {table} WHERE {q} IS NOT NULL ORDER BY hash({q}), {q} LIMIT 100"
    picked = con.execute(pick.format(q=q, table=sample_table)).fetchall()
    if not picked and sample_table != TABLE:  # a sparse column the sample missed
        picked = con.execute(pick.format(q=q, table=TABLE)).fetchall()
    samples: list[Any] = []
    for (value,) in picked:
        if value not in samples:
            samples.append(value)
        if len(samples) == SAMPLE_VALUES:
            break
    col.sample_values = samples


def _duplicates(con, columns: list[ColumnFacts], rows: int, approximate: bool) -> int:
    """Rows that repeat an earlier row exactly. Above EXACT_ROWS the rows are compared by a
    64-bit hash of the whole row (two different rows collide with odds near 1 in 10^11 at
    10 million rows), which needs a fraction of the memory of comparing the rows themselves."""
    if not rows:
        return 0
    if any(c.distinct == rows and (c.distinct_exact or not approximate) for c in columns):
        return 0  # a column with a different value in every row: no row can repeat another
    if approximate:
        row_hash = "hash(" + ", ".join(quote(c.name) for c in columns) + ")"
        query = f"SELECT count(DISTINCT {row_hash}) FROM {TABLE}"
    else:
        query = f"SELECT count(*) FROM (SELECT DISTINCT * FROM {TABLE})"
    return rows - int(con.execute(query).fetchone()[0])
