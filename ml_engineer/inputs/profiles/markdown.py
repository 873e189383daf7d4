"""Read a structured-markdown `profile.md` as an LLM analyst writes it.

Expected, loosely: an overview with "Rows: 12,345"-style lines, a GitHub pipe table with one row
per column (header names vary), and bullet lists of quality notes under a heading that mentions
quality, flags, issues or warnings. When there is no column table, per-column subsections
("### `age`" followed by "- Type: numeric" lines) are read instead. Anything else that carries
facts (a section or a table this reader does not know) is listed in `unread_fields`.
"""

from __future__ import annotations

from ml_engineer.inputs.profiles.build import build_profile
from ml_engineer.inputs.profiles.flags import flag_named_columns
from ml_engineer.inputs.profiles.markdown_columns import Columns
from ml_engineer.inputs.profiles.markdown_document import is_quality, split
from ml_engineer.inputs.profiles.markdown_overview import (
    Overview,
    read_other_table,
    read_quality_table,
    read_section,
)
from ml_engineer.inputs.profiles.markdown_roles import classify_tables
from ml_engineer.inputs.profiles.missing import resolve_missing
from ml_engineer.inputs.profiles.unread import Unread
from ml_engineer.models.profile import DataProfile


def read_markdown(text: str, profile_path: str) -> DataProfile:
    """Read a markdown profile's text."""
    sections, tables = split(text)
    unread = Unread()

    column_tables, quality_tables, other_tables = classify_tables(tables)
    builder = Columns(unread)
    for table in column_tables:
        builder.add_table(table)
    column_sections: set[int] = set()
    if not column_tables:
        column_sections = builder.add_sections(sections)

    overview = Overview()
    notes: list[str] = []
    for index, section in enumerate(sections):
        if index in column_sections:
            continue
        read_section(section, overview, notes, unread)
    for table in other_tables:
        read_other_table(table, overview, unread)

    columns, facts = builder.columns, builder.facts
    resolve_missing(columns, facts, overview.rows, builder.bad_value)
    known = {c.name: c for c in columns}
    for table in quality_tables:
        read_quality_table(table, known, notes)
    for section in sections:
        if is_quality(section.title):
            for item in section.lines:
                flag_named_columns(item, known)

    return build_profile(
        source_format="markdown",
        profile_path=profile_path,
        columns=columns,
        row_count=overview.rows,
        column_count=overview.columns,
        dataset_path=overview.path,
        quality_notes=notes,
        unread=unread,
        top_keys=[s.title for s in sections if s.title],
        column_count_field='overview "Columns"',
    )
