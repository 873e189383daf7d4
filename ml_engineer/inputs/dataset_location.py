"""Finding the analyst's dataset: the file the profile names, or the data file beside it.

Kept apart from reading and measuring (dataset.py) so that a profile-only run never imports
pandas: this module needs only the standard library and pydantic.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# File name endings that hold a dataset, and the reader each needs.
DATA_SUFFIXES: dict[str, Literal["csv", "parquet"]] = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".tsv": "csv",
    ".tsv.gz": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
PREFERRED_STEMS = ("data", "dataset")

_URL = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.I)


class DatasetLocation(BaseModel):
    """Where the dataset is and how it was found."""

    model_config = ConfigDict(frozen=True)

    path: Path
    format: Literal["csv", "parquet"]
    how_found: str = Field(
        description="One sentence for the user, e.g. 'the only CSV file in ...'."
    )
    sep: str = Field(",", description="The CSV field separator (',' or a tab); unused for Parquet.")


# ---------------------------------------------------------------------------------------------
# Finding the file


def _data_suffix(name: str) -> str | None:
    lower = name.lower()
    for suffix in sorted(DATA_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return suffix
    return None


def _usable(path: Path) -> bool:
    """An existing regular file (not a symlink, directory or device) with a data extension."""
    try:
        if path.is_symlink() or not path.is_file():
            return False
    except OSError:
        return False
    return _data_suffix(path.name) is not None


def _sniff_sep(path: Path, suffix: str) -> str:
    if suffix.startswith(".tsv"):
        return "\t"
    try:
        opener = gzip.open if suffix.endswith(".gz") else open
        with opener(path, "rb") as fh:
            first = fh.readline(65536)
    except (OSError, EOFError):
        return ","
    if b"\t" in first and b"," not in first:
        return "\t"
    if b";" in first and b"," not in first:
        return ";"
    return ","


def _location(path: Path, how_found: str) -> DatasetLocation:
    suffix = _data_suffix(path.name) or ".csv"
    fmt = DATA_SUFFIXES[suffix]
    sep = _sniff_sep(path, suffix) if fmt == "csv" else ","
    return DatasetLocation(path=path, format=fmt, how_found=how_found, sep=sep)


def _basename(text: str) -> str:
    return re.split(r"[\\/]", text.strip())[-1]


def find_dataset(data_dir: Path, profile_dataset_path: str | None) -> DatasetLocation | None:
    """The dataset to read, or `None` when there is none to be found.

    In order: the path the profile names, if it is an existing data file (absolute, or relative
    to `data_dir`, or to its parent); else a file in `data_dir` with that path's file name; else
    the only data file in `data_dir` (.csv, .csv.gz, .tsv, .parquet, .pq); with several, the one
    named data.* / dataset.*, else the one named after the slug (the parent folder). A symlink,
    directory or device is never used. URLs in the profile are not fetched.
    """
    data_dir = Path(data_dir)
    named = (profile_dataset_path or "").strip()
    if named and not _URL.match(named) and "\x00" not in named:
        candidate = Path(named)
        tries = (
            [candidate] if candidate.is_absolute() else [data_dir / named, data_dir.parent / named]
        )
        for path in tries:
            if _usable(path):
                return _location(path, f"the path the profile names ({named})")
        base = _basename(named)
        if base and base not in (".", ".."):
            path = data_dir / base
            if _usable(path):
                return _location(
                    path, f"a file named like the profile's dataset ({named}) in {data_dir}"
                )
    try:
        files = sorted(p for p in data_dir.iterdir() if _usable(p))
    except OSError:
        return None
    if not files:
        return None
    if len(files) == 1:
        return _location(files[0], f"the only data file in {data_dir}")

    def stem(path: Path) -> str:
        suffix = _data_suffix(path.name) or ""
        return path.name[: len(path.name) - len(suffix)].casefold()

    # Several files: data.* / dataset.* first, then the slug's name. Parquet before CSV when
    # both spellings of one name are there (it keeps the column types).
    try:
        slug = data_dir.resolve().parent.name.casefold()
    except OSError:
        slug = ""
    for label, chosen in (
        ("named data.* or dataset.*", [p for p in files if stem(p) in PREFERRED_STEMS]),
        (f"named after the slug '{slug}'", [p for p in files if slug and stem(p) == slug]),
        (f"named like the slug '{slug}'", [p for p in files if len(slug) >= 3 and slug in stem(p)]),
    ):
        if not chosen:
            continue
        chosen.sort(key=lambda p: (DATA_SUFFIXES[_data_suffix(p.name) or ".csv"] != "parquet", p))
        stems = {stem(p) for p in chosen}
        if len(stems) == 1:
            others = ", ".join(p.name for p in files if p != chosen[0])
            return _location(
                chosen[0], f"of several data files in {data_dir}, the one {label} (also: {others})"
            )
    return None
