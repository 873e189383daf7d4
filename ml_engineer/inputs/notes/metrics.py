"""Recommended metrics, named in the product's terms ("roc_auc", "f1_macro", ...), from the
metric sections of the documents and from the goal sentence."""

from __future__ import annotations

import re

from ml_engineer.inputs.notes.blocks import Doc
from ml_engineer.inputs.notes.plain_text import unique

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


def suggested_metrics(docs: list[Doc], goal_sentence: str | None) -> list[str]:
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
    return unique(scoped) if scoped else unique(everything)


def metric_notes(docs: list[Doc], limit: int = 8) -> list[str]:
    """The analyst's sentences about metrics, as written (backticks kept: they mark values)."""
    found: list[str] = []
    for doc in docs:
        for block in doc.blocks:
            if block.kind == "heading" or not _metrics_in(block.text):
                continue
            if _METRIC_SECTION.search(block.section) or _METRIC_LINE.search(block.text):
                found.append(block.raw.strip()[:500])
    return unique(found)[:limit]
