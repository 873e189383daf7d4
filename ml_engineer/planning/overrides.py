"""A reviewer's overrides, applied on top of the planner's own decisions.

Each change the reviewer asked for replaces the planner's choice and says so in the reason; a
change that cannot apply (a metric that does not fit the task) is kept as a note instead.
"""

from __future__ import annotations

from ml_engineer.models import ColumnDecision, DataProfile, Exclusion, Goal, SplitPlan, TaskType
from ml_engineer.models.revision import Overrides
from ml_engineer.planning.columns import forced_keep
from ml_engineer.planning.goal import TASK_METRICS


def apply_metric_override(goal: Goal, overrides: Overrides, notes: list[str]) -> None:
    metric = overrides.primary_metric
    if metric is None or metric == goal.primary_metric:
        return
    if metric not in TASK_METRICS[goal.task]:
        notes.append(
            f"The reviewer asked for {metric} as the primary metric, which does not fit a "
            f"{goal.task.value} task; {goal.primary_metric} is kept."
        )
        return
    previous = goal.primary_metric
    goal.primary_metric = metric
    goal.secondary_metrics = [m for m in [previous, *goal.secondary_metrics] if m != metric]
    goal.metric_reason = "set by the reviewer at approval"


def apply_drops(decisions: list[ColumnDecision], overrides: Overrides) -> None:
    for decision in decisions:
        if decision.name in overrides.drop and decision.keep:
            decision.keep = False
            decision.treatment = None
            decision.transforms = []
            decision.exclusion = Exclusion.reviewer
            decision.reason = "excluded by the reviewer at approval"


def apply_keeps(
    decisions: list[ColumnDecision], profile: DataProfile, overrides: Overrides, notes: list[str]
) -> None:
    for i, decision in enumerate(decisions):
        if decision.name not in overrides.keep or decision.keep:
            continue
        col = profile.column(decision.name)
        kept = forced_keep(col, profile.row_count, decision.reason) if col else None
        if kept is None:
            notes.append(
                f"The reviewer asked to keep `{decision.name}`, but it cannot be used: "
                f"{decision.reason}."
            )
            continue
        kept.notes = decision.notes
        decisions[i] = kept


def apply_split_override(
    split: SplitPlan, goal: Goal, overrides: Overrides, notes: list[str]
) -> SplitPlan:
    strategy = overrides.split_strategy
    if strategy is None:
        return split
    if strategy == "stratified" and goal.task == TaskType.regression:
        notes.append("The reviewer asked for a stratified split; a regression target cannot be "
                     "stratified, so the split stays random.")  # fmt: skip
        strategy = "random"
    column = overrides.split_column
    return split.model_copy(
        update={
            "strategy": strategy,
            "time_column": column if strategy == "time" else None,
            "group_column": column if strategy == "group" else None,
            "reason": f"{strategy} split"
            + (f" on `{column}`" if column else "")
            + ", set by the reviewer at approval",
        }
    )
