"""Find the analyst's two documents in the data folder and read them as text, or say why not.

A document that cannot be read (binary, not UTF-8, a directory, permission denied) yields the
reason instead of raising: the documents are optional.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

# File names accepted for each document, best first. Matched case-insensitively.
SCHEMA_DOCUMENT_NAMES = (
    "schema-suggestion.md",
    "schema_suggestion.md",
    "schema-suggestions.md",
    "schema_suggestions.md",
    "schemasuggestion.md",
    "schema.md",
)
EDA_DOCUMENT_NAMES = (
    "eda-report.md",
    "eda_report.md",
    "eda-report.markdown",
    "edareport.md",
    "eda.md",
)

MAX_DOCUMENT_BYTES = 4 * 1024 * 1024  # beyond this only the beginning is read


def find_document(data_dir: Path, names: tuple[str, ...]) -> Path | None:
    try:
        entries = {p.name.casefold(): p for p in data_dir.iterdir()}
    except OSError:
        return None
    for name in names:
        path = entries.get(name.casefold())
        if path is not None:
            return path
    return None


def _decode(data: bytes) -> tuple[str | None, str | None]:
    """The text of a document, or why it is not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            return None, "it starts like UTF-16 text but does not decode as UTF-16"
    if b"\x00" in data[:65536]:
        return None, "it holds binary data (NUL bytes), not text"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        if text.count("\ufffd") > max(8, len(text) // 100):
            return None, "it is not UTF-8 text"
    sample = text[:65536]
    control = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    if control > max(8, len(sample) // 100):
        return None, "it holds binary data (control characters), not text"
    return text, None


def read_document(path: Path) -> tuple[str | None, str | None, bool]:
    """(text, problem, truncated)."""
    try:
        if not path.is_file():
            return None, "it is not a regular file", False
        with path.open("rb") as fh:
            data = fh.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        return None, exc.strerror or exc.__class__.__name__, False
    truncated = len(data) > MAX_DOCUMENT_BYTES
    text, problem = _decode(data[:MAX_DOCUMENT_BYTES])
    return text, problem, truncated
