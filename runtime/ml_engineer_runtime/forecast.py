"""Forecasts: the target's own past as inputs, the naive forecasts to beat, and the change model.

Why: the best single clue to the next value is usually the last ones. Each lag and mean is
taken from EARLIER rows of the same series only (shifted before it is averaged), so no row
sees its own target; a gap (a missing value) is filled with the value known before it. The
naive baselines of a forecast are the last value and, for a seasonal series, the value one
season back: the model must beat the better of them, not just the average.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from ml_engineer_runtime.config import time_columns
from ml_engineer_runtime.data import time_order
from ml_engineer_runtime.errors import ScriptError

DEFAULT_LAGS, DEFAULT_ROLLING = [1, 2, 3], [3]  # as experiment-config.yaml's defaults


def forecast_season(forecast_cfg: dict[str, Any]) -> int | None:
    """data.forecast.season, checked: periods per season (4, 12, 52, 7), or None."""
    season = forecast_cfg.get("season")
    if season is not None and (type(season) is not int or season < 2):
        raise ScriptError(
            f"data.forecast.season {season!r}: use a whole number of periods "
            "of 2 or more (4 quarters, 12 months, 52 weeks, 7 days) or null"
        )
    return season


def add_target_history(
    frame: pd.DataFrame, target: str, forecast_cfg: dict[str, Any], columns: list[str] | None = None
) -> tuple[pd.DataFrame, list[str], str]:
    """The rows in time order (per series) with the lag and mean columns; their names; and
    the name of the last-value column, which the baseline predicts with. `columns`: all the
    data's column names, read or not (default: the frame's)."""
    series = list(forecast_cfg.get("series") or [])
    missing = [c for c in [*time_columns(forecast_cfg), *series] if c not in frame.columns]
    if missing:
        raise ScriptError(f"data.forecast names columns the data lacks: {missing}")
    frame = frame.iloc[time_order(frame, time_columns(forecast_cfg))].reset_index(drop=True)
    values = pd.to_numeric(frame[target], errors="coerce")
    keys = [frame[c] for c in series]
    configured = forecast_cfg.get("lags", DEFAULT_LAGS) or []
    season = forecast_season(forecast_cfg)  # the value a season back is an input too
    lags = sorted({int(lag) for lag in configured} | {1} | ({season} if season else set()))
    made: dict[str, pd.Series] = {}
    for lag in lags:
        shifted = values.groupby(keys, sort=False).shift(lag) if series else values.shift(lag)
        # A gap takes the value known before it, from the same series: with weekly data and
        # 59 missing weeks (co2), the row after each gap still has a last value.
        made[f"{target}_lag_{lag}"] = (
            shifted.groupby(keys, sort=False).ffill() if series else shifted.ffill()
        )
    last = made[f"{target}_lag_1"]
    for window in forecast_cfg.get("rolling", DEFAULT_ROLLING) or []:
        window = int(window)
        by_series = last.groupby(keys, sort=False) if series else last
        means = by_series.rolling(window, min_periods=1).mean()
        if series:  # a grouped rolling puts the keys in front of the row position
            means = means.reset_index(level=list(range(len(series))), drop=True).sort_index()
        made[f"{target}_mean_{window}"] = means
    taken = [name for name in made if name in (frame.columns if columns is None else columns)]
    if taken:
        raise ScriptError(
            f"the forecast's columns {taken} already exist in the data; rename them there"
        )
    return pd.concat([frame, pd.DataFrame(made)], axis=1), list(made), f"{target}_lag_1"


def naive_forecasts(target: str, forecast_cfg: dict[str, Any]) -> dict[str, LastValue]:
    """The baselines a forecast must beat, by what they predict: the last value, and the value
    one season back when the season is known."""
    last = f"{target}_lag_1"
    baselines = {"the last value": LastValue(last)}
    season = forecast_season(forecast_cfg)
    if season:
        baselines[f"the value {season} periods back"] = LastValue(f"{target}_lag_{season}", last)
    return baselines


class LastValue(RegressorMixin, BaseEstimator):
    """A naive forecast: the value in `column` (the previous one, or the one a season back);
    where it is missing, the value in `fallback` (the previous one), then the training mean."""

    def __init__(self, column: str = "", fallback: str = ""):
        self.column = column
        self.fallback = fallback

    def fit(self, X: pd.DataFrame, y: pd.Series) -> LastValue:
        self.fallback_ = float(np.nanmean(pd.to_numeric(y, errors="coerce")))
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        previous = pd.to_numeric(X[self.column], errors="coerce").to_numpy(dtype=float)
        if self.fallback:
            before = pd.to_numeric(X[self.fallback], errors="coerce").to_numpy(dtype=float)
            previous = np.where(np.isnan(previous), before, previous)
        return np.where(np.isnan(previous), self.fallback_, previous)


class ChangeFromLastValue(RegressorMixin, BaseEstimator):
    """A forecast as the last value plus a learnt change (data.forecast.predict: change).

    `estimator` (the pipeline) learns y - last value, and predict adds the last value back,
    so a trending series is not extrapolated from levels the model never saw. The other past
    values (`relative`) reach it as differences from the last value: the shape of the recent
    past. It takes and predicts what the pipeline would: the raw columns in, the level out.
    Rows without a last value (a series' first) are left out of fit; predicted: the mean.
    """

    def __init__(self, estimator=None, column: str = "", relative: tuple[str, ...] = ()):
        self.estimator = estimator
        self.column = column
        self.relative = relative

    def inputs(self, X: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        """The inputs as the pipeline gets them, and the last values."""
        last = pd.to_numeric(X[self.column], errors="coerce").to_numpy(dtype=float)
        X = X.copy()
        for name in self.relative:
            X[name] = pd.to_numeric(X[name], errors="coerce").to_numpy(dtype=float) - last
        return X, last

    def fit(self, X: pd.DataFrame, y: pd.Series) -> ChangeFromLastValue:
        inputs, last = self.inputs(X)
        y = pd.to_numeric(pd.Series(np.asarray(y)), errors="coerce").to_numpy(dtype=float)
        known = np.flatnonzero(~np.isnan(last))
        if len(known) == 0:
            raise ValueError("no row has a previous value to learn the change from")
        self.fallback_ = float(np.nanmean(y))
        self.estimator_ = clone(self.estimator).fit(inputs.iloc[known], y[known] - last[known])
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        inputs, last = self.inputs(X)
        return np.where(np.isnan(last), self.fallback_, last + self.estimator_.predict(inputs))


def predicts_change(forecast_cfg: dict[str, Any], task: str) -> bool:
    """data.forecast.predict, checked: True when the model learns the change (regression)."""
    predict = forecast_cfg.get("predict", "change")
    if predict not in ("change", "level"):
        raise ScriptError(f"data.forecast.predict {predict!r}: use change or level")
    return predict == "change" and task == "regression"
