"""The audit trail, as an auditor uses it: every month records what went in and what came out,
keeps its inputs and the council's project files, can be re-run byte for byte, and is never
silently replaced (fostering_scorecard.publish).

One small hand-built council (tests/publishing.py) is published once for the module
(`published`), with the sample council's project; tests that change something work on their own
copy of the output folder. The pack is replaced by a light one (the two CSVs and a line stating
the version) so these tests stay fast; tests/test_determinism.py proves the real pack re-runs
byte for byte. The code version is pinned for the module, so an engineer editing the tree while
the tests run does not count as "the code changed". Re-issues are in test_restatements.py, the
kinds of difference verify reports in test_verify_kinds.py, the audit log in test_audit_log.py.
"""

import json
import platform
import re
import shutil
import stat
from importlib import metadata

import pytest
from publishing import CORRECTED_CARERS, MONTH, RECORD_IDS, council, digests, landing_folder, light_pack_and_pinned_code  # noqa: F401 (fixtures: council, light_pack_and_pinned_code)

import fostering_scorecard
from fostering_scorecard import project, publish, resources, run, tables
from fostering_scorecard.errors import FileProblem


@pytest.fixture(scope="module")
def published(tmp_path_factory, council, suite_runner):
    """(landing folder, output folder, result) after one run of MONTH."""
    root = tmp_path_factory.mktemp("audit")
    landing = landing_folder(root / "landing")
    result = run.run_month(council, MONTH, landing, root / "out", suite_runner=suite_runner)
    return landing, root / "out", result


@pytest.fixture
def own_copy(published, tmp_path):
    """A copy of the published output folder that a test may change."""
    landing, out, _ = published
    shutil.copytree(out, tmp_path / "out", symlinks=True)
    return landing, tmp_path / "out"


# --- the run record ---------------------------------------------------------------------------


def test_the_month_is_version_1_and_the_month_folder_points_at_it(published):
    _, out, result = published
    assert (result.status, result.version) == ("published", 1)
    assert (out / MONTH).resolve() == (out / "versions" / MONTH / "v1").resolve()
    assert (out / MONTH / "scorecard.csv").is_file()


def test_the_manifest_records_inputs_baseline_options_configuration_code_dependencies_release_and_files(published, council):
    _, out, _ = published
    manifest = json.loads((out / MONTH / "manifest.json").read_text())
    assert manifest["reporting_month"] == MONTH and manifest["as_at_date"] == "2020-03-31"
    assert manifest["extract_date"] == "2020-04-05"
    # carers.csv: 3 rows read, the one with "not a date" set aside.
    assert manifest["inputs"]["carers"]["file"] == "carers.csv"
    assert manifest["inputs"]["carers"]["rows"] == {"read": 4, "accepted": 3, "quarantined": 1, "superseded": 0}
    assert manifest["inputs"]["episodes"]["rows"] == {"read": 2, "accepted": 2, "quarantined": 0, "superseded": 0}
    assert manifest["inputs"]["carers"]["sha256"] == publish.sha256_file(out.parent / "landing" / "carers.csv")
    assert manifest["extract_info"]["sha256"] == publish.sha256_file(out.parent / "landing" / "extract.toml")
    # No earlier month in this output folder: nothing for the data-quality report to compare with.
    assert manifest["baseline"] is None
    assert manifest["options"] == {"allow_quarantine": False}

    # The council's own files (its settings, targets and mappings), and the national
    # definitions and suites of the tool that ran.
    configuration = manifest["configuration"]
    assert configuration["project_files"] == {
        "scorecard.toml": publish.sha256_file(council.root / "scorecard.toml"),
        "targets.toml": publish.sha256_file(council.root / "targets.toml"),
        "mappings/example_lcs.toml": publish.sha256_file(council.root / "mappings" / "example_lcs.toml"),
    }
    assert set(configuration["national_definitions"]) == {"extracts.toml", "metrics.toml", "settings.toml"}
    registry = configuration["metric_registry"]
    assert registry["sha256"] == publish.sha256_file(resources.national_file("metrics.toml"))
    assert registry["metric_ids"] == [m.id for m in council.metrics]
    assert set(configuration["expectation_suites"]) == {f"{name}.json" for name in council.extracts}

    # The code is identified by the package's version and a hash of its files (no git needed);
    # the dependencies by Python's version and every installed distribution.
    code = manifest["code"]
    assert code["package_version"] == fostering_scorecard.__version__
    assert re.fullmatch(r"[0-9a-f]{64}", code["code_sha256"])
    assert code["code_sha256"] == publish.manifest.code_version()["code_sha256"]
    dependencies = manifest["dependencies"]
    assert dependencies["python"] == platform.python_version()
    assert dependencies["distributions"]["pandas"] == metadata.version("pandas")
    assert dependencies["distributions"]["openpyxl"] == metadata.version("openpyxl")
    assert dependencies["distributions"]["fostering-scorecard"] == fostering_scorecard.__version__

    # The first version: no date, no reason (a re-issue records them: test_restatements.py).
    assert manifest["release"] == {
        "month": MONTH, "version": 1, "reissued_on": None, "reason": None, "restates_manifest_sha256": None, "causes": [], "moved": [],
    }
    # Every other file in the folder is listed with its sha256, and nothing else is.
    files = digests(out / MONTH)
    del files["manifest.json"]
    assert manifest["outputs"] == files


