"""The pack's charts (pack/chart_specs.py: what each chart shows and says; pack/charts.py: the
SVG drawing). Worked examples from the hand-built scorecard of test_pack_fixtures.py: the
expected figures and titles are derived by hand in the comments.

What a reader may rely on:
- a financial-year-to-date count is drawn April to March, this year against last year and
  the trajectory to this year's target, never joined across years;
- no empty or one-point chart: where there is nothing to draw, no chart is made and the area's
  table says it in words;
- labels, never codes or metric ids; every word of a chart at least 8 pt at the printed size;
- the SVG holds no record id and no date of the run, and is byte-identical when drawn again,
  in this process or another (another time zone and locale).
"""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys

import pytest
from test_pack_fixtures import BREAKDOWNS, QUALITY_ROWS, REGISTRY, case, history, rows_from

from fostering_scorecard import pack
from fostering_scorecard.pack import charts, chart_specs
from fostering_scorecard.pack.charts import chart_svg, month_ticks, nice_ticks
from fostering_scorecard.pack.comparators import Comparison, YearFigures
from fostering_scorecard.pack.writer import Drawings
from fostering_scorecard.periods import as_at_date

APPROVALS = REGISTRY[0]  # approvals_fytd: 9 a month from April; target 120 in 2023-24 and 2024-25
TRAINING = next(m for m in REGISTRY if m.id == "core_training_12m")  # 80 + i % 5 of 100; target 100%
ALLEGATIONS_12M = next(m for m in REGISTRY if m.id == "allegations_12m")
A4_CONTENT_WIDTH_PT = 10.7 * 72  # a chart wider than the page's content would be scaled down in the PDF


