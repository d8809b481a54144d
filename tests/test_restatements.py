"""Re-issuing a published month, as an analyst and a reader meet it: decided by the run record,
never silently, only with a reason, and visible in the new version (its release record, its
change note and every pack format) -- and a month's data-quality baseline pinned, so running
its neighbours in any order never changes it.

The council is tests/publishing.py's (approvals_fytd = 2 as at March 2020; the MIU's correction
moves one approval into 2018-19, so 1). The pack is the light one, which states the release as
every real format does; the code version is pinned (see test_publish.py).
"""

import csv
import datetime as dt
import shutil

import pytest
from publishing import CORRECTED_CARERS, MONTH, council, digests, landing_folder, light_pack, run_with  # noqa: F401 (council: a fixture)

from fostering_scorecard import pack, publish, run
from fostering_scorecard.errors import FileProblem
from fostering_scorecard.publish import audit, release

REASON = "Corrected carers extract from the MIU"
REISSUED_ON = dt.date(2020, 5, 14)


@pytest.fixture(scope="module", autouse=True)
def light_pack_pinned_code_and_date():
    pinned = publish.manifest.code_version()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pack, "write_pack", light_pack)
        patch.setattr(publish.manifest, "code_version", lambda: dict(pinned))
        patch.setattr(release, "today", lambda: REISSUED_ON)
        yield


@pytest.fixture(scope="module")
def march_v1(tmp_path_factory, council, suite_runner):
    """An output folder with MONTH published once, from the original extracts."""
    root = tmp_path_factory.mktemp("reissue")
    landing = landing_folder(root / "landing")
    run_with(council, MONTH, landing, root / "out", suite_runner=suite_runner)
    return root / "out"


@pytest.fixture
def out(march_v1, tmp_path):
    shutil.copytree(march_v1, tmp_path / "out", symlinks=True)
    return tmp_path / "out"


def versions(out, month=MONTH):
    return [number for number, _ in publish.MonthStore(out).versions(month)]


# --- without a reason ---------------------------------------------------------------------------


def test_a_corrected_extract_for_a_published_month_stops_without_a_reason(out, tmp_path, council, suite_runner):
    corrected = landing_folder(tmp_path / "corrected", CORRECTED_CARERS)
    before = digests(out / "versions")
    with pytest.raises(publish.ReissueNeedsReason) as stopped:
        run_with(council, MONTH, corrected, out, suite_runner=suite_runner)
    message = str(stopped.value)
    assert message.startswith(f"{MONTH} is already published (version 1), and this run differs from it:")
    assert "inputs: carers.csv changed (sha256 " in message
    assert "What differs: inputs." in message and "version 2" in message
    assert '--reason "' in message and f"scorecard verify --month {MONTH} --extracts FOLDER" in message
    assert digests(out / "versions") == before and versions(out) == [1]  # nothing written
    logged = audit.read(out)[-1]
    assert (logged["command"], logged["outcome"], logged["version"]) == ("run", "refused", 1)
    assert logged["detail"] == "re-issue without a reason; what differs: inputs"


def test_the_same_record_with_a_reason_is_still_unchanged(out, march_v1, council, suite_runner):
    """A reason is for a re-issue; with nothing different there is nothing to re-issue."""
    landing = march_v1.parent / "landing"
    result = run_with(council, MONTH, landing, out, reason=REASON, suite_runner=suite_runner)
    assert (result.status, result.version) == ("unchanged", 1)
    assert versions(out) == [1]


# --- with a reason ------------------------------------------------------------------------------


