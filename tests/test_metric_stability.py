"""Worked examples for the DfE placement stability measures.

Every child below is a small care story; the comment beside it says how it counts. The
expected numbers at the bottom of each test are the hand count of those comments.
"""

import dataclasses

from builders import children_for

from fostering_scorecard import models


def scorecard_with_setting(models_for, month, changes, **tables):
    """The scorecard as at the end of month with options of the project's scorecard.toml
    changed ([stability] switches): the models are built again with the changed settings."""
    with models_for(month, **tables) as (ctx, con):
        models.create_models(con, dataclasses.replace(ctx.settings, **changes))
        return {v.metric_id: v for v in models.compute_month(con, ctx.metrics, month)}


def episode(child, start, rne="P", end="", rec="X1", **extra):
    row = {"CHILD": child, "DECOM": start, "RNE": rne, "DEC": end, "REC": rec if end else ""}
    return {**row, **extra}


# As at 31/03/2020 the 12-month window is 01/04/2019 - 31/03/2020.
SHORT_TERM_EPISODES = [
    # A: three placements in the year (S then two P moves) -> counted.
    episode("A", "01/01/2018", "S", "01/05/2019"),
    episode("A", "01/05/2019", "P", "01/08/2019"),
    episode("A", "01/08/2019", "P"),
    # B: same carer throughout: T (placed for adoption with current carer), U, L -> 1 placement.
    episode("B", "01/01/2019", "S", "01/06/2019"),
    episode("B", "01/06/2019", "T", "01/09/2019", PLACE="A5"),
    episode("B", "01/09/2019", "U", "01/10/2019", PLACE="A5", LS="E1"),
    episode("B", "01/10/2019", "L", PLACE="A5", LS="D1"),
    # C: two weeks' respite with another carer (T3) then back to the same carer -> 1 placement
    #    by default; 3 if temporary placements are counted.
    episode("C", "01/01/2019", "S", "01/07/2019", HOUSEHOLD_ID="H1"),
    episode("C", "01/07/2019", "P", "10/07/2019", PLACE="T3"),
    episode("C", "10/07/2019", "P", HOUSEHOLD_ID="H1"),
    # D: agreed series of short breaks (V3): not in the population at all.
    episode("D", "01/01/2019", "S", "01/05/2019", LS="V3"),
    episode("D", "01/05/2019", "P", "01/08/2019", LS="V3"),
    episode("D", "01/08/2019", "P", LS="V3"),
    # E: first placement ended on 01/04/2019, the window's first day -> it is in the window: 3.
    episode("E", "01/01/2018", "S", "01/04/2019"),
    episode("E", "01/04/2019", "P", "01/01/2020"),
    episode("E", "01/01/2020", "P"),
    # F: first placement ended on 31/03/2019, the day before the window -> 2, not counted.
    episode("F", "01/01/2018", "S", "31/03/2019"),
    episode("F", "31/03/2019", "P", "01/01/2020"),
    episode("F", "01/01/2020", "P"),
    # G: three placements but left care on 15/03/2020 -> not looked after on the date.
    episode("G", "01/01/2019", "S", "01/05/2019"),
    episode("G", "01/05/2019", "P", "01/08/2019"),
    episode("G", "01/08/2019", "P", "15/03/2020", rec="E13"),
    # H: episode ended on 31/03/2020 itself -> ceased, not looked after on the date.
    episode("H", "01/01/2019", "S", "31/03/2020", rec="E4A"),
    # I: break in care: one placement in a first period, two in a second -> 3, counted.
    episode("I", "01/05/2019", "S", "01/06/2019", rec="E4A"),
    episode("I", "01/09/2019", "S", "01/11/2019"),
    episode("I", "01/11/2019", "P"),
    # J: moved on 02/04/2020, after the date -> as at 31/03/2020 one open placement.
    episode("J", "01/01/2019", "S", "02/04/2020"),
    episode("J", "02/04/2020", "P"),
    # K: B (legal change + new carer) starts a placement; L does not: S, B, P -> 3, counted.
    episode("K", "01/01/2019", "S", "01/06/2019"),
    episode("K", "01/06/2019", "B", "01/07/2019", LS="C1"),
    episode("K", "01/07/2019", "L", "01/08/2019", LS="C2"),
    episode("K", "01/08/2019", "P"),
]


