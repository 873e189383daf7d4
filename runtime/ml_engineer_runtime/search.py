"""Choosing the model by measurement: the candidates, their blend and random parameter draws.

Why: different data favour different families; a few candidates measured on the training rows
beat any single guess. The search is bounded by a COUNT of candidates (search.alternatives,
blend_top, n_iter: fixed by the config), never by the clock, so that the same data, config and
seed choose the same model on any machine, busy or not. A wall-clock cap (search.max_seconds)
only stops a search that runs away; metrics.json then says what was not measured. The test part
is never looked at here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV

from ml_engineer_runtime.errors import ScriptError
from ml_engineer_runtime.fitting import fit
from ml_engineer_runtime.metrics import LOWER_IS_BETTER, cross_validate, predict, score

MAX_SECONDS = 600.0  # search.max_seconds when the config sets none: a runaway, not a budget

# model.type -> parameter -> values a random draw picks from (the rest stay as configured).
SEARCH_SPACES: dict[str, dict[str, list[Any]]] = {
    "hist_gradient_boosting": {
        "learning_rate": [0.03, 0.06, 0.1], "max_leaf_nodes": [7, 15, 31, 63],
        "min_samples_leaf": [5, 10, 20, 50], "l2_regularization": [0.0, 0.1, 1.0, 10.0],
    },
    # Around the search's shallow, slow LightGBM (the families' draws are of the best one):
    # 31 leaves or more, or 5 rows a leaf, never beat it on the benchmark data and cost 4 times
    # as long.
    "lightgbm": {
        "learning_rate": [0.02, 0.03, 0.05], "num_leaves": [4, 7, 15],
        "min_child_samples": [20, 40, 80], "colsample_bytree": [0.5, 0.8, 1.0],
        "reg_lambda": [0.0, 1.0, 10.0],
    },
    "xgboost": {
        "learning_rate": [0.02, 0.05, 0.1], "max_depth": [3, 4, 6, 8],
        "min_child_weight": [1.0, 3.0, 5.0, 10.0], "colsample_bytree": [0.5, 0.8, 1.0],
        "reg_lambda": [0.5, 1.0, 5.0],
    },
    "extra_trees": {"min_samples_leaf": [1, 2, 4, 8], "max_features": [0.3, 0.5, 0.8, 1.0]},
    "random_forest": {"min_samples_leaf": [1, 2, 4, 8], "max_features": [0.3, 0.5, 0.8, 1.0]},
    "logistic_regression": {"C": [0.01, 0.1, 0.3, 1.0, 3.0, 10.0]},
    "ridge": {"alpha": [0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]},
}  # fmt: skip


def adjusted(estimator, model_cfg: dict[str, Any], task: str, primary: str, positive, seed: int):
    """The estimator, fitted on log(1 + target) or with its threshold tuned, as configured.

    Why: a long-tailed regression target is often learnt better as log(1 + y), its predictions
    brought back to its scale; F1 and balanced accuracy depend on where a binary model's
    probability is cut, and 0.5 is rarely the best cut, above all with imbalanced classes."""
    if model_cfg.get("target_transform") == "log1p":
        if task != "regression":
            raise ScriptError("model.target_transform applies to a regression target; remove it")
        return TransformedTargetRegressor(
            regressor=estimator, func=np.log1p, inverse_func=np.expm1, check_inverse=False
        )
    if model_cfg.get("threshold") == "tuned":
        if task != "binary":
            raise ScriptError("model.threshold 'tuned' applies to a binary target; remove it")
        scoring = (
            "balanced_accuracy"
            if primary == "balanced_accuracy"
            else make_scorer(f1_score, pos_label=positive)
        )
        cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=seed)
        return TunedThresholdClassifierCV(estimator, scoring=scoring, cv=cv, random_state=seed)
    return estimator


def described(model_cfg: dict[str, Any]) -> str:
    """`hist_gradient_boosting on log(1 + target)`: the family and how the target is treated."""
    if model_cfg.get("members"):
        return "blend of " + " + ".join(described(member) for member in model_cfg["members"])
    words = model_cfg["type"]
    if model_cfg.get("draw"):
        words += f" (random draw {model_cfg['draw']})"
    if model_cfg.get("target_transform") == "log1p":
        words += " on log(1 + target)"
    if model_cfg.get("threshold") == "tuned":
        words += " with a tuned threshold"
    return words


def random_draws(base: dict[str, Any], count: int, seed: int) -> list[dict[str, Any]]:
    """Up to `count` distinct variants of `base` with parameters drawn from its family's space
    (a blend, or a family without a space, has none)."""
    space = SEARCH_SPACES.get(base["type"]) if not base.get("members") else None
    if not space:
        return []
    rng = np.random.default_rng(seed)
    seen, variants = [dict(base.get("params") or {})], []
    for _ in range(count * 5):  # a small space may not hold `count` distinct draws
        params = dict(base.get("params") or {})
        params.update({name: values[rng.integers(len(values))] for name, values in space.items()})
        if params not in seen:
            seen.append(params)
            variants.append({**base, "params": params, "draw": len(variants) + 1})
        if len(variants) == count:
            break
    return variants


def blended(pipelines: list, task: str):
    """The average of the members' predictions (of their probabilities, for classification)."""
    members = [(f"member_{number}", pipeline) for number, pipeline in enumerate(pipelines)]
    if task == "regression":
        return VotingRegressor(members)
    return VotingClassifier(members, voting="soft")


def cap_reached(cap: float) -> str:
    """Why a candidate was not measured: the search had run past search.max_seconds."""
    return f"the search's {cap:.0f} s cap was reached"


