"""What each sub-skill run alone reads, from the files its contract names, as its graph's input.

    feature_spec_writer         <data-dir or profile file>   the analyst's folder
    training_script_generator   <feature-spec.md>            the spec's machine-readable block
    experiment_config_writer    <feature-spec.md>            the same, and the script beside it
    mlops and its three parts   <ml-dir>                     the three deliverables, the check
                                                             run's metrics, the analyst's profile

A missing or unreadable file is an InputsError naming the file and the command that writes it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ml_engineer.deliverables import (
    APPROVAL_FILE,
    EXPERIMENT_CONFIG,
    FEATURE_SPEC,
    TRAINING_SCRIPT,
    design_digests,
    display_path,
    ml_dir_for,
    slug_for,
)
from ml_engineer.errors import DataError, InputsError
from ml_engineer.inputs.load import LoadedInputs, load_inputs
from ml_engineer.near_paths import did_you_mean
from ml_engineer.planning.training_checks import family_problem
from ml_engineer.render.experiment_config import load_experiment_config
from ml_engineer.spec_block import read_spec_file
from ml_engineer.validation import ValidationResult

DESIGN_SKILLS = ("training_script_generator", "experiment_config_writer")
MLOPS_SKILLS = (
    "mlops", "deployment_config_writer", "monitoring_dashboard_spec", "retrain_pipeline_spec",
)  # fmt: skip
# What each sub-skill's path must be, for the messages that say it was not.
WHAT = {
    "feature_spec_writer": "the analyst's folder (output/<slug>/data) or its profile file",
    "training_script_generator": "a feature-spec.md written by ml-engineer",
    "experiment_config_writer": "a feature-spec.md written by ml-engineer",
    **dict.fromkeys(MLOPS_SKILLS, "the ml folder the design stage wrote (output/<slug>/ml)"),
}
# `# Model: the planned model lightgbm; not yet measured`, or the family its check run chose
# (`# Model: extra_trees`, `# Model: ridge (random draw 2)`); `blend` is no family a config
# can plan, and the caller drops it.
_MODEL_LINE = re.compile(r"^# Model: (?:the planned model )?([a-z_]+)\b", re.MULTILINE)
_FRAMEWORK_LINE = re.compile(r"^# Framework: ([a-z_]+)$", re.MULTILINE)


def feature_spec_input(path: Path, *, goal: str | None, target: str | None) -> dict[str, Any]:
    """The analyst's folder, or one profile file in it (the folder is then the file's)."""
    if path.is_file():
        data_dir, profile = path.parent, path
    elif path.is_dir():
        data_dir, profile = path, None
    else:
        what = "is not a folder or a regular file" if path.exists() else "does not exist"
        raise InputsError(
            f"{path} {what}.{did_you_mean(path)} Pass the analyst's folder (output/<slug>/data) "
            "or its profile file, e.g. `ml-engineer feature-spec-writer output/acme/data`.",
            path=str(path),
        )
    return {
        "data_dir": str(data_dir.resolve()),
        "profile_path": str(profile.resolve()) if profile else None,
        "ml_dir": str(ml_dir_for(data_dir)),
        "slug": slug_for(data_dir),
        "request": {"goal_text": goal, "target": target, "tracker": "none", "seed": 42},
        "log": [],
    }


def design_input(
    spec_path: Path, *, tracker: str | None = None, framework: str | None = None
) -> dict[str, Any]:
    """A feature-spec.md's design; its folder is where the script and config are written.
    Without a framework asked for, the one of the training_script.py beside it stands."""
    spec_path = _file_in(spec_path, FEATURE_SPEC)
    read = read_spec_file(spec_path)
    ml_dir = spec_path.parent.resolve()
    script = ml_dir / TRAINING_SCRIPT
    framework = framework or _header_word(script, _FRAMEWORK_LINE) or "sklearn"
    return {
        "slug": read.spec.slug,
        "ml_dir": str(ml_dir),
        "feature_spec": read.spec.model_dump(mode="json"),
        "request": {"tracker": tracker or "none", "framework": framework, "seed": read.seed},
        "script_model": script_model(script),
        "log": [*read.warnings, *_slug_warning(read.spec.slug, ml_dir)],
    }


def script_model(script: Path) -> str | None:
    """The model family a training_script.py beside the spec names in its header (the one
    its check run chose, else the planned one), so a config written afterwards agrees with
    the script a person reviewed."""
    return _header_word(script, _MODEL_LINE)


def _header_word(script: Path, line: re.Pattern) -> str | None:
    if not script.is_file():
        return None
    head = script.read_text(encoding="utf-8", errors="replace")[:4000]
    found = line.search(head)
    return found.group(1) if found else None


def mlops_input(path: Path) -> dict[str, Any]:
    """The approved design in output/<slug>/ml, for the mlops stage run alone."""
    ml_dir = path / "ml" if path.is_dir() and (path / "ml").is_dir() else path
    if not ml_dir.is_dir():
        raise InputsError(
            f"{path} is not a folder. Pass the ml folder the design stage wrote, e.g. "
            "`ml-engineer mlops output/acme/ml`.",
            path=str(path),
        )
    ml_dir = ml_dir.resolve()
    spec = read_spec_file(_file_in(ml_dir / FEATURE_SPEC, FEATURE_SPEC))
    config_path = _file_in(ml_dir / EXPERIMENT_CONFIG, EXPERIMENT_CONFIG)
    config = _read_config(config_path)
    _check_config_fits(config, spec.spec, config_path)
    data_dir = ml_dir.parent / "data"
    if not data_dir.is_dir():
        raise InputsError(
            f"{display_path(data_dir)} is missing: the mlops stage reads the analyst's profile "
            "there for the service's input schema and the drift baselines. Run it on the ml "
            "folder of a project that still has its data folder beside it.",
            path=str(data_dir),
        )
    inputs = load_inputs(data_dir)
    _check_design_fits(spec.spec, _known_columns(inputs), ml_dir, data_dir)
    validation, final = _runs(ml_dir, config)
    trained = None
    if final is not None:  # as the design stage's --train leaves it: the served model's path
        model = ml_dir / "runs" / "final" / final.saved_model()
        trained = final.model_dump(mode="json") | {"model_path": str(model)}
    return {
        "slug": spec.spec.slug,
        "ml_dir": str(ml_dir),
        "inputs": inputs.model_dump(mode="json"),
        "feature_spec": spec.spec.model_dump(mode="json"),
        "experiment_config": config.model_dump(mode="json"),
        "validation": validation.model_dump(mode="json"),
        "trained": trained,
        "llm_usage": [],
        "mlops_log": [
            *spec.warnings,
            *_slug_warning(spec.spec.slug, ml_dir),
            *_approval_warning(ml_dir),
        ],
    }


def _check_config_fits(config, spec, path: Path) -> None:
    """experiment-config.yaml (perhaps edited by hand) is of the same design as the spec."""
    problem = None
    if config.data.target != spec.target.column:
        problem = (
            f"its target {config.data.target!r} is not the feature spec's {spec.target.column!r}"
        )
    elif config.data.task != spec.goal.task.value:
        problem = f"its task {config.data.task} is not the feature spec's {spec.goal.task.value}"
    else:
        problem = family_problem(config.model.type, spec.goal.task)
    if problem:
        raise InputsError(
            f"{display_path(path)} does not fit the design: {problem.rstrip('.')}. Write it "
            "again from the spec with `ml-engineer experiment-config-writer "
            f"{display_path(path.parent / FEATURE_SPEC)}`.",
            path=str(path),
        )


def _known_columns(inputs: LoadedInputs) -> list[str]:
    """The profile's columns and the dataset's: the design stage profiles from the data the
    columns the analyst's profile lacks, so a design may use them."""
    columns = list(inputs.profile.column_names)
    if inputs.dataset is not None:
        from ml_engineer.inputs.dataset import read_dataset  # pandas: only with a dataset

        try:
            columns += [str(c) for c in read_dataset(inputs.dataset, nrows=0).columns]
        except DataError:
            pass  # an unreadable file: the profile's columns alone are checked
    return columns


