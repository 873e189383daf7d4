"""The spellings profiles use for the same fact, defined once for every reader.

Words are written as JSON keys ("column_name"). The markdown reader compares headers with "_"
read as a space, so it takes them through `spaced`. Each reader adds beside its own code the
spellings only its format uses; a tuple lists keys in order of precedence (where an entry holds
two of them, the first listed wins).
"""

from __future__ import annotations

from collections.abc import Iterable


def words(text: str) -> tuple[str, ...]:
    """A packed word list: "min max mean" -> ("min", "max", "mean")."""
    return tuple(text.split())


def phrases(text: str) -> tuple[str, ...]:
    """A packed list of phrases that hold spaces: "row count, # rows" -> ("row count", "# rows")."""
    return tuple(p.strip() for p in text.split(","))


def spaced(*groups: Iterable[str]) -> frozenset[str]:
    """Key spellings as the markdown reader sees a header: "_" read as a space."""
    return frozenset(w.replace("_", " ") for group in groups for w in group)


# --- Per-column keys --------------------------------------------------------------------------

# The key or header that holds a column's name.
NAME_WORDS = words("name column col field column_name variable feature field_name")
# The key or header that holds a column's type, most specific first: a semantic type says more
# than a storage dtype.
TYPE_WORDS = words(
    "semantic_type inferred_type kind type logical_type data_type dtype pandas_dtype"
)
# Summary statistics: each spelling -> the `NumericStats` field it fills.
STAT_WORDS: dict[str, str] = {
    **dict.fromkeys(words("min minimum"), "min"),
    **dict.fromkeys(words("max maximum"), "max"),
    **dict.fromkeys(words("mean avg average"), "mean"),
    **dict.fromkeys(words("std sd stdev std_dev stddev standard_deviation"), "std"),
    **dict.fromkeys(words("q25 p25 25% q1"), "q25"),
    **dict.fromkeys(words("median q50 p50 50%"), "q50"),
    **dict.fromkeys(words("q75 p75 75% q3"), "q75"),
    **dict.fromkeys(words("skew skewness"), "skew"),
}
# Statistics a profile may carry that the product does not need: moments, tail quantiles,
# counts of zeros, negatives and infinities. Understood, so not reported as unread.
UNNEEDED_STAT_WORDS = words(
    "variance sum range iqr kurtosis mad cv mode monotonic 5% 95% "
    "n_zeros p_zeros n_negative p_negative n_infinite p_infinite"
)
# The most frequent values with their counts.
TOP_WORDS = words(
    "top_values top_categories value_counts most_frequent frequent_values top_n top_k "
    "most_common top categories levels"
)
# Example values without counts.
SAMPLE_WORDS = words("sample_values first_values samples examples sample example_values example")
# A column's quality flags or issues.
FLAG_WORDS = words("flags quality_flags issues warnings alerts quality_issues quality problems")
# Free-text notes, kept verbatim and searched for flags.
NOTE_WORDS = words("note notes comment comments remarks")
# Descriptions kept as "key: text" and never read for flags: "measured in mm" is no issue.
DESCRIPTION_WORDS = words("description meaning unit units")

# --- Inside one flag object ({"column": ..., "flag": ..., "detail": ...}) ----------------------

# The issue in a word or two ("constant", "high_missing").
FLAG_WORD_KEYS = words("flag issue type kind")
# The issue in a sentence.
FLAG_DETAIL_KEYS = words("detail details description message note reason text")

# --- Overview facts -----------------------------------------------------------------------------

ROW_WORDS = words(
    "row_count rows n_rows n num_rows n_records records total_rows n_obs observations"
)
COLUMN_COUNT_WORDS = words("column_count columns n_columns n_cols num_columns fields variables")
# Where the profiled file is, in order of precedence.
PATH_WORDS = words(
    "source_path path file source dataset_path file_path filename data_path source_file location"
)
DUPLICATE_ROW_WORDS = words("duplicate_rows n_duplicates duplicates")
# Who wrote the profile, when, with what, and what it is called: understood, not needed.
PROVENANCE_WORDS = words(
    "name title description version format dataset date generated_at created_at profiled_at "
    "profiler tool"
)
# Overview facts understood and not needed: provenance, the file's size and dialect, whole-table
# missing counts and the goal the analyst was given (the product reads the goal elsewhere).
UNNEEDED_OVERVIEW_WORDS = PROVENANCE_WORDS + words(
    "dataset_name file_size file_size_bytes memory memory_usage encoding delimiter separator "
    "sheet hash sha256 types missing_cells total_missing sample_size target goal"
)