def search_record(how: str, tried: list[dict[str, Any]], cap: float) -> dict[str, Any]:
    """How the search measured, what it tried (each candidate's score, or why it has none) and
    its cap; when the cap cut the search, also what it did not measure (`cut`, and a note)."""
    searched: dict[str, Any] = {"how": how, "tried": tried, "max_seconds": cap}
    cut = [item["label"] for item in tried if item.get("skipped") == cap_reached(cap)]
    if cut:
        searched["cut"] = {"after_seconds": cap, "not_measured": cut}
        print(f"note: the search reached its {cap:.0f} s cap (search.max_seconds) and did not "
              f"measure {len(cut)} candidate(s): {', '.join(cut)}")  # fmt: skip
    return searched


def choose_model(
    model_cfg: dict[str, Any],
    search_cfg: dict[str, Any],
    make: Callable[[dict[str, Any]], Any],
    X: pd.DataFrame,
    y: pd.Series,
    parts: dict[str, np.ndarray],
    split_cfg: dict[str, Any],
    task: str,
    primary: str,
    positive: str | None,
    seed: int,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The best of `model`, the search's alternatives, the blend of the best few and random
    draws of the best family, on the primary metric; and a record of what was measured.
    `model` alone when the search has no alternatives."""
    alternatives = list(search_cfg.get("alternatives") or [])
    if not alternatives:
        return model_cfg, None
    folds = search_cfg.get("folds")
    train_val = np.concatenate([parts["train"], parts["val"]])
    how = f"{folds}-fold CV on train+val" if folds else "fit on train, scored on val"
    if not folds and len(parts["val"]) == 0:
        return model_cfg, {"how": how, "tried": [], "skipped": "the val part is empty"}
    cap = float(search_cfg.get("max_seconds") or MAX_SECONDS)
    sign = -1.0 if primary in LOWER_IS_BETTER else 1.0
    cv_of: dict[int, dict[str, Any]] = {}  # candidate index -> its k-fold result, for the record
    # Why: the chosen candidate's fit on train IS the model fit_and_evaluate scores on val and
    # test; kept (the best so far only), it is not fitted twice (on 1M rows, 13 s of a 68 s run).
    best_fit: dict[str, Any] = {}  # index, score, model fitted on train and its fit seconds
    tried: list[dict[str, Any]] = []
    candidates = [model_cfg, *alternatives]
    started = time.perf_counter()

    def measure(candidate: dict[str, Any]) -> float | None:
        pipeline = make(candidate)
        if folds:
            folded = {**split_cfg, "cv_folds": folds}
            result = cross_validate(
                pipeline, X.iloc[train_val], y.iloc[train_val], folded, task, primary, positive,
                seed,
            )  # fmt: skip
            cv_of[len(tried)] = result
            return result["mean"]
        began = time.perf_counter()
        fitted = fit(pipeline, X.iloc[parts["train"]], y.iloc[parts["train"]])
        seconds, val = time.perf_counter() - began, parts["val"]
        value = score(primary, predict(fitted, X.iloc[val], y.iloc[val], task, positive), task)[0]
        if value is not None and (not best_fit or sign * value > sign * best_fit["score"]):
            best_fit.update(index=len(tried), score=value, fitted=(fitted, seconds))
        return value

    def attempt(candidate: dict[str, Any], first: bool = False) -> None:
        entry = {
            "type": candidate["type"], "label": described(candidate),
            "params": candidate.get("params") or {},
        }  # fmt: skip
        if not first and time.perf_counter() - started > cap:
            tried.append({**entry, "skipped": cap_reached(cap)})
            return
        began = time.perf_counter()
        try:
            value = measure(candidate)
        except ScriptError as err:  # e.g. lightgbm not installed: the others still compete
            tried.append({**entry, "skipped": str(err)})
            return
        tried.append({**entry, "score": value, "seconds": round(time.perf_counter() - began, 3)})

    def ranked() -> list[int]:
        measured = [i for i, t in enumerate(tried) if t.get("score") is not None]
        return sorted(measured, key=lambda i: (-sign * tried[i]["score"], i))

    for index, candidate in enumerate(candidates):
        attempt(candidate, first=index == 0)
    # Why: good models of DIFFERENT families average out each other's errors; the blend is
    # measured like any candidate, so it is kept only when it scores best. A tuned threshold
    # does not survive averaging probabilities, so such models are not blended.
    leaders: dict[str, int] = {}
    for index in ranked():  # best first: the first of each family is its best
        leaders.setdefault(candidates[index]["type"], index)
    top = list(leaders.values())[: int(search_cfg.get("blend_top") or 0)]
    if len(top) >= 2 and not any(candidates[i].get("threshold") for i in top):
        blend = {"type": "blend", "members": [candidates[i] for i in top]}
        candidates.append(blend)
        attempt(blend)
    # Why: the planner's parameters are a good start, not the best for every data set: a few
    # random draws from the best family's space, each measured the same way.
    draws, leader = int(search_cfg.get("n_iter") or 0), next(iter(leaders.values()), None)
    if draws and leader is not None:
        for candidate in random_draws(candidates[leader], draws, seed):
            candidates.append(candidate)
            attempt(candidate)
    searched = search_record(how, tried, cap)
    order = ranked()
    if not order:
        return model_cfg, {**searched, "chosen": 0}
    best = order[0]
    fitted = best_fit["fitted"] if best_fit.get("index") == best else None
    return candidates[best], {
        **searched, "chosen": best, "chosen_cv": cv_of.get(best), "chosen_fit": fitted
    }  # fmt: skip
