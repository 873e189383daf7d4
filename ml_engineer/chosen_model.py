"""The model a design trains, named in one place for every surface that shows it.

experiment-config.yaml's `model.type` is the planner's first candidate, not the model: the
training script measures it against the search's alternatives and keeps the best, and
metrics.json says which (`model_label`, `model_type`, `search.tried[search.chosen]`). The
approval (terminal, --json, MCP), the script's header and the MLOps files all name the model
through `chosen_model`, so none of them names the plan while the run chose another.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # validation imports this module: its result is only read here
    from ml_engineer.models import ExperimentConfig
    from ml_engineer.validation import ValidationResult

RANDOM_DRAW = "(random draw"  # how the script labels a random parameter draw


@dataclass(frozen=True)
class Candidate:
    """One model the search tried: its score on the primary metric, or why it has none."""

    label: str
    score: float | None = None
    skipped: str | None = None  # the script's reason, when it says one
    planned: bool = False  # experiment-config.yaml's model.type: the search's first candidate

    @property
    def is_draw(self) -> bool:
        return RANDOM_DRAW in self.label

    def scored(self) -> str:
        """`hist_gradient_boosting 0.8123 (planned)`."""
        return f"{self.label} {self.score:.4g}" + (" (planned)" if self.planned else "")


@dataclass(frozen=True)
class ModelChoice:
    """The model a run trained, with what it was measured against; or the plan, unmeasured."""

    planned: str  # experiment-config.yaml model.type
    params: dict = field(default_factory=dict)  # of the trained model (the plan's, unmeasured)
    trained: str | None = None  # metrics.json's label of it; None: no run measured the design
    family: str | None = None  # its model.type ("blend" for an average of families)
    metric: str | None = None
    how: str | None = None  # how the search measured: "3-fold CV on train+val"
    score: float | None = None  # the trained model's score in the search
    others: tuple[Candidate, ...] = ()  # every other candidate tried, in the script's order
    chosen_is_planned: bool = False
    search_skipped: str | None = None  # why the script ran no search at all

    @property
    def measured(self) -> bool:
        return self.trained is not None

    @property
    def name(self) -> str:
        """`extra_trees`, or `the planned model hist_gradient_boosting; not yet measured`."""
        return self.trained or f"the planned model {self.planned}; not yet measured"

    @property
    def type(self) -> str:
        """The family served: the trained one, else the planned one."""
        return self.family or self.planned

    def headline(self) -> str:
        """`extra_trees, chosen by the script's search (roc_auc 0.8312, 3-fold CV on
        train+val)`: the name with how it won, when a search measured it."""
        if self.score is None:
            return self.name
        why = "the planned model, kept" if self.chosen_is_planned else "chosen"
        scored = f"{self.metric} {self.score:.4g}, {self.how}"
        return f"{self.name}, {why} by the script's search ({scored})"

    def described(self) -> str:
        """The headline, then the measured rivals and what was not measured: one sentence
        for a document (`extra_trees, chosen by ... over ridge 0.79; 3 random draws not
        measured: ...`)."""
        words = self.headline()
        if compared := self.compared_words():
            words += f" over {compared}"
        if unmeasured := self.unmeasured_words():
            words += f"; {unmeasured}"
        return words

    def compared(self) -> list[Candidate]:
        """The other candidates the search measured: only these were compared."""
        return [c for c in self.others if c.score is not None]

    def compared_words(self) -> str | None:
        """`hist_gradient_boosting 0.8123 (planned), ridge 0.79`, or None: nothing compared."""
        return ", ".join(c.scored() for c in self.compared()) or None

    def unmeasured_words(self) -> str | None:
        """`3 random draws not measured: the search's 600 s cap was reached`, one clause per
        reason the script gave; None when every candidate was measured."""
        by_reason: dict[str | None, list[Candidate]] = {}
        for candidate in self.others:
            if candidate.score is None:
                by_reason.setdefault(candidate.skipped, []).append(candidate)
        clauses = [
            f"{_counted(group)} not measured" + (f": {reason}" if reason else "")
            for reason, group in by_reason.items()
        ]
        return "; ".join(clauses) or None

    def search_line(self) -> str | None:
        """`3-fold CV on train+val, roc_auc: chose extra_trees 0.8312 over
        hist_gradient_boosting 0.8123 (planned), ridge 0.79; 3 random draws not measured: the
        search's 600 s cap was reached`; None when the run had no search."""
        if self.search_skipped and not self.others:
            return f"not run: {self.search_skipped}"
        if not self.measured or self.how is None:
            return None
        best = self.trained if self.score is None else f"{self.trained} {self.score:.4g}"
        line = f"{self.how}, {self.metric}: chose {best}"
        if compared := self.compared_words():
            line += f" over {compared}"
        if unmeasured := self.unmeasured_words():
            line += f"; {unmeasured}"
        return line

    def over_words(self) -> str | None:
        """`hist_gradient_boosting, ridge, 3 random parameter draws`: the measured rivals by
        family, draws counted (a sentence names families, not parameters)."""
        compared = self.compared()
        families = [c.label for c in compared if not c.is_draw]
        if draws := len(compared) - len(families):
            families.append(f"{draws} random parameter draw{'s' if draws > 1 else ''}")
        return ", ".join(families) or None


def _counted(group: list[Candidate]) -> str:
    """`extra_trees and 3 random draws`: families by name, random draws by number."""
    names = [c.label for c in group if not c.is_draw]
    if draws := len(group) - len(names):
        names.append(f"{draws} random draw{'s' if draws > 1 else ''}")
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def read_choice(planned: str, params: dict, metrics: dict | None) -> ModelChoice:
    """The model metrics.json says a run trained, beside what its search tried; the plan,
    unmeasured, when there is no metrics.json (the file is the script's: read defensively)."""
    plan = ModelChoice(planned=planned, params=dict(params))
    if not isinstance(metrics, dict):
        return plan
    trained = metrics.get("model_label") or metrics.get("model_type")
    if not isinstance(trained, str):
        return plan
    found = replace(
        plan,
        params=_mapping(metrics.get("model_params")),
        trained=trained,
        family=str(metrics.get("model_type") or planned),
        metric=metrics.get("primary_metric"),
    )
    search = metrics.get("search")
    return _with_search(found, search) if isinstance(search, dict) else found


def _with_search(found: ModelChoice, search: dict[str, Any]) -> ModelChoice:
    try:
        entries = search.get("tried") or []
        tried = [_candidate(entry, planned=index == 0) for index, entry in enumerate(entries)]
        chosen = int(search.get("chosen", 0))
    except (KeyError, TypeError, ValueError, AttributeError):
        return found
    if not tried:
        return replace(found, search_skipped=_text(search.get("skipped")))
    winner = tried[chosen] if 0 <= chosen < len(tried) else None
    return replace(
        found,
        how=_text(search.get("how")) or "the script's search",
        score=winner.score if winner else None,
        others=tuple(c for index, c in enumerate(tried) if index != chosen),
        chosen_is_planned=chosen == 0,
    )


def _candidate(entry: dict[str, Any], planned: bool) -> Candidate:
    score = entry.get("score")
    return Candidate(
        label=str(entry.get("label") or entry["type"]),  # label: newer scripts
        score=float(score) if isinstance(score, int | float) else None,
        skipped=_text(entry.get("skipped")),
        planned=planned,
    )


def _mapping(value: object) -> dict:
    return dict(value) if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def chosen_model(config: ExperimentConfig, result: ValidationResult | None) -> ModelChoice:
    """The model a design trains: the one its passed run chose (the check run, or the full
    training), else the planned one, not yet measured."""
    passed = result is not None and result.status == "passed"
    return read_choice(config.model.type, config.model.params, result.metrics if passed else None)