def test_the_manifest_holds_no_time_and_no_folder_names(published, council):
    """Its run record must come out the same on a re-run elsewhere and later."""
    _, out, _ = published
    text = (out / MONTH / "manifest.json").read_text()
    assert str(out) not in text and str(out.parent / "landing") not in text and str(council.root) not in text
    assert not re.search(r"\d{2}:\d{2}:\d{2}", text)


# --- the archive ---------------------------------------------------------------------------------


def blob(out, sha):
    return out / "archive" / "sha256" / sha[:2] / sha


def test_every_input_and_project_file_is_archived_read_only_under_its_sha256(published, council):
    landing, out, _ = published
    manifest = publish.read_manifest(out / MONTH)
    for entry in [*manifest["inputs"].values(), manifest["extract_info"]]:
        assert blob(out, entry["sha256"]).read_bytes() == (landing / entry["file"]).read_bytes()
        assert stat.S_IMODE(blob(out, entry["sha256"]).stat().st_mode) == 0o400
    for name, sha in manifest["configuration"]["project_files"].items():
        assert blob(out, sha).read_bytes() == (council.root / name).read_bytes()
        assert stat.S_IMODE(blob(out, sha).stat().st_mode) == 0o400


def test_an_altered_archive_copy_is_reported(own_copy, tmp_path):
    _, out = own_copy
    manifest = publish.read_manifest(out / MONTH)
    entry = manifest["inputs"]["carers"]
    archived = blob(out, entry["sha256"])
    archived.chmod(0o600)
    archived.write_text(archived.read_text().replace("01/07/2019", "01/07/2018"))
    problems = publish.restore_inputs(out / "archive", manifest, tmp_path / "restored")
    assert problems == ["carers.csv: the archived copy no longer matches the sha256 recorded when the month was run"]
    archived.unlink()
    with pytest.raises(publish.ArchiveError, match="carers.csv: the archived copy .* is missing"):
        publish.restore_inputs(out / "archive", manifest, tmp_path / "restored-again")


def test_the_project_is_rebuilt_from_the_archive_and_a_missing_file_from_an_identical_one(own_copy, tmp_path, council):
    _, out = own_copy
    manifest = publish.read_manifest(out / MONTH)
    assert publish.restore_project(out / "archive", manifest, tmp_path / "p1") == []
    assert digests(tmp_path / "p1") == {name: sha for name, sha in manifest["configuration"]["project_files"].items()}
    # A month published before project files were archived: the file is taken from the
    # project given, because its bytes are the very ones recorded (same sha256)...
    sha = manifest["configuration"]["project_files"]["targets.toml"]
    blob(out, sha).unlink()
    assert publish.restore_project(out / "archive", manifest, tmp_path / "p2", fallback=council) == []
    # ... and without one it cannot be rebuilt.
    with pytest.raises(publish.ArchiveError, match="project file targets.toml: the archived copy .* is missing"):
        publish.restore_project(out / "archive", manifest, tmp_path / "p3")


