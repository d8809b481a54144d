"""Disclosure control for the public pack: the DfE small-numbers rule, secondary suppression,
and the same suppression in every format. Expected cells are worked out by hand in comments."""

from __future__ import annotations

import dataclasses

import pytest
from test_pack_fixtures import BREAKDOWNS, SAMPLE_SETTINGS, case

from fostering_scorecard import pack
from fostering_scorecard.definitions import DisclosureRules
from fostering_scorecard.pack import disclosure
from fostering_scorecard.pack.disclosure import SUPPRESSED, Rule
from fostering_scorecard.pack.formatting import is_number

RULE = Rule(max_suppressed=5)


def point(metric_id, month, numerator, denominator=None):
    return {"metric_id": metric_id, "month": month, "numerator": numerator, "denominator": denominator,
            "value": float(numerator) if denominator is None else 100 * numerator / denominator, "rag": "Green", "rag_reason": "target met"}


@pytest.mark.parametrize("count, hidden", [(0, False), (1, True), (5, True), (6, False), (120, False)])
def test_counts_from_1_to_5_are_hidden_and_true_zeros_stay(count, hidden):
    assert disclosure.point_is_small(point("m", "2025-03", count), RULE) is hidden


def test_a_percentage_is_hidden_when_its_numerator_or_denominator_is_small_but_a_large_denominator_stays():
    history = [
        point("pct", "2025-01", 3, 1800),  # numerator 3: 0.2% hidden, 1,800 children still shown
        point("pct", "2025-02", 4, 4),  # denominator 4: everything hidden
        point("pct", "2025-03", 224, 1800),  # shown
    ]
    hidden = disclosure.hidden_points(history, RULE)
    public = disclosure.public_history(history, hidden, RULE)
    assert [(p["value"], p["numerator"], p["denominator"]) for p in public] == [
        (SUPPRESSED, SUPPRESSED, 1800), (SUPPRESSED, SUPPRESSED, SUPPRESSED), (100 * 224 / 1800, 224, 1800)]
    assert [p["rag"] for p in public] == ["Not rated", "Not rated", "Green"]


def test_a_withheld_metric_is_hidden_in_every_month_zeros_included():
    # Monthly allegations 9, 0, 3: the 12-month totals are published, and the difference of two
    # consecutive totals is this month minus the same month a year before, so any monthly value
    # shown next to a hidden one would give it away. All three are c; the total stays.
    rule = Rule(5, withheld=("month",))
    history = [point("month", "2025-01", 9), point("month", "2025-02", 0), point("month", "2025-03", 3),
               point("twelve", "2025-03", 100)]
    assert disclosure.hidden_points(history, rule) == {("month", m): SUPPRESSED for m in ("2025-01", "2025-02", "2025-03")}
    public = disclosure.public_history(history, disclosure.hidden_points(history, rule), rule)
    assert [p["value"] for p in public] == ["c", "c", "c", 100.0]
    assert public[0]["rag_reason"] == disclosure.WITHHELD_REASON


def test_a_withheld_metric_must_be_in_the_registry():
    settings = dataclasses.replace(SAMPLE_SETTINGS, disclosure=DisclosureRules(max_suppressed=5, withheld=("no_such_metric",)))
    with pytest.raises(ValueError, match=r"national/settings.toml \[disclosure\] withheld: metric 'no_such_metric'"):
        Rule.from_settings(settings, {"allegations_month"})


def test_breakdown_secondary_suppression_hides_the_next_smallest_cell():
    # malicious 3 is hidden; alone it would be 108 - (60 + 30 + 15 + 0) = 3, so the next
    # smallest non-zero cell (substantiated, 15) is hidden too. False stays 0.
    counts = {r["category"]: r["count"] for r in BREAKDOWNS}
    assert disclosure.hidden_breakdown_cells(counts, RULE) == {"malicious", "substantiated"}


def test_hidden_cells_that_would_all_be_1_are_not_left_guessable():
    # b = 1 and c = 1 hidden: their sum 2 over two cells that are each at least 1 gives both away,
    # so a (10) is hidden as well: the hidden sum 12 over three cells has many answers.
    assert disclosure.hidden_breakdown_cells({"a": 10, "b": 1, "c": 1}, RULE) == {"a", "b", "c"}


