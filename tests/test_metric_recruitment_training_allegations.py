"""Worked examples for approvals, core training and allegations, as at 31/03/2020 unless said."""


def test_approvals_count_the_financial_year_to_date(scorecard_for):
    carers = [
        {"household_id": "H1", "approval_date": "01/04/2019"},  # first day of 2019-20 -> counted
        {"household_id": "H2", "approval_date": "31/03/2019"},  # last day of 2018-19 -> not
        {"household_id": "H3", "approval_date": "31/03/2020", "household_type": "short_breaks"},  # counted
        {"household_id": "H4", "approval_date": "01/06/2019", "household_type": "connected"},  # connected: not
        {"household_id": "H5", "approval_date": "15/06/2019", "deregistration_date": "01/12/2019",
         "deregistration_reason": "RETIRED", "status": "deregistered"},  # approved then left: counted
        {"household_id": "H6", "approval_date": "02/04/2020"},  # after the date -> not
    ]
    result = scorecard_for("2020-03", carers=carers)["approvals_fytd"]
    # H1 H3 H5 = 3 against the full 2019-20 target of 120 (12 of 12 months): far short -> Red.
    assert result.numerator == 3
    assert result.target == 120
    assert result.rag == "Red"


def test_approvals_target_is_pro_rata_mid_year(scorecard_for):
    carers = [{"household_id": f"H{i}", "approval_date": "15/05/2019"} for i in range(55)]
    result = scorecard_for("2019-09", carers=carers)["approvals_fytd"]
    # September is month 6 of 2019-20: target 120 * 6/12 = 60; 55 is within 10% (>= 54) -> Amber.
    assert (result.numerator, result.target, result.rag) == (55, 60, "Amber")


def test_approvals_reset_on_1_april(scorecard_for):
    carers = [
        {"household_id": "H1", "approval_date": "15/03/2019"},  # 2018-19
        {"household_id": "H2", "approval_date": "20/04/2019"},  # 2019-20
    ]
    # As at 30/04/2019 only H2 counts; the 2019-20 target pro rata is 120 * 1/12 = 10.
    result = scorecard_for("2019-04", carers=carers)["approvals_fytd"]
    assert (result.numerator, result.target) == (1, 10)
    # As at 31/03/2019 only H1 counts, against the 2018-19 target of 150.
    result = scorecard_for("2019-03", carers=carers)["approvals_fytd"]
    assert (result.numerator, result.target) == (1, 150)


def test_core_training_within_12_months_of_approval(scorecard_for):
    # Cohort: first anniversary of approval between 01/04/2019 and 31/03/2020, i.e. approved
    # between 01/04/2018 and 31/03/2019, still approved on the anniversary, not connected.
    carers = [
        {"household_id": "T1", "approval_date": "01/04/2018"},  # deadline 01/04/2019
        {"household_id": "T2", "approval_date": "01/06/2018"},
        {"household_id": "T3", "approval_date": "01/06/2018"},
        {"household_id": "T4", "approval_date": "31/03/2018"},  # deadline 31/03/2019: before the window
        {"household_id": "T5", "approval_date": "01/07/2018", "deregistration_date": "01/05/2019",
         "deregistration_reason": "CIRCUMSTANCES", "status": "deregistered"},  # left before deadline
        {"household_id": "T6", "approval_date": "01/06/2018", "household_type": "connected"},
        {"household_id": "T7", "approval_date": "01/08/2018"},
        {"household_id": "T8", "approval_date": "01/09/2018", "deregistration_date": "01/10/2019",
         "deregistration_reason": "RETIRED", "status": "deregistered"},  # left after the deadline
    ]
    training = [
        {"household_id": "T1", "completed_date": "01/04/2019"},  # on the deadline day -> on time
        {"household_id": "T2", "completed_date": "02/06/2019"},  # a day late
        {"household_id": "T4", "completed_date": "01/01/2019"},
        {"household_id": "T6", "completed_date": "01/01/2019"},
        {"household_id": "T7", "completed_date": "01/01/2019", "course": "SAFEGUARDING"},  # not TSD
        {"household_id": "T8", "completed_date": "01/03/2019"},  # on time
    ]
    result = scorecard_for("2020-03", carers=carers, training=training)["core_training_12m"]
    # Cohort T1 T2 T3 T7 T8 = 5; on time T1 T8 = 2 -> 40%, target 100% -> Red.
    assert (result.numerator, result.denominator) == (2, 5)
    assert result.value == 40.0
    assert result.rag == "Red"


def test_allegations_in_the_month_and_the_12_months(scorecard_for):
    carers = [{"household_id": "H1", "approval_date": "01/01/2015"}]
    received = ["01/03/2020", "31/03/2020", "29/02/2020", "01/04/2019", "31/03/2019", "02/04/2020"]
    allegations = [{"household_id": "H1", "date_received": d} for d in received]
    result = scorecard_for("2020-03", carers=carers, allegations=allegations)
    # March 2020: 01/03 and 31/03 = 2. 12 months from 01/04/2019: those two, 29/02/2020 and
    # 01/04/2019 = 4 (31/03/2019 is a day early, 02/04/2020 after the date).
    assert result["allegations_month"].numerator == 2
    assert result["allegations_12m"].numerator == 4
    assert result["allegations_12m"].rag == "Not rated"
