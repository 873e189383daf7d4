"""The target from a goal in plain words: names read as the goal's words, the goal's form, and a
question when the words cannot tell. Small hand-built profiles, as a user's CSV would give."""

from __future__ import annotations

import pytest

from ml_engineer.errors import GoalError, TargetUnclear
from ml_engineer.models import AnalystNotes, ColumnKind, ColumnProfile, DataProfile, TopValue
from ml_engineer.models.profile import NumericStats
from ml_engineer.planning.goal import decide_goal
from ml_engineer.planning.name_match import match_name
from ml_engineer.planning.names import content_words, head_word


def num(name, unique=300, low=0.0, high=100.0, **kw) -> ColumnProfile:
    return ColumnProfile(
        name=name, kind=ColumnKind.numeric, unique_count=unique,
        stats=NumericStats(min=low, max=high), **kw,
    )  # fmt: skip


def two(name, a="no", b="yes") -> ColumnProfile:
    tops = [TopValue(value=a, count=300), TopValue(value=b, count=200)]
    return ColumnProfile(name=name, kind=ColumnKind.categorical, unique_count=2, top_values=tops)


def table(*columns, rows=500) -> DataProfile:
    return DataProfile(source_format="canonical", profile_path="p.json", row_count=rows,
                       columns=list(columns))  # fmt: skip


def target_of(profile, goal, notes=None) -> str:
    return decide_goal(profile, notes or AnalystNotes(), goal_text=goal).target


@pytest.mark.parametrize(
    ("goal", "columns", "expected"),
    [
        # prefixes of two words
        ("predict the number of pharmacy visits", ["pharvis", "illdays", "commune"], "pharvis"),
        # a prefix of a long word
        ("predict unemployment", ["unemp", "unrate", "emp"], "unemp"),
        # initials and a year's last two digits beat the same initials alone
        ("predict the log wage in 1980", ["lw80", "lw", "school80", "age80"], "lw80"),
        # a synonym and an abbreviation; `readscr` shares only the generic "score"
        ("predict the average exam score of a school", ["testscr", "readscr", "avginc"],
         "testscr"),
        # more of the goal's words on the whole name: total sales, not sales
        ("predict a shop's total sales", ["tsales", "sales", "ssize"], "tsales"),
        # the year alone tells re78 from re74 and re75
        ("predict earnings in 1978", ["re74", "re75", "re78", "educ"], "re78"),
        # stems: answers/answer, rejected/reject, denied/deny
        ("predict how a respondent answers the question", ["answer", "lower", "upper"],
         "answer"),
        ("predict whether an application is rejected", ["reject", "income"], "reject"),
        ("predict whether a loan is denied", ["deny", "income"], "deny"),
        # initials of a phrase
        ("predict whether a woman takes part in the labour force", ["lfp", "foreign", "educ"],
         "lfp"),
        # the goal's head word: house prices are about prices
        ("estimate house prices", ["house_age", "SalePrice"], "SalePrice"),
        # an owner says whose target it is, not what: a county's crime rate is `crmrte`
        ("predict a county's crime rate", ["county", "crmrte", "polpc"], "crmrte"),
        # initials that leave a letter unread: medical doctor use
        ("predict the number of contacts with a medical doctor", ["mdu", "lc", "idp"], "mdu"),
        # the median value
        ("predict the median value of homes", ["mv", "crim", "rm"], "mv"),
        # the goal's own word beats initials of its words: `dmi` is "denied mortgage ..."
        ("predict whether a mortgage application is denied", ["deny", "dmi", "lvr"], "deny"),
        # a two-letter name that is one of the goal's words, among scattered initials
        ("predict whether a worker applies for benefits (ui: yes/no); rank the workers",
         ["ui", "yrdispl", "rr"], "ui"),
        # a name read whole beats one with a letter left unread: ln + hr, not ln + w(g)
        ("predict the log of hours worked", ["lnhr", "lnwg", "kids"], "lnhr"),
        # camelCase and glued names
        ("predict the monthly sales", ["BJsales", "promo"], "BJsales"),
    ],
)  # fmt: skip
def test_a_column_name_is_read_in_the_goals_words(goal, columns, expected):
    profile = table(*(num(c) for c in columns))
    assert target_of(profile, goal) == expected


def test_the_reason_shows_how_the_name_was_read():
    goal = decide_goal(table(num("pharvis"), num("age")), AnalystNotes(),
                       goal_text="predict the number of pharmacy visits")  # fmt: skip
    assert "'phar': the start of 'pharmacy'" in goal.target_reason
    assert "'vis': the start of 'visits'" in goal.target_reason


