"""Fitting the chosen model, evaluating it beside the naive baselines, and saving the run.

Why: fit on train, score on validation and test next to a naive baseline, then refit on
train+val for the saved model: more data for the model that will be used, while the reported
scores still come from rows the scored model never saw. metrics.json is written last: it says
the run finished, so it is never newer than the model beside it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
from sklearn.base import clone

from ml_engineer_runtime import runtime_requirement
from ml_engineer_runtime.files import write_atomically
from ml_engineer_runtime.fitting import fit
from ml_engineer_runtime.groups import print_groups, results_by_group
from ml_engineer_runtime.importance import permutation_importances, raw_inputs
from ml_engineer_runtime.metrics import LOWER_IS_BETTER, beats, cross_validate, evaluate, predict
from ml_engineer_runtime.project import Project
from ml_engineer_runtime.search import choose_model, described
from ml_engineer_runtime.tracking import log_to_tracker

STARTED = time.perf_counter()  # the run's clock starts when the script imports this module


@dataclass
class Search:
    """The model the search chose (its model section) and the record of what it measured."""

    chosen: dict[str, Any]
    record: dict[str, Any] | None  # None: no search (the config names one model)


@dataclass
class Evaluation:
    model: Any  # the chosen pipeline, fitted on train
    model_cfg: dict[str, Any]
    scores: dict[str, dict[str, Any]]  # "model" and each baseline -> part -> metric -> score
    problems: dict[str, str]  # the metrics that could not be computed, and why
    baselines: dict[str, Any]
    bar: str  # the baseline the model must beat: the best of them on test
    fit_seconds: float
    cv: dict[str, Any] | None
    importances: dict[str, Any]
    groups: dict[str, Any] | None
    search: dict[str, Any] | None


def search_models(
    project: Project, parts: dict[str, np.ndarray], make: Callable[[Project, dict], Any]
) -> Search:
    """The candidates of model and search (experiment-config.yaml), measured on train+val by
    k-fold CV (or fitted on train and scored on val); the best on the primary metric wins."""
    chosen, record = choose_model(
        project.config["model"], project.config.get("search") or {},
        lambda model_cfg: make(project, model_cfg), project.X, project.y, parts,
        project.split_cfg, project.task, project.primary, project.positive, project.seed,
    )  # fmt: skip
    return Search(chosen, record)


def the_bar(scores: dict[str, dict[str, Any]], names: list[str], primary: str) -> str:
    """Of the baselines `names`, the one that scores best on test: the bar the model must
    beat, so that beating it means beating them all."""
    sign = -1.0 if primary in LOWER_IS_BETTER else 1.0

    def on_test(name: str) -> float:
        value = (scores[name]["test"] or {}).get(primary)
        return -np.inf if value is None else sign * value

    return max(names, key=on_test)  # the first of equals: the plainest


def fit_and_evaluate(
    project: Project,
    parts: dict[str, np.ndarray],
    pipeline,
    baselines: dict[str, Any],
    search: Search,
) -> Evaluation:
    """Fit on train; score the model and each baseline on val and test; the k-fold score on
    train+val, the permutation importances and the results per protected group on test."""
    X, y, task, primary = project.X, project.y, project.task, project.primary
    train, test = parts["train"], parts["test"]
    record = dict(search.record) if search.record else None
    fitted = record.pop("chosen_fit", None) if record else None  # the search's fit on train
    if fitted is None:
        started = time.perf_counter()
        model = fit(pipeline, X.iloc[train], y.iloc[train])
        fitted = model, time.perf_counter() - started
    model, fit_seconds = fitted
    baselines = {name: clone(baseline).fit(X.iloc[train], y.iloc[train])
                 for name, baseline in baselines.items()}  # fmt: skip
    problems: dict[str, str] = {}
    scores: dict[str, dict[str, Any]] = {}
    for who, estimator in (("model", model), *baselines.items()):
        # A baseline's missing metric is "baseline.test.<metric>", or with several baselines
        # "baseline (the last value).test.<metric>".
        said = who if who == "model" else "baseline" if len(baselines) == 1 else f"baseline ({who})"
        scores[who] = {}
        for part in ("val", "test"):
            X_part, y_part = X.iloc[parts[part]], y.iloc[parts[part]]
            scores[who][part], missing = evaluate(
                estimator, X_part, y_part, project.metric_names, task, project.positive
            )
            problems.update({f"{said}.{part}.{name}": why for name, why in missing.items()})
    # The search's k-fold score of the chosen model is this same CV when the folds agree.
    cv = record.pop("chosen_cv", None) if record else None
    split_cfg = project.split_cfg
    if not cv or cv["folds"] != split_cfg.get("cv_folds"):
        train_val = np.concatenate([train, parts["val"]])
        cv = cross_validate(pipeline, X.iloc[train_val], y.iloc[train_val], split_cfg, task,
                            primary, project.positive, project.seed)  # fmt: skip
    inputs = raw_inputs(X, project.features, project.derived)
    importances = permutation_importances(
        model, X.iloc[test], y.iloc[test], inputs, task, primary, project.positive, project.seed
    )
    groups = None
    if project.attributes is not None:
        predictions = predict(model, X.iloc[test], y.iloc[test], task, project.positive)
        groups = results_by_group(predictions, project.attributes, test,
                                  project.data_cfg["protected"], task, primary)  # fmt: skip
    return Evaluation(
        model=model, model_cfg=search.chosen, scores=scores, problems=problems,
        baselines=baselines, bar=the_bar(scores, list(baselines), primary),
        fit_seconds=fit_seconds, cv=cv, importances=importances, groups=groups, search=record,
    )  # fmt: skip


def refit(project: Project, parts: dict[str, np.ndarray], pipeline):
    """The pipeline fitted on train+val (in time order for a time split): the model to save."""
    train_val = np.concatenate([parts["train"], parts["val"]])
    return fit(pipeline, project.X.iloc[train_val], project.y.iloc[train_val])


def metrics_record(project: Project, parts: dict[str, np.ndarray], ev: Evaluation) -> dict:
    """metrics.json: what was trained on what, its scores beside the baseline's, and how."""
    primary, scores, bar = project.primary, ev.scores, ev.bar
    model_score = scores["model"]["test"][primary]
    record: dict[str, Any] = {
        "task": project.task,
        "target": project.target,
        "primary_metric": primary,
        "lower_is_better": primary in LOWER_IS_BETTER,
        "model": scores["model"],
        "baseline": scores[bar],
        "baseline_type": type(ev.baselines[bar]).__name__,
        "baseline_label": bar,
        "cv": ev.cv,
        "beats_baseline": beats(model_score, scores[bar]["test"][primary], primary),
        "unavailable_metrics": ev.problems,
        "rows": {
            "train": len(parts["train"]),
            "val": len(parts["val"]),
            "test": len(parts["test"]),
            "dropped_missing_target": project.dropped,
        },
        "sampled_rows": project.sampled_rows,
        "columns": project.columns_read,  # only the columns the run uses are read
        "split": project.split_cfg["strategy"],
        "classes": sorted(project.y.unique()) if project.task != "regression" else None,
        "positive_class": project.positive,
        "model_type": ev.model_cfg["type"],
        "model_params": ev.model_cfg.get("params") or {},
        "model_label": described(ev.model_cfg),
        "search": ev.search,
        "importances": ev.importances,
    }
    if ev.groups is not None:
        record["groups"] = ev.groups
    if project.forecast:
        record["forecast"] = {
            "history": project.history,
            "predict": "change from the last value" if project.change else "level",
            "baselines": {name: scores[name] for name in ev.baselines},
            "bar": bar,
            "note": "model.joblib takes the data's columns plus these, each computed from "
            "earlier rows of its series (ml_engineer_runtime.forecast.add_target_history)",
        }
    record["fit_seconds"] = round(ev.fit_seconds, 3)
    record["saved_model"] = {
        "path": "model.joblib",
        "fitted_on": "train+val",
        "rows": len(parts["train"]) + len(parts["val"]),
        "note": "the val and test scores above are of the same pipeline fitted on train only",
        "loads_with": runtime_requirement(),
    }
    record["total_seconds"] = round(time.perf_counter() - STARTED, 3)
    return record


