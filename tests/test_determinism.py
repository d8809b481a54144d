"""Same inputs and code give byte-identical outputs (CSV, SVG charts, PDF, workbook, HTML, the whole pack and the
manifest): a month is run, then re-run from its archived inputs by `verify`, and every file
is compared byte for byte -- a re-issued version too, on another day (its date and reason are
recorded, and every format of the pack states them)."""

import datetime as dt
import hashlib
import os
from dataclasses import replace

import pytest
from builders import children_for, write_extracts
from publishing import council  # noqa: F401 (a fixture: the sample council, accepting the one row set aside here)

from fostering_scorecard import publish, run
from fostering_scorecard.publish import release

MONTH = "2020-03"


def digests(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def run_and_rerun(tmp_path_factory, suite_runner, council):
    # Pinned: another engineer editing the tree mid-test is not "the code changed".
    pinned = publish.manifest.code_version()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(publish.manifest, "code_version", lambda: dict(pinned))
        root = tmp_path_factory.mktemp("determinism")
        episodes = [
            {"CHILD": "C1", "DECOM": "01/01/2017", "RNE": "S", "DEC": "01/06/2019", "REC": "X1"},
            {"CHILD": "C1", "DECOM": "01/06/2019", "RNE": "P"},
        ]
        folder = write_extracts(
            root / "x",
            episodes=episodes,
            header=children_for(episodes),
            carers=[{"household_id": "H1", "approval_date": "01/05/2019"}, {"household_id": "H1", "approval_date": "bad"}],
            allegations=[{"household_id": "H1", "date_received": "03/03/2020"}],
        )
        result = run.run_month(council, MONTH, folder, root / "out", suite_runner=suite_runner)
        report = run.verify_month(council, MONTH, root / "out", keep_scratch=root / "scratch", suite_runner=suite_runner)
    return root, result, report


@pytest.fixture(scope="module")
def reissued(run_and_rerun, suite_runner, council):
    """The same month re-issued with a reason on 14 May 2020 (a new environment: another
    code version), then verified on another day."""
    root, _, _ = run_and_rerun
    pinned = {**publish.manifest.code_version(), "package_version": "99.0.0"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(publish.manifest, "code_version", lambda: dict(pinned))
        patch.setattr(release, "today", lambda: dt.date(2020, 5, 14))
        runner = run.Runner()
        ctx, validated = run.check_extracts(runner, council, MONTH, root / "x", root / "out", suite_runner)
        ctx = replace(ctx, options=replace(ctx.options, reason="Tool upgraded to 99.0.0"))
        result = run.produce_month(runner, ctx, validated)
        patch.setattr(release, "today", lambda: dt.date(2031, 1, 1))
        report = run.verify_month(council, MONTH, root / "out", keep_scratch=root / "scratch-v2", suite_runner=suite_runner)
    return root, result, report


def test_a_re_run_from_the_archive_writes_the_same_bytes(run_and_rerun):
    root, _, report = run_and_rerun
    assert report.reproduced, report.text()
    published, rerun = digests(root / "out" / MONTH), digests(root / "scratch" / "out" / MONTH)
    assert published == rerun
    # The real pack: CSVs, every format of both audiences, the charts that add something (SVG) and
    # the manifest at least.
    assert {"scorecard.csv", "scorecard_history.csv", "data_quality.csv", "scorecard_pack.pdf", "scorecard_pack.xlsx",
            "scorecard_pack.html", "public/scorecard_pack.pdf", "manifest.json"} <= set(published)
    assert any(name.startswith("charts/") and name.endswith(".svg") for name in published), sorted(published)


def test_the_output_folder_holds_only_the_month_its_versions_and_the_archive(run_and_rerun):
    root, result, _ = run_and_rerun
    out = root / "out"
    assert sorted(os.listdir(out)) == [".locks", MONTH, "archive", "audit_log.jsonl", "versions"]
    assert "v1" in os.listdir(out / "versions" / MONTH)
    assert [p for p in os.listdir(out / "versions" / MONTH) if p.startswith(".")] == []  # no partial folders left behind
    assert result.month_dir == out / MONTH


def test_a_re_issued_version_with_the_real_pack_is_reproduced_on_another_day(reissued):
    root, result, report = reissued
    assert (result.status, result.version) == ("restated", 2)
    assert report.reproduced, report.text()
    assert digests(root / "out" / MONTH) == digests(root / "scratch-v2" / "out" / MONTH)
    assert {"change_note.md", "public/change_note.md"} <= set(digests(root / "out" / MONTH))
