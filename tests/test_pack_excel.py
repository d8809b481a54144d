"""The workbook an analyst opens, read back with openpyxl: numbers are numbers, percentages are
Excel percentages with a percent format, months are dates, one Excel table with a filter per
sheet under a frozen header, conditional formatting for status, a long tidy sheet to pivot from,
the benchmark sheet filled, plain-English headings, no text that looks like a number and no
formula. The scorecard is hand-built in test_pack_fixtures.py; the expected numbers are worked
out in the comments from its formulas (month index i = 0 for March 2023 .. 24 for March 2025)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from test_pack_fixtures import BREAKDOWNS, QUALITY_ROWS, REGISTRY, case, context, history, metric, rows_from

from fostering_scorecard import pack
from fostering_scorecard.pack import excel, excel_cells
from fostering_scorecard.pack.style import HEADER_FILL, RAG_FILL, WARNING_COLOUR
from fostering_scorecard.publish.release import IndicatorFigures, MovedIndicator, Release

# Text a spreadsheet user would take for a number or a date: "85.5%", "1,234", "-3", "+2.0 pts",
# "2025-03", "2025-03-31". Such a value must be stored as the number or the date itself.
LOOKS_LIKE_A_NUMBER = re.compile(r"\s*[-+\u2212]?[£$]?\d[\d,]*(\.\d+)?\s*(%|pts)?\s*|\d{4}-\d{2}(-\d{2})?")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def load(data: bytes):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data))


@pytest.fixture(scope="module")
def views():
    ctx, rows, points = case("2025-03")
    return pack.make_views(ctx, rows, points, QUALITY_ROWS, breakdowns=[dict(b) for b in BREAKDOWNS])


@pytest.fixture(scope="module")
def books(views):
    internal, public = views
    return load(excel.workbook_bytes(internal)), load(excel.workbook_bytes(public))


def table_of(ws):
    """The sheet's one Excel table as (headings, rows of cells) read from its range."""
    (table,) = ws.tables.values()
    cells = [list(row) for row in ws[table.ref]]
    return [c.value for c in cells[0]], cells[1:]


def row_for(ws, first_cell: str):
    headings, rows = table_of(ws)
    return headings, next(r for r in rows if r[0].value == first_cell)


def column(ws, heading: str) -> list:
    headings, rows = table_of(ws)
    return [r[headings.index(heading)] for r in rows]


# ---------------------------------------------------------------------------------------------
# Tables, filters, frozen headers


def test_every_sheet_holds_one_excel_table_with_a_filter_under_a_frozen_header(books):
    internal, public = books
    assert internal.sheetnames == ["Summary", "Recruitment", "Placement stability", "Training", "Allegations", "Data quality",
                                   "Rows per extract", "Data", "Benchmarks", "Breakdowns", "Definitions"]
    assert public.sheetnames == [s for s in internal.sheetnames if s not in ("Data quality", "Rows per extract")]
    names = []
    for book in books:
        for ws in book.worksheets:
            assert len(ws.tables) == 1, ws.title
            (table,) = ws.tables.values()
            names.append(table.displayName)
            header_row = int(re.match(r"[A-Z]+(\d+)", table.ref).group(1))
            assert table.autoFilter is not None and table.autoFilter.ref == table.ref, ws.title  # the filter buttons
            assert ws.freeze_panes == f"B{header_row + 1}", ws.title  # header rows (and first column) stay in view
            headings = [c.value for c in ws[header_row]][: len(table.tableColumns)]
            assert [c.name for c in table.tableColumns] == headings and all(isinstance(h, str) for h in headings)
    # a workbook's table names are its own: Summary, Recruitment, ..., each once per workbook
    assert len(set(names)) == len(internal.sheetnames) + len(public.sheetnames) - len(set(internal.sheetnames) & set(public.sheetnames))


