"""Worked examples for the other training and allegations indicators, as at 31/03/2020."""


def test_tsd_deadline_is_18_months_for_connected_carers(scorecard_for):
    carers = [
        # Connected, approved 01/06/2018: deadline 01/12/2019 (in the window); TSD at 15 months.
        {"household_id": "F1", "approval_date": "01/06/2018", "household_type": "connected"},
        # Connected, approved 01/09/2018: deadline 01/03/2020; no TSD.
        {"household_id": "F2", "approval_date": "01/09/2018", "household_type": "connected"},
        # Mainstream, approved 01/06/2018: deadline 01/06/2019; TSD at 15 months: late.
        {"household_id": "M1", "approval_date": "01/06/2018"},
        # Connected, approved 01/06/2017: deadline 01/12/2018, before the window.
        {"household_id": "F3", "approval_date": "01/06/2017", "household_type": "connected"},
    ]
    training = [
        {"household_id": "F1", "completed_date": "01/09/2019"},
        {"household_id": "M1", "completed_date": "01/09/2019"},
    ]
    result = scorecard_for("2020-03", carers=carers, training=training)
    # On time (national deadlines): F1 yes, F2 no, M1 no -> 1 of 3.
    assert (result["core_training_on_time"].numerator, result["core_training_on_time"].denominator) == (1, 3)
    # The 12-month measure leaves connected carers out: M1 only, late -> 0 of 1.
    assert (result["core_training_12m"].numerator, result["core_training_12m"].denominator) == (0, 1)


def test_tsd_within_two_years(scorecard_for):
    carers = [
        {"household_id": "Y1", "approval_date": "01/06/2017"},  # 2-year point 01/06/2019; TSD at 18 months
        {"household_id": "Y2", "approval_date": "01/06/2017"},  # no TSD
        {"household_id": "Y3", "approval_date": "01/03/2018"},  # 2-year point 01/03/2020; TSD a day late
    ]
    training = [
        {"household_id": "Y1", "completed_date": "01/12/2018"},
        {"household_id": "Y3", "completed_date": "02/03/2020"},
    ]
    result = scorecard_for("2020-03", carers=carers, training=training)["core_training_24m"]
    assert (result.numerator, result.denominator) == (1, 3)


def test_households_with_no_recent_training(scorecard_for):
    carers = [
        {"household_id": "N1", "approval_date": "01/01/2015"},  # last course 01/10/2019 (within 6 months)
        {"household_id": "N2", "approval_date": "01/01/2015"},  # last course 01/06/2019: none in 6, some in 12
        {"household_id": "N3", "approval_date": "01/01/2015"},  # never trained
        {"household_id": "N4", "approval_date": "01/12/2019"},  # approved under 6 months: not judged
        {"household_id": "N5", "approval_date": "01/06/2019"},  # approved 10 months: judged on 6, not 12
        {"household_id": "N6", "approval_date": "01/01/2015"},  # last course exactly 6 months ago: stale
    ]
    training = [
        {"household_id": "N1", "completed_date": "01/10/2019", "course": "FIRST_AID"},
        {"household_id": "N2", "completed_date": "01/06/2019", "course": "SAFEGUARDING"},
        {"household_id": "N6", "completed_date": "30/09/2019", "course": "PACE"},
    ]
    result = scorecard_for("2020-03", carers=carers, training=training)
    # 6 months (since 30/09/2019): judged N1 N2 N3 N5 N6 = 5; without training N2 N3 N5 N6 = 4.
    assert (result["no_training_6m"].numerator, result["no_training_6m"].denominator) == (4, 5)
    # 12 months (since 31/03/2019): judged N1 N2 N3 N6 = 4; without training N3 = 1.
    assert (result["no_training_12m"].numerator, result["no_training_12m"].denominator) == (1, 4)


def test_allegation_rates_lado_outcomes_and_repeats(scorecard_for, breakdowns_for):
    carers = [{"household_id": f"H{i}", "approval_date": "01/01/2015"} for i in range(1, 5)]
    allegations = [
        # H1: two in the window, one referred to the LADO; one concluded substantiated after 30 days.
        {"household_id": "H1", "date_received": "01/05/2019", "lado_referral_date": "03/05/2019",
         "outcome": "SUBSTANTIATED", "date_concluded": "31/05/2019"},
        {"household_id": "H1", "date_received": "01/02/2020"},
        # H2: one in the window, concluded unfounded after 90 days.
        {"household_id": "H2", "date_received": "01/06/2019", "outcome": "UNFOUNDED", "date_concluded": "30/08/2019"},
        # H3: received before the window, concluded in it (unsubstantiated, 200 days); referred.
        {"household_id": "H3", "date_received": "01/01/2019", "lado_referral_date": "02/01/2019",
         "outcome": "UNSUBSTANTIATED", "date_concluded": "20/07/2019"},
    ]
    result = scorecard_for("2020-03", carers=carers, allegations=allegations)
    # Received in the window: 3 (H1 x2, H2); per 100 of 4 households = 75.
    assert result["allegations_per_100_households"].value == 75.0
    # Referred to the LADO among those 3: H1's first = 1 of 3.
    assert (result["allegations_lado_share"].numerator, result["allegations_lado_share"].denominator) == (1, 3)
    # Concluded in the window: H1 (30 days), H2 (90), H3 (200): substantiated 1 of 3, median 90 days.
    assert (result["allegations_substantiated_share"].numerator, result["allegations_substantiated_share"].denominator) == (1, 3)
    assert result["median_days_to_conclusion"].value == 90.0
    # More than one in the window: H1 = 1 household.
    assert result["households_repeat_allegations_12m"].numerator == 1
    outcomes = breakdowns_for("2020-03", carers=carers, allegations=allegations)["allegations_substantiated_share"]
    # Shown in plain words (the contract's labels), adding up to the denominator: 3.
    assert outcomes == {"Substantiated": 1, "Unfounded": 1, "Unsubstantiated": 1}


def test_the_named_list_matches_the_count(models_for):
    from fostering_scorecard import models

    carers = [
        {"household_id": "N1", "approval_date": "01/01/2015", "support_team": "West"},  # trained 01/06/2019
        {"household_id": "N2", "approval_date": "01/01/2015", "support_team": "East"},  # never trained
        {"household_id": "N3", "approval_date": "01/01/2015", "support_team": "East"},  # last course 01/02/2019
    ]
    training = [
        {"household_id": "N1", "completed_date": "01/06/2019", "course": "PACE"},
        {"household_id": "N3", "completed_date": "01/02/2019", "course": "PACE"},
    ]
    with models_for("2020-03", carers=carers, training=training) as (ctx, con):
        _columns, named = models.operational_lists(con, "2020-03")["households_without_training_12m"]
        counted = {v.metric_id: v for v in models.compute_month(con, ctx.metrics, "2020-03")}["no_training_12m"]
    # N2 and N3 have had no course since 31/03/2019; listed by team, then id.
    assert [row["household_id"] for row in named] == ["N2", "N3"]
    assert counted.numerator == len(named)
