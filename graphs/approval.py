"""Where the graph stops and asks a person: every node that calls `interrupt()` is here.

- `choose_target`: the goal's words leave two or more columns plausible as the target, so the
  person says which (graphs/target_question.py builds the question and reads the answers). The
  choice goes into the run's request and the feature spec is written again.
- `approval`: the design is done; approve, revise with feedback (routed to the node it
  concerns, re-running everything after it), or reject with a reason (graphs/approval_summary.py
  builds the question).

Each question is sent in the human-in-the-loop shape of langchain 1.x (`action_requests` /
`review_configs`), so LangGraph Studio and Agent Inbox render it; our own surfaces read the same
payload.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from langchain_core.messages import HumanMessage
from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt
from pydantic import BaseModel, Field

from ml_engineer.agents.feedback_interpreter import read_feedback
from ml_engineer.agents.tool_loop import AgentSession
from ml_engineer.deliverables import (
    APPROVAL_FILE,
    design_digests,
    snapshot_deliverables,
    write_file,
)
from ml_engineer.graphs.agent_session import agent_session, agent_update
from ml_engineer.graphs.approval_summary import (
    ALLOWED_DECISIONS,
    QUESTION,
    ApprovalSummary,
    approval_request,
    build_summary,
)
from ml_engineer.graphs.chat_start import chat_reply
from ml_engineer.graphs.messages import TARGET_QUESTION_NAME, answer_message
from ml_engineer.graphs.progress import checkpoint
from ml_engineer.graphs.state import Context, MLEngineerState
from ml_engineer.graphs.target_question import (
    RefusedAnswer,
    TargetQuestion,
    answer_words,
    chosen_reason,
    read_target_answer,
    target_request,
)
from ml_engineer.inputs.load import LoadedInputs
from ml_engineer.models import ExperimentConfig, FeatureSpec
from ml_engineer.models.revision import NODE_ORDER, Overrides, Revision
from ml_engineer.planning.revision_checks import inputs_left


class Decision(BaseModel):
    decision: Literal["approve", "revise", "reject"]
    feedback: str | None = None
    reason: str | None = None
    overrides: Overrides | None = None
    edited: dict[str, Any] = Field(
        default_factory=dict, description="A HITL edit's args: the summary as the person left it."
    )


_APPROVE_WORDS = {"approve", "approved", "yes", "y", "ok", "lgtm", "accept"}
_REJECT_WORDS = {"reject", "rejected", "no", "n", "stop"}


def parse_decision(answer: object) -> Decision:
    """Our answers and langchain's HITL decisions, mapped onto approve / revise / reject.

    Accepted: "approve"; "reject"; any other text (revise with that feedback);
    {"decision": "approve" | "revise" | "reject", "feedback": ..., "reason": ...};
    {"decisions": [{"type": "approve" | "reject" | "respond" | "edit", ...}]} as Agent Inbox sends.
    """
    if isinstance(answer, Decision):
        return answer
    if isinstance(answer, str):
        text = answer.strip()
        if not text:
            raise ValueError("The resume answer is empty: say approve, reject, or what to change")
        word = text.lower().rstrip(".!")
        if word in _APPROVE_WORDS:
            return Decision(decision="approve")
        if word in _REJECT_WORDS:
            return Decision(decision="reject")
        return Decision(decision="revise", feedback=text)
    if isinstance(answer, dict) and "decisions" in answer:
        decisions = answer["decisions"]
        if not isinstance(decisions, list) or len(decisions) != 1:
            count = len(decisions) if isinstance(decisions, list) else "not a list"
            raise ValueError(f"expected exactly one decision for the one request, got {count}")
        return _from_hitl(decisions[0])
    if isinstance(answer, dict) and "type" in answer:
        return _from_hitl(answer)
    if isinstance(answer, dict):
        return Decision.model_validate(answer)
    raise ValueError(
        f"Unrecognised approval answer {answer!r}: resume with 'approve', 'reject', feedback "
        "text, {'decision': ...} or {'decisions': [{'type': ...}]}"
    )


def _from_hitl(decision: dict) -> Decision:
    kind = decision.get("type")
    if kind == "approve":
        return Decision(decision="approve")
    if kind == "reject":
        return Decision(decision="reject", reason=decision.get("message"))
    if kind == "respond":
        return Decision(decision="revise", feedback=decision.get("message") or "")
    if kind == "edit":
        args = dict((decision.get("edited_action") or {}).get("args") or {})
        return Decision(decision="revise", feedback=args.pop("feedback", None), edited=args)
    raise ValueError(f"Unknown decision type {kind!r}; expected one of {ALLOWED_DECISIONS}")


def choose_target(
    state: MLEngineerState,
) -> Command[Literal["feature_spec_writer", "choose_target", "__end__"]]:
    # As in approval: nothing is said before interrupt(); feature_spec_writer said the question.
    question = TargetQuestion.model_validate(state["target_question"])
    typed = chat_reply(state, TARGET_QUESTION_NAME)
    answer = typed if typed is not None else interrupt(target_request(question))
    said = [] if typed is not None else [HumanMessage(content=answer_words(answer))]
    try:
        choice = read_target_answer(answer, question)
    except RefusedAnswer as refused:  # asked again, by this node's next run, saying why
        again = question.model_copy(update={"note": str(refused)})
        update = {"target_question": again.model_dump(mode="json"), "messages": said}
        return Command(goto="choose_target", update=update)
    if choice.reject or choice.target is None:  # nothing was written, nothing handed off
        line = "Run stopped at the target question; nothing was written." + (
            f" Reason: {choice.reason}" if choice.reason else ""
        )
        rejected = {"decision": "reject", "reason": choice.reason}
        update = {"target_question": None, "decision": rejected, "messages": said}
        return Command(goto=END, update={**update, **checkpoint("choose_target", line)})
    request = {
        **(state.get("request") or {}),
        "target": choice.target,
        "target_reason": chosen_reason(choice.target, question),
    }
    # The question stays in the state until the spec is written: a column that cannot be the
    # target (an identifier, a constant) is asked about again, with the planner's reason.
    line = f"Target chosen: `{choice.target}`. Writing the feature spec..."
    update = {"request": request, "messages": said, **checkpoint("choose_target", line)}
    return Command(goto="feature_spec_writer", update=update)


Destination = Literal[
    "train_model", "feature_spec_writer", "training_script_generator", "experiment_config_writer",
    "__end__",
]  # fmt: skip


def approval(state: MLEngineerState, runtime: Runtime[Context]) -> Command[Destination]:
    # No checkpoint line before interrupt(): a node re-runs from its start on resume, so a line
    # sent here would repeat. The question travels in the interrupt payload instead, and as a
    # chat message written by the node before this one (graphs/messages.py).
    request = approval_request(build_summary(state, runtime.context if runtime else None))
    # Whoever opens ml/ sees where the design stands (idempotent: this line re-runs on resume).
    _record_status(state, "awaiting approval")
    # An answer typed in the chat is already in `messages`; any other comes back from interrupt().
    typed = chat_reply(state)
    answer = typed if typed is not None else interrupt(request.model_dump(mode="json"))
    decision = parse_decision(answer)
    record: dict[str, Any] = {"decision": decision.model_dump(mode="json")}
    if typed is None:  # past the interrupt: written once, with the update, before its outcome
        record["messages"] = [answer_message(answer, decision)]
    if decision.decision == "approve":
        _record_status(state, "approved")
        approved = checkpoint("approval", "ML design approved. Handing off to MLOps.")
        return Command(goto="train_model", update={**record, **approved})
    if decision.decision == "reject":
        _record_status(state, "rejected", reason=decision.reason)
        message = "ML design rejected; nothing was handed off." + (
            f" Reason: {decision.reason}" if decision.reason else ""
        )
        return Command(goto=END, update={**record, **checkpoint("approval", message)})
    _record_status(state, "being revised", feedback=decision.feedback)
    return _revise(state, decision, record, agent_session(state, runtime))


# Summary fields a HITL edit may change, and the override each becomes.
_EDITABLE = {"target": "target", "primary_metric": "primary_metric", "model": "model_type"}


def _overrides_from_edit(
    args: dict[str, Any], summary: ApprovalSummary, spec: FeatureSpec
) -> tuple[Overrides, list[str]]:
    """Compare an edited summary (or override fields) with the one shown; every change is
    either applied or reported back, never dropped silently."""
    shown = summary.model_dump(mode="json")
    changes: dict[str, Any] = {}
    refused: list[str] = []
    columns = {c.name for c in spec.columns}
    for key, value in args.items():
        if key in Overrides.model_fields:
            changes[key] = value
        elif key in _EDITABLE:
            if value != shown.get(key):
                changes[_EDITABLE[key]] = value
        elif key == "kept_columns" and isinstance(value, list):
            kept = {str(v) for v in value}
            changes["drop"] = sorted(set(summary.kept_columns) - kept)
            changes["keep"] = sorted((kept & columns) - set(summary.kept_columns))
            refused += [f"edited kept_columns: no column named {n!r}" for n in kept - columns]
        elif key == "excluded_columns" and isinstance(value, list):
            excluded = {v["column"] if isinstance(v, dict) else str(v) for v in value}
            before = {e.column for e in summary.excluded_columns}
            changes["drop"] = sorted(set(changes.get("drop", [])) | ((excluded & columns) - before))
            changes["keep"] = sorted(set(changes.get("keep", [])) | (before - excluded))
        elif value != shown.get(key):
            refused.append(f"edited {key!r}: not a decision the rules can change")
    try:
        return Overrides.model_validate(changes), refused
    except ValueError as exc:
        return Overrides(), [*refused, f"edited decisions not applied: {exc}"]


def _record_status(state: MLEngineerState, status: str, **details: str | None) -> None:
    """ml/approval.json: the design's status, so a rejected design never looks approved."""
    record = {
        "status": status,
        "question": QUESTION,
        "revisions": len(state.get("revisions") or []),
        **{k: v for k, v in details.items() if v},
        "design": design_digests(Path(state["ml_dir"])),
    }
    write_file(Path(state["ml_dir"]) / APPROVAL_FILE, json.dumps(record, indent=2) + "\n")


