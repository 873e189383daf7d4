"""Run one sub-skill alone: `/feature_spec_writer <data-dir>`, `/training_script_generator
<feature-spec.md>`, `/mlops <ml-dir>` and the rest, for every surface (the CLI, the terminal
chat, MCP, and a chat message to the LangGraph server). Public as `ml_engineer.skill_runner`.

Each reads the files its contract names (`ml_engineer.skill_inputs`) and writes only its own
deliverable. A deliverable it replaces with different content is first copied to
`versions/vN/` beside it, as a full run does, so nothing a person read or edited is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ml_engineer import skill_inputs
from ml_engineer.deliverables import (
    EXPERIMENT_CONFIG,
    FEATURE_SPEC,
    STATE_DIR,
    TRAINING_SCRIPT,
    discard_if_unchanged,
    display_path,
    snapshot_deliverables,
)
from ml_engineer.errors import InputsError
from ml_engineer.graphs.agent_session import agent_mode_line_for
from ml_engineer.graphs.single_skills import build_skill_graph
from ml_engineer.graphs.state import Context
from ml_engineer.run_lock import project_lock

MLOPS_FILES = ("deployment-config.yaml", "monitoring-spec.md", "retrain-pipeline.md")
WRITES: dict[str, tuple[str, ...]] = {
    "feature_spec_writer": (FEATURE_SPEC,),
    "training_script_generator": (TRAINING_SCRIPT,),
    "experiment_config_writer": (EXPERIMENT_CONFIG,),
    "mlops": MLOPS_FILES,
    "deployment_config_writer": (MLOPS_FILES[0],),
    "monitoring_dashboard_spec": (MLOPS_FILES[1],),
    "retrain_pipeline_spec": (MLOPS_FILES[2],),
}
# What to run next, as a slash command: (command, whether it takes the spec or the ml folder).
_NEXT = {
    "feature_spec_writer": ("training_script_generator", "spec"),
    "training_script_generator": ("experiment_config_writer", "spec"),
    "experiment_config_writer": ("mlops", "ml"),
    "deployment_config_writer": ("monitoring_dashboard_spec", "ml"),
    "monitoring_dashboard_spec": ("retrain_pipeline_spec", "ml"),
    "retrain_pipeline_spec": ("report_owner", "project"),
    "mlops": ("report_owner", "project"),
}

Line = Callable[[str | None, str], None]


@dataclass
class SkillResult:
    skill: str
    paths: dict[str, str]
    next_slash: str | None = None
    next_command: str | None = None
    kept_previous: str | None = None
    log: list[str] = field(default_factory=list)


def run_skill(
    name: str,
    path: str | Path,
    *,
    goal: str | None = None,
    target: str | None = None,
    framework: str | None = None,
    tracker: str | None = None,
    context: Context | None = None,
    on_line: Line | None = None,
) -> SkillResult:
    """Run the sub-skill `name` (as in its slash command) on `path`; return what it wrote."""
    if name not in WRITES:
        raise InputsError(f"There is no sub-skill {name!r}; one of: {', '.join(WRITES)}.")
    try:
        state = _input(
            name, Path(path).expanduser(), goal=goal, target=target, tracker=tracker,
            framework=framework,
        )  # fmt: skip
    except (OSError, RuntimeError) as exc:  # a name too long, an unknown ~user, no permission
        shown = str(path) if len(str(path)) <= 120 else str(path)[:120] + "..."
        why = str(getattr(exc, "strerror", None) or exc).rstrip(".")
        raise InputsError(
            f"{shown} cannot be read ({why}). Pass {skill_inputs.WHAT[name]}.", path=shown
        ) from None
    context = context or Context()
    show = on_line or (lambda node, message: None)
    show(None, agent_mode_line_for(context))
    folder = _out_folder(name, state)
    project = Path(state["ml_dir"]).parent
    values: dict = {}
    # The same lock as a full run's: a step never writes under a run of the same project.
    with project_lock(project / STATE_DIR, state["slug"]):
        kept = snapshot_deliverables(folder, WRITES[name])
        try:
            for mode, chunk in build_skill_graph(name).stream(
                state, context=context, stream_mode=["custom", "values"]
            ):
                if mode == "custom" and chunk.get("type") == "checkpoint":
                    show(chunk.get("node"), chunk["message"])
                elif mode == "values":
                    values = chunk
        finally:
            if discard_if_unchanged(kept, folder):
                kept = None
    if kept is not None:
        show(name, f"The previous version was kept in {display_path(kept)}.")
    status, changed = skill_inputs.approval_of(Path(state["ml_dir"]))
    if name not in skill_inputs.MLOPS_SKILLS and status == "approved" and changed:
        said = f"{', '.join(changed)} changed since the design was approved"
        show(name, f"{said}: approval.json no longer covers it, and /mlops will say so.")
    paths = values.get("written") or values.get("mlops_written") or {}
    next_slash, next_command = _next(name, Path(state["ml_dir"]))
    if next_slash:
        show(name, f"Next: {next_slash}")
    return SkillResult(
        skill=name,
        paths=dict(paths),
        next_slash=next_slash,
        next_command=next_command,
        kept_previous=str(kept) if kept else None,
        log=list(values.get("log") or values.get("mlops_log") or []),
    )


def _input(name: str, path: Path, **asked) -> dict:
    if name == "feature_spec_writer":
        return skill_inputs.feature_spec_input(path, goal=asked["goal"], target=asked["target"])
    if name in skill_inputs.DESIGN_SKILLS:
        return skill_inputs.design_input(
            path, tracker=asked["tracker"], framework=asked["framework"]
        )
    return skill_inputs.mlops_input(path)


def _out_folder(name: str, state: dict) -> Path:
    ml_dir = Path(state["ml_dir"])
    return ml_dir.parent / "mlops" if name in skill_inputs.MLOPS_SKILLS else ml_dir


def _next(name: str, ml_dir: Path) -> tuple[str | None, str | None]:
    command, takes = _NEXT[name]
    where = {"spec": ml_dir / FEATURE_SPEC, "ml": ml_dir, "project": ml_dir.parent}[takes]
    shown = display_path(where)
    slash = f"/{command} {shown}"
    if command == "report_owner":  # the next stage is another product
        return slash, None
    return slash, f"ml-engineer {command.replace('_', '-')} {shown}"