# --- re-run and verify --------------------------------------------------------------------------


def test_a_month_re_run_from_its_archive_gives_the_same_bytes_after_the_landing_folder_moved_on(published, tmp_path, council, suite_runner):
    landing, out, _ = published
    moved = tmp_path / "landing-moved"
    landing.rename(moved)  # the landing folder is gone: only the archive is left
    try:
        report = run.verify_month(council, MONTH, out, keep_scratch=tmp_path / "scratch", suite_runner=suite_runner)
    finally:
        moved.rename(landing)
    assert report.reproduced, report.text()
    assert (report.exit_code, report.text().split(":")[0]) == (0, "REPRODUCED")
    assert digests(tmp_path / "scratch" / "out" / MONTH) == digests(out / MONTH)  # byte for byte, manifest too


def test_verify_uses_the_archived_project_not_the_project_folder_as_it_is_now(published, tmp_path, council, suite_runner):
    _, out, _ = published
    # The council has since changed its 2019-20 approvals target; the month was published with
    # the old one, and verify proves what was published.
    changed = tmp_path / "project"
    shutil.copytree(council.root, changed)
    targets = changed / "targets.toml"
    pattern = re.compile(r'(\[approvals_fytd\][^\[]*"2019-20" = \{ target = )\d+')
    assert pattern.search(targets.read_text())
    targets.write_text(pattern.sub(r"\g<1>99999", targets.read_text(), count=1))

    report = run.verify_month(project.load(changed), MONTH, out, suite_runner=suite_runner)
    assert report.reproduced, report.text()


def test_a_changed_input_row_is_named_as_the_cause(published, tmp_path, council, suite_runner):
    _, out, _ = published
    landing = landing_folder(tmp_path / "landing", CORRECTED_CARERS)
    report = run.verify_month(council, MONTH, out, extracts_dir=landing, suite_runner=suite_runner)
    assert report.kind is publish.verify.FIGURES and report.exit_code == 3
    assert report.cause_kinds == {"inputs"}
    assert [c.subject for c in report.causes] == ["carers.csv"]
    assert "scorecard.csv" in {d["file"] for d in report.differences}
    approvals = next(c for c in report.metric_changes if c["metric_id"] == "approvals_fytd")
    assert (approvals["old_value"], approvals["new_value"], approvals["change"]) == ("2", "1", "-1")
    assert report.text().startswith("NOT REPRODUCED (figures differ, exit code 3)") and "inputs: carers.csv changed" in report.text()


def test_changed_dependencies_are_named_as_the_cause(published):
    _, out, _ = published
    recorded = publish.read_manifest(out / MONTH)
    rerun = json.loads(json.dumps(recorded))
    rerun["dependencies"]["python"] = "3.11.99"
    rerun["dependencies"]["distributions"]["pandas"] = "0.1"
    assert publish.explain(recorded, rerun) == [
        publish.Cause("dependencies", "python", f"python {platform.python_version()} -> 3.11.99"),
        publish.Cause("dependencies", "pandas", f"pandas {metadata.version('pandas')} -> 0.1"),
    ]
    assert publish.explain(recorded, recorded) == []


def test_verifying_an_unpublished_month_says_so(published, council):
    _, out, _ = published
    with pytest.raises(FileProblem, match="2019-01 has not been published"):
        run.verify_month(council, "2019-01", out)


# --- re-running a month with the same record ----------------------------------------------------


def test_re_running_with_the_same_record_computes_and_writes_nothing(own_copy, monkeypatch, council, suite_runner):
    landing, out = own_copy
    before = digests(out / "versions")
    computed = []
    monkeypatch.setattr(run, "compute", lambda *args, **kwargs: computed.append(args) or pytest.fail("computed"))
    result = run.run_month(council, MONTH, landing, out, suite_runner=suite_runner)
    assert (result.status, result.version) == ("unchanged", 1)
    assert computed == []
    assert digests(out / "versions") == before
    assert [v for v, _ in publish.MonthStore(out).versions(MONTH)] == [1]


