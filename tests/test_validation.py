"""Bad input: a whole-file problem stops the run with a message naming the file and the fix;
a bad row is set aside with its line, column and rule, and no row is lost."""

import pytest
from builders import EXTRACTS, write_extracts

from fostering_scorecard import ingest, validation
from fostering_scorecard.ingest import ExtractError

GOOD_CARER = {"household_id": "H1", "approval_date": "01/01/2018"}


def run_validation(folder, suite_runner):
    """Read every extract in the folder, then apply every rule (single-row and cross-record)."""
    raws = {name: ingest.read_extract(extract, folder) for name, extract in EXTRACTS.items()}
    return validation.validate_extracts(raws, ingest.load_extract_info(folder).extract_date, suite_runner)


def test_bad_rows_are_quarantined_with_line_column_and_rule(tmp_path, suite_runner):
    carers = [
        GOOD_CARER,  # line 2: fine
        {"household_id": "H2", "approval_date": "31/02/2019"},  # line 3: no 31 February
        {"household_id": "H3", "approval_date": "01/01/2019", "household_type": "agency"},  # line 4
        {"household_id": "H4", "approval_date": "01/01/2019", "deregistration_date": "01/01/2018"},  # line 5
        {"household_id": "H5", "approval_date": "01/01/2031"},  # line 6: after the extract date
        {"household_id": "H1", "approval_date": "01/01/2018"},  # line 7: repeats H1
        {"household_id": "H6", "approval_date": "01/01/2019", "approved_places": "two"},  # line 8
        {"household_id": "", "approval_date": "01/01/2019"},  # line 9: no id
    ]
    validated = run_validation(write_extracts(tmp_path / "x", carers=carers), suite_runner)["carers"]
    found = sorted(zip(validated.quarantine["line"], validated.quarantine["rule_id"]))
    assert found == [
        (3, "carers.approval_date.bad_date"),
        (4, "carers.household_type.bad_code"),
        (5, "carers.deregistration_date.end_before_start"),
        (6, "carers.approval_date.future_date"),
        (7, "carers.household_id.duplicate_key"),
        (8, "carers.approved_places.bad_number"),
        (9, "carers.household_id.missing_required"),
    ]
    assert validated.rows_read == 8 == validated.rows_accepted + validated.rows_quarantined
    assert list(validated.accepted["household_id"]) == ["H1"]
    reason = validated.quarantine.set_index("line").loc[3, "reason"]
    assert "31/02/2019" in reason and "dd/mm/YYYY" in reason


def test_a_row_with_too_many_fields_is_quarantined_not_lost(tmp_path, suite_runner):
    folder = write_extracts(tmp_path / "x", carers=[GOOD_CARER])
    with (folder / "carers.csv").open("a") as f:
        f.write("H9,mainstream,01/01/2019,,,2,N,N,East,,active,surplus\n")
    validated = run_validation(folder, suite_runner)["carers"]
    assert validated.quarantine[["line", "kind"]].values.tolist() == [[3, "wrong_field_count"]]
    assert validated.rows_read == 2 and validated.rows_accepted == 1


def test_a_missing_file_stops_the_run_and_says_what_to_do(tmp_path, suite_runner):
    # The SSDA903 files are required; the fostering files are optional (a council with only its
    # SSDA903 return leaves them out, and their indicators read "no data").
    folder = write_extracts(tmp_path / "x")
    (folder / "episodes.csv").unlink()
    with pytest.raises(ExtractError, match="episodes.csv: file not found") as error:
        run_validation(folder, suite_runner)
    assert "docs/data-contract.md" in str(error.value)


def test_a_missing_optional_file_is_read_as_not_supplied(tmp_path, suite_runner):
    folder = write_extracts(tmp_path / "x", carers=[GOOD_CARER])
    (folder / "training.csv").unlink()
    validated = run_validation(folder, suite_runner)
    training = validated["training"]
    assert (training.raw.supplied, training.rows_read, training.rows_accepted) == (False, 0, 0)
    assert list(training.accepted.columns) == ["_line", *EXTRACTS["training"].column_names]
    assert validated["carers"].raw.supplied and validated["carers"].rows_accepted == 1


def test_a_missing_required_column_is_named(tmp_path, suite_runner):
    folder = write_extracts(tmp_path / "x")
    (folder / "allegations.csv").write_text("allegation_id,household_id,category\n")
    with pytest.raises(ExtractError, match="allegations.csv: required column\\(s\\) missing: date_received"):
        run_validation(folder, suite_runner)


def test_an_empty_file_stops_the_run(tmp_path, suite_runner):
    folder = write_extracts(tmp_path / "x")
    (folder / "carers.csv").write_text("")
    with pytest.raises(ExtractError, match="carers.csv: the file is empty"):
        run_validation(folder, suite_runner)


def test_optional_columns_may_be_left_out_and_a_bom_is_fine(tmp_path, suite_runner):
    folder = write_extracts(tmp_path / "x")
    (folder / "header.csv").write_text("\ufeffCHILD,SEX,DOB,ETHNIC\nC1,1,01/01/2010,WBRI\n", encoding="utf-8")
    validated = run_validation(folder, suite_runner)["header"]
    assert validated.rows_accepted == 1 and validated.rows_quarantined == 0


def approved_places_suite(kind: str, min_value: int, max_value: int):
    """Two carers (1 and 9 approved places, lines 2 and 3) and a suite of one range rule on them."""
    import pandas as pd

    typed = pd.DataFrame({"_line": [2, 3], "approved_places": pd.array([1, 9], dtype="Int64")})
    meta = {"rule_id": "carers.approved_places.out_of_range", "kind": "out_of_range", "column": "approved_places", "severity": "error"}
    suite = {"name": kind, "expectations": [
        {"type": kind, "kwargs": {"column": "approved_places", "min_value": min_value, "max_value": max_value}, "meta": meta}
    ]}
    return typed, suite


def test_an_expectation_great_expectations_cannot_run_stops_the_run(suite_runner):
    # GX reports a rule it could not evaluate as "not met" with no failing rows; taken at face
    # value every row would pass it. Here the bounds are the wrong way round (GX raises inside).
    import datetime as dt

    typed, suite = approved_places_suite("expect_column_values_to_be_between", 5, 1)
    with pytest.raises(RuntimeError, match="carers.approved_places.out_of_range could not run"):
        suite_runner.failures(EXTRACTS["carers"], typed, suite, dt.date(2020, 4, 5))


def test_an_expectation_great_expectations_cannot_build_stops_the_run(suite_runner):
    # GX leaves an expectation it cannot build (here an unknown type) out of the suite, logging
    # it only: its rows would all read as passed. Each expectation sent must come back.
    import datetime as dt

    typed, suite = approved_places_suite("expect_no_such_thing", 1, 5)
    with pytest.raises(ValueError, match="did not run carers.approved_places.out_of_range"):
        suite_runner.failures(EXTRACTS["carers"], typed, suite, dt.date(2020, 4, 5))
