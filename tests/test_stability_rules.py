"""Worked examples for the placement stability rules of docs/metrics.md ("Placement stability:
the rules"), one care story each, read from the per-child model int_stability_children (what each
DfE measure counts for each child) and int_placement_episodes (which episode starts a placement).

Episodes are given in file order; dates are dd/mm/YYYY. Windows as at 31/12/2019: the 12 months
from 01/01/2019; as at 31/03/2020: from 01/04/2019; the 2 years from 01/04/2018.
"""

import dataclasses
import datetime as dt

from builders import children_for

from fostering_scorecard import models

D = dt.date


def episode(child, start, rne, end="", rec="X1", ls="C2", place="U4", household="H1", **extra):
    return {"CHILD": child, "DECOM": start, "RNE": rne, "DEC": end, "REC": rec if end else "", "LS": ls,
            "PLACE": place, "HOUSEHOLD_ID": household, **extra}


CARERS = [{"household_id": h, "approval_date": "01/01/2010"} for h in ("H1", "H2", "H3")]


def children_on(con, as_at: dt.date) -> dict:
    """The per-child stability model as at a date: child -> its row."""
    models.build_dates(con, [as_at])
    result = con.execute("select * from int_stability_children where as_at = ?", [as_at])
    columns = [d[0] for d in result.description]
    return {row[1]: dict(zip(columns, row)) for row in result.fetchall()}


def placement_starts(con, child: str) -> list[bool]:
    """For each counted episode of the child, in order: does it start a placement?"""
    rows = con.execute(
        "select starts_placement from int_placement_episodes where child_id = ? order by episode_number", [child]
    ).fetchall()
    return [r[0] for r in rows]


def run(models_for, episodes, month="2020-03"):
    """A context manager giving (ctx, models connection) for these episodes, every child born
    01/01/2010 and the households H1-H3 approved."""
    return models_for(month, episodes=episodes, header=children_for(episodes, dob="01/01/2010"), carers=CARERS)


# 1. From full care to short breaks (V4) and back, with a new carer.
FULL_CARE_TO_SHORT_BREAKS_AND_BACK = [
    episode("A", "01/01/2017", "S", "01/06/2019", household="H1"),  # full care with H1
    episode("A", "01/06/2019", "L", "01/12/2019", ls="V4", place="U6", household="H3"),  # short breaks
    episode("A", "01/12/2019", "P", household="H2"),  # full care again, a new carer (H2)
]


def test_from_full_care_to_short_breaks_and_back(models_for):
    with run(models_for, FULL_CARE_TO_SHORT_BREAKS_AND_BACK) as (_ctx, con):
        on_short_breaks = children_on(con, D(2019, 8, 31))
        back = children_on(con, D(2020, 3, 31))
        starts = placement_starts(con, "A")
    # 31/08/2019: A's open episode is a short break: not looked after, in no measure.
    assert "A" not in on_short_breaks
    # 31/03/2020: the short breaks are taken out; the return is a new period of care (the gap of
    # six months on short breaks is not care) and a new placement with H2: 2 placements in the
    # 12 months (H1's placement ended 01/06/2019, in the window, and H2's). In care only since
    # 01/12/2019: in neither the 2-year nor the long-term cohort (continuous care from 2017 if
    # the short breaks had counted as care).
    assert back["A"]["period_start"].date() == D(2019, 12, 1)
    assert (back["A"]["placements_12_months"], back["A"]["in_two_year_cohort"], back["A"]["in_long_term_cohort"]) == (2, False, False)
    assert starts == [True, True]  # A's counted episodes: H1 (first), H2 (new carer)


# 2. A move recorded on a short-break episode (V4, RNE P) inside what would look like a
#    same-carer run once the short break is taken out.
MOVE_ON_A_SHORT_BREAK = [
    episode("B", "01/01/2017", "S", "01/03/2019", household="H1"),  # full care with H1
    episode("B", "01/03/2019", "P", "01/05/2019", ls="V4", place="U6", household="H2"),  # short breaks with H2: a new carer
    episode("B", "01/05/2019", "T", place="U6", household="H2"),  # full care with H2 (T: same carer as the short break)
]


