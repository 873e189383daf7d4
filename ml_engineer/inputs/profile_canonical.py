"""Read the "canonical" profile.json an LLM analyst writes, in its many spellings.

The upstream description is loose (see contracts.md, "What arrives"), so this reader accepts
every spelling we have seen of each fact and lists everything else in `unread_fields`. Missing
values are the subtle part: percents, fractions and counts all occur, sometimes under a key that
does not say which, so the missing record of every column is collected first and resolved once
the row count and the whole file are known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ml_engineer.inputs.profile_common import (
    MissingFacts,
    Unread,
    attach,
    build_profile,
    column_name,
    columns_named_in,
    consistent_value,
    duplicate_keys,
    duplicate_names_error,
    flags_for_issue,
    is_absent,
    looks_like_path,
    map_kind,
    no_columns_error,
    normalise_flags,
    note_flags,
    parse_count,
    parse_count_and_percent,
    parse_float,
    parse_samples,
    parse_top_values,
    quote_name,
    resolve_missing,
    short,
    split_column_refs,
    value_text,
)
from ml_engineer.models.profile import ColumnKind, ColumnProfile, DataProfile, NumericStats

# --- Where things live at the top level ------------------------------------------------------

COLUMN_CONTAINERS = (
    "columns",
    "fields",
    "variables",
    "features",
    "column_profiles",
    "column_stats",
    "columns_profile",
    "attributes",
    "column_summaries",
)
# Some analysts wrap the whole profile one level down.
WRAPPERS = ("profile", "data_profile", "report", "result", "schema")
OVERVIEW_KEYS = (
    "overview",
    "summary",
    "dataset",
    "meta",
    "metadata",
    "dataset_info",
    "table_info",
    "info",
    "dataset_summary",
    "table",
)
FLAG_LIST_KEYS = (
    "quality_flags",
    "quality_issues",
    "flags",
    "warnings",
    "alerts",
    "issues",
    "data_quality",
    "quality",
    "problems",
    "data_quality_issues",
)
NOTE_KEYS = ("note", "notes", "comment", "comments", "remarks", "caveats")
# Descriptive keys we understand and do not need.
TOP_IGNORED = frozenset(
    {
        "name",
        "title",
        "description",
        "version",
        "schema_version",
        "generated_at",
        "generated_by",
        "created_at",
        "created",
        "profiled_at",
        "profiler",
        "tool",
        "author",
        "$schema",
        "format",
        "format_version",
        "timestamp",
        "date",
        "analyst",
        "dataset",
    }
)

# --- Overview keys ----------------------------------------------------------------------------

ROW_KEYS = (
    "row_count",
    "rows",
    "n_rows",
    "n",
    "num_rows",
    "nrows",
    "n_records",
    "record_count",
    "records",
    "total_rows",
    "n_obs",
    "observations",
    "num_records",
    "length",
)
COLUMN_COUNT_KEYS = (
    "column_count",
    "columns",
    "n_columns",
    "n_cols",
    "num_columns",
    "ncols",
    "n_var",
    "n_vars",
    "fields",
    "num_fields",
    "field_count",
    "variables",
    "n_variables",
)
PATH_KEYS = (
    "source_path",
    "path",
    "file",
    "source",
    "dataset_path",
    "file_path",
    "filename",
    "data_path",
    "source_file",
    "location",
    "csv",
    "data_file",
    "input_path",
    "uri",
    "url",
)
OVERVIEW_IGNORED = frozenset(
    {
        "dataset",
        "name",
        "title",
        "description",
        "file_size_bytes",
        "file_size",
        "size_bytes",
        "approx_size_mb",
        "size_mb",
        "file_size_mb",
        "memory",
        "memory_usage",
        "memory_mb",
        "memory_size",
        "source_available_to_analyst",
        "encoding",
        "delimiter",
        "separator",
        "format",
        "file_format",
        "generated_at",
        "created_at",
        "profiled_at",
        "date",
        "profiler",
        "tool",
        "version",
        "target",
        "goal",
        "sheet",
        "hash",
        "sha256",
        "md5",
        "dataset_name",
        "table_name",
        "types",
        "type_counts",
        "dtypes",
        "record_size",
        "missing_cells",
        "n_cells_missing",
        "p_cells_missing",
        "missing_cells_pct",
        "total_missing",
        "missing_total",
        "sample_size",
        "sampled_rows",
        "duplicate_rows",
        "n_duplicates",
        "duplicates",
        "duplicate_rows_pct",
        "p_duplicates",
    }
)
# Keys that hold a path only sometimes; elsewhere a description of where the data came from.
DESCRIPTIVE_PATH_KEYS = frozenset({"source", "location"})
DUPLICATE_ROW_KEYS = ("duplicate_rows", "n_duplicates", "duplicates")
SAMPLE_SIZE_KEYS = ("sample_size", "sampled_rows")

# --- Column keys ------------------------------------------------------------------------------

NAME_KEYS = (
    "name",
    "column",
    "col",
    "field",
    "column_name",
    "variable",
    "feature",
    "field_name",
    "colname",
)
# Most specific first: a semantic type says more than a storage dtype.
TYPE_KEYS = (
    "semantic_type",
    "inferred_type",
    "kind",
    "type",
    "logical_type",
    "data_type",
    "dtype",
    "pandas_dtype",
    "physical_type",
    "storage_type",
)
MISSING_COUNT_KEYS = (
    "missing_count",
    "n_missing",
    "null_count",
    "num_missing",
    "na_count",
    "n_null",
    "n_nulls",
    "missing_n",
    "count_missing",
    "nan_count",
    "n_na",
    "missing_values",
    "null_values",
)
MISSING_MIXED_KEYS = ("missing", "nulls", "null", "na", "nan")  # a count, a dict or "12 (3%)"
MISSING_PCT_KEYS = (
    "missing_pct",
    "null_pct",
    "missing_percent",
    "missing_percentage",
    "pct_missing",
    "percent_missing",
    "null_percent",
    "null_percentage",
    "na_pct",
    "nan_pct",
    "missing_pct_of_rows",
    "pct_null",
    "percent_null",
)
MISSING_FRACTION_KEYS = (
    "missing_fraction",
    "p_missing",
    "null_ratio",
    "missing_ratio",
    "null_fraction",
    "na_fraction",
    "fraction_missing",
    "frac_missing",
    "missing_frac",
    "missing_proportion",
    "null_proportion",
    "p_null",
    "p_na",
)
# Keys that do not say whether they hold a fraction or a percent.
MISSING_AMBIGUOUS_KEYS = (
    "missing_rate",
    "null_rate",
    "na_rate",
    "missing_share",
    "null_share",
    "missingness",
)
NON_NULL_KEYS = (
    "count",
    "non_null_count",
    "non_null",
    "n_non_null",
    "non_missing",
    "valid_count",
    "n_valid",
    "not_null_count",
    "present",
    "non_missing_count",
)
TOTAL_KEYS = ("n", "rows", "n_rows", "row_count", "total", "total_count")
UNIQUE_KEYS = (
    "unique_count",
    "nunique",
    "n_unique",
    "distinct_count",
    "cardinality",
    "n_distinct",
    "distinct",
    "unique",
    "num_unique",
    "n_distinct_values",
    "n_levels",
    "num_distinct",
    "distinct_values",
    "unique_values",
)
STATS_CONTAINERS = (
    "stats",
    "distribution",
    "numeric_stats",
    "summary",
    "statistics",
    "describe",
    "numeric_summary",
    "summary_stats",
    "numeric",
)
STAT_KEYS = {
    "min": "min",
    "minimum": "min",
    "max": "max",
    "maximum": "max",
    "mean": "mean",
    "avg": "mean",
    "average": "mean",
    "std": "std",
    "sd": "std",
    "stdev": "std",
    "std_dev": "std",
    "stddev": "std",
    "standard_deviation": "std",
    "q25": "q25",
    "p25": "q25",
    "25%": "q25",
    "q1": "q25",
    "percentile_25": "q25",
    "first_quartile": "q25",
    "25th_percentile": "q25",
    "median": "q50",
    "q50": "q50",
    "p50": "q50",
    "50%": "q50",
    "q2": "q50",
    "percentile_50": "q50",
    "50th_percentile": "q50",
    "q75": "q75",
    "p75": "q75",
    "75%": "q75",
    "q3": "q75",
    "percentile_75": "q75",
    "third_quartile": "q75",
    "75th_percentile": "q75",
    "skew": "skew",
    "skewness": "skew",
}
STAT_IGNORED = frozenset(
    {
        "variance",
        "var",
        "sum",
        "range",
        "iqr",
        "kurtosis",
        "kurt",
        "mad",
        "cv",
        "mode",
        "n_zeros",
        "zeros",
        "p_zeros",
        "zero_count",
        "n_negative",
        "negatives",
        "p_negative",
        "n_infinite",
        "p_infinite",
        "monotonic",
        "sem",
        "5%",
        "95%",
        "1%",
        "99%",
        "10%",
        "90%",
        "p1",
        "p5",
        "p10",
        "p90",
        "p95",
        "p99",
        "q05",
        "q95",
        "q01",
        "q99",
        "q10",
        "q90",
    }
)
TOP_KEYS = (
    "top_values",
    "top_categories",
    "value_counts",
    "most_frequent",
    "frequent_values",
    "top_n",
    "top_k",
    "most_common",
    "top",
    "categories",
    "levels",
    "value_distribution",
    "frequencies",
    "counts",
)
SAMPLE_KEYS = (
    "sample_values",
    "first_values",
    "samples",
    "examples",
    "sample",
    "example_values",
    "example",
    "first_rows",
    "head",
    "values_sample",
    "sample_data",
    "values",
)
MAX_LENGTH_KEYS = ("max_length", "max_len", "longest")
MEAN_LENGTH_KEYS = ("mean_length", "avg_length", "mean_len", "average_length")
COLUMN_FLAG_KEYS = (
    "flags",
    "quality_flags",
    "issues",
    "warnings",
    "alerts",
    "quality_issues",
    "quality",
    "problems",
)
COLUMN_NOTE_KEYS = (
    "note",
    "notes",
    "comment",
    "comments",
    "remarks",
    "description",
    "meaning",
    "unit",
    "units",
    "role",
    "semantic_role",
    "usage",
)
BOOLEAN_FLAG_KEYS = {
    "is_unique": "unique",
    "is_id": "likely_id",
    "likely_id": "likely_id",
    "is_identifier": "likely_id",
    "is_key": "likely_id",
    "is_primary_key": "likely_id",
    "is_constant": "constant",
    "constant": "constant",
    "is_weight": "weight",
    "leakage": "leakage",
    "possible_leakage": "leakage",
    "is_leakage": "leakage",
    "high_missing": "high_missing",
    "high_cardinality": "high_cardinality",
    "is_skewed": "skewed",
    "skewed": "skewed",
    "is_imbalanced": "imbalanced",
}
COLUMN_IGNORED = frozenset(
    {
        "position",
        "index",
        "order",
        "ordinal_position",
        "memory",
        "memory_usage",
        "memory_bytes",
        "bytes",
        "nullable",
        "format",
        "min_length",
        "median_length",
        "min_len",
        "unique_pct",
        "p_unique",
        "p_distinct",
        "distinct_pct",
        "unique_ratio",
        "pct_unique",
        "unique_percent",
        "uniqueness",
        "distinct_percent",
        "freq",
        "is_numeric",
        "is_categorical",
        "hashable",
    }
)
# A column key we understand as a whole, whatever its sub-keys.
_MISSING_DICT_COUNT = ("count", "n", "n_missing", "missing_count", "total", "value", "num")
_MISSING_DICT_PCT = ("percent", "pct", "percentage", "percent_missing", "pct_missing")
_MISSING_DICT_FRACTION = ("fraction", "ratio", "p", "proportion", "frac", "p_missing")
_MISSING_DICT_AMBIGUOUS = ("rate", "share")


class _Context:
    """Per-file state: the unread list and the paths used to name fields in it."""

    def __init__(self, container: str, is_list: bool) -> None:
        self.unread = Unread()
        self.container = container
        self.generic = f"{container}[*]" if is_list else f"{container}.*"

    def unknown_key(self, key: str, sub: str = "") -> None:
        self.unread.add(f"{self.generic}{sub}.{key}")

    def bad_value(self, name: str, key: str, value: Any, why: str = "cannot read") -> None:
        self.unread.add(f"{self.container}[{quote_name(name)}].{key}: {why} {short(value)}")


def _find_columns(data: dict) -> tuple[dict, str] | None:
    """The (possibly unwrapped) profile and the key of its column container."""
    for key in COLUMN_CONTAINERS:
        if isinstance(data.get(key), list | dict) and data[key]:
            return data, key
    for wrapper in WRAPPERS:
        inner = data.get(wrapper)
        if isinstance(inner, dict) and any(
            isinstance(inner.get(k), list | dict) and inner[k] for k in COLUMN_CONTAINERS
        ):
            # {"profile": {...}}: read the inner object, keeping the outer keys beside it.
            merged = {k: v for k, v in data.items() if k != wrapper} | inner
            return _find_columns(merged)
    return None


def read_canonical(data: dict, profile_path: str) -> DataProfile:
    """Read a canonical (LLM-written) profile that has already been parsed from JSON."""
    found = _find_columns(data)
    if found is None:
        raise no_columns_error(profile_path, data.keys(), "profile")
    data, container = found
    raw_columns = data[container]
    ctx = _Context(container, isinstance(raw_columns, list))

    columns, missing = _read_columns(raw_columns, ctx, profile_path)
    overview = _read_overview(data, container, ctx)

    row_count = overview.rows
    if row_count is None:
        # Derived only when every column that can tell agrees (e.g. count + missing).
        row_count = consistent_value(
            m.total
            if m.total is not None
            else (m.non_null + m.count if m.non_null is not None and m.count is not None else None)
            for m in missing
        )
    resolve_missing(columns, missing, row_count, ctx.bad_value)

    known = {c.name: c for c in columns}
    notes: list[str] = list(overview.notes)
    for key in FLAG_LIST_KEYS:
        if key in data and key not in OVERVIEW_KEYS:
            _read_flag_list(data[key], key, known, notes, ctx)
    for key in NOTE_KEYS:
        if key in data:
            _read_notes(data[key], key, notes, ctx)

    understood = {container, *FLAG_LIST_KEYS, *NOTE_KEYS, *overview.keys}
    for key in data:
        if key not in understood and key not in TOP_IGNORED:
            ctx.unread.add(str(key))

    return build_profile(
        source_format="canonical",
        profile_path=profile_path,
        columns=columns,
        row_count=row_count,
        column_count=overview.columns,
        dataset_path=overview.path,
        quality_notes=notes,
        unread=ctx.unread,
        top_keys=data.keys(),
        column_count_field=overview.columns_field,
    )


# --- Columns ----------------------------------------------------------------------------------


def _read_columns(
    raw: Any, ctx: _Context, profile_path: str
) -> tuple[list[ColumnProfile], list[MissingFacts]]:
    if duplicate_keys(raw):
        # A dict repeated a column name; json.loads would have kept only the last entry.
        raise duplicate_names_error(duplicate_keys(raw), profile_path)
    entries: list[tuple[str, Any]] = []
    if isinstance(raw, dict):
        entries = [(str(k), v) for k, v in raw.items()]
    else:
        for i, item in enumerate(raw):
            if isinstance(item, dict):
                name = next((column_name(item[k]) for k in NAME_KEYS if k in item), None)
                if name is None:
                    ctx.unread.add(f"{ctx.container}[{i}]: entry without a column name")
                    continue
                entries.append((name, item))
            elif column_name(item) is not None:
                entries.append((column_name(item), {}))  # a bare list of names
            else:
                ctx.unread.add(f"{ctx.container}[{i}]: not a column entry: {short(item)}")
    columns: list[ColumnProfile] = []
    missing: list[MissingFacts] = []
    for name, entry in entries:
        if isinstance(entry, str):
            entry = {"type": entry}  # {"age": "numeric"}
        elif not isinstance(entry, dict):
            ctx.bad_value(name, "(entry)", entry, "not a column description:")
            entry = {}
        column, miss = _read_column(name, entry, ctx, is_dict=isinstance(raw, dict))
        columns.append(column)
        missing.append(miss)
    return columns, missing


def _read_column(
    name: str, entry: dict, ctx: _Context, *, is_dict: bool
) -> tuple[ColumnProfile, MissingFacts]:
    used: set[str] = set()
    if not is_dict:
        used.add(next(k for k in NAME_KEYS if k in entry))
    else:
        used.update(k for k in NAME_KEYS if k in entry)  # a repeated name inside is fine

    # Type: the most specific key present wins; the others are understood, not needed.
    source_type = None
    kind = ColumnKind.unknown
    type_key = next((k for k in TYPE_KEYS if isinstance(entry.get(k), str)), None)
    for key in TYPE_KEYS:
        if key in entry:
            used.add(key)
    if type_key is not None:
        source_type = entry[type_key]
        mapped = map_kind(source_type)
        if mapped is None:
            ctx.bad_value(name, type_key, source_type, "unrecognised type")
        else:
            kind = mapped

    miss = _read_missing(name, entry, ctx, used)
    unique_count, unique_flag, unique_samples = _read_unique(name, entry, ctx, used)
    stats = _read_stats(name, entry, kind, ctx, used)
    top_values, samples = _read_values(name, entry, ctx, used)
    samples = samples or unique_samples

    column = ColumnProfile(
        name=name,
        kind=kind,
        source_type=source_type,
        unique_count=unique_count,
        stats=stats,
        top_values=top_values,
        sample_values=samples,
        max_length=_first_number(name, entry, MAX_LENGTH_KEYS, ctx, used),
        mean_length=_first_number(name, entry, MEAN_LENGTH_KEYS, ctx, used),
    )
    if unique_flag:
        attach(column, None, ["unique"])
    _read_column_flags(column, entry, ctx, used)

    for key in entry:
        if key not in used and key not in COLUMN_IGNORED:
            ctx.unknown_key(str(key))
    return column, miss


def _read_missing(name: str, entry: dict, ctx: _Context, used: set[str]) -> MissingFacts:
    miss = MissingFacts()

    def count_of(key: str, value: Any) -> int | None:
        try:
            return parse_count(value)
        except ValueError:
            ctx.bad_value(name, key, value)
            return None

    def rate_of(key: str, value: Any) -> tuple[float | None, bool]:
        """(number, is_percent): a "3.4%" string says it is a percent, whatever the key."""
        try:
            if isinstance(value, str) and value.strip().endswith("%"):
                return parse_count_and_percent(value)[1], True
            return parse_float(value), False
        except ValueError:
            ctx.bad_value(name, key, value)
            return None, False

    for key in entry:
        value = entry[key]
        if key in MISSING_COUNT_KEYS:
            used.add(key)
            miss.count = miss.count if miss.count is not None else count_of(key, value)
        elif key in MISSING_MIXED_KEYS:
            used.add(key)
            if isinstance(value, dict):
                _read_missing_dict(name, key, value, miss, ctx)
            elif isinstance(value, float) and not is_absent(value) and value != int(value):
                miss.ambiguous, miss.ambiguous_key = value, key  # 0.034 or 3.4: decided later
            else:
                try:
                    count, pct = parse_count_and_percent(value)
                except ValueError:
                    number, _ = rate_of(key, value)  # "0.034" as text: decided later
                    if number is not None:
                        miss.ambiguous, miss.ambiguous_key = number, key
                    continue
                miss.count = miss.count if miss.count is not None else count
                if pct is not None and miss.percent is None:
                    miss.percent, miss.percent_key = pct, key
        elif (
            key in MISSING_PCT_KEYS
            or key in MISSING_FRACTION_KEYS
            or key in (MISSING_AMBIGUOUS_KEYS)
        ):
            used.add(key)
            number, is_percent = rate_of(key, value)
            if number is None:
                continue
            if is_percent or key in MISSING_PCT_KEYS:
                if miss.percent is None:
                    miss.percent, miss.percent_key = number, key
            elif key in MISSING_FRACTION_KEYS:
                if miss.fraction is None:
                    miss.fraction, miss.fraction_key = number, key
            elif miss.ambiguous is None:
                miss.ambiguous, miss.ambiguous_key = number, key
        elif key in NON_NULL_KEYS:
            used.add(key)
            miss.non_null = miss.non_null if miss.non_null is not None else count_of(key, value)
        elif key in TOTAL_KEYS:
            used.add(key)
            miss.total = miss.total if miss.total is not None else count_of(key, value)
    return miss


def _read_missing_dict(name: str, key: str, value: dict, miss: MissingFacts, ctx: _Context) -> None:
    """`"missing": {"count": 12, "percent": 3.4}` and its spellings."""
    for sub, raw in value.items():
        where = f"{key}.{sub}"
        try:
            if sub in _MISSING_DICT_COUNT:
                if miss.count is None:
                    miss.count = parse_count(raw)
            elif sub in _MISSING_DICT_PCT:
                pct = parse_count_and_percent(raw)[1] if isinstance(raw, str) else parse_float(raw)
                if miss.percent is None and pct is not None:
                    miss.percent, miss.percent_key = pct, where
            elif sub in _MISSING_DICT_FRACTION:
                if miss.fraction is None:
                    miss.fraction, miss.fraction_key = parse_float(raw), where
            elif sub in _MISSING_DICT_AMBIGUOUS:
                if miss.ambiguous is None:
                    miss.ambiguous, miss.ambiguous_key = parse_float(raw), where
            else:
                ctx.unknown_key(str(sub), f".{key}")
        except ValueError:
            ctx.bad_value(name, where, raw)


def _read_unique(
    name: str, entry: dict, ctx: _Context, used: set[str]
) -> tuple[int | None, bool, list[str]]:
    count: int | None = None
    flag = False
    samples: list[str] = []
    for key in UNIQUE_KEYS:
        if key not in entry:
            continue
        used.add(key)
        value = entry[key]
        if isinstance(value, bool):
            flag = flag or value  # "unique": true means every value is distinct
        elif isinstance(value, list):
            samples = samples or [value_text(v) for v in value[:10]]
        elif count is None:
            try:
                count = parse_count(value)
            except ValueError:
                ctx.bad_value(name, key, value)
    return count, flag, samples


def _read_stats(
    name: str, entry: dict, kind: ColumnKind, ctx: _Context, used: set[str]
) -> NumericStats | None:
    values: dict[str, float] = {}

    def take(key: str, raw: Any, where: str) -> None:
        stat = STAT_KEYS[key]
        try:
            number = parse_float(raw)
        except ValueError:
            # A date range or a most-frequent word is expected on non-numeric columns.
            if kind in (ColumnKind.numeric, ColumnKind.unknown):
                ctx.bad_value(name, where, raw)
            return
        if number is not None:
            values.setdefault(stat, number)

    for container in STATS_CONTAINERS:
        nested = entry.get(container)
        if not isinstance(nested, dict):
            continue
        used.add(container)
        for key, raw in nested.items():
            lowered = str(key).lower()
            if lowered in STAT_KEYS:
                take(lowered, raw, f"{container}.{key}")
            elif lowered in ("count", "n"):
                pass  # non-null count, read from the column level when present there
            elif lowered not in STAT_IGNORED:
                ctx.unknown_key(str(key), f".{container}")
    for key, raw in entry.items():
        lowered = str(key).lower()
        if lowered in STAT_KEYS:
            used.add(key)
            take(lowered, raw, key)
        elif lowered in STAT_IGNORED:
            used.add(key)
    return NumericStats(**values) if values else None


def _read_values(name: str, entry: dict, ctx: _Context, used: set[str]) -> tuple[list, list[str]]:
    top_values: list = []
    samples: list[str] = []
    for key in TOP_KEYS:
        if key not in entry:
            continue
        used.add(key)
        raw = entry[key]
        if key == "top" and not isinstance(raw, list | dict):
            # pandas describe(): top + freq
            freq = entry.get("freq")
            if not is_absent(raw) and freq is not None and not top_values:
                try:
                    parsed = parse_top_values([[raw, freq]])
                except ValueError:
                    parsed = None
                if parsed:
                    top_values = parsed[0]
            continue
        parsed = parse_top_values(raw)
        if parsed is None:
            ctx.bad_value(name, key, raw, "cannot read top values")
            continue
        tops, bare = parsed
        if tops and not top_values:
            top_values = tops
        if bare and not samples:
            samples = bare[:10]
    for key in SAMPLE_KEYS:
        if key not in entry:
            continue
        used.add(key)
        parsed_samples = parse_samples(entry[key])
        if parsed_samples is None:
            ctx.bad_value(name, key, entry[key], "cannot read sample values")
        elif not samples:
            samples = parsed_samples
    return top_values, samples


def _first_number(
    name: str, entry: dict, keys: tuple[str, ...], ctx: _Context, used: set[str]
) -> float | None:
    for key in keys:
        if key in entry:
            used.add(key)
            try:
                value = parse_float(entry[key])
            except ValueError:
                ctx.bad_value(name, key, entry[key])
                continue
            if value is not None:
                return value
    return None


def _read_column_flags(column: ColumnProfile, entry: dict, ctx: _Context, used: set) -> None:
    for key in COLUMN_FLAG_KEYS:
        if key not in entry:
            continue
        used.add(key)
        raw = entry[key]
        items = raw if isinstance(raw, list) else [raw]
        for item in items:
            if isinstance(item, str):
                attach(column, item, normalise_flags(item))
            elif isinstance(item, dict):
                word = next(
                    (
                        item[k]
                        for k in ("flag", "issue", "type", "kind", "name", "code")
                        if k in item
                    ),
                    None,
                )
                detail = next(
                    (
                        item[k]
                        for k in (
                            "detail",
                            "details",
                            "description",
                            "message",
                            "note",
                            "reason",
                            "text",
                        )
                        if k in item
                    ),
                    None,
                )
                text = ": ".join(value_text(v) for v in (word, detail) if v is not None)
                attach(column, text or value_text(item), flags_for_issue(word, detail))
            elif isinstance(item, bool) and not item:
                continue
            elif not is_absent(item):
                ctx.bad_value(column.name, key, item, "cannot read flag")
    for key, flag in BOOLEAN_FLAG_KEYS.items():
        if key in entry:
            used.add(key)
            if entry[key] is True:
                attach(column, None, [flag])
    for key in COLUMN_NOTE_KEYS:
        if key not in entry:
            continue
        used.add(key)
        raw = entry[key]
        for item in raw if isinstance(raw, list) else [raw]:
            if is_absent(item):
                continue
            text = value_text(item)
            if key in ("role", "semantic_role", "usage"):
                flags = [f for f in normalise_flags(text) if f in ("likely_id", "weight")]
                attach(column, f"{key}: {text}", flags)
            elif key in ("unit", "units", "description", "meaning"):
                attach(column, f"{key}: {text}", [])
            else:
                attach(column, text, note_flags(text))


# --- Overview, flags and notes ----------------------------------------------------------------


@dataclass
class _Overview:
    rows: int | None = None
    columns: int | None = None
    columns_field: str = "column_count"
    path: str | None = None
    notes: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)  # top-level keys this block understood


def _read_overview(data: dict, container: str, ctx: _Context) -> _Overview:
    """Row count, column count and dataset path, from an overview block or the top level."""
    ov = _Overview()
    for key in OVERVIEW_KEYS:
        value = data.get(key)
        if key == container:
            continue
        if isinstance(value, str) and key in ("summary", "overview"):
            ov.notes.append(value)  # a prose summary is a note, kept verbatim
            ov.keys.add(key)
        if not isinstance(value, dict):
            continue
        ov.keys.add(key)
        for sub, sub_value in value.items():
            where = f"{key}.{sub}"
            if _overview_fact(ov, str(sub).lower(), sub_value, where, ctx):
                continue
            if str(sub).lower() in NOTE_KEYS:
                _read_notes(sub_value, where, ov.notes, ctx)
            elif str(sub).lower() not in OVERVIEW_IGNORED:
                ctx.unread.add(where)
    # Flat facts at the top level count only where no overview block already gave them.
    for key, value in data.items():
        if key != container and key not in ov.keys:
            if _overview_fact(ov, str(key).lower(), value, str(key), ctx):
                ov.keys.add(key)
    return ov


def _overview_fact(ov: _Overview, key: str, value: Any, where: str, ctx: _Context) -> bool:
    """Record one overview fact; False if `key` is not an overview fact this reader knows."""
    if isinstance(value, list | dict) and key != "shape" and key not in PATH_KEYS:
        return False
    if key in ROW_KEYS:
        if ov.rows is None:
            ov.rows = _overview_count(value, where, ctx)
    elif key in COLUMN_COUNT_KEYS:
        if ov.columns is None:
            ov.columns, ov.columns_field = _overview_count(value, where, ctx), where
    elif key == "shape" and isinstance(value, list) and len(value) == 2:
        if ov.rows is None:
            ov.rows = _overview_count(value[0], where, ctx)
        if ov.columns is None:
            ov.columns, ov.columns_field = _overview_count(value[1], where, ctx), where
    elif key in PATH_KEYS:
        path = _path_of(value)
        if path is None:
            return False
        if key in DESCRIPTIVE_PATH_KEYS and not looks_like_path(path):
            return True  # "source": "Kaggle" names an origin, not a file
        ov.path = ov.path or path
    elif key in DUPLICATE_ROW_KEYS:
        try:
            n = parse_count(value)
        except ValueError:
            n = None
        if n:
            ov.notes.append(f"{n} duplicate rows ({where})")
    elif key in SAMPLE_SIZE_KEYS:
        if not is_absent(value):
            ov.notes.append(f"Profile computed on a sample: {where} = {value_text(value)}")
    else:
        return False
    return True


def _overview_count(value: Any, field: str, ctx: _Context) -> int | None:
    try:
        return parse_count(value, allow_suffix=True)
    except ValueError:
        ctx.unread.add(f"{field}: cannot read {short(value)}")
        return None


def _path_of(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict):
        for key in PATH_KEYS:
            if isinstance(value.get(key), str) and value[key].strip():
                return value[key].strip()
    return None


def _read_notes(raw: Any, key: str, notes: list[str], ctx: _Context) -> None:
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, str):
            notes.append(item)
        elif not is_absent(item):
            ctx.unread.add(f"{key}: cannot read note {short(item)}")


def _read_flag_list(
    raw: Any, key: str, known: dict[str, ColumnProfile], notes: list[str], ctx: _Context
) -> None:
    """Top-level quality flags: strings, {column, flag|issue, detail} objects, or a dict."""
    if isinstance(raw, dict):
        _read_flag_dict(raw, key, known, notes, ctx)
        return
    if not isinstance(raw, list):
        raw = [raw]
    for i, item in enumerate(raw):
        if isinstance(item, str):
            notes.append(item)
            names, message = columns_named_in(item, known)
            for name in names:
                attach(known[name], item, normalise_flags(message))
        elif isinstance(item, dict):
            _read_flag_object(item, f"{key}[{i}]", known, notes, ctx)
        elif not is_absent(item):
            ctx.unread.add(f"{key}[{i}]: cannot read flag {short(item)}")


_FLAG_COLUMN_KEYS = (
    "column",
    "columns",
    "col",
    "field",
    "fields",
    "variable",
    "feature",
    "column_name",
    "cols",
)
_FLAG_WORD_KEYS = ("flag", "issue", "type", "kind", "code", "category", "check", "rule", "alert")
_FLAG_DETAIL_KEYS = (
    "detail",
    "details",
    "description",
    "message",
    "note",
    "reason",
    "text",
    "evidence",
    "explanation",
    "recommendation",
    "action",
    "suggestion",
)
_FLAG_IGNORED = frozenset(
    {"severity", "level", "priority", "count", "value", "pct", "percent", "id", "confidence"}
)


def _read_flag_object(
    item: dict, where: str, known: dict[str, ColumnProfile], notes: list[str], ctx: _Context
) -> None:
    column_ref = next((item[k] for k in _FLAG_COLUMN_KEYS if k in item), None)
    word = next((item[k] for k in _FLAG_WORD_KEYS if k in item), None)
    if column_ref is None and isinstance(item.get("name"), str) and item["name"] in known:
        column_ref = item["name"]  # "name" is a column only if such a column exists
    elif word is None and "name" in item:
        word = item["name"]
    details = [item[k] for k in _FLAG_DETAIL_KEYS if k in item and not is_absent(item[k])]
    text = ": ".join(value_text(v) for v in [word, *details] if v is not None)
    refs: list[str] = []
    if isinstance(column_ref, list):
        refs = [n for n in (column_name(r) for r in column_ref) if n is not None]
    elif column_ref is not None:
        refs = [column_name(column_ref) or value_text(column_ref)]
    names = [n for ref in refs for n in split_column_refs(ref, known)]
    shown = ", ".join(refs)
    notes.append(f"{shown}: {text}" if shown else text)
    flags = flags_for_issue(word, " ".join(value_text(d) for d in details))
    for name in dict.fromkeys(names):
        attach(known[name], text, flags)
    for sub in item:
        if (
            sub not in _FLAG_COLUMN_KEYS
            and sub not in _FLAG_WORD_KEYS
            and sub != "name"
            and sub not in _FLAG_DETAIL_KEYS
            and sub not in _FLAG_IGNORED
        ):
            ctx.unread.add(f"{where.split('[')[0]}[*].{sub}")


def _read_flag_dict(
    raw: dict, key: str, known: dict[str, ColumnProfile], notes: list[str], ctx: _Context
) -> None:
    """`{column: [issues]}` or `{flag: [columns]}`: whichever the keys turn out to be."""
    for sub, value in raw.items():
        if sub in known:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, bool):
                    continue
                text = value_text(item) if not isinstance(item, dict) else None
                if isinstance(item, dict):
                    _read_flag_object({"column": sub, **item}, key, known, notes, ctx)
                else:
                    notes.append(f"{sub}: {text}")
                    attach(known[sub], text, normalise_flags(text))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            flags = normalise_flags(sub)
            notes.append(f"{sub}: {', '.join(value)}")
            for ref in value:
                for name in split_column_refs(ref, known):
                    attach(known[name], str(sub), flags)
        elif isinstance(value, str):
            notes.append(f"{sub}: {value}")
            names, _ = columns_named_in(value, known)
            for name in names:
                attach(known[name], f"{sub}: {value}", flags_for_issue(sub, value))
        else:
            ctx.unread.add(f"{key}.{sub}")