def test_short_term_counts_children_with_three_or_more_placements(scorecard_for):
    result = scorecard_for("2020-03", episodes=SHORT_TERM_EPISODES, header=children_for(SHORT_TERM_EPISODES))
    stability = result["stability_short_term"]
    # Population: A B C E F I J K (D is V3, G and H had left) = 8.
    # Three or more placements: A E I K = 4.
    assert (stability.numerator, stability.denominator) == (4, 8)
    assert stability.value == 50.0


def test_short_term_can_count_temporary_placements(models_for):
    result = scorecard_with_setting(
        models_for, "2020-03", {"count_temporary_placements": True},
        episodes=SHORT_TERM_EPISODES, header=children_for(SHORT_TERM_EPISODES),
    )
    # C's respite (T3) and return now count as two more placements: A C E I K = 5 of 8.
    assert (result["stability_short_term"].numerator, result["stability_short_term"].denominator) == (5, 8)


def test_adoption_with_current_carer_can_count_as_a_move(models_for):
    episodes = [
        # S, then placed for adoption with the same carer but (wrongly) coded RNE P, then a move.
        episode("Z", "01/01/2019", "S", "01/06/2019"),
        episode("Z", "01/06/2019", "P", "01/09/2019", PLACE="A5"),
        episode("Z", "01/09/2019", "P"),
    ]
    result = scorecard_with_setting(
        models_for, "2020-03", {"adoption_with_current_carer_is_a_move": True}, episodes=episodes, header=children_for(episodes)
    )
    # Counted as a move, A5 with RNE P makes three placements.
    assert result["stability_short_term"].numerator == 1


def test_adoption_with_current_carer_is_not_a_move_by_default(scorecard_for):
    episodes = [
        episode("Z", "01/01/2019", "S", "01/06/2019"),
        episode("Z", "01/06/2019", "P", "01/09/2019", PLACE="A5"),
        episode("Z", "01/09/2019", "P"),
    ]
    result = scorecard_for("2020-03", episodes=episodes, header=children_for(episodes))
    # The A5 episode continues the first placement: two placements, not counted.
    assert (result["stability_short_term"].numerator, result["stability_short_term"].denominator) == (0, 1)


# As at 31/03/2020: looked after since 30/09/2017 or earlier (2.5 years), same carer since
# 31/03/2018 or earlier (2 years), aged under 16 (born after 31/03/2004).
LONG_TERM_EPISODES = [
    # L1: same placement since 2017 -> numerator.
    episode("L1", "01/01/2017", "S"),
    # L2: placed for adoption with the same carer in 2018 (RNE T, A5) -> same carer since 2017.
    episode("L2", "01/01/2017", "S", "01/01/2018"),
    episode("L2", "01/01/2018", "T", PLACE="A5"),
    # L3: moved in June 2018 -> denominator only.
    episode("L3", "01/01/2017", "S", "01/06/2018"),
    episode("L3", "01/06/2018", "P"),
    # L4: came into care on 30/09/2017, exactly 2.5 years before -> in; same carer -> numerator.
    episode("L4", "30/09/2017", "S"),
    # L5: came into care on 01/10/2017, a day short of 2.5 years -> not in the measure.
    episode("L5", "01/10/2017", "S"),
    # L6a: 16th birthday on 31/03/2020 -> aged 16, not in the measure.
    episode("L6a", "01/01/2015", "S"),
    # L6b: 16th birthday on 01/04/2020 -> still 15 on the date -> numerator.
    episode("L6b", "01/01/2015", "S"),
    # L7: moved on 31/03/2018, exactly 2 years before -> numerator.
    episode("L7", "01/01/2016", "S", "31/03/2018"),
    episode("L7", "31/03/2018", "P"),
    # L8: short breaks (V4) -> not in the measure.
    episode("L8", "01/01/2015", "S", LS="V4"),
    # L9: break in care, back in care since 01/02/2019 -> not looked after 2.5 years continuously.
    episode("L9", "01/01/2015", "S", "01/01/2019", rec="E4A"),
    episode("L9", "01/02/2019", "S"),
    # L10: a fortnight's temporary placement (T3) in 2019 and back to the same carer -> numerator.
    episode("L10", "01/01/2017", "S", "01/08/2019", HOUSEHOLD_ID="H2"),
    episode("L10", "01/08/2019", "P", "15/08/2019", PLACE="T3"),
    episode("L10", "15/08/2019", "P", HOUSEHOLD_ID="H2"),
    # L11: legal status change only (L) -> same placement since 2017 -> numerator.
    episode("L11", "01/01/2017", "S", "01/01/2018", LS="C1"),
    episode("L11", "01/01/2018", "L", LS="C2"),
]


