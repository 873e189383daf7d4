"""What the rows are: keys that name one row, entities that repeat, and the time that orders them.

A senior engineer asks this before anything else, because it decides the split and which
columns may never be inputs:

- a **key** names one row (`customer_id`, a unique district code, a school's name): never an
  input, it only lets a model memorise rows;
- an **entity** repeats across rows (a state in a state-by-year panel, a commune in a survey of
  its villagers, a family's interview number): never an input, and the split keeps each one in
  one part, so the test score is about entities the model has not seen;
- a **time axis** orders the rows: a date, a year with a quarter or month beside it, a period
  counter. A goal about the future is split by it; so is a single series, whose neighbouring
  rows would otherwise leak into each other.

Each is read from the profile (names, counts, ranges) and, when the data is there, checked on
it (`TableFacts`): that a code is a whole number, that an entity and a period together name one
row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ml_engineer.models import ColumnKind, ColumnProfile, DataProfile
from ml_engineer.models.profile import ABSENT_FROM_DATA
from ml_engineer.models.table_facts import TableFacts
from ml_engineer.planning.names import tokens
from ml_engineer.planning.time_axis import TimeAxis, time_axis, whole_numbers

MIN_GROUPS = 20  # fewer entities than this cannot fill a grouped split's parts
MANY_CODES = 100  # a place's numeric code with this many values names clusters, not a category
ROW_SHARE_UNIQUE = 0.99  # this share of distinct values names a row

# Whole-word names of places, and of other things that recur across rows.
PLACE_WORDS = frozenset(
    """
    state states county counties country countries district districts commune communes
    municipality city cities town towns village province prefecture canton ward region regions
    zip zipcode postcode fips
    """.split()
)
ENTITY_WORDS = PLACE_WORDS | frozenset(
    """
    firm firms company companies business school schools hospital clinic store stores shop
    shops branch plant factory household households hh family fam person individual patient
    subject customer client member user account team player class classroom
    """.split()
)
# Words that may follow an entity's name in a code's name: `county_fips`, `firm_code`.
_ENTITY_TAGS = frozenset({"code", "cod", "fips", "num", "no", "nr", "id", "key", "idx", "number"})
# One letter and "id": household, person, customer, user, store, individual, firm, trip.
_LETTER_IDS = frozenset({"hid", "pid", "cid", "uid", "sid", "iid", "fid", "tid", "hhid"})
# Glued endings that make a name a code: `persnum`, `intnum`, `distcod`, `schid`, `hhno`.
_CODE_ENDINGS = ("id", "num", "no", "nr", "code", "cod", "key", "idx")
# `id`, `key` as a name's first or last word: `customer_id`, `id_card`; not `body_mass_index`.
ID_WORDS = frozenset({"id", "ids", "uuid", "guid", "key", "pk", "identifier", "idx", "rownum"})
_NAME_WORDS = frozenset({"name", "names", "title", "surname", "firstname", "lastname", "fullname"})
# Parts of a stem before a glued `id` that name an entity: `schid`, `custid`, `hhid`.
_ID_PREFIXES = (
    "sch", "cust", "hh", "pers", "user", "emp", "prod", "ord", "acct", "pat", "fam", "dist",
    "firm", "store", "item", "case", "resp", "int", "obs", "row", "rec", "doc", "seq", "ser",
    "ref", "ticket", "claim", "loan", "pol", "inv", "txn", "acc", "app",
)  # fmt: skip


@dataclass
class TableStructure:
    keys: dict[str, str] = field(default_factory=dict)  # column -> why it names one row
    entities: dict[str, str] = field(default_factory=dict)  # column -> why it is an entity
    codes: dict[str, str] = field(default_factory=dict)  # numbers that are categories -> why
    time: TimeAxis | None = None
    panel_entity: str | None = None  # the entity that, with the time, names one row
    single_series: bool = False  # one row per time: the rows are one series

    @property
    def panel(self) -> bool:
        return self.panel_entity is not None

    @property
    def group(self) -> str | None:
        """The entity to keep whole in one part: a panel's entity, else the finest entity
        (the one with the most values)."""
        return self.panel_entity or next(iter(self.entities), None)


def read_structure(
    profile: DataProfile,
    *,
    target: str | None = None,
    key_columns: list[str] | None = None,
    facts: TableFacts | None = None,
) -> TableStructure:
    """Keys, entities and the time axis of `profile`'s table, the target left out."""
    facts = facts or TableFacts()
    rows = profile.row_count
    columns = [c for c in profile.columns if c.name != target and ABSENT_FROM_DATA not in c.flags]
    structure = TableStructure()
    structure.time = time_axis(columns, rows, facts)
    timed = set(structure.time.columns) if structure.time else set()
    entities: list[tuple[int, str, str]] = []
    for col in columns:
        if col.name in timed or col.kind == ColumnKind.datetime:
            continue
        declared = col.name in (key_columns or [])
        why = key_reason(col, rows, facts, declared=declared)
        if why:
            structure.keys[col.name] = why
            continue
        why = entity_reason(col, rows, facts, structure.time, declared=declared)
        if why:
            entities.append((col.unique_count or 0, col.name, why))
        elif why := place_code_reason(col, facts):
            structure.codes[col.name] = why
    # The finest entity first: a family within a commune is the unit that repeats.
    for _, name, why in sorted(entities, reverse=True):
        structure.entities[name] = why
    if structure.time:
        structure.panel_entity = next(
            (
                name
                for name in structure.entities
                if _names_one_row(name, structure.time, columns, rows, facts)
            ),
            None,
        )
        distinct = structure.time.distinct
        structure.single_series = bool(
            rows and distinct and not structure.entities and distinct >= 0.9 * rows
        )
    return structure


