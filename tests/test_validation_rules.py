"""Cross-record and cross-extract rules (sql/checks/), severities, and the contract's
conditional rules, each with a small hand-built example.

Episodes are listed in file order, so the first is on line 2 of episodes.csv, the next on 3, ...
Errors quarantine the row; warnings keep it (it still counts in the metrics) and are reported.
"""

import dataclasses
import datetime as dt

from builders import children_for

from fostering_scorecard import models
from fostering_scorecard.validation import load_rules, run_checks


def episode(child, decom, dec="", rec="", rne="P", place="U4", **other):
    return {"CHILD": child, "DECOM": decom, "DEC": dec, "REC": rec, "RNE": rne, "PLACE": place, **other}


def run(validated_extracts, **tables):
    if "episodes" in tables and "header" not in tables:
        tables["header"] = children_for(tables["episodes"])
    _ctx, validated = validated_extracts("2020-03", **tables)
    for v in validated.values():
        assert v.rows_read == v.rows_accepted + v.rows_quarantined
    return validated


def errors(v):
    return sorted(zip(v.quarantine["line"], v.quarantine["rule_id"]))


def warnings(v):
    return sorted(zip(v.warnings["line"], v.warnings["rule_id"]))


def reason(frame, line):
    return frame.set_index("line").loc[line, "reason"]


def test_the_later_of_two_overlapping_episodes_is_quarantined(validated_extracts):
    episodes = [
        episode("C1", "01/01/2019", "01/03/2019", "X1", rne="S"),  # line 2
        episode("C1", "01/03/2019", "01/05/2019", "E13"),  # line 3: starts the day line 2 ends X1: fine
        episode("C1", "15/04/2019"),  # line 4: starts before line 3 has ended
        episode("C2", "01/01/2019", rne="S"),  # line 5: still open
        episode("C2", "01/06/2019"),  # line 6: starts while line 5 is open
    ]
    v = run(validated_extracts, episodes=episodes)["episodes"]
    assert errors(v) == [(4, "episodes.DECOM.overlapping_episode"), (6, "episodes.DECOM.overlapping_episode")]
    assert reason(v.quarantine, 4) == "starts on 15/04/2019 before the episode on line 3 ended (DEC 01/05/2019); the earlier episode is kept"
    assert reason(v.quarantine, 6) == "starts on 01/06/2019 before the episode on line 5 (still open, DEC blank); the earlier episode is kept"
    assert list(v.accepted["_line"]) == [2, 3, 5]


def test_x1_without_a_next_episode_and_a_gap_in_care_are_warnings(validated_extracts):
    episodes = [
        episode("C1", "01/01/2019", "01/03/2019", "X1", rne="S"),  # line 2: X1 but nothing starts 01/03/2019
        episode("C1", "01/04/2019", rne="P"),  # line 3: RNE P continues care, but nothing ended X1 on 01/04/2019
    ]
    v = run(validated_extracts, episodes=episodes)["episodes"]
    assert errors(v) == []
    assert warnings(v) == [(2, "episodes.REC.x1_without_next"), (3, "episodes.RNE.gap_in_care")]
    assert v.rows_accepted == 2  # warnings keep the rows: they still count in the stability measures


