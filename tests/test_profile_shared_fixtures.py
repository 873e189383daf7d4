"""The three pipeline fixtures every stage is tested on: real upstream profiles, real facts."""

from __future__ import annotations

import pytest
from conftest import SHARED

from ml_engineer.inputs.profile_detect import find_profile, read_profile
from ml_engineer.models.profile import ColumnKind

pytestmark = pytest.mark.skipif(
    SHARED is None,
    reason="shared fixtures not found next to the repository (../shared/fixtures); "
    "set ML_ENGINEER_SHARED_FIXTURES to the folder holding penguin-species/",
)


def profile_of(slug: str):
    path = find_profile(SHARED / slug / "data")
    assert path.name == "profile.json"
    return read_profile(path)


def test_penguins_is_raw_ydata_with_text_species():
    profile = profile_of("penguin-species")
    assert profile.source_format == "ydata"
    assert (profile.row_count, profile.column_count, len(profile.columns)) == (344, 8, 8)
    species = profile.column("species")
    assert species.kind is ColumnKind.text and species.source_type == "Text"
    assert species.unique_count == 3
    assert species.top_values[0].value == "Adelie" and species.top_values[0].count == 152
    assert {t.value: t.count for t in species.top_values} == {
        "Adelie": 152,
        "Gentoo": 124,
        "Chinstrap": 68,
    }
    sex = profile.column("sex")
    assert sex.missing_count == 11
    assert sex.missing_fraction == pytest.approx(11 / 344)
    assert "missing" in sex.flags
    assert profile.column("year").kind is ColumnKind.numeric
    assert profile.unread_fields == []


def test_benefits_is_canonical_with_constant_bluecol():
    profile = profile_of("ui-benefit-claims")
    assert profile.source_format == "canonical"
    assert len(profile.columns) == 18 and profile.column_count == 18
    assert profile.row_count == 4877
    assert profile.dataset_path == "data.csv"
    bluecol = profile.column("bluecol")
    assert "constant" in bluecol.flags  # upstream wrote "zero_variance"
    assert any("single value 'yes'" in n for n in bluecol.notes)
    # missing_pct 0.0 is a percent; either way every fraction must be 0, never 0..100 confusion
    assert all(c.missing_fraction == 0.0 for c in profile.columns)
    assert all(c.missing_count == 0 for c in profile.columns)
    state = profile.column("state")
    assert state.kind is ColumnKind.numeric and state.unique_count == 51
    assert profile.column("ui").top_values[0].value == "yes"
    assert profile.unread_fields == []


def test_wife_is_a_canonical_variant_with_fields_kind_and_issues():
    profile = profile_of("wife-health-insurance")
    assert profile.source_format == "canonical"  # `fields` with `column`/`kind`: not Frictionless
    assert len(profile.columns) == 13 and profile.row_count == 22272
    assert profile.dataset_path == "/mnt/shared/uploads/hi_wives_survey.csv"
    whi = profile.column("whi")
    assert whi.kind is ColumnKind.categorical
    assert {t.value: t.count for t in whi.top_values} == {"no": 13961, "yes": 8311}
    assert profile.column("wght").flags == ["weight"]
    assert profile.column("hhi").flags == ["redundant"]
    assert profile.column("hhi2").flags == ["redundant"]
    whrswk = profile.column("whrswk")
    assert whrswk.kind is ColumnKind.numeric
    assert (whrswk.stats.q25, whrswk.stats.q50, whrswk.stats.std) == (0.0, 35.0, 18.7106)
    assert any("not included in this folder" in n for n in profile.quality_notes)
    assert profile.unread_fields == []