def test_every_breakdown_cell_is_hidden_when_the_headline_is():
    assert disclosure.hidden_breakdown_cells({"a": 40, "b": 0, "c": 7}, RULE, headline_hidden=True) == {"a", "c"}
    assert disclosure.breakdown_total([40, 0, 7], RULE, headline_hidden=True) == SUPPRESSED
    assert disclosure.breakdown_total([2, 1], RULE) == SUPPRESSED  # a total of 3
    assert disclosure.breakdown_total([0, 0], RULE) == 0


# ---------------------------------------------------------------------------------------------
# The public pack as a whole: a month with small numbers planted.

SMALL = {
    ("allegations_month", "2025-03"): (3, None),  # this month: 3 allegations
    ("allegations_month", "2024-09"): (2, None),
    ("core_training_12m", "2025-03"): (4, 5),  # 4 of 5 new carers trained
    ("stability_short_term", "2025-02"): (5, 1800),  # last month: numerator 5
    ("applications_12m", "2024-03"): (0, None),  # a true zero, a year ago
}


@pytest.fixture(scope="module")
def views():
    ctx, rows, history = case("2025-03", overrides=SMALL)
    internal, public = pack.make_views(ctx, rows, history, [], breakdowns=[dict(b) for b in BREAKDOWNS])
    return internal, public


def test_no_count_from_1_to_5_survives_in_the_public_numbers(views):
    _internal, public = views
    counts = [(r["metric_id"], c, r[c]) for r in public.rows for c in ("numerator", "denominator")]
    counts += [(h["metric_id"], c, h[c]) for h in public.history for c in ("numerator", "denominator")]
    counts += [(b["metric_id"], b["category"], b["count"]) for b in public.breakdowns]
    assert [c for c in counts if is_number(c[2]) and 1 <= c[2] <= 5] == []
    # the planted zero stays a zero
    assert [h["value"] for h in public.history if (h["metric_id"], h["month"]) == ("applications_12m", "2024-03")] == [0.0]


def test_the_public_row_hides_status_and_change_words_derived_from_a_hidden_value(views):
    internal, public = views
    row = {r["metric_id"]: r for r in public.rows}
    assert internal.rows[4]["rag"] == "Red"  # 80% against 100%
    training = row["core_training_12m"]
    assert (training["value"], training["numerator"], training["denominator"], training["rag"]) == ("c", "c", "c", "Not rated")
    assert training["change_vs_last_month"] == training["change_vs_last_year"] == disclosure.SUPPRESSED_WORDS
    # stability: this month shown (224 of 1,800) but last month (5) hidden, so its change word is
    # hidden and its change on a year ago is still there.
    stability = row["stability_short_term"]
    assert stability["numerator"] == 224 and stability["last_month_value"] == "c"
    assert stability["change_vs_last_month"] == disclosure.SUPPRESSED_WORDS
    assert stability["change_vs_last_year"] == "worse"
    # 12-month allegations: 108 with 3 instead of 8 in March 2025 and 2 instead of 8 in September
    # 2024 = 108 - 5 - 6 = 97, shown; the monthly figures are withheld.
    assert row["allegations_12m"]["value"] == 97.0 and row["allegations_month"]["value"] == "c"


def test_the_same_suppression_reaches_the_summary_charts_alt_text_and_tables(views):
    _internal, public = views
    line = next(s for s in public.indicators if s.metric_id == "core_training_12m")  # 4 of 5 this month
    assert (line.value, line.counts, line.rag_word, line.month_words) == ("c", "c of c", "Not rated (suppressed: small numbers)", disclosure.SUPPRESSED_WORDS)
    assert line.sparkline[-1] is None and line.sparkline[-2] == 83.0  # a gap, not a point
    chart = next(c for c in public.charts if c.chart_id == "core_training_12m")
    assert chart.title == "Core training within 12 months: not shown for Mar 2025 (small numbers)"
    assert chart.data["values"][-1] is None and chart.table_rows[-1] == ["Mar 2025", "c", "c", "c", "100.0%"]  # months in words
    assert "Mar 2025: c." in chart.alt and "1 month not shown" in chart.alt
    # the withheld monthly figure gets no chart (every month of it would be a gap): the pack says
    # in words what it does not show and why
    assert "allegations_month" not in {c.chart_id for c in public.charts}
    assert ("Allegations received this month", "withheld from every public pack because other published figures would give it away") in [
        (w.title, w.reason) for w in public.withheld]
    breakdown = next(c for c in public.charts if c.kind == "breakdown")
    assert breakdown.table_rows == [["false", "0"], ["malicious", "c"], ["substantiated", "c"], ["unfounded", "30"], ["unsubstantiated", "60"], ["Total", "108"]]


