"""The keys a canonical (LLM-written) profile.json uses, on top of the shared vocabulary.

The upstream description is loose (see contracts.md, "What arrives"), so every spelling we have
seen of each fact is listed; a key in none of these lists is reported in `unread_fields`. Tuples
are in order of precedence: where an entry holds two of the keys, the first listed wins.
"""

from __future__ import annotations

from ml_engineer.inputs.profiles.vocabulary import (
    COLUMN_COUNT_WORDS,
    DESCRIPTION_WORDS,
    DUPLICATE_ROW_WORDS,
    FLAG_DETAIL_KEYS,
    FLAG_WORD_KEYS,
    FLAG_WORDS,
    NAME_WORDS,
    NOTE_WORDS,
    PATH_WORDS,
    PROVENANCE_WORDS,
    ROW_WORDS,
    SAMPLE_WORDS,
    STAT_WORDS,
    TOP_WORDS,
    TYPE_WORDS,
    UNNEEDED_OVERVIEW_WORDS,
    UNNEEDED_STAT_WORDS,
    words,
)

# --- Where things live at the top level ------------------------------------------------------

COLUMN_CONTAINERS = words(
    "columns fields variables features column_profiles column_stats columns_profile attributes "
    "column_summaries"
)
# Some analysts wrap the whole profile one level down.
WRAPPERS = words("profile data_profile report result schema")
OVERVIEW_KEYS = words(
    "overview summary dataset meta metadata dataset_info table_info info dataset_summary table"
)
# The same words as a column's FLAG_WORDS, in the order top-level lists are read.
FLAG_LIST_KEYS = words(
    "quality_flags quality_issues flags warnings alerts issues data_quality quality problems "
    "data_quality_issues"
)
NOTE_KEYS = (*NOTE_WORDS, "caveats")
# Descriptive keys we understand and do not need.
TOP_IGNORED = frozenset(
    PROVENANCE_WORDS
    + words(
        "schema_version generated_by created author $schema format_version timestamp analyst "
        "correlations"
    )
)

# --- Overview keys ----------------------------------------------------------------------------

ROW_KEYS = ROW_WORDS + words("nrows record_count num_records length")
COLUMN_COUNT_KEYS = COLUMN_COUNT_WORDS + words(
    "ncols n_var n_vars num_fields field_count n_variables"
)
PATH_KEYS = PATH_WORDS + words("csv data_file input_path uri url")
OVERVIEW_IGNORED = frozenset(
    UNNEEDED_OVERVIEW_WORDS
    + words(
        "file_size_mb size_bytes approx_size_mb size_mb memory_mb memory_size "
        "source_available_to_analyst file_format md5 table_name type_counts dtypes record_size "
        "n_cells_missing p_cells_missing missing_cells_pct missing_total sampled_rows "
        "duplicate_rows n_duplicates duplicates duplicate_rows_pct p_duplicates "
        # what `ml-engineer profile` adds: the goal it was given, how the file is written
        "file_name format sep encoding parts target task goal profiled_by approximate "
        "shape_sample modified_at"
    )
)
# Keys that hold a path only sometimes; elsewhere a description of where the data came from.
DESCRIPTIVE_PATH_KEYS = frozenset({"source", "location"})
DUPLICATE_ROW_KEYS = DUPLICATE_ROW_WORDS
SAMPLE_SIZE_KEYS = ("sample_size", "sampled_rows")

# --- Column keys ------------------------------------------------------------------------------

