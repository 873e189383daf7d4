"""Protected attributes are recognised by name, values or meaning, named in the spec's risks in
the goal's domain, kept unless the reviewer drops them, and passed to the script to measure."""

from __future__ import annotations

import pytest

from ml_engineer.models import AnalystNotes, ColumnKind, ColumnProfile, DataProfile, TopValue
from ml_engineer.models.revision import Overrides
from ml_engineer.planning.experiment import plan_experiment
from ml_engineer.planning.planner import PlanRequest, plan_feature_spec


def col(name, kind="numeric", values=(), **kw) -> ColumnProfile:
    tops = [TopValue(value=v, count=100) for v in values]
    kw.setdefault("unique_count", len(values) if values else 40)
    return ColumnProfile(name=name, kind=ColumnKind(kind), top_values=tops, **kw)


def plan(goal, *columns, notes=None, overrides=None):
    profile = DataProfile(source_format="canonical", profile_path="p.json", row_count=2000,
                          columns=list(columns))  # fmt: skip
    request = PlanRequest(slug="t", goal_text=goal, overrides=overrides or Overrides())
    return plan_feature_spec(profile, notes or AnalystNotes(), request)


DENY = col("deny", "categorical", ("no", "yes"))


@pytest.mark.parametrize(
    ("column", "characteristic"),
    [(col("black", "categorical", ("no", "yes")), "race or ethnicity"),
     (col("ethn", "categorical", ("other", "black", "hispan")), "race or ethnicity"),
     (col("sex", "categorical", ("male", "female")), "sex or gender"),
     (col("agew"), "age"),
     (col("married", "categorical", ("no", "yes")), "marital status"),
     (col("foreign", "categorical", ("no", "yes")), "nationality or citizenship"),
     (col("applicant_kind", "categorical", ("man", "woman")), "sex or gender"),  # by values
     (col("grp", "categorical", ("a", "b")), None),
     # measures of a thing, not of a person
     (col("house_age"), None), (col("man_hours"), None), (col("foreign_sales"), None),
     (col("manu", "categorical", ("a", "b")), None), (col("blacks"), "race or ethnicity"),
     (col("nwhite", "categorical", ("no", "yes")), "race or ethnicity")],
)  # fmt: skip
def test_protected_attributes_are_recognised(column, characteristic):
    spec = plan("predict whether a mortgage application is denied", column, col("income"), DENY)
    found = {p.column: p.characteristic for p in spec.protected}
    assert found.get(column.name) == characteristic


def test_a_meaning_the_analyst_wrote_names_one():
    notes = AnalystNotes(column_notes={"grp": ["self-reported ethnic group of the applicant"]})
    spec = plan("predict whether a mortgage application is denied",
                col("grp", "categorical", ("a", "b", "c")), DENY, notes=notes)  # fmt: skip
    assert [p.characteristic for p in spec.protected] == ["race or ethnicity"]


def test_the_risk_speaks_of_the_goals_domain_and_the_attribute_stays_an_input():
    black = col("black", "categorical", ("no", "yes"))
    spec = plan("predict whether a mortgage application is denied", black, col("income"), DENY)
    risk = next(r for r in spec.risks if "`black`" in r)
    assert "In lending" in risk and "Equal Credit Opportunity Act" in risk
    assert "kept as an input" in risk
    assert next(c for c in spec.columns if c.name == "black").keep
    wages = plan("predict the hourly wage", col("sex", "categorical", ("male", "female")),
                 col("wage", unique_count=900))  # fmt: skip
    assert any("In hiring and pay" in r for r in wages.risks)
    # the domain is read from column names too, split into words: `loan_amount` is lending
    loans = plan(
        "predict the outcome",
        col("sex", "categorical", ("male", "female")),
        col("loan_amount"),
        col("outcome", "categorical", ("paid", "default")),
    )
    assert any("In lending" in r for r in loans.risks)


def test_a_reviewers_drop_is_said_and_the_script_still_measures_the_groups():
    black = col("black", "categorical", ("no", "yes"))
    spec = plan("predict whether a mortgage application is denied", black, col("income"), DENY,
                overrides=Overrides(drop=["black"]))  # fmt: skip
    assert not next(c for c in spec.columns if c.name == "black").keep
    assert any("`black`" in r and "not an input" in r for r in spec.risks)
    config = plan_experiment(spec, PlanRequest(slug="t"))
    assert config.data.protected == ["black"]
    assert "black" not in config.data.features.all()
