"""Malformed analysts' folders and planted links, one builder each, with the verdict each must get.

Shared by tests/test_malformed_inputs.py and `benchmarks/robustness.py`. Every builder writes an
upstream folder under `root/output/churn/data` (and sometimes files in `root/outside/`, which
the product must never write) and returns the extra command-line flags its case needs.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from hostile import CANARY
from upstream_builders import canonical_profile, churn_frame, write_upstream

GOAL = "predict whether a customer `churned`"
SLUG = "churn"


@dataclass(frozen=True)
class Malformed:
    kind: str  # profile, data, disagreement, link
    build: Callable[[Path], list[str]]
    expect: str  # "deliverables", "clear error"
    validate: bool = False  # run the product's check run: the case is about the script's reading


def _frame() -> pd.DataFrame:
    return churn_frame(n=200)


def _upstream(root: Path, df: pd.DataFrame | None = None, **kw) -> Path:
    df = _frame() if df is None else df
    data_dir = write_upstream(root / "output" / SLUG / "data", df, goal=GOAL, **kw)
    outside = root / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text(f"{CANARY}\n", encoding="utf-8")
    return data_dir


def data_dir_of(root: Path) -> Path:
    return root / "output" / SLUG / "data"


def _profile_text(root: Path, text: str | bytes, name: str = "profile.json") -> list[str]:
    data_dir = _upstream(root)
    (data_dir / "profile.json").unlink()
    path = data_dir / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return []


def _profile_json(root: Path, edit: Callable[[dict], object]) -> list[str]:
    profile = canonical_profile(_frame())
    return _profile_text(root, json.dumps(edit(profile)))


def _data_bytes(root: Path, content: bytes, name: str = "data.csv") -> list[str]:
    data_dir = _upstream(root)
    (data_dir / "data.csv").unlink()
    (data_dir / name).write_bytes(content)
    return []


def _csv(df: pd.DataFrame | None = None, **kw) -> bytes:
    return (
        (_frame() if df is None else df)
        .to_csv(index=False, **kw)
        .encode(kw.get("encoding") or "utf-8")
    )


def _parquet() -> bytes:
    buffer = io.BytesIO()
    _frame().to_parquet(buffer)
    return buffer.getvalue()


def _nan_infinity(profile: dict) -> dict:
    stats = profile["columns"][1]["stats"]
    stats.update(mean=float("nan"), max=float("inf"), min=float("-inf"))
    return profile


def _ten_thousand_columns(profile: dict) -> dict:
    extra = [
        {
            "name": f"sensor_{i}",
            "inferred_type": "numeric",
            "missing_count": 0,
            "unique_count": 50,
            "stats": {"min": 0.0, "max": 1.0, "mean": 0.5},
        }
        for i in range(10_000)
    ]
    profile["columns"] += extra
    profile["overview"]["column_count"] = len(profile["columns"])
    return profile


def _fifty_megabytes(profile: dict) -> dict:
    profile["columns"][2]["notes"] = ["x" * 1000] * 50_000
    return profile


def _wrong_types(profile: dict) -> dict:
    profile["columns"] = [
        1,
        None,
        {"name": ["tenure"]},
        {"name": "plan", "unique_count": "many"},
        *profile["columns"][3:],
    ]
    profile["overview"] = "four hundred rows"
    return profile


def _duplicate_names(profile: dict) -> dict:
    profile["columns"].append(dict(profile["columns"][1]))
    return profile


def _extra_in_profile(profile: dict) -> dict:
    profile["columns"].append(
        {"name": "region", "inferred_type": "categorical", "missing_count": 0, "unique_count": 4}
    )
    return profile


def _data_only_column(root: Path) -> list[str]:
    df = _frame()
    df["support_calls"] = (df["tenure"] % 7).astype(int)
    data_dir = _upstream(root, df)
    (data_dir / "profile.json").write_text(json.dumps(canonical_profile(_frame())))
    return []


def _target_only_in_data(root: Path) -> list[str]:
    data_dir = _upstream(root)
    profile = canonical_profile(_frame().drop(columns=["churned"]))
    (data_dir / "profile.json").write_text(json.dumps(profile))
    return []


def _dup_columns(root: Path) -> list[str]:
    text = _csv().decode().replace("tenure", "plan", 1)
    return _data_bytes(root, text.encode())


def _ragged(root: Path) -> list[str]:
    lines = _csv().decode().splitlines()
    lines[5] += ",surplus,fields"
    return _data_bytes(root, ("\n".join(lines) + "\n").encode())


def _link(make: Callable[[Path, Path], None], *, previous_run: bool = False) -> Callable:
    """A case whose output folder holds a link, planted before the run, to root/outside."""

    def build(root: Path) -> list[str]:
        data_dir = _upstream(root)
        project = data_dir.parent
        outside = root / "outside"
        if previous_run:  # deliverables already there, so the run keeps a version first
            ml = project / "ml"
            ml.mkdir()
            for name in ("feature-spec.md", "training_script.py", "experiment-config.yaml"):
                (ml / name).write_text(f"# an earlier {name}\n")
        make(project, outside)
        return []

    return build


def _file_link(relative: str) -> Callable[[Path, Path], None]:
    def make(project: Path, outside: Path) -> None:
        target = outside / "victim.txt"
        target.write_text("the user's own file\n")
        link = project / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)

    return make


def _dir_link(relative: str) -> Callable[[Path, Path], None]:
    def make(project: Path, outside: Path) -> None:
        target = outside / "victim_dir"
        target.mkdir(exist_ok=True)
        (target / "keep.txt").write_text("the user's own folder\n")
        link = project / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        link.symlink_to(target, target_is_directory=True)

    return make


def _profile_link(root: Path) -> list[str]:
    data_dir = _upstream(root)
    (data_dir / "profile.json").unlink()
    (data_dir / "profile.json").symlink_to(root / "outside" / "secret.txt")
    return []


def _data_link(root: Path) -> list[str]:
    data_dir = _upstream(root)
    os.replace(data_dir / "data.csv", root / "outside" / "data.csv")
    (data_dir / "data.csv").symlink_to(root / "outside" / "data.csv")
    return []


CASES: dict[str, Malformed] = {
    # The profile
    "invalid JSON": Malformed(
        "profile", lambda r: _profile_text(r, '{"columns": [{"name": "a"'), "clear error"
    ),
    "wrong types": Malformed("profile", lambda r: _profile_json(r, _wrong_types), "deliverables"),
    "a JSON list": Malformed("profile", lambda r: _profile_text(r, "[1, 2, 3]"), "clear error"),
    "a bare string": Malformed("profile", lambda r: _profile_text(r, '"profile"'), "clear error"),
    "NaN and Infinity": Malformed(
        "profile", lambda r: _profile_json(r, _nan_infinity), "deliverables"
    ),
    "a byte-order mark": Malformed(
        "profile",
        lambda r: _profile_text(
            r, b"\xef\xbb\xbf" + json.dumps(canonical_profile(_frame())).encode()
        ),
        "deliverables",
    ),
    "UTF-16": Malformed(
        "profile",
        lambda r: _profile_text(r, json.dumps(canonical_profile(_frame())).encode("utf-16")),
        "deliverables",
    ),
    "empty": Malformed("profile", lambda r: _profile_text(r, ""), "clear error"),
    "blank lines": Malformed("profile", lambda r: _profile_text(r, "\n \n\t\n"), "clear error"),
    "binary": Malformed("profile", lambda r: _profile_text(r, os.urandom(4096)), "clear error"),
    "nested too deep": Malformed(
        "profile", lambda r: _profile_text(r, "[" * 100_000), "clear error"
    ),
    "duplicated column names": Malformed(
        "profile", lambda r: _profile_json(r, _duplicate_names), "clear error"
    ),
    "10,000 columns": Malformed(
        "profile", lambda r: _profile_json(r, _ten_thousand_columns), "deliverables"
    ),
    "50 MB": Malformed("profile", lambda r: _profile_json(r, _fifty_megabytes), "deliverables"),
    "markdown without a table": Malformed(
        "profile",
        lambda r: _profile_text(r, "# Notes\n\nIt looked fine.\n", "profile.md"),
        "clear error",
    ),
    "a link to a text file outside": Malformed("profile", _profile_link, "clear error"),
    # The dataset
    "CSV with a byte-order mark": Malformed(
        "data", lambda r: _data_bytes(r, b"\xef\xbb\xbf" + _csv()), "deliverables", validate=True
    ),
    "empty CSV": Malformed("data", lambda r: _data_bytes(r, b""), "clear error"),
    "a header and no rows": Malformed(
        "data", lambda r: _data_bytes(r, _csv().splitlines(keepends=True)[0]), "clear error"
    ),
    "semicolons": Malformed(
        "data", lambda r: _data_bytes(r, _csv(sep=";")), "deliverables", validate=True
    ),
    "pipes": Malformed(
        "data", lambda r: _data_bytes(r, _csv(sep="|")), "deliverables", validate=True
    ),
    "tabs in a .csv": Malformed(
        "data", lambda r: _data_bytes(r, _csv(sep="\t")), "deliverables", validate=True
    ),
    "Latin-1": Malformed(
        "data",
        lambda r: _data_bytes(
            r, _csv(_frame().assign(plan=lambda d: d["plan"] + "é"), encoding="latin-1")
        ),
        "deliverables",
        validate=True,
    ),
    "UTF-16 CSV": Malformed(
        "data", lambda r: _data_bytes(r, _csv(encoding="utf-16")), "deliverables", validate=True
    ),
    "duplicated column names in the data": Malformed("data", _dup_columns, "clear error"),
    "a ragged row": Malformed("data", _ragged, "clear error"),
    "random bytes": Malformed("data", lambda r: _data_bytes(r, os.urandom(8192)), "clear error"),
    "a truncated Parquet file": Malformed(
        "data",
        lambda r: _data_bytes(r, _parquet()[: len(_parquet()) // 2], "data.parquet"),
        "clear error",
    ),
    "a data file that is a link": Malformed("data", _data_link, "deliverables"),
    # The profile and the data disagree: the data wins, and the spec says so.
    "a profile column the data lacks": Malformed(
        "disagreement", lambda r: _profile_json(r, _extra_in_profile), "deliverables"
    ),
    "a data column the profile lacks": Malformed("disagreement", _data_only_column, "deliverables"),
    "a target only the data has": Malformed("disagreement", _target_only_in_data, "deliverables"),
    # Links planted in the output folders, pointing outside: replaced or refused, never followed.
    "ml/ is a link": Malformed("link", _link(_dir_link("ml")), "clear error"),
    "mlops/ is a link": Malformed("link", _link(_dir_link("mlops")), "clear error"),
    "the state folder is a link": Malformed(
        "link", _link(_dir_link(".ml_engineer")), "clear error"
    ),
    # A deliverable that is a link is moved aside with the previous version, not written through.
    "a deliverable is a link": Malformed(
        "link", _link(_file_link("ml/training_script.py")), "deliverables"
    ),
    "an mlops file is a link": Malformed(
        "link", _link(_file_link("mlops/deployment-config.yaml")), "clear error"
    ),
    "approval.json is a link": Malformed(
        "link", _link(_file_link("ml/approval.json")), "clear error"
    ),
    "versions/ is a link": Malformed(
        "link", _link(_dir_link("ml/versions"), previous_run=True), "clear error"
    ),
    "the check run's folder is a link": Malformed(
        "link", _link(_dir_link("ml/runs/validation")), "clear error", validate=True
    ),
}