def test_a_move_on_a_short_break_does_not_hide_in_a_same_carer_run(models_for):
    with run(models_for, MOVE_ON_A_SHORT_BREAK) as (_ctx, con):
        child = children_on(con, D(2019, 12, 31))["B"]
        starts = placement_starts(con, "B")
    # Without the short break, B's T episode would follow H1's episode and continue H1's
    # placement. The carer changed on the short break (RNE P) and the T episode is not with H1:
    # it starts a placement. 12 months from 01/01/2019: H1's (ended 01/03/2019) and H2's = 2.
    assert starts == [True, True]
    assert child["placements_12_months"] == 2
    assert child["current_placement_start"].date() == D(2019, 5, 1)


# 3. Back to the same carer after short breaks, coded RNE L.
SAME_CARER_AFTER_SHORT_BREAKS = [
    episode("C", "01/01/2017", "S", "01/03/2019", household="H1"),  # full care with H1
    episode("C", "01/03/2019", "L", "01/05/2019", ls="V4", household="H1"),  # short breaks, same carer (legal change only)
    episode("C", "01/05/2019", "L", household="H1"),  # full care with H1 again (legal change only)
]
# ... and the same return coded P (a new placement by its code) to the very same carer.
SAME_CARER_AFTER_SHORT_BREAKS_CODED_P = [
    episode("E", "01/01/2017", "S", "01/03/2019", household="H1"),
    episode("E", "01/03/2019", "P", "01/05/2019", ls="V4", place="U6", household="H3"),  # short breaks with H3
    episode("E", "01/05/2019", "P", household="H1"),  # back with H1
]


def test_a_return_to_the_same_carer_after_short_breaks_is_not_a_move(models_for):
    with run(models_for, SAME_CARER_AFTER_SHORT_BREAKS + SAME_CARER_AFTER_SHORT_BREAKS_CODED_P) as (_ctx, con):
        child = children_on(con, D(2019, 12, 31))
        starts = {c: placement_starts(con, c) for c in ("C", "E")}
    # C: no carer change anywhere (L, L): still H1's placement, begun 01/01/2017; 1 placement in
    # the 12 months. But the period of care restarts after the short breaks (01/05/2019).
    # E: the carer changed on the short break (P) but the return is to H1, the carer of the last
    # counted episode (same placement type, provider, household, URN, postcode): not a move.
    for c in ("C", "E"):
        assert starts[c] == [True, False], c
        assert child[c]["placements_12_months"] == 1, c
        assert child[c]["current_placement_start"].date() == D(2017, 1, 1), c
        assert child[c]["period_start"].date() == D(2019, 5, 1), c


# 4. Placed for adoption with the current carer (A5) coded RNE P: not a move, and flagged.
ADOPTION_CODED_P = [
    episode("F", "01/01/2019", "S", "01/06/2019"),  # with H1
    episode("F", "01/06/2019", "P", "01/09/2019", place="A5"),  # placed for adoption with H1, coded P
    episode("F", "01/09/2019", "T", place="A5", ls="E1"),  # still with H1
]


def test_placed_for_adoption_with_the_current_carer_is_never_a_move(models_for, validated_extracts):
    with run(models_for, ADOPTION_CODED_P) as (ctx, con):
        child = children_on(con, D(2020, 3, 31))["F"]
        assert placement_starts(con, "F") == [True, False, False]
        # With the project's switch on, the A5 episode coded P is a move (2 placements).
        models.create_models(con, dataclasses.replace(ctx.settings, adoption_with_current_carer_is_a_move=True))
        counted_as_a_move = children_on(con, D(2020, 3, 31))["F"]
    assert child["placements_12_months"] == 1
    assert counted_as_a_move["placements_12_months"] == 2
    _ctx, validated = validated_extracts("2020-03", episodes=ADOPTION_CODED_P, header=children_for(ADOPTION_CODED_P))
    warnings = validated["episodes"].warnings
    assert list(warnings.loc[warnings["rule_id"] == "episodes.RNE.adoption_rne", "line"]) == [3]  # still flagged


