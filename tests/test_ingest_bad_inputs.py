"""Bad input, one case per test: each gives a clear message naming the file, or a quarantined row
with its line and rule; never a crash, never a silently lost row.

Most cases use the carers extract alone (read + single-row rules), which is quick; the carers
header is: household_id, household_type, approval_date, deregistration_date,
deregistration_reason, approved_places, emergency_bed, assessment_bed, support_team,
skills_level, status.
"""

import datetime as dt

import duckdb
import pytest
from builders import EXTRACTS, write_extracts

from fostering_scorecard.ingest import ExtractError, check_extract, read_extract
from fostering_scorecard.validation import load_suite, validate_extract

EXTRACT_DATE = dt.date(2020, 4, 5)
HEADER = "household_id,household_type,approval_date,deregistration_date,deregistration_reason,approved_places,emergency_bed,assessment_bed,support_team,skills_level,status"


def carer(household_id="H1", approval_date="01/01/2018", approved_places="2", support_team="East", status="active", **other):
    """One carers line with sound defaults; `other` overrides any column by name."""
    values = {
        "household_id": household_id, "household_type": "mainstream", "approval_date": approval_date,
        "deregistration_date": "", "deregistration_reason": "", "approved_places": approved_places,
        "emergency_bed": "N", "assessment_bed": "N", "support_team": support_team, "skills_level": "", "status": status,
        **other,
    }
    return ",".join(values[c] for c in HEADER.split(","))


def validate_carers_file(tmp_path, suite_runner, data: bytes):
    """Write `data` as carers.csv, read it and apply the single-row rules."""
    folder = write_extracts(tmp_path / "x")
    (folder / "carers.csv").write_bytes(data)
    extract = EXTRACTS["carers"]
    raw = read_extract(extract, folder)
    con = duckdb.connect()
    try:
        validated = validate_extract(con, raw, load_suite(extract), suite_runner, EXTRACT_DATE)
    finally:
        con.close()
    # The invariant every case must keep: each row read is accepted or quarantined.
    assert validated.rows_read == validated.rows_accepted + validated.rows_quarantined
    return validated


def findings(validated):
    return sorted(zip(validated.quarantine["line"], validated.quarantine["rule_id"]))


def text(*lines, end="\n"):
    return (end.join(lines) + end).encode("utf-8")


# --- whole-file problems: the run stops with a message naming the file and the fix -----------


def test_missing_file_names_the_file_and_the_folder(tmp_path):
    # episodes.csv is required (the carers, training, allegations and enquiries files are
    # optional: tests/test_optional_extracts.py).
    folder = write_extracts(tmp_path / "x")
    (folder / "episodes.csv").unlink()
    with pytest.raises(ExtractError) as error:
        check_extract(EXTRACTS["episodes"], folder)
    assert str(error.value).startswith("episodes.csv: file not found in")
    assert "How to fix: save the Placement episodes (SSDA903 episodes) extract as episodes.csv" in str(error.value)
    assert "(or one file per collection year, e.g. episodes_2019-20.csv)" in str(error.value)


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf", b"\x00\x00"])
def test_an_empty_file_stops_the_run(tmp_path, content):
    folder = write_extracts(tmp_path / "x")
    (folder / "carers.csv").write_bytes(content)
    with pytest.raises(ExtractError, match="carers.csv: the file is empty"):
        read_extract(EXTRACTS["carers"], folder)


def test_a_folder_in_place_of_the_file_is_reported_not_a_traceback(tmp_path):
    folder = write_extracts(tmp_path / "x")
    (folder / "carers.csv").unlink()
    (folder / "carers.csv").mkdir()
    with pytest.raises(ExtractError, match="carers.csv"):
        read_extract(EXTRACTS["carers"], folder)


def test_a_missing_required_column_is_named_with_what_the_header_has(tmp_path):
    folder = write_extracts(tmp_path / "x")
    (folder / "carers.csv").write_text(HEADER.replace(",status", "") + "\n")
    with pytest.raises(ExtractError) as error:
        read_extract(EXTRACTS["carers"], folder)
    message = str(error.value)
    assert "carers.csv: required column(s) missing: status" in message
    assert "the header has: household_id, household_type" in message
    assert "column mapping" in message


def test_a_renamed_column_gets_a_hint_at_the_likely_original(tmp_path):
    folder = write_extracts(tmp_path / "x")
    (folder / "carers.csv").write_text(HEADER.replace("approval_date", "approval_dt") + "\n")
    with pytest.raises(ExtractError) as error:
        read_extract(EXTRACTS["carers"], folder)
    assert "required column(s) missing: approval_date" in str(error.value)
    assert "'approval_dt' looks like 'approval_date'" in str(error.value)


def test_a_duplicated_column_stops_the_run(tmp_path):
    folder = write_extracts(tmp_path / "x")
    (folder / "carers.csv").write_text(HEADER + ",status\n")
    with pytest.raises(ExtractError, match="carers.csv: column\\(s\\) appear more than once in the header: status"):
        read_extract(EXTRACTS["carers"], folder)


