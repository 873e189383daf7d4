"""The graph's state and run-time context.

State holds plain JSON-able dicts (pydantic `model_dump(mode="json")`), so any checkpointer,
SQLite or Postgres, stores it without custom serialisers; nodes re-validate what they read. The
one exception is `messages`, langchain messages, which langgraph's own serialiser stores.
"""

from __future__ import annotations

import operator
import os
from dataclasses import dataclass, field
from typing import Annotated, Any

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict  # pydantic (the server's schemas) needs it on 3.11


class MLEngineerState(TypedDict, total=False):
    data_dir: str
    """The analyst's folder, output/<slug>/data."""
    ml_dir: str
    """Where the deliverables go, output/<slug>/ml."""
    slug: str
    """The project's name, taken from its folder."""
    request: dict[str, Any]
    """What the user asked for: goal, target, tracker, seed."""
    inputs: dict[str, Any]
    """LoadedInputs: the normalised profile, the analyst's notes, where the data is."""
    feature_spec: dict[str, Any]
    """The FeatureSpec."""
    experiment_config: dict[str, Any]
    """The ExperimentConfig the script reads."""
    written: dict[str, str]
    """Deliverable name -> path written."""
    archived_to: str | None
    """Where a previous, different set of deliverables was moved, if anywhere."""
    validation: dict[str, Any]
    """The ValidationResult of running the script."""
    target_question: dict[str, Any] | None
    """The TargetQuestion waiting for a person (which column to predict), else None."""
    decision: dict[str, Any]
    """The person's latest answer at the approval checkpoint."""
    overrides: dict[str, Any]
    """Overrides: every change reviewers asked for so far, merged; the planner applies them."""
    revisions: list[dict[str, Any]]
    """Revision per round of feedback: what was asked, what changed, what was not understood."""
    handoff: str | None
    """The next stage's command, set on approval."""
    trained: dict[str, Any] | None
    """The full training run on all the data (--train): its result and model path."""
    monitoring: dict[str, Any]
    """The mlops stage's MonitoringSpec."""
    mlops_written: dict[str, str]
    """MLOps deliverable name -> path written."""
    report_handoff: str | None
    """The report stage's command, set when the mlops stage is done."""
    mlops_log: list[str]
    """Checkpoint lines of the mlops stage."""
    auto_approve: bool
    """Started with --yes: a resumed run approves unseen too, within the same safety rules."""
    check_settings: dict[str, Any]
    """How the CLI's run checks the script (validate, sample_rows, timeout_s, memory_limit_mb),
    for `resume`."""
    llm_flags: dict[str, Any]
    """The CLI's model flags (model name, server, budget; never a key), for `resume`."""
    agent_proposals: dict[str, dict[str, Any] | None]
    """Per node, the LLM agent's proposal taken last round: re-applied if the next one fails."""
    llm_usage: Annotated[list[dict[str, Any]], operator.add]
    """NodeUsage per LLM agent run, in order: tokens, calls, refusals, how it ended."""
    log: Annotated[list[str], operator.add]
    """Checkpoint lines, in order, as the person saw them."""
    messages: Annotated[list[AnyMessage], add_messages]
    """The run as a conversation, for LangGraph Studio and the Agent Chat UI: each node's
    checkpoint lines as one AI message, the approval question, the person's answer."""


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(kw_only=True)
class Context:
    """Run-time settings; each falls back to an ML_ENGINEER_* environment variable."""

    validate: bool = field(
        default_factory=lambda: os.environ.get("ML_ENGINEER_VALIDATE", "1") != "0",
        metadata={"description": "Run the generated script on the data to check it."},
    )
    sample_rows: int = field(
        default_factory=lambda: _env_int("ML_ENGINEER_SAMPLE_ROWS", 50_000),
        metadata={"description": "Above this many rows, the check run uses a sample."},
    )
    train: bool = field(
        default_factory=lambda: os.environ.get("ML_ENGINEER_TRAIN", "0") == "1",
        metadata={"description": "After approval, train on all the data before the handoff."},
    )
    timeout_s: int = field(
        default_factory=lambda: _env_int("ML_ENGINEER_TIMEOUT_S", 600),
        metadata={"description": "The check run is stopped after this many seconds."},
    )
    memory_limit_mb: int | None = field(
        default_factory=lambda: _env_int("ML_ENGINEER_MEMORY_LIMIT_MB", 0) or None,
        metadata={
            "description": "The check run is stopped when the script and the processes it "
            "started hold more than this many MB; None: half of the machine's memory."
        },
    )
    llm: Any = field(
        default=None,
        metadata={"description": "A langchain chat model with tool calling; None: the planner."},
    )
    model_name: str | None = field(
        default=None, metadata={"description": "The model's name, for usage and prices."}
    )
    budget: Any = field(
        default=None,
        metadata={"description": "agents.usage.Budget: token and USD limits for the whole run."},
    )
