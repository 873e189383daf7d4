"""Read a structured-markdown `profile.md` as an LLM analyst writes it.

Expected, loosely: an overview with "Rows: 12,345"-style lines, a GitHub pipe table with one row
per column (header names vary), and bullet lists of quality notes under a heading that mentions
quality, flags, issues or warnings. When there is no column table, per-column subsections
("### `age`" followed by "- Type: numeric" lines) are read instead. Anything else that carries
facts (a section or a table this reader does not know) is listed in `unread_fields`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ml_engineer.inputs.profile_common import (
    MissingFacts,
    Unread,
    attach,
    build_profile,
    columns_named_in,
    is_absent,
    looks_like_path,
    map_kind,
    normalise_flags,
    note_flags,
    parse_count,
    parse_count_and_percent,
    parse_float,
    quote_name,
    resolve_missing,
    short,
    split_column_refs,
)
from ml_engineer.models.profile import (
    ColumnKind,
    ColumnProfile,
    DataProfile,
    NumericStats,
    TopValue,
)

# --- Vocabulary ------------------------------------------------------------------------------

NAME_HEADERS = frozenset(
    {
        "column",
        "name",
        "field",
        "variable",
        "feature",
        "col",
        "column name",
        "attribute",
        "field name",
        "variable name",
        "feature name",
        "columns",
    }
)
TYPE_HEADERS = frozenset(
    {
        "type",
        "dtype",
        "inferred type",
        "kind",
        "data type",
        "semantic type",
        "pandas dtype",
        "logical type",
        "detected type",
        "types",
    }
)
STAT_HEADERS = {
    "min": "min",
    "minimum": "min",
    "max": "max",
    "maximum": "max",
    "mean": "mean",
    "avg": "mean",
    "average": "mean",
    "std": "std",
    "sd": "std",
    "std dev": "std",
    "stdev": "std",
    "stddev": "std",
    "standard deviation": "std",
    "median": "q50",
    "q50": "q50",
    "p50": "q50",
    "50%": "q50",
    "q25": "q25",
    "p25": "q25",
    "25%": "q25",
    "q1": "q25",
    "q75": "q75",
    "p75": "q75",
    "75%": "q75",
    "q3": "q75",
    "skew": "skew",
    "skewness": "skew",
}
TOP_HEADERS = frozenset(
    {
        "top values",
        "top categories",
        "most frequent",
        "top",
        "values",
        "top value",
        "most common",
        "value counts",
        "frequent values",
        "levels",
        "categories",
        "top levels",
    }
)
SAMPLE_HEADERS = frozenset(
    {
        "sample values",
        "samples",
        "examples",
        "example values",
        "sample",
        "example",
        "first values",
        "example value",
        "sample value",
    }
)
FLAG_HEADERS = frozenset(
    {
        "flags",
        "flag",
        "issues",
        "issue",
        "quality",
        "quality flags",
        "warnings",
        "warning",
        "alerts",
        "problems",
        "quality issues",
        "data quality",
    }
)
NOTE_HEADERS = frozenset({"notes", "note", "comments", "comment", "remarks"})
DESCRIPTION_HEADERS = frozenset({"description", "meaning", "unit", "units", "role", "label"})
RANGE_HEADERS = frozenset({"range", "min max", "min - max", "min–max", "min/max"})
IGNORED_HEADERS = frozenset(
    {
        "#",
        "no",
        "no.",
        "position",
        "index",
        "memory",
        "unique %",
        "distinct %",
        "% unique",
        "% distinct",
        "unique pct",
        "p unique",
        "%",
        "length",
        "min length",
        "max length",
    }
)
QUALITY_WORDS = ("quality", "flag", "issue", "warning", "alert", "caveat", "problem", "concern")
OVERVIEW_WORDS = (
    "overview",
    "summary",
    "dataset",
    "general",
    "meta",
    "shape",
    "info",
    "about",
    "source",
    "file",
    "table",
)
COLUMN_SECTION_WORDS = ("column", "field", "variable", "feature", "schema")

ROW_KEYS = frozenset(
    {
        "rows",
        "row count",
        "rows count",
        "number of rows",
        "n rows",
        "n",
        "records",
        "observations",
        "num rows",
        "total rows",
        "# rows",
        "row",
        "number of records",
        "records count",
        "n records",
        "n obs",
        "entries",
    }
)
COLUMN_COUNT_KEYS = frozenset(
    {
        "columns",
        "column count",
        "number of columns",
        "n columns",
        "fields",
        "variables",
        "# columns",
        "num columns",
        "cols",
        "n cols",
        "number of fields",
        "number of variables",
    }
)
SHAPE_KEYS = frozenset({"shape", "dimensions", "size", "dims"})
PATH_KEYS = frozenset(
    {
        "source",
        "path",
        "file",
        "source path",
        "source file",
        "dataset path",
        "data file",
        "data path",
        "file path",
        "location",
        "input",
        "dataset file",
        "filename",
        "file name",
        "input file",
        "data source",
    }
)
MAYBE_PATH_KEYS = frozenset({"dataset", "data"})  # facts only when the value is a path
DUPLICATE_KEYS = frozenset({"duplicates", "duplicate rows", "n duplicates", "duplicated rows"})
OVERVIEW_IGNORED = frozenset(
    {
        "title",
        "generated",
        "generated at",
        "date",
        "profiled",
        "profiled at",
        "profiler",
        "tool",
        "file size",
        "memory",
        "memory usage",
        "encoding",
        "format",
        "dataset",
        "name",
        "target",
        "goal",
        "missing cells",
        "total missing",
        "author",
        "analyst",
        "version",
        "task",
        "delimiter",
        "separator",
        "created",
        "created at",
        "dataset name",
        "description",
        "missing values",
        "total missing values",
        "types",
        "column types",
        "data",
        "size on disk",
        "note",
        "notes",
        "sheet",
        "hash",
        "sha256",
        "profile",
        "method",
        "sample size",
        "file size (bytes)",
        "file size bytes",
        "approx size",
        "generated by",
        "report date",
    }
)

# Column attribute keys in "### `age`" subsections, mapped onto table headers.
_TABLE_CELL = re.compile(r"(?<!\\)\|")
_SEPARATOR_CELL = re.compile(r"^\s*:?-+:?\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(.*)$")
_KEY_VALUE = re.compile(r"^(?P<key>[^:|`]{1,48}?)\s*[:：]\s*(?P<value>.*\S)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass
class _Table:
    section: str
    headers: list[str]
    rows: list[list[str]]
    line: int


@dataclass
class _Section:
    title: str
    level: int
    pairs: list[tuple[str, str, str]] = field(default_factory=list)  # (key, value, raw line)
    texts: list[str] = field(default_factory=list)  # bullets and paragraph lines
    lines: list[str] = field(default_factory=list)  # both, in document order


def read_markdown(text: str, profile_path: str) -> DataProfile:
    """Read a markdown profile's text."""
    sections, tables = _split(text)
    unread = Unread()

    column_tables, quality_tables, other_tables = _classify_tables(tables)
    builder = _Columns(unread)
    for table in column_tables:
        builder.add_table(table)
    column_sections: set[int] = set()
    if not column_tables:
        column_sections = builder.add_sections(sections)

    overview = _Overview()
    notes: list[str] = []
    for index, section in enumerate(sections):
        if index in column_sections:
            continue
        _read_section(section, overview, notes, unread)
    for table in other_tables:
        _read_other_table(table, overview, unread)

    columns, facts = builder.columns, builder.facts
    resolve_missing(columns, facts, overview.rows, builder.bad_value)
    known = {c.name: c for c in columns}
    for table in quality_tables:
        _read_quality_table(table, known, notes)
    for section in sections:
        if _is_quality(section.title):
            for item in section.lines:
                names, message = columns_named_in(item, known)
                for name in names:
                    attach(known[name], item, normalise_flags(message))

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