# --- row-level problems: the row is quarantined, the rest goes ahead --------------------------


def test_header_only_is_zero_rows_with_a_note(tmp_path, suite_runner):
    validated = validate_carers_file(tmp_path, suite_runner, text(HEADER))
    assert (validated.rows_read, validated.rows_accepted) == (0, 0)
    assert "header only: no rows" in validated.raw.notes


def test_extra_columns_are_ignored_and_named_in_the_notes(tmp_path, suite_runner):
    validated = validate_carers_file(tmp_path, suite_runner, text(HEADER + ",notes", carer() + ",likes dogs"))
    assert validated.rows_accepted == 1
    assert "extra columns ignored: notes" in validated.raw.notes


def test_optional_columns_may_be_left_out(tmp_path, suite_runner):
    header = HEADER.replace(",deregistration_reason", "").replace(",skills_level", "")
    row = "H1,mainstream,01/01/2018,,2,N,N,East,active"
    validated = validate_carers_file(tmp_path, suite_runner, text(header, row))
    assert validated.rows_accepted == 1
    assert validated.accepted[["deregistration_reason", "skills_level"]].isna().all().all()


def test_byte_order_mark_and_windows_line_ends_are_read(tmp_path, suite_runner):
    data = b"\xef\xbb\xbf" + text(HEADER, carer("H1"), carer("H2"), end="\r\n")
    validated = validate_carers_file(tmp_path, suite_runner, data)
    assert list(validated.accepted["household_id"]) == ["H1", "H2"]
    assert list(validated.accepted["_line"]) == [2, 3]


def test_windows_1252_text_is_read_with_a_note(tmp_path, suite_runner):
    data = (HEADER + "\n" + carer(support_team="Café – North") + "\n").encode("cp1252")
    validated = validate_carers_file(tmp_path, suite_runner, data)
    assert validated.accepted.loc[0, "support_team"] == "Café – North"
    assert "read as Windows-1252 (not valid UTF-8)" in validated.raw.notes


def test_mixed_line_endings_keep_physical_line_numbers(tmp_path, suite_runner):
    data = (HEADER + "\r\n" + carer("H1") + "\n" + carer("H2") + "\r" + carer("H3") + "\r\n").encode()
    validated = validate_carers_file(tmp_path, suite_runner, data)
    assert list(zip(validated.accepted["_line"], validated.accepted["household_id"])) == [(2, "H1"), (3, "H2"), (4, "H3")]


def test_quoted_fields_with_commas_and_newlines_are_one_value(tmp_path, suite_runner):
    # Line 2 holds a team name over two physical lines, so the next record starts on line 4:
    # the line number an analyst sees in a text editor.
    data = text(HEADER, carer("H1", support_team='"East, Kent\nCanterbury"'), carer("H2", status="gone"))
    validated = validate_carers_file(tmp_path, suite_runner, data)
    assert validated.accepted.loc[0, "support_team"] == "East, Kent\nCanterbury"
    assert findings(validated) == [(4, "carers.status.bad_code")]


def test_a_truncated_last_line_is_quarantined(tmp_path, suite_runner):
    data = (HEADER + "\n" + carer("H1") + "\n" + "H2,mainstream,01/0").encode()  # cut off, no newline
    validated = validate_carers_file(tmp_path, suite_runner, data)
    assert findings(validated) == [(3, "carers.wrong_field_count")]
    assert "has 3 fields where the header has 11" in validated.quarantine.loc[0, "reason"]


def test_an_unclosed_quote_swallows_the_rest_but_is_still_counted(tmp_path, suite_runner):
    data = text(HEADER, carer("H1"), carer("H2", support_team='"East'), carer("H3"))
    validated = validate_carers_file(tmp_path, suite_runner, data)
    # The open quote runs to the end of the file, so lines 3-4 are one broken record.
    assert validated.rows_accepted == 1 and findings(validated) == [(4, "carers.wrong_field_count")]


def test_a_row_of_only_commas_is_quarantined_as_blank(tmp_path, suite_runner):
    data = text(HEADER, carer("H1"), "," * 10, "")
    validated = validate_carers_file(tmp_path, suite_runner, data)
    assert findings(validated) == [(3, "carers.blank_row")]


def test_duplicate_rows_and_keys_keep_the_first_copy(tmp_path, suite_runner):
    data = text(HEADER, carer("H1"), carer("H1"), carer("H2"), carer("H2", approved_places="3"))
    validated = validate_carers_file(tmp_path, suite_runner, data)
    assert findings(validated) == [(3, "carers.household_id.duplicate_key"), (5, "carers.household_id.duplicate_key")]
    assert list(validated.accepted["_line"]) == [2, 4]
    assert validated.quarantine.loc[1, "reason"] == "repeats the household_id of line 4; the first copy is kept"
    assert validated.quarantine.loc[1, "record_key"] == "household_id=H2"


