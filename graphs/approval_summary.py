"""The approval question: what a person sees, in langchain's human-in-the-loop shape.

`ApprovalSummary` is the design judged in ten seconds; `ApprovalRequest` wraps it as an
HITLRequest (`action_requests` / `review_configs`) so LangGraph Studio and Agent Inbox render it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ml_engineer.agents.usage import NodeUsage
from ml_engineer.chosen_model import chosen_model
from ml_engineer.graphs.messages import question_message
from ml_engineer.graphs.state import Context, MLEngineerState
from ml_engineer.group_lines import group_lines
from ml_engineer.models import ExperimentConfig, FeatureSpec
from ml_engineer.models.revision import Revision
from ml_engineer.planning.experiment import tracker_warning
from ml_engineer.too_good import TooGood, too_good
from ml_engineer.validation import ValidationResult

QUESTION = "ML design complete. Approve before handing off to MLOps for deploy and monitor."
ACTION = "approve_ml_design"
ALLOWED_DECISIONS = ["approve", "edit", "reject", "respond"]


class ExcludedColumn(BaseModel):
    column: str
    reason: str


class ApprovalSummary(BaseModel):
    """What a person needs to say yes or no, in ten seconds."""

    question: str = QUESTION
    slug: str
    task: str
    target: str
    target_by_agent: bool = Field(
        False, description="The LLM agent chose the target, not the user, the analyst or rules."
    )
    positive_class: str | None = None
    primary_metric: str
    split: str
    dataset: str | None = Field(
        None,
        description="The data file the check run read, and how it was found; None when no "
        "dataset was found (the script was written but not run).",
    )
    kept_columns: list[str]
    derived_features: list[str] = Field(
        default_factory=list, description="name = op(inputs): computed by the script's pipeline."
    )
    excluded_columns: list[ExcludedColumn]
    model: str = Field(
        description="The model the check run's search chose (metrics.json), or, with no check "
        "run, `the planned model <type>; not yet measured`."
    )
    model_params: dict = Field(description="That model's parameters.")
    validation: str
    validation_status: str
    beats_baseline: bool | None = Field(
        None, description="None when the script was not run; else the test verdict."
    )
    metrics_test: dict | None = None
    baseline_test: dict | None = None
    search: str | None = Field(
        None,
        description="How the check run's search measured, what it chose over the candidates "
        "it measured (with their scores), and which it did not measure and why.",
    )
    top_inputs: list[str] = Field(
        default_factory=list,
        description="The inputs that matter most: how much the primary metric fell on test "
        "when each was shuffled (permutation importance of the check run).",
    )
    too_good: TooGood | None = Field(
        None,
        description="Set when the check run looks too good to be true (a near-perfect score "
        "with one input carrying it, or one input that is most of a very good model): the "
        "warning names the columns, and --yes does not approve.",
    )
    groups: list[str] = Field(
        default_factory=list,
        description="Per protected attribute, the check run's test results per group: the "
        "primary metric and the predictions beside the truth, with each group's rows.",
    )
    stderr_tail: str | None = None
    risks: list[str] = Field(default_factory=list)
    paths: dict[str, str]
    revision: int = 0
    last_feedback_acted: list[str] = Field(default_factory=list)
    last_feedback_not_understood: list[str] = Field(default_factory=list)
    llm_usage: list[dict] = Field(
        default_factory=list,
        description="Per node: model, calls, input and output tokens, how the agent ended.",
    )
    llm_cost_usd: float | None = None
    options: list[str] = Field(default_factory=lambda: ["approve", "revise", "reject"])


class ApprovalRequest(BaseModel):
    """The interrupt payload: langchain's HITLRequest, plus the question in plain words."""

    question: str = QUESTION
    action_requests: list[dict[str, Any]]
    review_configs: list[dict[str, Any]]


def needs_a_person(summary: dict) -> str | None:
    """Why a design must not be approved unseen (by --yes), or None when it may be."""
    status = summary.get("validation_status")
    if status in ("failed", "timeout", "memory"):
        return f"the check run of the training script {summary['validation']}"
    if status == "passed" and summary.get("beats_baseline") is False:
        return "the model does not beat the naive baseline on the held-out test part"
    if isinstance(summary.get("too_good"), dict):
        return summary["too_good"].get("reason") or "the check run looks too good to be true"
    if summary.get("target_by_agent"):
        return "the LLM agent changed what the model predicts, which a person should confirm"
    return None


def summary_of(payload: dict) -> dict:
    """The ApprovalSummary inside an interrupt payload."""
    return payload["action_requests"][0]["args"]


