"""The sub-skill nodes of the ml_engineer graph, one per sub-skill, in the order they run."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from langgraph.runtime import Runtime
from langgraph.types import Command

from ml_engineer.agents.experiment_config_writer import choose_experiment, write_experiment_config
from ml_engineer.agents.feature_spec_writer import write_feature_spec
from ml_engineer.agents.training_script_generator import generate_training_script
from ml_engineer.chosen_model import chosen_model
from ml_engineer.deliverables import (
    EXPERIMENT_CONFIG,
    FEATURE_SPEC,
    TRAINING_SCRIPT,
    archive_previous,
    discard_if_unchanged,
    display_path,
    write_file,
)
from ml_engineer.errors import DataError, GoalError, MLEngineerError, TargetUnclear
from ml_engineer.graphs.agent_session import agent_mode_line, agent_session, agent_update
from ml_engineer.graphs.progress import checkpoint, emit
from ml_engineer.graphs.state import Context, MLEngineerState
from ml_engineer.graphs.target_question import TargetQuestion, question_from
from ml_engineer.inputs.load import LoadedInputs
from ml_engineer.inputs.load import load_inputs as read_inputs
from ml_engineer.models import ExperimentConfig, FeatureSpec
from ml_engineer.models.revision import Overrides, Revision
from ml_engineer.planning.planner import PlanRequest
from ml_engineer.render.feature_spec import render_feature_spec
from ml_engineer.render.training_script import render_training_script
from ml_engineer.validation import ValidationResult, run_training_script


def _request(state: MLEngineerState) -> PlanRequest:
    revisions = [Revision.model_validate(r) for r in state.get("revisions", [])]
    notes = [
        f"Reviewer feedback (revision {r.number}) not turned into a change, kept here for the "
        f"record{' (as the LLM agent read it)' if r.read_by != 'rules' else ''}: "
        f"{'; '.join(r.not_understood)}"
        for r in revisions
        if r.not_understood
    ]
    notes += [f"Revision {r.number}: {'; '.join(r.acted)}" for r in revisions if r.acted]
    return PlanRequest(
        slug=state["slug"],
        **state.get("request", {}),
        overrides=Overrides.model_validate(state.get("overrides") or {}),
        reviewer_notes=notes,
        reviewer_feedback=[r.feedback for r in revisions if r.feedback.strip()],
    )


def _proposals(state: MLEngineerState, node: str, taken: dict | None) -> dict:
    """The proposals the agents took, by node, for the next round's fallback."""
    return {"agent_proposals": {**state.get("agent_proposals", {}), node: taken}}


def _record_agent_notes(spec: FeatureSpec, node: str, agent, update: dict) -> None:
    """The node's own agent notes in the spec, replacing any from an earlier round."""
    notes = agent.notes if agent is not None else None
    if spec.agent_notes.get(node) == notes:
        return
    if notes is None:
        spec.agent_notes.pop(node, None)
    else:
        spec.agent_notes[node] = notes
    update["feature_spec"] = spec.model_dump(mode="json")


def load_inputs(state: MLEngineerState, runtime: Runtime[Context]) -> dict:
    inputs = read_inputs(Path(state["data_dir"]))
    log: list[str] = []
    lines = [*inputs.log, agent_mode_line(runtime), "Inputs read. Proceeding to feature spec..."]
    for line in lines:
        log += checkpoint("load_inputs", line)["log"]
    return {"inputs": inputs.model_dump(mode="json"), "log": log}


