"""A differential test: the SQL models (int_stability_children and the three metric files) agree
child for child with tests/stability_reference.py, a deliberately simple implementation of
docs/metrics.md written without looking at the SQL, on the bundled sample at several year-ends
and on randomly generated SSDA903 histories with short breaks (V3/V4), temporary placements
(T0-T4), placements for adoption with the current carer (A3/A5), gaps in care, overlapping
episodes, rows repeated as in several annual returns, and impossible end dates.

Both sides read the same accepted episodes (what validation leaves), so a disagreement is a
difference in the stability rules themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path

import pytest
from builders import write_extracts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stability_reference import ChildStability, episodes_from_frame, measures, stability_on

from fostering_scorecard import models
from fostering_scorecard import run as spine

D = dt.date
YEAR_ENDS = [D(2021, 3, 31), D(2022, 3, 31), D(2023, 3, 31), D(2024, 3, 31), D(2025, 3, 31)]  # the sample's window
OTHER_DATES = [D(2024, 9, 30), D(2024, 2, 29)]  # a mid-year month end and a leap day
EXTRACT_DATE = D(2020, 4, 5)
SWITCHES = [
    {"count_temporary_placements": False, "adoption_with_current_carer_is_a_move": False},  # national defaults
    {"count_temporary_placements": True, "adoption_with_current_carer_is_a_move": True},
]


def sql_children(con, as_at: dt.date) -> dict[str, ChildStability]:
    rows = con.execute(
        "select child_id, placements_12_months, placements_2_years, in_long_term_cohort, same_carer_2_years, in_two_year_cohort "
        "from int_stability_children where as_at = ? order by child_id",
        [as_at],
    ).fetchall()
    return {child: ChildStability(int(p12), int(p2y), bool(lt), bool(same), bool(two)) for child, p12, p2y, lt, same, two in rows}


def dates_of_birth(validated) -> dict:
    header = validated["header"].accepted
    return {child: (None if dob != dob else dob.date()) for child, dob in zip(header["CHILD"], header["DOB"])}


def compare(con, ctx, validated, dates) -> None:
    """Per child and per date, for both settings of the two switches; and the metric rows."""
    episodes = episodes_from_frame(validated["episodes"].accepted)
    dob = dates_of_birth(validated)
    metrics = [m for m in ctx.metrics if m.id in ("stability_short_term", "stability_long_term", "stability_two_year")]
    for switches in SWITCHES:
        models.create_models(con, dataclasses.replace(ctx.settings, **switches))
        models.build_dates(con, dates)
        expected = {
            as_at: stability_on(episodes, dob, as_at, switches["count_temporary_placements"], switches["adoption_with_current_carer_is_a_move"])
            for as_at in dates
        }
        for as_at in dates:
            found = sql_children(con, as_at)
            differing = {c: (expected[as_at].get(c), found.get(c)) for c in sorted(set(expected[as_at]) | set(found))
                         if expected[as_at].get(c) != found.get(c)}
            assert differing == {}, f"{as_at} {switches}: {len(differing)} children differ, e.g. {list(differing.items())[:3]}"
        # The metric files count the same children.
        months = {f"{as_at:%Y-%m}": as_at for as_at in dates}
        for month, values in models.compute_months(con, metrics, list(months)).items():
            assert {v.metric_id: (v.numerator, v.denominator) for v in values} == measures(expected[months[month]]), (month, switches)


# ---------------------------------------------------------------------------------------------
# The bundled sample


@pytest.fixture(scope="module")
def sample_models(sample_project, suite_runner, tmp_path_factory):
    ctx = spine.prepare(sample_project, "2025-03", None, tmp_path_factory.mktemp("out"))
    validated = spine.validate(ctx, spine.read_extracts(ctx), suite_runner)
    con = spine.open_models(ctx, validated)
    yield ctx, validated, con
    con.close()


def test_the_sample_agrees_child_for_child_at_every_year_end(sample_models):
    ctx, validated, con = sample_models
    compare(con, ctx, validated, YEAR_ENDS + OTHER_DATES)


def test_the_sample_comparison_is_not_empty(sample_models):
    # The populations compared are the sample's real ones (about 1,800 children at 31 March).
    _ctx, validated, _con = sample_models
    expected = stability_on(episodes_from_frame(validated["episodes"].accepted), dates_of_birth(validated), D(2025, 3, 31))
    assert 1500 < len(expected) < 2200
    assert sum(c.in_long_term_cohort for c in expected.values()) > 300
    assert sum(c.placements_12_months >= 3 for c in expected.values()) > 100


# ---------------------------------------------------------------------------------------------
# Random SSDA903 histories

LEGAL = ["C2", "C2", "C2", "C1", "E1", "V2", "V4", "V3"]
PLACES = ["U4", "U4", "U6", "U1", "U5", "K2", "R1", "P1", "T3", "T4", "T0", "A5", "A3", "A4", "H5", "Z1"]
PROVIDERS = ["PR1", "PR1", "PR4", "PR2", ""]
HOUSEHOLDS = ["H1", "H2", ""]
ENDINGS = ["E11", "E13", "E4A", "E41", "E8"]


def fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


@st.composite
def child_story(draw, child: str) -> list[dict]:
    """One child's episodes (rows of episodes.csv), with the odd data problem planted."""
    day = draw(st.dates(D(2012, 6, 1), D(2020, 3, 31)))
    rows: list[dict] = []
    previous_rec = None
    for k in range(draw(st.integers(1, 9))):
        length = draw(st.integers(1, 500))
        rne = "S" if k == 0 or previous_rec != "X1" else draw(st.sampled_from(["P", "P", "L", "T", "U", "B", "S"]))
        if k > 0 and previous_rec != "X1" and draw(st.booleans()) and draw(st.booleans()):
            rne = draw(st.sampled_from(["P", "L", "T"]))  # a return to care not coded S (a data error)
        end = day + dt.timedelta(days=length)
        last = end > EXTRACT_DATE
        row = {
            "CHILD": child, "DECOM": fmt(day), "RNE": rne, "LS": draw(st.sampled_from(LEGAL)), "CIN": "N1",
            "PLACE": draw(st.sampled_from(PLACES)), "PLACE_PROVIDER": draw(st.sampled_from(PROVIDERS)),
            "HOUSEHOLD_ID": draw(st.sampled_from(HOUSEHOLDS)), "URN": "", "PL_POST": "",
            "DEC": "" if last else fmt(end), "REC": "", "REASON_PLACE_CHANGE": "",
        }
        if not last:
            row["REC"] = "X1" if draw(st.integers(0, 4)) else draw(st.sampled_from(ENDINGS))
        rows.append(row)
        if last:
            break
        previous_rec = row["REC"]
        day = end if previous_rec == "X1" else end + dt.timedelta(days=draw(st.integers(1, 300)))
        if day > EXTRACT_DATE:
            break
    if rows and rows[-1]["DEC"] and draw(st.booleans()):
        rows[-1] = {**rows[-1], "DEC": "", "REC": ""}  # still open at the extract
    problem = draw(st.sampled_from(["none"] * 6 + ["overlap", "repeated", "future_end", "stale_open_copy"]))
    if problem == "overlap" and len(rows) > 1:  # an episode starting inside the one before
        inside = dt.datetime.strptime(rows[0]["DECOM"], "%d/%m/%Y").date() + dt.timedelta(days=1)
        rows.insert(1, {**rows[1], "DECOM": fmt(inside), "PLACE": "R1"})
    elif problem == "repeated":  # the same row in two annual returns
        rows.append(dict(rows[draw(st.integers(0, len(rows) - 1))]))
    elif problem == "future_end" and rows[0]["DEC"]:  # an impossible end date (after the extract)
        rows[0] = {**rows[0], "DEC": "31/12/2031"}
    elif problem == "stale_open_copy" and rows[0]["DEC"]:  # an older return's open copy, after the latest
        rows.append({**rows[0], "DEC": "", "REC": ""})
    return rows


@st.composite
def council(draw) -> tuple[list[dict], list[dict]]:
    episodes, header = [], []
    for i in range(draw(st.integers(15, 40))):
        child = f"R{i:03d}"
        story = draw(child_story(child))
        episodes += story
        first = min(dt.datetime.strptime(r["DECOM"], "%d/%m/%Y").date() for r in story)
        born = first - dt.timedelta(days=draw(st.integers(0, 17 * 365)))
        if draw(st.integers(0, 19)):  # now and then a child missing from the header
            header.append({"CHILD": child, "DOB": fmt(born)})
    return episodes, header


@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(council())
def test_random_histories_agree_child_for_child(sample_project, suite_runner, data):
    episodes, header = data
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        extracts = write_extracts(folder / "extracts", extract_date=EXTRACT_DATE.isoformat(), episodes=episodes, header=header)
        ctx = spine.prepare(sample_project, "2020-03", extracts, folder / "out")
        validated = spine.validate(ctx, spine.read_extracts(ctx), suite_runner)
        con = spine.open_models(ctx, validated)
        try:
            compare(con, ctx, validated, YEAR_ENDS[1:] + OTHER_DATES)
        finally:
            con.close()