def test_the_summary_keeps_its_heading_notice_row_and_puts_the_table_under_it(books, views):
    ws = books[0]["Summary"]
    assert ws["A1"].value == "Fostering scorecard: March 2025"
    assert ws["A2"].value.startswith("Sample County Council. As at 31 March 2025")
    assert list(ws.tables.values())[0].ref.startswith("A5:")  # rows 1-3 heading, subheading, version; the table from row 5
    headings, rows = table_of(ws)
    # page 1's order: the business-plan targets first, then page 1's groups, then every other
    # indicator in registry order: the sheet has them all, once
    view = views[0]
    page_1 = [line.title for line in view.targets] + [line.title for g in view.groups for line in g.lines]
    expected = page_1 + [m.title for m in REGISTRY if m.title not in page_1]
    assert [r[0].value for r in rows] == expected and sorted(expected) == sorted(m.title for m in REGISTRY)
    assert expected[:2] == ["New households approved this financial year", "Core training within 12 months"]
    assert [r[headings.index("Business-plan target")].value for r in rows] == ["yes", "yes", "no", "no", "no", "no", "no"]


# ---------------------------------------------------------------------------------------------
# Numbers, percentages, dates


def test_a_percentage_is_an_excel_percentage_with_its_counts_as_numbers(books):
    # Core training in March 2025 (i = 24): 80 + 24 % 5 = 84 of 100 = 84.0%, stored 0.84 and
    # shown 84.0%; the target of 100% is stored 1.
    headings, row = row_for(books[0]["Summary"], "Core training within 12 months")
    cell = {h: c for h, c in zip(headings, row)}
    assert (cell["Value"].value, cell["Value"].number_format) == (pytest.approx(0.84), "0.0%")
    assert (cell["Numerator"].value, cell["Denominator"].value) == (84, 100)
    assert cell["Numerator"].number_format == "#,##0" and cell["Numerator"].data_type == "n"
    assert (cell["Target this month"].value, cell["Target this month"].number_format) == (1, "0.0%")
    # Last month (i = 23): 80 + 3 = 83.0%; a year before (i = 12): 80 + 2 = 82.0%
    assert cell["Last month"].value == pytest.approx(0.83) and cell["Same month last year"].value == pytest.approx(0.82)
    assert cell["Status"].value == "\u25a0 Red: target missed"
    # Children with 3 or more placements: 200 + 24 = 224 of 1,800 = 12.444...%, unrounded
    headings, row = row_for(books[0]["Summary"], "Children with 3 or more placements in 12 months")
    value = row[headings.index("Value")]
    assert (value.value, value.number_format) == (pytest.approx(224 / 1800), "0.0%")


def test_a_year_to_date_count_has_its_year_end_target_and_trajectory(books):
    # Approvals: 9 a month from April, so 12 x 9 = 108 by March 2025 against 120: the year is
    # over, 12 short. A count is a whole number in the #,##0 format.
    headings, row = row_for(books[0]["Summary"], "New households approved this financial year")
    cell = {h: c.value for h, c in zip(headings, row)}
    assert (cell["Value"], cell["Year-end target"], cell["Against the trajectory"]) == (108, 120, "year over: 12 short of the target of 120")
    assert row[headings.index("Value")].number_format == "#,##0"


