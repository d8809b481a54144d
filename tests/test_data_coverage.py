"""No figures the data cannot support: each extract's coverage, the first month that can be
reported, "insufficient history" for a window reaching before the data, and "no data" for an
extract not supplied, empty, or stopping before the period. Worked examples, numbers by hand.
"""

import datetime as dt

import pytest
from builders import children_for, write_extracts

from fostering_scorecard import models, validation
from fostering_scorecard import run as spine

D = dt.date


def episode(child, start, rne="P", end="", rec="X1", **extra):
    return {"CHILD": child, "DECOM": start, "RNE": rne, "DEC": end, "REC": rec if end else "", **extra}


# Episodes as several annual SSDA903 returns from 2016-17 hold them: A has been in care since
# 2010 (its first DECOM, long before the returns begin); B's first episode ended on 03/04/2016,
# the earliest end on record; C came into care in 2018.
RETURNS_FROM_2016 = [
    episode("A", "01/06/2010", "S"),
    episode("B", "01/02/2016", "S", "03/04/2016"),
    episode("B", "03/04/2016", "P", "01/05/2019"),
    episode("B", "01/05/2019", "P"),
    episode("C", "01/09/2018", "S"),
]
CARERS = [{"household_id": "H1", "approval_date": "01/01/2012"}, {"household_id": "H2", "approval_date": "15/06/2019"}]
ENQUIRIES = [{"enquiry_date": "10/01/2018"}, {"enquiry_date": "20/06/2018"}]  # the last one in June 2018


@pytest.fixture
def validated_for(tmp_path, suite_runner, sample_project):
    """Validate hand-built extracts; files named in `leave_out` are not in the folder."""

    def run(month="2020-03", leave_out=(), **tables):
        folder = write_extracts(tmp_path / "extracts", **tables)
        for file in leave_out:
            (folder / file).unlink()
        ctx = spine.prepare(sample_project, month, folder, tmp_path / "out")
        return ctx, spine.validate(ctx, spine.read_extracts(ctx), suite_runner)

    return run


def figures(ctx, validated, month):
    coverage = validation.extract_coverage(validated)
    con = spine.open_models(ctx, validated)
    try:
        return models.month_figures(con, ctx.metrics, ctx.settings, month, month, coverage=coverage)
    finally:
        con.close()


def row(month_figures, metric_id):
    return next(r for r in month_figures.rows if r["metric_id"] == metric_id)


def test_coverage_of_each_extract(validated_for):
    _ctx, validated = validated_for(episodes=RETURNS_FROM_2016, header=children_for(RETURNS_FROM_2016),
                                    carers=CARERS, enquiries=ENQUIRIES)
    coverage = validation.extract_coverage(validated)
    episodes = coverage["episodes"]
    # First and last of DECOM and DEC: 01/06/2010 (A's start) and 01/05/2019 (B's last end). The
    # history is complete from the month of the earliest DEC (03/04/2016): 1 April 2016, not 2010.
    assert (episodes.rows, episodes.first, episodes.last, episodes.history_start) == (5, D(2010, 6, 1), D(2019, 5, 1), D(2016, 4, 1))
    assert (coverage["carers"].first, coverage["carers"].last, coverage["carers"].history_start) == (D(2012, 1, 1), D(2019, 6, 15), D(2012, 1, 1))
    assert coverage["enquiries"].rows_every_month and coverage["enquiries"].last == D(2018, 6, 20)
    assert (coverage["allegations"].supplied, coverage["allegations"].rows, coverage["allegations"].first) == (True, 0, None)
    assert coverage["header"].first is None  # no main date column: it never limits the history
    assert episodes.as_record() == {"file": "episodes.csv", "supplied": True, "rows": 5, "first": "2010-06-01",
                                    "last": "2019-05-01", "history_start": "2016-04-01"}
    assert episodes.as_record(months_only=True)["first"] == "2010-06"
    # The first month that can be reported: the month the episodes' history starts.
    assert validation.first_reportable_month(coverage) == "2016-04"


def test_no_episodes_no_reportable_month(validated_for):
    _ctx, validated = validated_for()
    assert validation.first_reportable_month(validation.extract_coverage(validated)) is None


