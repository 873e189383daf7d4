"""The EDA pictures of `ml-engineer profile`: which are drawn, that each is a whole PNG, and that
no column name, value or broken profile entry can crash them or leave a half-written file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from matplotlib.image import imread

from ml_engineer.profiler.charts import Chart, write_charts

TABLE = '"profiled"'
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ALL = {
    "eda-missingness.png",
    "eda-target.png",
    "eda-target-vs-features.png",
    "eda-correlations.png",
}
HOSTILE_NAMES = [
    "$\\frac{a}{b}$",
    '"; DROP TABLE x; --',
    "n" * 5000,
    "two\nlines",
    "\u202eright-to-left\u200f $x^{$",
]


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def profile_of(
    con: duckdb.DuckDBPyConnection,
    types: dict[str, str],
    target: str | None = None,
    associations: dict[str, tuple[str, float]] | None = None,
    correlations: list[str] | None = None,
) -> dict:
    """A profile dict as the profiler writes it, its facts computed from the test table."""
    rows = con.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]
    columns = []
    for name, inferred in types.items():
        col = ident(name)
        missing, unique = con.execute(
            f"SELECT count(*) - count({col}), count(DISTINCT {col}) FROM {TABLE}"
        ).fetchone()
        entry = {
            "name": name,
            "inferred_type": inferred,
            "missing_count": missing,
            "missing_pct": 100.0 * missing / rows,
            "unique_count": unique,
        }
        if inferred == "numeric":
            low, high, mean, q = con.execute(
                f"SELECT min({col}), max({col}), avg({col}), "
                f"quantile_cont({col}, [0.25, 0.5, 0.75]) FROM {TABLE}"
            ).fetchone()
            entry["stats"] = {
                "min": low,
                "max": high,
                "mean": mean,
                "q25": q[0],
                "q50": q[1],
                "q75": q[2],
            }
        else:
            top = con.execute(
                f"SELECT {col}, count(*) AS n FROM {TABLE} WHERE {col} IS NOT NULL "
                "GROUP BY 1 ORDER BY n DESC LIMIT 5"
            ).fetchall()
            entry["top_values"] = [{"value": v, "count": n} for v, n in top]
        if associations and name in associations:
            measure, value = associations[name]
            entry["target_association"] = {"measure": measure, "value": value}
        columns.append(entry)
    profile = {
        "overview": {"row_count": rows, "column_count": len(types), "target": target},
        "columns": columns,
        "quality_flags": [],
    }
    if correlations:
        n = len(correlations)
        matrix = [[1.0 if i == j else 0.5 - 0.3 * (i + j) / n for j in range(n)] for i in range(n)]
        profile["correlations"] = {"method": "pearson", "columns": correlations, "matrix": matrix}
    return profile


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def churn_table(con: duckdb.DuckDBPyConnection, rows: int = 3000) -> None:
    """Ages, a tenure with gaps, a reason with gaps, a flag, a yes/no label and a price."""
    con.execute(
        f"""CREATE TABLE {TABLE} AS SELECT
            i AS id,
            20 + (i * 7) % 42 AS age,
            CASE WHEN i % 17 = 0 THEN NULL ELSE ((i * 37) % 1000) / 10.0 END AS tenure,
            CASE WHEN i % 50 = 0 THEN NULL
                 ELSE ['slack_work', 'abolished', 'other', 'seasonal'][(i % 4 + 1)::BIGINT]
            END AS reason,
            i % 3 = 0 AS married,
            CASE WHEN (i * 13) % 10 < 6 THEN 'yes' ELSE 'no' END AS ui,
            ((i * 53) % 10000) / 100.0 + CASE WHEN (i * 13) % 10 < 6 THEN 20 ELSE 0 END AS price
        FROM range({rows}) t(i)"""
    )


CHURN_TYPES = {
    "id": "id",
    "age": "numeric",
    "tenure": "numeric",
    "reason": "categorical",
    "married": "boolean",
    "ui": "categorical",
    "price": "numeric",
}
CHURN_ASSOCIATIONS = {
    "id": ("pearson", 0.9),  # an id is never pictured, however strong
    "age": ("pearson", -0.12),
    "tenure": ("correlation_ratio", 0.3),
    "reason": ("cramers_v", 0.08),
    "married": ("cramers_v", 0.5),
    "price": ("correlation_ratio", 0.7),
}


def assert_pictures(out: Path, charts: list[Chart], expected: set[str]) -> None:
    """Exactly the expected pictures, each a whole PNG, listed once, nothing temporary left."""
    assert [c.file for c in charts] == [f for f in ALL_IN_ORDER if f in expected]
    assert {p.name for p in out.iterdir()} == expected
    for chart in charts:
        path = out / chart.file
        assert path.read_bytes()[:8] == PNG_MAGIC
        height, width = imread(path).shape[:2]
        assert 150 <= width <= 1300 and 150 <= height <= 1300
        assert chart.title and chart.alt.endswith(".")
        assert "\n" not in chart.title + chart.alt  # one line each, for the report
        assert len(chart.title) < 200 and len(chart.alt) < 1000


ALL_IN_ORDER = [
    "eda-missingness.png",
    "eda-target.png",
    "eda-target-vs-features.png",
    "eda-correlations.png",
]


@pytest.fixture(scope="module")
def churn_run(tmp_path_factory):
    """The churn table with a yes/no target, drawn once: (connection, profile, folder, charts)."""
    connection = duckdb.connect()
    churn_table(connection)
    profile = profile_of(
        connection, CHURN_TYPES, "ui", CHURN_ASSOCIATIONS, ["age", "tenure", "price"]
    )
    out = tmp_path_factory.mktemp("churn")
    yield connection, profile, out, write_charts(connection, TABLE, profile, out)
    connection.close()


def test_a_categorical_target_gets_all_four_pictures(churn_run):
    _, _, out, charts = churn_run

    assert_pictures(out, charts, ALL)
    by_file = {c.file: c for c in charts}
    # The key figures are in the alt text: the worst column, the class shares, the panels.
    assert "tenure (5.9% of rows)" in by_file["eda-missingness.png"].alt
    assert "yes 1,800 rows (60.0%)" in by_file["eda-target.png"].alt
    panels = by_file["eda-target-vs-features.png"].alt
    assert panels.startswith("5 panels")
    assert "id ·" not in panels  # an id column is never pictured
    assert panels.index("price") < panels.index("married") < panels.index("reason")


def test_a_numeric_target_gets_a_histogram(con, tmp_path):
    churn_table(con)
    profile = profile_of(con, CHURN_TYPES, "price", CHURN_ASSOCIATIONS)

    charts = write_charts(con, TABLE, profile, tmp_path)

    assert_pictures(tmp_path, charts, ALL - {"eda-correlations.png"})
    target = next(c for c in charts if c.file == "eda-target.png")
    assert target.alt.startswith("Histogram of the target price in 40 bins from ")
    assert "the median is 61.6" in target.alt


def test_a_few_integer_values_get_one_bar_each(con, tmp_path):
    con.execute(f"CREATE TABLE {TABLE} AS SELECT 1 + i % 10 AS rating FROM range(500) t(i)")
    profile = profile_of(con, {"rating": "numeric"}, "rating")

    charts = write_charts(con, TABLE, profile, tmp_path)

    assert [c.file for c in charts] == ["eda-target.png"]
    assert "in 10 bins from 1 to 10" in charts[0].alt


def test_many_classes_are_counted_in_duckdb_when_the_profile_lists_a_few(con, tmp_path):
    con.execute(f"CREATE TABLE {TABLE} AS SELECT 'class ' || (i % 25) AS y FROM range(1000) t(i)")
    profile = profile_of(con, {"y": "categorical"}, "y")  # top_values: the five largest

    charts = write_charts(con, TABLE, profile, tmp_path)

    assert [c.file for c in charts] == ["eda-target.png"]
    assert charts[0].alt.startswith("Bar chart of the 25 classes of the target y: class 0 40 rows")
    assert charts[0].alt.endswith(", and 22 more.")


def test_nothing_missing_means_no_missingness_picture(con, tmp_path):
    con.execute(f"CREATE TABLE {TABLE} AS SELECT i AS x, i % 3 AS y FROM range(200) t(i)")
    profile = profile_of(con, {"x": "numeric", "y": "categorical"}, "y", {"x": ("pearson", 0.4)})

    charts = write_charts(con, TABLE, profile, tmp_path)

    assert_pictures(tmp_path, charts, {"eda-target.png", "eda-target-vs-features.png"})


def test_no_target_means_no_target_pictures(con, tmp_path):
    churn_table(con)
    profile = profile_of(con, CHURN_TYPES, None, CHURN_ASSOCIATIONS, ["age", "price"])

    charts = write_charts(con, TABLE, profile, tmp_path)

    assert_pictures(tmp_path, charts, {"eda-missingness.png", "eda-correlations.png"})


def test_fewer_than_two_correlated_columns_means_no_heat_map(con, tmp_path):
    con.execute(f"CREATE TABLE {TABLE} AS SELECT i AS x FROM range(50) t(i)")
    profile = profile_of(con, {"x": "numeric"}, correlations=["x"])

    assert write_charts(con, TABLE, profile, tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_hostile_names_and_values_are_drawn_as_text(con, tmp_path):
    """Mathtext, SQL, a 5,000-character name, line breaks, bidi marks: all four pictures."""
    con.execute("CREATE TABLE x AS SELECT 1 AS canary")
    f1, f2, f3, f4, target = HOSTILE_NAMES
    con.execute(
        f"""CREATE TABLE {TABLE} AS SELECT
            CASE WHEN i % 9 = 0 THEN NULL ELSE i % 37 END AS {ident(f1)},
            ['$\\frac{{1}}{{0}}$', 'it''s"; DROP TABLE x; --', repeat('v', 3000),
             e'line\\nbreak', '$x^{{$'][(i % 5 + 1)::BIGINT] AS {ident(f2)},
            i % 2 = 0 AS {ident(f3)},
            (i * 7) % 100 / 3.0 AS {ident(f4)},
            CASE WHEN i % 11 = 0 THEN NULL
                 ELSE ['$a$', '\\', '\u202egnp.exe'][(i % 3 + 1)::BIGINT] END AS {ident(target)}
        FROM range(600) t(i)"""
    )
    types = {f1: "numeric", f2: "categorical", f3: "boolean", f4: "numeric", target: "categorical"}
    associations = {f1: ("pearson", 0.3), f2: ("cramers_v", 0.2), f3: ("cramers_v", 0.1)}
    associations[f4] = ("correlation_ratio", 0.05)
    profile = profile_of(con, types, target, associations, [f1, f4, "$\\$"])

    charts = write_charts(con, TABLE, profile, tmp_path)

    assert_pictures(tmp_path, charts, ALL)
    assert "4 panels" in charts[2].alt
    assert con.execute("SELECT canary FROM x").fetchall() == [(1,)]
    # Names are shortened and cleaned in the report's text as on the pictures.
    alt = " ".join(c.alt + c.title for c in charts)
    assert "n" * 30 not in alt and "\u202e" not in alt and "\u200f" not in alt
    assert "n" * 28 + "…" in alt


def test_a_hostile_numeric_target_gets_a_histogram(con, tmp_path):
    name = HOSTILE_NAMES[0]
    con.execute(f"CREATE TABLE {TABLE} AS SELECT i * 0.5 AS {ident(name)} FROM range(100) t(i)")
    profile = profile_of(con, {name: "numeric"}, name)

    charts = write_charts(con, TABLE, profile, tmp_path)

    assert [c.file for c in charts] == ["eda-target.png"]
    assert charts[0].alt.startswith("Histogram of the target $\\frac{a}{b}$ in 40 bins")


def test_a_failing_picture_does_not_stop_the_others(con, tmp_path):
    """The profile names a target the table does not have: no target pictures, the rest drawn."""
    churn_table(con)
    profile = profile_of(con, CHURN_TYPES, "price", CHURN_ASSOCIATIONS, ["age", "price"])
    for column in profile["columns"]:
        if column["name"] == "price":
            column["name"] = "ghost"
    profile["overview"]["target"] = "ghost"

    charts = write_charts(con, TABLE, profile, tmp_path)

    assert_pictures(tmp_path, charts, {"eda-missingness.png", "eda-correlations.png"})


def test_a_malformed_correlation_matrix_costs_only_the_heat_map(con, tmp_path):
    churn_table(con)
    profile = profile_of(con, CHURN_TYPES, None, None, ["age", "price"])
    profile["correlations"]["matrix"] = [[1.0, "high"], [0.2]]

    charts = write_charts(con, TABLE, profile, tmp_path)

    assert_pictures(tmp_path, charts, {"eda-missingness.png"})


def test_a_missing_feature_costs_only_its_panel(con, tmp_path):
    churn_table(con)
    profile = profile_of(con, CHURN_TYPES, "ui", {"age": ("pearson", 0.1)})
    profile["columns"].append(
        {
            "name": "gone",
            "inferred_type": "numeric",
            "missing_count": 0,
            "missing_pct": 0.0,
            "target_association": {"measure": "pearson", "value": 0.99},
        }
    )

    charts = write_charts(con, TABLE, profile, tmp_path)

    panels = next(c for c in charts if c.file == "eda-target-vs-features.png")
    assert panels.alt.startswith("1 panel of") and "gone" not in panels.alt
    assert not list(tmp_path.glob("*.tmp"))


def test_a_picture_that_no_longer_applies_is_removed(con, tmp_path):
    """A rerun on cleaned data must not leave last run's missingness picture beside the report."""
    churn_table(con)
    profile = profile_of(con, CHURN_TYPES, None)
    assert [c.file for c in write_charts(con, TABLE, profile, tmp_path)] == ["eda-missingness.png"]
    (tmp_path / "eda-target.png.tmp").write_bytes(b"a write killed midway")
    for column in profile["columns"]:
        column["missing_count"], column["missing_pct"] = 0, 0.0

    assert write_charts(con, TABLE, profile, tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_the_same_data_draws_the_same_bytes(churn_run, tmp_path):
    con, profile, out, first = churn_run

    second = write_charts(con, TABLE, profile, tmp_path)

    assert second == first
    for chart in first:
        assert (tmp_path / chart.file).read_bytes() == (out / chart.file).read_bytes()


def test_importing_the_module_does_not_import_matplotlib():
    code = "import sys, ml_engineer.profiler.charts; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