def _revise(
    state: MLEngineerState, decision: Decision, record: dict, session: AgentSession | None
) -> Command[Destination]:
    spec = FeatureSpec.model_validate(state["feature_spec"])
    config = ExperimentConfig.model_validate(state["experiment_config"])
    inputs = LoadedInputs.model_validate(state["inputs"])
    revision, agent = read_feedback(decision.feedback or "", spec, config, inputs, session)
    agent_lines = agent_update("approval", agent)
    restart = revision.restart_at
    edits, refused = _overrides_from_edit(decision.edited, build_summary(state), spec)
    if decision.overrides is not None:
        edits = edits.merged(decision.overrides)
    revision.not_understood += refused
    if edits != Overrides():
        revision.overrides = revision.overrides.merged(edits)
        revision.acted.append("applied the edited decisions: " + ", ".join(
            f"{k}={v}" for k, v in edits.model_dump(exclude_defaults=True).items()
        ))  # fmt: skip
        restart = NODE_ORDER[0]
    if inputs_left(spec, revision.overrides) == 0:
        # A spec with no input cannot be planned, and a run stuck there could not be answered.
        revision.not_understood.append(
            "dropping "
            + ", ".join(f"`{c}`" for c in revision.overrides.drop)
            + " would leave no input column; nothing was dropped"
        )
        revision.overrides = revision.overrides.model_copy(update={"drop": []})
        revision.acted = [a for a in revision.acted if not a.startswith("dropped")]
    previous = [Revision.model_validate(r) for r in state.get("revisions", [])]
    revision.number = len(previous) + 1
    # Feedback the rules cannot act on still re-writes the spec, which records it.
    revision.restart_at = restart or NODE_ORDER[0]
    kept = snapshot_deliverables(Path(state["ml_dir"]))
    revision.previous_version = str(kept) if kept else None
    overrides = Overrides.model_validate(state.get("overrides") or {}).merged(revision.overrides)
    lines = [f"Revision {revision.number}: " + ("; ".join(revision.acted) or "nothing to change")]
    if revision.not_understood:
        lines.append(
            "Not understood, recorded in the spec's notes: " + "; ".join(revision.not_understood)
        )
    if kept:
        lines.append(f"The previous deliverables were kept in {kept}.")
    log = [entry for line in lines for entry in checkpoint("approval", line)["log"]]
    return Command(
        goto=revision.restart_at,
        update={
            **record,
            **agent_lines,
            "log": agent_lines.get("log", []) + log,
            "overrides": overrides.model_dump(mode="json"),
            "revisions": [
                *(r.model_dump(mode="json") for r in previous),
                revision.model_dump(mode="json"),
            ],
        },
    )