def test_long_term_counts_children_with_the_same_carer_for_two_years(scorecard_for):
    header = children_for(LONG_TERM_EPISODES, dob="01/01/2008")
    header = [{**h, "DOB": {"L6a": "31/03/2004", "L6b": "01/04/2004"}.get(h["CHILD"], h["DOB"])} for h in header]
    result = scorecard_for("2020-03", episodes=LONG_TERM_EPISODES, header=header)
    stability = result["stability_long_term"]
    # Denominator: L1 L2 L3 L4 L6b L7 L10 L11 = 8; numerator: all but L3 = 7.
    assert (stability.numerator, stability.denominator) == (7, 8)
    assert stability.value == 87.5


def test_long_term_in_a_leap_year(scorecard_for):
    # As at 29/02/2020, two years back is 28/02/2018 and 30 months back is 29/08/2017.
    episodes = [
        episode("M1", "01/01/2017", "S", "28/02/2018"),
        episode("M1", "28/02/2018", "P"),  # same carer since 28/02/2018 -> numerator
        episode("M2", "01/01/2017", "S", "01/03/2018"),
        episode("M2", "01/03/2018", "P"),  # moved a day later -> denominator only
        episode("M3", "29/08/2017", "S"),  # in care exactly 30 months -> numerator
        episode("M4", "30/08/2017", "S"),  # a day short -> not in the measure
    ]
    result = scorecard_for("2020-02", episodes=episodes, header=children_for(episodes))
    assert (result["stability_long_term"].numerator, result["stability_long_term"].denominator) == (2, 3)


def test_a_child_with_no_placements_data_gives_no_value_not_zero(scorecard_for):
    result = scorecard_for("2020-03")
    assert result["stability_short_term"].denominator == 0
    assert result["stability_short_term"].value is None
    assert result["stability_short_term"].rag == "Not rated"


def test_a_placement_is_open_while_its_latest_episode_is_open(models_for):
    # One carer since 01/01/2017; a legal-status change (RNE L) on 01/01/2018 starts a second
    # episode of the same placement, still open. Its first episode ended before both windows,
    # but the placement is open on 31/03/2020: 1 placement in the 12 months and in the 2 years.
    episodes = [
        episode("A", "01/01/2017", "S", "01/01/2018", rec="X1"),
        episode("A", "01/01/2018", "L", LS="C2"),
    ]
    with models_for("2020-03", episodes=episodes, header=children_for(episodes)) as (ctx, con):
        models.set_as_at(con, ctx.as_at)
        counts = con.execute(
            "select placements_12_months, placements_2_years from int_placement_counts where as_at = date '2020-03-31'"
        ).fetchall()
    assert counts == [(1, 1)]
