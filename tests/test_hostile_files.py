"""Hostile and broken files at the reading stage: each is read, or stopped with one clear message
naming the file (and the line, where there is one) and the fix, never a traceback and never a
value from a data row.

- Encodings and separators: UTF-8 (with or without a byte-order mark), Windows-1252 and UTF-16
  (Excel's "Unicode text": UTF-16 with tabs) are read; so are semicolon-, tab- and
  pipe-separated files. Each is noted.
- A workbook, PDF, image, archive or web page saved as .csv is named as what it is.
- A file without its header line is reported without quoting the record in its place.
- Every file read lies inside the extracts folder: a path in a mapping, or a link leading out
  of the folder, is refused, and nothing of the file it points at is shown.
- extract.toml: not TOML, no date, a date and time, not a date, a date after today: one message.
- Spellings of "no value" (NULL, N/A, #N/A, None, "-", ...) are read as blank.

The same kinds run through the `scorecard` command are in test_hostile_files_cli.py.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import random
import zipfile

import duckdb
import openpyxl
import pytest
from builders import EXTRACTS, write_extracts

from fostering_scorecard.errors import FileProblem
from fostering_scorecard.ingest import ExtractError, check_extract, check_extract_date, load_extract_info, load_mapping, read_extract
from fostering_scorecard.validation import load_suite, validate_extract

# Values planted in the files: none may ever appear in a message.
CHILD, POSTCODE, HOUSEHOLD, BIRTH = "C9Z9Z9", "ZZ9 9ZZ", "HH7Q7Q", "13/07/2009"
PLANTED = (CHILD, POSTCODE, HOUSEHOLD, BIRTH)
HEADER_COLUMNS = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
CHILD_ROW = f"{CHILD},1,{BIRTH},WBRI,,,"
CARERS_COLUMNS = ",".join(EXTRACTS["carers"].column_names)
CARER_ROW = f"{HOUSEHOLD},mainstream,01/01/2018,,,2,N,N,East,,active"
TODAY = dt.date(2020, 4, 10)


def folder_with(tmp_path, file_name: str, data: bytes):
    """A sound extracts folder with one file replaced by `data`."""
    folder = write_extracts(tmp_path / "extracts")
    (folder / file_name).write_bytes(data)
    return folder


def refused(extract_name: str, folder, mappings_dir=None) -> str:
    """The message both the up-front check and the full read stop with (they must agree)."""
    with pytest.raises(ExtractError) as checked:
        check_extract(EXTRACTS[extract_name], folder, mappings_dir)
    with pytest.raises(ExtractError) as read:
        read_extract(EXTRACTS[extract_name], folder, mappings_dir=mappings_dir)
    assert str(checked.value) == str(read.value)
    message = str(read.value)
    assert "How to fix: " in message and "Traceback" not in message
    for value in PLANTED:
        assert value not in message
    return message


# --- encodings and separators: read, and noted ------------------------------------------------


def test_excel_unicode_text_utf16_with_tabs_is_read(tmp_path):
    # Excel's "Unicode Text (*.txt)" saved as header.csv: UTF-16 little-endian with a
    # byte-order mark, fields separated by tabs, Windows line ends.
    text = HEADER_COLUMNS.replace(",", "\t") + "\r\n" + CHILD_ROW.replace(",", "\t") + "\r\n"
    folder = folder_with(tmp_path, "header.csv", text.encode("utf-16"))
    raw = read_extract(EXTRACTS["header"], folder)
    assert raw.rows.loc[0, ["CHILD", "DOB", "ETHNIC"]].tolist() == [CHILD, BIRTH, "WBRI"]
    assert raw.rows["_line"].tolist() == [2]
    assert raw.notes == ["read as UTF-16 (Excel's Unicode text)", "fields separated by tabs"]


@pytest.mark.parametrize(
    "encoding, note",
    [
        ("utf-16-be", "read as UTF-16 (without a byte-order mark)"),
        ("utf-16-le", "read as UTF-16 (without a byte-order mark)"),
    ],
)
def test_utf16_without_a_byte_order_mark_is_read(tmp_path, encoding, note):
    folder = folder_with(tmp_path, "carers.csv", f"{CARERS_COLUMNS}\n{CARER_ROW.replace('East', 'Café')}\n".encode(encoding))
    raw = read_extract(EXTRACTS["carers"], folder)
    assert raw.rows.loc[0, "support_team"] == "Café"
    assert raw.notes == [note]


def test_utf16_big_endian_with_a_byte_order_mark_is_read(tmp_path):
    data = b"\xfe\xff" + f"{CARERS_COLUMNS}\n{CARER_ROW}\n".encode("utf-16-be")
    raw = read_extract(EXTRACTS["carers"], folder_with(tmp_path, "carers.csv", data))
    assert raw.rows.loc[0, "household_id"] == HOUSEHOLD
    assert raw.notes == ["read as UTF-16 (Excel's Unicode text)"]


def test_utf8_with_and_without_a_byte_order_mark_read_the_same(tmp_path):
    text = f"{CARERS_COLUMNS}\n{CARER_ROW.replace('East', 'Café – North')}\n".encode()
    plain = read_extract(EXTRACTS["carers"], folder_with(tmp_path / "a", "carers.csv", text))
    marked = read_extract(EXTRACTS["carers"], folder_with(tmp_path / "b", "carers.csv", b"\xef\xbb\xbf" + text))
    assert plain.rows.equals(marked.rows) and plain.rows.loc[0, "support_team"] == "Café – North"
    assert plain.notes == marked.notes == []


@pytest.mark.parametrize(
    "separator, note",
    [(";", "fields separated by semicolons (;)"), ("\t", "fields separated by tabs"), ("|", "fields separated by pipes (|)")],
)
def test_semicolon_tab_and_pipe_separated_files_are_read(tmp_path, separator, note):
    # A value holding a comma (quoted, as Excel writes it) stays one value.
    row = CARER_ROW.replace("East", '"East, Kent"')
    text = f"{CARERS_COLUMNS}\n{row}\n".replace(",", separator).replace(f"East{separator} Kent", "East, Kent")
    raw = read_extract(EXTRACTS["carers"], folder_with(tmp_path, "carers.csv", text.encode("cp1252")))
    assert raw.rows.loc[0, ["household_id", "approval_date", "support_team"]].tolist() == [HOUSEHOLD, "01/01/2018", "East, Kent"]
    assert note in raw.notes


def test_a_semicolon_file_with_a_ragged_line_is_read_record_by_record_with_its_line(tmp_path, suite_runner):
    text = f"{CARERS_COLUMNS}\n{CARER_ROW}\nH2;mainstream\n".replace(",", ";")
    raw = read_extract(EXTRACTS["carers"], folder_with(tmp_path, "carers.csv", text.encode()))
    assert raw.rows["household_id"].tolist() == [HOUSEHOLD]
    assert [(r["_line"], r["rule"]) for r in raw.rejected] == [(3, "wrong_field_count")]
    assert "has 2 fields where the header has 11" in raw.rejected[0]["reason"]


# --- not a CSV file: named as what it is -------------------------------------------------------


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER_COLUMNS.split(","))
    workbook.active.append(CHILD_ROW.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_of_csv() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("header.csv", f"{HEADER_COLUMNS}\n{CHILD_ROW}\n")
    return buffer.getvalue()


NOT_CSV = {
    "xlsx": (xlsx_bytes, "this is an Excel workbook (.xlsx), not a CSV file", "CSV UTF-8 (Comma delimited)"),
    "xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + CHILD.encode(), "this is an Excel 97-2003 workbook (.xls)", "CSV UTF-8"),
    "pdf": (lambda: b"%PDF-1.4\n1 0 obj << >> endobj\n(" + CHILD.encode() + b")\n%%EOF\n", "this is a PDF document, not a CSV file", "save the Children (SSDA903 header) extract"),
    "png": (lambda: b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(300), "this is a PNG image, not a CSV file", "as a CSV file named header.csv"),
    "gzip": (lambda: gzip.compress(f"{HEADER_COLUMNS}\n{CHILD_ROW}\n".encode(), mtime=0), "this is a gzip-compressed file", "extract the CSV file from it"),
    "zip": (zip_of_csv, "this is a zip archive, not a CSV file", "extract the CSV file from it and save that as header.csv"),
    "html": (lambda: f"<html><body><table><tr><td>{CHILD}</td><td>{BIRTH}</td></tr></table></body></html>".encode(), "this is a web page (HTML)", "CSV UTF-8"),
    "xml spreadsheet": (lambda: b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Row><Cell>' + CHILD.encode() + b"</Cell></Row></Workbook>", "this is an Excel XML spreadsheet", "CSV UTF-8"),
    "binary": (lambda: bytes([7, 1, 2]) + random.Random(2).randbytes(4000), "this is binary data (not text), not a CSV file", "as a CSV file named header.csv"),
}


@pytest.mark.parametrize("kind", list(NOT_CSV))
def test_a_file_that_is_not_csv_is_named_as_what_it_is(tmp_path, kind):
    make, problem, fix = NOT_CSV[kind]
    message = refused("header", folder_with(tmp_path, "header.csv", make()))
    assert message.startswith(f"header.csv: {problem}")
    assert fix in message
    assert "required column" not in message and "rename" not in message.lower()


# --- no header line: said so, never quoting the record in its place ----------------------------


def test_a_file_without_its_header_line_is_named_without_quoting_the_first_record(tmp_path):
    message = refused("header", folder_with(tmp_path, "header.csv", f"{CHILD_ROW}\nC2,2,01/01/2010,WBRI,,,\n".encode()))
    assert message.startswith("header.csv: line 1 is a record, not the header line: some of its fields look like dates or numbers")
    assert "make the header line the first line of the file" in message


def test_an_episodes_file_without_its_header_line_hides_ids_and_postcodes(tmp_path):
    record = f"{CHILD},01/01/2019,S,C2,N1,U4,PR1,,,,{POSTCODE},{POSTCODE},,{HOUSEHOLD}"
    message = refused("episodes", folder_with(tmp_path, "episodes.csv", f"{record}\n".encode()))
    assert message.startswith("episodes.csv: line 1 is a record, not the header line")


def test_a_first_line_with_no_column_name_of_the_extract_is_not_quoted(tmp_path):
    # Nothing looks like a date or a number, but nothing is a column name either: it is not
    # shown (it could be a record with its dates blank).
    message = refused("carers", folder_with(tmp_path, "carers.csv", f"{HOUSEHOLD},mainstream,,,,,N,N,{POSTCODE},,active\n".encode()))
    assert message.startswith("carers.csv: line 1 is not the header line of the Fostering households extract: none of its 11 fields")


def test_a_blank_first_line_is_named(tmp_path):
    message = refused("carers", folder_with(tmp_path, "carers.csv", f",,,\n{CARERS_COLUMNS}\n{CARER_ROW}\n".encode()))
    assert message.startswith("carers.csv: line 1 is blank: the header line must be the first line")


def test_a_header_with_a_renamed_column_is_still_shown_with_the_hint(tmp_path):
    # A real header line: its names are shown, as they help (no value of a record is in it).
    message = refused("carers", folder_with(tmp_path, "carers.csv", CARERS_COLUMNS.replace("approval_date", "Approval Date").encode() + b"\n"))
    assert "required column(s) missing: approval_date (the header has: household_id, household_type, Approval Date," in message
    assert "'Approval Date' looks like 'approval_date'" in message


def test_a_pipe_saved_in_place_of_a_file_is_refused_not_waited_on(tmp_path):
    import os

    folder = write_extracts(tmp_path / "extracts")
    (folder / "training.csv").unlink()
    os.mkfifo(folder / "training.csv")
    assert refused("training", folder).startswith("training.csv: is not a file (it is a folder, a pipe or a device)")
    (folder / "extract.toml").unlink()
    os.mkfifo(folder / "extract.toml")
    with pytest.raises(ExtractError, match="extract.toml: is not a file"):
        load_extract_info(folder, TODAY)


# --- every file inside the extracts folder ------------------------------------------------------


@pytest.fixture
def outside(tmp_path):
    """A file outside the extracts folder, holding a planted record."""
    secret = tmp_path / "outside" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text(f"{CARERS_COLUMNS}\n{CARER_ROW}\n")
    return secret


def mapping_folder(tmp_path, text: str):
    mappings = tmp_path / "mappings"
    mappings.mkdir(exist_ok=True)
    (mappings / "evil.toml").write_text(text)
    folder = write_extracts(tmp_path / "extracts")
    (folder / "extract.toml").write_text('extract_date = 2020-04-05\nmapping = "evil"\n')
    return folder, mappings


@pytest.mark.parametrize("file", ["../outside/secret.csv", "/etc/passwd", "sub/carers.csv", "..\\\\outside\\\\secret.csv", "C:secret.csv"])
def test_a_mapping_that_names_a_path_is_refused(tmp_path, outside, file):
    folder, mappings = mapping_folder(tmp_path, f'[carers]\nfile = "{file}"\n')
    message = refused("carers", folder, mappings)
    assert message.startswith("evil.toml: [carers] file must be a file name in the extracts folder, not a path")


def test_an_extract_linked_to_a_file_outside_the_folder_is_refused(tmp_path, outside):
    folder = write_extracts(tmp_path / "extracts")
    (folder / "carers.csv").unlink()
    (folder / "carers.csv").symlink_to(outside)
    message = refused("carers", folder)
    assert message.startswith("carers.csv: is a link to a file outside the extracts folder, so it is not read")
    assert str(outside) not in message


def test_a_link_to_another_file_inside_the_folder_is_read(tmp_path):
    folder = write_extracts(tmp_path / "extracts", carers=[{"household_id": "H1"}])
    (folder / "carers_2020-04.csv").write_bytes((folder / "carers.csv").read_bytes())
    (folder / "carers.csv").unlink()
    (folder / "carers.csv").symlink_to("carers_2020-04.csv")
    assert read_extract(EXTRACTS["carers"], folder).rows["household_id"].tolist() == ["H1"]


def test_an_annual_return_linked_outside_the_folder_is_refused(tmp_path, outside):
    folder = write_extracts(tmp_path / "extracts")
    (folder / "episodes_2019-20.csv").symlink_to(outside)
    assert refused("episodes", folder).startswith("episodes_2019-20.csv: is a link to a file outside the extracts folder")


def test_extract_toml_linked_outside_the_folder_is_refused(tmp_path):
    folder = write_extracts(tmp_path / "extracts")
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text("extract_date = 2020-04-05\n")
    (folder / "extract.toml").unlink()
    (folder / "extract.toml").symlink_to(elsewhere)
    with pytest.raises(ExtractError, match="extract.toml: is a link to a file outside the extracts folder"):
        load_extract_info(folder, TODAY)


@pytest.mark.parametrize("name", ["../evil", "sub/evil", "/tmp/evil.toml", "..", ".hidden"])
def test_a_mapping_named_by_a_path_is_refused(tmp_path, name):
    folder, mappings = mapping_folder(tmp_path, "")
    (folder / "extract.toml").write_text(f'extract_date = 2020-04-05\nmapping = "{name}"\n')
    with pytest.raises(ExtractError, match="mapping must be the name of a file in the project's mappings/ folder"):
        load_mapping(EXTRACTS["carers"], folder, mappings)


def test_a_mapping_linked_outside_the_mappings_folder_is_refused(tmp_path, outside):
    folder, mappings = mapping_folder(tmp_path, "")
    (mappings / "evil.toml").unlink()
    (mappings / "evil.toml").symlink_to(outside)
    with pytest.raises(ExtractError, match="evil.toml: is a link to a file outside the project's mappings folder"):
        load_mapping(EXTRACTS["carers"], folder, mappings)


# --- extract.toml: one message for each way it can be wrong -------------------------------------


@pytest.mark.parametrize(
    "content, problem",
    [
        ("extract_date 2020-04-05\n", "extract.toml: is not valid TOML (Expected '=' after a key in a key/value pair (at line 1, column 14))"),
        ('council = "Kent"\n', "extract.toml: has no extract_date"),
        ("extract-date = 2020-04-05\n", "extract.toml: has no extract_date (it has 'extract-date': the setting is named extract_date)"),
        ("extract_date = 2020-04-05T09:30:00\n", "extract.toml: extract_date is a date and time; it must be a date only"),
        ('extract_date = "2020-04-05 09:30"\n', "extract.toml: extract_date is a date and time; it must be a date only"),
        ("extract_date = 2020-02-30\n", "extract.toml: extract_date (line 1) is not a real date written year-month-day"),
        ("extract_date = 2020-13-01\n", "extract.toml: extract_date (line 1) is not a real date written year-month-day"),
        ('extract_date = "2020-02-30"\n', "extract.toml: extract_date is not a real date (check the day and the month)"),
        ('extract_date = "05/04/2020"\n', "extract.toml: extract_date is not a date written year-month-day"),
        ("extract_date = 20200405\n", "extract.toml: extract_date is not a date written year-month-day"),
        ("extract_date = 09:30:00\n", "extract.toml: extract_date is not a date written year-month-day"),
        ("extract_date = 2020-04-11\n", "extract.toml: extract_date (2020-04-11) is after today (2020-04-10)"),
        ("extract_date = 2020-04-05\ncouncil = 886\n", "extract.toml: council must be text in quotes"),
    ],
)
def test_a_malformed_extract_toml_is_one_clear_problem(tmp_path, content, problem):
    folder = write_extracts(tmp_path / "extracts")
    (folder / "extract.toml").write_text(content)
    with pytest.raises(FileProblem) as error:
        load_extract_info(folder, TODAY)
    assert str(error.value).startswith(problem) and "How to fix: " in str(error.value)
    if "extract_date" in problem or "TOML" in problem:
        assert "extract_date = 2020-04-05" in error.value.fix


def test_extract_toml_that_is_not_text_is_named(tmp_path):
    folder = folder_with(tmp_path, "extract.toml", b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(ExtractError, match="extract.toml: this is a PNG image, not a text file"):
        load_extract_info(folder, TODAY)


def test_the_extract_date_on_the_day_itself_is_allowed_and_today_is_a_parameter(tmp_path):
    folder = write_extracts(tmp_path / "extracts", extract_date="2020-04-10")
    assert load_extract_info(folder, TODAY).extract_date == dt.date(2020, 4, 10)
    with pytest.raises(FileProblem, match="is after today"):
        load_extract_info(folder, dt.date(2020, 4, 9))


def test_an_extract_date_given_on_the_command_line_is_checked_the_same_way(tmp_path):
    assert check_extract_date("2020-04-05", TODAY, "--extract-date") == dt.date(2020, 4, 5)
    for value, problem in [
        ("5/4/2020", "--extract-date: the extract date is not a date written year-month-day"),
        ("2020-04-31", "--extract-date: the extract date is not a real date"),
        ("2020-04-05T10:00", "--extract-date: the extract date is a date and time"),
        ("2021-01-01", "--extract-date: the extract date (2021-01-01) is after today (2020-04-10)"),
    ]:
        with pytest.raises(FileProblem) as error:
            check_extract_date(value, TODAY, "--extract-date")
        assert str(error.value).startswith(problem) and "--extract-date 2020-04-05" in error.value.fix


def test_an_extract_date_given_fills_in_for_the_file_and_must_agree_with_it(tmp_path):
    folder = write_extracts(tmp_path / "extracts")
    (folder / "extract.toml").unlink()
    assert load_extract_info(folder, TODAY) is None  # the caller says it is needed
    assert load_extract_info(folder, TODAY, "2020-04-05").extract_date == dt.date(2020, 4, 5)
    (folder / "extract.toml").write_text('mapping = ""\n')
    assert load_extract_info(folder, TODAY, dt.date(2020, 4, 5)).extract_date == dt.date(2020, 4, 5)
    (folder / "extract.toml").write_text("extract_date = 2020-04-05\n")
    with pytest.raises(FileProblem, match="differs from extract_date in extract.toml"):
        load_extract_info(folder, TODAY, "2020-04-06")


# --- spellings of "no value" read as blank ------------------------------------------------------


def validate_carers(tmp_path, suite_runner, text: str):
    folder = folder_with(tmp_path, "carers.csv", text.encode())
    raw = read_extract(EXTRACTS["carers"], folder)
    con = duckdb.connect()
    try:
        validated = validate_extract(con, raw, load_suite(EXTRACTS["carers"]), suite_runner, dt.date(2020, 4, 5))
    finally:
        con.close()
    assert validated.rows_read == validated.rows_accepted + validated.rows_quarantined
    return validated


def carer(**values) -> str:
    row = dict(zip(CARERS_COLUMNS.split(","), CARER_ROW.split(",")))
    return ",".join({**row, **values}[c] for c in CARERS_COLUMNS.split(","))


@pytest.mark.parametrize("ragged", [False, True])  # read fast, then record by record: the same
def test_no_value_spellings_in_required_fields_count_as_missing(tmp_path, suite_runner, ragged):
    # Line 2: support_team NULL                  -> missing_required (a required text column)
    # Line 3: household_type n/a                 -> missing_required (any capitals as listed)
    # Line 4: status "None", emergency_bed #N/A  -> missing_required on both
    # Line 5: approved_places NA (a number)      -> missing_required: NA is blank in a number column
    # Line 6: support_team NA (free text)        -> kept: "NA" may be a real team name
    # Line 7: deregistration_date "-" (optional) -> blank: the row is accepted
    # Line 8: support_team " null " (padded)     -> missing_required
    lines = [
        CARERS_COLUMNS,
        carer(household_id="H2", support_team="NULL"),
        carer(household_id="H3", household_type="n/a"),
        carer(household_id="H4", status="None", emergency_bed="#N/A"),
        carer(household_id="H5", approved_places="NA"),
        carer(household_id="H6", support_team="NA"),
        carer(household_id="H7", deregistration_date="-"),
        carer(household_id="H8", support_team=" null "),
    ] + (["H9,ragged"] if ragged else [])
    validated = validate_carers(tmp_path, suite_runner, "\n".join(lines) + "\n")
    found = sorted(zip(validated.quarantine["line"], validated.quarantine["rule_id"]))
    assert found == [
        (2, "carers.support_team.missing_required"),
        (3, "carers.household_type.missing_required"),
        (4, "carers.emergency_bed.missing_required"),
        (4, "carers.status.missing_required"),
        (5, "carers.approved_places.missing_required"),
        (8, "carers.support_team.missing_required"),
    ] + ([(9, "carers.wrong_field_count")] if ragged else [])
    assert validated.accepted["household_id"].tolist() == ["H6", "H7"]
    assert validated.accepted.loc[0, "support_team"] == "NA"
    assert validated.accepted["deregistration_date"].isna().all()


def test_a_code_that_is_also_a_no_value_spelling_is_never_blanked():
    from fostering_scorecard import definitions
    from fostering_scorecard.definitions import Column
    from fostering_scorecard.ingest.missing import missing_spellings

    rules = definitions.load().reading
    coded = Column("X", "text", False, codes=("NA", "-", "A1"))
    assert {"NA", "na", "-"}.isdisjoint(missing_spellings(rules, coded))
    assert {"NULL", "null", "Null", "N/A", "n/a", "#N/A", "None", "NONE", "none", "--", "(blank)"} <= missing_spellings(rules, coded)
    free_text = Column("Y", "text", True)
    assert "NA" not in missing_spellings(rules, free_text) and "NULL" in missing_spellings(rules, free_text)
    assert "NA" in missing_spellings(rules, Column("Z", "date", False))


def test_a_missing_extracts_folder_is_named(tmp_path):
    with pytest.raises(ExtractError, match="the extracts folder does not exist"):
        read_extract(EXTRACTS["episodes"], tmp_path / "nowhere")