def key_reason(
    col: ColumnProfile, rows: int | None, facts: TableFacts, *, declared: bool = False
) -> str | None:
    """Why `col` names one row (an identifier, never an input), or None."""
    words = tokens(col.name)
    ratio = _ratio(col.unique_count, rows)
    unique = ratio is not None and ratio >= ROW_SHARE_UNIQUE
    if col.kind == ColumnKind.datetime:
        return None  # a date unique per row is still a date
    if col.kind == ColumnKind.id:
        return "identifier: the profile types it as an ID"
    # A declared key is never an input; one that repeats is grouped on when it has enough
    # values to fill a grouped split's parts (`entity_reason`).
    if declared and (unique or ratio is None or (col.unique_count or 0) < MIN_GROUPS):
        return "identifier: the analyst marks it as a key column"
    if words and {words[0], words[-1]} & ID_WORDS and (ratio is None or ratio >= 0.05):
        if unique or ratio is None or (col.unique_count or 0) < MIN_GROUPS:
            return "identifier: its name marks it as an ID"
    if {"likely_id", "unique"} & set(col.flags) and col.kind != ColumnKind.numeric:
        return "identifier: the profile flags it as unique per row"
    if set(words) & _NAME_WORDS and col.kind in (ColumnKind.categorical, ColumnKind.text):
        if ratio is not None and ratio >= 0.9 and (col.unique_count or 0) > 30:
            return f"identifier: a name or title, {ratio:.0%} of values distinct"
    code = _code_name(col.name)
    if code and unique:
        return f"identifier: a code unique per row (its name ends in '{code}')"
    if unique and whole_numbers(col, facts) and _contiguous(col):
        return (
            "identifier: whole numbers unique per row, filling a run of consecutive values "
            f"({_span(col)}), as a row number or code does"
        )
    return None


def entity_reason(
    col: ColumnProfile,
    rows: int | None,
    facts: TableFacts,
    time: TimeAxis | None,
    *,
    declared: bool = False,
) -> str | None:
    """Why `col` names an entity that recurs across rows (grouped on, never an input)."""
    count = col.unique_count
    if not count or not rows or count >= rows * ROW_SHARE_UNIQUE or count < 2:
        return None
    if col.kind not in (ColumnKind.numeric, ColumnKind.categorical, ColumnKind.text):
        return None
    if col.kind == ColumnKind.numeric and not whole_numbers(col, facts):
        return None
    # A panel's entity names one row with the time, however few entities there are.
    if time is not None and _names_one_row(col.name, time, [col], rows, facts):
        return (
            f"entity of a panel: `{col.name}` and {time.describe()} together name one row "
            f"({count} entities x {time.distinct} times)"
        )
    if count < MIN_GROUPS:
        return None  # too few to group by: an ordinary category
    per = rows / count
    words = tokens(col.name)
    repeats = f"{count} values repeat over {rows:,} rows ({per:.1f} rows each)"
    if declared:
        return f"entity: the analyst marks it as a key; {repeats}"
    # A numeric code for hundreds of places or organisations (`commune` = 192) names clusters
    # of alike rows; a few dozen (`state`) is a category a model learns from (`place_code`), and
    # a name in words (`city` = "Leeds") describes the row as a category too.
    if _entity_word(col.name) and col.kind == ColumnKind.numeric and count >= MANY_CODES:
        return f"entity: a numeric code whose {repeats}; rows of one {col.name!r} are alike"
    if words and {words[0], words[-1]} & ID_WORDS:
        return f"entity: an ID whose {repeats}"
    code = _code_name(col.name)
    if code and whole_numbers(col, facts):
        return f"entity: a code (its name ends in '{code}') whose {repeats}"
    # A person's or an organisation's name repeats for its rows (`customer_name`); a place's
    # name (`city_name`) describes where the row is, as a category.
    textual = col.kind in (ColumnKind.categorical, ColumnKind.text)
    if set(words) & _NAME_WORDS and textual and not set(words) & PLACE_WORDS:
        return f"entity: a name shared by {per:.1f} rows on average ({count} names)"
    return None