def test_months_are_dates_in_the_tidy_sheet_and_the_area_sheets(books):
    data = books[0]["Data"]
    months = column(data, "Month")
    assert all(isinstance(c.value, dt.datetime) and c.number_format == "mmm yyyy" for c in months)
    assert (months[0].value, months[24].value) == (dt.datetime(2023, 3, 1), dt.datetime(2025, 3, 1))  # one indicator's 25 months, oldest first
    recruitment = column(books[0]["Recruitment"], "Month")
    assert [c.value for c in recruitment] == [dt.datetime(2023 + (m + 1) // 12, (m + 1) % 12 + 1, 1) for m in range(1, 26)]


def test_every_percentage_cell_has_a_percent_format_and_no_count_does(books):
    units = {r[0].value: r[4].value for r in table_of(books[0]["Definitions"])[1]}  # Indicator -> Unit
    headings, rows = table_of(books[0]["Data"])
    shown = {"percentage": 0, "number": 0}
    for row in rows:
        cell = dict(zip(headings, row))
        unit = units[cell["Indicator"].value]
        for name in ("Value", "Target"):
            if isinstance(cell[name].value, (int, float)):
                shown[unit] += 1
                assert ("%" in cell[name].number_format) == (unit == "percentage"), (cell["Indicator"].value, name)
                if unit == "percentage":
                    assert 0 <= cell[name].value <= 1  # a fraction: 84% is 0.84, never 84
    # 2 percentage indicators x 25 months of values, and core training's target in the 24 months
    # from April 2023 (the fixture sets targets for 2023-24 and 2024-25 only)
    assert shown["percentage"] == 2 * 25 + 24
    # 5 counts x 25 months, and the approvals trajectory in the 24 months from April 2023
    assert shown["number"] == 5 * 25 + 24


def test_no_text_looks_like_a_number_and_no_cell_is_a_formula(books):
    for book in books:
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}"
                    if isinstance(cell.value, str):
                        assert not LOOKS_LIKE_A_NUMBER.fullmatch(cell.value), f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                        assert not cell.value.startswith(FORMULA_TRIGGERS), f"{ws.title}!{cell.coordinate}"


def test_text_that_reads_as_a_number_is_stored_as_that_number():
    # the safety net under every cell: a formatted figure that reached a cell becomes the figure
    cell = excel_cells.cell_value
    assert cell("1,234") == 1234 and cell("-3") == -3 and cell("85.5%") == pytest.approx(0.855)
    assert cell("c") == "c" and cell("-1+1") == "'-1+1" and cell("84.0% (84 of 100)") == "84.0% (84 of 100)"
    # a figure divided by nothing, or no text at all, is a blank cell (the workbook cannot hold
    # an infinite number; empty text would be an empty string where the others are blank)
    assert cell(float("inf")) is None and cell(float("-inf")) is None and cell(float("nan")) is None and cell("") is None


def test_text_that_looks_like_a_link_stays_plain_text():
    # Every cell is written by its type: a web address in a label is text, never a link Excel
    # would follow, and the workbook has no hyperlink at all.
    ctx, rows, points = case("2025-03")
    internal, _public = pack.make_views(ctx, rows, points, [], breakdowns=[
        {"metric_id": "allegations_12m", "category": "https://evil.example/x", "count": 60}])
    book = load(excel.workbook_bytes(internal))
    (cell,) = [c for c in column(book["Breakdowns"], "Category")]
    assert (cell.value, cell.data_type, cell.hyperlink) == ("https://evil.example/x", "s", None)
    assert [ws.title for ws in book.worksheets if ws._hyperlinks] == []


def test_headings_and_labels_are_plain_english_never_metric_ids_or_column_names(books):
    codes = {m.id for m in REGISTRY} | {"metric_id", "rag", "numerator", "denominator", "as_at", "rows_quarantined", "period_start"}
    for book in books:
        for ws in book.worksheets:
            for row in ws.iter_rows():
                assert not [c.value for c in row if c.value in codes], ws.title


# ---------------------------------------------------------------------------------------------
# How it looks: title rows, header cells, column widths, row heights


def test_title_rows_and_header_cells_have_the_packs_look(books):
    summary = books[0]["Summary"]
    # the heading: bold 14 pt in the pack's dark blue; the subheading plain
    title = summary["A1"].font
    assert (title.b, title.sz, title.color.rgb[-6:]) == (True, 14, HEADER_FILL.lstrip("#"))
    assert not summary["A2"].font.b
    # every table's header cell: bold white on dark blue, wrapped, at the top of the cell
    for book in books:
        for ws in book.worksheets:
            (table,) = ws.tables.values()
            for cell in ws[table.ref][0]:
                assert (cell.font.b, cell.font.color.rgb[-6:]) == (True, "FFFFFF"), f"{ws.title}!{cell.coordinate}"
                assert (cell.fill.patternType, cell.fill.fgColor.rgb[-6:]) == ("solid", HEADER_FILL.lstrip("#")), f"{ws.title}!{cell.coordinate}"
                assert (cell.alignment.wrap_text, cell.alignment.vertical) == (True, "top"), f"{ws.title}!{cell.coordinate}"


def test_a_warning_is_bold_in_the_warning_colour():
    ctx, rows, points = case("2025-03")
    internal, _public = pack.make_views(ctx, rows, points, [])
    warned = dataclasses.replace(internal, warnings=["Warning: published although rows set aside were over the limit."])
    cell = load(excel.workbook_bytes(warned))["Summary"]["A3"]
    assert cell.value == "Warning: published although rows set aside were over the limit."
    assert (cell.font.b, cell.font.color.rgb[-6:]) == (True, WARNING_COLOUR.lstrip("#"))


def test_columns_are_as_wide_as_set_and_the_area_headers_are_tall(books):
    # Stored as given, in characters (Excel shows a stored 46 as about 45 characters plus its
    # padding): the summary's Indicator 46, Area 20, Business-plan target 11, Finding 60.
    summary = books[0]["Summary"]
    widths = {letter: summary.column_dimensions[letter].width for letter in "ABCJ"}
    assert widths == {"A": 46, "B": 20, "C": 11, "J": 60}
    data = books[0]["Data"]
    assert (data.column_dimensions["A"].width, data.column_dimensions["I"].width) == (46, 50)
    # an area sheet: Month 11; its header row 60 points tall, for the wrapped indicator titles
    recruitment = books[0]["Recruitment"]
    assert recruitment.column_dimensions["A"].width == 11 and recruitment.row_dimensions[1].height == 60


# ---------------------------------------------------------------------------------------------
# Status


def test_status_has_conditional_formatting_with_the_packs_fills(books):
    ws = books[0]["Summary"]
    headings, rows = table_of(ws)
    letter = rows[0][headings.index("Status")].column_letter
    (formatting,) = [cf for cf in ws.conditional_formatting]
    assert str(formatting.sqref) == f"{letter}6:{letter}12"  # the 7 indicators' status cells
    rules = {rule.text: rule for rule in formatting.rules}
    assert set(rules) == {"\u25cf Green", "\u25c6 Amber", "\u25a0 Red", "\u25cb Not rated"}
    for text, rag in (("\u25cf Green", "Green"), ("\u25a0 Red", "Red"), ("\u25cb Not rated", "Not rated")):
        assert rules[text].type == "beginsWith" and rules[text].dxf.fill.fgColor.rgb.endswith(RAG_FILL[rag].lstrip("#"))
    # the cells hold the word and the shape: the fill is never the only sign
    statuses = [r[headings.index("Status")].value for r in rows]
    assert statuses[:2] == ["\u25c6 Amber: close to target", "\u25a0 Red: target missed"]
    # the tidy sheet's status column is formatted the same way, on the bare word
    data = books[0]["Data"]
    (formatting,) = [cf for cf in data.conditional_formatting]
    assert {rule.text for rule in formatting.rules} == {"Green", "Amber", "Red", "Not rated"}


# ---------------------------------------------------------------------------------------------
# The sheets to pivot and chart from


def test_the_tidy_data_sheet_pivots_to_the_published_figures(books):
    # Allegations received in the 12 months to March 2025 = the monthly counts of April 2024 to
    # March 2025 (i = 13..24, 8 + i % 3: 9, 10, 8, ... four times 27) = 108, the 12-month figure.
    headings, rows = table_of(books[0]["Data"])
    assert len(rows) == 25 * len(REGISTRY)
    col = {h: headings.index(h) for h in headings}
    monthly = [r[col["Value"]].value for r in rows if r[col["Indicator"]].value == "Allegations received this month"
               and dt.datetime(2024, 4, 1) <= r[col["Month"]].value <= dt.datetime(2025, 3, 1)]
    assert len(monthly) == 12 and sum(monthly) == 108
    twelve = [r[col["Value"]].value for r in rows if r[col["Indicator"]].value == "Allegations received in the last 12 months"]
    assert twelve[-1] == 108


def test_the_tidy_sheet_says_each_months_status_and_leaves_out_what_adds_nothing(books):
    headings, rows = table_of(books[0]["Data"])
    col = {h: headings.index(h) for h in headings}

    def series(title, heading):
        return [r[col[heading]].value for r in rows if r[col["Indicator"]].value == title]

    # Approvals: 9 a month against 10 due a month (120 / 12) is 90% of the trajectory, just
    # within the 10% tolerance: Amber from April 2023 on; March 2023 (2022-23) had no target, so
    # no status at all rather than a "Not rated" that says nothing the blank target does not.
    assert series("New households approved this financial year", "Status") == [None] + ["Amber"] * 24
    assert set(series("Initial enquiries in the last 12 months", "Status")) == {None}  # never a target
    # A count's numerator is the count itself: not repeated; a share's counts are both there
    assert set(series("Initial enquiries in the last 12 months", "Numerator")) == {None}
    assert series("Core training within 12 months", "Numerator")[-1] == 84
    assert series("Core training within 12 months", "Denominator")[-1] == 100


def test_an_area_sheet_has_a_row_per_month_and_a_column_per_indicator_and_target(books):
    ws = books[0]["Recruitment"]
    headings, row = row_for(ws, dt.datetime(2024, 12, 1))
    assert headings == ["Month", "New households approved this financial year",
                        "New households approved this financial year: target to date",
                        "Initial enquiries in the last 12 months", "Applications in the last 12 months"]
    # December 2024 (i = 21): 9 approvals a month x 9 months = 81 against 120 x 9/12 = 90 due;
    # enquiries 1,200 + 10 x 21 = 1,410; applications 150 + 21 = 171
    assert [c.value for c in row[1:]] == [81, 90, 1410, 171]
    training = books[0]["Training"]
    headings, row = row_for(training, dt.datetime(2025, 3, 1))
    assert [(c.value, c.number_format) for c in row[1:]] == [(pytest.approx(0.84), "0.0%"), (1, "0.0%")]


def test_the_benchmark_sheet_is_filled_with_the_dfe_years(books):
    headings, rows = table_of(books[0]["Benchmarks"])
    col = {h: headings.index(h) for h in headings}
    assert [r[col["Year to"]].value for r in rows] == [dt.datetime(y, 3, 31) for y in range(2021, 2026)]
    latest = rows[-1]
    # DfE, 31 March 2025, Kent (886): England 10%, South East 12%, neighbours' median 10.5%
    assert latest[col["Indicator"]].value == "Children with 3 or more placements in 12 months"
    assert [latest[col[h]].value for h in ("England", "Region", "Statistical neighbours (median)")] == [
        pytest.approx(0.10), pytest.approx(0.12), pytest.approx(0.105)]
    assert latest[col["England"]].number_format == "0%" and latest[col["Statistical neighbours (median)"]].number_format == "0.0%"
    assert latest[col["Region name"]].value == "South East"


def test_a_month_before_any_dfe_year_says_so_in_the_benchmark_sheet():
    ctx, rows, points = case("2020-03")
    internal, _public = pack.make_views(ctx, rows, points, [])
    headings, rows = table_of(load(excel.workbook_bytes(internal))["Benchmarks"])
    assert len(rows) == 1
    assert rows[0][0].value == "Children with 3 or more placements in 12 months"
    assert rows[0][headings.index("Note")].value == "DfE: none published for 31 March 2020 or earlier"


def test_breakdowns_and_data_quality_are_tables_of_labels_and_counts(books, views):
    headings, rows = table_of(books[0]["Breakdowns"])
    assert headings == ["Indicator", "Category", "Count"]
    assert [(r[1].value, r[2].value) for r in rows] == [("false", 0), ("malicious", 3), ("substantiated", 15), ("unfounded", 30), ("unsubstantiated", 60)]
    headings, rows = table_of(books[0]["Rows per extract"])
    # carers.csv: 1,000 read = 990 accepted + 10 set aside, 1.0%
    assert [c.value for c in rows[0]][:5] == ["carers.csv", 1000, 990, 10, pytest.approx(0.01)]
    assert rows[0][4].number_format == "0.0%"
    headings, rows = table_of(books[0]["Data quality"])
    rule = views[0].quality.rules[0]  # the words are the data-quality page's (pack/quality.py)
    assert [c.value for c in rows[0]] == ["carers.csv", "not a date", rule.outcome, 10, None, None, None, rule.fix or None]


# ---------------------------------------------------------------------------------------------
# The public workbook


def test_the_public_workbook_shows_c_as_text_and_no_count_from_1_to_5(books):
    public = books[1]
    # Monthly allegations are withheld from the public pack (national settings): c in every month
    values = [r[3].value for r in table_of(public["Data"])[1] if r[0].value == "Allegations received this month"]
    assert values == ["c"] * 25
    statuses = [r[7].value for r in table_of(public["Data"])[1] if r[0].value == "Allegations received this month"]
    assert statuses == ["Not rated"] * 25  # a figure not shown is never rated
    # malicious 3 and substantiated 15 are hidden together (secondary suppression: 3 alone would
    # be recovered from the total)
    assert [(r[1].value, r[2].value) for r in table_of(public["Breakdowns"])[1]] == [
        ("false", 0), ("malicious", "c"), ("substantiated", "c"), ("unfounded", 30), ("unsubstantiated", 60)]
    for ws in public.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, int) and not isinstance(value, bool) and cell.number_format == "#,##0":
                    assert not 1 <= value <= 5, f"{ws.title}!{cell.coordinate}"


