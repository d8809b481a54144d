"""Worked examples for sufficiency, unplanned endings and the DfE two-year measure."""

from builders import children_for


def episode(child, start, rne="P", end="", rec="X1", **extra):
    return {"CHILD": child, "DECOM": start, "RNE": rne, "DEC": end, "REC": rec if end else "", **extra}


SUFFICIENCY_CARERS = [
    {"household_id": "H1", "approval_date": "01/01/2015", "approved_places": "2", "emergency_bed": "Y"},
    {"household_id": "H2", "approval_date": "01/01/2015", "approved_places": "1", "assessment_bed": "Y", "status": "on_hold"},
    {"household_id": "H3", "approval_date": "01/01/2015", "approved_places": "3", "status": "inactive"},
    {"household_id": "H4", "approval_date": "01/01/2015", "approved_places": "2", "emergency_bed": "Y",
     "deregistration_date": "01/01/2020", "deregistration_reason": "RETIRED", "status": "deregistered"},
]
SUFFICIENCY_EPISODES = [
    episode("C1", "01/01/2019", "S", HOUSEHOLD_ID="H1"),  # in-house, H1
    episode("C2", "01/01/2019", "S", HOUSEHOLD_ID="H1"),  # in-house, H1 (H1 now full)
    episode("C3", "01/01/2019", "S", HOUSEHOLD_ID="H2", PLACE="U1"),  # in-house connected placement, H2
    episode("C4", "01/01/2019", "S", PLACE_PROVIDER="PR4"),  # agency (IFA)
    episode("C5", "01/01/2019", "S", PLACE_PROVIDER="PR2"),  # another council's carer
    episode("C6", "01/01/2019", "S", PLACE="K2", PLACE_PROVIDER="PR4"),  # residential: not fostered
    episode("C7", "01/01/2019", "S", LS="V3", HOUSEHOLD_ID="H3"),  # short breaks: not counted
    episode("C8", "01/01/2019", "S", "01/03/2020", rec="E13", HOUSEHOLD_ID="H3"),  # left care
]


def test_where_fostered_children_live_and_in_house_capacity(scorecard_for):
    result = scorecard_for("2020-03", carers=SUFFICIENCY_CARERS, episodes=SUFFICIENCY_EPISODES, header=children_for(SUFFICIENCY_EPISODES))
    # Fostered on 31/03/2020: C1 C2 C3 (PR1), C4 (PR4), C5 (PR2) = 5; C6 residential, C7 short
    # breaks, C8 left. In-house 3/5 = 60%; agency (PR4/PR5) 1/5 = 20%.
    assert (result["in_house_share"].numerator, result["in_house_share"].denominator) == (3, 5)
    assert result["agency_share"].value == 20.0
    # Households approved on the date: H1 H2 H3 (H4 left). Places 2 + 1 + 3 = 6; filled: H1 2,
    # H2 1, H3 0 (C7 is short breaks) = 3; vacancies 0 + 0 + 3 = 3.
    assert [result[m].numerator for m in ["approved_places", "filled_places", "vacancies"]] == [6, 3, 3]
    # Emergency bed: H1 (H4 has left) = 1 of target 10 -> Red. Assessment bed: H2 = 1 of 5.
    assert (result["emergency_beds"].numerator, result["emergency_beds"].rag) == (1, "Red")
    assert result["assessment_beds"].numerator == 1
    # On hold or inactive at the extract: H2 H3 = 2 of 3.
    assert (result["households_on_hold_or_inactive"].numerator, result["households_on_hold_or_inactive"].denominator) == (2, 3)


def test_status_is_only_reported_for_the_extract_month(scorecard_for):
    # The status column describes the extract date (05/04/2020): a month a year earlier must
    # not be reported with it.
    earlier = scorecard_for("2019-03", carers=SUFFICIENCY_CARERS)["households_on_hold_or_inactive"]
    assert earlier.value is None
    assert earlier.rag_reason == "known only at the extract date"


