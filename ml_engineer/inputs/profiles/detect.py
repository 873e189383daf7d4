"""Find the profile in a data folder, recognise its format from its content, and read it.

The file name is only a hint: analysts save markdown as .json and wrap JSON in code fences, so
the format is decided by what the file holds. Every failure is a `ProfileError` (or
`InputsError` for the folder) that names the file and says what to fix.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

from ml_engineer.errors import InputsError, ProfileError
from ml_engineer.inputs.profiles.build import json_object_hook
from ml_engineer.inputs.profiles.canonical import read_canonical
from ml_engineer.inputs.profiles.frictionless import looks_like_frictionless, read_frictionless
from ml_engineer.inputs.profiles.markdown import read_markdown
from ml_engineer.inputs.profiles.ydata import looks_like_ydata, read_ydata
from ml_engineer.models.profile import DataProfile

LOOKED_FOR = (
    "profile.json, profile.md, a single *profile*.json or *profile*.md, "
    "or a Frictionless *.schema.json / datapackage.json"
)
_JSON_FENCE = re.compile(
    r"^\s*(?:```|~~~)\s*(?:json)?\s*\n(?P<body>.*?)\n\s*(?:```|~~~)\s*$", re.DOTALL | re.IGNORECASE
)


def find_profile(data_dir: Path) -> Path:
    """The profile file in `data_dir`, in order of preference (see LOOKED_FOR)."""
    data_dir = Path(data_dir)
    if not data_dir.exists():
        raise InputsError(
            f"{data_dir}: the data folder does not exist. Pass the folder the data analyst "
            f"wrote (it should hold {LOOKED_FOR}).",
            path=str(data_dir),
        )
    if not data_dir.is_dir():
        raise InputsError(
            f"{data_dir}: this is a file, not a folder. Pass the data analyst's output folder "
            f"(it should hold {LOOKED_FOR}).",
            path=str(data_dir),
        )
    for name in ("profile.json", "profile.md"):
        if (data_dir / name).is_file():
            return data_dir / name
    files = sorted(p for p in data_dir.iterdir() if p.is_file())
    for suffix in (".json", ".md"):
        named = [p for p in files if "profile" in p.name.lower() and p.suffix.lower() == suffix]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            listed = ", ".join(p.name for p in named)
            raise InputsError(
                f"{data_dir}: several profile files ({listed}) and no profile.json or "
                "profile.md; rename the one to use to profile.json (or profile.md).",
                path=str(data_dir),
            )
    schemas = [p for p in files if p.name.lower().endswith(".schema.json")]
    schemas += [p for p in files if p.name.lower() == "datapackage.json"]
    if len(schemas) == 1:
        return schemas[0]
    if len(schemas) > 1:
        listed = ", ".join(p.name for p in schemas)
        raise InputsError(
            f"{data_dir}: no profile.json or profile.md, and several Frictionless schemas "
            f"({listed}); keep one, or rename it to profile.json.",
            path=str(data_dir),
        )
    found = ", ".join(p.name for p in files[:12]) or "nothing"
    raise InputsError(
        f"{data_dir}: no profile found. Looked for {LOOKED_FOR}; the folder holds: {found}. "
        "Ask the data analyst stage to write profile.json.",
        path=str(data_dir),
    )


def read_profile(path: Path) -> DataProfile:
    """Read any supported profile (canonical JSON, ydata, Frictionless, markdown)."""
    path = Path(path)
    shown = str(path)
    text = _read_text(path)
    body = text.strip()
    fenced = _JSON_FENCE.match(body)
    if fenced and fenced.group("body").lstrip().startswith(("{", "[")):
        body = fenced.group("body").strip()  # JSON pasted inside a ```json block
    elif not body.startswith(("{", "[")) and (
        path.suffix.lower() != ".json" or _looks_like_markdown(body)
    ):
        return read_markdown(text, shown)

    try:
        data = json.loads(body, object_pairs_hook=json_object_hook)
    except json.JSONDecodeError as exc:
        raise ProfileError(
            f"{shown}: not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}). "
            "Fix the JSON or re-export the profile.",
            path=shown,
        ) from None
    except RecursionError:
        raise ProfileError(
            f"{shown}: the JSON is nested too deeply to read. Re-export the profile.", path=shown
        ) from None
    if not isinstance(data, dict):
        raise ProfileError(
            f"{shown}: the JSON is a {_json_kind(data)}, but a profile must be a JSON object "
            "(with `columns`, or ydata's `variables`, or a Frictionless `fields` list). "
            "Re-export the profile as an object.",
            path=shown,
        )
    if looks_like_ydata(data):
        return read_ydata(data, shown)
    if looks_like_frictionless(data):
        return read_frictionless(data, shown)
    return read_canonical(data, shown)


def _read_text(path: Path) -> str:
    shown = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProfileError(f"{shown}: the profile file does not exist.", path=shown) from None
    except IsADirectoryError:
        raise ProfileError(f"{shown}: is a folder, not a profile file.", path=shown) from None
    except OSError as exc:
        raise ProfileError(
            f"{shown}: cannot be read ({exc.strerror}). Check its permissions.", path=shown
        ) from None
    # A byte-order mark names the encoding: Excel writes UTF-8 with one, PowerShell's
    # Out-File UTF-16. Without one, a profile is UTF-8 (JSON's own rule).
    encoding = "utf-16" if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else (
        "utf-8-sig"
    )  # fmt: skip
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ProfileError(
            f"{shown}: is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}). "
            "Save the profile as UTF-8 and try again.",
            path=shown,
        ) from None
    if not text.strip():
        raise ProfileError(
            f"{shown}: the profile file is empty. Re-run the data analyst stage or re-export "
            "the profile.",
            path=shown,
        )
    return text


def _looks_like_markdown(text: str) -> bool:
    return bool(re.search(r"^\s*(?:#{1,6}\s|\|.*\|\s*$|[-*+]\s)", text, re.MULTILINE))


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number"
