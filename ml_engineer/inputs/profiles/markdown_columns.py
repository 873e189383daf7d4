"""Column profiles from a markdown profile's column tables, or from per-column subsections
("### `age`" followed by "- Type: numeric" lines) when it has no column table."""

from __future__ import annotations

import re
from typing import Any

from ml_engineer.inputs.profiles.flags import attach, normalise_flags, note_flags
from ml_engineer.inputs.profiles.kinds import map_kind
from ml_engineer.inputs.profiles.markdown_cells import (
    list_cell,
    missing_cell,
    parse_range,
    top_values,
    try_float,
)
from ml_engineer.inputs.profiles.markdown_document import Section, Table, clean, header_key
from ml_engineer.inputs.profiles.markdown_keys import OVERVIEW_WORDS, QUALITY_WORDS
from ml_engineer.inputs.profiles.markdown_roles import ATTRIBUTE_ROLES, header_role, name_cell
from ml_engineer.inputs.profiles.missing import MissingFacts
from ml_engineer.inputs.profiles.numbers import is_absent, parse_count, parse_float
from ml_engineer.inputs.profiles.unread import ColumnFields, Unread, quote_name
from ml_engineer.models.profile import ColumnKind, ColumnProfile, NumericStats


class Columns:
    """Column profiles built from one or more tables, or from per-column subsections."""

    def __init__(self, unread: Unread) -> None:
        self.unread = unread
        self.bad_value = ColumnFields(unread, "column table", is_list=True).bad_value
        self.columns: list[ColumnProfile] = []
        self.facts: list[MissingFacts] = []
        self.by_name: dict[str, int] = {}

    def add_table(self, table: Table) -> None:
        roles = [header_role(h) for h in table.headers]
        for header, role in zip(table.headers, roles, strict=True):
            if role is None:
                self.unread.add(f"column table header {quote_name(clean(header))}")
        name_at = roles.index("name")
        seen_here: set[str] = set()
        for row in table.rows:
            row = (row + [""] * len(roles))[: len(roles)]
            name, extra = name_cell(row[name_at])
            if not name or is_absent(name):
                continue
            cells = [
                (role, header, cell)
                for header, role, cell in zip(table.headers, roles, row, strict=True)
                if role not in (None, "name", "ignored")
            ]
            self._add(name, cells, extra, name in seen_here)
            seen_here.add(name)

    def add_sections(self, sections: list[Section]) -> set[int]:
        """Per-column subsections: a heading naming the column, then "- Type: numeric" lines."""
        used: set[int] = set()
        for index, section in enumerate(sections):
            roles = [(header_role(key), key, value) for key, value, _ in section.pairs]
            facts = [r for r, _, _ in roles if r and r.startswith(ATTRIBUTE_ROLES)]
            title = section.title.lower()
            plain = not any(w in title for w in (*OVERVIEW_WORDS, *QUALITY_WORDS))
            # A column subsection states a type, or at least two column facts under a heading
            # that is not an overview ("Missing cells: 0" in an overview is not a column).
            if not section.title or not ("type" in facts or (plain and len(facts) >= 2)):
                continue
            name, extra = name_cell(
                re.sub(
                    r"^(?:column|field|variable)\s*[:：]\s*", "", section.title, flags=re.IGNORECASE
                )
            )
            name = re.sub(r"^\d+[.)]\s+", "", name)  # "3. age"
            hinted = re.match(r"^(.+?)\s*\(([^()]*)\)$", name)
            if hinted and not extra and map_kind(hinted.group(2)) is not None:
                name = hinted.group(1)  # "income (numeric)": the type is said again below
            for role, key, _ in roles:
                if role is None:
                    self.unread.add(f"column section key {quote_name(key)}")
            self._add(
                name,
                [r for r in roles if r[0] not in (None, "name", "ignored")],
                extra,
                name in self.by_name,
            )
            for text in section.texts:
                attach(self.columns[self.by_name[name]], text, note_flags(text))
            used.add(index)
        return used

    def _add(
        self, name: str, cells: list[tuple[str | None, str, str]], extra: str, duplicate: bool
    ) -> None:
        if name in self.by_name and not duplicate:
            column, facts = self.columns[self.by_name[name]], self.facts[self.by_name[name]]
        else:
            # A second row of one name in one table is kept, so the duplicate is reported.
            column, facts = ColumnProfile(name=name), MissingFacts()
            self.by_name.setdefault(name, len(self.columns))
            self.columns.append(column)
            self.facts.append(facts)
        if extra:
            attach(column, extra, note_flags(extra))
        stats = column.stats.model_dump() if column.stats else {}
        for role, header, cell in cells:
            if is_absent(cell):
                continue
            try:
                self._cell(column, facts, stats, role or "", header, cell)
            except ValueError:
                self.bad_value(name, clean(header), cell)
        if any(v is not None for v in stats.values()):
            column.stats = NumericStats(**stats)

    def _cell(
        self,
        column: ColumnProfile,
        facts: MissingFacts,
        stats: dict[str, Any],
        role: str,
        header: str,
        cell: str,
    ) -> None:
        text = cell.strip()
        if role == "type":
            if column.source_type is None:
                column.source_type = text.strip("`")
                kind = map_kind(text)
                if kind is None:
                    self.bad_value(column.name, clean(header), text, "unrecognised type")
                column.kind = kind or ColumnKind.unknown
        elif role.startswith("missing"):
            missing_cell(facts, role, header, text)
        elif role == "non_null":
            facts.non_null = parse_count(text)
        elif role == "unique":
            if column.unique_count is None:
                column.unique_count = parse_count(text.split("(")[0].strip(), allow_suffix=True)
        elif role.startswith("stat:"):
            # A date or a word as min/max is expected on a non-numeric column, and not needed.
            strict = column.kind in (ColumnKind.numeric, ColumnKind.unknown)
            value = parse_float(text) if strict else try_float(text)
            if value is not None and stats.get(role[5:]) is None:
                stats[role[5:]] = value
        elif role == "range":
            try:
                bounds = parse_range(text)
            except ValueError:
                if column.kind in (ColumnKind.numeric, ColumnKind.unknown):
                    raise
                return  # a date range on a datetime column: expected, not needed
            for stat, value in zip(("min", "max"), bounds, strict=True):
                if stats.get(stat) is None:
                    stats[stat] = value
        elif role == "top":
            tops, bare = top_values(text)
            column.top_values = column.top_values or tops
            column.sample_values = column.sample_values or bare
        elif role == "samples":
            column.sample_values = column.sample_values or list_cell(text)
        elif role == "flags":
            for part in list_cell(text):
                attach(column, part, normalise_flags(part))
        elif role == "notes":
            attach(column, text, note_flags(text))
        elif role == "description":
            attach(column, f"{header_key(header)}: {text}", [])
