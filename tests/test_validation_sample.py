"""The synthetic sample council (data/sample/extracts/) plants bad rows and lists them in
_planted_errors.csv (file, line, column, kind). Every planted row must be caught with the right
rule id, and no other row may be set aside."""

import csv
from collections import defaultdict

import pytest
from builders import SAMPLE_EXTRACTS

from fostering_scorecard import ingest, validation

PLANTED = SAMPLE_EXTRACTS / "_planted_errors.csv"


@pytest.fixture(scope="module")
def sample_validated(suite_runner, sample_project):
    if not PLANTED.exists():
        pytest.skip("data/sample/extracts has no _planted_errors.csv (run `make sample`)")
    raws = {
        name: ingest.read_extract(extract, SAMPLE_EXTRACTS, mappings_dir=sample_project.mappings_dir)
        for name, extract in sample_project.extracts.items()
    }
    return validation.validate_extracts(raws, ingest.load_extract_info(SAMPLE_EXTRACTS).extract_date, suite_runner)


def planted():
    with PLANTED.open(newline="") as f:
        return list(csv.DictReader(f))


def expected_rule_id(row: dict, extract_name: str, key: tuple[str, ...]) -> str:
    # Duplicate keys are reported against the key (a compound key joins its columns with +).
    column = "+".join(key) if row["kind"] == "duplicate_key" else row["column"]
    return f"{extract_name}.{column}.{row['kind']}"


def test_every_planted_bad_row_is_caught_with_its_rule_id(sample_validated):
    by_file = {v.raw.extract.file: v for v in sample_validated.values()}
    found = defaultdict(set)
    for v in sample_validated.values():
        for f in v.findings.to_dict("records"):
            found[(f["file"], f["line"])].add(f["rule_id"])
    missed = []
    for row in planted():
        v = by_file[row["file"]]
        rule = expected_rule_id(row, v.raw.extract.name, v.raw.extract.key)
        if rule not in found[(row["file"], int(row["line"]))]:
            missed.append((row["file"], row["line"], rule, sorted(found[(row["file"], int(row["line"]))])))
    assert missed == []


def test_only_planted_rows_are_set_aside_and_every_row_is_accounted_for(sample_validated):
    """Planted rows whose rule is an error are set aside; those whose rule is a warning (an
    episode's unknown household) are kept and reported. No other row is set aside."""
    severity = {}
    for v in sample_validated.values():
        for f in v.findings.to_dict("records"):
            severity[f["rule_id"]] = f["severity"]
    by_file = {v.raw.extract.file: v for v in sample_validated.values()}
    set_aside, kept = defaultdict(set), defaultdict(set)
    for row in planted():
        v = by_file[row["file"]]
        rule = expected_rule_id(row, v.raw.extract.name, v.raw.extract.key)
        (set_aside if severity[rule] == "error" else kept)[row["file"]].add(int(row["line"]))
    assert set(kept) == {"episodes.csv"}  # the planted unknown households on episodes
    for v in sample_validated.values():
        assert set(v.quarantine["line"]) == set_aside[v.raw.extract.file], v.raw.extract.file
        assert kept[v.raw.extract.file] <= set(v.accepted["_line"])
        assert v.rows_read == v.rows_accepted + v.rows_quarantined
