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

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ml_engineer.models.goal import AnalystNotes

# File names accepted for each document, best first. Matched case-insensitively.
SCHEMA_DOCUMENT_NAMES = (
    "schema-suggestion.md",
    "schema_suggestion.md",
    "schema-suggestions.md",
    "schema_suggestions.md",
    "schemasuggestion.md",
    "schema.md",
)
EDA_DOCUMENT_NAMES = (
    "eda-report.md",
    "eda_report.md",
    "eda-report.markdown",
    "edareport.md",
    "eda.md",
)

MAX_DOCUMENT_BYTES = 4 * 1024 * 1024  # beyond this only the beginning is read
MAX_LINE_CHARS = 10_000  # longer lines are cut before matching (keeps every regex cheap)
MAX_LINES = 50_000
MAX_GOAL_CHARS = 300
MAX_NOTE_CHARS = 500
MAX_NOTES_PER_COLUMN = 20
MAX_QUALITY_NOTES = 100
MAX_BARE_NAME_COLUMNS = 5_000  # columns matched as bare words; above this only backticks count

# ---------------------------------------------------------------------------------------------
# Plain text


_IMAGE = re.compile(r"!\[([^\]\n]{0,500})\]\([^)\n]{0,2000}\)")
_LINK = re.compile(r"\[([^\]\n]{1,500})\]\((?:[^()\n]|\([^()\n]{0,200}\)){0,2000}\)")
_BOLD_STAR = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_BOLD_UNDER = re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_EM_UNDER = re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])")
_STRIKE = re.compile(r"~~(.+?)~~")
_HTML_TAG = re.compile(
    r"</?(?:br|b|i|em|strong|code|span|p|div|sup|sub|u|small|mark|kbd)\b[^<>]{0,200}/?>", re.I
)
_SPACES = re.compile(r"\s+")
_MARKUP = re.compile(r"[*_`\[<~\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def plain(text: str) -> str:
    """Markdown emphasis, links, backticks and a few inline HTML tags removed; one line."""
    # The same cells and lines are looked at by several rules: short texts are cached.
    return _plain_cached(text) if len(text) <= 2000 else _plain(text)


@functools.lru_cache(maxsize=8192)
def _plain_cached(text: str) -> str:
    return _plain(text)


def _plain(text: str) -> str:
    if not _MARKUP.search(text):
        return _SPACES.sub(" ", text).strip()
    text = _CONTROL.sub(" ", text)
    if "[" in text:
        text = _IMAGE.sub(r"\1", text)
        text = _LINK.sub(r"\1", text)
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    for _ in range(2):  # nested emphasis: ***x*** and **_x_**
        if "*" not in text and "_" not in text:
            break
        text = _BOLD_STAR.sub(r"\1", text)
        text = _BOLD_UNDER.sub(r"\1", text)
        text = _EM_STAR.sub(r"\1", text)
        text = _EM_UNDER.sub(r"\1", text)
    if "~~" in text:
        text = _STRIKE.sub(r"\1", text)
    text = text.replace("`", "")
    return _SPACES.sub(" ", text).strip()


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


# ---------------------------------------------------------------------------------------------
# Column names


_WORD = re.compile(r"\w+")
_LEADING_NAME = re.compile(r"\s*([\w.]+)\s*(?:==|!=|<=|>=|=|<|>|:|\(|\bin\b|\bis\b)")


class _Columns:
    """The real column names, and lookups that only ever answer with one of them."""

    def __init__(self, names: Iterable[object]):
        self.names: list[str] = []
        seen: set[str] = set()
        for name in names or []:
            text = str(name)
            if text not in seen:
                seen.add(text)
                self.names.append(text)
        lower: dict[str, list[str]] = {}
        for name in self.names:
            lower.setdefault(name.casefold(), []).append(name)
        self._exact = set(self.names)
        # A case-insensitive match counts only when it is unambiguous.
        self._lower = {k: v[0] for k, v in lower.items() if len(v) == 1}
        bare = [n for n in self.names if len(n) >= 3 and n.strip() == n][:MAX_BARE_NAME_COLUMNS]
        # Names made of word characters only are found by looking words up in a set (fast for
        # thousands of columns); the few others by one alternation.
        self._bare_words = {n for n in bare if _WORD.fullmatch(n)}
        others = sorted((n for n in bare if n not in self._bare_words), key=len, reverse=True)
        self._bare_other = (
            re.compile(r"(?<![\w`])(" + "|".join(re.escape(n) for n in others) + r")(?![\w`])")
            if others
            else None
        )

    def resolve(self, text: str) -> str | None:
        """The real column `text` names: exact match first, then case-insensitive."""
        text = text.strip()
        if not text:
            return None
        if text in self._exact:
            return text
        return self._lower.get(text.casefold())

    def resolve_loose(self, text: str) -> str | None:
        """As `resolve`, also trying the text without quotes/emphasis and its leading identifier
        (so `ui == yes` names `ui`)."""
        for candidate in (text, plain(text), plain(text).strip("'\"“”‘’.,;:()[]{}")):
            found = self.resolve(candidate)
            if found:
                return found
        # `ui == yes`, `whrswk = 0`, `ui: yes/no`: a name followed by a comparison. Not
        # `rm -rf /`: a name followed by anything else is not taken as that name.
        lead = _LEADING_NAME.match(plain(text))
        if lead:
            return self.resolve(lead.group(1).rstrip("."))
        return None

    def backticked(self, raw: str) -> list[str]:
        """Real columns written in backticks in a raw markdown line, in order."""
        found: list[str] = []
        for match in re.finditer(r"`+([^`\n]{1,200})`+", raw):
            name = self.resolve_loose(match.group(1))
            if name and name not in found:
                found.append(name)
        return found

    def bare(self, text: str) -> list[str]:
        """Real columns (3+ characters) written as whole words, case-sensitive, in order."""
        hits: list[tuple[int, str]] = []
        if self._bare_words:
            for match in _WORD.finditer(text):
                if match.group(0) in self._bare_words:
                    hits.append((match.start(), match.group(0)))
        if self._bare_other is not None:
            hits.extend((m.start(), m.group(1)) for m in self._bare_other.finditer(text))
        return _unique(name for _, name in sorted(hits))

    def mentioned(self, raw: str) -> list[str]:
        """Backticked mentions first, then bare-word mentions outside backticks."""
        found = self.backticked(raw)
        without_code = re.sub(r"`+[^`\n]{1,200}`+", " ", raw)
        for name in self.bare(plain(without_code)):
            if name not in found:
                found.append(name)
        return found

    def cell_columns(self, cell: str) -> list[str]:
        """Columns a table row's first cell names: one column, or a list like `a, b, c`."""
        whole = self.resolve_loose(cell)
        text = plain(cell)
        if whole and (whole.casefold() == text.casefold() or "," not in text):
            return [whole]
        parts = re.split(r"\s*(?:,|;|\band\b|&|\+)\s*", text)
        found: list[str] = []
        for part in parts:
            part = re.sub(r"\s*\([^)]*\)\s*$", "", part).strip()
            name = self.resolve(part) or self.resolve(part.strip("'\"“”‘’.:"))
            if name and name not in found:
                found.append(name)
        return found


# ---------------------------------------------------------------------------------------------
# Reading a document into blocks


@dataclass
class _Block:
    kind: str  # "heading", "bullet", "para", "row"
    raw: str
    text: str  # plain
    headings: tuple[str, ...]  # plain heading texts above the block, outermost first
    cells: list[str] = field(default_factory=list)  # raw cells, for rows
    header: list[str] | None = None  # plain header cells of the row's table
    is_header_row: bool = False

    @property
    def section(self) -> str:
        return self.headings[-1] if self.headings else ""


@dataclass
class _Doc:
    name: str
    blocks: list[_Block]
    _rows: list[tuple[_Block, list[str]]] | None = None


_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_HEADING = re.compile(r"^\s{0,3}(?:\*\*|__)([^*_]{1,120}?)(?:\*\*|__)\s*:?\s*$")
_BULLET = re.compile(r"^(\s*)(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_SETEXT = re.compile(r"^\s{0,3}(=+|-{2,})\s*$")
_SEPARATOR_CELL = re.compile(r"^\s*:?-{1,}:?\s*$")
_QUOTE = re.compile(r"^\s{0,3}(?:>(?:\s|$))+")


def _split_row(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells = re.split(r"(?<!\\)\|", body)
    return [c.replace("\\|", "|").strip() for c in cells]


def _is_table_line(line: str, in_table: bool, next_line: str) -> bool:
    s = line.strip()
    if s.startswith("|") and s.count("|") >= 2:
        return True
    if "|" not in s:
        return False
    if in_table:
        return True
    # A GitHub table may leave out the outer pipes: then its header is followed by a separator.
    cells = _split_row(next_line) if "|" in next_line else []
    return len(cells) >= 2 and all(_SEPARATOR_CELL.match(c) for c in cells if c) and any(cells)


def _parse(name: str, text: str) -> _Doc:
    lines = text.splitlines()[:MAX_LINES]
    lines = [ln[:MAX_LINE_CHARS] for ln in lines]
    blocks: list[_Block] = []
    stack: list[tuple[int, str]] = []  # (level, heading)
    in_fence = False
    para: list[str] = []
    table_header: list[str] | None = None
    table_started = False

    def headings() -> tuple[str, ...]:
        return tuple(h for _, h in stack)

    def flush_para() -> None:
        if para:
            raw = " ".join(p.strip() for p in para)
            blocks.append(_Block("para", raw, plain(raw), headings()))
            para.clear()

    def set_heading(level: int, raw: str) -> None:
        while stack and stack[-1][0] >= level:
            stack.pop()
        text_ = plain(raw)
        stack.append((level, text_))
        blocks.append(_Block("heading", raw, text_, headings()))

    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if _FENCE.match(line):
            flush_para()
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        line = _QUOTE.sub("", line)
        if not line.strip():
            flush_para()
            table_started = False
            table_header = None
            continue
        if _is_table_line(line, table_started, lines[i] if i < len(lines) else ""):
            flush_para()
            cells = _split_row(line)
            if all(_SEPARATOR_CELL.match(c) for c in cells if c) and any(cells):
                # The separator: the row above was the header.
                if blocks and blocks[-1].kind == "row" and table_started:
                    blocks[-1].is_header_row = True
                    table_header = [plain(c) for c in blocks[-1].cells]
                continue
            blocks.append(_Block("row", line, plain(line), headings(), cells, table_header))
            table_started = True
            continue
        table_started = False
        table_header = None
        heading = _HEADING.match(line)
        if heading:
            flush_para()
            set_heading(len(heading.group(1)), heading.group(2))
            continue
        if i < len(lines) and _SETEXT.match(lines[i]) and not para and not _BULLET.match(line):
            set_heading(1 if lines[i].strip().startswith("=") else 2, line.strip())
            i += 1
            continue
        bold = _BOLD_HEADING.match(line)
        if bold and not para:
            flush_para()
            set_heading(7, bold.group(1))  # below any markdown heading level
            continue
        bullet = _BULLET.match(line)
        if bullet:
            flush_para()
            raw = bullet.group(2)
            blocks.append(_Block("bullet", raw, plain(raw), headings()))
            continue
        if blocks and blocks[-1].kind == "bullet" and not para and line[:1].isspace():
            # A continuation line of the bullet above.
            last = blocks[-1]
            last.raw = f"{last.raw} {line.strip()}"
            last.text = plain(last.raw)
            continue
        para.append(line)
    flush_para()
    return _Doc(name, blocks)


# ---------------------------------------------------------------------------------------------
# Locating and reading the files


def _find_document(data_dir: Path, names: tuple[str, ...]) -> Path | None:
    try:
        entries = {p.name.casefold(): p for p in data_dir.iterdir()}
    except OSError:
        return None
    for name in names:
        path = entries.get(name.casefold())
        if path is not None:
            return path
    return None


def _decode(data: bytes) -> tuple[str | None, str | None]:
    """The text of a document, or why it is not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            return None, "it starts like UTF-16 text but does not decode as UTF-16"
    if b"\x00" in data[:65536]:
        return None, "it holds binary data (NUL bytes), not text"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        if text.count("\ufffd") > max(8, len(text) // 100):
            return None, "it is not UTF-8 text"
    sample = text[:65536]
    control = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    if control > max(8, len(sample) // 100):
        return None, "it holds binary data (control characters), not text"
    return text, None


def _read_document(path: Path) -> tuple[str | None, str | None, bool]:
    """(text, problem, truncated)."""
    try:
        if not path.is_file():
            return None, "it is not a regular file", False
        with path.open("rb") as fh:
            data = fh.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        return None, exc.strerror or exc.__class__.__name__, False
    truncated = len(data) > MAX_DOCUMENT_BYTES
    text, problem = _decode(data[:MAX_DOCUMENT_BYTES])
    return text, problem, truncated


# ---------------------------------------------------------------------------------------------
# The rules


_GOAL_LINE = re.compile(
    r"^(?:(?:confirmed|final|agreed|business|ml|machine learning|modell?ing|project|prediction|"
    r"primary|main|the)\s+){0,3}(?:goal|objective)\s*(?:[:：]|\s[-–—]\s)\s*(.*)$",
    re.I,
)
_GOAL_HEADING = re.compile(r"\b(?:goals?|objectives?)\b", re.I)
_PLACEHOLDER = {"", "-", "—", "n/a", "na", "none", "tbd", "todo", "unknown", "?", "...", "…"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*_(\[\"'])")


def _first_sentence(text: str) -> str:
    parts = _SENTENCE_END.split(text, maxsplit=1)
    return parts[0] if parts else text


def _goal(docs: list[_Doc]) -> tuple[str | None, str | None]:
    """(plain goal sentence, raw markdown it came from)."""
    anywhere: tuple[str, str] | None = None
    for doc in docs:
        blocks = doc.blocks
        for idx, block in enumerate(blocks):
            if block.kind not in ("para", "bullet"):
                continue
            match = _GOAL_LINE.match(block.text)
            if not match:
                continue
            content = match.group(1).strip()
            raw = block.raw
            if content.casefold() in _PLACEHOLDER:
                nxt = next(
                    (b for b in blocks[idx + 1 : idx + 3] if b.kind in ("para", "bullet")), None
                )
                if nxt is None or nxt.text.casefold() in _PLACEHOLDER:
                    continue
                content, raw = nxt.text, nxt.raw
            under_goal_heading = any(_GOAL_HEADING.search(h) for h in block.headings)
            if under_goal_heading:
                return _shorten(content, MAX_GOAL_CHARS), raw
            if anywhere is None:
                anywhere = (_shorten(content, MAX_GOAL_CHARS), raw)
    if anywhere:
        return anywhere
    for doc in docs:
        for block in doc.blocks:
            if block.kind not in ("para", "bullet") or not block.text:
                continue
            if block.headings and _GOAL_HEADING.search(block.section):
                sentence = _first_sentence(block.text)
                if sentence.casefold() not in _PLACEHOLDER:
                    raw_sentence = _first_sentence(block.raw)
                    return _shorten(sentence, MAX_GOAL_CHARS), raw_sentence
    return None, None


_ROLE_HEADER = re.compile(r"\b(?:role|usage|use|kind|purpose)\b", re.I)
_KEY_HEADER = re.compile(r"\b(?:key|pk|primary|identifier|id)\b", re.I)
_TARGET_HEADER = re.compile(r"\btarget\b|\blabel\b", re.I)
_TARGET_CELL = re.compile(
    r"^(?:the\s+)?(?:target|label|outcome|response|dependent variable)"
    r"(?:\s+(?:column|variable|label))?\s*(?:$|[—–:;,(]|-\s)",
    re.I,
)
_BOLD_TARGET = re.compile(r"(?:\*\*|__)\s*target\s*(?:\*\*|__)", re.I)
_YES_CELL = re.compile(r"^(?:(?:yes|y|true|x|pk|primary|primary key|key)\b|[✓✔☑])", re.I)
_KEY_ROLE_CELL = re.compile(
    r"^(?:id|identifier|key|primary key|row id|row identifier|unique id|record id)\b", re.I
)

_TARGET_PHRASE = re.compile(
    r"\btarget(?:\s+(?:column|variable|field|label|feature))?\s*(?:[:=]|\bis\b|\bwill be\b|->|→)"
    r"\s*(`[^`\n]{1,200}`|[\"'“‘][^\"'”’\n]{1,200}[\"'”’]|[\w.]+(?=\s*(?:$|[,;:.)(—–]|\s-\s|\s[a-z])))",
    re.I,
)
_NEGATION = re.compile(r"\b(?:no|not|none|never|isn't|aren't|without)\b", re.I)


@dataclass
class _TargetVotes:
    table: list[str] = field(default_factory=list)
    phrase: list[str] = field(default_factory=list)
    goal: list[str] = field(default_factory=list)


def _row_cells(block: _Block) -> list[tuple[str, str]]:
    """(header, raw cell) for each cell after the first; header is '' when unknown."""
    header = block.header or []
    out = []
    for pos, cell in enumerate(block.cells[1:], start=1):
        out.append((header[pos] if pos < len(header) else "", cell))
    return out


def _row_is_target(block: _Block) -> bool:
    for head, cell in _row_cells(block):
        text = plain(cell)
        if not text:
            continue
        if _TARGET_HEADER.search(head) and not _ROLE_HEADER.search(head) and _YES_CELL.match(text):
            return True
        if _BOLD_TARGET.search(cell):
            return True
        if _TARGET_CELL.match(text):
            return True
    return False


def _row_is_key(block: _Block) -> bool:
    for head, cell in _row_cells(block):
        text = plain(cell)
        if not text:
            continue
        if _KEY_HEADER.search(head) and _YES_CELL.match(text):
            return True
        if (_ROLE_HEADER.search(head) or not head) and _KEY_ROLE_CELL.match(text):
            return True
    return False


def _row_note(block: _Block) -> str:
    parts = []
    for head, cell in _row_cells(block):
        text = plain(cell)
        if not text:
            continue
        parts.append(f"{head}: {text}" if head else text)
    return "; ".join(parts)


def _data_rows(doc: _Doc, cols: _Columns) -> list[tuple[_Block, list[str]]]:
    """The table rows whose first cell names real columns (computed once per document)."""
    if doc._rows is not None:
        return doc._rows
    rows = []
    for block in doc.blocks:
        if block.kind != "row" or block.is_header_row or not block.cells:
            continue
        names = cols.cell_columns(block.cells[0])
        if names:
            rows.append((block, names))
    doc._rows = rows
    return rows


def _target_hint(
    docs: list[_Doc], cols: _Columns, goal_raw: str | None, notes: list[str]
) -> str | None:
    votes = _TargetVotes()
    for doc in docs:
        for block, names in _data_rows(doc, cols):
            if len(names) == 1 and _row_is_target(block):
                votes.table.append(names[0])
        for block in doc.blocks:
            if block.kind == "heading":
                continue
            source = " ".join(block.cells) if block.kind == "row" else block.raw
            for match in _TARGET_PHRASE.finditer(source):
                prefix = source[max(0, match.start() - 20) : match.start()]
                if _NEGATION.search(prefix):
                    continue
                value = match.group(1)
                if value[:1] in "`\"'“‘":
                    name = cols.resolve(value.strip("`\"'“”‘’ "))
                else:
                    name = cols.resolve(value.rstrip("."))
                if name:
                    votes.phrase.append(name)
    if goal_raw:
        votes.goal.extend(cols.backticked(goal_raw))

    levels = [
        ("a schema table marks", _unique(votes.table)),
        ("the text names", _unique(votes.phrase)),
        ("the goal sentence names", votes.goal[:1]),
    ]
    chosen: str | None = None
    for pos, (label, names) in enumerate(levels):
        if not names:
            continue
        if len(names) == 1:
            chosen = names[0]
            break
        # Several candidates at one level: another level may name exactly one of them.
        elsewhere = {n for p, (_, other) in enumerate(levels) if p != pos for n in other}
        agreed = [n for n in names if n in elsewhere]
        if len(agreed) == 1:
            chosen = agreed[0]
            break
        notes.append(
            f"The analyst's documents mark several columns as the target "
            f"({label} {', '.join(names)}); no target hint was taken from them."
        )
        return None
    if chosen is not None:
        others = _unique(n for _, names in levels for n in names if n != chosen)
        if others:
            notes.append(
                f"The analyst's documents also point at {', '.join(others)} as the target; "
                f"the target hint is {chosen}."
            )
    return chosen


def _unique(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


_KEY_LINE = re.compile(
    r"^(?:(?:suggested|natural|primary|candidate|unique)\s+){0,2}"
    r"(?:keys?|ids?|identifiers?)(?:\s+(?:columns?|fields?|variables?))?\s*[:：]\s*(.*)$",
    re.I,
)
_NO_KEY = re.compile(
    r"^(?:there\s+(?:is|are)\s+)?no\s+(?:(?:natural|primary|unique|row)\s+)*"
    r"(?:keys?|ids?|identifiers?)(?:\s+columns?)?\b",
    re.I,
)
_NONE_VALUE = re.compile(r"^(?:none|no|n/?a|nil|-|—|–|not applicable)\b", re.I)
_KEY_PROSE = re.compile(
    r"\bprimary key\b|\bunique (?:row )?(?:id|identifier|key)\b|\brow (?:id|identifier)\b|"
    r"\bidentifier\b|\bkey column\b",
    re.I,
)
_ID_WORD = re.compile(r"\bID\b")


def _key_columns(docs: list[_Doc], cols: _Columns) -> list[str]:
    explicit: list[str] = []
    explicit_none = False
    prose: list[str] = []
    for doc in docs:
        for block, names in _data_rows(doc, cols):
            if _row_is_target(block):
                continue
            if _row_is_key(block):
                explicit.extend(names)
                continue
            for _, cell in _row_cells(block):
                text = plain(cell)
                if (_KEY_PROSE.search(text) or _ID_WORD.search(text)) and not _NEGATION.search(
                    text
                ):
                    prose.extend(names)
        for block in doc.blocks:
            if block.kind not in ("para", "bullet"):
                continue
            line = _KEY_LINE.match(block.text)
            if line:
                rest_raw = re.sub(r"^.*?[:：]", "", block.raw, count=1)
                rest = line.group(1)
                if _NONE_VALUE.match(rest):
                    explicit_none = True
                    continue
                names = cols.backticked(rest_raw)
                if not names:
                    for part in re.split(r"\s*(?:,|;|\band\b|\(|—|–)\s*", rest):
                        name = cols.resolve(part.strip("'\"“”‘’. "))
                        if name:
                            names.append(name)
                explicit.extend(names)
                if not names:
                    explicit_none = explicit_none or bool(_NO_KEY.match(rest))
                continue
            if _NO_KEY.match(block.text):
                explicit_none = True
                continue
            for sentence_raw in _SENTENCE_END.split(block.raw):
                sentence = plain(sentence_raw)
                if not (_KEY_PROSE.search(sentence) or _ID_WORD.search(sentence)):
                    continue
                if _NEGATION.search(sentence):
                    continue
                names = cols.mentioned(sentence_raw)
                if len(names) == 1:
                    prose.append(names[0])
    if explicit:
        return _unique(explicit)
    if explicit_none:
        return []
    return _unique(prose)


# Metric spellings, most specific first: the alternation finds the leftmost, first-listed match,
# so "ROC-AUC" is never read as "AUC" and "macro-F1" never as "F1".
_METRIC_PATTERNS: list[tuple[str, str]] = [
    ("average_precision", r"pr[\s_-]?auc|auprc|au[\s-]?pr\b|average[\s_-]precision"),
    ("average_precision", r"area under (?:the )?precision[\s-]recall(?: curve)?"),
    ("average_precision", r"precision[\s-]recall (?:curve )?auc"),
    ("roc_auc", r"roc[\s_-]?auc|auc[\s_-]?roc|auroc|area under (?:the )?(?:roc )?curve|auc"),
    ("f1_macro", r"macro[\s_-]?(?:averaged?[\s_-])?f1(?:[\s_-]?score)?|f1[\s_-]?macro"),
    ("f1_macro", r"macro[\s_-]?(?:averaged?[\s_-])?f[\s_-]?(?:score|measure)"),
    ("f1", r"(?:weighted|micro)[\s_-]?(?:averaged?[\s_-])?f1(?:[\s_-]?score)?"),
    ("f1", r"f1(?:[\s_-]?score)?|f[\s_-]?score|f[\s_-]?measure|f[\s_-]?1"),
    (
        "balanced_accuracy",
        r"balanced[\s_-]accuracy|(?:mean |average )?per[\s_-]class accuracy|"
        r"class[\s_-]balanced accuracy",
    ),
    ("accuracy", r"accuracy"),
    (
        "log_loss",
        r"log[\s_-]?loss|logarithmic loss|cross[\s-]?entropy|negative log[\s-]?likelihood",
    ),
    ("rmse", r"rmse|root[\s-]mean[\s-]squared?[\s-]error"),
    ("mape", r"mape|mean absolute percentage error"),
    ("mae", r"mae|mean absolute error"),
    ("r2", r"r2|r²|r\^2|r[\s-]squared|coefficient of determination"),
    ("recall", r"recall|sensitivity|true positive rate|tpr|hit rate"),
    ("precision", r"precision|positive predictive value|ppv"),
]
_METRIC_RE = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(f"(?P<m{i}>{p})" for i, (_, p) in enumerate(_METRIC_PATTERNS))
    + r")(?![\w])",
    re.I,
)
_METRIC_NEGATED_BEFORE = re.compile(
    r"\b(?:not|avoid|instead of|rather than|never|don't use|do not use|over)\s+(?:\w+\s+){0,2}$",
    re.I,
)
_METRIC_NEGATED_AFTER = re.compile(
    r"^\s*(?:is|would be|are)\s+(?:misleading|not (?:useful|appropriate|suitable)|useless)", re.I
)
_METRIC_SECTION = re.compile(
    r"metric|kpi|evaluat|success|measure|score|goal|objective|target", re.I
)
_METRIC_LINE = re.compile(r"metric|kpi|evaluat|optimi[sz]|measured by|success|score", re.I)


def _metrics_in(text: str) -> list[str]:
    found: list[str] = []
    for match in _METRIC_RE.finditer(text):
        name = next(
            _METRIC_PATTERNS[int(k[1:])][0] for k, v in match.groupdict().items() if v is not None
        )
        before = text[max(0, match.start() - 40) : match.start()]
        after = text[match.end() : match.end() + 40]
        if _METRIC_NEGATED_BEFORE.search(before) or _METRIC_NEGATED_AFTER.match(after):
            continue
        if name not in found:
            found.append(name)
    return found


def _suggested_metrics(docs: list[_Doc], goal_sentence: str | None) -> list[str]:
    scoped: list[str] = []
    everything: list[str] = []
    for doc in docs:
        for block in doc.blocks:
            if block.kind == "heading":
                continue
            text = block.text
            in_scope = bool(_METRIC_SECTION.search(block.section)) or bool(
                _METRIC_LINE.search(text)
            )
            found = _metrics_in(text)
            everything.extend(found)
            if in_scope:
                scoped.extend(found)
    if goal_sentence:
        scoped.extend(_metrics_in(goal_sentence))
    return _unique(scoped) if scoped else _unique(everything)


_QUALITY_HEADING = re.compile(
    r"\b(?:quality|notes?|caveats?|issues?|warnings?|limitations?|problems?)\b", re.I
)


def _quality_notes(docs: list[_Doc]) -> list[str]:
    notes: list[str] = []
    for doc in docs:
        sections: dict[tuple[str, ...], list[_Block]] = {}
        for block in doc.blocks:
            if block.kind in ("bullet", "para") and block.headings:
                if _QUALITY_HEADING.search(block.section):
                    sections.setdefault(block.headings, []).append(block)
        for blocks in sections.values():
            bullets = [b for b in blocks if b.kind == "bullet"]
            for block in bullets or blocks:
                if block.text:
                    notes.append(_shorten(block.text, 1000))
    return notes


def _column_notes(docs: list[_Doc], cols: _Columns) -> dict[str, list[str]]:
    notes: dict[str, list[str]] = {}

    def add(name: str, text: str) -> None:
        text = _shorten(text, MAX_NOTE_CHARS)
        bucket = notes.setdefault(name, [])
        if text and text not in bucket and len(bucket) < MAX_NOTES_PER_COLUMN:
            bucket.append(text)

    for doc in docs:
        for block, names in _data_rows(doc, cols):
            note = _row_note(block)
            if note:
                for name in names:
                    add(name, note)
        for block in doc.blocks:
            if block.kind == "bullet":
                for name in cols.mentioned(block.raw):
                    add(name, block.text)
            elif block.kind == "para":
                for sentence_raw in _SENTENCE_END.split(block.raw):
                    for name in cols.mentioned(sentence_raw):
                        add(name, plain(sentence_raw))
    return notes


_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?%?")
_ORDER_SPLIT = re.compile(r"\s+(?:<|≤|<=|→|->)\s+")
_ORDER_LEFT_CUT = re.compile(r".*(?:[:;(=]|\s[—–-]\s|\bfrom\b|\bis\b|\border\b)\s*", re.I)
_ORDER_RIGHT_CUT = re.compile(r"\s*(?:[,;)]|\.\s|\.$|\s[—–-]\s).*$")


def _plausible_level(part: str, cols: _Columns) -> bool:
    if not part or len(part) > 40 or len(part.split()) > 4:
        return False
    if any(ch in part for ch in "|=`{}[]") or ". " in part:
        return False
    if cols.resolve(part):
        return False
    return True


def _ordered_levels(text: str, cols: _Columns) -> list[str] | None:
    for chunk in re.split(r"\s*;\s*|\s*\|\s*", text):
        parts = _ORDER_SPLIT.split(chunk)
        if len(parts) < 3:
            continue
        parts[0] = _ORDER_LEFT_CUT.sub("", parts[0]).strip()
        parts[-1] = _ORDER_RIGHT_CUT.sub("", parts[-1]).strip()
        parts = [p.strip().strip("'\"“”‘’") for p in parts]
        if len(set(p.casefold() for p in parts)) != len(parts):
            continue
        numbers = sum(bool(_NUMBER.fullmatch(p)) for p in parts)
        letters = sum(bool(re.fullmatch(r"[A-Za-z]", p)) for p in parts)
        if numbers and letters:
            continue  # "0 < x < 1" is an inequality, not a list of levels
        if all(_plausible_level(p, cols) for p in parts):
            return parts
    return None


def _ordered_categories(docs: list[_Doc], cols: _Columns) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for doc in docs:
        for block, names in _data_rows(doc, cols):
            if len(names) != 1 or names[0] in found:
                continue
            for _, cell in _row_cells(block):
                levels = _ordered_levels(plain(cell), cols)
                if levels:
                    found[names[0]] = levels
                    break
        for block in doc.blocks:
            if block.kind not in ("bullet", "para"):
                continue
            for sentence_raw in _SENTENCE_END.split(block.raw):
                names = cols.mentioned(sentence_raw)
                if len(names) != 1 or names[0] in found:
                    continue
                text = plain(sentence_raw)
                # Drop the column's own name so "`education`: a < b < c" reads as the levels.
                text = re.sub(r"^.*?\b" + re.escape(names[0]) + r"\b\s*[:=]?", "", text, count=1)
                levels = _ordered_levels(text, cols)
                if levels:
                    found[names[0]] = levels
    return found


# ---------------------------------------------------------------------------------------------
# The entry point


def read_analyst_notes(data_dir: Path, column_names: list[str]) -> AnalystNotes:
    """What `schema-suggestion.md` and `eda-report.md` in `data_dir` say, read by fixed rules.

    Either document may be missing (other spellings such as `eda_report.md` or `EDA.md` are
    accepted). Only names in `column_names` (exact, else case-insensitive when unambiguous) can
    become the target hint, a key column or a `column_notes` key. A document that cannot be read
    adds a line "<name> could not be read: <why>." to `quality_notes`; this never raises.
    """
    data_dir = Path(data_dir)
    cols = _Columns(column_names)
    problems: list[str] = []
    docs: list[_Doc] = []
    sources: list[str] = []
    for names in (SCHEMA_DOCUMENT_NAMES, EDA_DOCUMENT_NAMES):
        path = _find_document(data_dir, names)
        if path is None:
            continue
        text, problem, truncated = _read_document(path)
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
            docs.append(_parse(path.name, text))
        except Exception as exc:  # noqa: BLE001 - a document must never stop the run
            problems.append(f"{path.name} could not be read: {exc.__class__.__name__}.")

    # The goal usually lives in the EDA report: look there first.
    goal_docs = sorted(docs, key=lambda d: 0 if d.name.casefold().startswith("eda") else 1)
    notes = AnalystNotes(sources=sources)
    try:
        goal_sentence, goal_raw = _goal(goal_docs)
        hint_notes: list[str] = []
        notes = AnalystNotes(
            goal_sentence=goal_sentence,
            target_hint=_target_hint(docs, cols, goal_raw, hint_notes),
            key_columns=_key_columns(docs, cols),
            suggested_metrics=_suggested_metrics(docs, goal_sentence),
            quality_notes=_unique(problems + _quality_notes(docs) + hint_notes)[:MAX_QUALITY_NOTES],
            column_notes=_column_notes(docs, cols),
            ordered_categories=_ordered_categories(docs, cols),
            sources=sources,
        )
    except Exception as exc:  # noqa: BLE001 - a safety net: the documents are optional
        notes = AnalystNotes(
            sources=sources,
            quality_notes=problems
            + [f"The analyst's documents could not be interpreted ({exc.__class__.__name__})."],
        )
    return notes