@pytest.mark.parametrize(
    "value, reason_part",
    [
        ("31/02/2019", "'31/02/2019', which is not a real date written dd/mm/YYYY"),
        ("01/13/2019", "not a real date"),
        ("01/06/04", "not a real date"),  # two-digit year
        ("2019-01-01", "not a real date"),
        ("43466", "looks like an Excel date serial number"),
        ("01/01/1019", "before 1900: check the year"),
    ],
)
def test_impossible_dates_are_bad_dates(tmp_path, suite_runner, value, reason_part):
    validated = validate_carers_file(tmp_path, suite_runner, text(HEADER, carer(approval_date=value)))
    assert findings(validated) == [(2, "carers.approval_date.bad_date")]
    assert reason_part in validated.quarantine.loc[0, "reason"]


def test_a_date_after_the_extract_date_is_a_future_date(tmp_path, suite_runner):
    validated = validate_carers_file(tmp_path, suite_runner, text(HEADER, carer(approval_date="06/04/2020"), carer("H2", approval_date="05/04/2020")))
    assert findings(validated) == [(2, "carers.approval_date.future_date")]
    assert validated.quarantine.loc[0, "reason"] == "approval_date is 06/04/2020, after the extract date 05/04/2020"


def test_excel_style_dates_without_leading_zeros_are_read(tmp_path, suite_runner):
    validated = validate_carers_file(tmp_path, suite_runner, text(HEADER, carer(approval_date="1/2/2018")))
    assert validated.accepted.loc[0, "approval_date"] == dt.datetime(2018, 2, 1)


def test_numbers_with_thousands_separators_are_read_as_numbers(tmp_path, suite_runner):
    # "1,200" is read as 1200 (then out of the 0-10 range); "1,0" and "2.5" are not whole
    # numbers (a plain cast would round 2.5 to 3); "2.0" is 2.
    data = text(
        HEADER,
        carer("H1", approved_places='"1,200"'),
        carer("H2", approved_places='"1,0"'),
        carer("H3", approved_places="2.5"),
        carer("H4", approved_places="2.0"),
        carer("H5", approved_places="3"),
    )
    validated = validate_carers_file(tmp_path, suite_runner, data)
    assert findings(validated) == [
        (2, "carers.approved_places.bad_number"),
        (3, "carers.approved_places.bad_number"),
        (4, "carers.approved_places.bad_number"),
    ]
    reasons = list(validated.quarantine["reason"])
    assert reasons[0] == "approved_places is 1200, outside the allowed range 0 to 10"
    assert reasons[1] == "approved_places is '1,0', which is not a whole number"
    assert reasons[2] == "approved_places is '2.5', which is not a whole number"
    assert list(validated.accepted["approved_places"]) == [2, 3]


def test_codes_not_in_the_list_are_bad_codes_and_flags_ignore_case(tmp_path, suite_runner):
    data = text(HEADER, carer("H1", household_type="kinship"), carer("H2", emergency_bed="y"))
    validated = validate_carers_file(tmp_path, suite_runner, data)
    assert findings(validated) == [(2, "carers.household_type.bad_code")]
    assert validated.accepted.loc[0, "emergency_bed"] == "Y"


def test_null_bytes_are_removed_with_a_note(tmp_path, suite_runner):
    data = text(HEADER, carer("H1", support_team="Ea\x00st"))
    validated = validate_carers_file(tmp_path, suite_runner, data)
    assert validated.accepted.loc[0, "support_team"] == "East"
    assert "null bytes removed" in validated.raw.notes


def test_a_very_long_field_is_read_and_shortened_in_reports(tmp_path, suite_runner):
    long_team, long_status = "x" * 300_000, "y" * 200_000  # beyond Python csv's default 128 KiB field limit
    data = text(HEADER, carer("H1", support_team=long_team), carer("H2", status=long_status))
    validated = validate_carers_file(tmp_path, suite_runner, data)
    assert len(validated.accepted.loc[0, "support_team"]) == 300_000
    assert findings(validated) == [(3, "carers.status.bad_code")]
    assert len(validated.quarantine.loc[0, "value"]) == 80 and validated.quarantine.loc[0, "value"].endswith("…")
    assert len(validated.quarantine.loc[0, "reason"]) < 200


def test_a_blank_required_value_is_reported_as_blank_not_nan(tmp_path, suite_runner):
    # household_type and support_team are required text: left empty, the row is set aside and
    # the quarantine shows the value the analyst will find in the file: nothing.
    data = text(HEADER, carer("H1", household_type=""), carer("H2", support_team=""))
    validated = validate_carers_file(tmp_path, suite_runner, data)
    assert findings(validated) == [(2, "carers.household_type.missing_required"), (3, "carers.support_team.missing_required")]
    assert list(validated.quarantine["value"]) == ["", ""]
