"""Column mappings: a council whose system names columns differently or writes dates another
way adds a mapping file (mappings/<name>.toml in its project) and names it in extract.toml; no
code."""

import datetime as dt

import pytest
from builders import EXTRACTS, SAMPLE_PROJECT, write_extracts

from fostering_scorecard import validation
from fostering_scorecard.ingest import ExtractError, check_extract, read_extract

MAPPINGS = SAMPLE_PROJECT / "mappings"  # the sample council's project ships example_lcs.toml

LCS_CARERS = (
    "Household_ID,household_type,Date_Approved,Date_Deregistered,Deregistration_Reason,approved_places,"
    "emergency_bed,assessment_bed,support_team,skills_level,status\n"
    "H1,mainstream,21-12-2015,19-03-2016,OTHER,1,N,N,East,3,deregistered\n"
    "H2,mainstream,06-12-2006,,,2,N,N,East,,active\n"
    "H3,mainstream,31/12/2015,,,2,N,N,East,,active\n"  # not the mapped format: a bad date
)


def lcs_folder(tmp_path):
    """Extracts as the sample project's example mapping (mappings/example_lcs.toml) describes."""
    folder = write_extracts(tmp_path / "x")
    (folder / "carers.csv").unlink()
    (folder / "Carers_Export.csv").write_text(LCS_CARERS)
    (folder / "extract.toml").write_text('extract_date = 2020-04-05\nmapping = "example_lcs"\n')
    return folder


def test_a_mapped_file_is_read_under_the_contract_names(tmp_path):
    raw = read_extract(EXTRACTS["carers"], lcs_folder(tmp_path), mappings_dir=MAPPINGS)
    assert list(raw.rows["household_id"]) == ["H1", "H2", "H3"]
    assert list(raw.rows["approval_date"]) == ["21-12-2015", "06-12-2006", "31/12/2015"]
    assert raw.date_formats == ("%d-%m-%Y",)
    assert "read through the column mapping example_lcs.toml" in raw.notes


def test_mapped_dates_are_typed_with_the_mapped_format(tmp_path, suite_runner):
    folder = lcs_folder(tmp_path)
    raws = {name: read_extract(extract, folder, mappings_dir=MAPPINGS) for name, extract in EXTRACTS.items()}
    carers = validation.validate_extracts(raws, dt.date(2020, 4, 5), suite_runner)["carers"]
    assert list(carers.accepted["approval_date"]) == [dt.datetime(2015, 12, 21), dt.datetime(2006, 12, 6)]
    assert list(carers.quarantine["rule_id"]) == ["carers.approval_date.bad_date"]
    assert list(carers.quarantine["file"]) == ["Carers_Export.csv"]  # the file the analyst opens
    assert "not a real date written dd-mm-YYYY" in carers.quarantine.loc[0, "reason"]


def test_without_the_mapping_the_renamed_columns_are_reported(tmp_path):
    folder = lcs_folder(tmp_path)
    (folder / "extract.toml").write_text("extract_date = 2020-04-05\n")
    (folder / "carers.csv").write_text(LCS_CARERS)
    with pytest.raises(ExtractError) as error:
        check_extract(EXTRACTS["carers"], folder, MAPPINGS)
    assert "carers.csv: required column(s) missing: household_id, approval_date" in str(error.value)
    assert "'Household_ID' looks like 'household_id'" in str(error.value)


def test_a_mapping_that_names_a_column_not_in_the_contract_is_refused(tmp_path):
    folder = write_extracts(tmp_path / "x")
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "my.toml").write_text('[carers.columns]\napproval = "Date_Approved"\n')
    (folder / "extract.toml").write_text('extract_date = 2020-04-05\nmapping = "my"\n')
    with pytest.raises(ExtractError, match="my.toml: maps column\\(s\\) not in the carers.csv contract: approval"):
        read_extract(EXTRACTS["carers"], folder, mappings_dir=mappings)


def test_a_missing_mapping_file_is_named(tmp_path):
    folder = write_extracts(tmp_path / "x")
    (folder / "extract.toml").write_text('extract_date = 2020-04-05\nmapping = "nosuch"\n')
    with pytest.raises(ExtractError, match="names the column mapping 'nosuch', but .*nosuch.toml does not exist") as error:
        read_extract(EXTRACTS["carers"], folder, mappings_dir=MAPPINGS)
    assert "add the mapping file to the project's mappings/ folder" in str(error.value)