def test_temporary_placement_rules_from_the_dfe(validated_extracts):
    episodes = [
        # C1: T4 for 10 days (limit 7).
        episode("C1", "01/01/2019", "10/01/2019", "X1", rne="S"),  # line 2
        episode("C1", "10/01/2019", "20/01/2019", "X1", place="T4"),  # line 3: 10 days
        episode("C1", "20/01/2019", rne="T"),  # line 4
        # C2: a 28-day T3 (limit 21), and a third T3 within 12 months (limit two).
        episode("C2", "01/01/2019", "01/02/2019", "X1", rne="S"),  # line 5
        episode("C2", "01/02/2019", "01/03/2019", "X1", place="T3"),  # line 6: 28 days
        episode("C2", "01/03/2019", "01/04/2019", "X1", rne="T"),  # line 7
        episode("C2", "01/04/2019", "08/04/2019", "X1", place="T3"),  # line 8: second T3, 7 days
        episode("C2", "08/04/2019", "01/06/2019", "X1", rne="T"),  # line 9
        episode("C2", "01/06/2019", "08/06/2019", "X1", place="T3"),  # line 10: third T3 in 12 months
        episode("C2", "08/06/2019", rne="T"),  # line 11
        # C3 starts care in a temporary placement; C4 leaves care from one.
        episode("C3", "01/01/2019", "05/01/2019", "X1", rne="S", place="T1"),  # line 12
        episode("C3", "05/01/2019"),  # line 13
        episode("C4", "01/01/2019", "01/02/2019", "X1", rne="S"),  # line 14
        episode("C4", "01/02/2019", "05/02/2019", "E4A", place="T2"),  # line 15
    ]
    v = run(validated_extracts, episodes=episodes)["episodes"]
    assert errors(v) == []
    assert warnings(v) == [
        (3, "episodes.PLACE.t4_over_7_days"),
        (6, "episodes.PLACE.t3_over_21_days"),
        (10, "episodes.PLACE.t3_more_than_two_in_12_months"),
        (12, "episodes.PLACE.temporary_at_edge_of_care"),
        (15, "episodes.PLACE.temporary_at_edge_of_care"),
    ]
    assert reason(v.warnings, 3) == "T4 temporary placement from 10/01/2019 lasted 10 days; the limit is 7"
    assert reason(v.warnings, 10) == "T3 starting 01/06/2019 is T3 number 3 for the child in 12 months; the limit is 2"
    assert v.rows_accepted == len(episodes)


def test_placed_for_adoption_with_current_carer_needs_rne_s_t_or_u(validated_extracts):
    episodes = [
        episode("C1", "01/01/2019", "01/06/2019", "X1", rne="S"),  # line 2
        episode("C1", "01/06/2019", place="A3", rne="P"),  # line 3: A3 with RNE P
        episode("C2", "01/01/2019", "01/06/2019", "X1", rne="S"),  # line 4
        episode("C2", "01/06/2019", place="A5", rne="T"),  # line 5: fine
    ]
    v = run(validated_extracts, episodes=episodes)["episodes"]
    assert warnings(v) == [(3, "episodes.RNE.adoption_rne")]


def test_household_ids_must_be_in_the_carers_extract(validated_extracts):
    carers = [
        {"household_id": "H1", "approval_date": "01/01/2015"},
        {"household_id": "H2", "approval_date": "01/01/2015", "household_type": "agency"},  # set aside: bad code
    ]
    training = [
        {"household_id": "H1", "completed_date": "01/02/2015"},  # line 2
        {"household_id": "H9", "completed_date": "01/02/2015"},  # line 3: no such household
        {"household_id": "H2", "completed_date": "01/02/2015"},  # line 4: H2's row was set aside, but H2 is known
    ]
    allegations = [{"household_id": "H9", "date_received": "01/02/2019"}]  # line 2
    episodes = [
        episode("C1", "01/01/2019", rne="S", HOUSEHOLD_ID="H9"),  # line 2
        episode("C2", "01/01/2019", rne="S", HOUSEHOLD_ID="H1"),  # line 3
    ]
    validated = run(validated_extracts, carers=carers, training=training, allegations=allegations, episodes=episodes)
    assert errors(validated["training"]) == [(3, "training.household_id.unknown_household")]
    assert reason(validated["training"].quarantine, 3) == "household_id is not in carers.csv"
    assert errors(validated["allegations"]) == [(2, "allegations.household_id.unknown_household")]
    # An episode is kept (a warning): removing it would change the child's placement count.
    assert errors(validated["episodes"]) == []
    assert warnings(validated["episodes"]) == [(2, "episodes.HOUSEHOLD_ID.unknown_household")]
    assert list(validated["training"].accepted["_line"]) == [2, 4]


