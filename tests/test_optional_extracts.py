"""A council with only its SSDA903 return: header and episodes are required, the fostering
extracts (carers, training, allegations, enquiries) may be left out. An absent optional extract
reads as empty, with the contract's columns, and is marked not supplied, so every later step
runs on empty tables and the indicators that need it can say "no data"."""

from __future__ import annotations

import datetime as dt

import pytest
from builders import EXTRACTS, write_extracts

from fostering_scorecard import validation
from fostering_scorecard.ingest import ExtractError, check_extract, read_extract

OPTIONAL = ["carers", "training", "allegations", "enquiries"]


def only_903(tmp_path):
    folder = write_extracts(tmp_path / "extracts", header=[{"CHILD": "C1"}], episodes=[{"CHILD": "C1", "DECOM": "01/04/2019"}])
    for name in OPTIONAL:
        (folder / EXTRACTS[name].file).unlink()
    return folder


def test_the_contract_marks_which_extracts_are_required():
    assert {name: extract.required for name, extract in EXTRACTS.items()} == {
        "header": True, "episodes": True, "carers": False, "training": False, "allegations": False, "enquiries": False,
    }


def test_absent_optional_extracts_pass_the_up_front_check_and_read_as_empty(tmp_path):
    folder = only_903(tmp_path)
    for name, extract in EXTRACTS.items():
        check_extract(extract, folder)  # no stop
        raw = read_extract(extract, folder)
        assert raw.supplied is (name in ("header", "episodes"))
    carers = read_extract(EXTRACTS["carers"], folder)
    assert carers.rows.columns.tolist() == ["_line", *EXTRACTS["carers"].column_names]
    assert carers.rows.empty and carers.rows_read == 0 and carers.sources == () and carers.sha256 == ""
    assert all(str(carers.rows[c].dtype) == "str" for c in EXTRACTS["carers"].column_names)
    assert carers.path == folder / "carers.csv"
    assert carers.notes == ["not supplied (the carers.csv file is optional)"]


def test_a_required_extract_still_stops_the_run_when_absent(tmp_path):
    folder = only_903(tmp_path)
    (folder / "header.csv").unlink()
    with pytest.raises(ExtractError, match="header.csv: file not found in"):
        check_extract(EXTRACTS["header"], folder)


def test_an_optional_extract_supplied_but_empty_is_still_a_problem(tmp_path):
    # Supplied but broken is not the same as left out: the export went wrong.
    folder = only_903(tmp_path)
    (folder / "carers.csv").write_bytes(b"")
    with pytest.raises(ExtractError, match="carers.csv: the file is empty"):
        check_extract(EXTRACTS["carers"], folder)


def test_validation_runs_on_the_empty_extracts_and_reports_them(tmp_path, suite_runner):
    folder = only_903(tmp_path)
    raws = {name: read_extract(extract, folder) for name, extract in EXTRACTS.items()}
    validated = validation.validate_extracts(raws, dt.date(2020, 4, 5), suite_runner)
    assert {name: (v.rows_read, v.rows_accepted, v.rows_quarantined) for name, v in validated.items()} == {
        "header": (1, 1, 0), "episodes": (1, 1, 0), "carers": (0, 0, 0), "training": (0, 0, 0), "allegations": (0, 0, 0), "enquiries": (0, 0, 0),
    }
    out = tmp_path / "2020-03"
    out.mkdir()
    rows = validation.write_quality_outputs(out, validated)
    carers = next(r for r in rows if r["extract"] == "carers")
    assert carers["file"] == "carers.csv" and carers["rows"] == 0
    assert carers["detail"] == "read 0 = accepted 0 + quarantined 0; 0 warning(s) on rows kept; not supplied (the carers.csv file is optional)"