# --- Splitting the document -------------------------------------------------------------------


def _clean(text: str) -> str:
    """Drop bold markers so "**Rows:** 12" and "- **Rows**: 12" read like "Rows: 12".
    ("__" is left alone: it occurs in real column and file names.)"""
    return text.replace("**", "").strip()


def _split(text: str) -> tuple[list[_Section], list[_Table]]:
    sections = [_Section(title="", level=0)]
    tables: list[_Table] = []
    lines = text.splitlines()
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            in_fence = not in_fence  # code blocks hold examples, not profile facts
            i += 1
            continue
        if in_fence:
            i += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            sections.append(_Section(title=_clean(heading.group(2)), level=len(heading.group(1))))
            i += 1
            continue
        if "|" in line and i + 1 < len(lines) and _is_separator(lines[i + 1]):
            # GitHub tables may omit the outer pipes; a row is any following line with a pipe.
            headers, start = _cells(line), i + 1
            rows: list[list[str]] = []
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                rows.append(_cells(lines[i]))
                i += 1
            tables.append(_Table(sections[-1].title, headers, rows, start))
            continue
        stripped = line.strip()
        if stripped:
            bullet = _BULLET.match(line)
            body = (bullet.group(1) if bullet else stripped).strip()  # notes stay verbatim
            pair = _KEY_VALUE.match(_clean(body))
            if pair and not pair.group("value").startswith("//"):
                sections[-1].pairs.append((pair.group("key").strip(), pair.group("value"), body))
            else:
                sections[-1].texts.append(body)
            sections[-1].lines.append(body)
        i += 1
    return sections, tables


