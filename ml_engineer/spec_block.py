"""The machine-readable form of feature-spec.md: a JSON block at the end of the document.

A person reads the tables; the sub-skills run alone (`/training_script_generator
<feature-spec.md>`, `/experiment_config_writer`, `/mlops`) read this block, which is the
`FeatureSpec` itself, so nothing is parsed back out of prose. It sits inside `<details>`, folded
away on GitHub, and a person may edit it: what they change is validated again on reading.

The block records a digest of the prose above it. When the prose was edited by hand and the
block was not, the reader says so instead of silently following the block.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ml_engineer.deliverables import without_timing
from ml_engineer.errors import InputsError
from ml_engineer.models import FeatureSpec
from ml_engineer.planning.derived import check_spec_derived

INFO = "json ml-engineer:feature-spec"
MAX_FOLDS = 20
_SLUG = re.compile(r"[A-Za-z0-9._-]{1,200}")
MAX_BYTES = 50_000_000
_BLOCK = re.compile(
    r"\n<details>\n<summary>Machine-readable form</summary>\n.*?^```" + re.escape(INFO)
    + r"\n(?P<json>.*?)\n```\n+</details>\n*\Z",
    re.DOTALL | re.MULTILINE,
)  # fmt: skip
_HEADER = (
    "\n<details>\n<summary>Machine-readable form</summary>\n\n"
    "What `/training_script_generator`, `/experiment_config_writer` and `/mlops` read when run "
    "on this file alone. To change the design, edit this JSON (it is checked again when read) "
    "or revise the run; edits to the sections above are not read.\n\n"
)


@dataclass(frozen=True)
class SpecFile:
    spec: FeatureSpec
    seed: int
    warnings: list[str]


def with_block(text: str, spec: FeatureSpec, seed: int) -> str:
    """The rendered spec with its machine-readable block appended."""
    payload = {"seed": seed, "prose_digest": _digest(text), "spec": spec.model_dump(mode="json")}
    body = json.dumps(payload, indent=1, ensure_ascii=True)
    # Column names and reasons are untrusted: inside the fence they stay JSON strings, and these
    # escapes keep them from closing the fence or the <details> element in any renderer.
    for char, escaped in (("`", "\\u0060"), ("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        body = body.replace(char, escaped)
    return f"{text.rstrip()}\n{_HEADER}```{INFO}\n{body}\n```\n\n</details>\n"


def prose_of(text: str) -> str:
    """The part of a feature-spec.md a person reads: everything above the block."""
    match = _BLOCK.search(text)
    return text[: match.start()] if match else text


def read_spec_file(path: Path) -> SpecFile:
    """The FeatureSpec of a feature-spec.md written by ml-engineer, or a clear InputsError."""
    rewrite = "write it again with `ml-engineer feature-spec-writer output/<slug>/data`"
    if not path.is_file():
        what = "does not exist" if not path.exists() else "is not a file"
        raise InputsError(
            f"{path} {what}. Pass the feature-spec.md that ml-engineer wrote (in "
            f"output/<slug>/ml/), or {rewrite}.",
            path=str(path),
        )
    if path.stat().st_size > MAX_BYTES:
        raise InputsError(
            f"{path} is larger than {MAX_BYTES // 1_000_000} MB, far beyond any feature spec; "
            f"pass the right file, or {rewrite}.",
            path=str(path),
        )
    text = path.read_text(encoding="utf-8", errors="replace")
    match = _BLOCK.search(text)
    if match is None:
        raise InputsError(
            f"{path} has no machine-readable block (a ```{INFO} fence at its end), so its "
            f"design cannot be read exactly: it was not written by this version of ml-engineer, "
            f"or the block was removed. Restore it, or {rewrite}.",
            path=str(path),
        )
    try:
        payload = json.loads(match["json"])
    except ValueError as exc:
        raise InputsError(
            f"The machine-readable block of {path} is not valid JSON ({exc}). Undo the last "
            f"edit of the block, or {rewrite}.",
            path=str(path),
        ) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("spec"), dict):
        raise InputsError(
            f"The machine-readable block of {path} has no `spec` object. Undo the last edit of "
            f"the block, or {rewrite}.",
            path=str(path),
            field="spec",
        )
    try:
        spec = FeatureSpec.model_validate(payload["spec"])
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in ("spec", *error["loc"]))
        raise InputsError(
            f"The machine-readable block of {path} is not a valid feature spec: field {where}: "
            f"{error['msg']}. Fix that field, or {rewrite}.",
            path=str(path),
            field=where,
        ) from None
    seed = payload.get("seed", 42)
    _check_consistent(spec, seed, path)
    warnings = []
    if payload.get("prose_digest") != _digest(text[: match.start()]):
        warnings.append(
            f"{path.name} was edited above its machine-readable block; those edits are not read. "
            "The design follows the JSON block at the end of the file (edit it there)."
        )
    return SpecFile(spec=spec, seed=seed, warnings=warnings)


def _check_consistent(spec: FeatureSpec, seed: object, path: Path) -> None:
    """What a hand edit of the block could break and pydantic does not see."""
    problem = _problem(spec, seed)
    if problem:
        raise InputsError(
            f"The machine-readable block of {path} does not hold together: {problem}. Fix the "
            "block, or write it again with `ml-engineer feature-spec-writer output/<slug>/data`.",
            path=str(path),
        )


def _problem(spec: FeatureSpec, seed: object) -> str | None:
    names = [column.name for column in spec.columns]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    split = spec.split
    ratios = (split.train, split.val, split.test)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        return f"seed {seed!r} must be a whole number from 0 to 4294967295"
    if not _SLUG.fullmatch(spec.slug):
        return f"slug {spec.slug!r} must be letters, digits, '.', '_' or '-' (at most 200)"
    if duplicated:
        return f"column {duplicated[0]!r} is listed more than once"
    if spec.target.column in {column.name for column in spec.kept}:
        return f"the target {spec.target.column!r} is also kept as an input (a leak)"
    if not spec.kept and not spec.derived:
        return "no column is kept as an input"
    if split.time_column and split.time_column not in names:
        return f"the split's time_column {split.time_column!r} is not a column"
    if min(ratios) < 0 or split.train <= 0 or split.test <= 0 or abs(sum(ratios) - 1) > 1e-6:
        return (
            f"split train {split.train}, val {split.val}, test {split.test} must be shares "
            "that add up to 1, with train and test above 0"
        )
    if split.cv_folds is not None and not 2 <= split.cv_folds <= MAX_FOLDS:
        return f"split.cv_folds {split.cv_folds} must be empty or from 2 to {MAX_FOLDS}"
    if spec.data_path is not None and (len(spec.data_path) > 4096 or "\x00" in spec.data_path):
        return "data_path must be a path of at most 4096 characters, without NUL"
    derived = check_spec_derived(spec)
    return derived[0].rstrip(".") if derived else None


def _digest(prose: str) -> str:
    # The validation line changes with every check run's timing; it is not an edit.
    normal = without_timing(prose).rstrip()
    return "sha256:" + hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]
