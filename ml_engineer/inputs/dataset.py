"""Find the analyst's dataset, read it, and compute the few facts the planner needs from it.

The dataset is optional: without it the product still writes its deliverables. So `find_dataset`
answers `None` rather than raising, and `read_dataset` raises `DataError` (naming the file and the
fix) only for a file that exists but cannot be used.
"""

from __future__ import annotations

import gzip
import warnings
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from ml_engineer.errors import DataError
from ml_engineer.inputs.dataset_location import DatasetLocation, find_dataset  # noqa: F401

MAX_FACT_ROWS = 200_000  # dataset_facts samples beyond this many rows
SAMPLE_SEED = 0
MAX_TARGET_VALUE_COUNTS = 100
MAX_BINS = 10  # quantile bins for a numeric column in the leakage screen


class TimeOrder(BaseModel):
    """Whether a column reads as dates, and how sorted the rows already are by it."""

    column: str
    parses_as_dates: bool = Field(description="True when >= 95% of non-null values parse.")
    parsed_fraction: float = Field(description="Share of non-null values that parse as dates.")
    sorted_fraction: float = Field(
        description="Share of consecutive parsed values (in row order) that do not go backwards; "
        "1.0 means the rows are already in time order, about 0.5 means shuffled."
    )
    first: str | None = None
    last: str | None = None


class DatasetFacts(BaseModel):
    """What the real data says, for the planner.

    `row_count`, `missing_counts`, `target_value_counts` and `missing_target_rows` are counted on
    all rows. `unique_counts` and `association` are computed on `analysed_rows` rows: all of them
    up to 200,000, beyond that a random sample (seed 0), which `notes` then says.
    """

    target: str
    row_count: int
    analysed_rows: int
    sampled: bool = False
    columns: list[str]
    missing_counts: dict[str, int]
    unique_counts: dict[str, int]
    target_kind: Literal["classification", "regression"]
    target_unique_count: int
    target_value_counts: dict[str, int] = Field(
        description="Counts of the target's values as text, most frequent first (top 100)."
    )
    target_value_counts_truncated: bool = False
    missing_target_rows: int
    association: dict[str, float] = Field(
        default_factory=dict,
        description="0..1 per other column: how well the column alone predicts the target "
        "(0 = no better than chance, 1 = perfectly). See `dataset_facts`.",
    )
    association_method: dict[str, str] = Field(default_factory=dict)
    skipped_id_columns: list[str] = Field(
        default_factory=list, description="Unique per row, so left out of the association screen."
    )
    notes: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Reading it


def _fail(location: DatasetLocation, problem: str, fix: str) -> DataError:
    return DataError(
        f"Cannot use the dataset {location.path}: {problem}. {fix}", path=str(location.path)
    )


def _read_csv(location: DatasetLocation, nrows: int | None, columns: list[str] | None):
    path = location.path
    gz = path.name.lower().endswith(".gz")
    try:
        opener = gzip.open if gz else open
        with opener(path, "rb") as fh:
            head = fh.read(65536)
    except (OSError, EOFError) as exc:
        raise _fail(
            location,
            f"it cannot be opened ({_first_line(exc)})",
            "Check the file and its permissions.",
        ) from exc
    if not head.strip():
        raise _fail(location, "the file is empty", "Export the data again, with a header row.")
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(
            location, "it holds binary data, not CSV text", "Export the data as CSV or Parquet."
        )
    kwargs: dict = {"sep": location.sep, "low_memory": False, "nrows": nrows}
    if columns is not None:
        kwargs["usecols"] = list(columns)
    encodings = ["utf-8-sig", "latin-1"]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    last: Exception | None = None
    for encoding in encodings:
        try:
            return pd.read_csv(path, encoding=encoding, **kwargs)
        except UnicodeDecodeError as exc:
            last = exc
            continue
        except pd.errors.EmptyDataError as exc:
            raise _fail(
                location, "the file holds no columns", "Export it with a header row."
            ) from exc
        except pd.errors.ParserError as exc:
            raise _fail(
                location,
                f"it is not valid CSV ({_first_line(exc)})",
                "Check the separator and quoting, or export it again.",
            ) from exc
        except ValueError as exc:
            if columns is not None and "usecols" in str(exc).lower():
                raise _missing_columns(location, columns) from exc
            raise _fail(
                location, f"it cannot be parsed ({_first_line(exc)})", "Export it again."
            ) from exc
        except (OSError, EOFError) as exc:
            raise _fail(
                location, f"it cannot be read ({_first_line(exc)})", "Export it again."
            ) from exc
    raise _fail(location, f"its text encoding is unknown ({last})", "Save it as UTF-8.")