# ---------------------------------------------------------------------------------------------
# Hostile words and a re-issue


def test_every_cell_still_goes_through_the_formula_guard():
    # A metric whose title and area start a formula, and a breakdown category that does.
    hostile = [dataclasses.replace(REGISTRY[0], title="=HYPERLINK(\"x\")", area="@Recruitment"), *REGISTRY[1:]]
    ctx = context("2025-03", metrics=hostile)
    points = history("2025-03", metrics=hostile, settings=ctx.settings)
    rows = rows_from(points, "2025-03", metrics=hostile, settings=ctx.settings)
    internal, _public = pack.make_views(ctx, rows, points, [], breakdowns=[
        {"metric_id": "allegations_12m", "category": "=cmd", "count": 60},
        {"metric_id": "allegations_12m", "category": "#N/A", "count": 48}])
    book = load(excel.workbook_bytes(internal))
    texts = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'=HYPERLINK(\"x\")" in texts and "'@Recruitment" in texts and "'=cmd" in texts
    assert not [t for t in texts if t.startswith(FORMULA_TRIGGERS)]
    assert "@Recruitment" in book.sheetnames  # a sheet's name is a name: it runs nothing
    na = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value == "#N/A"]
    assert na and all(c.data_type == "s" for c in na)  # text, not Excel's error value


