"""The pack's model (pack/view.py, pack/summary.py, pack/quality.py): what page 1, the area pages
and the data-quality page say, for the internal and public audiences, and the files every format
writes from it. The scorecard is hand-built in test_pack_fixtures.py; expected numbers are worked
out in the comments. The PDF itself is tested in test_pack_pdf.py, the charts in test_charts.py,
the HTML and the workbook in test_pack_html.py and test_pack_excel.py."""

from __future__ import annotations

import csv
import dataclasses
import hashlib

import pytest
from test_pack_fixtures import BREAKDOWNS, QUALITY_ROWS, REGISTRY, case, context, history, metric, rows_from

from fostering_scorecard import pack
from fostering_scorecard.definitions import Target


@pytest.fixture(scope="module")
def march():
    ctx, rows, points = case("2025-03")
    internal, public = pack.make_views(ctx, rows, points, QUALITY_ROWS, breakdowns=[dict(b) for b in BREAKDOWNS])
    return ctx, rows, points, internal, public


@pytest.fixture(scope="module")
def written(tmp_path_factory, march):
    ctx, rows, points, _i, _p = march
    folder = tmp_path_factory.mktemp("pack")
    pack.write_pack(folder, ctx, rows, points, QUALITY_ROWS, breakdowns=[dict(b) for b in BREAKDOWNS])
    return folder


def line_of(view, metric_id):
    return next(s for s in view.indicators if s.metric_id == metric_id)


def views_for(month):
    ctx, rows, points = case(month)
    return pack.make_views(ctx, rows, points, QUALITY_ROWS)


# ---------------------------------------------------------------------------------------------
# Page 1: one line per indicator


def test_a_percentage_with_a_target(march):
    *_, internal, _public = march
    line = line_of(internal, "core_training_12m")
    # March 2025 is month 24 of 0..24: numerator 80 + 24 % 5 = 84 of 100 -> 84.0% against 100%:
    # 16% short with a 10% tolerance -> Red. February: 83% (+1.0 pts, better); March 2024 (month
    # 12): 82% (+2.0 pts, better).
    assert (line.value, line.counts, line.target, line.value_number) == ("84.0%", "84 of 100", "100.0%", 84.0)
    assert (line.rag_shape, line.rag_word, line.direction) == ("\u25a0", "Red: target missed", "Higher is better")
    assert (line.month_arrow, line.month_words) == ("\u2191", "better (+1.0 pts)")
    assert (line.year_arrow, line.year_words) == ("\u2191", "better (+2.0 pts)")
    assert line.benchmark == "no national benchmark" and line.has_target
    # the target is beside the finding, so the finding says only the gap and the direction
    assert line.finding == "16.0 pts below the target; better than a year ago."


def test_a_count_going_down_is_better_when_lower_is_better(march):
    *_, internal, _public = march
    line = line_of(internal, "allegations_month")
    # Month 24: 8 + 24 % 3 = 8; month 23: 8 + 2 = 10 -> down 2, lower is better -> better.
    # A year ago (month 12): 8 + 0 = 8 -> no material change (the band is at least 1 for counts).
    assert (line.value, line.target, line.rag_word) == ("8", "no target", "Not rated (no target)")
    assert (line.month_arrow, line.month_words) == ("\u2193", "better (-2)")
    assert (line.year_arrow, line.year_words) == ("\u2192", "no material change")
    assert line.finding == "About the same as a year ago."


def test_an_indicator_without_a_target_shows_its_trend_and_benchmark(march):
    *_, internal, _public = march
    line = line_of(internal, "stability_short_term")
    # 200 + 24 = 224 of 1,800 = 12.4%; a year ago 212 of 1,800 = 11.8%: up 0.7 pts, lower is better.
    assert (line.value, line.counts, line.year_words) == ("12.4%", "224 of 1,800", "worse (+0.7 pts)")
    assert line.benchmark == "England 10%, South East 12%, neighbours 10.5% (31 March 2025)"
    assert (line.benchmark_figures.year, line.benchmark_figures.england, line.region_name) == (2025, 10, "South East")
    assert line.finding == "Worse than a year ago (+0.7 pts); England 10%, neighbours 10.5% in 2025."
    assert not line.has_target and line.rag_word == "Not rated (no target)"