def _missing_columns(location: DatasetLocation, wanted: list[str]) -> DataError:
    return _fail(
        location,
        f"it lacks some of the expected columns {wanted}",
        "Check the column names against the profile.",
    )


def _read_parquet(location: DatasetLocation, nrows: int | None, columns: list[str] | None):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if location.path.stat().st_size == 0:
            raise _fail(location, "the file is empty", "Export the data again.")
        parquet = pq.ParquetFile(location.path)
        names = parquet.schema_arrow.names
        if columns is not None:
            missing = [c for c in columns if c not in names]
            if missing:
                raise _missing_columns(location, missing)
        if nrows is None:
            table = parquet.read(columns=columns)
        else:
            batches = []
            remaining = nrows
            for batch in parquet.iter_batches(batch_size=65536, columns=columns):
                if remaining <= 0:
                    break
                batches.append(batch.slice(0, remaining))
                remaining -= len(batches[-1])
            schema = parquet.schema_arrow
            if columns is not None:
                schema = pa.schema([schema.field(c) for c in columns])
            table = pa.Table.from_batches(batches, schema=schema)
        return table.to_pandas()
    except DataError:
        raise
    except (pa.ArrowException, OSError, ValueError, EOFError) as exc:
        raise _fail(
            location,
            f"it is not a readable Parquet file ({_first_line(exc)})",
            "Export it again with pandas.DataFrame.to_parquet, or provide a CSV.",
        ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else exc.__class__.__name__


def read_dataset(
    location: DatasetLocation, nrows: int | None = None, columns: list[str] | None = None
) -> pd.DataFrame:
    """The dataset as a DataFrame: CSV with pandas (`low_memory=False`), Parquet with pyarrow.

    Raises `DataError` naming the file for a file that is unreadable, corrupt, empty (no rows,
    unless `nrows=0` asked for the header only) or without columns.
    """
    if location.format == "parquet":
        df = _read_parquet(location, nrows, columns)
    else:
        df = _read_csv(location, nrows, columns)
        if columns is not None:
            df = df[list(dict.fromkeys(columns))]  # the order asked for, as Parquet gives it
    if df.shape[1] == 0:
        raise _fail(location, "it has no columns", "Export it again with a header row.")
    if len(df) == 0 and nrows != 0:
        raise _fail(location, "it has a header but no rows", "Export the data rows as well.")
    return df


# ---------------------------------------------------------------------------------------------
# Facts


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _as_float(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        epoch = pd.Timestamp("1970-01-01", tz=getattr(series.dt, "tz", None))
        return ((series - epoch) / pd.Timedelta(seconds=1)).astype("float64")
    return pd.to_numeric(series, errors="coerce").astype("float64")


def _integer_valued(series: pd.Series) -> bool:
    if not _is_numeric(series):
        return True
    values = _as_float(series).dropna()
    return bool(len(values)) and bool(np.all(np.isclose(values, np.round(values))))


def _labels(series: pd.Series) -> pd.Series:
    """A column's values as category codes, missing values as a level of their own."""
    codes, _ = pd.factorize(series, use_na_sentinel=True)
    return pd.Series(codes, index=series.index)


def _binned(values: pd.Series) -> pd.Series:
    """A numeric column cut into up to MAX_BINS quantile bins (missing = its own bin)."""
    numbers = _as_float(values)
    if numbers.nunique(dropna=True) <= MAX_BINS:
        return _labels(numbers)
    try:
        bins = pd.qcut(numbers, q=MAX_BINS, labels=False, duplicates="drop")
    except ValueError:
        return _labels(numbers)
    return pd.Series(np.where(bins.isna(), -1, bins), index=values.index)


def _folds(n: int) -> np.ndarray:
    rng = np.random.default_rng(SAMPLE_SEED)
    fold = np.zeros(n, dtype=np.int8)
    fold[rng.permutation(n)[: n // 2]] = 1
    return fold


def _cross_fitted_purity(groups: pd.Series, y: pd.Series, fold: np.ndarray) -> float:
    """Accuracy of predicting each row's class as the majority class of its group in the other
    half of the rows (unseen group: the overall majority), rescaled so that always predicting
    the majority class is 0 and perfect prediction is 1. Never below 0."""
    frame = pd.DataFrame({"g": groups.to_numpy(), "y": y.to_numpy(), "f": fold})
    majority = y.value_counts().index[0]
    base = float((y == majority).mean())
    if base >= 1.0:
        return 0.0
    correct = 0
    for f in (0, 1):
        train = frame[frame["f"] != f]
        test = frame[frame["f"] == f]
        if train.empty or test.empty:
            continue
        counts = train.groupby(["g", "y"], sort=False).size().reset_index(name="n")
        counts = counts.sort_values(["g", "n"], ascending=[True, False], kind="stable")
        best = counts.drop_duplicates("g").set_index("g")["y"]
        predicted = test["g"].map(best)
        predicted = predicted.where(predicted.notna(), majority)
        correct += int((predicted.to_numpy() == test["y"].to_numpy()).sum())
    accuracy = correct / len(frame)
    return float(min(1.0, max(0.0, (accuracy - base) / (1.0 - base))))


def _auc(score: pd.Series, positive: pd.Series) -> float | None:
    """ROC AUC of `score` for the boolean `positive`, ties counted half (rank formula)."""
    mask = score.notna().to_numpy()
    s = score.to_numpy()[mask]
    p = positive.to_numpy()[mask].astype(bool)
    n_pos = int(p.sum())
    n_neg = int(len(p) - n_pos)
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = pd.Series(s).rank(method="average").to_numpy()
    return float((ranks[p].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _cross_fitted_rate(groups: pd.Series, target: pd.Series, fold: np.ndarray) -> pd.Series:
    """Each row's target mean within its group, learned on the other half of the rows."""
    frame = pd.DataFrame({"g": groups.to_numpy(), "t": target.to_numpy(dtype=float), "f": fold})
    out = np.full(len(frame), np.nan)
    overall = float(frame["t"].mean())
    for f in (0, 1):
        train = frame[frame["f"] != f]
        means = train.groupby("g", sort=False)["t"].mean()
        test_mask = frame["f"].to_numpy() == f
        mapped = frame.loc[test_mask, "g"].map(means).to_numpy(dtype=float)
        out[test_mask] = np.where(np.isnan(mapped), overall, mapped)
    return pd.Series(out, index=groups.index)


def _abs_corr(a: pd.Series, b: pd.Series) -> float:
    mask = a.notna() & b.notna()
    if mask.sum() < 3:
        return 0.0
    x = a[mask].to_numpy(dtype=float)
    y = b[mask].to_numpy(dtype=float)
    if np.std(x) == 0 or np.std(y) == 0:
        return 0.0
    pearson = abs(float(np.corrcoef(x, y)[0, 1]))
    xr = pd.Series(x).rank().to_numpy()
    yr = pd.Series(y).rank().to_numpy()
    spearman = abs(float(np.corrcoef(xr, yr)[0, 1]))
    best = max(pearson, spearman)
    return 0.0 if np.isnan(best) else min(1.0, best)


def _target_kind(series: pd.Series) -> Literal["classification", "regression"]:
    values = series.dropna()
    if _is_numeric(values) and values.nunique() > 20 and not pd.api.types.is_bool_dtype(values):
        return "regression"
    return "classification"


def _value_key(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def dataset_facts(
    df: pd.DataFrame, target: str, task: Literal["classification", "regression"] | str | None = None
) -> DatasetFacts:
    """Counts, the target's distribution and a single-column leakage screen.

    `task` is "classification" (or "binary"/"multiclass") or "regression"; by default a numeric
    target with more than 20 distinct values is regression, anything else classification.

    The leakage screen gives each other column an `association` in [0, 1]: how well that
    column alone predicts the target, with 0 meaning no better than chance and 1 perfectly.
    Rows with a missing target are left out; a missing feature value is a level of its own.

    - Classification, any column: *cross-fitted purity*. The rows are split in two halves (seed
      0); each row's class is predicted as the majority class of its column value (numeric
      columns: of its quantile bin, up to 10) in the other half, an unseen value getting the
      overall majority. The accuracy is rescaled as (acc - majority_rate) / (1 - majority_rate).
      Cross-fitting keeps high-cardinality columns from looking pure by chance.
    - Binary classification, additionally: the ROC AUC of the column as a score (numeric: the
      value itself; otherwise its cross-fitted target rate), as |2 * AUC - 1|. The larger of the
      two numbers is reported.
    - Regression: numeric columns, max(|Pearson|, |Spearman|) with the target; other columns,
      the correlation of the cross-fitted per-value target mean with the target.

    Columns unique per row (IDs) are not scored, so a row number in a file sorted by the target
    cannot look like a perfect predictor; they are listed in `skipped_id_columns`. Non-integer
    numeric columns are scored even when all distinct (continuous measurements are not IDs).
    `association_method` says which method scored each column.
    """
    if target not in df.columns:
        shown = ", ".join(map(str, list(df.columns)[:20]))
        raise DataError(
            f"The target column '{target}' is not in the dataset (its columns: {shown}). "
            "Check the target name against the data.",
            field="target",
        )
    if isinstance(df[target], pd.DataFrame):
        raise DataError(
            f"The dataset has several columns named '{target}'. Rename them so the target is "
            "one column.",
            field="target",
        )
    notes: list[str] = []
    row_count = int(len(df))
    missing_counts = {str(c): int(v) for c, v in df.isna().sum().items()}
    y_all = df[target]
    missing_target = int(y_all.isna().sum())
    counts = y_all.value_counts(dropna=True)
    value_counts = {_value_key(k): int(v) for k, v in counts.head(MAX_TARGET_VALUE_COUNTS).items()}

    if row_count > MAX_FACT_ROWS:
        sample = df.sample(n=MAX_FACT_ROWS, random_state=SAMPLE_SEED)
        notes.append(
            f"Unique counts and the association screen use a random sample of {MAX_FACT_ROWS:,} "
            f"of {row_count:,} rows (seed {SAMPLE_SEED})."
        )
    else:
        sample = df
    unique_counts = {str(c): int(sample[c].nunique(dropna=True)) for c in sample.columns}

    if task in ("binary", "multiclass", "classification"):
        kind: Literal["classification", "regression"] = "classification"
    elif task == "regression":
        kind = "regression"
    else:
        kind = _target_kind(y_all)

    association: dict[str, float] = {}
    methods: dict[str, str] = {}
    skipped: list[str] = []
    labelled = sample[sample[target].notna()]
    y = labelled[target]
    n = len(labelled)
    if n < 4 or y.nunique() < 2:
        notes.append(
            "The association screen was skipped: fewer than 4 rows with a target, or one class."
        )
    else:
        fold = _folds(n)
        y_codes = _labels(y)
        binary = kind == "classification" and y.nunique() == 2
        positive = (y_codes == 0) if binary else None
        y_num = _as_float(y) if kind == "regression" else None
        for column in labelled.columns:
            if column == target:
                continue
            col = labelled[column]
            if isinstance(col, pd.DataFrame):
                notes.append(f"Column name '{column}' is repeated; it was not screened.")
                continue
            non_null = col.dropna()
            if len(non_null) == 0:
                continue
            if non_null.nunique() == len(labelled) and _integer_valued(non_null):
                skipped.append(str(column))
                continue
            if non_null.nunique() == 1 and len(non_null) == n:
                association[str(column)] = 0.0
                methods[str(column)] = "constant"
                continue
            numeric = _is_numeric(col) or pd.api.types.is_datetime64_any_dtype(col)
            groups = _binned(col) if numeric else _labels(col)
            if kind == "classification":
                score = _cross_fitted_purity(groups, y_codes, fold)
                method = "cross-fitted purity" + (" of quantile bins" if numeric else "")
                if binary:
                    rate = _as_float(col) if numeric else _cross_fitted_rate(groups, positive, fold)
                    auc = _auc(rate, positive)
                    if auc is not None and abs(2 * auc - 1) > score:
                        score = abs(2 * auc - 1)
                        method = "ROC AUC as |2*AUC-1|" + (
                            "" if numeric else " of the cross-fitted value rate"
                        )
            else:
                if numeric:
                    score = _abs_corr(_as_float(col), y_num)
                    method = "max(|Pearson|, |Spearman|)"
                else:
                    rate = _cross_fitted_rate(groups, y_num, fold)
                    score = _abs_corr(rate, y_num)
                    method = "correlation of the cross-fitted value mean"
            association[str(column)] = round(float(score), 4)
            methods[str(column)] = method

    return DatasetFacts(
        target=str(target),
        row_count=row_count,
        analysed_rows=int(len(sample)),
        sampled=len(sample) < row_count,
        columns=[str(c) for c in df.columns],
        missing_counts=missing_counts,
        unique_counts=unique_counts,
        target_kind=kind,
        target_unique_count=int(len(counts)),
        target_value_counts=value_counts,
        target_value_counts_truncated=len(counts) > MAX_TARGET_VALUE_COUNTS,
        missing_target_rows=missing_target,
        association=association,
        association_method=methods,
        skipped_id_columns=skipped,
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------
# Time order and groups

_YEAR_MIN, _YEAR_MAX = 1800, 2200


def _parse_dates(series: pd.Series) -> pd.Series:
    """Dates parsed from a column, NaT where a value does not parse. Numbers count as dates
    only as years (1800..2200) or yyyymmdd integers, never as epoch offsets."""
    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is not None:
            return series.dt.tz_convert("UTC").dt.tz_localize(None)
        return series
    if pd.api.types.is_bool_dtype(series):
        return pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    if _is_numeric(series):
        numbers = _as_float(series)
        whole = numbers.notna() & np.isclose(numbers.fillna(0.5), np.round(numbers.fillna(0.5)))
        years = whole & numbers.between(_YEAR_MIN, _YEAR_MAX)
        if years.sum() >= 0.95 * numbers.notna().sum():
            text = numbers.where(years).map(lambda v: f"{int(v)}" if v == v else None)
            return pd.to_datetime(text, format="%Y", errors="coerce")
        ymd = whole & numbers.between(_YEAR_MIN * 10000 + 101, _YEAR_MAX * 10000 + 1231)
        text = numbers.where(ymd).map(lambda v: f"{int(v)}" if v == v else None)
        return pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    text = series.astype("string").str.strip()
    numeric_text = text.str.fullmatch(r"[-+]?\d+(?:\.\d+)?", na=False)
    year_like = text.str.fullmatch(r"\d{4}|\d{8}", na=False)
    text = text.where(~numeric_text | year_like)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # utc=True: one time axis even when values carry different offsets.
        parsed = pd.to_datetime(text, errors="coerce", utc=True)
        if parsed.notna().sum() < 0.95 * text.notna().sum():
            try:
                mixed = pd.to_datetime(text, errors="coerce", format="mixed", utc=True)
            except (ValueError, TypeError):
                mixed = parsed
            if mixed.notna().sum() > parsed.notna().sum():
                parsed = mixed
    return parsed.dt.tz_localize(None)


def is_monotonic_in_time(df: pd.DataFrame, column: str) -> TimeOrder:
    """Whether `column` reads as dates (>= 95% of its non-null values parse) and the share of
    consecutive rows (first 200,000, in file order) whose dates do not go backwards."""
    series = df[column].iloc[:MAX_FACT_ROWS]
    non_null = int(series.notna().sum())
    if non_null == 0:
        return TimeOrder(
            column=column, parses_as_dates=False, parsed_fraction=0.0, sorted_fraction=0.0
        )
    try:
        parsed = _parse_dates(series)
    except (ValueError, TypeError, OverflowError):
        parsed = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    ok = parsed.dropna()
    fraction = len(ok) / non_null
    if len(ok) >= 2:
        values = ok.to_numpy()
        sorted_fraction = float(np.mean(values[1:] >= values[:-1]))
    else:
        sorted_fraction = 0.0
    return TimeOrder(
        column=column,
        parses_as_dates=fraction >= 0.95,
        parsed_fraction=round(fraction, 4),
        sorted_fraction=round(sorted_fraction, 4),
        first=str(ok.min()) if len(ok) else None,
        last=str(ok.max()) if len(ok) else None,
    )


def repeats(df: pd.DataFrame, column: str) -> bool:
    """Whether any non-null value of `column` occurs more than once (a candidate group ID)."""
    values = df[column].dropna()
    return bool(values.nunique() < len(values))