def save(project: Project, parts: dict[str, np.ndarray], ev: Evaluation, final_model) -> None:
    """model.joblib, then metrics.json; a summary on the console; the tracker, if one is set."""
    metrics = metrics_record(project, parts, ev)
    output_dir = project.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(output_dir / "model.joblib", lambda path: joblib.dump(final_model, path))
    metrics_path = output_dir / "metrics.json"
    text = json.dumps(metrics, indent=2, allow_nan=False) + "\n"
    write_atomically(metrics_path, lambda path: path.write_text(text, encoding="utf-8"))
    print_summary(project, parts, ev, metrics)
    print(f"Wrote {metrics_path} and model.joblib (refit on train+val, "
          f"{metrics['saved_model']['rows']:,} rows).")  # fmt: skip
    if (project.config.get("logging") or {}).get("tracker", "none") in (None, "none"):
        return
    try:
        example = project.X.iloc[parts["train"]].head(5)  # raw rows: the model's input
        log_to_tracker(project.config, metrics, metrics_path, final_model, example,
                       project.config_path.parent)  # fmt: skip
    except Exception as err:  # the outputs are written; a tracker outage must not fail the run
        print(f"note: logging to the experiment tracker failed: {err}")


def shown(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def print_summary(project: Project, parts, ev: Evaluation, metrics: dict[str, Any]) -> None:
    primary, scores, bar = project.primary, ev.scores, ev.bar
    if ev.search and ev.search.get("tried"):
        tried = ", ".join(
            f"{item['label']} {shown(item.get('score'))}" if "score" in item
            else f"{item['label']} (not measured)" for item in ev.search["tried"]
        )  # fmt: skip
        print(f"Search ({ev.search['how']}, {primary}): {tried}; "
              f"chose {described(ev.model_cfg)}.")  # fmt: skip
    verdict = "beats" if metrics["beats_baseline"] else "does NOT beat"
    print(f"Trained {metrics['model_label']} on {len(parts['train']):,} rows in "
          f"{ev.fit_seconds:.1f} s.")  # fmt: skip
    others = [f"{name} at {shown(scores[name]['test'][primary])}" for name in ev.baselines
              if name != bar]  # fmt: skip
    bar_said = bar + (f", better than {' and '.join(others)}" if others else "")
    print(
        f"{primary} on test ({len(parts['test']):,} rows): model "
        f"{shown(scores['model']['test'][primary])}, baseline "
        f"{shown(scores[bar]['test'][primary])} ({bar_said}); the model {verdict} the baseline."
    )
    cv = ev.cv
    if cv and cv["mean"] is not None:
        spread = f"{cv['mean']:.4f} +/- {cv['std']:.4f}"
        print(f"{primary}, {cv['folds']}-fold CV on train+val: {spread}")
    if ev.importances.get("top"):
        top = ", ".join(
            f"{item['column']!r} {item['drop']:+.4f}" for item in ev.importances["top"][:5]
        )
        print(f"Inputs that matter most ({primary} lost when shuffled, on test): {top}")
    if ev.groups is not None:
        print_groups(ev.groups, project.task)