def test_sparklines_show_13_months_and_a_year_to_date_count_this_year_only(march):
    *_, internal, _public = march
    training = line_of(internal, "core_training_12m")
    assert training.sparkline_months[0] == "2024-03" and training.sparkline_months[-1] == "2025-03" and len(training.sparkline) == 13
    # Approvals restart every April: March 2024's 108 is last year's total, so the sparkline holds
    # April 2024 (9) to March 2025 (108) against the trajectory 10, 20, ..., 120; never joined.
    approvals = line_of(internal, "approvals_fytd")
    assert approvals.sparkline_months == [f"2024-{m:02d}" for m in range(4, 13)] + ["2025-01", "2025-02", "2025-03"]
    assert approvals.sparkline == [9.0 * m for m in range(1, 13)]
    assert approvals.sparkline_targets == [10.0 * m for m in range(1, 13)]


def test_a_year_to_date_count_is_not_compared_with_last_month(march):
    *_, internal, _public = march
    assert line_of(internal, "approvals_fytd").month_words == "not compared (cumulative)"


# ---------------------------------------------------------------------------------------------
# A target over the year: its year-end target, the trajectory, a projection


@pytest.mark.parametrize(("month", "value", "due", "position", "projection", "word"), [
    # 9 approved a month against 120 a year (10 a month), tolerance 10%.
    # April: 9 against 10 due: behind by 1; one month carries no projection. 9 >= 10 x 0.9 -> Amber.
    ("2024-04", 9, 10.0, "behind by 1", "", "Amber: close to trajectory"),
    # June: 27 against 30: behind by 3; at this rate 27 x 12 / 3 = 108 by 31 March 2025.
    ("2024-06", 27, 30.0, "behind by 3", "at this rate about 108 by 31 March 2025", "Amber: close to trajectory"),
    # December: 81 against 90: behind by 9, still Amber (81 >= 81), never "target missed" in December.
    ("2024-12", 81, 90.0, "behind by 9", "at this rate about 108 by 31 March 2025", "Amber: close to trajectory"),
    # March: the year is over: 108 against 120 is 12 short; the status is the year's own.
    ("2025-03", 108, 120.0, "year over: 12 short of the target of 120", "", "Amber: close to target"),
])
def test_a_target_over_the_year_is_read_against_its_trajectory(month, value, due, position, projection, word):
    internal, _public = views_for(month)
    line = line_of(internal, "approvals_fytd")
    fy = line.year_target
    assert (line.value, line.target) == (f"{value}", "120 by 31 March 2025")
    assert (fy.year, fy.target, fy.due_by_now, fy.position, fy.projection) == ("2024-25", 120, due, position, projection)
    assert line.rag_word == word and "missed" not in line.rag_word
    assert line in internal.targets


def test_the_finding_of_a_target_over_the_year_says_where_it_stands():
    internal, _public = views_for("2024-12")
    assert line_of(internal, "approvals_fytd").finding == (
        "Behind by 9: 81 so far, 90 due by the end of December; at this rate about 108 by 31 March 2025.")
    internal, _public = views_for("2025-03")
    assert line_of(internal, "approvals_fytd").finding == "2024-25 ended with 108 against the target of 120: 12 short of it."


def test_ahead_of_the_trajectory_and_on_it():
    # 12 approved by May against 120 x 2 / 12 = 20 due would be behind; 25 is ahead by 5; 20 is on track
    for approved, position, word in ((25, "ahead by 5", "Green: on track"), (20, "on track", "Green: on track")):
        ctx, rows, points = case("2024-05", overrides={("approvals_fytd", "2024-05"): (approved, None)})
        internal, _public = pack.make_views(ctx, rows, points, [])
        line = line_of(internal, "approvals_fytd")
        assert (line.year_target.position, line.rag_word) == (position, word)