def feature_spec_writer(
    state: MLEngineerState, runtime: Runtime[Context]
) -> Command[Literal["training_script_generator", "choose_target"]]:
    inputs = LoadedInputs.model_validate(state["inputs"])
    ml_dir = Path(state["ml_dir"])
    request = _request(state)
    previous = state.get("agent_proposals", {}).get("feature_spec_writer")
    try:
        spec, agent, taken = write_feature_spec(
            inputs, request, ml_dir, agent_session(state, runtime), previous
        )
    except TargetUnclear as unclear:  # a person says which column (approval.choose_target)
        return _ask_for_target(unclear, inputs)
    except (GoalError, DataError) as error:
        if not state.get("target_question"):
            raise
        return _ask_again(state, error)  # the column the person chose cannot be the target
    update = {**agent_update("feature_spec_writer", agent)}
    if agent is not None:
        update |= _proposals(state, "feature_spec_writer", taken)
    text = render_feature_spec(spec, seed=request.seed)
    # The first writer of a run archives a previous, different set before touching any file;
    # within a run, the approval node has already kept the set a revision replaces.
    archived = None if state.get("revisions") else archive_previous(ml_dir)
    log = update.get("log", [])
    if archived:
        log += emit("feature_spec_writer", f"The previous deliverables were kept in {archived}.")
    path = write_file(ml_dir / FEATURE_SPEC, text)
    log += emit("feature_spec_writer", "Feature spec complete. Proceeding to training script...")
    return Command(
        goto="training_script_generator",
        update={
            **update,
            "log": log,
            "feature_spec": spec.model_dump(mode="json"),
            "written": {FEATURE_SPEC: str(path)},
            "archived_to": str(archived) if archived else None,
            "target_question": None,  # answered, if one was asked
        },
    )


def _ask_for_target(unclear: TargetUnclear, inputs: LoadedInputs) -> Command:
    """Stop before writing anything: the question waits in the state for choose_target."""
    question = question_from(unclear, inputs.profile.column_names)
    names = ", ".join(f"`{c.column}`" for c in question.candidates)
    line = (
        f"The goal leaves {len(question.candidates)} columns plausible as the target ({names}); "
        "asking which one to predict."
    )
    return Command(
        goto="choose_target",
        update={
            "target_question": question.model_dump(mode="json"),
            **checkpoint("feature_spec_writer", line),
        },
    )


def _ask_again(state: MLEngineerState, error: MLEngineerError) -> Command:
    """The question again, saying why the chosen column cannot be the target."""
    request = dict(state.get("request") or {})
    chosen = request.get("target")
    question = TargetQuestion.model_validate(state["target_question"])
    note = f"`{chosen}` cannot be the target: {error.message}"
    request.update(target=None, target_reason=None)
    again = question.model_copy(update={"note": note}).model_dump(mode="json")
    return Command(goto="choose_target", update={"target_question": again, "request": request})


def training_script_generator(state: MLEngineerState, runtime: Runtime[Context]) -> dict:
    spec = FeatureSpec.model_validate(state["feature_spec"])
    previous = state.get("agent_proposals", {}).get("training_script_generator")
    config, script, agent, taken = generate_training_script(
        spec, _request(state), agent_session(state, runtime), previous
    )
    path = write_file(Path(state["ml_dir"]) / TRAINING_SCRIPT, script, executable=True)
    update = {**agent_update("training_script_generator", agent)}
    # The spec says who chose the model and what was not taken; a round without an agent
    # (offline now) clears what an earlier round's agent said.
    _record_agent_notes(spec, "training_script_generator", agent, update)
    if agent is not None:
        update |= _proposals(state, "training_script_generator", taken)
    line = "Training script complete. Proceeding to experiment config..."
    return {
        **update,
        "log": update.get("log", []) + checkpoint("training_script_generator", line)["log"],
        "experiment_config": config.model_dump(mode="json"),
        "written": {**state.get("written", {}), TRAINING_SCRIPT: str(path)},
    }


def experiment_config_writer(state: MLEngineerState, runtime: Runtime[Context]) -> dict:
    spec = FeatureSpec.model_validate(state["feature_spec"])
    config = ExperimentConfig.model_validate(state["experiment_config"])
    request = _request(state)
    tracker = request.overrides.tracker
    if tracker is not None:  # a revision may restart here, after the config was planned
        config.logging.tracker = tracker
    previous = state.get("agent_proposals", {}).get("experiment_config_writer")
    agent, taken = choose_experiment(
        spec, config, agent_session(state, runtime), previous, request.reviewer_feedback
    )
    update = {**agent_update("experiment_config_writer", agent)}
    _record_agent_notes(spec, "experiment_config_writer", agent, update)
    if agent is not None:
        update |= _proposals(state, "experiment_config_writer", taken)
    path = write_file(Path(state["ml_dir"]) / EXPERIMENT_CONFIG, write_experiment_config(config))
    line = "Experiment config complete. Proceeding to validation..."
    return {
        **update,
        "log": update.get("log", []) + checkpoint("experiment_config_writer", line)["log"],
        "experiment_config": config.model_dump(mode="json"),
        "written": {**state.get("written", {}), EXPERIMENT_CONFIG: str(path)},
    }


