"""Where the deliverables go and how they are written: whole, atomically, never silently replaced.

A run writes into `output/<slug>/ml/`, beside the analyst's `data/` folder. When that folder
already holds deliverables that differ from the new ones, the old set is first moved to
`ml/versions/vN/`, so nothing a person may have read or edited is lost; a rerun that changes
nothing leaves no copy behind.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from ml_engineer.errors import OutputError

FEATURE_SPEC = "feature-spec.md"
TRAINING_SCRIPT = "training_script.py"
EXPERIMENT_CONFIG = "experiment-config.yaml"
DELIVERABLES = (FEATURE_SPEC, TRAINING_SCRIPT, EXPERIMENT_CONFIG)
APPROVAL_FILE = "approval.json"  # the design's status: awaiting approval, approved, rejected
STATE_DIR = ".ml_engineer"


def _absolute(path: Path) -> Path:
    """The path made absolute without following links: a data folder that is a link to
    another project's must not make this one write beside that project."""
    return Path(os.path.abspath(path))


def slug_for(data_dir: Path) -> str:
    """`output/acme-churn/data` -> `acme-churn`; a folder not named data is its own slug."""
    data_dir = _absolute(data_dir)
    name = data_dir.parent.name if data_dir.name == "data" else data_dir.name
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "project"


def project_dir_for(data_dir: Path) -> Path:
    """`output/<slug>/`: the folder that holds data/, ml/, mlops/ and the run state."""
    data_dir = _absolute(data_dir)
    return data_dir.parent if data_dir.name == "data" else data_dir


def ml_dir_for(data_dir: Path) -> Path:
    return project_dir_for(data_dir) / "ml"


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def archive_previous(ml_dir: Path) -> Path | None:
    """Move an existing set of deliverables to `versions/vN/` before a new run writes; return
    where. A rerun that reproduces it removes the copy again (`discard_if_unchanged`)."""
    existing = [name for name in DELIVERABLES if (ml_dir / name).is_file()]
    if not existing:
        return None
    target = _next_version(ml_dir)
    for name in existing:
        shutil.move(str(ml_dir / name), target / name)
    return target


def _next_version(ml_dir: Path) -> Path:
    versions = ml_dir / "versions"
    if ml_dir.is_symlink() or versions.is_symlink():
        raise OutputError(
            f"{versions} (or its folder) is a symbolic link; ml-engineer does not keep copies "
            "through links. Remove it and run again.",
            path=str(versions),
        )
    taken = [int(m.group(1)) for p in versions.glob("v*") if (m := re.fullmatch(r"v(\d+)", p.name))]
    target = versions / f"v{max(taken, default=0) + 1}"
    target.mkdir(parents=True)
    return target


def discard_if_unchanged(version_dir: Path | None, ml_dir: Path) -> bool:
    """Remove a kept version that a rerun reproduced exactly, so reruns do not pile up copies.

    The validation line's timing differs from run to run and is not a change in the design.
    """
    if version_dir is None or not version_dir.is_dir():
        return False
    for old in version_dir.iterdir():
        new = ml_dir / old.name
        if not new.is_file() or _design(old) != _design(new):
            return False
    shutil.rmtree(version_dir)
    with contextlib.suppress(OSError):  # the versions/ folder itself, when that was its only copy
        version_dir.parent.rmdir()
    return True


def _design(path: Path) -> str:
    return without_timing(path.read_text(encoding="utf-8", errors="replace"))


def design_digests(ml_dir: Path) -> dict[str, str]:
    """A digest of each deliverable there, as approval.json records them: a design changed
    after its approval (a sub-skill run alone, a hand edit) is then seen to be."""
    return {
        name: hashlib.sha256(_design(ml_dir / name).encode("utf-8")).hexdigest()[:16]
        for name in DELIVERABLES
        if (ml_dir / name).is_file()
    }


def without_timing(text: str) -> str:
    """A deliverable's design: its text without the check run's line, whose timing changes
    from run to run and which a step run alone does not write (no run, no change of design)."""
    return re.sub(r"(?m)^- Validation: .*(\n|$)", "", text)


def checked_state_dir(project_dir: Path) -> Path:
    """`output/<slug>/.ml_engineer/`, refused when it or a file ml-engineer keeps there is a
    symbolic link: the checkpoints, the lock and the thread list are written in place."""
    state_dir = project_dir / STATE_DIR
    planted = [state_dir] if state_dir.is_symlink() else []
    if not planted and state_dir.is_dir():
        planted = [p for p in state_dir.iterdir() if p.is_symlink()]
    if planted:
        raise OutputError(
            f"{planted[0]} is a symbolic link; ml-engineer does not write its run state through "
            "links. Remove it (the state folder holds only ml-engineer's own files) and run "
            "again.",
            path=str(planted[0]),
        )
    return state_dir


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_file(path: Path, text: str, *, executable: bool = False) -> Path:
    """Write through a temporary file and an atomic rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.parent.is_symlink():  # ml/, mlops/ or a version folder planted as a link
        raise OutputError(
            f"{path.parent} is a symbolic link; ml-engineer does not write through links. "
            "Remove it and run again.",
            path=str(path.parent),
        )
    if path.is_symlink():
        raise OutputError(
            f"{path} is a symbolic link; ml-engineer does not write through links. Remove it "
            "and run again.",
            path=str(path),
        )
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):  # a write killed midway
        with contextlib.suppress(OSError):
            stale.unlink()
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        # mkstemp creates 0600; deliverables are shared documents, modes as the umask allows.
        os.chmod(tmp, (0o777 if executable else 0o666) & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(
            f"Could not write {path}: {exc.strerror or exc}. Check that the folder is writable "
            "and the disk has space, then run again.",
            path=str(path),
        ) from exc
    return path


def snapshot_deliverables(ml_dir: Path, names: tuple[str, ...] = DELIVERABLES) -> Path | None:
    """Copy the current deliverables (or the named files) to `versions/vN/` before they are
    rewritten; `discard_if_unchanged` removes the copy when nothing changed."""
    existing = [name for name in names if (ml_dir / name).is_file()]
    if not existing:
        return None
    target = _next_version(ml_dir)
    for name in existing:
        # A deliverable replaced by a link is kept as the link: what it points at is not ours
        # to copy into the output folder.
        shutil.copy2(ml_dir / name, target / name, follow_symlinks=False)
    return target