# 5. Placements in a window: the first counted episode in it, and every later start.
IN_THE_WINDOW = [
    # G: with H1 since 2016, a legal change (L) and a placement-type change (T) in the window:
    #    1 placement; then a new carer (P) and another (B): 3.
    episode("G", "01/01/2016", "S", "01/05/2019"),
    episode("G", "01/05/2019", "L", "01/06/2019", ls="C1"),
    episode("G", "01/06/2019", "T", "01/08/2019", place="U6"),
    episode("G", "01/08/2019", "P", "01/10/2019", household="H2"),
    episode("G", "01/10/2019", "B", ls="C2", household="H3"),
    # H: a placement that ended on 01/04/2019, the window's first day, is in it: 3 placements.
    episode("H", "01/01/2018", "S", "01/04/2019"),
    episode("H", "01/04/2019", "P", "01/01/2020", household="H2"),
    episode("H", "01/01/2020", "P", household="H3"),
    # I: the same, but the first placement ended on 31/03/2019, the day before: 2.
    episode("I", "01/01/2018", "S", "31/03/2019"),
    episode("I", "31/03/2019", "P", "01/01/2020", household="H2"),
    episode("I", "01/01/2020", "P", household="H3"),
]


def test_placements_in_a_window(models_for):
    with run(models_for, IN_THE_WINDOW) as (_ctx, con):
        children = children_on(con, D(2020, 3, 31))
    assert {c: children[c]["placements_12_months"] for c in "GHI"} == {"G": 3, "H": 3, "I": 2}
    # 2 years from 01/04/2018: G's first placement is in it too (still 3: the L and T episodes
    # continue it); H and I: 3 each.
    assert {c: children[c]["placements_2_years"] for c in "GHI"} == {"G": 3, "H": 3, "I": 3}


# 6. Continuity of care is broken by any gap between episodes.
GAPS = [
    # J: left care (E4A) on 01/02/2018, back two days later (S): in care since 03/02/2018.
    episode("J", "01/01/2015", "S", "01/02/2018", rec="E4A"),
    episode("J", "03/02/2018", "S"),
    # K: an X1 ending, but the next episode starts a week later: a gap all the same.
    episode("K", "01/01/2015", "S", "01/02/2018"),
    episode("K", "08/02/2018", "P", household="H2"),
    # L: an unbroken X1 chain since 2015: continuous.
    episode("L", "01/01/2015", "S", "01/02/2018"),
    episode("L", "01/02/2018", "P", household="H2"),
]


def test_any_gap_between_episodes_breaks_continuity(models_for):
    with run(models_for, GAPS) as (_ctx, con):
        children = children_on(con, D(2020, 3, 31))
    # 2 years back is 31/03/2018, 30 months back 30/09/2017: J and K are in care since February
    # 2018 (in the 2-year cohort, not the long-term one); L since 2015 (in both).
    assert {c: children[c]["period_start"].date() for c in "JKL"} == {"J": D(2018, 2, 3), "K": D(2018, 2, 8), "L": D(2015, 1, 1)}
    assert {c: (children[c]["in_two_year_cohort"], children[c]["in_long_term_cohort"]) for c in "JKL"} == {
        "J": (True, False), "K": (True, False), "L": (True, True)}


def test_a_temporary_placement_and_the_return_to_the_same_carer(models_for):
    episodes = [
        episode("M", "01/01/2018", "S", "01/07/2019"),  # with H1
        episode("M", "01/07/2019", "P", "15/07/2019", place="T3", household=""),  # H1 on holiday
        episode("M", "15/07/2019", "P"),  # back with H1, coded P
        episode("N", "01/01/2018", "S", "01/07/2019"),  # with H1
        episode("N", "01/07/2019", "P", "08/07/2019", place="T4", household=""),  # a few days elsewhere
        episode("N", "08/07/2019", "T", household="H2"),  # stays on with H2 (T: same carer as the T4's)
    ]
    with run(models_for, episodes) as (ctx, con):
        default = children_on(con, D(2020, 3, 31))
        models.create_models(con, dataclasses.replace(ctx.settings, count_temporary_placements=True))
        counted = children_on(con, D(2020, 3, 31))
    # M: the T3 is left out and the return is to the same carer: 1 placement (3 when temporary
    # placements are counted: H1, the T3, H1 again). N: the carer changed (P on the T4) and N
    # did not return to H1: 2 placements. Counted, the T4 starts a placement and the T episode
    # continues it (same carer as the T4's, by its code): 2 as well.
    assert (default["M"]["placements_12_months"], default["N"]["placements_12_months"]) == (1, 2)
    assert (counted["M"]["placements_12_months"], counted["N"]["placements_12_months"]) == (3, 2)
