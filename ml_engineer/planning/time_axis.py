"""Time axes: the columns that order the rows in time, and what a season is for them.

A date (its spacing gives the season: 7 days a week, about 30 a month); a year with a quarter,
month or week beside it (4, 12, 52); a year alone; or a period counter that steps evenly
(`time` = 1, 2, ..., 150; a decimal year 1949.0, 1949.083, ... steps by months). A duration
called `time` is not one: its values do not step evenly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ml_engineer.models import ColumnKind, ColumnProfile
from ml_engineer.models.table_facts import TableFacts
from ml_engineer.planning.names import tokens

YEAR_WORDS = frozenset({"year", "yr", "yyyy"})  # not "years", "yrs": a duration
PART_SEASONS = {"quarter": 4, "qtr": 4, "q": 4, "month": 12, "mon": 12, "mo": 12, "week": 52,
                "wk": 52, "weekofyear": 52}  # fmt: skip
_PART_RANGES = {4: (1, 4), 12: (1, 12), 52: (1, 53)}
# A column named only this, stepping evenly, counts periods (`time` = 1, 2, ..., 150).
COUNTER_WORDS = frozenset({"time", "period", "t", "step", "date"})
_MONTH_NAMES = re.compile(r"^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.I)


@dataclass
class TimeAxis:
    """The columns that order the rows in time, coarsest first, and what a season is."""

    column: str
    parts: list[str] = field(default_factory=list)  # finer columns: a quarter after a year
    season: int | None = None  # periods per season: 4 quarters, 12 months, 52 weeks, 7 days
    unit: str = "period"  # "date", "year", "year and quarter", "period counter", ...
    distinct: int | None = None  # how many distinct times the rows hold

    @property
    def columns(self) -> list[str]:
        return [self.column, *self.parts]

    def named(self) -> str:
        """`year` + `quarter`"""
        return " + ".join(f"`{c}`" for c in self.columns)

    def describe(self) -> str:
        return f"{self.named()} ({self.unit})"


def time_axis(columns: list[ColumnProfile], rows: int | None, facts: TableFacts) -> TimeAxis | None:
    """The columns that order the rows in time: a date; a year with a finer part; a year; a
    period counter. None when nothing reads as time."""
    dates = [c for c in columns if c.kind == ColumnKind.datetime]
    if dates:
        preferred = [c for c in dates if set(tokens(c.name)) & {"date", "time", "period", "day"}]
        chosen = (preferred or dates)[0]
        step = facts.date_step_days.get(chosen.name)
        return TimeAxis(
            column=chosen.name, season=_season_of_step(step), unit=_unit_of_step(step),
            distinct=chosen.unique_count,
        )  # fmt: skip
    years = [c for c in columns if _is_year(c, facts)]
    parts = [(season, c) for c in columns for season in [_part_season(c)] if season]
    if years:
        year = years[0]
        if parts:
            season, part = max(parts, key=lambda sp: sp[0])  # the finest part
            unit = {4: "year and quarter", 12: "year and month", 52: "year and week"}[season]
            distinct = _product(year.unique_count, part.unique_count, rows)
            return TimeAxis(year.name, [part.name], season, unit, distinct)
        return TimeAxis(year.name, unit="year", distinct=year.unique_count)
    for col in columns:
        words = tokens(col.name)
        if (
            words
            and words[-1] in COUNTER_WORDS
            and col.kind == ColumnKind.numeric
            and (_is_counter(col, rows))
        ):
            step = _decimal_year_step(col)
            if step:
                return TimeAxis(col.name, season=step, unit=_DECIMAL_UNITS[step],
                                distinct=col.unique_count)  # fmt: skip
            return TimeAxis(col.name, unit="period counter", distinct=col.unique_count)
    return None


def whole_numbers(col: ColumnProfile, facts: TableFacts) -> bool:
    """Whether a numeric column holds whole numbers: measured on the data when it was read,
    else read from the profile's range and values."""
    if col.kind != ColumnKind.numeric:
        return True
    if facts.integer_columns or facts.measured:
        return col.name in facts.integer_columns
    values = [col.stats.min, col.stats.max] if col.stats else []
    values += _numbers(col.sample_values) + _numbers(tv.value for tv in col.top_values)
    return bool(values) and all(v is not None and float(v).is_integer() for v in values)


