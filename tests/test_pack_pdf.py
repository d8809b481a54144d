"""The PDF as a reader and a screen reader meet it (pack/pdf.py, templates/pack/pack.typ): tagged
PDF/UA with a title and a language, alt text on every chart, table headers, page 1 holding every
targeted indicator, no printed text smaller than 8 pt (body text 9 pt), fonts from matplotlib's
DejaVu only, the public pack's words where a figure is withheld, and the same bytes in another
process with another time zone and locale. Text positions come from the PDF itself
(pdftotext -bbox, poppler-utils: scripts/install-browser.sh installs it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from builders import SAMPLE_PROJECT
from test_pack_fixtures import BREAKDOWNS, QUALITY_ROWS, case

from fostering_scorecard import cli, pack
from fostering_scorecard.pack import charts, pdf

TESTS = Path(__file__).parent


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is not installed; scripts/install-browser.sh installs poppler-utils")
        pytest.skip(f"{tool} is not installed; run scripts/install-browser.sh")
    return path


@pytest.fixture(scope="module")
def views():
    ctx, rows, points = case("2025-03")
    return pack.make_views(ctx, rows, points, QUALITY_ROWS, breakdowns=[dict(b) for b in BREAKDOWNS])


@pytest.fixture(scope="module")
def pdfs(views, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf")
    out = {}
    for view in views:
        path = folder / f"{view.audience}.pdf"
        path.write_bytes(pdf.pdf_bytes(view, charts.chart_svg))
        out[view.audience] = path
    return out


def words(path: Path) -> list[list[tuple[str, float]]]:
    """Each page's words with their height in points (pdftotext -bbox: for typst's text, the
    height of a word's box is its font size)."""
    html = subprocess.run([need("pdftotext"), "-bbox", str(path), "-"], capture_output=True, text=True, check=True, timeout=120).stdout
    root = ElementTree.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", html).replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    return [[(w.text or "", float(w.get("yMax")) - float(w.get("yMin"))) for w in page.iter("word")] for page in root.iter("page")]