def test_a_generic_word_alone_never_picks_a_false_friend():
    # "rate" is in `unrate`, but the goal is about traffic fatalities: ask, never `unrate`.
    profile = table(num("state", 48, 1, 56), num("year", 7, 1982, 1988), num("mrall"),
                    num("beertax"), num("unrate"), rows=336)  # fmt: skip
    with pytest.raises(TargetUnclear) as asked:
        decide_goal(profile, AnalystNotes(), goal_text="predict the traffic fatality rate")
    candidates = [c["column"] for c in asked.value.candidates]
    assert "mrall" in candidates and "unrate" in candidates
    assert candidates[0] != "unrate"
    assert "--target" in asked.value.message and "`mrall`" in asked.value.message
    assert asked.value.exit_code == 4


def test_a_yes_no_goal_takes_the_only_two_valued_column_and_says_why():
    profile = table(num("glu"), num("bmi"), num("age", 50, 21, 70), two("type", "No", "Yes"))
    goal = decide_goal(profile, AnalystNotes(), goal_text="predict whether a woman has diabetes")
    assert goal.target == "type" and goal.task == "binary"
    assert "the only column that answers that" in goal.target_reason


def test_two_yes_no_columns_are_a_question():
    profile = table(num("age"), two("smoker"), two("diabetic_type"))
    with pytest.raises(TargetUnclear) as asked:
        decide_goal(profile, AnalystNotes(), goal_text="predict whether a woman is ill")
    assert {c["column"] for c in asked.value.candidates} >= {"smoker", "diabetic_type"}


def test_a_key_or_a_constant_is_never_the_target():
    profile = table(num("customer_id", 500, 1, 500), num("visits", 1), num("visit_count"), rows=500)
    assert target_of(profile, "predict the number of visits") == "visit_count"


def test_a_column_the_goal_writes_that_the_data_lacks_is_named_with_near_matches():
    profile = table(num("churn_flag_v2"), num("tenure"))
    with pytest.raises(GoalError) as refused:
        decide_goal(profile, AnalystNotes(), goal_text="predict churn_flag")
    assert "`churn_flag`" in refused.value.message
    assert "`churn_flag_v2`" in refused.value.message  # a near match
    assert "never swaps in another target" in refused.value.message


def test_a_user_goal_that_matches_nothing_is_asked_not_replaced_by_the_analysts_target():
    notes = AnalystNotes(target_hint="churned")
    profile = table(two("churned"), num("revenue_total"), num("tenure"))
    with pytest.raises(TargetUnclear) as asked:
        decide_goal(profile, notes, goal_text="predict the customer's lifetime spend")
    assert asked.value.candidates[0]["column"] == "churned"  # offered first, not taken


def test_the_analysts_meaning_finds_a_cryptic_name():
    notes = AnalystNotes(column_notes={"mrall": ["vehicle fatality rate per 10,000 people"]})
    profile = table(num("mrall"), num("beertax"), num("unrate"))
    assert target_of(profile, "predict the traffic fatality rate", notes) == "mrall"


def test_words_and_heads():
    assert content_words("predict the number of pharmacy visits") == [
        "number", "pharmacy", "visits",
    ]  # fmt: skip
    assert head_word("predict a shop's total sales") == "sales"
    assert head_word("predict the average exam score of a school") == "exam"
    assert not match_name("churn_reason", ["churn"]).plausible  # half its name unexplained
    assert match_name("is_churn", ["churn"]).plausible  # `is_` qualifies, it adds no meaning


def test_a_yes_no_goal_prefers_the_two_valued_column_its_words_name():
    # "low birth weight" also spells `lwt` and `bwt`, numbers that cannot answer yes or no.
    profile = table(two("low", "0", "1"), num("lwt"), num("bwt"), num("age"))
    goal = "predict whether a baby is born with a low birth weight"
    assert target_of(profile, goal) == "low"


def test_a_single_series_has_one_possible_target():
    profile = table(num("time", 84, 1960, 1980.75), num("JohnsonJohnson", 80, 0.44, 16.2), rows=84)
    goal = decide_goal(profile, AnalystNotes(), goal_text="forecast next quarter's earnings")
    assert goal.target == "JohnsonJohnson" and goal.time_column == "time" and goal.season == 4


def test_terse_codes_that_each_read_the_goal_are_all_offered():
    # "office physician" in `ofp`; `ofnp` and `opnp` also read "number" into their "n" (non).
    profile = table(num("ofp"), num("ofnp"), num("opp"), num("opnp"), num("age"))
    with pytest.raises(TargetUnclear) as asked:
        decide_goal(
            profile, AnalystNotes(), goal_text="predict the number of physician office visits"
        )
    assert {"ofp", "ofnp", "opnp"} <= {c["column"] for c in asked.value.candidates}


def cat(name, unique, values=()) -> ColumnProfile:
    tops = [TopValue(value=v, count=100) for v in values]
    return ColumnProfile(name=name, kind=ColumnKind.categorical, unique_count=unique,
                         top_values=tops)  # fmt: skip