def test_a_reissue_lists_what_moved_in_a_table_of_its_own():
    ctx, rows, points = case("2025-03")
    release = Release("2025-03", 2, dt.date(2025, 4, 20), reason="Corrected carers extract", moved=(
        MovedIndicator("core_training_12m", "Core training within 12 months",
                       IndicatorFigures(84.0, 84, 100, 100.0, "Red"), IndicatorFigures(80.0, 80, 100, 100.0, "Red")),))
    internal, _public = pack.make_views(ctx, rows, points, [], release=release)
    book = load(excel.workbook_bytes(internal))
    assert book.sheetnames[:2] == ["Summary", "About this version"]
    headings, rows = table_of(book["About this version"])
    assert headings == ["Indicator", "Version 1", "Version 2", "Status, version 1", "Status, version 2"]
    assert [c.value for c in rows[0]] == ["Core training within 12 months", "84.0% (84 of 100)", "80.0% (80 of 100)", "Red", "Red"]


def test_the_same_view_gives_the_same_bytes(views):
    internal, _public = views
    assert excel.workbook_bytes(internal) == excel.workbook_bytes(internal)


def test_the_workbook_is_dated_the_as_at_date_and_nothing_in_it_is_the_time_of_writing(views):
    internal, _public = views
    data = excel.workbook_bytes(internal)
    properties = load(data).properties
    # March 2025's pack: as at 31 March 2025, whenever it is written
    assert (properties.created, properties.modified) == (dt.datetime(2025, 3, 31), dt.datetime(2025, 3, 31))
    assert (properties.title, properties.creator) == ("Fostering scorecard: March 2025 (internal)", "fostering_scorecard")
    # every file inside the workbook (a zip) carries the same fixed date, 1 January 1980
    assert {info.date_time for info in zipfile.ZipFile(io.BytesIO(data)).infolist()} == {(1980, 1, 1, 0, 0, 0)}