# ---------------------------------------------------------------------------------------------
# Page 1's blocks: targets first, the other (key) indicators grouped, what changed


def test_page_1_puts_the_targets_first_and_groups_the_key_indicators_by_area(march):
    *_, internal, _public = march
    assert [line.metric_id for line in internal.targets] == ["approvals_fytd", "core_training_12m"]
    # national/settings.toml [pack] key_indicators lists enquiries and short-term stability of
    # this registry's indicators (allegations only per 100 households, not in this registry);
    # applications and the allegations counts are on their area pages only
    assert [(g.area, [line.metric_id for line in g.lines]) for g in internal.groups] == [
        ("Recruitment", ["enquiries_12m"]),
        ("Placement stability", ["stability_short_term"]),
    ]
    assert internal.groups_heading == "Other key indicators"
    # every indicator still has its row on its area page
    assert sum(len(page.lines) for page in internal.pages) == len(REGISTRY)


def test_page_1_shows_every_other_indicator_without_a_list_of_key_ones():
    ctx, rows, points = case("2025-03")
    ctx.settings = dataclasses.replace(ctx.settings, layout=dataclasses.replace(ctx.settings.layout, key_indicators=()))
    internal, _public = pack.make_views(ctx, rows, points, [])
    assert [line.metric_id for g in internal.groups for line in g.lines] == [
        "enquiries_12m", "applications_12m", "stability_short_term", "allegations_month", "allegations_12m"]
    assert internal.groups_heading == "Other indicators"


def test_the_headline_says_what_changed_since_last_month(march):
    *_, internal, public = march
    assert internal.headline == [
        # approvals Amber (108 of 120, within 10%), core training Red (84% of 100%)
        "Business-plan targets: 0 of 2 met or on track, 1 close, 1 missed or behind.",
        # 108 in March - 99 in February = 9
        "9 households approved in March 2025, 108 so far in 2024-25 (year over: 12 short of the target of 120).",
        # allegations this month 10 -> 8 (a fifth fewer) moved more than core training 83% -> 84%
        "Most improved: allegations received this month, down from 10 to 8.",
    ]
    # monthly allegations are withheld from the public: the public headline does not name them
    assert public.headline[2] == "Most improved: core training within 12 months, up from 83.0% to 84.0%."


def test_a_status_that_changed_since_last_month_is_in_the_headline():
    # core training 91 of 100 in February 2025 (Amber: within 10% of 100%), 84 in March (Red)
    ctx, rows, points = case("2025-03", overrides={("core_training_12m", "2025-02"): (91, 100)})
    internal, _public = pack.make_views(ctx, rows, points, [])
    assert "Core training within 12 months: now Red (target missed), Amber last month." in internal.headline


def test_the_first_month_has_nothing_to_compare_with():
    ctx, rows, points = case("2025-03")
    points = [p for p in points if p["month"] == "2025-03"]
    internal, _public = pack.make_views(ctx, rows, points, [])
    assert internal.headline[-1] == "No figures for February 2025 to compare with."


# ---------------------------------------------------------------------------------------------
# Area pages: only the charts that add something


def test_area_pages_follow_the_configured_order_and_data_quality_is_internal_only(march):
    *_, internal, public = march
    assert [p.area for p in internal.pages] == ["Recruitment", "Placement stability", "Training", "Allegations"]
    assert [p.area for p in public.pages] == [p.area for p in internal.pages]
    assert internal.quality is not None and public.quality is None