def place_code_reason(col: ColumnProfile, facts: TableFacts) -> str | None:
    """Why a numeric column is a code for a place or an organisation (`state` = 6 for
    California): a category, never a magnitude."""
    if col.kind != ColumnKind.numeric or not whole_numbers(col, facts):
        return None
    count = col.unique_count or 0
    entity = _entity_word(col.name)
    if count < 3 or not entity:
        return None
    return f"a numeric code for a {entity} ({count} values), not a magnitude"


def _entity_word(name: str) -> str | None:
    """The place or organisation a name is when it is nothing else (`state`, `county_fips`,
    `firm_code`); never a measure of one (`household_income`, `account_balance`)."""
    words = tokens(name)
    found = [w for w in words if w in ENTITY_WORDS]
    if found and all(w in ENTITY_WORDS or w in _ENTITY_TAGS or w.isdigit() for w in words):
        return found[-1]
    return None


def candidate_pairs(profile: DataProfile, target: str | None = None) -> list[tuple[str, ...]]:
    """(entity, time columns...) combinations whose counts could make a panel: the data is asked
    whether each names one row."""
    columns = [c for c in profile.columns if c.name != target and ABSENT_FROM_DATA not in c.flags]
    axis = time_axis(columns, profile.row_count, TableFacts())
    if axis is None or not profile.row_count or not axis.distinct:
        return []
    pairs = []
    for col in columns:
        if col.name in axis.columns or not col.unique_count or col.unique_count < 2:
            continue
        if abs(col.unique_count * axis.distinct - profile.row_count) <= 0.1 * profile.row_count:
            pairs.append((col.name, *axis.columns))
    return pairs


# --- helpers ----------------------------------------------------------------------------------


def _names_one_row(
    name: str, time: TimeAxis, columns: list[ColumnProfile], rows: int | None, facts: TableFacts
) -> bool:
    key = (name, *time.columns)
    if key in facts.unique_together:
        return facts.unique_together[key]
    col = next((c for c in columns if c.name == name), None)
    count = col.unique_count if col else None
    if not rows or not count or not time.distinct or count < 2:
        return False
    return abs(count * time.distinct - rows) <= 0.05 * rows


def _code_name(name: str) -> str | None:
    """The code ending of a glued name (`persnum` -> 'num'), when the rest names a thing."""
    words = tokens(name)
    if not words:
        return None
    last = words[-1]
    if len(words) > 1 and last in {"num", "no", "nr", "code", "cod", "idx"}:
        return last
    if last in _LETTER_IDS:
        return "id"  # `hid`, `pid`: a household's, a person's ID
    for ending in _CODE_ENDINGS:
        # `schid`, and `schidkn` (a school's ID, in kindergarten): a short tag may follow.
        for tag in range(3):
            body = last[: len(last) - tag] if tag else last
            stem = body[: -len(ending)]
            if not body.endswith(ending) or len(stem) < 2 or not stem.isalpha():
                continue
            entity = stem.startswith(_ID_PREFIXES) or stem in ENTITY_WORDS
            if (ending in ("id", "no", "key") or tag) and not entity:
                continue  # `paid`, `valid`, `casino`, `turkey`
            return ending
    return None


def _ratio(count: int | None, rows: int | None) -> float | None:
    return None if count is None or not rows else count / rows


def _contiguous(col: ColumnProfile) -> bool:
    if not col.stats or col.stats.min is None or col.stats.max is None or not col.unique_count:
        return False
    return col.stats.max - col.stats.min + 1 <= 1.1 * col.unique_count


def _span(col: ColumnProfile) -> str:
    low, high = col.stats.min, col.stats.max  # type: ignore[union-attr]
    return f"{low:g} to {high:g}"