WRITE_IN_ANOTHER_PROCESS = """
import hashlib, sys
sys.path.insert(0, sys.argv[1])
from test_pack_fixtures import QUALITY_ROWS, BREAKDOWNS, case
from fostering_scorecard import pack
from fostering_scorecard.pack import excel
ctx, rows, points = case("2025-03")
internal, public = pack.make_views(ctx, rows, points, QUALITY_ROWS, breakdowns=[dict(b) for b in BREAKDOWNS])
print(hashlib.sha256(excel.workbook_bytes(internal)).hexdigest(), hashlib.sha256(excel.workbook_bytes(public)).hexdigest())
"""


def test_the_same_view_gives_the_same_bytes_in_another_process_time_zone_and_locale(views):
    expected = [hashlib.sha256(excel.workbook_bytes(view)).hexdigest() for view in views]
    env = {**os.environ, "TZ": "Pacific/Kiritimati", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}  # UTC+14: another date
    result = subprocess.run([sys.executable, "-c", WRITE_IN_ANOTHER_PROCESS, str(Path(__file__).parent)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.stdout.split() == expected, result.stderr


def test_each_look_is_made_once_per_workbook():
    # A format per look, shared by every cell with it (not one per cell), and not shared
    # between workbooks.
    first = excel_cells.Book("A book", dt.date(2025, 3, 31))
    bold = first.format(excel_cells.look(bold=True, font_size=14))
    assert first.format(excel_cells.look(font_size=14, bold=True)) is bold
    assert first.format(excel_cells.look(bold=True)) is not bold
    assert excel_cells.Book("Another", dt.date(2025, 3, 31)).format(excel_cells.look(bold=True, font_size=14)) is not bold


def test_sheet_names_are_ones_excel_accepts():
    name = excel_cells.sheet_name
    # Excel counts a name's 31 characters in UTF-16 units: an emoji is 2
    assert name("\U0001F4CB" * 20, set()) == "\U0001F4CB" * 15
    assert name("'Quoted' '", set()) == "Quoted"  # no quote at either end, however many
    used: set[str] = set()
    assert [name(n, used) for n in ("Data", "data", "History", "a/b:c")] == ["Data", "data 2", "History (indicators)", "a b c"]


def test_an_area_named_with_wide_characters_gets_its_sheet():
    wide = "Reviews \U0001F4CB" * 4  # 40 characters, 44 UTF-16 units
    registry = [*REGISTRY[:-1], dataclasses.replace(REGISTRY[-1], area=wide)]
    ctx = context("2025-03", metrics=registry)
    points = history("2025-03", metrics=registry, settings=ctx.settings)
    internal, _public = pack.make_views(ctx, rows_from(points, "2025-03", metrics=registry, settings=ctx.settings), points, [])
    book = load(excel.workbook_bytes(internal))
    # cut to 31 UTF-16 units: "Reviews " is 8 and the emoji 2, so three of them (30) and the R after
    assert book.sheetnames[5] == "Reviews \U0001F4CB" * 3 + "R"


def test_a_new_metric_in_a_new_area_gets_its_own_sheet_without_code_changes():
    extra = metric("foster_carer_reviews", "Reviews", unit="percent", direction="higher", title="Annual reviews on time")
    registry = [*REGISTRY, extra]
    ctx = context("2025-03", metrics=registry)
    points = history("2025-03", metrics=REGISTRY, settings=ctx.settings)
    # 90 of 100 reviews on time every month (90.0%), no target
    points += [dict(p, metric_id=extra.id, value=90.0, numerator=90, denominator=100, target=None, rag="Not rated", rag_reason="no target")
               for p in points if p["metric_id"] == "core_training_12m"]
    rows = rows_from(points, "2025-03", metrics=registry, settings=ctx.settings)
    internal, _public = pack.make_views(ctx, rows, points, [])
    book = load(excel.workbook_bytes(internal))
    assert book.sheetnames.index("Reviews") == book.sheetnames.index("Allegations") + 1  # after the listed areas
    headings, rows = table_of(book["Reviews"])
    assert headings == ["Month", "Annual reviews on time"] and len(rows) == 25 and rows[-1][1].value == pytest.approx(0.9)
