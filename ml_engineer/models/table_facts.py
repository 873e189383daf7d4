"""`TableFacts`: what only the data can tell about how its rows are organised."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TableFacts:
    """Measured on the dataset (empty without it): which numeric columns hold whole numbers,
    whether an entity and the time columns together name one row, how far apart dates are."""

    integer_columns: set[str] = field(default_factory=set)
    unique_together: dict[tuple[str, ...], bool] = field(default_factory=dict)
    date_step_days: dict[str, float] = field(default_factory=dict)  # median gap between dates

    @property
    def measured(self) -> bool:
        return bool(self.integer_columns or self.unique_together or self.date_step_days)