def page_text(path: Path) -> list[str]:
    """Each page's text in reading order, a table cell's lines together, spaces collapsed."""
    text = subprocess.run([need("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True, timeout=120).stdout
    return [" ".join(page.split()) for page in text.split("\f")][:-1]  # the last page ends with a form feed


def tables(path: Path) -> list[list[list[str]]]:
    """The PDF's tables as its tags give them (pdfinfo -struct-text): rows of cell texts, the
    header row first. A screen reader reads the same cells."""
    out = subprocess.run([need("pdfinfo"), "-struct-text", str(path)], capture_output=True, text=True, timeout=120).stdout
    found, row, cell = [], None, None
    for line in out.splitlines():
        item = line.strip()
        if item.startswith("Table"):
            found.append([])
        elif item == "TR" and found:
            row = []
            found[-1].append(row)
        elif re.match(r"T[HD]\b", item) and row is not None:
            cell = []
            row.append(cell)
        elif item.startswith('"') and cell is not None:
            cell.append(item.strip('"'))
        elif re.match(r"(H\d|P|L|Figure|Div|Document)\b", item):  # past the table
            row = cell = None
    return [[[" ".join(" ".join(c).split()) for c in r] for r in t] for t in found]


def pdf_strings(raw: bytes, key: bytes) -> list[str]:
    """The literal strings after `key` in a PDF's objects (typst writes them uncompressed),
    balanced parentheses kept as they are, escapes undone."""
    out, start = [], raw.find(key + b"(")
    while start != -1:
        i, depth, chars = start + len(key) + 1, 1, bytearray()
        while depth:
            c = raw[i:i + 1]
            if c == b"\\":
                chars += raw[i + 1:i + 2]
                i += 2
                continue
            depth += {b"(": 1, b")": -1}.get(c, 0)
            if depth:
                chars += c
            i += 1
        out.append(chars.decode("latin-1"))
        start = raw.find(key + b"(", i)
    return out


# ---------------------------------------------------------------------------------------------
# Accessible: tagged PDF/UA, title, language, alt text, table headers


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_the_pdf_is_tagged_pdf_ua_with_a_title_and_a_language(pdfs, audience):
    info = subprocess.run([need("pdfinfo"), str(pdfs[audience])], capture_output=True, text=True, timeout=60).stdout
    assert f"Title:           Fostering scorecard: March 2025 ({audience})" in info
    assert "Tagged:          yes" in info and "Page size:       841.89 x 595.276 pts (A4)" in info
    raw = pdfs[audience].read_bytes()
    assert b"/Lang(en-GB)" in raw
    assert b"<pdfuaid:part>1</pdfuaid:part>" in raw  # PDF/UA-1: typst refuses to write it without alt text and a title
    assert b"/MarkInfo<</Marked true" in raw


def test_every_chart_has_its_alt_text_and_every_table_its_header_row(views, pdfs):
    internal, _public = views
    assert pdf_strings(pdfs["internal"].read_bytes(), b"/Alt") == [chart.alt for chart in internal.charts]
    assert internal.charts
    structure = subprocess.run([need("pdfinfo"), "-struct", str(pdfs["internal"])], capture_output=True, text=True, timeout=60).stdout
    # page 1's targets and its other indicators (a table per column), an area table per page,
    # data quality's two tables
    count = structure.count("Table (block)")
    # (the month has room on page 1 for every other indicator: the first layout offered, whole)
    assert count == 1 + len(pdf.document(internal, charts.chart_svg)["others_options"][0]["columns"]) + len(internal.pages) + 2
    assert "continued" not in structure
    assert structure.count("THead") == count and structure.count("/Scope /Column") >= 3 * count
    assert structure.count("Figure") == len(internal.charts)
    headings = re.findall(r"^\s*(H\d) \"([^\"]*)\"", structure, re.M)
    assert headings[:4] == [("H1", "Fostering scorecard: March 2025"), ("H2", "What changed since last month"),
                            ("H2", "Business-plan targets"), ("H2", "Other key indicators")]
    # one heading per chart: its title, stating the finding
    assert [text for level, text in headings if level == "H3" and text in {c.title for c in internal.charts}] == [c.title for c in internal.charts]


def test_the_fonts_are_matplotlibs_dejavu_embedded_never_the_machines(pdfs):
    fonts = subprocess.run([need("pdffonts"), str(pdfs["internal"])], capture_output=True, text=True, timeout=60).stdout
    names = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:]}
    assert names <= {"DejaVuSans", "DejaVuSans-Bold"}, names
    assert all(" yes yes yes " in line for line in fonts.splitlines()[2:])  # embedded, subset, with a unicode map


# ---------------------------------------------------------------------------------------------
# Readable: page 1 and the size of every word


def test_page_1_holds_every_targeted_indicator_with_its_status_and_finding(views, pdfs):
    internal, _public = views
    first = page_text(pdfs["internal"])[0]
    for sentence in internal.headline:
        assert sentence in first
    targets, *others = tables(pdfs["internal"])[:3]  # page 1's tables, as a screen reader reads them
    assert targets == [
        ["Status", "Indicator and finding", "Value", "Target", "Trend", "Change: on last month, on last year"],
        # approvals: 108 of 120 by March (within 10%): Amber, the year over; not compared with last month
        ["\u25c6 Amber: close to target", "New households approved this financial year 2024-25 ended with 108 against the "
         "target of 120: 12 short of it.", "108", "120 by 31 March 2025", "", "\u2192 no material change"],
        ["\u25a0 Red: target missed", "Core training within 12 months 16.0 pts below the target; better than a year ago.",
         "84.0% 84 of 100", "100.0%", "", "\u2191 better (+1.0 pts) \u2191 better (+2.0 pts)"],
    ]
    assert [line.metric_id for line in internal.targets] == ["approvals_fytd", "core_training_12m"]
    # the key indicators (national [pack] key_indicators), by area: its name once, in a row of
    # its own above its indicators; no target, so their trend (a sparkline: a drawing, its cell
    # empty to a screen reader) and benchmark instead of a status
    # (two groups of one line each: one a column, the most even cut)
    assert others == [
        [["Indicator", "Value", "Trend", "On last year"],
         ["Recruitment"],
         ["Initial enquiries in the last 12 months", "1,440", "", "\u2191 better (+120)"]],
        [["Indicator", "Value", "Trend", "On last year"],
         ["Placement stability"],
         ["Children with 3 or more placements in 12 months England 10%, South East 12%, neighbours "
          "10.5% (31 March 2025)", "12.4%", "", "\u2191 worse (+0.7 pts)"]],
    ]


def test_no_text_is_smaller_than_8_pt_and_the_body_is_9_pt(views, pdfs):
    for view in views:
        pages = words(pdfs[view.audience])
        sizes = [size for page in pages for _word, size in page]
        assert min(sizes) >= 7.99, view.audience  # chart text included: charts are placed at their own size
        # On page 1 only the key and the page's footer are smaller than 9 pt (8 pt)
        footer = f"{view.council_name}, {view.month_label}, {view.audience} pack Page 1 of {len(pages)}"
        notes = [line.withheld or line.benchmark for group in view.groups for line in group.lines]  # under a title
        allowed = set(" ".join(view.key + notes).split()) | set(footer.split())
        small = {word for word, size in pages[0] if size < 8.99}
        assert small <= allowed, small - allowed


def page_fill(path: Path) -> list[float]:
    """How far down each page its content reaches, as a share of the page above the footer:
    pdftoppm renders every page (grey, 20 dpi) and the last row with any ink is found."""
    out = subprocess.run([need("pdftoppm"), "-gray", "-r", "20", str(path)], capture_output=True, check=True, timeout=120).stdout
    fills, at = [], 0
    while at < len(out):  # one binary PGM per page: "P5\n<width> <height>\n255\n" then the pixels
        magic, size, depth, rest = out[at:].split(b"\n", 3)
        assert (magic, depth) == (b"P5", b"255")
        width, height = map(int, size.split())
        pixels = rest[: width * height]
        above_footer = int(height * 0.93)  # the footer: the last 12 mm of 210
        inked = [row for row in range(above_footer) if min(pixels[row * width:(row + 1) * width]) < 200]
        fills.append((inked[-1] + 1) / above_footer if inked else 0.0)
        at += len(magic) + len(size) + len(depth) + 3 + width * height
    return fills


def test_every_page_renders_and_none_is_near_empty(views, pdfs):
    for view in views:
        fills = page_fill(pdfs[view.audience])
        assert len(fills) == len(page_text(pdfs[view.audience])) >= 2, view.audience
        assert fills[0] == 1.0  # page 1 is full: its key sits at the foot of the page
        # no page holds only a line or two (a footnote, a table's last row): each reaches at
        # least a quarter of the way down (the fixture's shortest, its last, about 40%)
        assert min(fills) >= 0.25, (view.audience, [round(f, 2) for f in fills])


def test_no_chart_is_empty(views, pdfs):
    internal, public = views
    def numbers(data) -> int:
        if isinstance(data, dict):
            return sum(numbers(v) for v in data.values())
        if isinstance(data, (list, tuple)):
            return sum(numbers(v) for v in data)
        return int(isinstance(data, (int, float)) and not isinstance(data, bool))

    for view in (internal, public):
        for chart in view.charts:
            assert numbers(chart.data) >= 2, chart.chart_id
    # every chart's words are on its page: its heading above it
    text = " ".join(page_text(pdfs["internal"]))
    for chart in internal.charts:
        assert " ".join(chart.title.split()) in text


def test_no_metric_id_column_name_code_or_file_path_on_a_page(views, pdfs):
    internal, _public = views
    ids = {line.metric_id for line in internal.indicators}
    for view in views:
        text = " ".join(page_text(pdfs[view.audience]))
        # the data-quality tables (internal, last) name the extracts' columns the data team must fix
        body = text.rpartition("Data quality")[0] if view.quality is not None else text
        assert body, view.audience
        words = set(body.split())
        assert not {w for w in words if w.strip("().,:;") in ids}, view.audience
        assert not {w for w in words if "_" in w or "/" in w or w.endswith((".md", ".toml", ".py"))}, view.audience
        # no code in capitals: only the acronyms a head of fostering reads every day
        assert {w.strip("().,:;") for w in words if re.fullmatch(r"\W*[A-Z]{3,}\W*", w)} <= {"TSD", "LADO", "DFE"}, view.audience


# ---------------------------------------------------------------------------------------------
# What the reader is told


def test_the_public_pack_says_what_is_withheld_and_why(pdfs):
    first = page_text(pdfs["public"])[0]
    # one sentence per reason, naming the indicators it hides
    assert ("Not shown in this public pack. Allegations received this month: withheld from every public pack because "
            "other published figures would give it away.") in first
    assert "Data quality" not in " ".join(page_text(pdfs["public"]))


def test_the_internal_pack_ends_with_the_data_quality_tables(views, pdfs):
    last = page_text(pdfs["internal"])[-1]
    assert "Data quality 10 of 1,000 rows read were set aside (1.0%); 0 warnings on rows kept." in last
    extracts, rules = tables(pdfs["internal"])[-2:]
    assert extracts == [["Extract", "Rows read", "Accepted", "Set aside", "Share set aside"], ["carers.csv", "1,000", "990", "10", "1.0%"]]
    # the problem once, as a heading row (the fixture's rule has no fix and an id naming no
    # column), then each rule's row under it (no earlier month: blank counts); every rule printed
    assert rules == [["Extract", "Column", "Outcome", "Rows", "New", "Still open", "Fixed"], ["Not a date."],
                     ["carers.csv", "", "set aside", "10", "", "", ""]]
    assert "not printed" not in last


# A council with 200 broken rules, all "not one of the allowed codes" (the national contract's
# words): 90 set aside in each of allegations.csv and carers.csv, one per column c01..c90 with
# 90, 89, ..., 1 rows (so each count twice), and 20 warnings of 500 rows each in enquiries.csv.
MANY_FIX = "Re-code {column} to one of the codes listed for it in docs/data-contract.md."


def many_rules() -> list[dict]:
    rows = []
    for file, read in (("allegations.csv", 10_000), ("carers.csv", 10_000), ("enquiries.csv", 20_000)):
        extract = file.removesuffix(".csv")
        aside = 4_095 if extract != "enquiries" else 0  # 90 + 89 + ... + 1
        rows.append({"extract": extract, "file": file, "rule_id": "(all rows)", "rows": read, "rows_read": read,
                     "rows_accepted": read - aside, "rows_quarantined": aside})
    for file, severity, counts in (("carers.csv", "error", range(1, 91)), ("allegations.csv", "error", range(1, 91)),
                                   ("enquiries.csv", "warning", [500] * 20)):
        extract = file.removesuffix(".csv")
        for i, count in enumerate(counts, start=1):
            rows.append({"extract": extract, "file": file, "rule_id": f"{extract}.c{i:02}.bad_code", "severity": severity,
                         "meaning": "not one of the allowed codes", "rows": count, "new": 0, "still_open": count, "fixed": 0,
                         "example_fix": MANY_FIX.format(column=f"c{i:02}")})
    return rows


def test_hundreds_of_broken_rules_print_the_most_important_on_one_page(pdfs, tmp_path):
    ctx, rows, points = case("2025-03")
    internal, _public = pack.make_views(ctx, rows, points, many_rules(), breakdowns=[dict(b) for b in BREAKDOWNS])
    path = tmp_path / "many.pdf"
    path.write_bytes(pdf.pdf_bytes(internal, charts.chart_svg))
    pages = page_text(path)
    # the section starts on the page after the last area's, as with the fixture's one rule, and
    # takes that page and one more at most
    starts = [i for i, page in enumerate(pages) if "Data quality" in page][0]
    assert len(pages) - starts <= 2
    assert len(pages) <= len(page_text(pdfs["internal"])) + 1
    # The section on one page of two columns 533 pt high: the headings and gaps (80 pt), the
    # extracts' table (a header and 3 rows of 10.84 pt) and the summary (a line of 10.9 pt) take
    # 134.26 pt of each column; the second column repeats the header (10.44 pt) and the closing
    # line takes a gap and 4 lines (6.3 + 43.6 pt): 2 x 398.74 - 60.34 = 737.14 pt for the rules.
    # The problem and its fix take 2 lines (21.34 pt), and the tallest row may leave a gap as
    # high at the foot of the first column: 694.46 pt left, 66 rows of one line (10.44 pt). So 66
    # rules: the 33 counts 90, 89, ..., 58 (set aside), allegations.csv before carers.csv at
    # each. Left: 134 rules, 2 x (57 + 56 + ... + 1) = 3,306 rows set aside and the 20 warnings'
    # 10,000.
    _extracts, rules = tables(path)[-2:]
    assert rules[0] == ["Extract", "Column", "Outcome", "Rows", "New", "Still open", "Fixed"]
    assert rules[1] == ["Not one of the allowed codes. How to fix it: Re-code the column to one of the codes listed for it in "
                        "the data contract."]
    expected = [[file, f"c{count:02}", "set aside", str(count), "0", str(count), "0"]
                for count in range(90, 57, -1) for file in ("allegations.csv", "carers.csv")]
    assert rules[2:] == expected
    assert ("134 more rules (13,306 rows) are not printed here: the table lists the rules with the most rows set aside "
            "first, then new problems, then warnings. Every rule is listed on the \u201cData quality\u201d sheet of the "
            "pack\u2019s workbook and in data_quality.csv, both in the month\u2019s folder.") in pages[-1]


def test_the_sample_months_internal_pack_is_ten_pages_at_most(tmp_path):
    # the sample's extracts carry planted errors: 58 rules find rows in March 2025
    assert cli.main(["run", "--no-prefect", "--project", str(SAMPLE_PROJECT), "--month", "2025-03",
                     "--output", str(tmp_path)]) == 0
    pages = page_text(tmp_path / "2025-03" / "scorecard_pack.pdf")
    assert len(pages) <= 10
    # the data-quality section starts under the last area and ends on the next page
    assert "Data quality" in pages[-2] and "Data quality" not in " ".join(pages[:-2])
    assert "more rules" in pages[-1]


def test_december_is_read_against_the_trajectory_on_page_1(tmp_path):
    ctx, rows, points = case("2024-12")
    internal, _public = pack.make_views(ctx, rows, points, [])
    path = tmp_path / "december.pdf"
    path.write_bytes(pdf.pdf_bytes(internal, charts.chart_svg))
    first = page_text(path)[0]
    # 81 approved, 120 x 9 / 12 = 90 due: behind by 9, Amber; at 9 a month, 108 by March
    assert "Amber: close to trajectory" in first and "target missed" not in first.split("Core training")[0]
    assert "120 by 31 March 2025 90 due by now" in first  # the target column
    assert "Behind by 9: 81 so far, 90 due by the end of December; at this rate about 108 by 31 March 2025." in first


# ---------------------------------------------------------------------------------------------
# The same bytes anywhere


WRITE_ONE = """
import sys
sys.path.insert(0, {tests!r})
from test_pack_fixtures import BREAKDOWNS, QUALITY_ROWS, case
from fostering_scorecard import pack
from fostering_scorecard.pack import charts, pdf
ctx, rows, points = case("2025-03")
internal, public = pack.make_views(ctx, rows, points, QUALITY_ROWS, breakdowns=[dict(b) for b in BREAKDOWNS])
sys.stdout.buffer.write(pdf.pdf_bytes(internal, charts.chart_svg))
"""


def test_the_pdf_is_the_same_bytes_again_and_in_another_process_time_zone_and_locale(views, pdfs):
    internal, _public = views
    assert pdf.pdf_bytes(internal, charts.chart_svg) == pdfs["internal"].read_bytes()
    env = dict(os.environ, TZ="Pacific/Chatham", LC_ALL="C.UTF-8", LANG="de_DE.UTF-8", SOURCE_DATE_EPOCH="1")
    other = subprocess.run([sys.executable, "-c", WRITE_ONE.format(tests=str(TESTS))], capture_output=True, env=env, timeout=300)
    assert other.returncode == 0, other.stderr.decode()
    assert other.stdout == pdfs["internal"].read_bytes()
    assert b"CreationDate(D:20250331" in other.stdout  # the as-at date, not the day it was made


def test_page_one_options_are_as_tall_as_when_each_is_laid_out_whole(views, tmp_path, suite_runner):
    # The template finds the first layout of page 1's other indicators that fits without laying
    # out every option: a two-column option's height is added up from each group's rows, measured
    # once. Here every option is also laid out whole (the template's old way) and the two heights
    # must agree, for both audiences: the same option is chosen, so the PDF is the same.
    import json

    import typst

    from fostering_scorecard.resources import template_dir

    folder = tmp_path / "pack"
    shutil.copytree(template_dir("pack"), folder)
    template = folder / "pack.typ"
    text = template.read_text(encoding="utf-8")
    choice = "    let fits = pack.others_options.position("
    assert text.count(choice) == 1
    check = (
        "    for o in pack.others_options.filter(o => o.columns.len() > 0) {\n"
        "      let whole = measure(width: size.width, others(o.columns, pack.groups_heading)).height\n"
        "      assert(calc.abs((option-height(o, size, rise, chrome) - whole).pt()) < 0.001, message: \"option heights differ\")\n"
        "    }\n"
    )
    template.write_text(text.replace(choice, check + choice), encoding="utf-8")
    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(pdf.fonts_dir())])
    compiler = typst.Compiler(template, font_paths=fonts, ignore_system_fonts=True)
    # The bundled sample's month too: 17 options, its eight groups cut every way.
    from fostering_scorecard import project, run
    from fostering_scorecard.validation.report import data_quality_rows

    ctx, validated = run.check_extracts(run.Runner(), project.load(SAMPLE_PROJECT), "2025-03", None, tmp_path / "out", suite_runner)
    figures = run.compute(ctx, validated)
    sample = pack.make_views(ctx, figures.rows, figures.history, data_quality_rows(validated), figures.breakdowns)
    for view in [*views, *sample]:
        document = pdf.document(view, charts.chart_svg)
        assert sum(len(o["columns"]) == 2 for o in document["others_options"]) >= 1  # the sum is what is tested
        compiler.compile(format="pdf", sys_inputs={"pack": json.dumps(document, ensure_ascii=False, sort_keys=True)})