NAME_KEYS = (*NAME_WORDS, "colname")
TYPE_KEYS = (*TYPE_WORDS, "physical_type", "storage_type")
MISSING_COUNT_KEYS = words(
    "missing_count n_missing null_count num_missing na_count n_null n_nulls missing_n "
    "count_missing nan_count n_na missing_values null_values"
)
MISSING_MIXED_KEYS = words("missing nulls null na nan")  # a count, a dict or "12 (3%)"
MISSING_PCT_KEYS = words(
    "missing_pct null_pct missing_percent missing_percentage pct_missing percent_missing "
    "null_percent null_percentage na_pct nan_pct missing_pct_of_rows pct_null percent_null"
)
MISSING_FRACTION_KEYS = words(
    "missing_fraction p_missing null_ratio missing_ratio null_fraction na_fraction "
    "fraction_missing frac_missing missing_frac missing_proportion null_proportion p_null p_na"
)
# Keys that do not say whether they hold a fraction or a percent.
MISSING_AMBIGUOUS_KEYS = words(
    "missing_rate null_rate na_rate missing_share null_share missingness"
)
NON_NULL_KEYS = words(
    "count non_null_count non_null n_non_null non_missing valid_count n_valid not_null_count "
    "present non_missing_count"
)
TOTAL_KEYS = words("n rows n_rows row_count total total_count")
UNIQUE_KEYS = words(
    "unique_count nunique n_unique distinct_count cardinality n_distinct distinct unique "
    "num_unique n_distinct_values n_levels num_distinct distinct_values unique_values"
)
STATS_CONTAINERS = words(
    "stats distribution numeric_stats summary statistics describe numeric_summary summary_stats "
    "numeric"
)
STAT_KEYS = {
    **STAT_WORDS,
    "q2": "q50",
    **dict.fromkeys(words("percentile_25 first_quartile 25th_percentile"), "q25"),
    **dict.fromkeys(words("percentile_50 50th_percentile"), "q50"),
    **dict.fromkeys(words("percentile_75 third_quartile 75th_percentile"), "q75"),
}
STAT_IGNORED = frozenset(
    UNNEEDED_STAT_WORDS
    + words(
        "var kurt zeros zero_count negatives sem 1% 99% 10% 90% p1 p5 p10 p90 p95 p99 "
        "q05 q95 q01 q99 q10 q90"
    )
)
TOP_KEYS = TOP_WORDS + words("value_distribution frequencies counts")
SAMPLE_KEYS = SAMPLE_WORDS + words("first_rows head values_sample sample_data values")
MAX_LENGTH_KEYS = ("max_length", "max_len", "longest")
MEAN_LENGTH_KEYS = ("mean_length", "avg_length", "mean_len", "average_length")
COLUMN_FLAG_KEYS = FLAG_WORDS
# What the column is for ("identifier", "sampling weight"): read for those two flags only.
ROLE_KEYS = ("role", "semantic_role", "usage")
COLUMN_NOTE_KEYS = NOTE_WORDS + DESCRIPTION_WORDS + ROLE_KEYS
BOOLEAN_FLAG_KEYS = {
    "is_unique": "unique",
    **dict.fromkeys(words("is_id likely_id is_identifier is_key is_primary_key"), "likely_id"),
    **dict.fromkeys(words("is_constant constant"), "constant"),
    "is_weight": "weight",
    **dict.fromkeys(words("leakage possible_leakage is_leakage"), "leakage"),
    "high_missing": "high_missing",
    "high_cardinality": "high_cardinality",
    **dict.fromkeys(words("is_skewed skewed"), "skewed"),
    "is_imbalanced": "imbalanced",
}
COLUMN_IGNORED = frozenset(
    words(
        "position index order ordinal_position memory memory_usage memory_bytes bytes nullable "
        "format min_length median_length min_len unique_pct p_unique p_distinct distinct_pct "
        "unique_ratio pct_unique unique_percent uniqueness distinct_percent freq is_numeric "
        "is_categorical hashable "
        # what `ml-engineer profile` adds; the planner measures the target association itself
        "unique_count_approximate stored_as range target_association"
    )
)
# `"missing": {...}`: the sub-keys of a missing record given as an object.
MISSING_DICT_COUNT = words("count n n_missing missing_count total value num")
MISSING_DICT_PCT = words("percent pct percentage percent_missing pct_missing")
MISSING_DICT_FRACTION = words("fraction ratio p proportion frac p_missing")
MISSING_DICT_AMBIGUOUS = words("rate share")

# --- Flag objects -----------------------------------------------------------------------------

# A flag inside a column entry: "name" names the flag there (the column is known already).
COLUMN_FLAG_WORD_KEYS = (*FLAG_WORD_KEYS, "name", "code")
COLUMN_FLAG_DETAIL_KEYS = FLAG_DETAIL_KEYS
# A top-level flag: these say which column it is about ("name" does only if such a column exists).
FLAG_COLUMN_KEYS = words("column columns col field fields variable feature column_name cols")
FLAG_OBJECT_WORD_KEYS = (*FLAG_WORD_KEYS, *words("code category check rule alert"))
FLAG_OBJECT_DETAIL_KEYS = (
    *FLAG_DETAIL_KEYS,
    *words("evidence explanation recommendation action suggestion"),
)
FLAG_OBJECT_IGNORED = frozenset(
    words("severity level priority count value pct percent id confidence")
)