def test_each_area_page_holds_its_indicators_and_the_charts_that_add_something(march):
    *_, internal, _public = march
    pages = {p.area: p for p in internal.pages}
    assert [line.metric_id for line in pages["Recruitment"].lines] == ["approvals_fytd", "enquiries_12m", "applications_12m"]
    # approvals against the financial-year trajectory (not a trend joined across years), the
    # funnel; training's target gets its trend; stability its DfE benchmark (5 years); the
    # allegations breakdown. Indicators without a target have a sparkline, not a chart.
    assert [[c.kind for c in p.charts] for p in internal.pages] == [
        ["cumulative", "funnel"], ["benchmark"], ["trend"], ["breakdown"]]
    assert len({c.chart_id for c in internal.charts}) == len(internal.charts)


def test_a_new_metric_in_a_new_area_gets_its_own_page_without_code_changes():
    registry = REGISTRY + [metric("foster_beds", "Kinship support", title="Foster beds available")]
    ctx = context("2025-03", metrics=registry)
    points = history("2025-03", metrics=REGISTRY, settings=ctx.settings)
    # the new metric: 7 beds every month
    points += [dict(p, metric_id="foster_beds", numerator=7, denominator=None, value=7.0, target=None, rag="Not rated", rag_reason="no target")
               for p in points if p["metric_id"] == "allegations_month"]
    internal, _public = pack.make_views(ctx, rows_from(points, "2025-03", metrics=registry, settings=ctx.settings), points, [])
    page = internal.pages[-1]  # not in area_order: after the listed areas
    assert (page.area, [line.title for line in page.lines], page.charts) == ("Kinship support", ["Foster beds available"], [])
    assert line_of(internal, "foster_beds").finding == "About the same as a year ago."


def test_a_benchmark_of_one_dfe_year_is_said_in_words_not_drawn():
    # As at March 2021 the DfE files hold one year (31 March 2021): a one-point chart says nothing
    ctx, rows, points = case("2021-03")
    internal, _public = pack.make_views(ctx, rows, points, [])
    assert not [c for c in internal.charts if c.kind == "benchmark"]
    assert line_of(internal, "stability_short_term").benchmark.endswith("(31 March 2021)")


def test_a_breakdown_with_every_cell_hidden_is_not_drawn_in_the_public_pack():
    ctx, rows, points = case("2025-03")
    breakdowns = [{"metric_id": "allegations_12m", "category": c, "count": n} for c, n in (("false", 2), ("malicious", 3))]
    internal, public = pack.make_views(ctx, rows, points, [], breakdowns=breakdowns)
    assert [c.kind for c in internal.pages[-1].charts] == ["breakdown"]
    assert public.pages[-1].charts == []


# ---------------------------------------------------------------------------------------------
# The public pack: what is withheld, and a status that can still be judged


BEDS = metric("emergency_beds", "Sufficiency", period="snapshot", direction="higher",
              targets=[Target("2023-24", 10, 0.2), Target("2024-25", 10, 0.2)], title="Households offering an emergency bed")


def beds_case(beds: int, target=10):
    beds_metric = dataclasses.replace(BEDS, targets=(Target("2023-24", target, 0.2), Target("2024-25", target, 0.2)))
    registry = REGISTRY + [beds_metric]
    ctx = context("2025-03", metrics=registry)
    points = history("2025-03", metrics=REGISTRY, settings=ctx.settings)
    points += [dict(p, metric_id="emergency_beds", numerator=beds, denominator=None, value=float(beds), target=float(target),
                    rag="Red" if beds < 0.8 * target else ("Amber" if beds < target else "Green"), rag_reason="")
               for p in points if p["metric_id"] == "allegations_month"]
    return pack.make_views(ctx, rows_from(points, "2025-03", metrics=registry, settings=ctx.settings), points, [])


