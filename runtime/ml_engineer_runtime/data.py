"""Reading the data and checking it against the config; the target; time order; sampling.

Why: only the columns the run uses are read (a leftover export field costs neither time nor
memory, and a bad value in it cannot stop the run), and every column the config names must be
there before any compute is spent. Rows without a target cannot be learnt from or scored, so
they are dropped and counted. Class labels are compared as strings, so that "yes"/"no", 0/1
and True/False all behave alike.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ml_engineer_runtime.config import time_columns
from ml_engineer_runtime.derived import derived_entries
from ml_engineer_runtime.errors import ScriptError


def load_data(
    path: Path,
    data_format: str,
    sep: str = ",",
    encoding: str = "utf-8",
    select: Callable[[list[str]], list[str]] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """The data and its header's column names. `select(names)` names the columns to read (all
    of them without it), and may raise ScriptError, before any row is read."""
    if not path.is_file():
        raise ScriptError(f"data file not found: {path} (pass --data PATH to point elsewhere)")
    suffix = path.suffix.lower()
    parquet = suffix in (".parquet", ".pq") or (data_format == "parquet" and suffix != ".csv")
    try:
        # Two columns of one name cannot be told apart: read_csv would rename the second
        # (`x.1`) without a word, so the header is read as written and checked first.
        names = header_names(path, parquet, sep, encoding)
        repeated = sorted({name for name in names if name.strip() and names.count(name) > 1})
        if repeated:
            raise ScriptError(
                f"column name(s) repeated in the header of {path}: {repeated}; rename them so "
                "that every column has its own name"
            )
        columns = select(names) if select else None
        if parquet:
            frame = pd.read_parquet(path, columns=columns)
        else:
            frame = pd.read_csv(path, sep=sep, encoding=encoding, low_memory=False, usecols=columns)
    except UnicodeDecodeError as err:
        raise ScriptError(
            f"cannot read {path} as {encoding} text ({err}); set data.encoding in the config "
            "to the file's encoding"
        ) from None
    except LookupError:
        raise ScriptError(f"data.encoding {encoding!r} is not a known text encoding") from None
    except (OSError, ValueError, ImportError) as err:
        raise ScriptError(f"cannot read {path}: {err}") from None
    if frame.empty:
        raise ScriptError(f"{path} has no rows")
    return frame, names


def header_names(path: Path, parquet: bool, sep: str, encoding: str) -> list[str]:
    """The data's column names exactly as the file writes them."""
    if parquet:
        import pyarrow.parquet  # what pandas reads Parquet with

        return [str(name) for name in pyarrow.parquet.read_schema(path).names]
    header = pd.read_csv(
        path, sep=sep, encoding=encoding, header=None, nrows=1, dtype=str, keep_default_na=False
    )
    return [str(name) for name in header.iloc[0]] if len(header) else []


def check_columns(
    columns: list[str], data_cfg: dict[str, Any], features: dict[str, list[str]]
) -> list[str]:
    """Every configured column must be one of the data's `columns`; all the missing ones are
    named at once. Returns the columns the run uses, in the data's order: the only ones read."""
    present, split_cfg = set(columns), data_cfg["split"]
    wanted = [data_cfg["target"], *(name for names in features.values() for name in names)]
    wanted += [split_cfg.get("time_column"), split_cfg.get("group_column")]
    wanted += time_columns(split_cfg)[1:]
    # Derived columns are made by the pipeline from raw inputs, which must be in the data.
    derived = derived_entries(data_cfg)
    made = {entry["name"] for entry in derived}
    wanted = [name for name in wanted if name not in made]
    wanted += [name for entry in derived for name in entry["inputs"]]
    missing = [name for name in dict.fromkeys(wanted) if name is not None and name not in present]
    if missing:
        names = ", ".join(repr(name) for name in missing)
        raise ScriptError(f"column(s) in the config but not in the data: {names}")
    clashes = [entry["name"] for entry in derived if entry["name"] in present]
    if clashes:
        names = ", ".join(repr(name) for name in clashes)
        raise ScriptError(f"derived feature name(s) already data columns: {names}; rename them")
    from_target = [entry["name"] for entry in derived if data_cfg["target"] in entry["inputs"]]
    if from_target:
        raise ScriptError(f"derived feature(s) computed from the target: {from_target}")
    inputs = [name for names in features.values() for name in names]
    if not inputs:
        raise ScriptError("no input columns: data.features lists none")
    if data_cfg["target"] in inputs:
        raise ScriptError(f"the target {data_cfg['target']!r} is also listed as an input")
    repeated = sorted({name for name in inputs if inputs.count(name) > 1})
    if repeated:
        raise ScriptError(f"column(s) listed in two feature groups: {repeated}")
    # The forecast's time and series columns are read too; add_target_history checks them.
    forecast_cfg = data_cfg.get("forecast") or {}
    wanted += [*time_columns(forecast_cfg), *(forecast_cfg.get("series") or [])]
    # Protected attributes are read to report results per group, even when not inputs; one
    # the data lacks is reported as missing rather than stopping the run.
    wanted += [name for name in data_cfg.get("protected") or [] if name in present]
    used = set(wanted)
    return [name for name in columns if name in used]


MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def time_key(values: pd.Series, first: bool) -> pd.Series:
    """Values that sort in time order. Numbers stay numbers (a year, a period counter, a
    quarter 1-4), also when written as text; the first column may be a date; a finer part may
    be a month's name ("Mar") or text ending in a number ("Q3", "week 12")."""
    if pd.api.types.is_numeric_dtype(values):
        return values
    text = values.astype("string").str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.notna().sum() == text.notna().sum():
        return numbers
    if first:
        return pd.to_datetime(values, errors="coerce", utc=True)
    months = text.str.lower().str[:3].map(dict(zip(MONTHS, range(1, 13), strict=True)))
    if months.notna().sum() == text.notna().sum():
        return months.astype(float)
    return pd.to_numeric(text.str.extract(r"(\d+)\D*$")[0], errors="coerce")


def time_order(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Row positions from oldest to newest: by the first column, then by each finer part (a
    year, then its quarter); rows without a readable time come first."""
    keys = pd.DataFrame(
        {
            number: time_key(frame[name].reset_index(drop=True), number == 0)  # index: position
            for number, name in enumerate(columns)
        }
    )
    return keys.sort_values(list(keys.columns), kind="stable", na_position="first").index.to_numpy()


def as_labels(y: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(y) and (y == y.round()).all():
        y = y.astype("int64")  # 1.0 -> "1", as the label was written
    return y.astype(str).str.strip().astype(object)


def prepare_target(
    frame: pd.DataFrame, target: str, task: str
) -> tuple[pd.DataFrame, pd.Series, int]:
    """The inputs, the target (numbers, or labels as text) and how many rows had no target."""
    y = frame[target]
    if task == "regression":
        y = pd.to_numeric(y, errors="coerce").astype(float)
    present = y.notna().to_numpy()
    if not present.any():
        raise ScriptError(f"the target {target!r} has no rows with a value")
    X = frame.loc[present].drop(columns=[target]).reset_index(drop=True)
    y = y.loc[present].reset_index(drop=True)
    if task != "regression":
        y = as_labels(y)
    return X, y, int((~present).sum())


def positive_label(y: pd.Series, configured: Any) -> str:
    """The configured positive class, matched case-insensitively; else the minority class."""
    labels = sorted(y.unique())
    if len(labels) != 2:
        raise ScriptError(f"task is binary but the target has {len(labels)} classes: {labels[:10]}")
    if configured is None:
        return str(y.value_counts().idxmin())
    wanted = str(configured).strip()  # as the labels were read (as_labels)
    for label in labels:
        if label == wanted or label.lower() == wanted.lower():
            return label
    raise ScriptError(f"positive_class {configured!r} is not a target value (found {labels})")


def sample(frame: pd.DataFrame, rows: int | None, split_cfg: dict, seed: int) -> pd.DataFrame:
    """`rows` rows for a quick check: at random, or the latest ones for a time split."""
    if not rows or len(frame) <= rows:
        return frame
    if split_cfg["strategy"] == "time":
        latest = time_order(frame, time_columns(split_cfg))[-rows:]
        return frame.iloc[np.sort(latest)]
    return frame.sample(n=rows, random_state=seed)