def _numbers(values) -> list[float]:
    out = []
    for value in values:
        try:
            out.append(float(value))
        except (TypeError, ValueError):
            continue
    return out


def _is_year(col: ColumnProfile, facts: TableFacts) -> bool:
    words = tokens(col.name)
    named = bool(set(words) & YEAR_WORDS) or (words and words[-1].endswith("year"))
    if "per" in words or any(w.startswith("per") and w.endswith("year") for w in words):
        return False  # `visits_per_year`, `trips_peryear`: a rate, not a date
    if not named or col.kind != ColumnKind.numeric or not whole_numbers(col, facts):
        return False
    low, high = (col.stats.min, col.stats.max) if col.stats else (None, None)
    if low is None or high is None:
        return True
    four_digits = 1800 <= low and high <= 2200
    two_digits = 0 <= low and high <= 99 and (col.unique_count or 0) >= 2
    return four_digits or two_digits


def _part_season(col: ColumnProfile) -> int | None:
    words = set(tokens(col.name))
    season = next((PART_SEASONS[w] for w in words if w in PART_SEASONS), None)
    if season is None:
        return None
    if col.kind == ColumnKind.numeric and col.stats and col.stats.min is not None:
        low, high = _PART_RANGES[season]
        if col.stats.min < low - 1 or (col.stats.max or 0) > high:
            return None
        return season
    values = [tv.value for tv in col.top_values]
    if season == 12 and values and all(_MONTH_NAMES.match(v) for v in values):
        return season
    if season == 4 and values and all(re.fullmatch(r"[Qq]?[1-4]", v.strip()) for v in values):
        return season
    return None


def _is_counter(col: ColumnProfile, rows: int | None) -> bool:
    """A numeric column that counts periods in even steps (1, 2, 3, ...; or a decimal year),
    not a duration that happens to be called `time`: its values are spread evenly."""
    stats, count = col.stats, col.unique_count
    if not count or count < 3 or not stats or stats.min is None or stats.max is None:
        return False
    step = (stats.max - stats.min) / (count - 1)
    return abs(step - 1) < 0.05 or _decimal_year_step(col) is not None


_DECIMAL_UNITS = {12: "month, as a decimal year", 4: "quarter, as a decimal year"}


def _decimal_year_step(col: ColumnProfile) -> int | None:
    """12 or 4 when the column is a decimal year (1949.0, 1949.083, ...) stepping by months or
    quarters; else None."""
    stats = col.stats
    if not stats or stats.min is None or stats.max is None or not col.unique_count:
        return None
    if not (1800 <= stats.min and stats.max <= 2200) or col.unique_count < 3:
        return None
    step = (stats.max - stats.min) / (col.unique_count - 1)
    for season in (12, 4):
        if abs(step * season - 1) < 0.05:
            return season
    return None


def _season_of_step(days: float | None) -> int | None:
    if days is None:
        return None
    for low, high, season in ((0.9, 1.1, 7), (6.5, 7.5, 52), (27, 32, 12), (88, 93, 4)):
        if low <= days <= high:
            return season
    return None


def _unit_of_step(days: float | None) -> str:
    names = {7: "daily dates", 52: "weekly dates", 12: "monthly dates", 4: "quarterly dates"}
    return names.get(_season_of_step(days) or 0, "dates")


def _product(a: int | None, b: int | None, rows: int | None) -> int | None:
    if not a or not b:
        return None
    return min(a * b, rows) if rows else a * b