def _check_design_fits(spec, columns: list[str], ml_dir: Path, data_dir: Path) -> None:
    """The design names only columns of this project's profile: a spec copied from another
    project would give the service another input schema and drift baselines of other data."""
    known = set(columns)
    missing = [c.name for c in spec.kept if c.name not in known]
    if spec.target.column not in known:
        missing.insert(0, spec.target.column)
    if missing:
        shown = ", ".join(repr(name) for name in missing[:5])
        raise InputsError(
            f"{display_path(ml_dir / FEATURE_SPEC)} names columns that the profile in "
            f"{display_path(data_dir)} does not have ({shown}{' ...' if len(missing) > 5 else ''})"
            ": it is not this project's design. Write it again for this project with "
            f"`ml-engineer feature-spec-writer {display_path(data_dir)}`.",
            path=str(ml_dir / FEATURE_SPEC),
        )


def _slug_warning(slug: str, ml_dir: Path) -> list[str]:
    here = slug_for(ml_dir.parent)
    if slug == here:
        return []
    return [f"feature-spec.md was written for project {slug!r}; this folder is {here!r}."]


def _file_in(path: Path, name: str) -> Path:
    if path.is_dir():
        path = path / name
    if not path.is_file():
        writer = {
            FEATURE_SPEC: "ml-engineer feature-spec-writer output/<slug>/data",
            EXPERIMENT_CONFIG: "ml-engineer experiment-config-writer output/<slug>/ml/"
            "feature-spec.md",
        }[name]
        raise InputsError(
            f"{display_path(path)} does not exist. Write it first with `{writer}` (or the "
            "whole design with `ml-engineer run output/<slug>/data`).",
            path=str(path),
        )
    return path


