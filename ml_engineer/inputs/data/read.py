"""Read the dataset into a DataFrame: CSV with pandas, Parquet with pyarrow.

A file that exists but cannot be used raises `DataError` naming the file and the fix.
"""

from __future__ import annotations

import gzip

import pandas as pd

from ml_engineer.errors import DataError
from ml_engineer.inputs.dataset_location import DatasetLocation, csv_encoding


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
    encoding = csv_encoding(location)
    if b"\x00" in head and not encoding.startswith(("utf-16", "utf-32")):
        raise _fail(
            location, "it holds binary data, not CSV text", "Export the data as CSV or Parquet."
        )
    kwargs: dict = {"sep": location.sep, "encoding": encoding}
    try:
        # The header as written: pandas would rename a repeated name (`species.1`) silently.
        header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False, **kwargs)
        _refuse_repeated_names(location, [str(v) for v in header.iloc[0]] if len(header) else [])
        return pd.read_csv(path, low_memory=False, nrows=nrows, usecols=columns, **kwargs)
    except UnicodeDecodeError as exc:
        raise _fail(
            location,
            f"its text is not {encoding} throughout ({_first_line(exc)})",
            "Save it as UTF-8.",
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise _fail(location, "the file holds no columns", "Export it with a header row.") from exc
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


def _refuse_repeated_names(location: DatasetLocation, names: list[str]) -> None:
    """Two columns of one name cannot be told apart: by the planner, the script or a reviewer."""
    positions: dict[str, list[int]] = {}
    for number, name in enumerate(names, start=1):
        if name.strip():  # unnamed columns get distinct names (`Unnamed: 3`) when read
            positions.setdefault(name, []).append(number)
    repeated = {name: where for name, where in positions.items() if len(where) > 1}
    if not repeated:
        return
    shown = "; ".join(
        f"`{name}` (columns {', '.join(map(str, where))})" for name, where in repeated.items()
    )
    raise DataError(
        f"Cannot use the dataset {location.path}: several of its columns have the same name, "
        f"so they cannot be told apart: {shown}. Rename the repeated columns in the file so "
        "that every column has its own name, then run again.",
        path=str(location.path),
        field=", ".join(repeated),
    )


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
        _refuse_repeated_names(location, [str(name) for name in names])
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
