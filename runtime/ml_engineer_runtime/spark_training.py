"""What every Spark training script runs that does not depend on its design.

The script holds one design's decisions: the split, the pipeline's stages after the first, the
model families and the search among them. This module holds the rest, in the order a run uses
it: the checks before Spark starts, a quiet Spark session, reading the rows and their target,
the model section as a Spark estimator's parameters, predictions and scores beside the naive
baseline, and metrics.json beside the saved model. Loading the saved model needs spark_inputs,
not this module. Like it, this module imports pyspark, and only Spark scripts import it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from py4j.protocol import Py4JError
from pyspark.errors import PySparkException
from pyspark.ml import PipelineModel
from pyspark.ml.feature import StringIndexerModel
from pyspark.ml.functions import vector_to_array
from pyspark.ml.param import Param
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (
    AtomicType,
    BooleanType,
    NumericType,
    StringType,
    StructField,
    StructType,
)

from ml_engineer_runtime import runtime_requirement
from ml_engineer_runtime.config import FEATURE_GROUPS, feature_groups, load_config, print_inputs
from ml_engineer_runtime.data import check_columns, header_names
from ml_engineer_runtime.derived import derived_entries
from ml_engineer_runtime.errors import ScriptError
from ml_engineer_runtime.files import write_atomically
from ml_engineer_runtime.metrics import (
    LOWER_IS_BETTER,
    Predictions,
    beats,
    evaluate_predictions,
    metric_name,
    metric_problem,
)
from ml_engineer_runtime.search import described
from ml_engineer_runtime.spark_inputs import (
    PREFIX,
    RawColumns,
    as_text,
    seconds,
    to_number,
    to_time,
    try_cast,
)

# The columns the script adds to the rows; PREFIX comes from spark_inputs.
LABEL, LABEL_TEXT, PART, WEIGHT, FEATURES = (
    f"{PREFIX}label", f"{PREFIX}label_text", f"{PREFIX}part", f"{PREFIX}weight", f"{PREFIX}features"
)  # fmt: skip
OUTPUT_NAMES = ("prediction", "probability", "rawPrediction", "predicted_label")
SPARK_ERRORS = (PySparkException, Py4JError)


def first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


# --- Checked before Spark starts ------------------------------------------------------------------
# Why: a JVM start costs seconds; a wrong config, model section or column name fails before it,
# in one line. The data may be a URI only Spark can read: its header is then checked once Spark
# has read it.


@dataclass
class Setup:
    """What the run checked before starting Spark: the config and what the script reads in it."""

    config: dict[str, Any]
    config_dir: Path
    task: str
    data_path: str
    parquet: bool
    header: list[str] | None  # the data's column names, when read without Spark
    layout: dict[str, Any]  # the input columns by group and the derived features: PrepareInputs'
    primary: str
    metric_names: list[str]
    choice: ModelChoice  # model.type and model.params, as a Spark estimator
    weighted: bool  # class_weight: balanced
    seed: int
    output_dir: Path
    sample_rows: int | None
    started: float

    @property
    def data_cfg(self) -> dict[str, Any]:
        return self.config["data"]

    @property
    def features(self) -> dict[str, list[str]]:
        return self.layout["groups"]

    @property
    def derived(self) -> list[dict[str, Any]]:
        return self.layout["derived"]


def check_setup(args, choose_estimator: Callable[[dict[str, Any], str], ModelChoice]) -> Setup:
    """experiment-config.yaml read and checked, the model section as a Spark estimator (by the
    script's `choose_estimator(model_cfg, task)`), and the data's header (of a local file)
    checked against them."""
    started = time.perf_counter()
    config_path = Path(args.config).resolve()
    config = load_config(config_path)
    data_cfg = config["data"]
    task = data_cfg["task"]
    if task not in ("binary", "multiclass", "regression"):
        raise ScriptError(f"data.task {task!r}: use binary, multiclass or regression")
    features, derived = feature_groups(data_cfg, FEATURE_GROUPS), derived_entries(data_cfg)
    primary = metric_name(config["metrics"]["primary"])
    secondary = [metric_name(name) for name in config["metrics"].get("secondary") or []]
    if problem := metric_problem(primary, task):
        raise ScriptError(f"metrics.primary {primary!r}: {problem}")
    choice = choose_estimator(config["model"], task)
    weighted = balanced(config["model"], task, choice)
    if args.sample_rows is not None and args.sample_rows < 1:
        raise ScriptError("--sample-rows must be a positive number of rows")
    if data_cfg["split"].get("cv_folds"):
        print("note: data.split.cv_folds is not run by the Spark script; val and test are scored")
    data_path = resolve_data_path(args.data, data_cfg, config_path.parent)
    parquet = is_parquet(data_path, data_cfg.get("format", "csv"))
    encoding = data_cfg.get("encoding") or "utf-8"
    header = header_columns(data_path, parquet, data_cfg.get("sep") or ",", encoding)
    if header is not None:
        # Spark would rename a repeated name (`x0`, `x3`) without a word.
        repeated = sorted({name for name in header if name.strip() and header.count(name) > 1})
        if repeated:
            raise ScriptError(
                f"column name(s) repeated in the header of {data_path}: "
                f"{repeated}; rename them so that every column has its own name"
            )
        check_data_columns(header, data_cfg, features, derived)
    prep_cfg = config.get("preprocessing") or {}
    layout = {
        "groups": features,
        # What the first stage computes each from, only: the layout is saved with the model.
        "derived": [
            {key: entry.get(key) for key in ("name", "op", "inputs", "part", "bins")}
            for entry in derived
        ],  # fmt: skip
        "min_frequency": int(prep_cfg.get("one_hot_min_frequency", 10)),
        "max_categories": int(prep_cfg.get("one_hot_max_categories", 30)),
    }
    return Setup(
        config=config, config_dir=config_path.parent, task=task, data_path=data_path,
        parquet=parquet, header=header, layout=layout, primary=primary,
        metric_names=list(dict.fromkeys([primary, *secondary])), choice=choice,
        weighted=weighted, seed=int(config.get("seed", 42)),
        output_dir=Path(args.output_dir or config_path.parent / "runs" / "latest").resolve(),
        sample_rows=args.sample_rows, started=started,
    )  # fmt: skip


def is_uri(path: str) -> bool:
    return "://" in path


def resolve_data_path(cli_path: str | None, data_cfg: dict[str, Any], config_dir: Path) -> str:
    """--data wins, then the environment variable named by data.path_env, then data.path.
    A URI (hdfs://, s3a://, file://) goes to Spark as written."""
    env_name = data_cfg.get("path_env") or "ML_ENGINEER_DATA"
    path = cli_path or os.environ.get(env_name)
    if not path and data_cfg.get("path"):
        path = str(data_cfg["path"])
        if not is_uri(path) and not Path(path).is_absolute():
            path = str(config_dir / path)
    if not path:
        raise ScriptError(f"no data path: pass --data, set ${env_name} or set data.path")
    if is_uri(path):
        return path
    if not Path(path).exists():
        raise ScriptError(f"data file not found: {path} (pass --data PATH to point elsewhere)")
    return str(Path(path).resolve())


def is_parquet(path: str, data_format: str) -> bool:
    suffix = Path(path.rstrip("/")).suffix.lower()
    return suffix in (".parquet", ".pq") or (data_format == "parquet" and suffix != ".csv")


def header_columns(path: str, parquet: bool, sep: str, encoding: str) -> list[str] | None:
    """The column names of a local file, read without Spark; None when only Spark can tell (a
    URI, a folder, a separator of several characters: pandas would read it as a pattern)."""
    if is_uri(path) or not Path(path).is_file() or len(sep) != 1:
        return None
    try:
        return header_names(Path(path), parquet, sep, encoding)
    except (ImportError, OSError, ValueError, LookupError):
        return None


def check_data_columns(columns: list[str], data_cfg: dict, features: dict, derived: list) -> None:
    """Every column the config names is in the data, all the missing ones named at once (the
    runtime's checks), and no data column starts with the script's PREFIX."""
    made = [entry["name"] for entry in derived]  # inputs too, made from raw columns
    check_columns(columns, data_cfg, {**features, "numeric": [*features["numeric"], *made]})
    reserved = [name for name in columns if name.startswith(PREFIX)]
    if reserved:
        raise ScriptError(f"data column(s) starting with {PREFIX!r}, which the script uses for its "
                          f"own columns: {reserved[:5]}; rename them")  # fmt: skip


# --- Spark ----------------------------------------------------------------------------------------
# Why: quiet and small for a local run, so the user sees the script's own lines: Spark's log
# at ERROR from the JVM's first line (a log4j2 file handed to the JVM this process starts; under
# spark-submit the JVM is already running and only the level is set), no web UI, no progress
# bars, few shuffle partitions. Dates are read in UTC, as the scikit-learn script does. The
# JVM options set here replace spark.driver.extraJavaOptions from spark-defaults.conf; to keep
# yours, run the script with spark-submit.

LOG_LEVEL = "ERROR"
LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.spark.name = org.apache.spark
logger.spark.level = error
"""
LOCAL_SHUFFLE_PARTITIONS = 4
# A local run on small data spends most of its CPU compiling Spark's own code: stopping the JVM's
# JIT compiler at its first tier (C1) nearly halves that; and the linear algebra is small, so the
# pure-Java BLAS and LAPACK serve (no probing for native ones, which prints an error when there
# are none). Larger data gets the full JIT and native libraries when the machine has them.
SMALL_DATA_BYTES = 200 * 2**20
SMALL_DATA_JAVA_OPTIONS = (
    "-XX:TieredStopAtLevel=1",
    "-Ddev.ludovic.netlib.blas.allowNative=false",
    "-Ddev.ludovic.netlib.lapack.allowNative=false",
    "-Ddev.ludovic.netlib.arpack.allowNative=false",
)


def data_bytes(path: str) -> int | None:
    """The size of a local data file or folder; None for a URI."""
    if is_uri(path):
        return None
    if Path(path).is_file():
        return Path(path).stat().st_size
    return sum(item.stat().st_size for item in Path(path).rglob("*") if item.is_file())


def spark_master(cli_master: str | None) -> str | None:
    """--master, then $SPARK_MASTER, then local[*]; None keeps spark-submit's own master."""
    if cli_master or os.environ.get("SPARK_MASTER"):
        return cli_master or os.environ["SPARK_MASTER"]
    return None if "PYSPARK_GATEWAY_PORT" in os.environ else "local[*]"


def start_spark(cli_master: str | None, data_path: str) -> SparkSession:
    """A session on --master (spark_master), sized for the data at `data_path`."""
    master, size = spark_master(cli_master), data_bytes(data_path)
    # PySpark warns that it does not fully support pandas 3; the script's tables are Spark's.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    # PySpark also logs each error it raises as a JSON record; the script reports its own.
    logging.disable(logging.ERROR)
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        # Spark 3.5 fails a query when its old and new date parsers disagree; 4.x does not.
        "spark.sql.legacy.timeParserPolicy": "CORRECTED",
        # Spark 4 reads only UTF-*, ISO-8859-1 and ASCII CSV files without it (not windows-1252).
        "spark.sql.legacy.javaCharsets": "true",
    }
    local = bool(master and master.startswith("local"))
    if local:
        settings["spark.sql.shuffle.partitions"] = str(LOCAL_SHUFFLE_PARTITIONS)
    log_dir = None
    if "PYSPARK_GATEWAY_PORT" not in os.environ:  # this process starts the JVM
        log_dir = Path(tempfile.mkdtemp(prefix="ml-engineer-spark-"))
        (log_dir / "log4j2.properties").write_text(LOG4J2, encoding="utf-8")
        uri = (log_dir / "log4j2.properties").as_uri()
        options = [f"-Dlog4j2.configurationFile={uri}"]
        if local and size is not None and size < SMALL_DATA_BYTES:
            options += SMALL_DATA_JAVA_OPTIONS
        settings["spark.driver.extraJavaOptions"] = " ".join(options)
    builder = SparkSession.builder.appName("ml_engineer training")
    if master:
        builder = builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except SPARK_ERRORS as err:
        raise ScriptError(f"cannot start Spark (master {master}): {first_line(err)}") from None
    finally:
        if log_dir:
            shutil.rmtree(log_dir, ignore_errors=True)
    spark.sparkContext.setLogLevel(LOG_LEVEL)
    return spark


def master_option(parser) -> None:
    """The Spark script's own option, added to the runtime's command line (cli.run_script)."""
    parser.add_argument("--master", help="Spark master URL (default: $SPARK_MASTER, else local[*])")


# --- The rows: read, sampled, their target prepared, split by the script, counted -----------------


@dataclass
class Data:
    """The rows read, their target prepared and split, counted; cached, as every fit and score
    reads them."""

    frame: DataFrame  # the data's own columns, LABEL and PART
    rows: dict[str, int]  # by part
    counts: dict[str, dict[int, int]]  # by part: rows by class index (classification)
    mean: float | None  # the target's mean on train (regression): the baseline's prediction
    classes: list[str]  # sorted; [] for regression
    positive: str | None
    dropped: int  # rows without a usable target
    sampled_rows: int | None
    outputs: dict[str, str]  # the saved model's output columns

    def part(self, *names: str) -> DataFrame:
        return self.frame.filter(F.col(PART).isin(*names))

    def class_counts(self, *names: str) -> dict[int, int]:
        """Rows of each class (by index, all classes) in the parts `names`."""
        return {index: sum(self.counts[name].get(index, 0) for name in names)
                for index in range(len(self.classes))}  # fmt: skip


# The script's split: adds PART (train, val or test) to the rows, by (raw, rows, data.split,
# task, seed).
Split = Callable[[RawColumns, DataFrame, dict[str, Any], str, int], DataFrame]


def load(spark: SparkSession, setup: Setup, split_parts: Split) -> Data:
    """The data read and checked, sampled (--sample-rows), its target prepared, its rows split
    into train, val and test by the script's `split_parts`, and counted."""
    raw, total = read_rows(spark, setup)
    target, split_cfg = setup.data_cfg["target"], setup.data_cfg["split"]
    task, seed = setup.task, setup.seed
    work, sampled_rows = raw.frame, None
    if setup.sample_rows and total > setup.sample_rows:
        sampled_rows = setup.sample_rows
        work = sample_rows(raw, work, sampled_rows, split_cfg, seed)
        print(f"Sampled {sampled_rows:,} rows (--sample-rows).")
    work, class_counts = prepare_target(raw, work, target, task)
    classes, positive = [], None
    if task != "regression":
        if not class_counts:
            raise ScriptError(f"the target {target!r} has no rows with a value")
        classes = sorted(class_counts)
        if task == "binary":
            positive = positive_label(class_counts, setup.data_cfg.get("positive_class"))
        elif len(classes) < 2:
            raise ScriptError(f"the target {target!r} has a single class: {classes[0]!r}")
        indexer = StringIndexerModel.from_labels(classes, inputCol=LABEL_TEXT, outputCol=LABEL)
        work = indexer.transform(work)  # also marks the label with all classes, for the models
    work = split_parts(raw, work, split_cfg, task, seed)
    frame = raw.restore(work, [LABEL, PART]).cache()
    rows, counts, mean = count_parts(frame, task)
    kept = sum(rows.values())
    if kept == 0:
        raise ScriptError(f"the target {target!r} has no rows with a value")
    dropped = (sampled_rows or total) - kept
    if dropped:
        print(f"Dropped {dropped:,} rows without a usable target value.")
    for part in ("train", "test"):
        if rows[part] == 0:
            raise ScriptError(f"the {part} part is empty ({split_cfg['strategy']} split of "
                              f"{kept:,} rows); use more data or other shares")  # fmt: skip
    return Data(frame, rows, counts, mean, classes, positive, dropped, sampled_rows,
                output_columns(raw.names))  # fmt: skip


def read_rows(spark: SparkSession, setup: Setup) -> tuple[RawColumns, int]:
    """The data as Spark reads it, checked against the config, and its number of rows."""
    data_cfg, features, derived = setup.data_cfg, setup.features, setup.derived
    frame = read_data(spark, setup.data_path, setup.parquet, data_cfg.get("sep") or ",",
                      data_cfg.get("encoding") or "utf-8", bool(features["text"]),
                      setup.header)  # fmt: skip
    check_data_columns(frame.columns, data_cfg, features, derived)
    raw = RawColumns(frame)
    try:
        total = raw.frame.count()
    except SPARK_ERRORS as err:
        raise ScriptError(f"cannot read {setup.data_path}: {first_line(err)}") from None
    if total == 0:
        raise ScriptError(f"{setup.data_path} has no rows")
    print(f"Data: {setup.data_path} ({total:,} rows). Target {data_cfg['target']!r} "
          f"({setup.task}). Inputs:")  # fmt: skip
    print_inputs(features, {"derived": [entry["name"] for entry in derived]})
    return raw, total


# data.encoding (Python's codec names) -> Spark's charset. UTF-16 and UTF-32 are read whole
# (multiLine): Spark's line reader splits their bytes at "\n" and reads a stray row.
SPARK_CHARSETS = {"utf-8-sig": "UTF-8", "latin-1": "ISO-8859-1", "cp1252": "windows-1252"}
WIDE_CHARSETS = ("utf-16", "utf-32")


def read_data(spark: SparkSession, path: str, parquet: bool, sep: str, encoding: str, text: bool,
              header: list[str] | None) -> DataFrame:  # fmt: skip
    """CSV columns are read as text (no schema inference, one pass less): each input is then
    converted by its config group. Quoted fields may span lines only when there are text inputs,
    as reading them so makes a file one task (no parallel read)."""
    schema = None
    if header and all(header) and len(set(header)) == len(header):  # already read: no Spark job
        schema = StructType([StructField(name, StringType()) for name in header])
    try:
        if parquet:
            return spark.read.parquet(path)
        return spark.read.csv(
            path, schema=schema, header=True, sep=sep, inferSchema=False, escape='"',
            multiLine=text or encoding.lower().startswith(WIDE_CHARSETS), mode="PERMISSIVE",
            encoding=SPARK_CHARSETS.get(encoding.lower(), encoding),
        )  # fmt: skip
    except SPARK_ERRORS as err:
        raise ScriptError(f"cannot read {path}: {first_line(err)}") from None


def count_parts(frame: DataFrame, task: str):
    """Rows by part; by part and class index (classification); the target's mean on train."""
    rows = {"train": 0, "val": 0, "test": 0}
    counts: dict[str, dict[int, int]] = {part: {} for part in rows}
    mean = None
    if task == "regression":
        for row in frame.groupBy(PART).agg(F.count(F.lit(1)), F.avg(LABEL)).collect():
            rows[row[0]] = row[1]
            mean = row[2] if row[0] == "train" else mean
    else:
        for row in frame.groupBy(PART, LABEL).count().collect():
            rows[row[0]] += row[2]
            counts[row[0]][int(row[1])] = row[2]
    return rows, counts, mean


def output_columns(data_columns: list[str]) -> dict[str, str]:
    """prediction, probability, ...: with a model_ prefix while the data has such a column."""
    prefix = ""
    while any(prefix + name in data_columns for name in OUTPUT_NAMES):
        prefix += "model_"
    return {name: prefix + name for name in OUTPUT_NAMES}


# --- The target -----------------------------------------------------------------------------------
# Why: rows without a target cannot be learnt from or scored, so they are dropped and counted.
# Class labels are compared as text, as in the scikit-learn script: "yes"/"no", 0/1 and 1.0/0.0
# all behave alike; the classes are indexed in sorted order (probability[i] is classes[i]).

MAX_CLASSES = 1000


def whole_numbers(value: Column) -> Column:
    return value.isNotNull() & (F.abs(value) < 1e15) & (F.round(value, 0) == value)


def prepare_target(raw: RawColumns, frame: DataFrame, target: str, task: str):
    """Adds LABEL (regression) or LABEL_TEXT (classification, with the count of each class)."""
    column, dtype = raw[target], raw.dtype(target)
    if task == "regression":
        frame = frame.withColumn(LABEL, to_number(column, dtype))
        return frame.filter(F.col(LABEL).isNotNull()), None
    text, number = as_text(column), to_number(column, dtype)
    if isinstance(dtype, BooleanType):  # as pandas writes them
        text = F.when(column, F.lit("True")).when(~column, F.lit("False"))
    else:
        counts = frame.agg(F.count(text), F.count(F.when(whole_numbers(number), 1))).first()
        if counts[0] and counts[0] == counts[1]:  # every label is a whole number: 1.0 -> "1"
            text = F.when(text.isNotNull(), try_cast(number, "bigint").cast("string"))
    frame = frame.withColumn(LABEL_TEXT, text).filter(F.col(LABEL_TEXT).isNotNull())
    rows = frame.groupBy(LABEL_TEXT).count().limit(MAX_CLASSES + 1).collect()
    if len(rows) > MAX_CLASSES:
        raise ScriptError(f"the target {target!r} has over {MAX_CLASSES} classes; is it numeric?")
    return frame, {row[LABEL_TEXT]: row["count"] for row in rows}


def positive_label(counts: dict[str, int], configured: Any) -> str:
    """The configured positive class, matched case-insensitively; else the minority class."""
    labels = sorted(counts)
    if len(labels) != 2:
        raise ScriptError(f"task is binary but the target has {len(labels)} classes: {labels[:10]}")
    if configured is None:
        return min(labels, key=lambda label: (counts[label], label))
    for label in labels:
        if label == str(configured) or label.lower() == str(configured).lower():
            return label
    raise ScriptError(f"positive_class {configured!r} is not a target value (found {labels})")


# --- Rows in a repeatable order: for --sample-rows and the script's split -------------------------
# Why: rows are ordered by a hash of the seed and their values rather than by F.rand, so the same
# data gives the same rows whatever the partitioning (a cluster, another number of cores).

HASH_RANGE = float(2**64)


def unit_hash(columns: list[Column], seed: int, salt: str) -> Column:
    """A number in [0, 1) from the seed, a salt and the values."""
    return F.xxhash64(F.lit(seed), F.lit(salt), *columns).cast("double") / HASH_RANGE + 0.5


def row_hash(raw: RawColumns, seed: int, salt: str) -> Column:
    hashable = [F.col(name) for name in raw.internal if isinstance(raw.types[name], AtomicType)]
    return unit_hash(hashable, seed, salt)


def time_value(raw: RawColumns, name: str) -> Column:
    """Seconds since 1970 of a time column, or its number: the order of a time split."""
    dtype = raw.dtype(name)
    if isinstance(dtype, NumericType):
        return to_number(raw[name], dtype)
    return F.coalesce(seconds(to_time(raw[name], dtype)), to_number(raw[name], dtype))


def sample_rows(raw: RawColumns, frame: DataFrame, rows: int, split_cfg: dict, seed: int):
    """`rows` rows: the latest for a time split, else a seeded random choice."""
    shuffle = row_hash(raw, seed, "sample")
    if split_cfg["strategy"] == "time":
        latest = time_value(raw, split_cfg["time_column"]).desc_nulls_last()
        return frame.orderBy(latest, shuffle).limit(rows)
    return frame.orderBy(shuffle).limit(rows)


# --- The model section as a Spark estimator -------------------------------------------------------

# scikit-learn's names for Spark parameters, accepted too; snake_case becomes camelCase.
PARAM_ALIASES = {
    "n_estimators": ("numTrees", "maxIter"),
    "learning_rate": ("stepSize",),
    "subsample": ("subsamplingRate",),
    "min_samples_leaf": ("minInstancesPerNode",),
    "max_iter": ("maxIter",),
}
SET_BY_SCRIPT = {"featuresCol", "labelCol", "predictionCol", "probabilityCol", "rawPredictionCol",
                 "weightCol", "leafCol"}  # fmt: skip


class ModelChoice(NamedTuple):
    kind: str  # model.type
    estimator: type
    params: dict[str, Any]  # Spark names, converted to Spark's types
    notes: list[str]


def spark_param(estimator: type, name: str) -> Param | None:
    param = getattr(estimator, name, None)
    return param if isinstance(param, Param) else None


def spark_param_names(estimator: type) -> list[str]:
    names = (name for name in dir(estimator) if spark_param(estimator, name) is not None)
    return sorted(name for name in names if name not in SET_BY_SCRIPT)


def spark_name(estimator: type, name: str) -> str | None:
    camel = re.sub(r"_([a-z])", lambda match: match.group(1).upper(), name)
    for candidate in (name, *PARAM_ALIASES.get(name, ()), camel):
        if spark_param(estimator, candidate) is not None:
            return candidate
    return None


def spark_params(given: dict[str, Any], meant: type, estimator: type):
    """model.params as `estimator`'s parameters, by Spark's names and types, and a note for each
    one it lacks. `meant`: the class they were written for (GBTClassifier, where a multiclass
    task trains a random forest). An unknown name is one line naming the known ones."""
    params, notes = {}, []
    for name, value in given.items():
        spark = spark_name(meant, name) or spark_name(estimator, name)
        if spark is None or spark in SET_BY_SCRIPT:
            known = ", ".join(spark_param_names(estimator))
            why = "is set by the script" if spark else f"is not a parameter of {meant.__name__}"
            raise ScriptError(f"model.params {name!r} {why}; known: {known}")
        if spark_param(estimator, spark) is None:
            notes.append(f"model.params {name!r} left out: {estimator.__name__} has no {spark}")
            continue
        try:
            params[spark] = spark_param(estimator, spark).typeConverter(value)
        except TypeError as err:
            raise ScriptError(f"model.params {name!r}: {first_line(err)}") from None
    return params, notes


def balanced(model_cfg: dict[str, Any], task: str, choice: ModelChoice) -> bool:
    """Whether to weight the classes (class_weight: balanced) with a weight column."""
    wanted = model_cfg.get("class_weight")
    if not wanted or task == "regression":
        return False
    if wanted != "balanced":
        raise ScriptError(f"model.class_weight {wanted!r}: the Spark script supports 'balanced'")
    if spark_param(choice.estimator, "weightCol") is None:
        print(f"note: {choice.estimator.__name__} takes no weights; class_weight is ignored")
        return False
    return True


def build_estimator(choice: ModelChoice, task: str, seed: int, weighted: bool, outputs: dict):
    options: dict[str, Any] = {
        "featuresCol": FEATURES, "labelCol": LABEL, "predictionCol": outputs["prediction"],
    }  # fmt: skip
    if task != "regression":
        options["probabilityCol"] = outputs["probability"]
        options["rawPredictionCol"] = outputs["rawPrediction"]
    if spark_param(choice.estimator, "seed") is not None:
        options["seed"] = seed
    if weighted:
        options["weightCol"] = WEIGHT
    estimator = choice.estimator()
    for name, value in {**options, **choice.params}.items():
        estimator.set(estimator.getParam(name), value)
    return estimator


def with_weights(frame: DataFrame, counts: dict[int, int]) -> DataFrame:
    """Adds WEIGHT = rows / (classes * rows of the class), as scikit-learn's "balanced"."""
    present = {index: count for index, count in counts.items() if count}
    total, weight = sum(present.values()), F.lit(1.0)
    for index, count in present.items():
        weight = F.when(F.col(LABEL) == float(index), total / (len(present) * count)).otherwise(
            weight
        )
    return frame.withColumn(WEIGHT, weight)


# --- Scores ---------------------------------------------------------------------------------------
# Why: every score comes from sklearn.metrics by the name written in the config, through the
# runtime's metrics, exactly as in the scikit-learn script. The cost: each scored part's labels,
# predictions and probabilities are collected into this process, one pass over the part and
# about (2 + classes) numbers per row in memory; beyond METRIC_ROWS rows a seeded sample is
# scored.

METRIC_ROWS = 1_000_000


class Evaluation(NamedTuple):
    scores: dict[str, dict[str, Any]]  # "model" and "baseline" -> part -> metric -> score
    problems: dict[str, str]  # the metrics that could not be computed, and why
    scored_rows: dict[str, int]  # by part: a sample beyond METRIC_ROWS


def evaluate(setup: Setup, data: Data, fitted: PipelineModel) -> Evaluation:
    """The model's scores on val and test beside the naive baseline's on the same rows."""
    priors = None
    if setup.task != "regression":
        priors = np.array(list(data.class_counts("train").values()), dtype=float)
        priors /= priors.sum()
    scores: dict[str, dict[str, Any]] = {"model": {}, "baseline": {}}
    problems: dict[str, str] = {}
    scored_rows = {}
    for part in ("val", "test"):
        predictions = predictions_on(setup, data, fitted, part)
        if predictions is None:
            scores["model"][part] = scores["baseline"][part] = None
            continue
        scored_rows[part] = len(predictions.y_true)
        baseline = baseline_predictions(predictions, setup.task, priors, data.mean)
        for who, made in (("model", predictions), ("baseline", baseline)):
            scores[who][part], missing = evaluate_predictions(made, setup.metric_names, setup.task)
            problems.update({f"{who}.{part}.{name}": why for name, why in missing.items()})
    return Evaluation(scores, problems, scored_rows)


def predictions_on(setup: Setup, data: Data, fitted: PipelineModel, part: str):
    """The model's predictions on a part (a seeded sample beyond METRIC_ROWS); None if empty."""
    if data.rows[part] == 0:
        return None
    frame = data.part(part)
    if data.rows[part] > METRIC_ROWS:
        frame = frame.sample(fraction=METRIC_ROWS / data.rows[part], seed=setup.seed)
    return predict(fitted, frame, setup.task, data.classes, data.positive, data.outputs)


def predict(fitted: PipelineModel, part: DataFrame, task: str, classes: list[str],
            positive: str | None, outputs: dict[str, str]) -> Predictions:  # fmt: skip
    """The part's labels, predictions and probabilities, collected into this process."""
    scored = fitted.transform(part)
    if task == "regression":
        rows = scored.select(LABEL, outputs["prediction"]).collect()
        y_true = np.array([row[0] for row in rows], dtype=float)
        return Predictions(y_true, np.array([row[1] for row in rows], dtype=float), None, [], None)
    probability = vector_to_array(F.col(outputs["probability"]))
    rows = scored.select(LABEL, outputs["prediction"], probability).collect()
    labels = np.array(classes, dtype=object)
    y_true = labels[np.array([int(row[0]) for row in rows], dtype=int)]
    y_pred = labels[np.array([int(row[1]) for row in rows], dtype=int)]
    proba = np.zeros((len(rows), len(classes)))
    for index, row in enumerate(rows):  # a class absent from training may lack a column
        proba[index, : len(row[2])] = row[2]
    return Predictions(y_true, y_pred, proba, classes, positive)


def baseline_predictions(truth: Predictions, task: str, priors: np.ndarray | None,
                         mean: float | None) -> Predictions:  # fmt: skip
    """The naive baseline on the same rows: the training mean, or the training class shares
    as probabilities and the most common training class as the prediction."""
    rows = len(truth.y_true)
    if task == "regression":
        return Predictions(truth.y_true, np.full(rows, mean), None, [], None)
    majority = truth.classes[int(np.argmax(priors))]
    predicted = np.full(rows, majority, dtype=object)
    return Predictions(truth.y_true, predicted, np.tile(priors, (rows, 1)), truth.classes,
                       truth.positive)  # fmt: skip


# --- Outputs --------------------------------------------------------------------------------------


class Search(NamedTuple):
    """The model the search chose, and what it measured."""

    model_cfg: dict[str, Any]  # its section: `model` or one of search.alternatives
    choice: ModelChoice
    record: dict[str, Any] | None  # metrics.json's `search`; None: no search
    fitted: tuple[PipelineModel, float] | None  # its fit on train and seconds: not fitted twice


def metrics_record(spark: SparkSession, setup: Setup, data: Data, search: Search,
                   ev: Evaluation, fit_seconds: float) -> dict[str, Any]:  # fmt: skip
    """metrics.json: what was trained on what, its scores beside the baseline's, and how."""
    primary, scores, task, outputs = setup.primary, ev.scores, setup.task, data.outputs
    record = {
        "task": task,
        "target": setup.data_cfg["target"],
        "primary_metric": primary,
        "lower_is_better": primary in LOWER_IS_BETTER,
        "model": scores["model"],
        "baseline": scores["baseline"],
        "baseline_type": "class_prior" if task != "regression" else "train_mean",
        "cv": None,
        "beats_baseline": beats(
            scores["model"]["test"][primary], scores["baseline"]["test"][primary], primary
        ),  # fmt: skip
        "unavailable_metrics": ev.problems,
        "rows": {**data.rows, "dropped_missing_target": data.dropped},
        "scored_rows": ev.scored_rows,
        "sampled_rows": data.sampled_rows,
        "split": setup.data_cfg["split"]["strategy"],
        "classes": data.classes or None,
        "positive_class": data.positive,
        "model_type": search.choice.kind,
        "model_params": search.model_cfg.get("params") or {},
        "model_label": described(search.model_cfg),
        "estimator": search.choice.estimator.__name__,
        "estimator_params": search.choice.params,
        "search": search.record,
        "importances": {"skipped": "the Spark script does not measure input importances"},
    }
    if protected := setup.data_cfg.get("protected"):
        # The approval names each protected attribute, so that no one reads silence as fair.
        skipped = {"skipped": "not measured per group by the Spark script"}
        record["groups"] = {"columns": {name: skipped for name in protected}}
    return {
        **record,
        "fit_seconds": round(fit_seconds, 3),
        "saved_model": {
            "path": "model",
            "format": "spark",
            "fitted_on": "train+val",
            "rows": data.rows["train"] + data.rows["val"],
            "outputs": outputs if task != "regression" else {"prediction": outputs["prediction"]},
            "note": "the val and test scores above are of the same pipeline fitted on train only",
            "loads_with": f"{runtime_requirement()} and pyspark",  # its first stage is ours
        },
        "spark": {"version": spark.version, "master": spark.sparkContext.master},
        "total_seconds": None,  # when metrics.json is written
    }


def save(setup: Setup, final_model: PipelineModel, metrics: dict[str, Any]) -> Path:
    """model/, then metrics.json: a metrics.json says its run finished, so it is never older
    than the model beside it. Each replaces the previous one whole."""
    output_dir = setup.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    model_dir = output_dir / "model"
    try:
        write_atomically(model_dir, lambda path: final_model.write().overwrite().save(str(path)))
    except SPARK_ERRORS as err:
        raise ScriptError(f"cannot save the model to {model_dir}: {first_line(err)}") from None
    metrics["total_seconds"] = round(time.perf_counter() - setup.started, 3)
    metrics_path = output_dir / "metrics.json"
    text = json.dumps(metrics, indent=2, allow_nan=False) + "\n"
    write_atomically(metrics_path, lambda path: path.write_text(text, encoding="utf-8"))
    return metrics_path


def shown(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def print_summary(metrics: dict[str, Any], metrics_path: Path) -> None:
    primary, search, rows = metrics["primary_metric"], metrics["search"], metrics["rows"]
    if search and search.get("tried"):
        tried = ", ".join(
            f"{item['label']} {shown(item.get('score'))}" if "score" in item
            else f"{item['label']} (not measured)" for item in search["tried"]
        )  # fmt: skip
        print(f"Search ({search['how']}, {primary}): {tried}; chose {metrics['model_label']}.")
    print(f"Trained {metrics['model_label']} ({metrics['estimator']}) on {rows['train']:,} rows "
          f"in {metrics['fit_seconds']:.1f} s.")  # fmt: skip
    verdict = "beats" if metrics["beats_baseline"] else "does NOT beat"
    print(
        f"{primary} on test ({rows['test']:,} rows): model "
        f"{shown(metrics['model']['test'][primary])}, baseline "
        f"{shown(metrics['baseline']['test'][primary])}; the model {verdict} the baseline."
    )
    print(f"Wrote {metrics_path} and model/ (Spark PipelineModel, refit on train+val, "
          f"{metrics['saved_model']['rows']:,} rows).")  # fmt: skip