ENDINGS = [
    # D1: three moves out of foster placements in the window.
    episode("D1", "01/01/2019", "S", "01/05/2019", REASON_PLACE_CHANGE="CREQB"),  # carer asked: unplanned
    episode("D1", "01/05/2019", "P", "01/07/2019", REASON_PLACE_CHANGE="CARPL"),  # planned
    episode("D1", "01/07/2019", "P", "01/09/2019", REASON_PLACE_CHANGE="ALLEG"),  # allegation: unplanned
    episode("D1", "01/09/2019", "P"),
    # D2: a same-carer change (RNE T) is not a move; then a child-requested move.
    episode("D2", "01/01/2019", "S", "01/06/2019"),
    episode("D2", "01/06/2019", "T", "01/08/2019", PLACE="A5", REASON_PLACE_CHANGE="CHILD"),
    episode("D2", "01/08/2019", "P"),
    # D3: a move out of residential care is not a foster placement ending.
    episode("D3", "01/01/2019", "S", "01/06/2019", PLACE="K2", REASON_PLACE_CHANGE="CREQB"),
    episode("D3", "01/06/2019", "P"),
    # D4: a move before the window (31/03/2019).
    episode("D4", "01/01/2019", "S", "31/03/2019", REASON_PLACE_CHANGE="STAND"),
    episode("D4", "31/03/2019", "P"),
    # D5: left care (E-code) from a foster placement: an ending of care, not a move.
    episode("D5", "01/01/2019", "S", "01/06/2019", rec="E4A", REASON_PLACE_CHANGE="CREQO"),
]


def test_unplanned_endings(scorecard_for):
    result = scorecard_for("2020-03", episodes=ENDINGS, header=children_for(ENDINGS))
    # Moves out of foster placements (U1-U6) in the window: D1's three. D2's first change is a
    # same-carer change (T) and its move on 01/08/2019 is out of an adoption placement (A5);
    # D3 moved out of residential care; D4 moved before the window; D5 left care.
    # Unplanned among D1's: CREQB and ALLEG = 2 of 3.
    assert result["unplanned_endings_12m"].numerator == 2
    assert (result["unplanned_endings_share_12m"].numerator, result["unplanned_endings_share_12m"].denominator) == (2, 3)


def test_unplanned_endings_by_reason(breakdowns_for):
    breakdowns = breakdowns_for("2020-03", episodes=ENDINGS, header=children_for(ENDINGS))
    # The count's breakdown holds only the unplanned endings, in plain words: D1's CREQB and
    # ALLEG, adding up to the indicator (2).
    assert breakdowns["unplanned_endings_12m"] == {
        "Allegation (section 47 enquiry)": 1, "Carer requested the end: the child's behaviour": 1,
    }
    # Every move by reason belongs to the share: D1's three moves, adding up to its denominator (3).
    assert breakdowns["unplanned_endings_share_12m"] == {
        "Allegation (section 47 enquiry)": 1, "Carer requested the end: the child's behaviour": 1,
        "Change to or carrying out of the care plan": 1,
    }


def test_two_year_stability(scorecard_for):
    # As at 31/03/2020: looked after since 31/03/2018 or earlier; placements open in the
    # 2 years from 01/04/2018.
    episodes = [
        episode("E1", "01/01/2018", "S", "01/06/2018"),  # three placements in the 2 years
        episode("E1", "01/06/2018", "P", "01/06/2019"),
        episode("E1", "01/06/2019", "P"),
        episode("E2", "01/01/2016", "S", "31/03/2018"),  # first placement ended the day before the window
        episode("E2", "31/03/2018", "P", "01/01/2019"),
        episode("E2", "01/01/2019", "P"),
        episode("E3", "31/03/2018", "S"),  # in care exactly 2 years: in the measure, 1 placement
        episode("E4", "01/04/2018", "S", "01/05/2018"),  # in care a day short of 2 years: out
        episode("E4", "01/05/2018", "P", "01/06/2018"),
        episode("E4", "01/06/2018", "P"),
    ]
    result = scorecard_for("2020-03", episodes=episodes, header=children_for(episodes))["stability_two_year"]
    # Denominator E1 E2 E3 = 3; numerator E1 = 1.
    assert (result.numerator, result.denominator) == (1, 3)
