"""A council with only its SSDA903 data (header and episodes), run as an analyst runs it: the
stability and placement indicators are computed as for any council; every indicator that needs
a fostering extract reads "no data" with the reason, never 0 and never Red; and a month before
the data begins is refused, naming the first month that can be reported."""

import csv
import shutil

import pytest
from builders import REPOSITORY, SAMPLE_EXTRACTS, SAMPLE_PROJECT

from fostering_scorecard import cli

MONTH = "2025-03"  # the sample's latest complete month
STABILITY = ("stability_short_term", "stability_long_term", "stability_two_year")
FOSTERING = ("approvals_fytd", "approved_households", "enquiries_12m", "core_training_12m", "allegations_12m", "emergency_beds")


@pytest.fixture(scope="module")
def only_903(tmp_path_factory):
    root = tmp_path_factory.mktemp("only-903")
    extracts = root / "extracts"
    extracts.mkdir()
    for name in ("header.csv", "episodes.csv", "extract.toml"):
        shutil.copy2(SAMPLE_EXTRACTS / name, extracts / name)
    assert cli.main(["run", "--no-prefect", "--project", str(SAMPLE_PROJECT), "--month", MONTH,
                     "--extracts", str(extracts), "--output", str(root / "out")]) == 0
    with (root / "out" / MONTH / "scorecard.csv").open(newline="") as f:
        rows = {row["metric_id"]: row for row in csv.DictReader(f)}
    return root, extracts, rows


def ground_truth() -> dict[str, dict]:
    with (REPOSITORY / "tests" / "ground_truth" / "sample-2025-03" / "scorecard.csv").open(newline="") as f:
        return {row["metric_id"]: row for row in csv.DictReader(f)}


def test_the_stability_indicators_are_those_of_the_full_extracts(only_903):
    _, _, rows = only_903
    full = ground_truth()
    for metric_id in STABILITY:
        assert (rows[metric_id]["numerator"], rows[metric_id]["denominator"]) == (full[metric_id]["numerator"], full[metric_id]["denominator"])


def test_the_fostering_indicators_read_no_data_with_the_reason_never_0_or_red(only_903):
    _, _, rows = only_903
    for metric_id in FOSTERING:
        row = rows[metric_id]
        assert row["value"] == "" and row["numerator"] == "", metric_id
        assert row["rag"] == "Not rated" and row["rag_reason"].startswith("no data:"), (metric_id, row["rag_reason"])
        assert "not supplied" in row["rag_reason"]
    assert rows["approvals_fytd"]["target"] == "120"  # the target is still shown: only the value is missing


def test_the_pack_says_no_data_in_words(only_903):
    root, _, _ = only_903
    html = (root / "out" / MONTH / "scorecard_pack.html").read_text(encoding="utf-8")
    assert "no data" in html and "carers.csv not supplied" in html


def test_a_month_before_the_data_begins_is_refused_naming_the_first_month(only_903, capsys):
    root, extracts, _ = only_903
    code = cli.main(["run", "--no-prefect", "--project", str(SAMPLE_PROJECT), "--month", "2002-03",
                     "--extracts", str(extracts), "--output", str(root / "out")])
    err = capsys.readouterr().err
    assert code == 1
    # The sample's simulated history begins in 2002: its first episode ends in July 2002 (a
    # child in care from April 2002 to beyond April 2020, so kept in the extract).
    assert "2002-03 is before the data begins" in err and "the first month that can be reported is 2002-07" in err
    assert "Traceback" not in err
    assert not (root / "out" / "2002-03").exists()