def test_an_episode_for_a_child_missing_from_the_header_is_a_warning(validated_extracts):
    v = run(validated_extracts, episodes=[episode("C1", "01/01/2019", rne="S")], header=[{"CHILD": "C2"}])["episodes"]
    assert warnings(v) == [(2, "episodes.CHILD.unknown_child")]


def test_outcome_is_required_once_an_allegation_is_concluded(validated_extracts):
    allegations = [
        {"household_id": "H1", "date_received": "01/02/2019", "date_concluded": "01/03/2019"},  # line 2: no outcome
        {"household_id": "H1", "date_received": "01/02/2019", "date_concluded": "01/03/2019", "outcome": "UNFOUNDED"},
        {"household_id": "H1", "date_received": "01/02/2019"},  # line 4: still open, no outcome yet: fine
    ]
    v = run(validated_extracts, carers=[{"household_id": "H1", "approval_date": "01/01/2015"}], allegations=allegations)["allegations"]
    assert errors(v) == [(2, "allegations.outcome.missing_required")]
    assert reason(v.quarantine, 2) == "outcome is blank but is required when date_concluded is filled"


def test_a_date_of_birth_more_than_30_years_before_the_extract_is_a_bad_date(validated_extracts):
    # Extract date 05/04/2020, so the earliest sensible date of birth is 05/04/1990.
    header = [{"CHILD": "C1", "DOB": "04/04/1990"}, {"CHILD": "C2", "DOB": "05/04/1990"}]
    v = run(validated_extracts, header=header)["header"]
    assert errors(v) == [(2, "header.DOB.bad_date")]
    assert "more than 30 years before the extract date (earliest 05/04/1990)" in reason(v.quarantine, 2)


def test_severity_is_part_of_the_rule_definition(validated_extracts):
    """The same finding quarantines the row when its check is configured as an error."""
    episodes = [
        episode("C1", "01/01/2019", "10/01/2019", "X1", rne="S"),  # line 2
        episode("C1", "10/01/2019", "20/01/2019", "X1", place="T4"),  # line 3: 10 days
        episode("C1", "20/01/2019", rne="T"),  # line 4
    ]
    validated = run(validated_extracts, episodes=episodes)
    assert warnings(validated["episodes"]) == [(3, "episodes.PLACE.t4_over_7_days")]

    t4 = next(c for c in load_rules().checks if c.kind == "t4_over_7_days")
    con = models.connect()
    try:
        import datetime as dt

        rechecked = run_checks(con, validated, dt.date(2020, 4, 5), checks=(dataclasses.replace(t4, severity="error"),))
    finally:
        con.close()
    v = rechecked["episodes"]
    assert errors(v) == [(3, "episodes.PLACE.t4_over_7_days")]
    assert v.rows_accepted == 2 and v.rows_read == 3


def test_every_rule_kind_has_a_severity_a_meaning_and_a_fix():
    rules = load_rules()
    for kind in rules.kinds.values():
        assert kind.severity in ("error", "warning") and kind.meaning and kind.fix, kind.kind
    for check in rules.checks:
        assert check.kind in rules.kinds


def test_a_bad_value_in_a_column_no_metric_uses_is_a_warning_and_the_row_is_kept(validated_extracts):
    # MC_DOB (date of birth of a mother's child) is marked severity = "warning" in the contract:
    # setting the child's row aside would drop the child from the long-term stability measure.
    header = [{"CHILD": "C1", "MC_DOB": "26/09/2021"}, {"CHILD": "C2", "MOTHER": "7"}, {"CHILD": "C3", "SEX": "9"}]
    v = run(validated_extracts, header=header)["header"]
    assert warnings(v) == [(2, "header.MC_DOB.future_date"), (3, "header.MOTHER.bad_code")]
    assert errors(v) == [(4, "header.SEX.bad_code")]
    assert list(v.accepted["CHILD"]) == ["C1", "C2"]