def test_a_hidden_count_keeps_its_status_when_every_value_it_could_be_gives_the_same():
    # 4 beds against 10 (Red below 8): the public sees c, and c is 1 to 5, all below 8: Red either way
    internal, public = beds_case(4)
    line = line_of(public, "emergency_beds")
    assert (line.value, line.rag, line.rag_word) == ("c", "Red", "Red: target missed")
    assert line.rag_reason.startswith("judged on the hidden figure")
    assert line.finding == "Not shown: small numbers (1 to 5) could identify children or carers; every figure it could be is target missed."
    assert next(r for r in public.rows if r["metric_id"] == "emergency_beds")["rag"] == "Red"  # the CSV says it too
    assert [w.reason for w in public.withheld if w.title.startswith("Households")] == [
        "hidden because a count from 1 to 5 could identify children or carers; the status is shown because every "
        "figure it could be gives the same one"]
    assert line_of(internal, "emergency_beds").value == "4"


def test_a_hidden_count_is_not_rated_when_its_status_depends_on_the_hidden_value():
    # 4 beds against 5 (Amber from 4, Green at 5): 1-3 would be Red, 4 Amber, 5 Green: not shown
    _internal, public = beds_case(4, target=5)
    line = line_of(public, "emergency_beds")
    assert (line.value, line.rag, line.rag_word) == ("c", "Not rated", "Not rated (suppressed: small numbers)")
    assert [(w.title, w.reason) for w in public.withheld if w.title.startswith("Households")] == [
        ("Households offering an emergency bed", "hidden because a count from 1 to 5 could identify children or carers")]


def test_the_public_pack_says_what_is_withheld_and_why(march):
    *_, internal, public = march
    assert internal.withheld == []
    assert [(w.title, w.reason) for w in public.withheld] == [
        ("Allegations received this month", "withheld from every public pack because other published figures would give it away")]
    assert line_of(public, "allegations_month").finding == "Not published: other published figures would give it away."


# ---------------------------------------------------------------------------------------------
# The data-quality page (internal)


def test_the_data_quality_page_is_a_table_per_extract_and_per_rule():
    rows = QUALITY_ROWS + [
        {"extract": "allegations", "file": "allegations.csv", "rule_id": "(all rows)", "rows": 200, "rows_read": 200,
         "rows_accepted": 200, "rows_quarantined": 0},
        {"extract": "allegations", "file": "allegations.csv", "rule_id": "allegations.outcome.bad_code", "severity": "warning",
         "meaning": "not one of the allowed codes", "rows": 3, "new": 1, "still_open": 2, "fixed": 4,
         "example_fix": "Re-code outcome to one of the codes listed for it in docs/data-contract.md."},
    ]
    ctx, scorecard, points = case("2025-03")
    internal, _public = pack.make_views(ctx, scorecard, points, rows)
    quality = internal.quality
    # carers: 10 of 1,000 set aside (1.0%); allegations: none; warnings on rows kept: 3
    assert quality.summary == "10 of 1,200 rows read were set aside (0.8%); 3 warnings on rows kept."
    assert [e.cells for e in quality.extracts] == [["carers.csv", "1,000", "990", "10", "1.0%"], ["allegations.csv", "200", "200", "0", "0.0%"]]
    # the fix names the data contract, not its file path (data_quality.csv keeps the path)
    assert quality.rules[1].cells == ["allegations.csv", "not one of the allowed codes", "kept (warning)", "3", "1", "2", "4",
                                      "Re-code outcome to one of the codes listed for it in the data contract."]
    # each problem once, with its fix for every column (the rule's row names the column)
    assert [(g.problem, g.fix) for g in quality.groups] == [
        ("Not a date", ""), ("Not one of the allowed codes", "Re-code the column to one of the codes listed for it in the data contract.")]
    assert [r.cells_in_group for g in quality.groups for r in g.rules] == [
        ["carers.csv", "", "set aside", "10", "", "", ""], ["allegations.csv", "outcome", "kept (warning)", "3", "1", "2", "4"]]


def rule_row(file: str, column: str, severity: str, rows: int, new: int) -> dict:
    extract = file.removesuffix(".csv")
    return {"extract": extract, "file": file, "rule_id": f"{extract}.{column}.bad_date", "severity": severity,
            "meaning": "not a real date", "rows": rows, "new": new, "still_open": rows - new, "fixed": 0,
            "example_fix": f"Correct {column} to a real date (check the day, month and year)."}