def texts(svg: bytes) -> list[str]:
    """The words of a chart: the content of every <text> element."""
    return [re.sub(r"&#?\w+;", lambda m: {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&#39;": "'", "&quot;": '"'}.get(m.group(0), m.group(0)), t)
            for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg.decode("utf-8"))]


def font_sizes(svg: bytes) -> list[float]:
    return [float(size) for size in re.findall(r"font-size: ([\d.]+)px", svg.decode("utf-8"))]


def views(month: str, overrides=None, breakdowns=BREAKDOWNS):
    ctx, rows, points = case(month, overrides=overrides)
    return pack.make_views(ctx, rows, points, QUALITY_ROWS, breakdowns=[dict(b) for b in breakdowns])


def chart_of(view, chart_id):
    return next((c for c in view.charts if c.chart_id == chart_id), None)


# ---------------------------------------------------------------------------------------------
# A financial-year-to-date count: per financial year, never joined across years


def test_approvals_in_december_against_last_year_and_the_trajectory():
    points = history("2024-12")
    spec = chart_specs.cumulative_chart(APPROVALS, points, "2024-12", as_at_date("2024-12"))
    data = spec.data
    # 9 approvals a month from April: April 9, May 18, ..., December 81; January to March not yet.
    assert data["months"][0] == "2024-04" and data["months"][-1] == "2025-03"
    assert data["this_year"] == [9, 18, 27, 36, 45, 54, 63, 72, 81, None, None, None]
    # Last year (2023-24), its own line, April to March: 9 ... 108. Not joined to this year's:
    # a separate series, so March 2024's 108 never runs down to April 2024's 9.
    assert data["last_year"] == [9 * n for n in range(1, 13)]
    # The trajectory to the 2024-25 target of 120: 10 a month, 90 due by December.
    assert data["trajectory"] == [10 * n for n in range(1, 13)]
    assert (data["this_year_label"], data["last_year_label"]) == ("2024-25", "2023-24")
    # 81 against 90 due: 9 behind. December last year was also 81.
    assert spec.title == ("New households approved this financial year: 81 by Dec 2024, 9 behind the trajectory "
                          "to the 2024-25 target of 120 (90 due by now); 81 by Dec 2023")
    assert spec.table_columns == ["Month", "2024-25", "2023-24", "Trajectory"]
    assert spec.table_rows[8] == ["Dec", "81", "81", "90.0"]
    assert spec.table_rows[9] == ["Jan", "", "90", "100.0"]  # January 2025 has not happened yet
    assert "never" not in spec.alt and "2023-24" in spec.alt and "target of 120" in spec.alt


def test_the_year_over_in_march_says_how_far_short():
    spec = chart_specs.cumulative_chart(APPROVALS, history("2025-03"), "2025-03", as_at_date("2025-03"))
    # March: 12 x 9 = 108 against the target of 120: 12 short; 2023-24 also ended at 108.
    assert spec.title == "New households approved this financial year: 108 in 2024-25, 12 short of the target of 120; 108 in 2023-24"
    assert spec.data["this_year"][-1] == 108 and None not in spec.data["this_year"]


def test_a_year_to_date_count_is_never_drawn_as_one_line_across_years():
    # Asked for a trend, a financial-year-to-date count gets its per-year chart instead.
    points = [p for p in history("2024-12") if p["metric_id"] == APPROVALS.id]
    row = next(r for r in rows_from(history("2024-12"), "2024-12") if r["metric_id"] == APPROVALS.id)
    spec = chart_specs.trend_chart(APPROVALS, row, points, "2024-12")
    assert spec.kind == "cumulative" and len(spec.data["this_year"]) == len(spec.data["last_year"]) == 12
    svg = chart_svg(spec)
    # Each year its own line: this year's markers (dark blue circles) are its 9 months plus the
    # one in the legend; last year's (turquoise squares) its 12 months plus the legend's.
    assert svg.count(b'style="fill: #12436d; stroke: #12436d"') == 9 + 1
    assert svg.count(b"fill: #28a197; stroke: #28a197") == 12 + 1


def test_april_alone_is_not_a_chart_but_april_against_last_year_is():
    # April 2024 with no figures for 2023-24 (before the data): one point, no chart.
    before = {(APPROVALS.id, m): (None, None) for m in [f"2023-{n:02d}" for n in range(4, 13)] + ["2024-01", "2024-02", "2024-03"]}
    points = history("2024-04", overrides=before)
    assert chart_specs.cumulative_chart(APPROVALS, points, "2024-04", as_at_date("2024-04")) is None
    # With last year's twelve months there is something to compare April's 9 with.
    spec = chart_specs.cumulative_chart(APPROVALS, history("2024-04"), "2024-04", as_at_date("2024-04"))
    assert spec.data["this_year"] == [9] + [None] * 11 and spec.data["last_year"][0] == 9
    assert spec.title == ("New households approved this financial year: 9 by Apr 2024, 1 behind the trajectory to the "
                          "2024-25 target of 120 (10 due by now); 9 by Apr 2023")


def test_the_cumulative_chart_on_the_area_page_and_no_trend_beside_it():
    internal, _public = views("2024-12")
    recruitment = next(p for p in internal.pages if p.area == "Recruitment")
    kinds = [(c.kind, c.chart_id) for c in recruitment.charts]
    assert ("cumulative", "cumulative_approvals_fytd") in kinds
    assert ("trend", "approvals_fytd") not in kinds


# ---------------------------------------------------------------------------------------------
# A trend with its target


def test_a_percentage_trend_with_its_target():
    points = history("2025-03")
    row = next(r for r in rows_from(points, "2025-03") if r["metric_id"] == TRAINING.id)
    spec = chart_specs.trend_chart(TRAINING, row, [p for p in points if p["metric_id"] == TRAINING.id], "2025-03")
    # March 2025 is month 24 of 0..24: 80 + 24 % 5 = 84 of 100 = 84.0%; March 2024 (month 12):
    # 82.0%, so better than a year ago; 84% is more than 10% short of 100%: target missed.
    assert spec.title == "Core training within 12 months: 84.0% in Mar 2025, better than a year ago, target missed"
    assert spec.data["values"][:5] == [80.0, 81.0, 82.0, 83.0, 84.0] and spec.data["values"][-1] == 84.0
    assert spec.data["targets"] == [None] + [100] * 24  # March 2023 is in 2022-23: no target set for it
    # Lowest 80.0% (ties go to the latest month: month 20 = Nov 2024), highest 84.0% (Mar 2025).
    assert "Lowest 80.0% in Nov 2024, highest 84.0% in Mar 2025. Target line at 100.0% in Mar 2025." in spec.alt
    # The table's headings are the registry's plain words, never a column name.
    assert spec.table_columns == ["Month", "Figure", TRAINING.numerator, TRAINING.denominator, "Target"]
    assert spec.table_rows[-1] == ["Mar 2025", "84.0%", "84", "100", "100.0%"]
    svg = chart_svg(spec)
    words = texts(svg)
    assert words[:2] == ["12 months to each month end", "Target"]  # the legend names the line, not "value"
    assert "84.0%" in words  # the latest value at the line's end
    assert [w for w in words if w.startswith(("Mar ", "Sep "))] == ["Mar 2023", "Sep 2023", "Mar 2024", "Sep 2024", "Mar 2025"]


# ---------------------------------------------------------------------------------------------
# No empty or one-point chart: words instead


def test_a_one_point_series_gives_words_not_a_chart():
    # Core training with a figure only in March 2025 (the months before: insufficient history).
    months = [p["month"] for p in history("2025-03") if p["metric_id"] == TRAINING.id]
    overrides = {(TRAINING.id, m): (None, None) for m in months[:-1]}
    points = history("2025-03", overrides=overrides)
    row = next(r for r in rows_from(points, "2025-03") if r["metric_id"] == TRAINING.id)
    series = [p for p in points if p["metric_id"] == TRAINING.id]
    assert [p["value"] for p in series].count(None) == 24
    assert chart_specs.trend_chart(TRAINING, row, series, "2025-03") is None
    # Two months are still not a trend (MIN_TREND_POINTS = 3); three are.
    series[-2] = dict(series[-2], value=83.0)
    assert chart_specs.trend_chart(TRAINING, row, series, "2025-03") is None
    series[-3] = dict(series[-3], value=82.0)
    assert chart_specs.trend_chart(TRAINING, row, series, "2025-03") is not None
    # In the pack: no chart on the Training page; the table's line says the figure in words.
    internal, _public = views("2025-03", overrides=overrides)
    training = next(p for p in internal.pages if p.area == "Training")
    assert chart_of(internal, TRAINING.id) is None
    line = next(line for line in training.lines if line.metric_id == TRAINING.id)
    assert line.value == "84.0%"


def test_nothing_to_draw_gives_no_chart():
    # A breakdown whose every category is 0, or hidden: nothing to draw.
    zeros = [dict(b, count=0) for b in BREAKDOWNS]
    assert chart_specs.breakdown_chart(ALLEGATIONS_12M, zeros, 0, "2025-03") is None
    hidden = [dict(b, count="c") for b in BREAKDOWNS]
    assert chart_specs.breakdown_chart(ALLEGATIONS_12M, hidden, "c", "2025-03") is None
    # A funnel whose every stage is 0.
    funnel = [m for m in REGISTRY if m.id in ("enquiries_12m", "applications_12m")]
    assert chart_specs.funnel_chart(funnel, {m.id: {"value": 0} for m in funnel}, "2025-03") is None
    # One DfE year is a figure for the table, not a line; two years make a chart.
    stability = next(m for m in REGISTRY if m.id == "stability_short_term")
    one = YearFigures(2021, 10.0, 11.0, 10.5, 10, 12.0)
    comparison = Comparison("dfe_short_term", "South East", (), "DfE statistical neighbours 2021", None, one, (one,), 2021)
    assert chart_specs.comparator_chart(stability, comparison, {}, "Sample County Council") is None
    two = YearFigures(2022, 10.0, 12.0, 11.0, 9, 13.0)
    comparison = Comparison("dfe_short_term", "South East", (), "DfE statistical neighbours 2021", None, two, (one, two), 2021)
    spec = chart_specs.comparator_chart(stability, comparison, {}, "Sample County Council")
    # 2022: the council 13% against England 10%, South East 12% and the neighbours' 11%.
    assert spec.title == ("Children with 3 or more placements in 12 months, DfE 31 March 2022: Sample County Council 13%, "
                          "above England 10%, above South East 12%, above the neighbours' median 11%")
    assert [name for name, _ in spec.data["series"]] == ["Sample County Council (DfE)", "England", "South East", "Statistical neighbours (median)"]


def test_a_breakdown_title_claims_only_what_the_shown_cells_prove():
    # Public: unsubstantiated 60 and unfounded 30 shown, the rest hidden; the hidden cells add up
    # to 108 - 90 = 18 < 60, so 60 is surely the largest.
    rows = [dict(b, count=b["count"] if b["count"] >= 30 else "c") for b in BREAKDOWNS]
    spec = chart_specs.breakdown_chart(ALLEGATIONS_12M, rows, 108, "2025-03")
    assert spec.title.endswith(": most often unsubstantiated (60 of 108)")
    assert spec.note.endswith("c = a number from 1 to 5, or one that would reveal one, not shown.")
    # With the total hidden too, a hidden cell could be larger: only "largest shown".
    spec = chart_specs.breakdown_chart(ALLEGATIONS_12M, rows, "c", "2025-03")
    assert spec.title.endswith(": largest shown: unsubstantiated (60 of c)")


# ---------------------------------------------------------------------------------------------
# Labels, not codes; print size


def test_charts_show_labels_never_codes_or_metric_ids():
    internal, public = views("2025-03")
    ids = {m.id for m in REGISTRY}
    for view in (internal, public):
        for spec in view.charts:
            svg = chart_svg(spec)
            shown = texts(svg) + [spec.title, spec.alt, spec.note] + spec.table_columns + [c for row in spec.table_rows for c in row]
            for words in shown:
                assert not any(metric_id in words for metric_id in ids), (spec.chart_id, words)
                assert "_" not in words, (spec.chart_id, words)  # no column names
                assert words not in ("value", "target"), (spec.chart_id, words)
    funnel = chart_of(internal, "funnel")
    # the registry's title, not its id (wrapped beside its bar: two lines of at most 24 letters)
    assert texts(chart_svg(funnel))[:2] == ["Initial enquiries in the", "last 12 months"]


def test_every_word_of_a_chart_prints_at_8_points_or_more():
    internal, _public = views("2025-03")
    assert internal.charts
    for spec in internal.charts:
        svg = chart_svg(spec)
        width_pt = float(re.search(rb'<svg[^>]* width="([\d.]+)pt"', svg).group(1))
        # The PDF places a chart at its own size (scale 1), so a size drawn is a size printed.
        assert width_pt <= A4_CONTENT_WIDTH_PT, spec.chart_id
        assert font_sizes(svg) and min(font_sizes(svg)) >= charts.CHART_TEXT_PT == 8, spec.chart_id
        assert len(font_sizes(svg)) == len(texts(svg))  # every word has its size set


# ---------------------------------------------------------------------------------------------
# Deterministic SVG, no record id, no date


def test_the_svg_is_the_same_bytes_when_drawn_again_here_or_elsewhere(tmp_path):
    internal, _public = views("2025-03")
    specs = internal.charts
    first = [chart_svg(spec) for spec in specs]
    assert first == [chart_svg(spec) for spec in specs]
    (tmp_path / "specs.pickle").write_bytes(pickle.dumps(specs))
    script = ("import pickle, sys; from fostering_scorecard.pack.charts import chart_svg; "
              "specs = pickle.load(open(sys.argv[1], 'rb')); sys.stdout.buffer.write(pickle.dumps([chart_svg(s) for s in specs]))")
    env = dict(os.environ, TZ="Pacific/Auckland", LC_ALL="C.UTF-8", LANG="C.UTF-8")
    other = subprocess.run([sys.executable, "-c", script, str(tmp_path / "specs.pickle")], env=env, capture_output=True, check=True)
    assert pickle.loads(other.stdout) == first


def test_the_svg_holds_no_date_metadata_or_record_value():
    internal, _public = views("2025-03")
    for spec in internal.charts:
        svg = chart_svg(spec)
        assert b"<metadata" not in svg and b"dc:date" not in svg and b"Matplotlib v" not in svg
        # Dates only as month labels ("Mar 2025"), never a day: the run's date is nowhere.
        assert not re.search(rb"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}", svg)
        # Every word is a legend or label from the spec's figures, a month, a number or a percent:
        # nothing from a record can reach a chart (the specs hold aggregates only).
        allowed = set(spec.data.get("labels", [])) | {name for name, _ in spec.data.get("series", [])}
        allowed |= {spec.data.get(k, "") for k in ("label", "this_year_label", "last_year_label", "trajectory_label",
                                                   "this_year_text", "last_year_text", "last_text")}
        allowed |= set(spec.data.get("shown", [])) | {"Target"}
        for words in texts(svg):
            assert (words in allowed or re.fullmatch(r"-?[\d,.]+%?|[A-Z][a-z]{2}( \d{4})?", words)
                    or any(words in label for label in allowed)), (spec.chart_id, words)


def test_several_charts_can_share_one_html_page():
    # Every id in a chart starts with the chart's own prefix, so no id is used twice in a page.
    internal, _public = views("2025-03")
    seen = set()
    for spec in internal.charts:
        ids = re.findall(rb'\bid="([^"]+)"', chart_svg(spec))
        assert ids and all(i.startswith(f"chart-{spec.chart_id}-".encode()) for i in ids)
        assert not seen & set(ids)
        seen |= set(ids)


def test_each_chart_is_drawn_once_for_both_audiences():
    internal, public = views("2025-03")
    drawings = Drawings()
    for view in (internal, public):
        for spec in view.charts:
            drawings.svg(spec)
    # Every figure of the hand-built months is above 5, so suppression changes no chart but the
    # breakdown of allegations, whose 3 malicious allegations are c in the public pack: 5 charts
    # drawn for the internal pack, 1 more for the public one.
    key = chart_specs.drawing_key
    changed = [c.chart_id for c in public.charts if key(c) not in {key(i) for i in internal.charts}]
    assert changed == ["breakdown_allegations_12m"]
    assert len(internal.charts) == len(public.charts) == 5 and drawings.drawn == 6
    assert drawings.svg(public.charts[0]) is drawings.svg(internal.charts[0])  # the same bytes, not drawn again


# ---------------------------------------------------------------------------------------------
# Axes


@pytest.mark.parametrize(("low", "high", "whole", "expected"), [
    (0, 87, False, [0, 25, 50, 75, 100]),  # a percentage: quarters
    (0, 9.72, False, [0, 2.5, 5, 7.5, 10]),
    (0, 6.48, True, [0, 2, 4, 6, 8]),  # a count: whole numbers only, never 2.5 households
    (-13, 40, True, [-20, 0, 20, 40]),  # a net change below zero
    (0, 931, False, [0, 250, 500, 750, 1000]),
])
def test_gridlines_at_round_numbers(low, high, whole, expected):
    assert nice_ticks(low, high, whole=whole) == expected


def test_month_labels_at_most_six_and_always_the_reporting_month():
    assert month_ticks(25) == [0, 6, 12, 18, 24]  # 24 months back: every 6 months, ending at this month
    assert month_ticks(13) == [0, 3, 6, 9, 12]
    assert month_ticks(3) == [0, 1, 2]


def test_drawing_an_unknown_kind_is_refused():
    spec = chart_specs.ChartSpec("x", "pie", "Area", "t", "a", [], [])
    with pytest.raises(ValueError, match="unknown chart kind 'pie'"):
        chart_svg(spec)


def test_a_bar_chart_is_as_tall_as_its_bars():
    # 5 categories, each label one line beside its bar (10 pt, as tall as the bar), 6 pt between
    # rows, 4 pt above and below: 4 + 5 x 10 + 4 x 6 + 4 = 82 pt = 1.14 in.
    spec = chart_specs.breakdown_chart(ALLEGATIONS_12M, BREAKDOWNS, 108, "2025-03")
    width, height = charts.chart_size(spec)
    assert (width, round(height * 72)) == (charts.CHART_SIZE[0], 82)
    # a label longer than its column (half the chart: 122 pt, 24 letters of 8 pt x 0.62) takes
    # two lines: 4 + 20 + 4 = 28 pt
    assert round(charts.bar_chart_height(["Change to or carrying out of the care plan"], charts.CHART_SIZE[0]) * 72) == 28