def test_no_hidden_breakdown_cell_can_be_recovered_from_its_total():
    ctx, rows, history = case("2025-03")  # nothing small but malicious = 3
    _internal, public = pack.make_views(ctx, rows, history, [], breakdowns=[dict(b) for b in BREAKDOWNS])
    chart = next(c for c in public.charts if c.kind == "breakdown")
    cells = dict(chart.table_rows)
    total = int(cells.pop("Total"))
    shown = [int(v.replace(",", "")) for v in cells.values() if v != "c"]
    hidden = [k for k, v in cells.items() if v == "c"]
    # 108 - (60 + 30 + 0) = 18 over two hidden cells: 3 + 15, 9 + 9, ... not recoverable
    assert total == 108 and hidden == ["malicious", "substantiated"]
    assert len(hidden) >= 2 and total - sum(shown) > len(hidden)


def test_no_monthly_allegation_count_is_published_next_to_the_12_month_totals(views):
    _internal, public = views
    monthly = [h["value"] for h in public.history if h["metric_id"] == "allegations_month"]
    totals = [h["value"] for h in public.history if h["metric_id"] == "allegations_12m"]
    assert set(monthly) == {"c"} and all(is_number(t) for t in totals)


def test_no_cell_hidden_this_month_is_shown_in_last_months_public_pack():
    ctx, rows, history = case("2025-03", overrides=SMALL)
    _i, public_now = pack.make_views(ctx, rows, history, [])
    ctx_before, rows_before, history_before = case("2025-02", overrides=SMALL)
    _i, public_before = pack.make_views(ctx_before, rows_before, history_before, [])
    shown_before = {(h["metric_id"], h["month"]): h["value"] for h in public_before.history if is_number(h["value"])}
    hidden_now = [(h["metric_id"], h["month"]) for h in public_now.history if h["value"] == SUPPRESSED]
    assert hidden_now, "the fixture must hide something"
    assert [key for key in hidden_now if key in shown_before] == []


@pytest.mark.parametrize("metric_id, figures, shown", [
    # 224 of 1,800: nothing small, shown as it is
    ("pct", {"value": 12.4, "numerator": 224, "denominator": 1800, "target": None, "rag": "Green"},
     {"value": 12.4, "numerator": 224, "denominator": 1800, "target": None, "rag": "Green"}),
    # 5 of 1,800: the value and numerator hidden, the large denominator still shown; no status
    ("pct", {"value": 0.3, "numerator": 5, "denominator": 1800, "target": 1.0, "rag": "Green"},
     {"value": "c", "numerator": "c", "denominator": 1800, "target": 1.0, "rag": "Not rated"}),
    # 4 of 5: the denominator is small too
    ("pct", {"value": 80.0, "numerator": 4, "denominator": 5, "target": 100.0, "rag": "Red"},
     {"value": "c", "numerator": "c", "denominator": "c", "target": 100.0, "rag": "Not rated"}),
    # a withheld metric: hidden whatever its size, zero included
    ("month", {"value": 0.0, "numerator": 0, "denominator": None, "target": None, "rag": "Not rated"},
     {"value": "c", "numerator": "c", "denominator": None, "target": None, "rag": "Not rated"}),
])
def test_a_reissues_figures_that_moved_follow_the_same_rule(metric_id, figures, shown):
    # What a re-issued version's public pack and change note show of an indicator's figures
    # before and after: the rule public_rows applies to this month's rows.
    assert disclosure.public_figures(metric_id, figures, Rule(5, withheld=("month",))) == shown
