"""Each planner rule, on small hand-built profiles: what a user relies on the spec to decide."""

from __future__ import annotations

import pytest

from ml_engineer.errors import GoalError
from ml_engineer.models import AnalystNotes, ColumnKind, ColumnProfile, DataProfile, TopValue
from ml_engineer.planning.experiment import plan_experiment
from ml_engineer.planning.planner import DataEvidence, PlanRequest, plan_feature_spec
from ml_engineer.planning.search_cost import SEARCH_TARGET_S, DataShape, search_seconds


def col(name, kind="numeric", **kw) -> ColumnProfile:
    return ColumnProfile(name=name, kind=ColumnKind(kind), **kw)


def cat(name, values: dict[str, int], **kw) -> ColumnProfile:
    tops = [TopValue(value=k, count=v) for k, v in values.items()]
    return col(name, "categorical", unique_count=len(values), top_values=tops, **kw)


def profile(*columns, rows=5_000) -> DataProfile:
    return DataProfile(
        source_format="canonical",
        profile_path="profile.json",
        row_count=rows,
        columns=list(columns),
    )


CHURN = cat("Churn", {"No": 4000, "Yes": 1000})


def plan(prof, goal=None, notes=None, evidence=None, target=None):
    request = PlanRequest(slug="t", goal_text=goal, target=target)
    return plan_feature_spec(prof, notes or AnalystNotes(), request, evidence=evidence)


def decision(spec, name):
    return next(c for c in spec.columns if c.name == name)


@pytest.mark.parametrize("name", ["Churn", "churned", "is_churn", "ChurnFlag"])
def test_goal_words_find_the_target_column(name):
    target = cat(name, {"no": 4000, "yes": 1000})
    spec = plan(profile(col("tenure"), target), goal="predict churn")
    assert spec.target.column == name
    assert spec.goal.task == "binary"
    assert spec.goal.positive_class == "yes"
    assert spec.goal.primary_metric == "roc_auc"


def test_ambiguous_target_lists_the_candidates():
    prof = profile(cat("churn_q1", {"n": 9, "y": 1}), cat("churn_q2", {"n": 5, "y": 5}), col("x"))
    with pytest.raises(GoalError) as err:
        plan(prof, goal="predict churn")
    assert "`churn_q1`" in err.value.message and "`churn_q2`" in err.value.message
    assert "--target" in err.value.message


def test_unknown_target_names_likely_candidates():
    with pytest.raises(GoalError) as err:
        plan(profile(col("age"), CHURN), goal="predict revenue next year")
    # Forecast words would need a date; but first the target itself cannot be found.
    assert "Churn" in err.value.message


def test_explicit_target_that_does_not_exist_is_refused():
    with pytest.raises(GoalError, match="not a column"):
        plan(profile(col("age"), CHURN), target="nope")


def test_unsupported_goal_is_refused_clearly():
    with pytest.raises(GoalError, match="clustering"):
        plan(profile(col("age"), CHURN), goal="cluster customers into segments")


def test_multiclass_and_regression_tasks():
    species = cat("species", {"A": 150, "B": 120, "C": 70})
    spec = plan(profile(col("bill"), species, rows=340), goal="identify the species")
    assert spec.goal.task == "multiclass" and spec.goal.primary_metric == "f1_macro"
    price = col("price", unique_count=3000)
    spec = plan(profile(col("carat"), price), goal="predict the price")
    assert spec.goal.task == "regression" and spec.goal.primary_metric == "rmse"
    assert spec.split.strategy == "random"


def test_analyst_metric_is_used_when_it_fits_and_dropped_when_not():
    notes = AnalystNotes(suggested_metrics=["rmse", "average_precision"])
    spec = plan(profile(col("age"), CHURN), goal="predict churn", notes=notes)
    assert spec.goal.primary_metric == "average_precision"
    assert "rmse" in spec.goal.metric_reason


def test_forecast_goal_is_regression_with_a_time_split():
    prof = profile(col("order_date", "datetime"), col("sales", unique_count=900), col("promo"))
    spec = plan(prof, goal="forecast next month's sales")
    assert spec.goal.task == "regression" and spec.goal.forecasting
    assert spec.split.strategy == "time" and spec.split.time_column == "order_date"


def test_forecast_without_a_date_column_is_refused():
    with pytest.raises(GoalError, match="no column that orders the rows in time"):
        plan(
            profile(col("sales", unique_count=900), col("promo")),
            goal="forecast next month's sales",
        )


