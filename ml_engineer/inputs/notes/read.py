"""Read the analyst's two markdown documents by rules, without an LLM.

`schema-suggestion.md` and `eda-report.md` are written by an upstream LLM skill to a loose
description, so the rules here look for the few facts the planner needs (the goal in words, the
target the analyst marked, key columns, recommended metrics, quality notes, notes per column and
ordered categories) and ignore everything else.

All document text is untrusted data. It is matched against fixed patterns and copied as plain
text; it is never executed, evaluated, used as a path or used to build a pattern. Only names from
the caller's `column_names` can become a target, key or column-note key. A document that cannot be
read (binary, not UTF-8, a directory, permission denied) is skipped and the problem is recorded in
`quality_notes`; nothing in here raises for any document content.
"""

from __future__ import annotations

from pathlib import Path

from ml_engineer.inputs.notes.blocks import Doc, parse
from ml_engineer.inputs.notes.column_names import ColumnNames
from ml_engineer.inputs.notes.column_notes import column_notes, quality_notes
from ml_engineer.inputs.notes.documents import (
    EDA_DOCUMENT_NAMES,
    MAX_DOCUMENT_BYTES,
    SCHEMA_DOCUMENT_NAMES,
    find_document,
    read_document,
)
from ml_engineer.inputs.notes.goal import find_goal
from ml_engineer.inputs.notes.keys import key_columns
from ml_engineer.inputs.notes.metrics import metric_notes, suggested_metrics
from ml_engineer.inputs.notes.ordered_levels import ordered_categories
from ml_engineer.inputs.notes.plain_text import unique
from ml_engineer.inputs.notes.target import target_hint
from ml_engineer.models.goal import AnalystNotes

MAX_QUALITY_NOTES = 100


def read_analyst_notes(data_dir: Path, column_names: list[str]) -> AnalystNotes:
    """What `schema-suggestion.md` and `eda-report.md` in `data_dir` say, read by fixed rules.

    Either document may be missing (other spellings such as `eda_report.md` or `EDA.md` are
    accepted). Only names in `column_names` (exact, else case-insensitive when unambiguous) can
    become the target hint, a key column or a `column_notes` key. A document that cannot be read
    adds a line "<name> could not be read: <why>." to `quality_notes`; this never raises.
    """
    data_dir = Path(data_dir)
    cols = ColumnNames(column_names)
    problems: list[str] = []
    docs: list[Doc] = []
    sources: list[str] = []
    for names in (SCHEMA_DOCUMENT_NAMES, EDA_DOCUMENT_NAMES):
        path = find_document(data_dir, names)
        if path is None:
            continue
        text, problem, truncated = read_document(path)
        if text is None:
            problems.append(f"{path.name} could not be read: {problem}.")
            continue
        sources.append(path.name)
        if not text.strip():
            problems.append(f"{path.name} is empty.")
            continue
        if truncated:
            problems.append(
                f"{path.name} is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB; "
                "only its beginning was read."
            )
        try:
            docs.append(parse(path.name, text))
        except Exception as exc:  # noqa: BLE001 - a document must never stop the run
            problems.append(f"{path.name} could not be read: {exc.__class__.__name__}.")

    # The goal usually lives in the EDA report: look there first.
    goal_docs = sorted(docs, key=lambda d: 0 if d.name.casefold().startswith("eda") else 1)
    notes = AnalystNotes(sources=sources)
    try:
        goal_sentence, goal_raw = find_goal(goal_docs)
        hint_notes: list[str] = []
        notes = AnalystNotes(
            goal_sentence=goal_sentence,
            target_hint=target_hint(docs, cols, goal_raw, hint_notes),
            key_columns=key_columns(docs, cols),
            suggested_metrics=suggested_metrics(docs, goal_sentence),
            metric_notes=metric_notes(docs),
            quality_notes=unique(problems + quality_notes(docs) + hint_notes)[:MAX_QUALITY_NOTES],
            column_notes=column_notes(docs, cols),
            ordered_categories=ordered_categories(docs, cols),
            sources=sources,
        )
    except Exception as exc:  # noqa: BLE001 - a safety net: the documents are optional
        notes = AnalystNotes(
            sources=sources,
            quality_notes=problems
            + [f"The analyst's documents could not be interpreted ({exc.__class__.__name__})."],
        )
    return notes