def test_an_overlapping_episode_sets_aside_only_itself(validated_extracts):
    # Each episode is compared with the episodes accepted before it, never with one set aside.
    episodes = [
        episode("C1", "01/01/2019", "01/03/2019", "X1", rne="S"),  # line 2
        episode("C1", "01/03/2019", "01/05/2019", "X1"),  # line 3
        episode("C1", "15/04/2019"),  # line 4: starts inside line 3 and never ends (a stray copy): set aside
        episode("C1", "01/05/2019", "01/07/2019", "X1"),  # line 5: starts the day line 3 ended: fine
        episode("C1", "01/07/2019"),  # line 6: fine
    ]
    v = run(validated_extracts, episodes=episodes)["episodes"]
    # Compared with line 4 (open), lines 5 and 6 would have been set aside too.
    assert errors(v) == [(4, "episodes.DECOM.overlapping_episode")]
    assert list(v.accepted["_line"]) == [2, 3, 5, 6]


def test_an_impossible_end_date_keeps_the_episode(validated_extracts, scorecard_for):
    episodes = [
        # C1: DEC is not a date; the next episode starts 01/03/2019, so that is where it ends.
        episode("C1", "01/01/2018", "31/02/2019", "X1", rne="S"),  # line 2
        episode("C1", "01/03/2019"),  # line 3
        # C2: DEC after the extract date (05/04/2020) and no later episode: still open.
        episode("C2", "01/01/2018", "01/01/2031", "E13", rne="S"),  # line 4
        # C3: DEC before DECOM; the next episode starts 01/09/2018.
        episode("C3", "01/06/2018", "01/01/2018", "X1", rne="S"),  # line 5
        episode("C3", "01/09/2018"),  # line 6
    ]
    v = run(validated_extracts, episodes=episodes)["episodes"]
    assert errors(v) == []
    assert warnings(v) == [(2, "episodes.DEC.bad_date"), (4, "episodes.DEC.future_date"), (5, "episodes.DEC.end_before_start")]
    assert reason(v.warnings, 4).endswith("the episode is kept: it ends the day the child's next episode starts, or is still open if none does")
    accepted = v.accepted.set_index("_line")
    assert [accepted.loc[line, "DEC"].date() for line in (2, 5)] == [dt.date(2019, 3, 1), dt.date(2018, 9, 1)]
    assert accepted.loc[4, ["DEC", "REC"]].isna().all()  # open: no end, so no reason it ceased
    # Setting these episodes aside would have erased C1 and C2 from January 2019 (C3 from
    # August 2018): as at 31/01/2019 all three are looked after.
    stability = scorecard_for("2019-01", episodes=episodes, header=children_for(episodes))["stability_short_term"]
    assert stability.denominator == 3


def test_an_open_episode_with_a_reason_ceased_is_a_warning(validated_extracts):
    episodes = [
        episode("C1", "01/01/2019", rne="S", rec="E13"),  # line 2: DEC blank but REC filled
        episode("C2", "01/01/2019", rne="S"),  # line 3: open, no REC: fine
    ]
    v = run(validated_extracts, episodes=episodes)["episodes"]
    assert warnings(v) == [(2, "episodes.REC.open_with_reason_ceased")]
    assert reason(v.warnings, 2) == "DEC is blank (the episode is open) but REC is E13"
    assert v.rows_accepted == 2


def test_a_check_against_an_extract_not_supplied_is_not_run(tmp_path, suite_runner, sample_project):
    # carers.csv is optional: a council with only its SSDA903 return leaves it out. Household ids
    # on episodes cannot then be checked (every one would look unknown).
    from builders import write_extracts

    from fostering_scorecard import run as spine

    episodes = [episode("C1", "01/01/2019", rne="S", HOUSEHOLD_ID="H1")]
    folder = write_extracts(tmp_path / "extracts", episodes=episodes, header=children_for(episodes))
    for optional in ("carers.csv", "training.csv", "allegations.csv", "enquiries.csv"):
        (folder / optional).unlink()
    ctx = spine.prepare(sample_project, "2020-03", folder, tmp_path / "out")
    validated = spine.validate(ctx, spine.read_extracts(ctx), suite_runner)
    assert not validated["carers"].raw.supplied
    assert warnings(validated["episodes"]) == [] and errors(validated["episodes"]) == []
