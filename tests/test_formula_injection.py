"""No CSV field or workbook cell the project writes can start a spreadsheet formula.

The rule (tables.py, after OWASP's "CSV Injection" page): text whose first character is =, +, -,
@, a tab, a carriage return or a line feed (or a full-width =, +, -, @) gets a single quote in
front, and in a CSV that field is wrapped in double quotes; numbers stay numbers, a negative
number included. Worked examples first, then a whole month through the `scorecard` command with
a hostile council name and hostile extract values, every file read back."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from builders import DEFAULTS, EXTRACTS
from test_pack_fixtures import QUALITY_ROWS, case

from fostering_scorecard import cli, pack, project, tables

TRIGGERS = tuple("=+-@\t\r\n") + ("\uff1d", "\uff0b", "\uff0d", "\uff20")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
COUNCIL = '=HYPERLINK("http://evil.example/x","Click")'
HOSTILE = ["=cmd", "+cmd", "-1+1", "@SUM(1)", "\tcmd", "\rcmd"]


# ---------------------------------------------------------------------------------------------
# The rule, worked examples


@pytest.mark.parametrize("text, written", [
    ("=cmd", "'=cmd"),
    ("+cmd", "'+cmd"),
    ("-1+1", "'-1+1"),  # starts like a number, but is a formula
    ("@SUM(1)", "'@SUM(1)"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
    ("\ncmd", "'\ncmd"),
    ("\uff1d1+1", "'\uff1d1+1"),  # a full-width = (read as a formula in some locales)
    (COUNCIL, "'" + COUNCIL),
    ("-1", "-1"),  # a negative number is a number, as a spreadsheet reads it
    ("-0.25", "-0.25"),
    ("-", "'-"),  # not a number: text
    ("East Kent", "East Kent"),
    ("a=b", "a=b"),  # only the first character matters
    ("'=cmd", "'=cmd"),  # already neutralised: unchanged, so writing twice is harmless
    ("", ""),
])
def test_text_that_would_start_a_formula_gets_a_quote_in_front(text, written):
    assert tables.neutralise_formula(text) == written


@pytest.mark.parametrize("value, written", [
    (-3, "-3"), (-0.5, "-0.5"), (-2.0, "-2"), (12.34567, "12.3457"),  # numbers: as numbers, never prefixed
    ("-3", "-3"), ("=1+2", "'=1+2"), (None, ""), (dt.date(2020, 3, 31), "2020-03-31"), (True, "True"),
])
def test_a_cell_is_a_number_or_neutralised_text(value, written):
    assert tables.spreadsheet_text(value) == written


def test_owasps_examples_are_written_as_owasp_writes_them():
    # The page's two examples: the field wrapped in double quotes, a quote in front, every double
    # quote doubled, so neither the ; nor the , can start a new cell.
    assert tables.csv_line([tables.spreadsheet_text('=1+2";=1+2')]) == '"\'=1+2"";=1+2"\n'
    assert tables.csv_line([tables.spreadsheet_text("=1+2'\" ;,=1+2")]) == '"\'=1+2\'"" ;,=1+2"\n'


def test_a_carriage_return_inside_a_field_cannot_start_a_new_row(tmp_path):
    # Python's csv module leaves "x\r=cmd" unquoted with '\n' line ends; a spreadsheet ends the
    # row at the \r and the next "cell" would be a live =cmd. Quoted, it stays one field.
    tables.write_csv(tmp_path / "t.csv", ["line", "value"], [{"line": 1, "value": "x\r=cmd"}])
    text = (tmp_path / "t.csv").read_bytes().decode()
    assert text == 'line,value\n1,"x\r=cmd"\n'
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["line", "value"], ["1", "x\r=cmd"]]


def test_ordinary_fields_are_written_byte_for_byte_as_the_csv_module_writes_them():
    fields = ["", "a", "a,b", 'say "hi"', "two\nlines", " padded ", "50%", "2020-03-31", "-4", "caf\u00e9", "x;y"]
    for row in ([f, "z"] for f in fields):
        expected = io.StringIO()
        csv.writer(expected, lineterminator="\n").writerow(row)
        assert tables.csv_line(row) == expected.getvalue(), row
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\n").writerow([""])
    assert tables.csv_line([""]) == expected.getvalue() == '""\n'  # a lone empty field is not a blank line


def test_a_character_a_workbook_cannot_hold_is_replaced_not_a_crash():
    from fostering_scorecard.pack.excel_cells import cell_value

    assert cell_value("Kent\x07") == "Kent\ufffd"  # a workbook cannot hold control characters
    assert cell_value("=a\x00") == "'=a\ufffd"


def test_write_csv_neutralises_text_and_keeps_numbers(tmp_path):
    tables.write_csv(tmp_path / "t.csv", ["value", "count"], [{"value": "=cmd", "count": -3}, {"value": "-1", "count": 2.5}])
    assert (tmp_path / "t.csv").read_text() == 'value,count\n"\'=cmd",-3\n-1,2.5\n'


# ---------------------------------------------------------------------------------------------
# The workbook: every cell through one writer, no formula


def hostile_view(tmp_path):
    from fostering_scorecard.pack import excel
    from fostering_scorecard.publish.release import Release

    ctx, rows, points = case("2025-03")
    ctx.settings = dataclasses.replace(ctx.settings, council_name=COUNCIL)
    release = Release("2025-03", 2, dt.date(2025, 4, 20), reason="@SUM(1) corrected")
    rows = [dict(r, title="+cmd") if r["metric_id"] == "core_training_12m" else r for r in rows]
    internal, public = pack.make_views(ctx, rows, points, QUALITY_ROWS, breakdowns=[
        {"metric_id": "allegations_12m", "category": "=cmd", "count": 60},
        {"metric_id": "allegations_12m", "category": "#N/A", "count": 48},
    ], release=release)
    for view in (internal, public):
        (tmp_path / f"{view.audience}.xlsx").write_bytes(excel.workbook_bytes(view))
    return internal, [tmp_path / "internal.xlsx", tmp_path / "public.xlsx"]


def string_cells(workbook):
    return [cell for ws in workbook.worksheets for row in ws.iter_rows() for cell in row if isinstance(cell.value, str)]


def test_no_workbook_cell_is_a_formula_whatever_the_council_name_or_a_label(tmp_path):
    from openpyxl import load_workbook

    _view, paths = hostile_view(tmp_path)
    for path in paths:
        wb = load_workbook(path)
        cells = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]
        assert [c.coordinate for c in cells if c.data_type == "f"] == [], path.name
        assert [c.value for c in string_cells(wb) if c.value.startswith(TRIGGERS)] == [], path.name
        summary = wb["Summary"]
        assert summary["A2"].value.startswith("'" + COUNCIL + ". As at 31 March 2025")
        # the benchmark sheet names the council in its own column's heading
        headings = [c.value for c in string_cells(wb) if COUNCIL in c.value and c.value.endswith(" (DfE)")]
        assert headings == [wb["Benchmarks"]["C1"].value] == ["'" + COUNCIL + " (DfE)"]
        # the re-issue's reason inside a sentence: as written (only a cell's first character matters)
        assert summary["A3"].value == "Version 2, re-issued on 20 April 2025 (replaces version 1): @SUM(1) corrected. No indicator moved."
        breakdown = [r for r in wb["Breakdowns"].iter_rows(min_row=2, values_only=True)]
        assert ("Allegations received in the last 12 months", "'=cmd", 60) in breakdown  # titles, never metric ids
        na = next(c for c in string_cells(wb) if c.value == "#N/A")  # text, not Excel's error value
        assert na.data_type == "s"


def test_a_reason_starting_a_formula_is_neutralised_in_version_csv(tmp_path):
    view, _paths = hostile_view(tmp_path)
    tables.write_csv(tmp_path / "version.csv", pack.notices.VERSION_COLUMNS, view.version_rows)
    assert read_csv(tmp_path / "version.csv")[1][4] == "'@SUM(1) corrected"


# ---------------------------------------------------------------------------------------------
# A whole month through the `scorecard` command


def write_hostile_extracts(folder: Path) -> Path:
    """Eight children placed with H1; households whose support team (free text) is hostile; two
    bad approved_places (-1: a real negative number, out of range; -1+1: not a number);
    training courses (free text), allegation categories (coded) and enquiry ids (the key) that
    are hostile. Every field quoted, so a leading carriage return stays inside its field."""
    tables_ = {
        "header": [{"CHILD": f"C{i}", "DOB": "01/01/2010"} for i in range(1, 9)],
        "episodes": [{"CHILD": f"C{i}", "DECOM": "01/01/2017", "PLACE": "U4", "HOUSEHOLD_ID": "H1"} for i in range(1, 9)],
        "carers": [{"household_id": f"H{i}", "approval_date": "01/01/2015", "support_team": team}
                   for i, team in enumerate(HOSTILE + ["East"], start=1)]
        + [{"household_id": "H90", "approval_date": "01/01/2015", "approved_places": "-1"},
           {"household_id": "H91", "approval_date": "01/01/2015", "approved_places": "-1+1"}],
        "training": [{"training_id": f"T{i}", "household_id": "H7", "course": course, "completed_date": "01/02/2020"}
                     for i, course in enumerate(HOSTILE, start=1)],
        "allegations": [{"allegation_id": f"A{i}", "household_id": "H7", "date_received": "01/02/2020", "category": category}
                        for i, category in enumerate(HOSTILE, start=1)]
        + [{"allegation_id": "A9", "household_id": "H7", "date_received": "01/02/2020", "category": "PHYSICAL"}],
        "enquiries": [{"enquiry_id": key, "enquiry_date": "01/02/2020"} for key in HOSTILE],
    }
    folder.mkdir(parents=True)
    for name, extract in EXTRACTS.items():
        with (folder / extract.file).open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_ALL)
            writer.writerow(extract.column_names)
            for row in tables_.get(name, []):
                writer.writerow([{**DEFAULTS[name], **row}.get(c, "") for c in extract.column_names])
    (folder / "extract.toml").write_text("extract_date = 2020-04-05\n")
    return folder


@pytest.fixture(scope="module")
def hostile_month(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    folder = project.init(root / "project", "Placeholder Council", "886")
    settings = folder / "scorecard.toml"
    # A TOML literal string: the name as written, quotes and all (init refuses quotes).
    settings.write_text(settings.read_text().replace('name = "Placeholder Council"', f"name = '{COUNCIL}'"))
    extracts = write_hostile_extracts(root / "extracts")
    # 6 of 7 allegations are set aside (over any limit): published anyway, as the override allows
    code = cli.main(["run", "--no-prefect", "--project", str(folder), "--extracts", str(extracts), "--output", str(root / "out"),
                     "--month", "2020-03", "--allow-quarantine"])
    return code, (root / "out" / "2020-03").resolve()


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_the_hostile_month_is_published(hostile_month):
    code, month = hostile_month
    assert code == 0
    assert (month / "public" / "scorecard_pack.xlsx").is_file()


def test_no_csv_field_of_either_pack_starts_a_formula(hostile_month):
    _code, month = hostile_month
    files = sorted(month.rglob("*.csv"))
    assert {"internal/quarantine.csv", "internal/data_quality_records.csv", "public/scorecard.csv"} <= {str(p.relative_to(month)) for p in files}
    for path in files:
        for row in read_csv(path):
            for field in row:
                assert not field.startswith(TRIGGERS) or PLAIN_NUMBER.fullmatch(field), (path.name, field)


def test_the_hostile_values_are_there_neutralised(hostile_month):
    """The values did reach the files (so the check above could have failed): as text behind a
    quote, and the real negative number as a number."""
    _code, month = hostile_month
    for name in ("internal/quarantine.csv", "internal/data_quality_records.csv"):
        rows = read_csv(month / name)
        values = [r[rows[0].index("value")] for r in rows[1:]]
        assert {"'=cmd", "'+cmd", "'-1+1", "'@SUM(1)"} <= set(values), name
        assert "-1" in values, name  # approved_places -1: set aside (out of range), written as the number it is
    raw = (month / "internal" / "quarantine.csv").read_text(encoding="utf-8")
    assert '"\'=cmd"' in raw  # the neutralised field is quoted too
    teams = {row[2] for row in read_csv(month / "internal" / "households_without_training_12m.csv")[1:]}
    assert {"'=cmd", "'+cmd", "'-1+1", "'@SUM(1)"} <= teams  # free text kept, neutralised


@pytest.mark.parametrize("audience", ["", "public"])
def test_no_workbook_cell_of_the_hostile_month_is_a_formula(hostile_month, audience):
    from openpyxl import load_workbook

    _code, month = hostile_month
    wb = load_workbook(month / audience / "scorecard_pack.xlsx")
    cells = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]
    assert [f"{c.parent.title}!{c.coordinate}" for c in cells if c.data_type == "f"] == []
    assert [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(TRIGGERS)] == []
    named = [c for c in cells if isinstance(c.value, str) and COUNCIL in c.value]
    # The council's name: the summary's second line and the heading of the benchmark sheet's
    # column of the council's own DfE figures.
    assert {f"{c.parent.title}!{c.coordinate}" for c in named} >= {"Summary!A2", "Benchmarks!C1"}
    assert len(named) >= 2 and all(c.value.startswith("'" + COUNCIL) for c in named)
