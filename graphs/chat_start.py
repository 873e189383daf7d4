"""Where a run starts: the graph's own input, or a chat message (LangGraph Studio, Agent Chat UI).

A run started with `initial_state(...)` goes straight to load_inputs. A run whose input is a chat
message starts here: `/ml_engineer output/<slug>/data [goal words]` begins a run on that folder
(relative to the server's working folder, or absolute), and a message typed while a question is
waiting (the approval, or which column to predict) is that question's answer. A sub-skill's
own command (`/training_script_generator output/<slug>/ml/feature-spec.md`, `/mlops
output/<slug>/ml`, ...) runs that step alone and replies with what it wrote. Anything else gets
a reply saying how to start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command

from ml_engineer import slash
from ml_engineer.deliverables import display_path
from ml_engineer.errors import MLEngineerError
from ml_engineer.graphs.messages import QUESTION_NAME, TARGET_QUESTION_NAME
from ml_engineer.graphs.progress import emit
from ml_engineer.graphs.state import Context, MLEngineerState
from ml_engineer.near_paths import did_you_mean
from ml_engineer.profile_command import data_dir_for
from ml_engineer.run_input import initial_state

COMMAND = "/ml_engineer"
USAGE = (
    f"To start, send `{COMMAND} output/<slug>/data [goal words]`, for example "
    f"`{COMMAND} output/acme-churn/data predict churn`: the analyst's folder (relative to where "
    "the server runs, or absolute) and, optionally, the goal. Without a goal, it is read from "
    "the analyst's eda-report.md."
)
# What a previous run left in the thread that would change a new one (log and usage only add).
_FRESH_RUN: dict[str, Any] = {
    "overrides": {}, "revisions": [], "agent_proposals": {}, "decision": None, "handoff": None,
    "trained": None, "archived_to": None, "written": {}, "mlops_written": {}, "mlops_log": [],
    "report_handoff": None, "auto_approve": False, "target_question": None,
}  # fmt: skip


def parse_command(text: str) -> tuple[str, str | None] | None:
    """`/ml_engineer <data-dir> [goal words]` -> (data dir, goal or None); None for anything else.

    The folder may be quoted when it holds spaces (the shared parser of ml_engineer.slash)."""
    command = ml_engineer_command(text)
    return (command.path, command.goal) if command is not None else None


def ml_engineer_command(text: str) -> slash.SlashCommand | None:
    """The `/ml_engineer` command typed, with its flags; None for anything else."""
    try:
        command = slash.parse(text)
    except slash.SlashError:
        return None
    return command if command.name == "ml_engineer" else None


def _why_not(text: str) -> str:
    """What to tell a person whose message did not start a run."""
    if not slash.is_slash(text):
        return USAGE
    try:
        slash.parse(text)
    except slash.SlashError as error:
        return f"{error} {USAGE}"
    return USAGE


def sub_skill(text: str) -> slash.SlashCommand | None:
    """A sub-skill's own command (`/training_script_generator <feature-spec.md>`, ...)."""
    try:
        command = slash.parse(text)
    except slash.SlashError:
        return None
    return None if command.name == "ml_engineer" else command


def _run_step(command: slash.SlashCommand, context: Context | None) -> str:
    """One sub-skill alone, as the CLI runs it; the reply says what it wrote and what is next."""
    from ml_engineer.graphs.skill_run import run_skill

    try:
        result = run_skill(
            command.name, command.path, framework=command.framework, tracker=command.tracker,
            context=context, on_line=emit,
        )  # fmt: skip
    except MLEngineerError as error:
        return error.message
    written = "\n".join(
        f"- {name}: {display_path(Path(path))}" for name, path in result.paths.items()
    )
    reply = f"/{command.name} wrote:\n{written}"
    return reply + (f"\n\nNext: `{result.next_slash}`" if result.next_slash else "")


def awaiting_reply(messages: list[AnyMessage], asked: str = QUESTION_NAME) -> bool:
    """The last message is a person's, typed right after the question named `asked` (the
    approval by default)."""
    return (
        len(messages) >= 2
        and isinstance(messages[-1], HumanMessage)
        and isinstance(messages[-2], AIMessage)
        and messages[-2].name == asked
    )


def chat_reply(state: MLEngineerState, asked: str = QUESTION_NAME) -> str | None:
    """The answer a person typed in the chat to that question, if that is the input (a
    message with no text, an image alone, leaves the question asked again)."""
    messages = state.get("messages") or []
    return (messages[-1].text.strip() or None) if awaiting_reply(messages, asked) else None


def entry(
    state: MLEngineerState,
) -> Literal["start_from_chat", "load_inputs", "approval", "choose_target"]:
    messages = state.get("messages") or []
    if awaiting_reply(messages):
        return "approval"
    if awaiting_reply(messages, TARGET_QUESTION_NAME) and state.get("target_question"):
        return "choose_target"
    if not state.get("data_dir") or (messages and isinstance(messages[-1], HumanMessage)):
        return "start_from_chat"
    return "load_inputs"


def start_from_chat(
    state: MLEngineerState, runtime: Runtime[Context]
) -> Command[Literal["load_inputs", "__end__"]]:
    messages = state.get("messages") or []
    last = messages[-1] if messages and isinstance(messages[-1], HumanMessage) else None
    step = sub_skill(last.text) if last is not None else None
    if step is not None:
        return _reply(_run_step(step, runtime.context if runtime else None))
    command = ml_engineer_command(last.text) if last is not None else None
    if command is None:
        return _reply(_why_not(last.text) if last is not None else USAGE)
    folder, goal = command.path, command.goal
    data_dir = Path(folder).expanduser()
    if data_dir.is_file():  # a data file, as `run` takes it: profiled first, or reused
        try:
            data_dir = data_dir_for(data_dir, target=None, goal=goal, say=lambda line: None)
        except MLEngineerError as err:
            return _reply(str(err))
    if not data_dir.is_dir():
        return _reply(
            f"There is no folder {folder!r} where the server runs ({Path.cwd()})."
            f"{did_you_mean(data_dir)} {USAGE}"
        )
    line = f"Starting {COMMAND} {display_path(data_dir)}" + (f", goal: {goal}" if goal else "")
    return Command(
        goto="load_inputs",
        update={
            **_FRESH_RUN,
            **initial_state(
                data_dir,
                goal=goal,
                tracker=command.tracker or "none",
                framework=command.framework or "sklearn",
            ),
            "log": [line + "."],
        },
    )


def _reply(text: str) -> Command[Literal["__end__"]]:
    return Command(goto=END, update={"messages": [AIMessage(content=text, name="ml_engineer")]})