def validate(state: MLEngineerState, runtime: Runtime[Context]) -> dict:
    context = runtime.context or Context()
    spec = FeatureSpec.model_validate(state["feature_spec"])
    inputs = LoadedInputs.model_validate(state["inputs"])
    ml_dir = Path(state["ml_dir"])
    if inputs.dataset is None:
        result = ValidationResult(status="skipped", reason="the dataset is not in the data folder")
    elif not context.validate:
        result = ValidationResult(status="skipped", reason="validation was turned off")
    else:
        rows = spec.row_count or 0
        sample = context.sample_rows if rows > context.sample_rows else None
        checkpoint("validate", "Running the training script on the data to check it...")
        result = run_training_script(
            ml_dir, Path(inputs.dataset.path), sample_rows=sample, timeout_s=context.timeout_s,
            memory_limit_mb=context.memory_limit_mb,
        )  # fmt: skip
    # The spec records how its script fared, so the document a person reads is complete.
    text = render_feature_spec(
        spec, seed=_request(state).seed, validation_line=result.summary_line()
    )
    write_file(ml_dir / FEATURE_SPEC, text)
    _name_the_chosen_model(spec, state, result)
    update = checkpoint("validate", result.summary_line() + " Proceeding to approval...")
    archived = state.get("archived_to")
    if archived and discard_if_unchanged(Path(archived), ml_dir):
        update["log"] += checkpoint(
            "validate", f"The rerun reproduced the previous deliverables; {archived} was removed."
        )["log"]
        update["archived_to"] = None
    return {**update, "validation": result.model_dump(mode="json")}


def _name_the_chosen_model(
    spec: FeatureSpec, state: MLEngineerState, result: ValidationResult
) -> None:
    """The script's header names the model its check run chose, as the approval does: the
    planned one is only the search's first candidate. Only comments change, not the code."""
    config = ExperimentConfig.model_validate(state["experiment_config"])
    script = render_training_script(spec, config, chosen_model(config, result))
    write_file(Path(state["ml_dir"]) / TRAINING_SCRIPT, script, executable=True)


def train_model(state: MLEngineerState, runtime: Runtime[Context]) -> dict:
    """With --train: the approved script on the full dataset (no sample); its model is served.

    The script still holds out its test part to score the model, then refits on train+val."""
    context = runtime.context or Context()
    inputs = LoadedInputs.model_validate(state["inputs"])
    if not context.train:
        return {"trained": None}
    if inputs.dataset is None:
        return {
            "trained": None,
            **checkpoint("train_model", "Full training skipped: the dataset is not here."),
        }
    checkpoint("train_model", "Training the approved model on the full dataset (no sampling)...")
    ml_dir = Path(state["ml_dir"])
    result = run_training_script(
        ml_dir, Path(inputs.dataset.path), sample_rows=None, timeout_s=context.timeout_s,
        memory_limit_mb=context.memory_limit_mb, run_name="final",
    )  # fmt: skip
    trained = result.model_dump(mode="json")
    if result.status == "passed":
        trained["model_path"] = str(ml_dir / "runs" / "final" / result.saved_model())
        line = "Full training complete: " + result.summary_line().removeprefix("Validation: ")
    else:
        said = result.what_happened()
        line = f"Full training: the script {said}; the stage continues without it."
    return {"trained": trained, **checkpoint("train_model", line)}


def handoff(state: MLEngineerState) -> dict:
    ml_dir = Path(state["ml_dir"])
    command = f"/mlops {display_path(ml_dir)}"
    return {**checkpoint("handoff", f"Invoking: {command}"), "handoff": command}
