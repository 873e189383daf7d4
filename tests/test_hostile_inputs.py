"""Hostile analysts' folders, generated: every string a column name, a category, the goal, the EDA
report or the profile's data path can hold, chosen to break quoting, markup, paths or prompts.

Each case must end in deliverables whose script compiles and runs on the data, or in a clear
error; never a crash, a write outside the output folder, a leak of a non-data file, or the
hidden sentinel command running. tests/hostile.py says how each verdict is reached.
"""

from __future__ import annotations

from hostile import (
    CANARY,
    SENTINEL,
    argv_for,
    build,
    escapes,
    hostile_cases,
    inside,
    judge,
    leaks,
    snapshot,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SAFE = {"deliverables", "clear error"}
CI_SETTINGS = settings(
    deadline=None,
    derandomize=True,  # the same cases on every machine: a red run can be rerun as it was
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def verdict(tmp_path_factory, data, *, validate: bool):
    root = tmp_path_factory.mktemp("case")
    case = data.draw(hostile_cases(root / SENTINEL), label="case")
    data_dir = build(case, root, root / SENTINEL)
    with inside(root):
        outcome = judge(
            root, data_dir, argv_for(case, data_dir, validate=validate), run_script=not validate
        )
    assert outcome.verdict in SAFE, f"{outcome.verdict}: {outcome.detail}\n{case}"
    return outcome


@settings(CI_SETTINGS, max_examples=24)
@given(data=st.data())
def test_a_hostile_folder_ends_in_a_running_script_or_a_clear_error(tmp_path_factory, data):
    # Written without the product's check run, then the script is run here with its search off:
    # the names pass through every part of it, at a fraction of the search's time.
    verdict(tmp_path_factory, data, validate=False)


@settings(CI_SETTINGS, max_examples=3)
@given(data=st.data())
def test_the_products_own_check_run_takes_hostile_names(tmp_path_factory, data):
    verdict(tmp_path_factory, data, validate=True)


def test_the_detectors_see_a_write_outside_and_a_leaked_canary(tmp_path):
    """The verdicts above mean something only if an escape or a leak would be seen."""
    project = tmp_path / "output" / "hostile"
    (project / "ml").mkdir(parents=True)
    (tmp_path / "data.csv").write_text("a\n1\n")
    before = snapshot(tmp_path)
    (project / "ml" / "fine.txt").write_text("inside")
    (project / ".ml_engineer").mkdir()
    (project / ".ml_engineer" / "state.db").write_text("inside")
    assert escapes(before, snapshot(tmp_path)) == []
    (tmp_path / "data.csv").write_text("a\n2\n")  # the analyst's file, changed
    (project / "elsewhere.txt").write_text("outside")
    assert escapes(before, snapshot(tmp_path)) == ["data.csv", "output/hostile/elsewhere.txt"]
    (project / "ml" / "fine.txt").write_text(f"copied: {CANARY}")
    assert leaks(project) == ["ml/fine.txt"]