def test_a_month_published_before_versions_existed_becomes_version_1(tmp_path):
    out = tmp_path / "out"
    (out / MONTH).mkdir(parents=True)
    (out / MONTH / "scorecard.csv").write_text("metric_id\n")
    store = publish.MonthStore(out)
    store.adopt_legacy_folder(MONTH)
    assert (out / MONTH).is_symlink()
    assert (out / MONTH / "scorecard.csv").read_text() == "metric_id\n"
    assert [v for v, _ in store.versions(MONTH)] == [1]


# --- publishing a version (the caller holds the month's lock) ------------------------------------


def version_writer(scorecard_rows):
    """write_files for publish_version: a scorecard.csv and the manifest of a made-up run."""

    def write_files(folder):
        tables.write_csv(folder / "scorecard.csv", ["metric_id", "value", "rag"], scorecard_rows)
        publish.write_manifest(folder, {"reporting_month": MONTH, "inputs": {}})
        publish.restrict_permissions(folder)

    return write_files


def test_versions_are_published_in_turn_and_never_replaced(tmp_path):
    out, archived = tmp_path / "out", []
    first = [{"metric_id": "approvals_fytd", "value": 2, "rag": "Red"}]
    corrected = [{"metric_id": "approvals_fytd", "value": 1, "rag": "Red"}]
    with publish.month_lock(out, MONTH):
        v1 = publish.publish_version(out, MONTH, 1, version_writer(first), archived.append)
        v2 = publish.publish_version(out, MONTH, 2, version_writer(corrected), archived.append)
        with pytest.raises(RuntimeError, match="version 2 already exists .* never replaced"):
            publish.publish_version(out, MONTH, 2, version_writer(first), archived.append)

    versions = out / "versions" / MONTH
    assert v1 == publish.PublishedVersion(1, "published", versions / "v1", out / MONTH)
    assert v2 == publish.PublishedVersion(2, "restated", versions / "v2", out / MONTH)
    assert (out / MONTH).resolve() == (versions / "v2").resolve()
    assert sorted(p.name for p in versions.iterdir()) == ["v1", "v2"]
    assert (versions / "v1" / "scorecard.csv").read_text().splitlines()[1] == "approvals_fytd,2,Red"  # kept as published
    assert archived == [out / "archive"] * 2  # the inputs are archived by every publication


@pytest.mark.parametrize("failing_step", ["write_files", "archive"])
def test_a_version_that_fails_while_being_written_publishes_nothing(tmp_path, failing_step):
    out = tmp_path / "out"

    def fail(*_):
        raise OSError("disk full")

    steps = {"write_files": version_writer([]), "archive": lambda archive_dir: None, failing_step: fail}
    with publish.month_lock(out, MONTH), pytest.raises(OSError, match="disk full"):
        publish.publish_version(out, MONTH, 1, **steps)
    assert not (out / MONTH).exists()
    assert list((out / "versions" / MONTH).iterdir()) == []  # no hidden partial version left


# --- faults: locks ------------------------------------------------------------------------------


def test_a_second_run_of_the_same_month_stops_with_a_clear_message(tmp_path):
    out = tmp_path / "out"
    refused = pytest.raises(publish.MonthLocked, match=f"another run of {MONTH} is already writing to")
    # Each run takes the month's lock once; a second taking, even in the same process, is
    # another run and is turned away.
    with publish.month_lock(out, MONTH), refused, publish.month_lock(out, MONTH):
        pass
    # Released when the holder finishes: the month can be locked again.
    with publish.month_lock(out, MONTH):
        pass


def test_other_months_are_not_blocked(tmp_path):
    with publish.month_lock(tmp_path, "2020-03"), publish.month_lock(tmp_path, "2020-02"):
        pass


# --- backfill -----------------------------------------------------------------------------------