def test_column_rules_each_give_their_reason():
    prof = profile(
        col("customer_id", "categorical", unique_count=5000),
        col("constant", unique_count=1),
        col("mostly_missing", missing_fraction=0.8),
        cat("near_constant", {"a": 4990, "b": 10}),
        col("churn_date", "datetime"),
        col("refund_amount"),
        col("signup", "datetime"),
        cat("plan", {"basic": 3000, "pro": 2000}),
        cat("yesno", {"yes": 2500, "no": 2500}),
        col("city", "categorical", unique_count=400),
        col("comment", "text", unique_count=4800, mean_length=80.0),
        col("age", missing_fraction=0.1),
        CHURN,
    )
    spec = plan(prof, goal="predict churn")
    reasons = {c.name: c.reason for c in spec.excluded}
    assert reasons["customer_id"].startswith("identifier")
    assert reasons["constant"].startswith("constant")
    assert reasons["mostly_missing"].startswith("too much missing")
    assert reasons["near_constant"].startswith("near-constant")
    assert reasons["churn_date"].startswith("leakage")
    assert reasons["refund_amount"].startswith("leakage")
    kept = {c.name: c.treatment for c in spec.kept}
    assert kept == {
        "signup": "datetime",
        "plan": "categorical",
        "yesno": "boolean",
        "city": "high_cardinality",
        "comment": "text",
        "age": "numeric",
    }


def test_data_association_flags_a_near_perfect_predictor():
    prof = profile(col("age"), col("status_code"), CHURN)
    evidence = DataEvidence(
        target_counts={"No": 4000, "Yes": 1000}, association={"status_code": 0.999, "age": 0.55}
    )
    spec = plan(prof, goal="predict churn", evidence=evidence)
    assert "almost perfectly" in decision(spec, "status_code").reason
    assert decision(spec, "age").keep


def test_text_typed_low_cardinality_becomes_categorical():
    island = col("island", "text", source_type="Text", unique_count=3, mean_length=6.0)
    spec = plan(
        profile(island, col("bill"), cat("species", {"a": 1, "b": 1, "c": 1})), target="species"
    )
    assert decision(spec, "island").treatment == "categorical"
    assert "Text" in decision(spec, "island").reason


def test_numeric_code_noted_by_the_analyst_is_categorical():
    notes = AnalystNotes(column_notes={"state": ["a state code, do not treat as a magnitude"]})
    spec = plan(profile(col("state", unique_count=51), col("age"), CHURN), "predict churn", notes)
    assert decision(spec, "state").treatment == "high_cardinality"
    assert "code" in decision(spec, "state").reason


def test_sampling_weight_is_excluded_but_a_body_weight_is_kept():
    notes = AnalystNotes(column_notes={"wght": ["survey sampling weight — use as sample_weight"]})
    prof = profile(col("wght"), col("weight"), CHURN)
    spec = plan(prof, "predict churn", notes)
    assert decision(spec, "wght").reason.startswith("sampling weight")
    assert decision(spec, "weight").keep


def test_repeated_entity_gives_a_grouped_split():
    prof = profile(col("customer_id", "categorical", unique_count=800), col("amount"), CHURN)
    spec = plan(prof, "predict churn")
    assert spec.split.strategy == "group" and spec.split.group_column == "customer_id"
    assert not decision(spec, "customer_id").keep


def test_a_key_with_too_few_values_to_split_by_is_not_grouped_on_and_the_spec_says_why():
    # Three stores: grouped, validation and test would each hold one store, or none.
    stores = cat("store_id", {"north": 2000, "south": 2000, "east": 1000})
    spec = plan(profile(stores, col("amount"), CHURN), "predict churn")
    assert spec.split.strategy == "stratified" and spec.split.group_column is None
    assert "`store_id` repeats across rows but has only 3 values" in spec.split.reason


def test_imbalance_weights_classes_and_reports_pr_auc():
    prof = profile(col("x"), cat("fraud", {"no": 4900, "yes": 100}))
    spec = plan(
        prof, "predict fraud", evidence=DataEvidence(target_counts={"no": 4900, "yes": 100})
    )
    assert spec.class_weight == "balanced"
    assert "average_precision" in spec.goal.secondary_metrics
    assert "2.0%" in spec.imbalance_note


def test_small_data_is_cross_validated():
    spec = plan(profile(col("x"), CHURN, rows=300), "predict churn")
    assert spec.split.cv_folds == 5
    assert any("Small sample" in r for r in spec.risks)


