"""The pack's numbers, page by page, and its files in every format (PDF, offline HTML, Excel,
CSV, PNG) for the internal and public audiences. The scorecard is hand-built in
test_pack_fixtures.py; expected numbers are worked out in the comments."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest
from test_pack_fixtures import (
    BREAKDOWNS,
    QUALITY_ROWS,
    REGISTRY,
    SCREENSHOT_DIR,
    case,
    context,
    history,
    metric,
    open_in_chromium,
    rows_from,
)

from fostering_scorecard import pack


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


def summary(view, metric_id):
    return next(s for s in view.summary if s.metric_id == metric_id)


def chart(view, chart_id):
    return next(c for c in view.charts if c.chart_id == chart_id)


# ---------------------------------------------------------------------------------------------
# Summary page


def test_summary_row_for_a_percentage_with_a_target(march):
    *_, internal, _public = march
    line = summary(internal, "core_training_12m")
    # March 2025 is month 24 of 0..24: numerator 80 + 24 % 5 = 84 of 100 -> 84.0% against 100%:
    # 16% short with a 10% tolerance -> Red. February: 83% (+1.0 pts, better); March 2024 (month
    # 12): 82% (+2.0 pts, better).
    assert (line.value, line.counts, line.target) == ("84.0%", "84 of 100", "100.0%")
    assert (line.rag_shape, line.rag_word, line.direction) == ("\u25a0", "Red: target missed", "Higher is better")
    assert (line.month_arrow, line.month_words) == ("\u2191", "better (+1.0 pts)")
    assert (line.year_arrow, line.year_words) == ("\u2191", "better (+2.0 pts)")
    assert line.benchmark == "no national benchmark"


def test_summary_row_for_a_count_going_down_is_better_when_lower_is_better(march):
    *_, internal, _public = march
    line = summary(internal, "allegations_month")
    # Month 24: 8 + 24 % 3 = 8; month 23: 8 + 2 = 10 -> down 2, lower is better -> better.
    # A year ago (month 12): 8 + 0 = 8 -> no material change (the band is at least 1 for counts).
    assert (line.value, line.target, line.rag_word) == ("8", "no target", "Not rated (no target)")
    assert (line.month_arrow, line.month_words) == ("\u2193", "better (-2)")
    assert (line.year_arrow, line.year_words) == ("\u2192", "no material change")


def test_summary_row_shows_benchmarks_with_their_year(march):
    *_, internal, _public = march
    line = summary(internal, "stability_short_term")
    # 200 + 24 = 224 of 1,800 = 12.4%; a year ago 212 of 1,800 = 11.8%: up 0.7 pts, lower is better.
    assert (line.value, line.counts, line.year_words) == ("12.4%", "224 of 1,800", "worse (+0.7 pts)")
    assert line.benchmark == "England 10%, South East 12%, neighbours 10.5% (31 March 2025)"


def test_sparklines_show_13_months_with_the_target(march):
    *_, internal, _public = march
    line = summary(internal, "approvals_fytd")
    assert line.sparkline_months[0] == "2024-03" and line.sparkline_months[-1] == "2025-03" and len(line.sparkline) == 13
    # 9 approvals a month from April: 108 by March 2024, 9 in April 2024 ... 108 in March 2025;
    # target pro rata: 120 x months elapsed / 12.
    assert line.sparkline[:3] == [108.0, 9.0, 18.0] and line.sparkline[-1] == 108.0
    assert line.sparkline_targets[1] == 10.0 and line.sparkline_targets[-1] == 120.0


def test_a_year_to_date_count_is_not_compared_with_last_month(march):
    *_, internal, _public = march
    assert summary(internal, "approvals_fytd").month_words == "not compared (cumulative)"


# ---------------------------------------------------------------------------------------------
# Area pages


def test_pages_follow_the_configured_area_order_and_data_quality_is_internal_only(march):
    *_, internal, public = march
    assert [a for a, _ in internal.areas] == ["Recruitment", "Placement stability", "Training", "Allegations", "Data quality"]
    assert [a for a, _ in public.areas] == ["Recruitment", "Placement stability", "Training", "Allegations"]


def test_a_new_metric_in_a_new_area_gets_its_own_page_without_code_changes():
    registry = REGISTRY + [metric("emergency_beds", "Kinship support", title="Emergency beds available")]
    ctx = context("2025-03", metrics=registry)
    points = history("2025-03", metrics=REGISTRY, settings=ctx.settings)
    # the new metric: 7 beds every month
    points += [dict(p, metric_id="emergency_beds", numerator=7, denominator=None, value=7.0, target=None, rag="Not rated", rag_reason="no target")
               for p in points if p["metric_id"] == "allegations_month"]
    internal, _public = pack.make_views(ctx, rows_from(points, "2025-03", metrics=registry, settings=ctx.settings), points, [])
    areas = dict(internal.areas)
    # not in area_order: after the listed areas, before the internal data-quality page
    assert list(areas)[-2:] == ["Kinship support", "Data quality"]
    assert [c.title for c in areas["Kinship support"]] == ["Emergency beds available: 7 in Mar 2025, no material change on a year ago"]


def test_cumulative_approvals_against_the_financial_year_trajectory(march):
    *_, internal, _public = march
    spec = chart(internal, "cumulative_approvals_fytd")
    # 9 a month: 9, 18, ..., 108 by March; trajectory 120 / 12 = 10 a month: 10, 20, ..., 120.
    assert spec.data["actual"] == [9.0 * m for m in range(1, 13)]
    assert spec.data["trajectory"] == [10.0 * m for m in range(1, 13)]
    assert spec.title == "108 approved by Mar 2025 against a trajectory of 120 for the 2024-25 target of 120: behind trajectory by 12"


def test_the_funnel_from_enquiries_to_approvals(march):
    *_, internal, _public = march
    spec = chart(internal, "funnel")
    # enquiries 1,200 + 10 x 24 = 1,440; applications 150 + 24 = 174; approvals 108.
    assert spec.data["values"] == [1440.0, 174.0, 108.0]
    assert [r[2] for r in spec.table_rows] == ["", "12%", "62%"]  # 174 / 1,440; 108 / 174
    assert spec.title == "Of 1,440 at the first stage, 108 reached the last (8% conversion), Mar 2025"
    assert spec.area == "Recruitment"


def test_stability_against_england_region_and_neighbours(march):
    *_, internal, _public = march
    spec = chart(internal, "benchmark_stability_short_term")
    assert spec.data["years"] == [2021, 2022, 2023, 2024, 2025]
    assert spec.data["england"][-1] == 10 and spec.data["region"][-1] == 12 and spec.data["neighbours"][-1] == 10.5
    assert spec.title == ("Children with 3 or more placements in 12 months, DfE 31 March 2025: this council 12%, "
                          "above England 10%, level with South East 12%, above the neighbours' median 10.5%")
    assert spec.table_rows[-1] == ["31 March 2025", "12%", "10%", "12%", "10.5%", "10"]


def test_trend_chart_title_alt_text_and_table_come_from_the_numbers(march):
    *_, internal, _public = march
    spec = chart(internal, "core_training_12m")
    assert spec.title == "Core training within 12 months: 84.0% in Mar 2025, better than a year ago, target missed"
    # 25 months, 80..84 repeating: lowest 80% (the latest month with 80 is month 20: Mar 2023 + 20 = Nov 2024),
    # highest 84% (latest: Mar 2025).
    assert spec.alt == ("Line chart of core training within 12 months, monthly from Mar 2023 to Mar 2025. Mar 2025: 84.0%. "
                        "Lowest 80.0% in Nov 2024, highest 84.0% in Mar 2025. Target line at 100.0% in Mar 2025.")
    assert len(spec.table_rows) == 25 and spec.table_rows[-1] == ["2025-03", "84.0%", "84", "100", "100.0%"]


def test_allegations_by_outcome(march):
    *_, internal, _public = march
    spec = chart(internal, "breakdown_allegations_12m")
    assert spec.table_rows[-1] == ["Total", "108"]
    assert spec.title == "Allegations received in the last 12 months by category, Mar 2025: most often unsubstantiated (60 of 108)"


def test_breakdown_categories_are_shown_as_the_labels_they_come_with():
    # The breakdown SQL gives each category its plain-English label from the data contract
    # ([labels] in national/extracts.toml); the pack shows it as given, never a code of its own.
    from fostering_scorecard.pack import charts

    labels = {"Carer requested the end: the child's behaviour": 40, "Allegation (section 47 enquiry)": 30,
              "Child requested the end": 20, "Provider closed or resigned": 10, "Other reason": 8}
    ctx, rows, points = case("2025-03")
    breakdowns = [{"metric_id": "allegations_12m", "category": label, "count": n} for label, n in labels.items()]
    internal, _public = pack.make_views(ctx, rows, points, [], breakdowns=breakdowns)
    spec = chart(internal, "breakdown_allegations_12m")
    assert spec.data["labels"] == sorted(labels)  # alphabetical, as every breakdown
    assert spec.title.endswith("most often Carer requested the end: the child's behaviour (40 of 108)")
    assert ["Other reason", "8"] in spec.table_rows
    assert charts.chart_png(spec).startswith(b"\x89PNG")  # long labels drawn (two lines each at most)


def test_a_configured_chart_metric_missing_from_the_registry_is_named():
    from test_pack_fixtures import settings_with

    ctx, rows, points = case("2025-03", settings=settings_with(funnel=["enquiries_12m", "no_such_metric"]))
    with pytest.raises(ValueError, match=r"national/settings.toml \[pack\] funnel: metric 'no_such_metric' is not in metrics.toml"):
        pack.make_views(ctx, rows, points, [])


# ---------------------------------------------------------------------------------------------
# Files


FORMATS = ["scorecard_pack.pdf", "scorecard_pack.html", "scorecard_pack.xlsx", "scorecard.csv", "scorecard_history.csv",
           "benchmarks.csv", "breakdowns.csv", "charts/core_training_12m.png", "charts/area/funnel.png"]


@pytest.mark.parametrize("audience", ["", "public/"])
def test_every_format_is_written_for_both_audiences(written, audience):
    for name in FORMATS:
        assert (written / audience / name).stat().st_size > 0, audience + name
    assert not (written / "public" / "internal").exists()
    assert not (written / "public" / "charts" / "area" / "data_quality.png").exists()


def test_the_csvs_hold_the_same_numbers_as_the_pages(written, march):
    *_, internal, _public = march
    with (written / "scorecard.csv").open() as f:
        rows = {r["metric_id"]: r for r in csv.DictReader(f)}
    assert (rows["stability_short_term"]["numerator"], rows["stability_short_term"]["denominator"]) == ("224", "1800")
    assert summary(internal, "stability_short_term").counts == "224 of 1,800"
    with (written / "public" / "breakdowns.csv").open() as f:
        public_cells = {r["category"]: r["count"] for r in csv.DictReader(f)}
    assert public_cells == {"false": "0", "malicious": "c", "substantiated": "c", "unfounded": "30", "unsubstantiated": "60"}
    with (written / "benchmarks.csv").open() as f:
        bench = [r for r in csv.DictReader(f) if r["year"] == "2025-03-31"]
    assert [(b["england"], b["region"], b["neighbours_median"]) for b in bench] == [("10", "12", "10.5")]


def test_the_workbook_has_a_rag_formatted_summary_a_sheet_per_area_and_the_data(written):
    from openpyxl import load_workbook

    wb = load_workbook(written / "scorecard_pack.xlsx")
    assert wb.sheetnames == ["Summary", "Recruitment", "Placement stability", "Training", "Allegations", "Data quality", "Data", "Benchmarks", "Breakdowns"]
    ws = wb["Summary"]
    assert [c.value for c in ws[4]][:3] == ["Indicator", "Metric id", "Value"]
    training = next(r for r in ws.iter_rows(min_row=5) if r[1].value == "core_training_12m")
    assert (training[2].value, training[3].value, training[4].value, training[7].value) == (84.0, 84, 100, "\u25a0 Red: target missed")
    assert training[7].fill.fgColor.rgb.endswith("F4A3A3")
    assert wb["Data"].max_row == 1 + 25 * len(REGISTRY)
    assert wb.properties.created.date().isoformat() == "2025-03-31"
    public = load_workbook(written / "public" / "scorecard_pack.xlsx")
    assert "Data quality" not in public.sheetnames


def test_the_workbook_has_fixed_zip_timestamps(written):
    with zipfile.ZipFile(written / "scorecard_pack.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"2025-03-31T00:00:00Z</dcterms:modified>" in z.read("docProps/core.xml")


def test_the_html_is_self_contained_with_alt_text_and_a_table_for_every_chart(written, march):
    *_, internal, _public = march
    text = (written / "scorecard_pack.html").read_text()
    assert not re.search(r"https?://", text), "no external URL of any kind"
    assert not re.search(r"<(script|link|iframe)\b", text) and "@import" not in text and "url(" not in text
    images = re.findall(r"<img [^>]*>", text)
    assert len(images) == len(internal.charts) + len(internal.summary)  # charts + sparklines
    assert all(re.search(r'src="data:image/(png|svg\+xml);base64,', i) and re.search(r'alt="[^"]{20,}"', i) for i in images)
    assert text.count("<figure") == len(internal.charts) == text.count("<details><summary>Data table")
    assert "Content-Security-Policy" in text


def test_the_pdf_has_a_summary_page_and_area_pages(written):
    pdf = (written / "scorecard_pack.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"CreationDate" not in pdf
    # summary 1 + Recruitment 2 (5 charts) + stability 1 + training 1 + allegations 1 + data
    # quality chart 1 + its table 1 = 8 pages internal; public has no data quality pages.
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 8
    assert len(re.findall(rb"/Type /Page\b", (written / "public" / "scorecard_pack.pdf").read_bytes())) == 6


def test_the_pdf_holds_each_chart_png_as_it_is(written, march):
    """The area pages embed the charts/ PNGs' compressed rows unchanged (no second rasterising)."""
    from fostering_scorecard.pack import pdf as pdf_writer

    *_, internal, _public = march
    pdf = (written / "scorecard_pack.pdf").read_bytes()
    assert len(re.findall(rb"/Subtype /Image\b", pdf)) == len(internal.charts)
    for name in ("charts/core_training_12m.png", "charts/area/funnel.png"):
        width, height, rows = pdf_writer._png_rgb_rows((written / name).read_bytes())
        assert (width, height) == (840, 456) and rows in pdf


