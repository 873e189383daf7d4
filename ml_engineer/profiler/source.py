"""What `ml-engineer profile` is asked to read: one data file, or a folder of them.

A folder holds the parts of one table (`part-0001.parquet`, ...; or daily CSV exports): every
data file directly inside it, all of one format and with one header. Links are refused as the
rest of the product refuses them: a planted link can point at any file on the machine. A CSV's
text encoding and separator are found as the product finds them for the script
(`dataset_location`), so the profile and the script read the file alike; UTF-8 is assumed
without reading the whole file first, because the engine checks it as it reads (`engine.py`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ml_engineer.errors import DataError, InputsError
from ml_engineer.inputs.dataset_location import (
    DATA_SUFFIXES,
    DatasetLocation,
    data_suffix,
    locate_file,
)
from ml_engineer.near_paths import did_you_mean


class ProfileSource(BaseModel):
    """The files of one table, as the engine reads them."""

    model_config = ConfigDict(frozen=True)

    path: Path  # what the user named: the file, or the folder
    files: tuple[Path, ...]
    format: Literal["csv", "parquet"]
    sep: str = ","
    encoding: str = "utf-8"
    # The column names as pandas (and so the script) reads them: the engine's own differ
    # (it strips spaces, names an empty header cell `column0`, and folds case).
    columns: tuple[str, ...] = ()

    @property
    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.files)


def _kinds() -> str:
    return ", ".join(sorted(DATA_SUFFIXES))


def resolve_source(path: Path) -> ProfileSource:
    """The table at `path`, or an error that names the path and says what would do."""
    path = Path(path).expanduser()
    if path.is_symlink():
        raise InputsError(
            f"{path} is a symbolic link; ml-engineer profiles only the file itself (a link can "
            "point anywhere on the machine). Pass the real path of the data.",
            path=str(path),
        )
    if path.is_dir():
        return _folder(path)
    if not path.exists():
        raise InputsError(
            f"{path} does not exist.{did_you_mean(path)} Pass a data file ({_kinds()}) or a "
            "folder of them.",
            path=str(path),
        )
    if not path.is_file() or data_suffix(path.name) is None:
        raise InputsError(
            f"{path} is not a data file ml-engineer can profile: the name should end in one of "
            f"{_kinds()}. Rename it, or export the data to CSV or Parquet.",
            path=str(path),
        )
    return _from_locations(path, [locate_file(path, "named", assume_utf8=True)])


def _folder(folder: Path) -> ProfileSource:
    entries = sorted(folder.iterdir())
    linked = [p.name for p in entries if p.is_symlink() and data_suffix(p.name)]
    if linked:
        raise InputsError(
            f"{folder} holds data files that are symbolic links ({', '.join(linked[:3])}); "
            "ml-engineer does not read through links. Copy the real files into the folder.",
            path=str(folder),
        )
    files = [p for p in entries if p.is_file() and data_suffix(p.name)]
    if not files:
        raise InputsError(
            f"{folder} holds no data file ({_kinds()}). Pass the folder that holds the data, "
            "or the file itself.",
            path=str(folder),
        )
    formats = {DATA_SUFFIXES[data_suffix(p.name) or ".csv"] for p in files}
    if len(formats) > 1:
        raise InputsError(
            f"{folder} mixes CSV and Parquet files; a folder is profiled as the parts of one "
            "table. Pass one of the files, or move the other format out of the folder.",
            path=str(folder),
        )
    return _from_locations(folder, [locate_file(p, "a part", assume_utf8=True) for p in files])


def _from_locations(path: Path, locations: list[DatasetLocation]) -> ProfileSource:
    empty = [loc.path for loc in locations if loc.path.stat().st_size == 0]
    if empty:
        raise DataError(
            f"{empty[0]} is empty (0 bytes): it has no header and no rows. Export the data "
            "again, or remove the file.",
            path=str(empty[0]),
        )
    first = locations[0]
    if first.format == "csv":
        ways = {(loc.sep, loc.encoding) for loc in locations}
        if len(ways) > 1:
            raise DataError(
                f"the CSV files in {path} are not written alike (separators or text encodings "
                "differ), so they cannot be read as one table. Export them the same way, or "
                "profile them one at a time.",
                path=str(path),
            )
    headers = {loc.path: header_names(loc) for loc in locations}
    _refuse_repeated(headers)
    _refuse_case_twins(headers)
    distinct = {tuple(names) for names in headers.values()}
    if len(distinct) > 1:
        raise DataError(
            f"the files in {path} do not share one header, so they are not parts of one table. "
            "Profile them one at a time.",
            path=str(path),
        )
    return ProfileSource(
        path=path,
        files=tuple(loc.path for loc in locations),
        format=first.format,
        sep=first.sep,
        encoding=first.encoding or "utf-8",
        columns=tuple(next(iter(headers.values()))),
    )


def header_names(location: DatasetLocation) -> list[str]:
    """The column names exactly as the file writes them (an engine would rename a repeated
    one, `a_1`, without a word)."""
    try:
        if location.format == "parquet":
            import pyarrow.parquet as pq  # a dependency of the product (the script reads Parquet)

            return [str(name) for name in pq.read_schema(location.path).names]
        opener = _text_opener(location)
        with opener() as handle:
            line = handle.readline()
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(
            f"cannot read the header of {location.path}: {exc}. Check that the file is a "
            f"complete {location.format.upper()} file.",
            path=str(location.path),
        ) from exc
    row = next(csv.reader(io.StringIO(line.rstrip("\r\n")), delimiter=location.sep), [])
    row = [name.lstrip("\ufeff") if i == 0 else name for i, name in enumerate(row)]
    # pandas names a column without a header `Unnamed: <position>` (an exported index).
    return [name or f"Unnamed: {i}" for i, name in enumerate(row)]


def _text_opener(location: DatasetLocation):
    import gzip

    encoding = location.encoding or "utf-8"
    if location.path.name.lower().endswith(".gz"):
        return lambda: gzip.open(
            location.path, "rt", encoding=encoding, errors="replace", newline=""
        )
    return lambda: open(location.path, encoding=encoding, errors="replace", newline="")


def _refuse_case_twins(headers: dict[Path, list[str]]) -> None:
    """Names that differ only in case (`id`, `ID`): the engine's names ignore case, so it
    cannot hold both; pandas can, so the data is not wrong, only unprofilable here."""
    for file, names in headers.items():
        folded: dict[str, str] = {}
        for name in names:
            twin = folded.setdefault(name.casefold(), name)
            if twin != name:
                raise DataError(
                    f"{file} has columns `{twin}` and `{name}`, whose names differ only in case; "
                    "ml-engineer profile cannot tell them apart. Rename one of them (the "
                    "analyst's profile of the file, if there is one, is read as it is).",
                    path=str(file),
                    field=f"{twin}, {name}",
                )


def _refuse_repeated(headers: dict[Path, list[str]]) -> None:
    for file, names in headers.items():
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            shown = ", ".join(f"`{n}`" for n in repeated[:5])
            raise DataError(
                f"{file} repeats column name(s) {shown} in its header, so they cannot be told "
                "apart. Rename the repeated columns so that every column has its own name.",
                path=str(file),
                field=", ".join(repeated),
            )
