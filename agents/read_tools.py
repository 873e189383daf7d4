"""Read tools over the analyst's outputs and the planner's recommendation.

A wide profile is never pasted whole into a prompt: the model sees an overview, then pages
through columns with filters, or asks for one column's full profile. Every answer is untrusted
data and reaches the model inside a <data> element (see untrusted.py).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field

from ml_engineer.agents.tool_loop import MAX_RESULT_CHARS, ReadTool
from ml_engineer.inputs.load import LoadedInputs
from ml_engineer.inputs.notes.documents import (
    EDA_DOCUMENT_NAMES,
    SCHEMA_DOCUMENT_NAMES,
    find_document,
    read_document,
)
from ml_engineer.models import ColumnKind, FeatureSpec
from ml_engineer.planning.review import closest

PAGE_COLUMNS = 40  # columns per list_columns page: about 4,000 characters
PAGE_CHARS = 6_000  # characters per page of a document
# A read result's size: the loop cuts anything longer mid-text, so the readers cut first, where
# the text can be cut (whole list items, whole lines), and say so.
MAX_READ_CHARS = MAX_RESULT_CHARS
_MARKER_ROOM = 120  # the "truncated" note a cut result carries


class NoArgs(BaseModel):
    """The arguments of a read tool that takes none."""


def fit_json(payload: dict, limit: int = MAX_READ_CHARS) -> str:
    """`payload` as compact JSON of at most `limit` characters, still valid JSON.

    When it is longer, whole items are left off the end of its longest lists and a "truncated"
    field says how many, e.g. "[truncated: 12 more dashboard items not shown]". Only when the
    lists are empty and it is still too long are whole lines of its indented form cut instead.
    """
    text = _dumps(payload)
    if len(text) <= limit:
        return text
    shown = {k: list(v) if isinstance(v, list) else v for k, v in payload.items()}
    left_off: dict[str, int] = {}
    while len(text) > limit:
        lists = [k for k, v in shown.items() if isinstance(v, list) and v]
        if not lists:
            return fit_lines(json.dumps(shown, ensure_ascii=False, indent=1), limit, "lines")
        key = max(lists, key=lambda k: len(_dumps(shown[k])))
        excess = len(text) - limit + _MARKER_ROOM
        items = shown[key]
        while items and excess > 0:
            excess -= len(_dumps(items.pop())) + 1
            left_off[key] = left_off.get(key, 0) + 1
        more = ", ".join(f"{n:,} more {k} items" for k, n in left_off.items())
        shown["truncated"] = f"[truncated: {more} not shown]"
        text = _dumps(shown)
    return text


def fit_lines(text: str, limit: int = MAX_READ_CHARS, unit: str = "lines") -> str:
    """`text` cut after its last whole line that fits in `limit` characters, with a line saying
    how many more were left off; a first line longer than that is cut at `limit` characters."""
    if len(text) <= limit:
        return text
    lines = text.splitlines(keepends=True)
    kept, size = 0, 0
    while kept < len(lines) and size + len(lines[kept]) <= limit - _MARKER_ROOM:
        size += len(lines[kept])
        kept += 1
    if kept == 0:
        cut = limit - _MARKER_ROOM
        return text[:cut] + f"\n[truncated: {len(text) - cut:,} more characters not shown]"
    body = "".join(lines[:kept])
    return body.rstrip("\n") + f"\n[truncated: {len(lines) - kept:,} more {unit} not shown]"


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


class ListColumnsArgs(BaseModel):
    kind: ColumnKind | None = Field(None, description="Only columns of this kind.")
    flag: str | None = Field(
        None, description="Only columns carrying this quality flag (see overview for the flags)."
    )
    name_contains: str | None = Field(None, description="Only names containing this text.")
    decision: str | None = Field(
        None, description="'kept' or 'excluded': only columns the planner kept or excluded."
    )
    offset: int = Field(0, ge=0, description="Start at this position of the filtered list.")
    limit: int = Field(PAGE_COLUMNS, ge=1, le=PAGE_COLUMNS)


class ColumnArgs(BaseModel):
    name: str = Field(description="The exact column name.")


class PageArgs(BaseModel):
    offset: int = Field(0, ge=0, description="Character offset to read from (see next_offset).")


class InputReader:
    """The read tools of the feature agent, over one run's inputs and the planner's spec."""

    def __init__(self, inputs: LoadedInputs, planned: FeatureSpec):
        self.inputs = inputs
        self.profile = inputs.profile
        self.planned = planned
        self.decisions = {c.name: c for c in planned.columns}

    def tools(self) -> list[ReadTool]:
        return [
            ReadTool("overview", "The dataset at a glance: rows, columns by kind and by flag, "
                     "the goal, the target.", NoArgs, lambda _: self.overview(), "profile"),
            ReadTool("list_columns", "One page of columns (name, kind, missing, distinct, flags, "
                     "the planner's decision), filtered.", ListColumnsArgs, self.list_columns,
                     "profile"),
            ReadTool("column_profile", "One column's full profile, the analyst's notes on it, "
                     "and the planner's decision with its reason.", ColumnArgs,
                     self.column_profile, "profile"),
            ReadTool("read_schema_suggestion", "The analyst's schema-suggestion.md, one page at "
                     "a time.", PageArgs, lambda a: self.document(SCHEMA_DOCUMENT_NAMES, a),
                     "schema-suggestion.md"),
            ReadTool("read_eda_report", "The analyst's eda-report.md, one page at a time.",
                     PageArgs, lambda a: self.document(EDA_DOCUMENT_NAMES, a), "eda-report.md"),
            ReadTool("planner_recommendation", "The offline planner's whole design with reasons: "
                     "target, task, metric, split, risks, and how many columns it keeps.", NoArgs,
                     lambda _: self.recommendation(), "planner"),
        ]  # fmt: skip

    def overview(self) -> str:
        p = self.profile
        kinds = Counter(c.kind.value for c in p.columns)
        flags = Counter(f for c in p.columns for f in c.flags)
        return json.dumps(
            {
                "rows": p.row_count,
                "columns": len(p.columns),
                "columns_by_kind": dict(kinds),
                "columns_by_flag": dict(flags.most_common(20)),
                "analyst_goal_sentence": self.inputs.notes.goal_sentence,
                "analyst_suggested_metrics": self.inputs.notes.suggested_metrics,
                "target_named_by_analyst": self.inputs.notes.target_hint,
                "dataset_present": self.inputs.dataset is not None,
                "profile_format": p.source_format,
                "first_columns": p.column_names[:PAGE_COLUMNS],
            },
            ensure_ascii=False,
        )

    def list_columns(self, args: ListColumnsArgs) -> str:
        rows = []
        for col in self.profile.columns:
            decision = self.decisions.get(col.name)
            if args.kind and col.kind != args.kind:
                continue
            if args.flag and args.flag not in col.flags:
                continue
            if args.name_contains and args.name_contains.casefold() not in col.name.casefold():
                continue
            state = "target" if decision is None else ("kept" if decision.keep else "excluded")
            if args.decision and state != args.decision:
                continue
            rows.append((col, decision, state))
        page = rows[args.offset : args.offset + args.limit]
        lines = [
            {
                "name": col.name,
                "kind": col.kind.value,
                "missing": col.missing_fraction,
                "distinct": col.unique_count,
                "flags": col.flags,
                "planner": state
                + (f" as {decision.treatment.value}" if decision and decision.treatment else "")
                + (f": {decision.reason}" if decision and not decision.keep else ""),
            }
            for col, decision, state in page
        ]
        following = args.offset + len(page)
        return json.dumps(
            {
                "total": len(rows),
                "offset": args.offset,
                "next_offset": following if following < len(rows) else None,
                "columns": lines,
            },
            ensure_ascii=False,
        )

    def column_profile(self, args: ColumnArgs) -> str:
        col = self.profile.column(args.name)
        if col is None:
            return f"No column {args.name!r}.{closest(args.name, self.profile.column_names)}"
        decision = self.decisions.get(col.name)
        return json.dumps(
            {
                "profile": col.model_dump(mode="json", exclude_none=True),
                "analyst_notes": self.inputs.notes.column_notes.get(col.name, []),
                "planner": decision.model_dump(mode="json", exclude_none=True)
                if decision
                else "this is the target",
            },
            ensure_ascii=False,
        )

    def document(self, names: tuple[str, ...], args: PageArgs) -> str:
        path = find_document(Path(self.inputs.data_dir), names)
        if path is None:
            return "The analyst left no such document."
        text, problem, _ = read_document(path)
        if text is None:
            return f"{path.name} cannot be read: {problem}."
        chunk = text[args.offset : args.offset + PAGE_CHARS]
        following = args.offset + len(chunk)
        more = f"\n[next_offset: {following} of {len(text)}]" if following < len(text) else ""
        return chunk + more

    def recommendation(self) -> str:
        spec = self.planned
        return json.dumps(
            {
                "target": spec.target.column,
                "task": spec.goal.task.value,
                "target_reason": spec.goal.target_reason,
                "positive_class": spec.target.positive_class,
                "classes": spec.target.classes[:30],
                "primary_metric": spec.goal.primary_metric,
                "metric_reason": spec.goal.metric_reason,
                "secondary_metrics": spec.goal.secondary_metrics,
                "split": spec.split.model_dump(mode="json", exclude_none=True),
                "class_weight": spec.class_weight,
                "kept_columns": len(spec.kept),
                "excluded_columns": len(spec.excluded),
                "excluded_reasons": dict(Counter(_reason_kind(c.reason) for c in spec.excluded)),
                "risks": spec.risks,
                "see_also": "list_columns(decision='kept' or 'excluded') for the columns",
            },
            ensure_ascii=False,
        )


def _reason_kind(reason: str) -> str:
    """Group reasons by their first clause, so 2,000 exclusions summarise in a few lines."""
    return reason.split(":")[0].split(";")[0].split("(")[0].strip()[:60]