def test_a_chart_drawn_by_a_worker_process_is_the_same_as_one_drawn_here(march, monkeypatch):
    from fostering_scorecard.pack import charts, workers

    monkeypatch.setattr(workers, "_allowed_worker_processes", workers.WORKER_PROCESSES)
    *_, internal, public = march
    specs = [chart(internal, "funnel"), chart(internal, "core_training_12m")]
    with workers.PackWorkers(specs, [public]) as started:
        started._starting.join()  # the worker futures themselves: png() may draw here instead
        from_workers = [started._futures[workers.chart_key(spec)].result() for spec in specs]
        assert [started.png(spec) for spec in specs] == from_workers
    assert from_workers == [charts.chart_png(spec) for spec in specs]


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is not installed; scripts/install-browser.sh installs it")
        pytest.skip(f"{tool} is not installed; run scripts/install-browser.sh")
    return path


@pytest.mark.parametrize("audience", ["", "public/"])
def test_pdf_pages_render_and_none_is_blank(written, tmp_path, audience):
    from PIL import Image, ImageStat

    pdftoppm = _need("pdftoppm")
    subprocess.run([pdftoppm, "-r", "40", "-png", str(written / audience / "scorecard_pack.pdf"), str(tmp_path / "page")], check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == (8 if not audience else 6)
    for page in pages:
        grey = Image.open(page).convert("L")
        dark = sum(grey.histogram()[:128]) / (grey.width * grey.height)
        assert dark > 0.002, f"{page.name} is blank"  # a blank page has no dark pixel at all
        assert ImageStat.Stat(grey).stddev[0] > 5, f"{page.name} has no contrast"


def test_every_format_is_byte_identical_when_written_again(written, march, tmp_path):
    ctx, rows, points, _i, _p = march
    pack.write_pack(tmp_path, ctx, rows, points, QUALITY_ROWS, breakdowns=[dict(b) for b in BREAKDOWNS])

    def digests(folder):
        return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}

    first, second = digests(written), digests(tmp_path)
    assert first == second
    assert {name.rsplit(".", 1)[-1] for name in first} == {"pdf", "html", "xlsx", "csv", "png"}


