"""Read a ydata-profiling JSON report (`ProfileReport(...).to_json()`), minimal or full mode.

Types are mapped faithfully: minimal mode calls low-cardinality strings "Text", and this reader
keeps them as text but fills in the unique count and top values, because deciding that a text
column is really categorical is the planner's rule, not the reader's. Layout notes:
/work/shared/fixtures/_formats/KEYS.md.
"""

from __future__ import annotations

from typing import Any

from ml_engineer.inputs.profiles.build import build_profile, duplicate_keys, duplicate_names_error
from ml_engineer.inputs.profiles.flags import attach, flag_named_columns
from ml_engineer.inputs.profiles.missing import MissingFacts, resolve_missing
from ml_engineer.inputs.profiles.numbers import (
    consistent_value,
    is_absent,
    parse_count,
    parse_float,
)
from ml_engineer.inputs.profiles.unread import (
    ColumnFields,
    Unread,
    parse_or_note,
    quote_name,
    short,
)
from ml_engineer.inputs.profiles.values import (
    MAX_SAMPLE_VALUES,
    parse_samples,
    parse_top_values,
    value_text,
)
from ml_engineer.inputs.profiles.vocabulary import STAT_WORDS, UNNEEDED_STAT_WORDS, words
from ml_engineer.models.profile import ColumnKind, ColumnProfile, DataProfile, NumericStats

YDATA_TYPES = {
    "Numeric": ColumnKind.numeric,
    "TimeSeries": ColumnKind.numeric,
    "Categorical": ColumnKind.categorical,
    "Boolean": ColumnKind.boolean,
    "DateTime": ColumnKind.datetime,
    "Text": ColumnKind.text,
    "URL": ColumnKind.text,
    "Path": ColumnKind.text,
    "File": ColumnKind.text,
    "Image": ColumnKind.unknown,
    "Unsupported": ColumnKind.unknown,
}

# Top-level sections: what is read, and what is understood but not needed for modelling
# (plots, correlation matrices, the profiler's own config, the sample of rows is used below).
TOP_READ = frozenset({"table", "variables", "alerts", "messages", "sample"})
TOP_IGNORED = frozenset(
    words(
        "analysis time_index_analysis scatter correlations missing package duplicates interactions"
    )
)
TABLE_IGNORED = frozenset(
    words(
        "memory_size record_size n_cells_missing n_vars_with_missing n_vars_all_missing "
        "p_cells_missing types p_duplicates"
    )
)
# The statistics ydata writes, under its own key names.
STAT_KEYS = {key: STAT_WORDS[key] for key in words("min max mean std 25% 50% 75% skewness")}
VARIABLE_READ = frozenset(
    {
        *words(
            "type n count n_missing p_missing n_distinct is_unique value_counts_without_nan "
            "first_rows max_length mean_length"
        ),
        *STAT_KEYS,
    }
)
# Per-variable keys ydata writes that the product does not need: unicode breakdowns, histograms,
# memory, monotonicity, extra moments. `n_unique` is ydata's count of values seen exactly once,
# not the number of distinct values, so it is deliberately not read as unique_count.
VARIABLE_IGNORED = frozenset(
    UNNEEDED_STAT_WORDS
    + words(
        "p_distinct n_unique p_unique hashable value_counts_index_sorted ordering memory_size "
        "cast_type chi_squared monotonic_increase monotonic_decrease monotonic_increase_strict "
        "monotonic_decrease_strict histogram imbalance top freq median_length min_length "
        "length_histogram histogram_length n_characters_distinct n_characters character_counts "
        "category_alias_values block_alias_values block_alias_counts n_block_alias "
        "block_alias_char_counts script_counts n_scripts script_char_counts "
        "category_alias_counts n_category category_alias_char_counts word_counts invalid_dates "
        "n_invalid_dates p_invalid_dates value_counts histogram_frequencies mini_histogram "
        "n_infinite_values p_infinite_values distinct_count distinct_count_without_nan "
        "distinct_count_with_nan is_unique_without_nan n_valid p_valid cardinality "
        "first_rows_index date_warning warn_missing scatter"
    )
)


def looks_like_ydata(data: dict) -> bool:
    """ydata's `variables` dict: entries typed Numeric/Text/... with ydata's own keys, or a
    `package` section naming ydata-profiling. A canonical profile may also say `variables`."""
    variables = data.get("variables")
    if not isinstance(variables, dict):
        return False
    package = data.get("package")
    if isinstance(package, dict) and any("profiling_version" in str(k) for k in package):
        return True
    first = next((v for v in variables.values() if isinstance(v, dict)), None)
    return (
        first is not None
        and first.get("type") in YDATA_TYPES
        and any(k in first for k in ("p_missing", "n_distinct", "value_counts_without_nan"))
    )