def test_missing_target_rows_are_counted():
    target = cat("churn", {"no": 4000, "yes": 900}, missing_count=100)
    spec = plan(profile(col("x"), target), "predict churn")
    assert spec.target.missing_rows == 100
    spec = plan(profile(col("x"), target), "predict churn", evidence=DataEvidence(missing_target=7))
    assert spec.target.missing_rows == 7 and spec.target.missing_rows_source == "data"


def test_all_columns_excluded_is_an_error():
    with pytest.raises(GoalError, match="nothing to learn"):
        plan(profile(col("id", "id"), CHURN), "predict churn")


def test_experiment_config_agrees_with_the_spec():
    prof = profile(col("age"), cat("plan", {"a": 3000, "b": 2000}), col("id", "id"), CHURN)
    spec = plan(prof, "predict churn")
    config = plan_experiment(spec, PlanRequest(slug="t"))
    assert config.data.target == "Churn" and config.data.positive_class == "Yes"
    assert config.data.features.numeric == ["age"]
    assert config.data.features.categorical == ["plan"]
    assert config.data.drop == ["id"]
    assert config.metrics.primary == spec.goal.primary_metric
    assert config.data.split.stratify is True


def test_declared_free_text_is_tfidf_but_short_unique_strings_are_identifiers():
    review = col("review_text", "text", source_type="text", unique_count=4900)
    code = col("ticket", "categorical", unique_count=4900, mean_length=8.0)
    spec = plan(profile(review, code, CHURN), "predict churn")
    assert decision(spec, "review_text").treatment == "text"
    assert decision(spec, "ticket").reason.startswith("identifier-like")


def test_a_shared_word_is_not_leakage_but_the_whole_target_name_is():
    target = cat("loan_default", {"no": 4000, "yes": 1000})
    prof = profile(
        col("loan_amount"),
        col("loan_term_months"),
        col("loan_default_date", "datetime"),
        col("body_mass_index"),
        col("customer_id", "categorical", unique_count=5000),
        col("signup_date", "datetime", unique_count=5000, flags=["unique"]),
        target,
    )
    spec = plan(prof, "predict loan default")
    assert decision(spec, "loan_amount").keep and decision(spec, "loan_term_months").keep
    assert decision(spec, "body_mass_index").keep  # "index" ends the name, but it is a measure
    assert decision(spec, "signup_date").keep  # a date unique per row is still a date
    assert decision(spec, "loan_default_date").reason.startswith("leakage")
    assert decision(spec, "customer_id").reason.startswith("identifier")


def test_goal_words_prefer_the_head_noun_and_fewer_extra_words():
    prof = profile(col("house_age"), col("house_size_sqft"), col("SalePrice", unique_count=900))
    assert plan(prof, "estimate house prices").target.column == "SalePrice"
    prof = profile(
        col("x"), cat("churned", {"n": 9, "y": 1}), cat("churn_reason", {"a": 5, "b": 5})
    )
    assert plan(prof, "predict churn").target.column == "churned"


def test_ranking_without_a_target_is_refused_as_not_handled():
    with pytest.raises(GoalError, match="ranking"):
        plan(profile(col("age"), CHURN), goal="rank products by relevance")


def test_rare_classes_are_flagged_and_stop_early_stopping():
    counts = {"a": 3000, "b": 1990, "c": 1}
    target = cat("grade", counts)
    spec = plan(profile(col("x"), target), target="grade",
                evidence=DataEvidence(target_counts=counts))  # fmt: skip
    assert any("Rare classes: `c` (1 row)" in r for r in spec.risks)
    assert plan_experiment(spec, PlanRequest(slug="t")).model.params["early_stopping"] is False


def test_the_analyst_metric_focus_sets_the_positive_class():
    notes = AnalystNotes(
        metric_notes=["ROC-AUC and recall on the `No` (non-claimant) group, the minority to reach."]
    )
    spec = plan(profile(col("age"), CHURN), "predict churn", notes)
    assert spec.goal.positive_class == "No"
    assert "focus on `No`" in spec.goal.positive_reason
    assert plan(profile(col("age"), CHURN), "predict churn").goal.positive_class == "Yes"