def test_public_html_and_workbook_hold_no_small_count(written):
    from openpyxl import load_workbook

    wb = load_workbook(written / "public" / "scorecard_pack.xlsx")
    for sheet in ("Data", "Breakdowns"):
        ws = wb[sheet]
        headings = [c.value for c in ws[1]]
        for column in ("numerator", "denominator", "count"):
            if column in headings:
                values = [r[headings.index(column)] for r in ws.iter_rows(min_row=2, values_only=True)]
                assert not [v for v in values if isinstance(v, (int, float)) and 1 <= v <= 5], (sheet, column)
    text = (written / "public" / "scorecard_pack.html").read_text()
    cells = re.findall(r'<td class="num">([^<]*)</td>', text)
    assert "c" in cells and not [c for c in cells if re.fullmatch(r"[1-5]", c)]


def test_a_csv_cell_is_plain_text_for_excel_users(written):
    # "c" in numeric columns of the public CSV, never a Python repr.
    text = (written / "public" / "breakdowns.csv").read_text()
    assert "None" not in text and "nan" not in text.lower()
    assert next(csv.reader(io.StringIO(text))) == ["metric_id", "category", "count"]


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_the_html_pack_renders_offline_in_chromium(written, march, audience):
    """Opened in headless Chromium with DNS mapped to nowhere; every request is recorded over
    the DevTools protocol. A screenshot of each pack is written for review."""
    *_, internal, public = march
    view = internal if audience == "internal" else public
    screenshot = SCREENSHOT_DIR / f"scorecard_pack_{audience}.png"
    report = open_in_chromium(written / ("" if audience == "internal" else "public") / "scorecard_pack.html", screenshot)
    # The only request is the file itself: images are data URIs, nothing else is fetched.
    assert [u for u in report["requests"] if not u.startswith(("file:", "data:"))] == []
    assert report["title"] == f"Fostering scorecard: March 2025 ({audience})"
    assert report["images"] == len(view.charts) + len(view.summary)
    assert (report["broken"], report["missingAlt"]) == (0, 0)
    assert report["figures"] == report["tables"] == len(view.charts)
    assert report["height"] > 2000  # the whole pack laid out, not an error page
    assert screenshot.stat().st_size > 20_000


def test_a_script_without_a_main_guard_draws_the_pack_in_its_own_process(tmp_path):
    # multiprocessing would run such a script again in every worker: the pack library uses
    # workers only when an entry point allows them, so a plain script just works (no hang).
    script = tmp_path / "quick.py"
    script.write_text(
        "from fostering_scorecard.pack import workers\n"
        "with workers.PackWorkers([], []) as started: pass\n"
        "print('allowed' if workers.worker_processes_allowed() else 'in this process')\n"
    )
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "in this process", result.stderr