def test_rules_are_listed_most_rows_set_aside_first_then_new_then_warnings():
    rows = [
        rule_row("episodes.csv", "DEC", "warning", 40, 0),
        rule_row("header.csv", "DOB", "error", 5, 0),
        rule_row("episodes.csv", "DECOM", "error", 5, 0),
        rule_row("carers.csv", "approval_date", "error", 5, 2),
        rule_row("episodes.csv", "DEC_2", "warning", 3, 3),
        rule_row("header.csv", "DOB_2", "error", 12, 0),
    ]
    ctx, scorecard, points = case("2025-03")
    quality = pack.make_views(ctx, scorecard, points, rows)[0].quality
    # 12 set aside; then three with 5 set aside, the one with 2 new first, the other two by
    # extract (episodes.csv before header.csv); then the warnings, the one with new rows (3)
    # before the larger one without (40)
    assert [(r.file, r.column) for r in quality.ranked] == [
        ("header.csv", "DOB_2"), ("carers.csv", "approval_date"), ("episodes.csv", "DECOM"), ("header.csv", "DOB"),
        ("episodes.csv", "DEC_2"), ("episodes.csv", "DEC")]
    # one problem, one fix for every column: the group holds them all, in that order
    assert [(g.problem, g.fix, len(g.rules)) for g in quality.groups] == [
        ("Not a real date", "Correct the column to a real date (check the day, month and year).", 6)]
    # every rule fits on the page: nothing is said about rules left out
    printed = quality.for_print()
    assert [len(g["rules"]) for g in printed["groups"]] == [6] and printed["more"] == ""


# ---------------------------------------------------------------------------------------------
# Files


FORMATS = ["scorecard_pack.pdf", "scorecard_pack.html", "scorecard_pack.xlsx", "scorecard.csv", "scorecard_history.csv",
           "benchmarks.csv", "breakdowns.csv"]


@pytest.mark.parametrize("audience", ["", "public/"])
def test_every_format_is_written_for_both_audiences(written, audience):
    for name in FORMATS:
        assert (written / audience / name).stat().st_size > 0, audience + name
    assert not (written / "public" / "internal").exists()


def test_the_csvs_hold_the_same_numbers_as_the_pages(written, march):
    *_, internal, _public = march
    with (written / "scorecard.csv").open() as f:
        rows = {r["metric_id"]: r for r in csv.DictReader(f)}
    assert (rows["stability_short_term"]["numerator"], rows["stability_short_term"]["denominator"]) == ("224", "1800")
    assert line_of(internal, "stability_short_term").counts == "224 of 1,800"
    with (written / "public" / "breakdowns.csv").open() as f:
        public_cells = {r["category"]: r["count"] for r in csv.DictReader(f)}
    assert public_cells == {"false": "0", "malicious": "c", "substantiated": "c", "unfounded": "30", "unsubstantiated": "60"}
    with (written / "benchmarks.csv").open() as f:
        bench = [r for r in csv.DictReader(f) if r["year"] == "2025-03-31"]
    assert [(b["england"], b["region"], b["neighbours_median"]) for b in bench] == [("10", "12", "10.5")]


def test_every_format_is_byte_identical_when_written_again(written, march, tmp_path):
    ctx, rows, points, _i, _p = march
    pack.write_pack(tmp_path, ctx, rows, points, QUALITY_ROWS, breakdowns=[dict(b) for b in BREAKDOWNS])

    def digests(folder):
        return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}

    first, second = digests(written), digests(tmp_path)
    assert first == second
    assert {"pdf", "html", "xlsx", "csv"} <= {name.rsplit(".", 1)[-1] for name in first}


def test_a_csv_cell_is_plain_text_for_excel_users(written):
    # "c" in numeric columns of the public CSV, never a Python repr.
    text = (written / "public" / "breakdowns.csv").read_text()
    assert "None" not in text and "nan" not in text.lower()
