"""The first stage of a Spark script's saved PipelineModel: the raw columns to typed inputs.

Why here: a saved PipelineModel names each stage's class by its module, and Spark imports that
module to load it. A class defined in the script would load only with the script's folder on
sys.path; from this package it loads in any process where ml-engineer-runtime[spark] is
installed:

    from pyspark.ml import PipelineModel
    model = PipelineModel.load("runs/latest/model")   # in a Spark session, in any folder

Only the driver runs this code: the stage builds Spark column expressions, so no Python runs
on the workers. Loading imports this module (with the conversions it shares with the
scikit-learn script, hence pandas and scikit-learn), not spark_training; the two are the only
modules here that import pyspark, and only Spark scripts import them (pip install
'ml-engineer-runtime[spark]').

Why the conversions are Spark expressions inside the saved model: the model must take the RAW
columns, so the conversions, the derived features and everything they learn live inside it (an
Estimator fitted on the training rows only), rather than in a preprocessing step someone has to
repeat at prediction time. A CSV column arrives as text, a Parquet column typed; each input is
converted by its config group. Spark 4 fails a query on an unreadable value (ANSI mode); the
conversions use try_cast and guarded division instead, so an unreadable value becomes missing.

PrepareInputs adds one column per input, named by group and position (never by the data's
names), which the script's later stages take:
  numeric, boolean       -> a number (boolean as 1.0/0.0), imputed later with the median
  datetime               -> year, month, day of week and day of year, as numbers
  categorical            -> clean text; values seen fewer than min_frequency times in training,
                            or beyond the max_categories most common, become one "infrequent"
                            value; then StringIndexer + OneHotEncoder
  high_cardinality       -> the share of training rows with the same value (frequency encoding):
                            one number instead of thousands of one-hot columns, meaningful to
                            trees and linear models alike, and unlike a StringIndexer index it
                            is not a category code that tree models would have to enumerate
                            (maxBins); a value unseen in training gets 0
  text                   -> text, missing as empty; then RegexTokenizer + HashingTF + IDF
  derived (data.derived) -> a number; see derived_input
"""

from __future__ import annotations

import json
import re
from typing import Any

