"""`scorecard verify` names the kind of difference it finds, each with its own exit code
(docs/operations.md lists them): figures differ (3); same figures, different bytes (4); only the
recorded environment differs (5); a file edited after publishing (6), found before anything is
re-run; an archive problem (7). `verify --all` checks every published month.

The council is tests/publishing.py's; the pack is the light one (two CSVs and an HTML line), so
"rendering" here is that HTML line; the code version is pinned (see test_publish.py).
"""

import json
import shutil

import pytest
from builders import REPOSITORY
from publishing import MONTH, council, landing_folder, light_pack, run_with, light_pack_and_pinned_code  # noqa: F401 (fixtures: council, light_pack_and_pinned_code)

from fostering_scorecard import pack, publish, run, tables
from fostering_scorecard.publish import verify


@pytest.fixture(scope="module")
def published(tmp_path_factory, council, suite_runner):
    root = tmp_path_factory.mktemp("kinds")
    run_with(council, MONTH, landing_folder(root / "landing"), root / "out", suite_runner=suite_runner)
    return root / "out"


@pytest.fixture
def out(published, tmp_path):
    shutil.copytree(published, tmp_path / "out", symlinks=True)
    return tmp_path / "out"


@pytest.fixture
def newer_openpyxl(monkeypatch):
    """The verifying machine has another openpyxl than the one recorded."""
    real = publish.manifest.dependency_record()
    newer = {**real, "distributions": {**real["distributions"], "openpyxl": "99.0.0"}}
    monkeypatch.setattr(publish.manifest, "dependency_record", lambda: newer)
    return real["distributions"]["openpyxl"]


def verify_month(out, council, suite_runner, **options):
    return run.verify_month(council, MONTH, out, suite_runner=suite_runner, **options)


def test_every_kind_has_the_exit_code_docs_operations_gives_it():
    codes = {kind.name: kind.exit_code for kind in publish.KINDS}
    assert codes == {"reproduced": 0, "figures differ": 3, "rendering differs": 4, "environment differs": 5,
                     "edited after publishing": 6, "archive problem": 7}
    docs = (REPOSITORY / "docs" / "operations.md").read_text()
    for name, code in codes.items():
        assert f"| {code} | {name} |" in docs, name


# --- the re-run differs ---------------------------------------------------------------------------


def test_figures_that_differ_with_nothing_recorded_different_are_called_a_bug(out, monkeypatch, council, suite_runner):
    real_compute = run.compute

    def drifting(*args, **kwargs):  # a re-run that computes another approvals figure
        figures = real_compute(*args, **kwargs)
        for row in figures.rows:
            if row["metric_id"] == "approvals_fytd":
                row["value"] = 3
        return figures

    monkeypatch.setattr(run, "compute", drifting)
    report = verify_month(out, council, suite_runner)
    assert (report.kind, report.exit_code) == (verify.FIGURES, 3)
    assert report.causes == [] and "scorecard.csv" in {d["file"] for d in report.differences}
    text = report.text()
    assert text.startswith(f"NOT REPRODUCED (figures differ, exit code 3): {MONTH} version 1")
    assert "indicator approvals_fytd: 2 -> 3" in text
    assert "why: no input, configuration, code or dependency change recorded" in text
    assert "the pipeline is not deterministic here: a bug" in text


def test_the_same_figures_drawn_differently_are_a_rendering_difference(out, monkeypatch, newer_openpyxl, council, suite_runner):
    def redrawn(folder, ctx, rows, history, quality_rows, breakdowns=None, release=None):
        light_pack(folder, ctx, rows, history, quality_rows, breakdowns, release)
        (folder / "scorecard_pack.html").write_text("<p>drawn by a newer library</p>\n")

    monkeypatch.setattr(pack, "write_pack", redrawn)
    report = verify_month(out, council, suite_runner)
    assert (report.kind, report.exit_code) == (verify.RENDERING, 4)
    assert [d["file"] for d in report.differences] == ["manifest.json", "scorecard_pack.html"]
    assert [(c.kind, c.subject) for c in report.causes] == [("dependencies", "openpyxl")]
    assert report.metric_changes == []
    text = report.text()
    assert "the same figures (every CSV is identical)" in text
    assert f"why: dependencies: openpyxl {newer_openpyxl} -> 99.0.0" in text
    assert "install the tool and the library versions the manifest records" in text


def test_a_changed_library_version_alone_is_an_environment_difference(out, newer_openpyxl, council, suite_runner):
    report = verify_month(out, council, suite_runner)
    assert (report.kind, report.exit_code) == (verify.ENVIRONMENT, 5)
    assert report.differences == [{"file": "manifest.json", "difference": "different bytes"}]
    assert [(c.kind, c.detail) for c in report.causes] == [("dependencies", f"openpyxl {newer_openpyxl} -> 99.0.0")]
    text = report.text()
    assert "every output is byte for byte identical; only the run record in manifest.json differs" in text
    assert f'scorecard run --month {MONTH} --reason "..."' in text  # how to record the new environment


def test_a_manifest_recording_another_library_is_an_environment_difference_when_nothing_witnessed_it(out, council, suite_runner):
    """The other way round: the recorded manifest says openpyxl 0.1 (as if it had been made
    elsewhere). With no audit log in the folder nothing says the manifest was edited."""
    (out / "audit_log.jsonl").unlink()
    manifest_path = out / "versions" / MONTH / "v1" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["dependencies"]["distributions"]["openpyxl"] = "0.1"
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    report = verify_month(out, council, suite_runner)
    assert (report.kind, [c.subject for c in report.causes]) == (verify.ENVIRONMENT, ["openpyxl"])


