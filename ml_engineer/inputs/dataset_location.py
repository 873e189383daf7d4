"""Finding the analyst's dataset: the file the profile names, or the data file beside it, and
for a CSV file its text encoding and field separator.

Kept apart from reading and measuring (dataset.py) so that a profile-only run never imports
pandas: this module needs only the standard library and pydantic.
"""

from __future__ import annotations

import codecs
import csv
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
    sep: str = Field(
        ",", description="The CSV field separator (, ; | or a tab); unused for Parquet."
    )
    encoding: str | None = Field(
        None,
        description="The CSV text encoding, a Python codec name (utf-8, utf-8-sig, utf-16, "
        "utf-32, cp1252 or latin-1); None where not looked for (Parquet, a location made by "
        "hand or saved by an older version): `csv_encoding` finds it then.",
    )


# ---------------------------------------------------------------------------------------------
# Finding the file


def data_suffix(name: str) -> str | None:
    """The data file ending of `name` (.csv, .parquet, ...), or None for other files."""
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
    return data_suffix(path.name) is not None


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
                return locate_file(path, f"the path the profile names ({named})")
        base = _basename(named)
        if base and base not in (".", ".."):
            path = data_dir / base
            if _usable(path):
                return locate_file(
                    path, f"a file named like the profile's dataset ({named}) in {data_dir}"
                )
    try:
        files = sorted(p for p in data_dir.iterdir() if _usable(p))
    except OSError:
        return None
    if not files:
        return None
    if len(files) == 1:
        return locate_file(files[0], f"the only data file in {data_dir}")

    def stem(path: Path) -> str:
        suffix = data_suffix(path.name) or ""
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
        chosen.sort(key=lambda p: (DATA_SUFFIXES[data_suffix(p.name) or ".csv"] != "parquet", p))
        stems = {stem(p) for p in chosen}
        if len(stems) == 1:
            others = ", ".join(p.name for p in files if p != chosen[0])
            return locate_file(
                chosen[0], f"of several data files in {data_dir}, the one {label} (also: {others})"
            )
    return None


# ---------------------------------------------------------------------------------------------
# How a CSV file is written: its text encoding and its field separator
#
# Found once, here, and carried to experiment-config.yaml (data.encoding, data.sep), so the
# product and the generated script read the file alike: a script reading a latin-1 export as
# UTF-8, or a `|`-separated one as commas, fails or reads one wide column.

CHUNK = 1 << 20  # bytes read at a time while checking the encoding
SEPARATORS = ",;\t|"
SNIFF_LINES = 20  # csv.Sniffer reads this many whole lines of the file's head...
# ...and at most this many characters: its quote-finding regex takes quadratic time on some
# lines (64 KB of `, "x` took 18 s), and the file is untrusted.
SNIFF_CHARS = 8192
_BOMS = (  # UTF-32's BOM starts with UTF-16's, so it is tried first
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _open(path: Path, suffix: str):
    return gzip.open(path, "rb") if suffix.endswith(".gz") else open(path, "rb")


def _decodes_throughout(path: Path, suffix: str, encoding: str) -> bool:
    """Whether the whole file decodes. The whole file, not its head: an export sorted by name
    can hold its first "é" a million rows down, and the script would fail there."""
    decoder = codecs.getincrementaldecoder(encoding)()  # a character cut between chunks waits
    try:
        with _open(path, suffix) as fh:
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff_encoding(path: Path, suffix: str, head: bytes) -> str:
    """A byte-order mark says; else UTF-8 when the whole file is UTF-8; else Windows' cp1252
    (what Excel writes in Western Europe) when it decodes; else latin-1, which decodes anything.
    """
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    for encoding in ("utf-8", "cp1252"):
        try:
            if _decodes_throughout(path, suffix, encoding):
                return encoding
        except (OSError, EOFError):
            return "utf-8"  # unreadable: read_dataset says so, naming the file
    return "latin-1"


def sniff_sep(head_text: str, suffix: str) -> str:
    """The field separator: csv.Sniffer on the first lines (it sees through quoted fields),
    limited to , ; | and tab; without a clear answer, the separator the header line shows."""
    if suffix.startswith(".tsv"):
        return "\t"
    lines = head_text[: SNIFF_CHARS * 2].splitlines(keepends=True)[: SNIFF_LINES + 1]
    if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]  # cut short by the read
    sample = ""
    for line in lines:
        if sample and len(sample) + len(line) > SNIFF_CHARS:
            break
        sample += line
    sample = sample[:SNIFF_CHARS]  # a first line longer than that is sniffed in part
    try:
        sep = csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
        header = next(csv.reader([sample.splitlines()[0]], delimiter=sep), [])
        if sep in SEPARATORS and len(header) > 1:
            return sep
    except (csv.Error, IndexError):
        pass
    first = lines[0] if lines else ""
    for sep in ("\t", ";", "|"):
        if sep in first and "," not in first:
            return sep
    return ","


def _head(path: Path, suffix: str) -> bytes:
    try:
        with _open(path, suffix) as fh:
            return fh.read(CHUNK)
    except (OSError, EOFError):
        return b""  # read_dataset reports the unreadable file


def file_encoding(path: Path) -> str:
    """A CSV file's text encoding, the whole file read to tell."""
    suffix = data_suffix(path.name) or ".csv"
    head = _head(path, suffix)
    return sniff_encoding(path, suffix, head) if head else "utf-8"


def csv_encoding(location: DatasetLocation) -> str:
    """The location's text encoding, looked for now if it was not when it was found."""
    if location.encoding or location.format != "csv":
        return location.encoding or "utf-8"
    suffix = data_suffix(location.path.name) or ".csv"
    head = _head(location.path, suffix)
    return sniff_encoding(location.path, suffix, head) if head else "utf-8"


def _csv_location(path: Path, suffix: str, how_found: str, assume_utf8: bool) -> DatasetLocation:
    head = _head(path, suffix)
    encoding = "utf-8"
    if head:
        bom = next((enc for mark, enc in _BOMS if head.startswith(mark)), None)
        quick = bom or ("utf-8" if assume_utf8 else None)
        encoding = quick or sniff_encoding(path, suffix, head)
    text = head.decode(encoding, errors="replace")  # utf-16/-32 and -sig drop their BOM
    return DatasetLocation(
        path=path, format="csv", how_found=how_found, sep=sniff_sep(text, suffix),
        encoding=encoding,
    )  # fmt: skip


def locate_file(path: Path, how_found: str, *, assume_utf8: bool = False) -> DatasetLocation:
    """The location of a data file known to exist: its format and, for CSV, how it is written.

    `assume_utf8`: without a byte-order mark, say UTF-8 without reading the whole file to check,
    for a reader that checks as it reads (the profiler's engine) and asks again if it is not."""
    suffix = data_suffix(path.name) or ".csv"
    if DATA_SUFFIXES[suffix] == "csv":
        return _csv_location(path, suffix, how_found, assume_utf8)
    return DatasetLocation(path=path, format="parquet", how_found=how_found)


def linked_data_files(data_dir: Path) -> list[str]:
    """Data files in `data_dir` that are symbolic links, which `find_dataset` never reads: the
    folder is written by another program, and a link can point at any file on the machine."""
    try:
        return sorted(
            p.name for p in Path(data_dir).iterdir() if p.is_symlink() and data_suffix(p.name)
        )
    except OSError:
        return []