def test_a_name_that_reads_only_who_the_goal_is_about_is_never_taken():
    # `hepato` spells "pat", the start of "patient": the subject, not whether they die.
    profile = table(two("hepato", "0", "1"), two("ascites", "0", "1"), num("status", 3, 0, 2),
                    num("bili"), num("time"))  # fmt: skip
    with pytest.raises(TargetUnclear) as asked:
        decide_goal(profile, AnalystNotes(),
                    goal_text="predict whether a patient with liver disease dies")  # fmt: skip
    assert not any("its name reads" in c["reason"] for c in asked.value.candidates)


def test_how_long_asks_for_a_duration_not_the_yes_no_column_its_words_name():
    profile = table(num("duration", 60, 1, 117), two("spell", "0", "1"), num("ftp1", 2, 0, 1))
    assert target_of(profile, "predict how long a spell of unemployment lasts") == "duration"


def test_what_a_thing_sells_for_is_its_price_and_a_word_is_not_initials():
    """Computers: `speed` is a word, not s(ells) + pe(rsonal) with "ed" unread; "what it sells
    for" and "how much it costs" ask for the price."""
    profile = table(num("price", 800, 900, 5000), num("speed", 6, 25, 100), num("ram", 6, 2, 32))
    assert target_of(profile, "estimate what a personal computer sells for") == "price"
    assert target_of(profile, "how much does a personal computer cost") == "price"
    assert not match_name("speed", ["sells", "personal", "computer"]).plausible
    assert match_name("mdu", ["medical", "doctor", "use"]).plausible  # one letter unread: kept


def test_per_capita_is_read_in_a_glued_name():
    # `packpc` is packs per capita; `cpi` only scatters the letters of "capita".
    profile = table(num("packpc"), num("cpi"), num("income"))
    assert target_of(profile, "predict cigarette packs sold per capita") == "packpc"


def test_a_column_named_as_the_outcome_answers_a_goal_no_name_matches():
    profile = table(cat("depvar", 5, ("gc", "gr", "ec", "er", "hp")), cat("region", 4),
                    num("income", 6, 2, 7), num("rooms", 6, 2, 7))  # fmt: skip
    goal = decide_goal(profile, AnalystNotes(),
                       goal_text="predict which heating system a household chooses")  # fmt: skip
    assert goal.target == "depvar" and "says it is the outcome" in goal.target_reason


def test_a_name_like_word_near_no_column_is_just_words():
    profile = table(two("churn"), num("tenure"))
    assert target_of(profile, "predict whether year_2024 customers churn") == "churn"


def test_the_time_axis_named_in_a_forecast_goal_is_its_axis_not_its_target():
    profile = table(num("year", 40, 1960, 1999), num("order_count", 40), rows=40)
    goal = decide_goal(profile, AnalystNotes(), goal_text="forecast order_count by year")
    assert goal.target == "order_count" and goal.time_column == "year"
    with pytest.raises(GoalError) as refused:
        decide_goal(profile, AnalystNotes(), goal_text="forecast next `year`")
    assert "cannot be the target here" in refused.value.message


@pytest.mark.parametrize(
    ("goal", "form"),
    [("predict the price, if available", "number"), ("predict if a customer churns", "binary"),
     ("which customers will churn", "binary"), ("predict house prices", "number"),
     ("predict which heating system a household chooses", "classes"),
     ("predict how long a spell lasts", "number")],
)  # fmt: skip
def test_the_goals_form(goal, form):
    from ml_engineer.planning.goal_form import goal_form

    assert goal_form(goal) == form


def test_who_the_rows_are_is_offered_after_what_happens_to_them():
    profile = table(two("RACE", "0", "1"), two("TREAT", "0", "1"), two("CENSOR", "1", "0"),
                    num("AGE", 31, 20, 56))  # fmt: skip
    with pytest.raises(TargetUnclear) as asked:
        decide_goal(profile, AnalystNotes(),
                    goal_text="predict whether a patient returns to drug use")  # fmt: skip
    offered = [c["column"] for c in asked.value.candidates]
    assert offered[:3] == ["TREAT", "CENSOR", "RACE"]
    assert offered[-1] == "AGE"


def test_which_brand_a_household_buys_is_the_choice_not_the_households_number():
    profile = table(num("Ketchup.hid", 300, 1, 300), num("Ketchup.id", 24, 1, 24),
                    cat("Ketchup.choice", 4, ("heinz", "hunts", "delmonte", "stb")),
                    num("price.heinz"), rows=4956)  # fmt: skip
    goal = decide_goal(profile, AnalystNotes(),
                       goal_text="predict which ketchup brand a household buys")  # fmt: skip
    assert goal.target == "Ketchup.choice"
    assert "a synonym of 'buys'" in goal.target_reason