def test_a_minority_positive_class_whose_recall_matters_is_weighted():
    target = cat("claimed", {"yes": 680, "no": 320})
    notes = AnalystNotes(
        suggested_metrics=["roc_auc", "recall"],
        metric_notes=["ROC-AUC and recall on the `no` group, the minority we must reach."],
    )
    spec = plan(profile(col("x"), target), "predict claimed", notes,
                evidence=DataEvidence(target_counts={"yes": 680, "no": 320}))  # fmt: skip
    assert spec.goal.positive_class == "no" and spec.class_weight == "balanced"
    assert "recall" in spec.imbalance_note
    plain = plan(profile(col("x"), target), "predict claimed",
                 evidence=DataEvidence(target_counts={"yes": 680, "no": 320}))  # fmt: skip
    assert plain.class_weight is None  # positive `yes` is the majority: no reweighting


@pytest.mark.parametrize(
    ("rows", "text", "folds", "families"),
    [
        (340, False, 5, ["hist_gradient_boosting", "ridge", "lightgbm", "extra_trees"]),
        (5_000, False, 3, ["hist_gradient_boosting", "ridge", "lightgbm", "extra_trees"]),
        (50_000, False, None, ["hist_gradient_boosting", "ridge", "lightgbm"]),
        (5_000, True, 3, ["ridge", "lightgbm"]),  # TF-IDF: the linear model first, no forest
    ],
)
def test_the_script_measures_other_families_sized_to_the_data(rows, text, folds, families):
    price = col("price", unique_count=3000)
    notes = col("notes", "text", unique_count=2000, mean_length=80.0)
    columns = [col("carat"), price, *([notes] if text else [])]
    spec = plan(profile(*columns, rows=rows), goal="predict the price")
    config = plan_experiment(spec, PlanRequest(slug="t"))
    assert config.candidate_types() == [*families, "blend"]  # the best two, averaged
    assert config.search.folds == folds and config.search.blend_top == 2
    # Small and narrow: room for random draws within the search's target time.
    assert config.search.n_iter > 0 and planned_seconds(spec, config) <= SEARCH_TARGET_S


def planned_seconds(spec, config) -> float:
    """The search's estimated seconds, as the planner sized it."""
    search = config.search
    rows = spec.row_count * (0.85 * (search.folds - 1) / search.folds if search.folds else 0.7)
    classes = len(spec.target.classes) if spec.goal.task.value == "multiclass" else 1
    shape = DataShape(int(rows), len(spec.kept), spec.goal.task.value != "regression", classes)
    return search_seconds([config.model, *search.alternatives], shape, search.folds or 1,
                          search.blend_top >= 2, search.n_iter)  # fmt: skip


def test_a_wide_many_class_table_gets_a_search_that_fits_its_time():
    """64 pixel columns, 10 classes (digits): boosting grows a tree per class and round, so its
    rounds are fewer and faster, and the search drops folds and families until it fits."""
    pixels = [col(f"pixel_{i}") for i in range(64)]
    digit = cat("digit", {f"d{i}": 180 for i in range(10)})
    spec = plan(profile(*pixels, digit, rows=1_800), goal="predict the digit")
    config = plan_experiment(spec, PlanRequest(slug="t"))
    assert spec.goal.task.value == "multiclass"
    assert config.model.params["max_iter"] == 150 and config.model.params["learning_rate"] == 0.15
    assert planned_seconds(spec, config) <= SEARCH_TARGET_S
    wide = plan(profile(*pixels, cat("flag", {"y": 900, "n": 900}), rows=1_800), "predict flag")
    binary = plan_experiment(wide, PlanRequest(slug="t"))
    assert binary.model.params["max_iter"] == 500  # one tree a round: the usual rounds
    # The many-class search measures less than the binary one on the same shape.
    assert len(config.candidate_types()) + (config.search.folds or 1) < len(
        binary.candidate_types()
    ) + (binary.search.folds or 1)


def test_the_search_plan_repeats_and_is_written_as_counts():
    spec = plan(profile(col("carat"), col("price", unique_count=3000), rows=5_000),
                goal="predict the price")  # fmt: skip
    first = plan_experiment(spec, PlanRequest(slug="t")).search
    second = plan_experiment(spec, PlanRequest(slug="t")).search
    assert first == second
    assert set(first.model_dump()) == {"max_seconds", "folds", "alternatives", "n_iter",
                                       "blend_top"}  # fmt: skip


def test_a_family_the_reviewer_chose_is_trained_without_a_search():
    from ml_engineer.models.revision import Overrides

    spec = plan(profile(col("carat"), col("price", unique_count=3000)), goal="predict the price")
    request = PlanRequest(slug="t", overrides=Overrides(model_type="random_forest"))
    config = plan_experiment(spec, request)
    assert config.search is None and config.candidate_types() == ["random_forest"]
