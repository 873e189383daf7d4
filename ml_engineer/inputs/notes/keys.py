"""Key columns: a "Key: `id`" line or a schema table's key mark, else the one column a sentence
about identifiers names; "no natural key" says there is none."""

from __future__ import annotations

import re

from ml_engineer.inputs.notes.blocks import Doc
from ml_engineer.inputs.notes.column_names import ColumnNames
from ml_engineer.inputs.notes.plain_text import NEGATION, SENTENCE_END, plain, unique
from ml_engineer.inputs.notes.table_rows import data_rows, row_cells, row_is_key, row_is_target

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


def key_columns(docs: list[Doc], cols: ColumnNames) -> list[str]:
    explicit: list[str] = []
    explicit_none = False
    prose: list[str] = []
    for doc in docs:
        for block, names in data_rows(doc, cols):
            if row_is_target(block):
                continue
            if row_is_key(block):
                explicit.extend(names)
                continue
            for _, cell in row_cells(block):
                text = plain(cell)
                if (_KEY_PROSE.search(text) or _ID_WORD.search(text)) and not NEGATION.search(text):
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
            for sentence_raw in SENTENCE_END.split(block.raw):
                sentence = plain(sentence_raw)
                if not (_KEY_PROSE.search(sentence) or _ID_WORD.search(sentence)):
                    continue
                if NEGATION.search(sentence):
                    continue
                names = cols.mentioned(sentence_raw)
                if len(names) == 1:
                    prose.append(names[0])
    if explicit:
        return unique(explicit)
    if explicit_none:
        return []
    return unique(prose)