def build_summary(state: MLEngineerState, context: Context | None = None) -> ApprovalSummary:
    spec = FeatureSpec.model_validate(state["feature_spec"])
    config = ExperimentConfig.model_validate(state["experiment_config"])
    result = ValidationResult.model_validate(state["validation"])
    metrics = result.metrics or {}
    model = chosen_model(config, result)
    split = spec.split.strategy
    if spec.split.time_column:
        split += f" on {spec.split.time_column}"
    if spec.split.group_column:
        split += f" by {spec.split.group_column}"
    split += f" ({spec.split.train:.0%}/{spec.split.val:.0%}/{spec.split.test:.0%})"
    revisions = [Revision.model_validate(r) for r in state.get("revisions", [])]
    last = revisions[-1] if revisions else None
    return ApprovalSummary(
        slug=state["slug"],
        task=spec.goal.task.value,
        target=spec.target.column,
        target_by_agent="proposed by the LLM agent" in spec.goal.target_reason,
        positive_class=spec.target.positive_class,
        primary_metric=spec.goal.primary_metric,
        split=split,
        dataset=_dataset(state),
        kept_columns=[c.name for c in spec.kept],
        derived_features=[f"{f.name} = {f.op.value}({', '.join(f.inputs)})" for f in spec.derived],
        excluded_columns=[ExcludedColumn(column=c.name, reason=c.reason) for c in spec.excluded],
        model=model.name,
        model_params=model.params,
        validation=result.summary_line(),
        validation_status=result.status,
        beats_baseline=metrics.get("beats_baseline") if result.status == "passed" else None,
        metrics_test=(metrics.get("model") or {}).get("test"),
        baseline_test=(metrics.get("baseline") or {}).get("test"),
        search=model.search_line(),
        top_inputs=_top_inputs(metrics.get("importances"), metrics.get("lower_is_better")),
        too_good=too_good(metrics) if result.status == "passed" else None,
        groups=group_lines(metrics.get("groups")),
        stderr_tail=result.stderr_tail,
        risks=[*spec.risks, *filter(None, [tracker_warning(config.logging.tracker)])],
        paths=dict(state.get("written", {})),
        revision=len(revisions),
        last_feedback_acted=last.acted if last else [],
        last_feedback_not_understood=last.not_understood if last else [],
        llm_usage=usage_table(state.get("llm_usage", [])),
        llm_cost_usd=_cost(state.get("llm_usage", []), context),
    )


def _dataset(state: MLEngineerState) -> str | None:
    """`/abs/path/data.csv (the only data file in ...)`: a profile can name a file outside the
    data folder, so the person approving sees exactly which file the design was checked on."""
    found = (state.get("inputs") or {}).get("dataset")
    if not found:
        return None
    # Where the file really is: `data/../../x.csv` or a linked folder would hide it.
    return f"{Path(found['path']).resolve()} ({found['how_found']})"


def _top_inputs(importances: dict | None, lower_is_better: object, shown: int = 5) -> list[str]:
    """`tenure (roc_auc falls 0.0196 when shuffled)`: the check run's most important inputs."""
    if not isinstance(importances, dict):
        return []
    metric = importances.get("metric", "the score")
    moves = "rises" if lower_is_better is True else "falls"  # the script reports the harm
    lines = []
    for item in (importances.get("top") or [])[:shown]:
        try:
            drop = float(item["drop"])
            lines.append(f"{item['column']} ({metric} {moves} {drop:.4g} when shuffled)")
        except (KeyError, TypeError, ValueError):  # the metrics file is the script's, not ours
            continue
    return lines


def usage_table(records: list[dict]) -> list[dict]:
    """One row per node (revision rounds added up), in the order the nodes first ran."""
    rows: dict[str, NodeUsage] = {}
    for record in records:
        usage = NodeUsage.model_validate(record)
        row = rows.setdefault(usage.node, NodeUsage(node=usage.node, model=usage.model))
        row.calls += usage.calls
        row.input_tokens += usage.input_tokens
        row.output_tokens += usage.output_tokens
        row.refusals += usage.refusals
        row.outcome = usage.outcome
    return [r.model_dump(mode="json") for r in rows.values()]


def _cost(records: list[dict], context: Context | None) -> float | None:
    budget = getattr(context, "budget", None) if context else None
    if budget is None or budget.price is None or not records:
        return None
    return round(budget.cost([NodeUsage.model_validate(r) for r in records]), 6)


def approval_request(summary: ApprovalSummary) -> ApprovalRequest:
    warning = f"\nToo good to be true? {summary.too_good.warning}" if summary.too_good else ""
    groups = "".join(f"\nPer group, {line}" for line in summary.groups)
    description = (
        f"{QUESTION}\n\n{summary.task} on `{summary.target}`, {summary.primary_metric}, "
        f"{summary.split}; model {summary.model}; {len(summary.kept_columns)} columns kept, "
        f"{len(summary.excluded_columns)} excluded.\nData: {summary.dataset or 'none found'}.\n"
        f"{summary.validation}{warning}{groups}\n\n"
        "approve: hand off to MLOps. respond / edit: revise with feedback, e.g. 'drop "
        "customer_id and optimise F1'. reject: stop with a reason."
    )
    return ApprovalRequest(
        action_requests=[
            {"name": ACTION, "args": summary.model_dump(mode="json"), "description": description}
        ],
        review_configs=[{"action_name": ACTION, "allowed_decisions": ALLOWED_DECISIONS}],
    )


def approval_question(state: MLEngineerState, update: dict, runtime: Any) -> list:
    """The question the approval node is about to ask, as a chat message said by the node
    that runs before it (`update` is that node's: the design as the approval will see it)."""
    context = runtime.context if runtime is not None else None
    request = approval_request(build_summary({**state, **update}, context))
    return [question_message(request.action_requests[0]["description"])]