def read_ydata(data: dict, profile_path: str) -> DataProfile:
    """Read a ydata-profiling report that has already been parsed from JSON."""
    unread = Unread()
    variables = data.get("variables")
    if not isinstance(variables, dict):
        variables = {}
    if duplicate_keys(variables):
        raise duplicate_names_error(duplicate_keys(variables), profile_path)

    table = data.get("table") if isinstance(data.get("table"), dict) else {}
    row_count = parse_or_note(parse_count, table.get("n"), "table.n", unread)
    column_count = parse_or_note(parse_count, table.get("n_var"), "table.n_var", unread)
    notes: list[str] = []
    duplicates = parse_or_note(parse_count, table.get("n_duplicates"), "table.n_duplicates", unread)
    if duplicates:
        notes.append(f"{duplicates} duplicate rows (table.n_duplicates)")
    for key in table:
        if key not in ("n", "n_var", "n_duplicates") and key not in TABLE_IGNORED:
            unread.add(f"table.{key}")
    if row_count is None:
        # Every variable repeats the row count as `n`; use it only if they all agree.
        row_count = consistent_value(
            parse_or_note(parse_count, v.get("n"), f"variables[{quote_name(str(k))}].n", unread)
            for k, v in variables.items()
            if isinstance(v, dict)
        )

    fields = ColumnFields(unread, "variables", is_list=False)
    columns = [_read_variable(str(name), var, row_count, fields) for name, var in variables.items()]
    known = {c.name: c for c in columns}
    _fill_samples_from_rows(data.get("sample"), known)
    for key in ("alerts", "messages"):
        _read_alerts(data.get(key), key, known, notes, unread)
    for key in data:
        if key not in TOP_READ and key not in TOP_IGNORED:
            unread.add(str(key))

    return build_profile(
        source_format="ydata",
        profile_path=profile_path,
        columns=columns,
        row_count=row_count,
        column_count=column_count,
        dataset_path=None,  # ydata does not record the file it profiled
        quality_notes=notes,
        unread=unread,
        top_keys=data.keys(),
        column_count_field="table.n_var",
    )


def _read_variable(
    name: str, var: Any, row_count: int | None, fields: ColumnFields
) -> ColumnProfile:
    unread = fields.unread
    where = f"variables[{quote_name(name)}]"
    if not isinstance(var, dict):
        unread.add(f"{where}: not a variable description: {short(var)}")
        return ColumnProfile(name=name)
    source_type = var.get("type") if isinstance(var.get("type"), str) else None
    kind = YDATA_TYPES.get(source_type or "", ColumnKind.unknown)
    if source_type is not None and source_type not in YDATA_TYPES:
        fields.bad_value(name, "type", source_type, "unrecognised type")

    def count(key: str) -> int | None:
        return parse_or_note(parse_count, var.get(key), f"{where}.{key}", unread)

    def number(key: str) -> float | None:
        return parse_or_note(parse_float, var.get(key), f"{where}.{key}", unread)

    # p_missing is a fraction 0..1 in ydata; n_missing over the row count wins when both exist.
    facts = MissingFacts(count=count("n_missing"), fraction_key="p_missing")
    if "p_missing" in var:
        facts.fraction = number("p_missing")

    stats: dict[str, float] = {}
    if kind in (ColumnKind.numeric, ColumnKind.unknown):
        for key, stat in STAT_KEYS.items():
            if key in var:
                value = number(key)
                if value is not None:
                    stats[stat] = value

    top_values: list = []
    if "value_counts_without_nan" in var:
        parsed = parse_top_values(var["value_counts_without_nan"])
        if parsed is None:
            unread.add(f"{where}.value_counts_without_nan: cannot read top values")
        else:
            top_values = parsed[0]
    samples = parse_samples(var["first_rows"]) if "first_rows" in var else None

    column = ColumnProfile(
        name=name,
        kind=kind,
        source_type=source_type,
        unique_count=count("n_distinct"),
        stats=NumericStats(**stats) if stats else None,
        top_values=top_values,
        sample_values=samples or [],
        max_length=number("max_length"),
        mean_length=number("mean_length"),
    )
    resolve_missing([column], [facts], row_count, fields.bad_value)
    if var.get("is_unique") is True:
        attach(column, None, ["unique"])
    for key in var:
        if key not in VARIABLE_READ and key not in VARIABLE_IGNORED:
            fields.unknown_key(key)
    return column


def _fill_samples_from_rows(sample: Any, known: dict[str, ColumnProfile]) -> None:
    """Full mode stores the first rows; they give numeric columns sample values too."""
    if not isinstance(sample, list):
        return
    empty = {name for name, column in known.items() if not column.sample_values}
    for block in sample:
        rows = block.get("data") if isinstance(block, dict) else None
        for row in rows if isinstance(rows, list) else []:
            if not isinstance(row, dict):
                continue
            for name, value in row.items():
                column = known.get(str(name))
                if str(name) in empty and not is_absent(value) and column is not None:
                    if len(column.sample_values) < MAX_SAMPLE_VALUES:
                        column.sample_values.append(value_text(value))


def _read_alerts(
    alerts: Any, key: str, known: dict[str, ColumnProfile], notes: list[str], unread: Unread
) -> None:
    """Alerts are strings like "[sex] 11 (3.2%) missing values": attach each to its column."""
    if alerts is None:
        return
    if not isinstance(alerts, list):
        unread.add(f"{key}: cannot read {short(alerts)}")
        return
    for i, alert in enumerate(alerts):
        if isinstance(alert, dict):
            # Older exports: {"column_name": ..., "alert_type": ...}
            name = alert.get("column_name", alert.get("column"))
            word = alert.get("alert_type", alert.get("type", alert.get("message")))
            text = f"[{name}] {value_text(word)}" if name is not None else value_text(word)
        elif isinstance(alert, str):
            text = alert
        else:
            unread.add(f"{key}[{i}]: cannot read alert {short(alert)}")
            continue
        notes.append(text)
        flag_named_columns(text, known)
