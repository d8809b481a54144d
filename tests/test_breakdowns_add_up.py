"""Every breakdown adds up to its indicator: a count's breakdown to the count, a share's
breakdown to its denominator (the whole the share is taken of). Checked for every indicator
with a breakdown in the registry, on the sample's month and on a hand-built month; categories
are plain words (the contract's labels), never codes."""

import pytest
from builders import children_for

from fostering_scorecard import models
from fostering_scorecard import run as spine


def breakdown_totals(month_figures) -> dict[str, int]:
    totals: dict[str, int] = {}
    for b in month_figures.breakdowns:
        totals[b["metric_id"]] = totals.get(b["metric_id"], 0) + b["count"]
    return totals


def assert_breakdowns_add_up(metrics, month_figures):
    rows = {r["metric_id"]: r for r in month_figures.rows}
    totals = breakdown_totals(month_figures)
    for metric in metrics:
        if not metric.breakdown:
            continue
        whole = rows[metric.id]["numerator"] if metric.unit == "count" else rows[metric.id]["denominator"]
        assert totals.get(metric.id, 0) == whole, metric.id
    codes = {code for labels in models.code_labels().values() for code in labels}
    shown = {b["category"] for b in month_figures.breakdowns}
    assert not shown & codes, f"codes shown instead of labels: {sorted(shown & codes)}"


def test_every_breakdown_belongs_to_an_indicator_it_adds_up_to():
    from fostering_scorecard import definitions

    with_breakdown = {m.id: m.unit for m in definitions.load().metrics if m.breakdown}
    # The unplanned endings (a count) and every move by reason (the share's denominator) are two
    # breakdowns, each with its own indicator.
    assert with_breakdown == {
        "deregistrations_12m": "count", "unplanned_endings_12m": "count", "unplanned_endings_share_12m": "percent",
        "in_house_share": "percent", "allegations_substantiated_share": "percent",
    }


def episode(child, start, rne="P", end="", rec="X1", **extra):
    return {"CHILD": child, "DECOM": start, "RNE": rne, "DEC": end, "REC": rec if end else "", **extra}


# As at 31/03/2020 (12 months from 01/04/2019).
EPISODES = [
    # Moves out of foster placements in the window: CREQB (unplanned), CARPL, ALLEG (unplanned),
    # and one with no reason recorded.
    episode("D1", "01/01/2019", "S", "01/05/2019", REASON_PLACE_CHANGE="CREQB"),
    episode("D1", "01/05/2019", "P", "01/07/2019", REASON_PLACE_CHANGE="CARPL"),
    episode("D1", "01/07/2019", "P", "01/09/2019", REASON_PLACE_CHANGE="ALLEG"),
    episode("D1", "01/09/2019", "P", "01/11/2019"),
    episode("D1", "01/11/2019", "P", PLACE_PROVIDER="PR4"),
    # Fostered on the date: D1 (PR4), D2 (PR1), D3 (no provider recorded); D4 residential.
    episode("D2", "01/01/2019", "S"),
    episode("D3", "01/01/2019", "S", PLACE_PROVIDER=""),
    episode("D4", "01/01/2019", "S", PLACE="K2"),
]
CARERS = [
    {"household_id": "H1", "approval_date": "01/01/2010", "deregistration_date": "01/09/2019",
     "deregistration_reason": "RETIRED", "status": "deregistered"},
    {"household_id": "H2", "approval_date": "01/01/2010", "deregistration_date": "01/10/2019", "status": "deregistered"},
    {"household_id": "H3", "approval_date": "01/01/2010"},
]
ALLEGATIONS = [
    {"household_id": "H3", "date_received": "01/05/2019", "outcome": "SUBSTANTIATED", "date_concluded": "01/06/2019"},
    {"household_id": "H3", "date_received": "01/05/2019", "outcome": "UNFOUNDED", "date_concluded": "01/07/2019"},
    {"household_id": "H3", "date_received": "01/02/2020"},  # still open: in no outcome
]


def test_a_hand_built_month_adds_up(models_for):
    with models_for("2020-03", episodes=EPISODES, header=children_for(EPISODES), carers=CARERS, allegations=ALLEGATIONS) as (ctx, con):
        month = models.month_figures(con, ctx.metrics, ctx.settings, "2020-03", "2020-03")
    rows = {r["metric_id"]: r for r in month.rows}
    by_metric: dict[str, dict[str, int]] = {}
    for b in month.breakdowns:
        by_metric.setdefault(b["metric_id"], {})[b["category"]] = b["count"]
    # Unplanned endings: CREQB and ALLEG = 2, and only those two reasons.
    assert rows["unplanned_endings_12m"]["numerator"] == 2
    assert by_metric["unplanned_endings_12m"] == {"Allegation (section 47 enquiry)": 1, "Carer requested the end: the child's behaviour": 1}
    # Every move (4) by reason, for the share 2 of 4.
    assert (rows["unplanned_endings_share_12m"]["numerator"], rows["unplanned_endings_share_12m"]["denominator"]) == (2, 4)
    assert by_metric["unplanned_endings_share_12m"] == {
        "Allegation (section 47 enquiry)": 1, "Carer requested the end: the child's behaviour": 1,
        "Change to or carrying out of the care plan": 1, "Not recorded": 1,
    }
    # Fostered children by provider (D1 PR4, D2 PR1, D3 blank): 3, the in-house share's denominator.
    assert by_metric["in_house_share"] == {"Not recorded": 1, "Private provision (independent agency)": 1, "The council's own provision": 1}
    # Deregistrations: H1 retired, H2 no reason = 2. Concluded allegations: 2.
    assert by_metric["deregistrations_12m"] == {"Not recorded": 1, "Retired": 1}
    assert by_metric["allegations_substantiated_share"] == {"Substantiated": 1, "Unfounded": 1}
    assert_breakdowns_add_up(ctx.metrics, month)


SAMPLE_MONTH = "2025-03"  # the bundled sample's latest complete month


@pytest.fixture(scope="module")
def sample_month(sample_project, suite_runner, tmp_path_factory):
    from fostering_scorecard import validation

    ctx = spine.prepare(sample_project, SAMPLE_MONTH, None, tmp_path_factory.mktemp("out"))
    validated = spine.validate(ctx, spine.read_extracts(ctx), suite_runner)
    con = spine.open_models(ctx, validated)
    try:
        return ctx, models.month_figures(con, ctx.metrics, ctx.settings, SAMPLE_MONTH, SAMPLE_MONTH,
                                         coverage=validation.extract_coverage(validated))
    finally:
        con.close()


def test_the_sample_month_adds_up(sample_month):
    ctx, month = sample_month
    assert_breakdowns_add_up(ctx.metrics, month)
    # Every indicator with a breakdown has one in the sample (none is empty by accident).
    assert set(breakdown_totals(month)) == {m.id for m in ctx.metrics if m.breakdown}
