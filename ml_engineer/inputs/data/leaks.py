"""Leaks that no single column's association shows, measured on the training rows only.

The association screen (`association.py`) finds a column that alone predicts the target. These
find the target hidden in how columns relate to it:

- **a threshold or a binning of the target** (regression): a two-valued column that is 1
  exactly when the target passes a cut, or bands of the target (`income_bracket`);
- **a function of two inputs** (regression): the target is (almost) a sum, difference or mean
  of two columns (least squares on both, R² ≥ 0.995), or a product or ratio of them (the same on
  logarithms): `tsales = sales × ssize`, `testscr = (readscr + mathscr) / 2`;
- **two columns together** (classification): the classes are (almost) a function of the pair,
  cross-fitted as the association screen is: `answer` from the bounds `lower` and `upper`;
- **the chosen alternative's value** (classification): a column that, row by row, copies the
  column of the class chosen (`price` is `pboat` where `mode` is boat, `pbeach` where it is
  beach): recorded once the choice was made.

Each finding is one reason per column to exclude, with its figure, so the person approving
sees the measurement, not a rule's name. Which columns of a pair are excluded: both parts of a
sum or of a class-determining pair (each is a piece of the outcome); of a product or ratio, the
one that carries the target: the numerator of a ratio, else the one named like the target, else
the one more associated with it (`sales`, the sales per square metre, not the shop's size).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml_engineer.inputs.data.association import binned, cross_fitted_purity, folds, labels
from ml_engineer.inputs.data.series import SAMPLE_SEED, as_float, is_numeric
from ml_engineer.planning.names import tokens

EXACT = 0.995  # R², purity or separation at or above this is the target in disguise
MAX_PAIR_COLUMNS = 25  # the most associated numeric columns are tried in pairs (regression)
MAX_CLASS_PAIR_COLUMNS = 12  # ... and for classes, whose check groups rows (slower)
MAX_ROWS = 50_000  # pairs are fitted on a sample of the training rows this large
MAX_LEVELS = 20  # a column with at most this many values may be bands of the target
MAX_CHOICE_COLUMNS = 300  # wider tables are not screened for a chosen alternative's value
MAX_EXACT_VALUES = 50  # a numeric column with at most this many values is paired value by value


@dataclass
class Leak:
    column: str
    reason: str


def measure_leaks(
    rows: pd.DataFrame,
    target: str,
    kind: str,
    association: dict[str, float],
    target_words: set[str] | None = None,
) -> list[Leak]:
    """Leaks among `rows` (the training rows, target present), in the order found.
    `kind`: "classification" or "regression". `association`: the single-column screen's scores
    (they choose which columns are tried in pairs). `target_words`: the words of the target's
    name, to tell which side of a product carries it."""
    if len(rows) > MAX_ROWS:
        rows = rows.sample(n=MAX_ROWS, random_state=SAMPLE_SEED)
    found: list[Leak] = []
    if len(rows) < 10 or rows[target].nunique(dropna=True) < 2:
        return found
    if kind == "regression":
        y = as_float(rows[target])
        found += _bands_of_target(rows, target, y)
        found += _pairs_regression(rows, target, y, association, target_words or set())
    else:
        found += _chosen_values(rows, target)
        found += _pairs_classification(rows, target, association)
    seen: set[str] = set()
    return [leak for leak in found if not (leak.column in seen or seen.add(leak.column))]


# --- regression: thresholds and bands --------------------------------------------------------


def _bands_of_target(rows: pd.DataFrame, target: str, y: pd.Series) -> list[Leak]:
    """Columns of a few values that cut the target's range into bands: sorted by the target,
    the rows of each value sit in their own interval (at most 0.5% of rows out of place)."""
    found = []
    for name in rows.columns:
        if name == target or isinstance(rows[name], pd.DataFrame):
            continue
        values = rows[name]
        distinct = values.nunique(dropna=True)
        if not 2 <= distinct <= MAX_LEVELS:
            continue
        frame = pd.DataFrame({"v": values.astype("string"), "y": y}).dropna()
        sizes = frame["v"].value_counts()
        # A value held by a handful of rows sits in its own band by chance.
        if len(frame) < 30 or sizes.min() < max(5, 0.01 * len(frame)):
            continue
        stray, cuts = _out_of_band(frame)
        if stray / len(frame) <= 1 - EXACT:
            shown = ", ".join(f"{c:g}" for c in cuts[:3]) + (" ..." if len(cuts) > 3 else "")
            what = "a threshold" if distinct == 2 else f"{distinct} bands"
            found.append(Leak(str(name), (
                f"leakage suspect: {what} of the target: on the training rows its values split "
                f"`{target}` at {shown}, with {stray / len(frame):.1%} of rows out of place"
            )))  # fmt: skip
    return found


def _out_of_band(frame: pd.DataFrame) -> tuple[int, list[float]]:
    """Rows whose target lies outside their value's band (values ordered by median target),
    and the cut points between neighbouring bands."""
    medians = frame.groupby("v")["y"].median().sort_values()
    order = list(medians.index)
    stray, cuts = 0, []
    for low, high in itertools.pairwise(order):
        below = frame.loc[frame["v"] == low, "y"]
        above = frame.loc[frame["v"] == high, "y"]
        cut = (below.max() + above.min()) / 2
        cuts.append(float(cut))
        stray += int((below > above.min()).sum() + (above < below.max()).sum())
    return stray, cuts


# --- regression: a function of two inputs ----------------------------------------------------


def _pairs_regression(
    rows: pd.DataFrame,
    target: str,
    y: pd.Series,
    association: dict[str, float],
    target_words: set[str],
) -> list[Leak]:
    numeric = [
        str(c) for c in rows.columns
        if c != target and not isinstance(rows[c], pd.DataFrame) and is_numeric(rows[c])
        and rows[c].nunique(dropna=True) >= 3
    ]  # fmt: skip
    numeric = sorted(numeric, key=lambda c: -association.get(c, 0.0))[:MAX_PAIR_COLUMNS]
    values = {c: as_float(rows[c]) for c in numeric}
    found: list[Leak] = []
    done: set[str] = set()
    for a, b in itertools.combinations(numeric, 2):
        if a in done or b in done:
            continue
        x_a, x_b = values[a], values[b]
        linear = _fit(y, x_a, x_b)
        if linear and linear[0] >= EXACT and _alone(y, x_a) < EXACT and _alone(y, x_b) < EXACT:
            r2, coef_a, coef_b = linear
            formula = _linear_formula(target, a, b, coef_a, coef_b)
            for name in (a, b):
                found.append(Leak(name, (
                    f"leakage suspect: with `{b if name == a else a}` it gives the target: "
                    f"{formula} on the training rows (R² {r2:.3f})"
                )))  # fmt: skip
            done |= {a, b}
            continue
        logged = _fit_logs(y, x_a, x_b)
        if logged and logged[0] >= EXACT:
            r2, power_a, power_b = logged
            if min(abs(power_a), abs(power_b)) < 0.1:
                continue  # one of them barely counts: a single column's relation, not a pair's
            carrier = _carrier(a, b, power_a, power_b, association, target_words)
            other = b if carrier == a else a
            formula = _product_formula(target, a, b, power_a, power_b)
            found.append(Leak(carrier, (
                f"leakage suspect: with `{other}` it gives the target: {formula} on the "
                f"training rows (R² {r2:.3f} on logarithms); `{other}` is kept"
            )))  # fmt: skip
            done.add(carrier)
    return found


def _fit(y: pd.Series, a: pd.Series, b: pd.Series) -> tuple[float, float, float] | None:
    """(R², coefficient of a, coefficient of b) of least squares y ~ a + b + constant."""
    # Finite, not only present: an "inf" in a CSV reads as a float and stalls least squares.
    mask = np.isfinite(y.to_numpy()) & np.isfinite(a.to_numpy()) & np.isfinite(b.to_numpy())
    if mask.sum() < 10:
        return None
    target = y.to_numpy()[mask]
    design = np.column_stack([a.to_numpy()[mask], b.to_numpy()[mask], np.ones(mask.sum())])
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    residual = target - design @ coef
    spread = np.sum((target - target.mean()) ** 2)
    if spread == 0:
        return None
    return float(1 - np.sum(residual**2) / spread), float(coef[0]), float(coef[1])


def _alone(y: pd.Series, x: pd.Series) -> float:
    """R² of y on x alone (a line): the single-column case, left to the association screen."""
    mask = np.isfinite(y.to_numpy()) & np.isfinite(x.to_numpy())
    if mask.sum() < 3:
        return 0.0
    xs, ys = x.to_numpy()[mask], y.to_numpy()[mask]
    if np.std(xs) == 0 or np.std(ys) == 0:
        return 0.0
    return float(np.corrcoef(xs, ys)[0, 1] ** 2)


def _fit_logs(y: pd.Series, a: pd.Series, b: pd.Series) -> tuple[float, float, float] | None:
    """The same fit on logarithms, where all three are positive: products and ratios."""
    positive = (y > 0) & (a > 0) & (b > 0)
    if positive.sum() < max(10, 0.9 * y.notna().sum()):
        return None
    return _fit(np.log(y[positive]), np.log(a[positive]), np.log(b[positive]))


def _carrier(
    a: str,
    b: str,
    power_a: float,
    power_b: float,
    association: dict[str, float],
    target_words: set[str],
) -> str:
    """Which of a product's or ratio's two columns carries the target: a ratio's numerator
    (deaths in deaths / population); else the one named per unit (`price_per_sqft`); else the
    one named like the target (`sales` inside `tsales`); else the one more associated."""
    if power_a * power_b < 0:
        return a if power_a > 0 else b
    for pick in (_per_unit, lambda c: _named_like(c, target_words)):
        named = [c for c in (a, b) if pick(c)]
        if len(named) == 1:
            return named[0]
    return a if association.get(a, 0.0) >= association.get(b, 0.0) else b


_PER_UNIT = frozenset({"per", "pc", "avg", "mean", "rate", "ratio", "unit", "each", "psf", "sqm"})


def _per_unit(column: str) -> bool:
    return bool(_PER_UNIT & set(tokens(column)))


def _named_like(column: str, target_words: set[str]) -> bool:
    """The column's name inside the target's (`sales` in `tsales`), or a target word in it."""
    name = "".join(tokens(column))
    target = "".join(sorted(target_words))
    return (len(name) >= 3 and name in target) or any(
        len(w) >= 3 and w in name for w in target_words
    )


def _linear_formula(target, a, b, coef_a, coef_b) -> str:
    def near(value: float, wanted: float) -> bool:
        return abs(value - wanted) <= 0.02 * max(1.0, abs(wanted))

    if near(coef_a, 0.5) and near(coef_b, 0.5):
        return f"`{target}` = (`{a}` + `{b}`) / 2"
    if near(coef_a, 1) and near(coef_b, 1):
        return f"`{target}` = `{a}` + `{b}`"
    if near(coef_a, 1) and near(coef_b, -1):
        return f"`{target}` = `{a}` - `{b}`"
    if near(coef_a, -1) and near(coef_b, 1):
        return f"`{target}` = `{b}` - `{a}`"
    return (
        f"`{target}` ≈ {coef_a:.3g} × `{a}` {'+' if coef_b >= 0 else '-'} {abs(coef_b):.3g} × `{b}`"
    )


def _product_formula(target: str, a: str, b: str, power_a: float, power_b: float) -> str:
    def term(name: str, power: float) -> str:
        return f"`{name}`" if abs(abs(power) - 1) < 0.02 else f"`{name}`^{abs(power):.2g}"

    if power_a > 0 and power_b > 0:
        return f"`{target}` ≈ {term(a, power_a)} × {term(b, power_b)}"
    top, bottom = (a, b) if power_a > 0 else (b, a)
    powers = (power_a, power_b) if power_a > 0 else (power_b, power_a)
    return f"`{target}` ≈ {term(top, powers[0])} / {term(bottom, powers[1])}"


# --- classification: two columns together ----------------------------------------------------


def _pairs_classification(
    rows: pd.DataFrame, target: str, association: dict[str, float]
) -> list[Leak]:
    # A column that alone gives the class is the association screen's; paired with it, any
    # other column would look like half of a leak.
    columns = [
        str(c) for c in rows.columns
        if c != target and not isinstance(rows[c], pd.DataFrame)
        and 0 < association.get(str(c), 0.0) < EXACT
    ]  # fmt: skip
    columns = sorted(columns, key=lambda c: -association.get(c, 0.0))[:MAX_CLASS_PAIR_COLUMNS]
    y = labels(rows[target])
    fold = folds(len(rows))
    groups = {c: _groups(rows[c]) for c in columns}
    found: list[Leak] = []
    done: set[str] = set()
    for a, b in itertools.combinations(columns, 2):
        if a in done or b in done:
            continue
        joint = labels(groups[a].astype(str) + "|" + groups[b].astype(str))
        purity = cross_fitted_purity(joint, y, fold)
        if purity >= EXACT:
            for name in (a, b):
                found.append(Leak(name, (
                    f"leakage suspect: together with `{b if name == a else a}` it tells the "
                    f"class of `{target}` almost perfectly on the training rows (cross-fitted "
                    f"purity {purity:.3f}; alone {association.get(name, 0.0):.3f})"
                )))  # fmt: skip
            done |= {a, b}
    return found


def _chosen_values(rows: pd.DataFrame, target: str) -> list[Leak]:
    """Columns equal, in the rows of each class, to another column there, and to different
    columns in different classes: the value of the alternative chosen, known only once it was
    chosen. (One column copied in every class is a duplicate, not this.)"""
    y = rows[target].astype("string")
    classes = [c for c in y.dropna().unique() if (y == c).sum() >= 5]
    if not 2 <= len(classes) <= MAX_LEVELS:
        return []
    numeric = {
        str(c): np.round(as_float(rows[c]).to_numpy(), 9)
        for c in rows.columns
        if c != target and not isinstance(rows[c], pd.DataFrame) and is_numeric(rows[c])
    }
    if len(numeric) > MAX_CHOICE_COLUMNS:
        return []  # choice tables are narrow: a price and a catch per alternative
    # Per class, the columns grouped by their exact values there: one pass over the columns
    # (a wide table is hashed, never compared pair by pair).
    twins: dict[str, dict[str, list[str]]] = {}
    for label in classes:
        mask = (y == label).fillna(False).to_numpy()
        by_values: dict[bytes, list[str]] = {}
        for name, values in numeric.items():
            by_values.setdefault(values[mask].tobytes(), []).append(name)
        twins[str(label)] = {n: group for group in by_values.values() for n in group}
    found: list[Leak] = []
    for name in numeric:
        everywhere = set.intersection(*(set(twins[label][name]) for label in twins))
        copies = {label: [c for c in twins[label][name] if c not in everywhere] for label in twins}
        if not all(copies.values()):
            continue
        distinct = {tuple(found_in) for found_in in copies.values()}
        if len(distinct) < 2:
            continue  # the same twin in every class: a duplicate column
        shown = ", ".join(f"`{cols[0]}` where it is {label!r}" for label, cols in copies.items())
        found.append(Leak(name, (
            f"leakage suspect: on the training rows it copies the column of the class chosen "
            f"({shown}): the chosen alternative's value, known only after the choice"
        )))  # fmt: skip
    return found


def _groups(values: pd.Series) -> pd.Series:
    """Values as groups: themselves when there are few (bounds set by an answer are exact
    values), quantile bins of a measurement."""
    if is_numeric(values) and values.nunique(dropna=True) > MAX_EXACT_VALUES:
        return binned(values)
    return labels(values)