def test_with_a_reason_the_correction_is_version_2_with_its_date_reason_causes_and_moved_indicators(out, tmp_path, council, suite_runner):
    v1 = digests(out / "versions" / MONTH / "v1")
    v1_manifest_sha = publish.sha256_file(out / "versions" / MONTH / "v1" / "manifest.json")
    corrected = landing_folder(tmp_path / "corrected", CORRECTED_CARERS)

    result = run_with(council, MONTH, corrected, out, reason=f"  {REASON}\n", suite_runner=suite_runner)
    assert (result.status, result.version) == ("restated", 2)
    assert versions(out) == [1, 2] and (out / MONTH).resolve() == (out / "versions" / MONTH / "v2").resolve()
    assert digests(out / "versions" / MONTH / "v1") == v1  # never touched

    recorded = publish.read_manifest(out / MONTH)["release"]
    assert {k: recorded[k] for k in ("month", "version", "reissued_on", "reason", "restates_manifest_sha256")} == {
        "month": MONTH, "version": 2, "reissued_on": "2020-05-14", "reason": REASON, "restates_manifest_sha256": v1_manifest_sha,
    }
    causes = recorded["causes"]
    assert [(c["kind"], c["subject"]) for c in causes] == [("inputs", "carers.csv")]
    # The correction moves one approval out of 2019-20: approvals_fytd 2 -> 1, still Red against
    # the sample council's target.
    approvals = next(m for m in recorded["moved"] if m["metric_id"] == "approvals_fytd")
    assert (approvals["before"]["value"], approvals["after"]["value"]) == (2, 1)
    assert (approvals["before"]["numerator"], approvals["after"]["numerator"]) == (2, 1)
    # Exactly the indicators whose figures differ between the two scorecard.csv files moved.
    assert [m["metric_id"] for m in recorded["moved"]] == [c["metric_id"] for c in publish.metric_changes(out / "versions" / MONTH / "v1", out / MONTH)]

    # The readers' side: the pack states it (the light pack prints the headline every format
    # prints), and change_note.md says when, why and what moved, and is in the manifest.
    assert (out / MONTH / "scorecard_pack.html").read_text() == (
        f"<p>Version 2, re-issued on 14 May 2020 (replaces version 1): {REASON}</p>\n"
    )
    note = (out / MONTH / "change_note.md").read_text()
    assert note.startswith(f"# {MONTH}: version 2 replaces version 1\n\nRe-issued on 2020-05-14. Version 1 stays as it was published.")
    assert f"Reason given: {REASON}" in note and "- inputs: carers.csv changed (sha256 " in note
    assert "| approvals_fytd | 2 | 1 | -1 | 2 -> 1 | " in note
    assert "change_note.md" in publish.read_manifest(out / MONTH)["outputs"]
    assert audit.read(out)[-1]["outcome"] == "restated" and audit.read(out)[-1]["reason"] == REASON


def test_a_re_issue_is_verified_on_another_day_with_the_date_it_was_made(out, tmp_path, monkeypatch, council, suite_runner):
    corrected = landing_folder(tmp_path / "corrected", CORRECTED_CARERS)
    run_with(council, MONTH, corrected, out, reason=REASON, suite_runner=suite_runner)
    monkeypatch.setattr(release, "today", lambda: dt.date(2031, 1, 1))  # verify runs years later
    reports = run.verify_all(council, out, every_version=True, suite_runner=suite_runner)
    assert [(r.month, r.version, r.kind.name) for r in reports] == [(MONTH, 1, "reproduced"), (MONTH, 2, "reproduced")]


def test_an_environment_change_alone_is_re_issued_only_with_a_reason_and_moves_nothing(out, march_v1, monkeypatch, council, suite_runner):
    landing = march_v1.parent / "landing"
    real = publish.manifest.dependency_record()
    newer = {**real, "distributions": {**real["distributions"], "openpyxl": "99.0.0"}}
    monkeypatch.setattr(publish.manifest, "dependency_record", lambda: newer)

    with pytest.raises(publish.ReissueNeedsReason) as stopped:
        run_with(council, MONTH, landing, out, suite_runner=suite_runner)
    assert f"dependencies: openpyxl {real['distributions']['openpyxl']} -> 99.0.0" in str(stopped.value)
    assert "Only the environment differs (dependencies)" in str(stopped.value)

    result = run_with(council, MONTH, landing, out, reason="Upgraded openpyxl", suite_runner=suite_runner)
    assert (result.status, result.version) == ("restated", 2)
    recorded = publish.read_manifest(out / MONTH)["release"]
    assert recorded["moved"] == [] and [c["kind"] for c in recorded["causes"]] == ["dependencies"]
    assert "None: every indicator's figures are as in the version replaced." in (out / MONTH / "change_note.md").read_text()
    v1, v2 = (out / "versions" / MONTH / "v1", out / "versions" / MONTH / "v2")
    assert (v1 / "scorecard.csv").read_bytes() == (v2 / "scorecard.csv").read_bytes()
    # Under the new environment the newest version is the one that reproduces.
    assert run.verify_month(council, MONTH, out, suite_runner=suite_runner).reproduced


def test_a_backfill_over_a_published_month_with_corrected_extracts_stops_without_a_reason(out, tmp_path, council, suite_runner):
    corrected = landing_folder(tmp_path / "corrected", CORRECTED_CARERS)
    with pytest.raises(publish.ReissueNeedsReason, match=f"{MONTH} is already published"):
        run.backfill(council, MONTH, MONTH, corrected, out, suite_runner=suite_runner)
    assert versions(out) == [1]
    assert audit.read(out)[-1]["command"] == "backfill" and audit.read(out)[-1]["outcome"] == "refused"


# --- the data-quality baseline is pinned ----------------------------------------------------------


