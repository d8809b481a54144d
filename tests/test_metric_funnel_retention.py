"""Worked examples for the recruitment stock, the funnel and retention, as at 31/03/2020.
The 12-month window is 01/04/2019 - 31/03/2020."""

import pytest


def enquiry(enquiry_date, application="", approval="", withdrawal=""):
    return {"enquiry_date": enquiry_date, "application_date": application, "approval_date": approval, "withdrawal_date": withdrawal}


FUNNEL = [
    enquiry("15/01/2019", "01/03/2019", "01/06/2019"),  # 1: approved in window, 3 months (13 weeks)
    enquiry("01/04/2019", "01/05/2019", "01/01/2020"),  # 2: approved in window, 8 months exactly
    enquiry("01/05/2019", "01/06/2019", "02/02/2020"),  # 3: approved in window, 8 months + 1 day
    enquiry("01/06/2019", "01/07/2019", withdrawal="01/10/2019"),  # 4: withdrawn after application
    enquiry("01/07/2019", withdrawal="15/07/2019"),  # 5: withdrawn at enquiry stage
    enquiry("01/08/2019"),  # 6: still an open enquiry
    enquiry("31/03/2019", withdrawal="31/03/2019"),  # 7: before the window entirely
    enquiry("01/09/2019", "01/12/2019"),  # 8: assessment under way
]


@pytest.fixture
def funnel(scorecard_for):
    return scorecard_for("2020-03", enquiries=FUNNEL)


def test_funnel_counts(funnel):
    # Enquiries in the window: 2 3 4 5 6 8 = 6. Applications: 2 3 4 8 = 4 (1's was 01/03/2019).
    # Approvals: 1 2 3 = 3. Withdrawals: 4 5 = 2 (7's was 31/03/2019).
    counts = {m: funnel[m].numerator for m in ["enquiries_12m", "applications_12m", "assessment_approvals_12m", "withdrawals_12m"]}
    assert counts == {"enquiries_12m": 6, "applications_12m": 4, "assessment_approvals_12m": 3, "withdrawals_12m": 2}


def test_funnel_conversion(funnel):
    # Enquiry to application: 4 applications / 6 enquiries.
    assert (funnel["enquiry_to_application_rate"].numerator, funnel["enquiry_to_application_rate"].denominator) == (4, 6)
    # Concluded assessments: approved 1 2 3, withdrawn after application 4 -> 3 of 4 = 75%.
    assert funnel["application_to_approval_rate"].value == 75.0


def test_assessment_timeliness(funnel):
    # Within 8 months of application: 1 (3 months) and 2 (exactly 8) yes; 3 (a day over) no.
    timely = funnel["assessments_within_8_months"]
    assert (timely.numerator, timely.denominator) == (2, 3)
    # Weeks: 1 = 92 days, 2 = 245 days, 3 = 246 days -> median 245 / 7 = 35 weeks.
    assert funnel["median_weeks_to_approval"].value == 35.0
    assert funnel["median_weeks_to_approval"].denominator == 3


def test_stock_net_change_and_retention(scorecard_for):
    carers = [
        {"household_id": "H1", "approval_date": "01/01/2010"},  # approved throughout
        {"household_id": "H2", "approval_date": "01/06/2019", "household_type": "connected"},  # new in window
        {"household_id": "H3", "approval_date": "01/01/2010", "deregistration_date": "01/09/2019",
         "deregistration_reason": "RETIRED", "status": "deregistered"},  # left in window
        {"household_id": "H4", "approval_date": "01/01/2010", "deregistration_date": "31/03/2020",
         "deregistration_reason": "MOVED_TO_IFA", "status": "deregistered"},  # left on the date itself
        {"household_id": "H5", "approval_date": "01/05/2018", "deregistration_date": "01/05/2019",
         "deregistration_reason": "CIRCUMSTANCES", "status": "deregistered"},  # cohort: left on its anniversary
        {"household_id": "H6", "approval_date": "31/03/2019"},  # cohort: still approved
        {"household_id": "H7", "approval_date": "01/04/2018", "deregistration_date": "02/04/2019",
         "deregistration_reason": "OTHER", "status": "deregistered"},  # cohort: left a day after anniversary
    ]
    result = scorecard_for("2020-03", carers=carers)
    # Approved on 31/03/2020: H1 H2 H6 (H4 left that day) = 3.
    assert result["approved_households"].numerator == 3
    # Approved in window: H2 = 1; left in window: H3 H4 H5 H7 = 4 -> net -3.
    assert result["net_change_12m"].numerator == -3
    assert result["deregistrations_12m"].numerator == 4
    # Cohort approved 01/04/2018 - 31/03/2019: H5 H6 H7. Still approved a year on: H6 H7
    # (H5 left on its anniversary, so it was not approved for a full year).
    assert (result["retention_after_one_year"].numerator, result["retention_after_one_year"].denominator) == (2, 3)
    # 900 target, 5% tolerance: 3 is Red.
    assert result["approved_households"].rag == "Red"


def test_deregistrations_by_reason(breakdowns_for):
    carers = [
        {"household_id": "H1", "approval_date": "01/01/2010", "deregistration_date": "01/09/2019", "deregistration_reason": "RETIRED", "status": "deregistered"},
        {"household_id": "H2", "approval_date": "01/01/2010", "deregistration_date": "01/10/2019", "deregistration_reason": "RETIRED", "status": "deregistered"},
        {"household_id": "H3", "approval_date": "01/01/2010", "deregistration_date": "01/11/2019", "status": "deregistered"},
        {"household_id": "H4", "approval_date": "01/01/2010", "deregistration_date": "01/11/2018", "deregistration_reason": "OTHER", "status": "deregistered"},
    ]
    # In the window: two retirements and one with no reason; H4 left before the window.
    # In plain words (the contract's labels); a blank reason is "Not recorded".
    assert breakdowns_for("2020-03", carers=carers)["deregistrations_12m"] == {"Not recorded": 1, "Retired": 2}