def _is_separator(line: str) -> bool:
    cells = _cells(line)
    return "-" in line and bool(cells) and all(_SEPARATOR_CELL.match(c) for c in cells)


def _cells(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [c.strip().replace("\\|", "|") for c in _TABLE_CELL.split(body)]


def _header_key(header: str) -> str:
    """A header as a lookup key: lower case, no emphasis, "_" as space."""
    key = _clean(header).strip("`").lower().replace("_", " ")
    return re.sub(r"\s+", " ", key).strip()


def _is_quality(title: str) -> bool:
    return any(word in title.lower() for word in QUALITY_WORDS)


# --- Tables -----------------------------------------------------------------------------------


def _role(header: str) -> str | None:
    """What a column-table header holds, or None if this reader does not know it."""
    key = _header_key(header)
    bare = re.sub(r"\s*\(.*\)$", "", key)  # "min (mm)" -> "min"
    if key in NAME_HEADERS:
        return "name"
    if key in TYPE_HEADERS or bare in TYPE_HEADERS:
        return "type"
    if key in STAT_HEADERS or bare in STAT_HEADERS:
        return "stat:" + STAT_HEADERS.get(key, STAT_HEADERS.get(bare, ""))
    if key in RANGE_HEADERS:
        return "range"
    if key in TOP_HEADERS or bare in TOP_HEADERS or key.startswith("top "):
        return "top"
    if key in SAMPLE_HEADERS:
        return "samples"
    if key in FLAG_HEADERS:
        return "flags"
    if key in NOTE_HEADERS:
        return "notes"
    if key in DESCRIPTION_HEADERS:
        return "description"
    if key in IGNORED_HEADERS:
        return "ignored"
    if re.search(r"non[ -]?null|\bnon[ -]?missing|\bvalid\b|^count$", key):
        return "non_null"
    if re.search(r"missing|\bnulls?\b|\bnan\b|\bna\b|\bempty\b", key):
        if re.search(r"fraction|ratio|proportion", key):
            return "missing:fraction"
        if re.search(r"%|pct|percent", key):
            return "missing:percent"
        if re.search(r"rate|share", key):
            return "missing:ambiguous"
        return "missing"
    if re.search(r"unique|distinct|cardinality|levels|nunique", key):
        return None if "%" in key or "pct" in key else "unique"
    return None


_ATTRIBUTE_ROLES = ("type", "missing", "unique", "stat:", "range", "top", "samples", "non_null")


def _classify_tables(tables: list[_Table]) -> tuple[list[_Table], list[_Table], list[_Table]]:
    """Column tables (a name header and at least one column fact), quality tables (a name
    header and only notes or flags), and the rest."""
    column_tables, quality_tables, others = [], [], []
    for table in tables:
        roles = [_role(h) for h in table.headers]
        if "name" not in roles:
            others.append(table)
        elif any(r and r.startswith(_ATTRIBUTE_ROLES) for r in roles):
            column_tables.append(table)
        elif any(r in ("flags", "notes", "description") for r in roles):
            quality_tables.append(table)
        else:
            others.append(table)
    return column_tables, quality_tables, others


def _name_cell(cell: str) -> tuple[str, str]:
    """The column name in a cell ("`age`", "**age**", "`ui` (target)") and any text after it."""
    text = cell.strip()
    ticked = re.match(r"^(`+)(.+?)\1(?!`)(.*)$", text)
    if ticked:
        name = ticked.group(2)
        if len(ticked.group(1)) > 1:
            name = name.strip()  # ``a`b`` is written with one padding space each side
        return name, ticked.group(3).strip()
    bold = re.match(r"^\*\*(.+?)\*\*(.*)$", text)
    if bold:
        return bold.group(1), bold.group(2).strip()
    return text, ""


class _Columns:
    """Column profiles built from one or more tables, or from per-column subsections."""

    def __init__(self, unread: Unread) -> None:
        self.unread = unread
        self.columns: list[ColumnProfile] = []
        self.facts: list[MissingFacts] = []
        self.by_name: dict[str, int] = {}

    def bad_value(self, name: str, key: str, value: Any, why: str = "cannot read") -> None:
        self.unread.add(f"column table[{quote_name(name)}].{key}: {why} {short(value)}")

    def add_table(self, table: _Table) -> None:
        roles = [_role(h) for h in table.headers]
        for header, role in zip(table.headers, roles, strict=True):
            if role is None:
                self.unread.add(f"column table header {quote_name(_clean(header))}")
        name_at = roles.index("name")
        seen_here: set[str] = set()
        for row in table.rows:
            row = (row + [""] * len(roles))[: len(roles)]
            name, extra = _name_cell(row[name_at])
            if not name or is_absent(name):
                continue
            cells = [
                (role, header, cell)
                for header, role, cell in zip(table.headers, roles, row, strict=True)
                if role not in (None, "name", "ignored")
            ]
            self._add(name, cells, extra, name in seen_here)
            seen_here.add(name)

    def add_sections(self, sections: list[_Section]) -> set[int]:
        """Per-column subsections: a heading naming the column, then "- Type: numeric" lines."""
        used: set[int] = set()
        for index, section in enumerate(sections):
            roles = [(_role(key), key, value) for key, value, _ in section.pairs]
            facts = [r for r, _, _ in roles if r and r.startswith(_ATTRIBUTE_ROLES)]
            title = section.title.lower()
            plain = not any(w in title for w in (*OVERVIEW_WORDS, *QUALITY_WORDS))
            # A column subsection states a type, or at least two column facts under a heading
            # that is not an overview ("Missing cells: 0" in an overview is not a column).
            if not section.title or not ("type" in facts or (plain and len(facts) >= 2)):
                continue
            name, extra = _name_cell(
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
                self.bad_value(name, _clean(header), cell)
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
                    self.bad_value(column.name, _clean(header), text, "unrecognised type")
                column.kind = kind or ColumnKind.unknown
        elif role.startswith("missing"):
            _missing_cell(facts, role, header, text)
        elif role == "non_null":
            facts.non_null = parse_count(text)
        elif role == "unique":
            if column.unique_count is None:
                column.unique_count = parse_count(text.split("(")[0].strip(), allow_suffix=True)
        elif role.startswith("stat:"):
            # A date or a word as min/max is expected on a non-numeric column, and not needed.
            strict = column.kind in (ColumnKind.numeric, ColumnKind.unknown)
            value = parse_float(text) if strict else _try_float(text)
            if value is not None and stats.get(role[5:]) is None:
                stats[role[5:]] = value
        elif role == "range":
            try:
                bounds = _range(text)
            except ValueError:
                if column.kind in (ColumnKind.numeric, ColumnKind.unknown):
                    raise
                return  # a date range on a datetime column: expected, not needed
            for stat, value in zip(("min", "max"), bounds, strict=True):
                if stats.get(stat) is None:
                    stats[stat] = value
        elif role == "top":
            tops, bare = _top_values(text)
            column.top_values = column.top_values or tops
            column.sample_values = column.sample_values or bare
        elif role == "samples":
            column.sample_values = column.sample_values or _list_cell(text)
        elif role == "flags":
            for part in _list_cell(text):
                attach(column, part, normalise_flags(part))
        elif role == "notes":
            attach(column, text, note_flags(text))
        elif role == "description":
            attach(column, f"{_header_key(header)}: {text}", [])


def _try_float(text: str) -> float | None:
    try:
        return parse_float(text)
    except ValueError:
        return None  # a date bound on a datetime column: expected, not needed


def _missing_cell(facts: MissingFacts, role: str, header: str, text: str) -> None:
    key = _clean(header)
    if role == "missing:fraction" and not text.endswith("%"):
        value = parse_float(text)
        facts.fraction, facts.fraction_key = value, key
        return
    try:
        count, pct = parse_count_and_percent(text)
    except ValueError:
        # "0.034" in a column whose header does not say: percent or fraction, decided later.
        value = parse_float(text)
        if role == "missing:percent":
            facts.percent, facts.percent_key = value, key
        else:
            facts.ambiguous, facts.ambiguous_key = value, key
        return
    if role == "missing:percent" and pct is None and count is not None:
        pct, count = float(count), None  # "3" under "Missing %" is 3 percent
    if role == "missing:ambiguous" and pct is None and count is not None:
        facts.ambiguous, facts.ambiguous_key = float(count), key
        return
    if count is not None and facts.count is None:
        facts.count = count
    if pct is not None and facts.percent is None:
        facts.percent, facts.percent_key = pct, key


def _range(text: str) -> tuple[float | None, float | None]:
    """ "2.2 – 18.0", "1,000 to 50,000", "0..1", "[2.2, 18.0]" (a comma only inside brackets,
    since "1,000" uses it for thousands)."""
    text = text.strip()
    bracketed = re.match(r"^[\[(]\s*(.+?)\s*,\s*(.+?)\s*[\])]$", text)
    if bracketed:
        parts = [bracketed.group(1), bracketed.group(2)]
    else:
        parts = re.split(r"\s+(?:-|–|—|to|\.\.)\s+|\s*(?:–|—|\.\.)\s*", text)
    if len(parts) != 2:
        raise ValueError(text)
    return parse_float(parts[0]), parse_float(parts[1])


def _list_cell(text: str) -> list[str]:
    """ "a, b, c" or "`a`; `b`" -> ["a", "b", "c"]; a lone value is a one-item list."""
    parts = re.split(r"\s*[;,]\s*|<br\s*/?>", text)
    return [p.strip().strip("`'\"") for p in parts if p.strip() and not is_absent(p)]


_TOP_PART = re.compile(
    r"^(?P<value>.+?)\s*(?:\(\s*(?P<c1>[\d,._ ]+)\s*(?:[,;/]\s*[\d.,]+\s*%)?\s*\)|[:=]\s*"
    r"(?P<c2>[\d,._ ]+)|\s+[x×]?(?P<c3>[\d,]+))\s*$"
)


def _top_values(text: str) -> tuple[list[TopValue], list[str]]:
    """ "yes (3335), no (1542)", "yes: 3335; no: 1542", "Adelie 152, Gentoo 124", "yes, no" """
    tops: list[TopValue] = []
    bare: list[str] = []
    for part in re.split(r"\s*[;,]\s+|\s*;\s*|<br\s*/?>", text):
        part = part.strip()
        if not part:
            continue
        match = _TOP_PART.match(part)
        count = None
        if match:
            raw = match.group("c1") or match.group("c2") or match.group("c3")
            try:
                count = parse_count(raw)
            except ValueError:
                count = None
        if match and count is not None:
            tops.append(TopValue(value=match.group("value").strip().strip("`'\""), count=count))
        else:
            bare.append(re.sub(r"\s*\([^)]*%\s*\)$", "", part).strip("`'\""))
    tops.sort(key=lambda t: -t.count)
    return tops, bare


# --- Overview, quality notes, other tables ----------------------------------------------------


@dataclass
class _Overview:
    rows: int | None = None
    columns: int | None = None
    path: str | None = None


def _read_section(section: _Section, overview: _Overview, notes: list[str], unread: Unread) -> None:
    title = section.title.lower()
    is_quality = _is_quality(title)
    is_overview = not title or section.level == 1 or any(w in title for w in OVERVIEW_WORDS)
    if is_quality:
        notes.extend(section.lines)  # verbatim, in order; "Rows:" here is a note too
        return
    for key, value, _ in section.pairs:
        if _overview_fact(overview, _header_key(key), value, notes):
            continue
        if is_overview:
            if _header_key(key) not in OVERVIEW_IGNORED:
                unread.add(f"overview {quote_name(key)}")
        else:
            unread.add(f"section {quote_name(section.title)}")
    if section.texts and not is_overview and not any(w in title for w in COLUMN_SECTION_WORDS):
        unread.add(f"section {quote_name(section.title)}")


def _overview_fact(overview: _Overview, key: str, value: str, notes: list[str]) -> bool:
    """Record a "Rows: 12,345" / "Source: data/x.csv" fact; False if the key is not one."""
    value = value.strip()
    if key in ROW_KEYS:
        overview.rows = overview.rows if overview.rows is not None else _leading_count(value)
        return overview.rows is not None
    if key in COLUMN_COUNT_KEYS:
        number = _leading_count(value)
        if number is None:
            return False  # "Columns: see the table below"
        overview.columns = overview.columns if overview.columns is not None else number
        return True
    if key in SHAPE_KEYS:
        numbers = re.findall(r"\d[\d,]*", value)
        if len(numbers) >= 2:
            overview.rows = (
                overview.rows if overview.rows is not None else _leading_count(numbers[0])
            )
            overview.columns = (
                overview.columns if overview.columns is not None else (_leading_count(numbers[1]))
            )
            return True
        return False
    if key in PATH_KEYS or key in MAYBE_PATH_KEYS:
        if not looks_like_path(_path_value(value)):
            return key in PATH_KEYS  # "Source: Kaggle" is understood; it is just not a path
        overview.path = overview.path or _path_value(value)
        return True
    if key in DUPLICATE_KEYS:
        count = _leading_count(value)
        if count:
            notes.append(f"{count} duplicate rows")
        return count is not None
    return False


def _leading_count(value: str) -> int | None:
    """12,345 / 12 345 / 1.2k / ~12,000 / "344 (after cleaning)": the number it starts with."""
    match = re.match(
        r"^[~≈]?\s*(\d{1,3}(?:[,\u00a0\u202f ]\d{3})+|\d+(?:\.\d+)?)\s*(k|m|thousand|million)?\b",
        value.strip().strip("`"),
        flags=re.IGNORECASE,
    )
    if not match:
        return None
    try:
        return parse_count(match.group(1) + (match.group(2) or ""), allow_suffix=True)
    except ValueError:
        return None


def _path_value(value: str) -> str:
    """A path as written: the target of a markdown link, without backticks or quotes."""
    link = re.match(r"^\[[^\]]*\]\(([^)]+)\)", value.strip())
    text = link.group(1) if link else value
    return text.strip().strip("`'\"<>").strip()


def _read_quality_table(table: _Table, known: dict[str, ColumnProfile], notes: list[str]) -> None:
    """| column | issue |: each row is a note, attached to the columns it names."""
    roles = [_role(h) for h in table.headers]
    name_at = roles.index("name")
    for row in table.rows:
        row = (row + [""] * len(roles))[: len(roles)]
        ref, _ = _name_cell(row[name_at])
        text = "; ".join(c for i, c in enumerate(row) if i != name_at and not is_absent(c))
        if not text:
            continue
        notes.append(f"{ref}: {text}" if ref else text)
        for name in split_column_refs(ref, known):
            attach(known[name], text, normalise_flags(text))


def _read_other_table(table: _Table, overview: _Overview, unread: Unread) -> None:
    """A two-column | Metric | Value | table can hold overview facts; other tables are listed."""
    rows = [r for r in table.rows if len(r) >= 2] if len(table.headers) == 2 else []
    understood = [r for r in rows if _overview_fact(overview, _header_key(r[0]), r[1], [])]
    if understood:
        for row in rows:
            if row not in understood and _header_key(row[0]) not in OVERVIEW_IGNORED:
                unread.add(f"overview table row {quote_name(_clean(row[0]))}")
    else:
        headers = " | ".join(_clean(h) for h in table.headers)
        unread.add(f"table with headers {quote_name(headers)} (line {table.line})")