def test_backfill_reads_the_extracts_once_and_leaves_months_with_the_same_record_unchanged(published, tmp_path, monkeypatch, council, suite_runner):
    landing, _, _ = published
    out = tmp_path / "out"
    calls = {"ingest": 0, "compute": 0}
    real_ingest, real_compute = run.read_extracts, run.compute

    def counting(name, real):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(run, "read_extracts", counting("ingest", real_ingest))
    monkeypatch.setattr(run, "compute", counting("compute", real_compute))

    results = run.backfill(council, "2020-02", MONTH, landing, out, suite_runner=suite_runner)
    assert [(r.month, r.status, r.version) for r in results] == [("2020-02", "published", 1), (MONTH, "published", 1)]
    assert calls == {"ingest": 1, "compute": 2}
    # March compared its data quality with February, published just before it.
    baseline = publish.read_manifest(out / MONTH)["baseline"]
    assert (baseline["month"], baseline["version"], baseline["file"]) == ("2020-02", 1, "internal/data_quality_records.csv")

    series = (out / "scorecard_series.csv").read_text().splitlines()
    metric_count = len(council.metrics)
    assert series[0] == ",".join(publish.SERIES_COLUMNS)
    assert len(series) == 1 + 2 * metric_count
    assert [line.split(",")[0] for line in series[1:]] == ["2020-02"] * metric_count + [MONTH] * metric_count

    again = run.backfill(council, "2020-02", MONTH, landing, out, suite_runner=suite_runner)
    assert [(r.status, r.version) for r in again] == [("unchanged", 1)] * 2
    assert calls == {"ingest": 2, "compute": 2}  # nothing computed the second time


def test_backfill_refuses_a_month_the_extract_cannot_cover(published, tmp_path, council):
    landing, _, _ = published
    with pytest.raises(Exception, match="before the end of 2020-04"):
        run.backfill(council, "2020-03", "2020-04", landing, tmp_path / "out")


def test_months_between_counts_inclusively_across_a_year_end():
    assert run.months_between("2019-11", "2020-02") == ["2019-11", "2019-12", "2020-01", "2020-02"]
    with pytest.raises(FileProblem, match="after the last"):
        run.months_between("2020-02", "2019-11")


# --- privacy ------------------------------------------------------------------------------------


def test_outputs_archive_and_audit_log_are_readable_by_their_owner_only(published):
    _, out, _ = published
    assert (out / "audit_log.jsonl").is_file()
    for path in out.rglob("*"):
        if path.is_symlink():
            continue
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_no_child_or_carer_id_outside_internal_and_the_archive(published):
    """The record ids may appear only in internal/ (the MIU's own lists) and the input archive
    (which holds the extracts and the data-quality baseline): not in the manifest, the audit
    log or any shareable file."""
    _, out, _ = published
    for path in out.rglob("*"):
        relative = path.relative_to(out).as_posix()
        if not path.is_file() or "/internal/" in f"/{relative}" or relative.startswith("archive/"):
            continue
        data = path.read_bytes()
        for record_id in RECORD_IDS:
            assert record_id.encode() not in data, f"{record_id} in {relative}"


def test_a_backfilled_month_is_the_month_run_on_its_own(published, tmp_path, council, suite_runner):
    # A backfill computes each month while the month before is published (run.FiguresAhead):
    # every month's figures and pack must be what a run of that month alone gives.
    landing, _, _ = published
    run.backfill(council, "2020-01", MONTH, landing, tmp_path / "backfill", suite_runner=suite_runner)
    for month in ["2020-01", "2020-02", MONTH]:  # run alone in order: each compared with the month before, as in the backfill
        run.run_month(council, month, landing, tmp_path / "alone", suite_runner=suite_runner)
        backfilled, alone = tmp_path / "backfill" / month, tmp_path / "alone" / month
        files = sorted(str(f.relative_to(alone)) for f in alone.rglob("*") if f.is_file() and f.name != "manifest.json")
        assert "scorecard.csv" in files and "scorecard_history.csv" in files
        for name in files:
            assert (backfilled / name).read_bytes() == (alone / name).read_bytes(), (month, name)