def _read_config(path: Path):
    try:
        return load_experiment_config(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        said = f"field {where}: {error['msg']}" if where else "it is empty or not a mapping"
        raise InputsError(
            f"{display_path(path)} is not a valid experiment config: {said}. Fix it, or "
            "write it again with `ml-engineer experiment-config-writer <feature-spec.md>`.",
            path=str(path),
            field=where,
        ) from None
    except Exception as exc:  # YAML syntax, or not a mapping at all
        raise InputsError(
            f"{display_path(path)} cannot be read as YAML ({str(exc).splitlines()[0]}). Undo "
            "the last edit, or write it again with `ml-engineer experiment-config-writer "
            "<feature-spec.md>`.",
            path=str(path),
        ) from None


def _runs(ml_dir: Path, config) -> tuple[ValidationResult, ValidationResult | None]:
    """The check run's result and the full training's, from the metrics their runs left, when
    they are of this design (same target, task, model and metric): old numbers of another
    design must not become the monitoring's thresholds."""
    results = []
    for name in ("validation", "final"):
        metrics = _metrics(ml_dir / "runs" / name / "metrics.json")
        if metrics is not None and not _of_design(metrics, config):
            metrics = None
        results.append(
            ValidationResult(
                status="passed",
                reason="read from its metrics.json",
                metrics=metrics,
                output_dir=str(ml_dir / "runs" / name),
            )  # fmt: skip
            if metrics is not None
            else None
        )
    validation, trained = results
    if trained is not None and not (ml_dir / "runs" / "final" / trained.saved_model()).exists():
        trained = None
    if validation is None:
        validation = trained or ValidationResult(
            status="skipped", reason="no check run of this design was found in runs/validation"
        )
    return validation, trained


def _of_design(metrics: dict, config) -> bool:
    return (
        metrics.get("target") == config.data.target
        and metrics.get("task") == config.data.task
        and metrics.get("model_type") in config.candidate_types()
        and metrics.get("primary_metric") == config.metrics.primary
    )


def _metrics(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _approval_warning(ml_dir: Path) -> list[str]:
    """The mlops stage normally follows a person's approval; say when this design has none."""
    status, changed = approval_of(ml_dir)
    if status == "approved" and not changed:
        return []
    if status == "approved":
        said = f"{', '.join(changed)} changed since it was approved"
    else:
        said = f"its approval.json says {status!r}" if status else "it has no approval.json"
    return [
        f"The design in {display_path(ml_dir)} was not approved ({said}); the mlops files are "
        "written for it as asked, but review it before deploying."
    ]


def approval_of(ml_dir: Path) -> tuple[str | None, list[str]]:
    """approval.json's status, and the deliverables changed since it recorded them."""
    try:
        record = json.loads((ml_dir / APPROVAL_FILE).read_text(encoding="utf-8"))
        status, recorded = record.get("status"), record.get("design")
    except (OSError, ValueError, AttributeError):
        return None, []
    if not isinstance(recorded, dict):  # written before approval.json kept digests
        return status, []
    changed = [n for n, d in design_digests(ml_dir).items() if recorded.get(n) != d]
    return status, sorted(changed)