from pyspark.ml import Estimator, Model
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import (
    BooleanType,
    DateType,
    DoubleType,
    NumericType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from ml_engineer_runtime.convert import BOOLEAN_WORDS
from ml_engineer_runtime.derived import BINS_DEFAULT

# The columns a Spark script adds start with PREFIX; a data column may not.
PREFIX = "__mle_"


# --- The data's columns, by position --------------------------------------------------------------


class RawColumns:
    """The data's columns by their exact names, which are never parsed.

    Spark reads a name given to F.col() as a path: a dot, a backtick or a quote in a column
    name would change its meaning. So the frame is renamed by position (`toDF` takes names
    literally), the script works on the positional names, and `restore` puts the data's own
    names back. A column name is only ever compared as a Python string.
    """

    def __init__(self, frame: DataFrame) -> None:
        self.names = list(frame.columns)
        self.position = {name: index for index, name in enumerate(self.names)}
        self.internal = [f"{PREFIX}c{index}" for index in range(len(self.names))]
        self.frame = frame.toDF(*self.internal)
        self.types = {field.name: field.dataType for field in self.frame.schema.fields}

    def __getitem__(self, name: str) -> Column:
        return F.col(self.internal[self.position[name]])

    def dtype(self, name: str):
        return self.types[self.internal[self.position[name]]]

    def missing(self, names: list[str]) -> list[str]:
        return [name for name in dict.fromkeys(names) if name not in self.position]

    def restore(self, frame: DataFrame, extra: list[str]) -> DataFrame:
        """`frame` (positional) with the data's own column names, plus the columns `extra`."""
        kept = [*self.internal, *extra]
        return frame.select(*(F.col(name) for name in kept)).toDF(*self.names, *extra)


# --- Conversions: Spark column expressions, so they run on the workers ----------------------------

# The words pandas reads as missing in a CSV file, so both scripts see the same missing values.
MISSING_WORDS = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
# The yes/no words of a boolean input, as the scikit-learn script reads them.
TRUE_WORDS = tuple(word for word, value in BOOLEAN_WORDS.items() if value == 1.0)
FALSE_WORDS = tuple(word for word, value in BOOLEAN_WORDS.items() if value == 0.0)


def whole_word(words: tuple[str, ...]) -> str:
    """A regular expression matching exactly one of `words`: one literal for Spark, where
    isin(*words) would send each word to the JVM separately, for every column."""
    return "^(?:" + "|".join(re.escape(word) for word in words) + ")$"


MISSING, TRUE, FALSE = whole_word(MISSING_WORDS), whole_word(TRUE_WORDS), whole_word(FALSE_WORDS)
# Besides ISO 8601 (2024-05-31, 2024-05-31 13:45:00, 2024-05-31T13:45:00Z), which a cast reads.
TIME_FORMATS = ("M/d/yyyy", "M/d/yyyy H:mm", "M/d/yyyy H:mm:ss", "yyyy/M/d")
DATE_PARTS = {  # config word -> Spark function, as pandas numbers them
    "year": F.year,
    "month": F.month,
    "day": F.dayofmonth,
    "dayofweek": lambda when: (F.dayofweek(when) + 5) % 7,  # Monday 0 ... Sunday 6
    "dayofyear": F.dayofyear,
    "hour": F.hour,
    "quarter": F.quarter,
}
GROUP_DATE_PARTS = ("year", "month", "dayofweek", "dayofyear")  # of each datetime input


def try_cast(column: Column, kind: str) -> Column:
    if hasattr(column, "try_cast"):  # Spark 4
        return column.try_cast(kind)
    return column.cast(kind)  # Spark 3.5: ANSI mode is off by default, so this gives null


def as_text(column: Column) -> Column:
    """Trimmed text; empty text and the words pandas reads as missing become null."""
    text = F.trim(column.cast("string"))
    return F.when(~text.rlike(MISSING), text)


def finite(value: Column) -> Column:
    """null for NaN and infinities (an overflow, "inf" in the data): Spark orders NaN above
    infinity, so only finite numbers are below it."""
    return F.when(F.abs(value) < float("inf"), value)


def to_number(column: Column, dtype) -> Column:
    """A finite double or null. Text that is no number (the missing words too) gives null."""
    if isinstance(dtype, (NumericType, BooleanType)):
        return finite(column.cast("double"))
    return finite(try_cast(column.cast("string"), "double"))  # the cast ignores spaces


def to_boolean(column: Column) -> Column:
    """yes/no, true/false, y/n, t/f and 1/0 (any case) as 1.0/0.0; anything else missing."""
    word = F.lower(F.trim(column.cast("string")))
    return F.when(word.rlike(TRUE), 1.0).when(word.rlike(FALSE), 0.0)


def to_time(column: Column, dtype) -> Column:
    if isinstance(dtype, (TimestampType, DateType)):
        return column.cast("timestamp")
    if isinstance(dtype, NumericType):  # seconds since 1970
        return F.timestamp_seconds(to_number(column, dtype))
    text = as_text(column)
    formats = (F.try_to_timestamp(text, F.lit(pattern)) for pattern in TIME_FORMATS)
    return F.coalesce(try_cast(text, "timestamp"), *formats)


def seconds(when: Column) -> Column:
    return F.unix_micros(when) / 1e6


def value_key(column: Column, dtype) -> Column:
    """The value counted by `frequency`: numbers as numbers (3 and 3.0 agree), else text."""
    if isinstance(dtype, NumericType):
        return to_number(column, dtype).cast("string")
    return as_text(column)


# --- The first stage: learnt on the training rows, then applied to any rows -----------------------

INFREQUENT = f"{PREFIX}infrequent"
QUANTILE_ERROR = 0.001  # relative error of the bin edges (approxQuantile)


def inner_columns(layout: dict[str, Any]) -> dict[str, list[str]]:
    """The columns PrepareInputs adds, by what the rest of the pipeline does with them."""
    groups = layout["groups"]

    def named(group: str) -> list[str]:
        return [f"{PREFIX}{group}_{index}" for index in range(len(groups[group]))]

    dates = [f"{name}_{part}" for name in named("datetime") for part in GROUP_DATE_PARTS]
    derived = [f"{PREFIX}derived_{index}" for index in range(len(layout["derived"]))]
    numbers = [*named("numeric"), *named("boolean"), *dates, *named("high_cardinality")]
    return {
        "numbers": [*numbers, *derived],  # imputed with the median, then assembled
        "categories": named("categorical"),  # one-hot encoded
        "texts": named("text"),  # tokenized and hashed
    }


def plain_inputs(layout: dict, raw: RawColumns) -> dict[str, Column]:
    """The inputs that need nothing learnt: inner column name -> expression."""
    groups, columns = layout["groups"], {}
    for index, name in enumerate(groups["numeric"]):
        columns[f"{PREFIX}numeric_{index}"] = to_number(raw[name], raw.dtype(name))
    for index, name in enumerate(groups["boolean"]):
        columns[f"{PREFIX}boolean_{index}"] = to_boolean(raw[name])
    for index, name in enumerate(groups["datetime"]):
        when = to_time(raw[name], raw.dtype(name))
        for part in GROUP_DATE_PARTS:
            columns[f"{PREFIX}datetime_{index}_{part}"] = DATE_PARTS[part](when).cast("double")
    for index, name in enumerate(groups["categorical"]):
        columns[f"{PREFIX}categorical_{index}"] = as_text(raw[name])
    for index, name in enumerate(groups["text"]):
        columns[f"{PREFIX}text_{index}"] = F.coalesce(raw[name].cast("string"), F.lit(""))
    return columns


def derived_input(entry: dict[str, Any], raw: RawColumns, edges: list[float] | None) -> Column:
    """One derived feature as a number (frequency is done by a join: see with_shares)."""
    op, names = entry["op"], entry["inputs"]
    numbers = [to_number(raw[name], raw.dtype(name)) for name in names]
    if op == "ratio":
        value = F.when(numbers[1] != 0, numbers[0] / numbers[1])
    elif op == "difference":
        value = numbers[0] - numbers[1]
    elif op == "product":
        value = numbers[0] * numbers[1]
    elif op == "log":
        value = F.log1p(F.when(numbers[0] >= 0, numbers[0]))
    elif op == "bins":  # how many training edges lie at or below the value, as searchsorted
        count = sum((F.when(numbers[0] >= edge, 1.0).otherwise(0.0) for edge in edges or []),
                    F.lit(0.0))  # fmt: skip
        value = F.when(numbers[0].isNotNull(), count)
    elif op == "date_part":
        value = DATE_PARTS[entry["part"]](to_time(raw[names[0]], raw.dtype(names[0])))
    elif op == "days_between":
        first, second = (to_time(raw[name], raw.dtype(name)) for name in names)
        value = (seconds(second) - seconds(first)) / 86400.0
    elif op == "text_length":
        value = F.coalesce(F.length(F.when(as_text(raw[names[0]]).isNotNull(),
                                           raw[names[0]].cast("string"))), F.lit(0))  # fmt: skip
    else:
        raise ValueError(f"op {op!r} is not computed here")
    return finite(value.cast("double"))


def shared_inputs(layout: dict, raw: RawColumns) -> dict[str, Column]:
    """Inputs replaced by the share of training rows with the same value: name -> the value."""
    shared = {}
    for index, name in enumerate(layout["groups"]["high_cardinality"]):
        shared[f"{PREFIX}high_cardinality_{index}"] = as_text(raw[name])
    for index, entry in enumerate(layout["derived"]):
        if entry["op"] == "frequency":
            name = entry["inputs"][0]
            shared[f"{PREFIX}derived_{index}"] = value_key(raw[name], raw.dtype(name))
    return shared


def with_shares(frame: DataFrame, key: Column, name: str, shares: dict[str, float]) -> DataFrame:
    """Adds `name`: the training share of the row's value, 0 if unseen, null if missing. A
    broadcast join rather than a literal map: a map is searched value by value on every row."""
    key_name = f"{PREFIX}key"
    schema = StructType([StructField(key_name, StringType()), StructField(name, DoubleType())])
    table = frame.sparkSession.createDataFrame(list(shares.items()), schema)
    joined = frame.withColumn(key_name, key).join(F.broadcast(table), on=key_name, how="left")
    value = F.when(F.col(key_name).isNotNull(), F.coalesce(F.col(name), F.lit(0.0)))
    return joined.withColumn(name, value).drop(key_name)


class _Layout(Params):
    layout = Param(
        Params._dummy(), "layout", "the config's input columns and derived features, as JSON",
        typeConverter=TypeConverters.toString,
    )  # fmt: skip

    def layout_dict(self) -> dict[str, Any]:
        return json.loads(self.getOrDefault(self.layout))

    def raw_columns(self, frame: DataFrame, layout: dict[str, Any]) -> RawColumns:
        raw = RawColumns(frame)
        needed = [name for names in layout["groups"].values() for name in names]
        missing = raw.missing(needed + [n for entry in layout["derived"] for n in entry["inputs"]])
        if missing:
            raise ValueError(f"PrepareInputs: column(s) missing from the data: {missing}")
        return raw


class PrepareInputs(Estimator, _Layout, DefaultParamsReadable, DefaultParamsWritable):
    """Learns, on the training rows, what the conversions need: the frequent categories, the
    shares of high-cardinality and `frequency` values, the bin edges of `bins`."""

    def __init__(self, layout: str = "{}") -> None:
        super().__init__()
        self._set(layout=layout)

    def _fit(self, dataset: DataFrame) -> PreparedInputs:
        layout = self.layout_dict()
        raw = self.raw_columns(dataset, layout)
        learnt: dict[str, Any] = {"categories": {}, "shares": {}, "edges": {}, "empty": []}
        plain = plain_inputs(layout, raw)
        # One pass for the row count and for the numeric inputs with no value at all in
        # training, which cannot be imputed: they become a constant 0.
        presence = {name: plain[name] for name in inner_columns(layout)["numbers"] if name in plain}
        presence.update(shared_inputs(layout, raw))
        for index, entry in enumerate(layout["derived"]):
            if entry["op"] not in ("frequency", "bins"):  # those: null when the input is
                presence[f"{PREFIX}derived_{index}"] = derived_input(entry, raw, None)
            elif entry["op"] == "bins":
                name = entry["inputs"][0]
                presence[f"{PREFIX}derived_{index}"] = to_number(raw[name], raw.dtype(name))
        counts = raw.frame.select(F.count(F.lit(1)), *map(F.count, presence.values())).first()
        rows = counts[0]
        learnt["empty"] = [name for index, name in enumerate(presence) if counts[index + 1] == 0]
        for name in inner_columns(layout)["categories"]:
            counts = (
                raw.frame.select(plain[name].alias("value")).dropna().groupBy("value").count()
                .filter(F.col("count") >= layout["min_frequency"])
                .orderBy(F.desc("count"), "value").limit(max(layout["max_categories"] - 1, 1))
            )  # fmt: skip
            learnt["categories"][name] = [row["value"] for row in counts.collect()]
        for name, key in shared_inputs(layout, raw).items():
            counts = raw.frame.select(key.alias("value")).dropna().groupBy("value").count()
            learnt["shares"][name] = {
                row["value"]: row["count"] / max(rows, 1) for row in counts.collect()
            }
        for index, entry in enumerate(layout["derived"]):
            if entry["op"] == "bins":
                values = raw.frame.select(
                    to_number(raw[entry["inputs"][0]], raw.dtype(entry["inputs"][0])).alias("x")
                )
                bins = entry.get("bins") or BINS_DEFAULT
                levels = [step / bins for step in range(1, bins)]
                edges = values.dropna().approxQuantile("x", levels, QUANTILE_ERROR)
                learnt["edges"][f"{PREFIX}derived_{index}"] = sorted(set(edges))
        return PreparedInputs(layout=json.dumps(layout), learnt=json.dumps(learnt))


class PreparedInputs(Model, _Layout, DefaultParamsReadable, DefaultParamsWritable):
    learnt = Param(
        Params._dummy(), "learnt", "what PrepareInputs learnt on the training rows, as JSON",
        typeConverter=TypeConverters.toString,
    )  # fmt: skip

    def __init__(self, layout: str = "{}", learnt: str = "{}") -> None:
        super().__init__()
        self._set(layout=layout, learnt=learnt)

    def _transform(self, dataset: DataFrame) -> DataFrame:
        layout, learnt = self.layout_dict(), json.loads(self.getOrDefault(self.learnt))
        raw = self.raw_columns(dataset, layout)
        columns = plain_inputs(layout, raw)
        for name, kept in learnt["categories"].items():
            value = columns[name]
            columns[name] = F.when(value.isin(*kept), value).when(value.isNotNull(), INFREQUENT)
        for index, entry in enumerate(layout["derived"]):
            name = f"{PREFIX}derived_{index}"
            if entry["op"] != "frequency":
                columns[name] = derived_input(entry, raw, learnt["edges"].get(name))
        frame = raw.frame.withColumns(columns)
        for name, key in shared_inputs(layout, raw).items():
            frame = with_shares(frame, key, name, learnt["shares"].get(name, {}))
        if learnt["empty"]:
            frame = frame.withColumns({name: F.lit(0.0) for name in learnt["empty"]})
        inner = inner_columns(layout)
        return raw.restore(frame, [*inner["numbers"], *inner["categories"], *inner["texts"]])