def test_a_window_reaching_before_the_data_reads_insufficient_history(validated_for):
    ctx, validated = validated_for("2017-03", episodes=RETURNS_FROM_2016, header=children_for(RETURNS_FROM_2016), carers=CARERS)
    month = figures(ctx, validated, "2017-03")
    # As at 31/03/2017 the 12 months start on 01/04/2016, where the episodes begin: a figure.
    # (A and B are looked after; neither had 3 placements.)
    short = row(month, "stability_short_term")
    assert (short["numerator"], short["denominator"], short["value"]) == (0, 2, 0.0)
    # The 2 years (from 01/04/2015) and the 2.5 years (from 30/09/2014) reach before April 2016.
    two_year, long_term = row(month, "stability_two_year"), row(month, "stability_long_term")
    assert (two_year["value"], two_year["numerator"], two_year["denominator"], two_year["rag"]) == (None, None, None, "Not rated")
    assert two_year["rag_reason"] == "insufficient history: the figure reads from April 2015; episodes.csv covers from April 2016"
    assert long_term["rag_reason"] == "insufficient history: the figure reads from September 2014; episodes.csv covers from April 2016"
    # The history behind the trend says the same for the earlier months (never a 0).
    earlier = [r for r in month.history if r["metric_id"] == "stability_short_term" and r["month"] == "2016-03"]
    assert earlier[0]["value"] is None and earlier[0]["rag_reason"].startswith("insufficient history")


def test_an_extract_not_supplied_or_empty_reads_no_data(validated_for):
    ctx, validated = validated_for(episodes=RETURNS_FROM_2016, header=children_for(RETURNS_FROM_2016),
                                   carers=CARERS, leave_out=("training.csv",))
    month = figures(ctx, validated, "2020-03")
    core = row(month, "core_training_12m")
    assert (core["value"], core["numerator"], core["rag"], core["rag_reason"]) == (None, None, "Not rated", "no data: training.csv not supplied")
    # allegations.csv was supplied with no rows: 0 allegations would mislead.
    assert row(month, "allegations_12m")["rag_reason"] == "no data: allegations.csv has no rows"
    assert row(month, "allegations_12m")["value"] is None
    # The carers extract is there: approved households as at 31/03/2020 = H1, H2.
    assert row(month, "approved_households")["value"] == 2.0


def test_rows_expected_every_month_stopping_before_the_period_read_no_data(validated_for):
    ctx, validated = validated_for(episodes=RETURNS_FROM_2016, header=children_for(RETURNS_FROM_2016), enquiries=ENQUIRIES)
    # The enquiries stop in June 2018: for 31/03/2020 (12 months from 01/04/2019) there is no
    # enquiry after the period starts, so 0 enquiries would mislead.
    later = figures(ctx, validated, "2020-03")
    assert row(later, "enquiries_12m")["rag_reason"] == "no data: no rows of enquiries.csv dated from April 2019"
    # 31/12/2018: the 12 months from 01/01/2018 begin where the enquiries begin (January 2018)
    # and hold both enquiries.
    assert row(figures(ctx, validated, "2018-12"), "enquiries_12m")["value"] == 2.0
    # 30/06/2018: the 12 months from 01/07/2017 reach before the enquiries begin.
    assert row(figures(ctx, validated, "2018-06"), "enquiries_12m")["rag_reason"] == (
        "insufficient history: the figure reads from July 2017; enquiries.csv covers from January 2018")


def test_a_council_with_only_its_ssda903_return(validated_for):
    """Header and episodes only: the stability, unplanned-endings and where-children-live
    indicators have values; every fostering indicator reads "no data", never 0 and never Red."""
    leave_out = ("carers.csv", "training.csv", "allegations.csv", "enquiries.csv")
    ctx, validated = validated_for(episodes=RETURNS_FROM_2016, header=children_for(RETURNS_FROM_2016), leave_out=leave_out)
    month = figures(ctx, validated, "2020-03")
    rows = {r["metric_id"]: r for r in month.rows}
    with_value = {m for m, r in rows.items() if r["value"] is not None or r["denominator"] is not None}
    # Looked after on 31/03/2020: A (since 2010), B (since 2016) and C (since 2018) = 3.
    assert rows["stability_short_term"]["denominator"] == 3
    assert {"stability_short_term", "stability_long_term", "stability_two_year", "in_house_share", "agency_share",
            "unplanned_endings_12m", "unplanned_endings_share_12m"} >= with_value
    fostering = {"carers", "training", "allegations", "enquiries"}
    for metric in ctx.metrics:
        r = rows[metric.id]
        if fostering & set(models.extracts_read(metric.sql)):  # e.g. approvals_fytd: carers
            assert r["value"] is None and r["numerator"] is None and r["rag"] == "Not rated", metric.id
            assert r["rag_reason"].startswith("no data: ") and r["rag_reason"].endswith("not supplied"), metric.id
        else:
            assert metric.id in with_value, metric.id
    assert rows["enquiries_12m"]["rag_reason"] == "no data: enquiries.csv not supplied"
    assert rows["approvals_fytd"]["rag"] != "Red"
    # No breakdown of a figure that is not there.
    assert {b["metric_id"] for b in month.breakdowns} <= with_value