def test_march_then_february_then_march_again_leaves_march_unchanged(tmp_path, council, suite_runner):
    landing, out = landing_folder(tmp_path / "landing"), tmp_path / "out"
    run_with(council, MONTH, landing, out, suite_runner=suite_runner)
    march = digests(out / "versions" / MONTH)
    assert publish.read_manifest(out / MONTH)["baseline"] is None  # nothing before it to compare with

    run_with(council, "2020-02", landing, out, suite_runner=suite_runner)
    again = run_with(council, MONTH, landing, out, suite_runner=suite_runner)
    assert (again.status, again.version) == ("unchanged", 1)
    assert digests(out / "versions" / MONTH) == march
    assert run.verify_month(council, MONTH, out, suite_runner=suite_runner).reproduced


def test_the_baseline_is_chosen_at_first_publication_archived_and_kept_when_the_month_before_is_re_issued(tmp_path, council, suite_runner):
    landing, out = landing_folder(tmp_path / "landing"), tmp_path / "out"
    run_with(council, "2020-02", landing, out, suite_runner=suite_runner)
    run_with(council, MONTH, landing, out, suite_runner=suite_runner)
    baseline = publish.read_manifest(out / MONTH)["baseline"]
    february_findings = out / "versions" / "2020-02" / "v1" / "internal" / "data_quality_records.csv"
    assert baseline == {"month": "2020-02", "version": 1, "file": "internal/data_quality_records.csv", "sha256": publish.sha256_file(february_findings)}
    assert publish.archive_path(out / "archive", baseline["sha256"]).read_bytes() == february_findings.read_bytes()
    # H00047's unreadable approval date was set aside in February and still is in March: one
    # finding still open, none new.
    with (out / MONTH / "data_quality.csv").open(newline="") as f:
        rule = next(r for r in csv.DictReader(f) if r["rule_id"].startswith("carers.approval_date."))
    assert (rule["new"], rule["still_open"], rule["fixed"]) == ("0", "1", "0")

    # February is re-issued with the date corrected; March keeps the baseline it was published with.
    fixed = landing_folder(tmp_path / "fixed", [*CORRECTED_CARERS[:2], {"household_id": "H00047", "approval_date": "01/01/2020"}])
    assert run_with(council, "2020-02", fixed, out, reason="Approval date corrected", suite_runner=suite_runner).version == 2
    march = digests(out / "versions" / MONTH)
    again = run_with(council, MONTH, landing, out, suite_runner=suite_runner)
    assert (again.status, digests(out / "versions" / MONTH)) == ("unchanged", march)
    assert run.verify_month(council, MONTH, out, suite_runner=suite_runner).reproduced


# --- the release record ---------------------------------------------------------------------------


def test_a_reason_is_one_line_of_plain_words():
    assert release.clean_reason(None) is None
    assert release.clean_reason("  Corrected   carers\nextract ") == "Corrected carers extract"
    with pytest.raises(FileProblem, match="--reason: the reason is blank"):
        release.clean_reason(" \n ")
    with pytest.raises(FileProblem, match="301 characters long"):
        release.clean_reason("x" * 301)


def reissue(moved=()):
    return publish.Release(
        MONTH, 2, REISSUED_ON, REASON,
        causes=(publish.Cause("inputs", "carers.csv", "carers.csv changed (sha256 1b5f82c5aa1b -> a22fb8f99d5c); rows accepted 2 -> 2"),),
        moved=moved, restates_manifest_sha256="ab" * 32,
    )


APPROVALS = publish.MovedIndicator(
    "approvals_fytd", "Households approved this financial year",
    publish.IndicatorFigures(2, 2, None, 120, "Red"), publish.IndicatorFigures(1, 1, None, 120, "Red"),
)


def test_the_release_record_reads_back_as_it_was_written():
    for version in (publish.Release(MONTH, 1), reissue((APPROVALS,))):
        assert publish.Release.from_record(version.to_record()) == version
    assert publish.Release(MONTH, 1).headline() == "Version 1"
    assert reissue().headline() == f"Version 2, re-issued on 14 May 2020 (replaces version 1): {REASON}"
    assert APPROVALS.change == -1  # 1 - 2


def test_the_public_change_note_names_what_changed_by_kind_and_file_and_hides_small_numbers():
    def small_numbers_hidden(metric_id, figures, field):
        return "c" if field in ("value", "numerator") and figures.numerator is not None and 1 <= figures.numerator <= 5 else figures.cells()[field]

    internal = publish.change_note_markdown(reissue((APPROVALS,)))
    public = publish.change_note_markdown(reissue((APPROVALS,)), public=True, shown=small_numbers_hidden)
    assert "| approvals_fytd | 2 | 1 | -1 | 2 -> 1 | Red -> Red |" in internal
    assert "- inputs: carers.csv changed (sha256 1b5f82c5aa1b" in internal
    # Public: 2 and 1 are small numbers (1 to 5), so they and the change are hidden; the cause is
    # named by its kind and file, without hashes or row counts.
    assert "| approvals_fytd | c | c |  | c -> c | Red -> Red |" in public
    assert "- inputs: carers.csv\n" in public and "sha256" not in public and "rows" not in public