# --- edited after publishing (found before re-running) --------------------------------------------


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("edit", "bytes changed after publishing (sha256 differs from the manifest's)"),
        ("remove", "removed after publishing"),
        ("add", "added after publishing (not in the manifest)"),
    ],
)
def test_a_file_changed_after_publishing_is_named_and_nothing_is_re_run(out, monkeypatch, council, suite_runner, change, problem):
    v1 = out / "versions" / MONTH / "v1"
    v1.chmod(0o700)
    if change == "edit":  # someone "corrects" a figure by hand
        (v1 / "scorecard.csv").write_text((v1 / "scorecard.csv").read_text().replace(",Red,", ",Green,", 1))
        name = "scorecard.csv"
    elif change == "remove":
        (v1 / "scorecard_history.csv").unlink()
        name = "scorecard_history.csv"
    else:
        tables.write_csv(v1 / "notes.csv", ["note"], [{"note": "added later"}])
        name = "notes.csv"
    monkeypatch.setattr(run, "check_extracts", lambda *a, **k: pytest.fail("re-run"))

    report = verify_month(out, council, suite_runner)
    assert (report.kind, report.exit_code) == (verify.EDITED, 6)
    assert report.edited == [{"file": name, "problem": problem}]
    text = report.text()
    assert text.startswith(f"NOT REPRODUCED (edited after publishing, exit code 6): {MONTH} version 1")
    assert f"edited: {name}: {problem}" in text and "restore the version's files from a backup" in text


def test_an_edited_manifest_is_caught_by_the_sha256_the_audit_log_recorded(out, council, suite_runner):
    manifest_path = out / "versions" / MONTH / "v1" / "manifest.json"
    manifest_path.write_text(manifest_path.read_text().replace('"allow_quarantine": false', '"allow_quarantine": true'))
    report = verify_month(out, council, suite_runner)
    assert report.kind is verify.EDITED
    assert report.edited == [{"file": "manifest.json", "problem": "bytes changed after publishing (sha256 differs from the one the audit log recorded)"}]


def test_an_edited_change_note_is_named(published, out, newer_openpyxl, council, suite_runner):
    # A version 2 (the new openpyxl recorded, with a reason), whose change note is then edited.
    run_with(council, MONTH, published.parent / "landing", out, reason="Upgraded openpyxl", suite_runner=suite_runner)
    note = out / "versions" / MONTH / "v2" / "change_note.md"
    note.write_text(note.read_text().replace("Upgraded openpyxl", "Nothing to see"))
    report = verify_month(out, council, suite_runner)
    assert (report.version, report.kind) == (2, verify.EDITED)
    assert report.edited == [{"file": "change_note.md", "problem": "bytes changed after publishing (sha256 differs from the manifest's)"}]


# --- archive problems -----------------------------------------------------------------------------


def test_an_archived_input_missing_or_altered_is_an_archive_problem(out, council, suite_runner):
    sha = publish.read_manifest(out / MONTH)["inputs"]["carers"]["sha256"]
    archived = publish.archive_path(out / "archive", sha)
    archived.chmod(0o600)
    archived.write_text(archived.read_text() + "H00099,extra\n")
    report = verify_month(out, council, suite_runner)
    assert (report.kind, report.exit_code) == (verify.ARCHIVE, 7)
    assert report.archive_problems == ["carers.csv: the archived copy no longer matches the sha256 recorded when the month was run"]

    archived.unlink()
    report = verify_month(out, council, suite_runner)
    assert report.kind is verify.ARCHIVE and "carers.csv: the archived copy" in report.archive_problems[0]
    assert "restore the output folder's archive/ from a backup, or verify with --extracts FOLDER" in report.text()


# --- every month ----------------------------------------------------------------------------------


def test_a_four_month_backfill_then_verify_all_reproduces_every_month(tmp_path, council, suite_runner):
    out = tmp_path / "out"
    run.backfill(council, "2019-12", MONTH, landing_folder(tmp_path / "landing"), out, suite_runner=suite_runner)
    # Each month after the first compared its data quality with the month before.
    assert [(publish.read_manifest(out / m)["baseline"] or {}).get("month") for m in ("2019-12", "2020-01", "2020-02", MONTH)] == [
        None, "2019-12", "2020-01", "2020-02"]

    reports = run.verify_all(council, out, suite_runner=suite_runner)
    assert [(r.month, r.version, r.kind.name) for r in reports] == [
        ("2019-12", 1, "reproduced"), ("2020-01", 1, "reproduced"), ("2020-02", 1, "reproduced"), (MONTH, 1, "reproduced")]
    assert publish.overall_exit_code(reports) == 0
    assert publish.summary_text(reports).splitlines()[-1] == "4 version(s) checked: 4 reproduced"

    # One month's scorecard edited by hand: --all exits with the most serious kind found.
    edited = out / "versions" / "2020-01" / "v1" / "scorecard.csv"
    edited.write_text(edited.read_text() + "\n")
    reports = run.verify_all(council, out, suite_runner=suite_runner)
    assert publish.overall_exit_code(reports) == 6
    assert publish.summary_text(reports).splitlines()[1] == "2020-01 v1: NOT REPRODUCED (edited after publishing)"
