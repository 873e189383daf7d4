"""Reading a reviewer's free-text feedback with rules: what to change, and where to restart.

"drop customer_id and optimise F1", "time split on order_date", "use lightgbm", "target is
churned", "log to mlflow" become typed `Overrides`; anything else is kept word for word as
feedback not understood, recorded in the spec and shown back, never guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ml_engineer.models import ColumnKind, FeatureSpec
from ml_engineer.models.revision import NODE_ORDER, Overrides, Revision

METRIC_WORDS = {
    "f1": "f1", "f1 score": "f1", "f1-score": "f1", "macro f1": "f1_macro", "f1 macro": "f1_macro",
    "macro-f1": "f1_macro", "f1_macro": "f1_macro", "auc": "roc_auc", "roc auc": "roc_auc",
    "roc-auc": "roc_auc", "roc_auc": "roc_auc", "pr auc": "average_precision",
    "pr-auc": "average_precision", "average precision": "average_precision",
    "average_precision": "average_precision", "accuracy": "accuracy",
    "balanced accuracy": "balanced_accuracy", "balanced_accuracy": "balanced_accuracy",
    "log loss": "log_loss", "log-loss": "log_loss", "logloss": "log_loss", "log_loss": "log_loss",
    "rmse": "rmse", "mae": "mae", "r2": "r2", "r²": "r2", "mape": "mape", "recall": "recall",
    "precision": "precision",
}  # fmt: skip
MODEL_WORDS = {
    "lightgbm": "lightgbm", "lgbm": "lightgbm", "light gbm": "lightgbm",
    "random forest": "random_forest", "random forests": "random_forest", "rf": "random_forest",
    "extra trees": "extra_trees", "extratrees": "extra_trees",
    "gradient boosting": "hist_gradient_boosting", "hgb": "hist_gradient_boosting",
    "hist gradient boosting": "hist_gradient_boosting",
    "histgradientboosting": "hist_gradient_boosting",
    "logistic regression": "linear", "linear model": "linear", "linear": "linear",
    "ridge": "linear", "a linear model": "linear",
}  # fmt: skip
TRACKER_WORDS = {"mlflow": "mlflow", "wandb": "wandb", "weights and biases": "wandb"}

_VERBS = (
    r"drop|exclude|remove|ignore|don'?t use|do not use|use|try|switch|optimi[sz]e|"
    r"maximi[sz]e|minimi[sz]e|split|target|predict|log|track|make|primary|time|group|stratif|"
    r"random|temporal|chronological|no tracker|keep|include|add back|put back|restore"
)
_CLAUSE_BREAK = re.compile(
    rf"\s*(?:[;\n]|\.(?:\s|$)|,?\s+(?:and|then|also|plus)\s+(?=(?:{_VERBS})\b)|,\s*(?=(?:{_VERBS})\b))\s*",
    re.IGNORECASE,
)
_POLITE = re.compile(r"^(?:please|pls|could you|can you|i want to|let'?s|we should|also)\s+", re.I)


def interpret_feedback(text: str, spec: FeatureSpec) -> Revision:
    """The changes the rules can make from `text`, checked against the current spec."""
    columns = [c.name for c in spec.columns] + [spec.target.column]
    kinds = {c.name: c.kind for c in spec.columns}
    changes = Overrides()
    acted: list[str] = []
    not_understood: list[str] = []
    restart: set[str] = set()
    for clause in _clauses(text):
        for rule in _RULES:
            outcome = rule(clause, columns, kinds)
            if outcome is None:
                continue
            update, message, node = outcome
            if update is None:
                not_understood.append(f"{clause!r}: {message}")
            else:
                changes = changes.merged(update)
                acted.append(message)
                restart.add(node)
            break
        else:
            not_understood.append(clause)
    restart_at = next((n for n in NODE_ORDER if n in restart), None)
    return Revision(
        number=0, feedback=text, overrides=changes, acted=acted,
        not_understood=not_understood, restart_at=restart_at,
    )  # fmt: skip


def _clauses(text: str) -> list[str]:
    parts = [p.strip(" ,.") for p in _CLAUSE_BREAK.split(text.strip())]
    return [_POLITE.sub("", p).strip() for p in parts if p and p.strip(" ,.")]


def _column(word: str, columns: list[str]) -> str | None:
    word = word.strip().strip("`'\"").strip()
    if word in columns:
        return word
    folded = [c for c in columns if c.lower() == word.lower()]
    return folded[0] if len(folded) == 1 else None


Outcome = tuple[Overrides | None, str, str] | None


_QUOTED = re.compile(r"`([^`]+)`|\"([^\"]+)\"|(?<!\w)'([^']+)'(?!\w)")


def _names(text: str, columns: list[str]) -> tuple[list[str], list[str]]:
    """Column names in a list: quoted spans are whole names (commas and all), the rest is split
    on commas and 'and'. Returns (found, unknown)."""
    found, unknown = [], []
    whole = _column(text, columns)
    if whole:  # a single name that itself contains a comma or "and"
        return [whole], []
    quoted = [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(text)]
    rest = _QUOTED.sub(",", text)
    parts = [*quoted, *(n for n in re.split(r"\s*(?:,|\band\b|&|\+)\s*", rest) if n.strip())]
    for name in parts:
        column = _column(name, columns)
        (found if column else unknown).append(column or name.strip())
    return found, unknown


def _drop(clause: str, columns: list[str], kinds) -> Outcome:
    m = re.match(
        r"(?:drop|exclude|remove|ignore|don'?t use|do not use)\s+(?:the\s+)?"
        r"(?:columns?|features?|fields?)?\s*(?P<cols>.+)$",
        clause, re.IGNORECASE,
    )  # fmt: skip
    if not m:
        return None
    found, unknown = _names(m["cols"], columns)
    if unknown:
        return None, f"no column named {', '.join(map(repr, unknown))}", NODE_ORDER[0]
    shown = ", ".join(f"`{c}`" for c in found)
    return Overrides(drop=found), f"dropped {shown}", NODE_ORDER[0]


def _keep(clause: str, columns: list[str], kinds) -> Outcome:
    m = re.match(
        r"(?:keep|include|add\s+back|put\s+back|restore|use)\s+(?:the\s+)?"
        r"(?:columns?|features?|fields?)?\s*(?P<cols>.+?)(?:\s+as\s+(?:a\s+)?(?:feature|input)s?)?$",
        clause, re.IGNORECASE,
    )  # fmt: skip
    if not m:
        return None
    found, unknown = _names(m["cols"], columns)
    if unknown or not found:
        return None  # "use lightgbm", "use F1": not columns, so another rule's
    shown = ", ".join(f"`{c}`" for c in found)
    return Overrides(keep=found), f"kept {shown}", NODE_ORDER[0]


def _target(clause: str, columns: list[str], kinds) -> Outcome:
    m = re.match(
        r"(?:the\s+)?(?:target(?:\s+column)?\s*(?:is|should be|=|:)|predict)\s+(?P<col>.+?)"
        r"(?:\s+instead)?$",
        clause, re.IGNORECASE,
    )  # fmt: skip
    if not m:
        return None
    column = _column(m["col"], columns)
    if column is None:
        return None, f"no column named {m['col'].strip()!r} to use as the target", NODE_ORDER[0]
    return Overrides(target=column), f"target set to `{column}`", NODE_ORDER[0]


def _split(clause: str, columns: list[str], kinds) -> Outcome:
    m = re.match(
        r"(?:use\s+(?:a\s+)?)?(?P<kind>time|temporal|chronological|group(?:ed)?|stratified|random)"
        r"(?:[- ]based)?\s+split(?:\s+(?:on|by|using|over)\s+(?P<col>.+))?$"
        r"|split\s+(?:by|on)\s+(?P<kind2>time|group)\s*(?:(?:on|by|using)\s+(?P<col2>.+))?$",
        clause, re.IGNORECASE,
    )  # fmt: skip
    if not m:
        return None
    kind = (m["kind"] or m["kind2"]).lower()
    strategy = {"temporal": "time", "chronological": "time", "grouped": "group"}.get(kind, kind)
    raw = m["col"] or m["col2"]
    if strategy in ("time", "group"):
        if not raw:
            return (
                None,
                f"a {strategy} split needs a column: '{strategy} split on COLUMN'",
                NODE_ORDER[0],
            )
        column = _column(raw, columns)
        if column is None:
            return None, f"no column named {raw.strip()!r} to split on", NODE_ORDER[0]
        if strategy == "time" and kinds.get(column) not in (
            ColumnKind.datetime,
            ColumnKind.numeric,
        ):
            return None, f"`{column}` is not a date or time column", NODE_ORDER[0]
        return (
            Overrides(split_strategy=strategy, split_column=column),
            f"{strategy} split on `{column}`",
            NODE_ORDER[0],
        )
    return Overrides(split_strategy=strategy), f"{strategy} split", NODE_ORDER[0]


def _metric(clause: str, columns: list[str], kinds) -> Outcome:
    m = re.match(
        r"(?:use|optimi[sz]e(?:\s+for)?|maximi[sz]e|minimi[sz]e|score\s+(?:by|on|with)|"
        r"(?:make\s+)?(?:the\s+)?primary\s+metric(?:\s+(?:is|to|be|=|:))?|switch\s+(?:the\s+)?"
        r"metric\s+to|metric(?:\s+(?:is|=|:))?)\s+(?:the\s+)?(?P<m>[\w\s\-²]+?)"
        r"(?:\s+(?:as\s+)?(?:the\s+)?(?:primary\s+)?(?:metric|score))?$",
        clause, re.IGNORECASE,
    )  # fmt: skip
    if not m or m["m"].strip().lower() not in METRIC_WORDS:
        return None
    metric = METRIC_WORDS[m["m"].strip().lower()]
    return Overrides(primary_metric=metric), f"primary metric set to {metric}", NODE_ORDER[0]


def _model(clause: str, columns: list[str], kinds) -> Outcome:
    m = re.match(
        r"(?:use|try|switch\s+to|train)\s+(?:an?\s+)?(?P<m>[\w\s]+?)(?:\s+(?:model|instead))*$",
        clause, re.IGNORECASE,
    )  # fmt: skip
    if not m or m["m"].strip().lower() not in MODEL_WORDS:
        return None
    model = MODEL_WORDS[m["m"].strip().lower()]
    return Overrides(model_type=model), f"model set to {model}", NODE_ORDER[1]


def _tracker(clause: str, columns: list[str], kinds) -> Outcome:
    m = re.match(
        r"(?:log|track|use)\s+(?:(?:to|with|in)\s+)?(?P<t>mlflow|wandb|weights and biases)\b",
        clause, re.IGNORECASE,
    )  # fmt: skip
    if not m:
        if re.fullmatch(r"(?:no|without (?:a )?)\s*tracker|don'?t track", clause, re.I):
            return Overrides(tracker="none"), "no experiment tracker", NODE_ORDER[2]
        return None
    tracker = TRACKER_WORDS[m["t"].lower()]
    return Overrides(tracker=tracker), f"experiment tracker set to {tracker}", NODE_ORDER[2]


# Order matters: "use F1" is a metric, "use lightgbm" a model, "use mlflow" a tracker.
_RULES: list[Callable[..., Outcome]] = [_drop, _target, _split, _tracker, _metric, _model, _keep]
