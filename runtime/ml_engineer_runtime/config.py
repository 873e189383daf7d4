"""experiment-config.yaml: read, checked, and its data file found.

Why: every decision lives in the config, so changing the target, a column or the model is a YAML
edit; the script checks the config before it reads any data.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from ml_engineer_runtime.errors import ScriptError

FEATURE_GROUPS = ("numeric", "categorical", "high_cardinality", "boolean", "datetime", "text")
REQUIRED = {
    "data": ("target", "task", "features", "split"),
    "model": ("type",),
    "metrics": ("primary",),
}


def load_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ScriptError(f"config file not found: {path}")
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ScriptError(f"{path} is not valid YAML: {' '.join(str(err).split())}") from None
    for section, keys in REQUIRED.items():
        if not isinstance(config, dict) or not isinstance(config.get(section), dict):
            raise ScriptError(f"{path}: missing section {section!r}")
        for key in keys:
            if key not in config[section]:
                raise ScriptError(f"{path}: missing key {section}.{key}")
    for key in ("strategy", "train", "val", "test"):
        if key not in config["data"]["split"]:
            raise ScriptError(f"{path}: missing key data.split.{key}")
    split = config["data"]["split"]
    if split["strategy"] == "time" and not split.get("time_column"):
        raise ScriptError(
            f"{path}: data.split.strategy is time but data.split.time_column is not set"
        )
    return config


def resolve_data_path(cli_path: str | None, data_cfg: dict[str, Any], config_dir: Path) -> Path:
    """--data wins, then the environment variable named by data.path_env, then data.path."""
    if cli_path:
        return Path(cli_path)
    env_name = data_cfg.get("path_env") or "ML_ENGINEER_DATA"
    if os.environ.get(env_name):
        return Path(os.environ[env_name])
    if data_cfg.get("path"):
        path = Path(data_cfg["path"])
        return path if path.is_absolute() else config_dir / path
    raise ScriptError(f"no data path: pass --data, set ${env_name} or set data.path in the config")


def feature_groups(data_cfg: dict[str, Any], handled: tuple[str, ...]) -> dict[str, list[str]]:
    """The input columns by group. `handled`: the groups the script has a branch for; a group
    the config fills but the script does not handle is an error, never silently dropped."""
    configured = data_cfg.get("features") or {}
    unknown = sorted(set(configured) - set(FEATURE_GROUPS))
    if unknown:
        raise ScriptError(f"data.features: unknown group(s) {unknown}; known: {FEATURE_GROUPS}")
    groups = {group: list(configured.get(group) or []) for group in FEATURE_GROUPS}
    unhandled = [group for group in FEATURE_GROUPS if groups[group] and group not in handled]
    if unhandled:
        raise ScriptError(
            f"data.features lists {', '.join(unhandled)} column(s), which this script has no "
            f"branch for (it was written for {', '.join(handled)}): generate the script again "
            "from the changed design (ml-engineer revise), or move the columns to a group it has"
        )
    return groups


def print_inputs(features: dict[str, list[str]], made: dict[str, list[str]]) -> None:
    """The input columns by group, then the columns a run makes (`made`: label -> names), each
    list on one line; empty ones are left out."""
    for label, columns in [*features.items(), *made.items()]:
        if columns:
            print(f"  {label} ({len(columns)}): {', '.join(map(repr, columns))}")


def time_columns(cfg: dict[str, Any]) -> list[str]:
    """The time column of a split or forecast section, then its finer parts (time_parts)."""
    if not cfg.get("time_column"):
        return []
    return [cfg["time_column"], *(cfg.get("time_parts") or [])]
