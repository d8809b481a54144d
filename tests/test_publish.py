"""The audit trail, as an auditor uses it: every month records what went in and what came out,
keeps its inputs, can be re-run byte for byte, and is never silently replaced
(fostering_scorecard.publish).

One small hand-built council is published once for the module (`published`), with the sample
council's project; tests that change something work on their own copy of the output folder.
The pack is replaced by a light one (the two CSVs) so these tests stay fast;
tests/test_determinism.py proves the real pack re-runs byte for byte. The code version is
pinned for the module, so an engineer editing the tree while the tests run does not count as
"the code changed".
"""

import hashlib
import json
import platform
import re
import shutil
import stat
from importlib import metadata

import pytest
from builders import SAMPLE_PROJECT, children_for, write_extracts

import fostering_scorecard
from fostering_scorecard import pack, project, publish, resources, run, tables
from fostering_scorecard.errors import FileProblem

MONTH = "2020-03"
CHILD, HOUSEHOLD = "C000123", "H00045"  # ids in the style of the real extracts
EPISODES = [
    {"CHILD": CHILD, "DECOM": "01/01/2017", "RNE": "S", "DEC": "01/06/2019", "REC": "X1"},
    {"CHILD": CHILD, "DECOM": "01/06/2019", "RNE": "P", "HOUSEHOLD_ID": HOUSEHOLD},
]
# Two households approved in 2019-20; the second row's date is unreadable, so it is quarantined.
CARERS = [
    {"household_id": HOUSEHOLD, "approval_date": "01/05/2019"},
    {"household_id": "H00046", "approval_date": "01/07/2019"},
    {"household_id": "H00047", "approval_date": "not a date"},
]


def landing_folder(folder, carers=CARERS):
    return write_extracts(folder, episodes=EPISODES, header=children_for(EPISODES), carers=carers)


def digests(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def light_pack(folder, ctx, rows, history, quality_rows, breakdowns=None):
    tables.write_csv(folder / "scorecard.csv", pack.SCORECARD_COLUMNS, rows)
    tables.write_csv(folder / "scorecard_history.csv", pack.HISTORY_COLUMNS, history)


@pytest.fixture(scope="module", autouse=True)
def light_pack_and_pinned_code():
    pinned = publish.manifest.code_version()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pack, "write_pack", light_pack)
        patch.setattr(publish.manifest, "code_version", lambda: dict(pinned))
        yield


@pytest.fixture(scope="module")
def published(tmp_path_factory, sample_project, suite_runner):
    """(landing folder, output folder, result) after one run of MONTH."""
    root = tmp_path_factory.mktemp("audit")
    landing = landing_folder(root / "landing")
    result = run.run_month(sample_project, MONTH, landing, root / "out", suite_runner=suite_runner)
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


def test_the_manifest_records_inputs_rows_configuration_code_dependencies_and_outputs(published, sample_project):
    _, out, _ = published
    manifest = json.loads((out / MONTH / "manifest.json").read_text())
    assert manifest["reporting_month"] == MONTH and manifest["as_at_date"] == "2020-03-31"
    assert manifest["extract_date"] == "2020-04-05"
    # carers.csv: 3 rows read, the one with "not a date" set aside.
    assert manifest["inputs"]["carers"]["file"] == "carers.csv"
    assert manifest["inputs"]["carers"]["rows"] == {"read": 3, "accepted": 2, "quarantined": 1}
    assert manifest["inputs"]["episodes"]["rows"] == {"read": 2, "accepted": 2, "quarantined": 0}
    assert manifest["inputs"]["carers"]["sha256"] == publish.sha256_file(out.parent / "landing" / "carers.csv")
    assert manifest["extract_info"]["sha256"] == publish.sha256_file(out.parent / "landing" / "extract.toml")

    # The council's own files (its settings and targets), and the national definitions and
    # suites of the tool that ran.
    configuration = manifest["configuration"]
    assert configuration["project_files"]["scorecard.toml"] == publish.sha256_file(SAMPLE_PROJECT / "scorecard.toml")
    assert configuration["project_files"]["targets.toml"] == publish.sha256_file(SAMPLE_PROJECT / "targets.toml")
    assert set(configuration["national_definitions"]) == {"extracts.toml", "metrics.toml", "settings.toml"}
    registry = configuration["metric_registry"]
    assert registry["sha256"] == publish.sha256_file(resources.national_file("metrics.toml"))
    assert registry["metric_ids"] == [m.id for m in sample_project.metrics]
    assert set(configuration["expectation_suites"]) == {f"{name}.json" for name in sample_project.extracts}

    # The code is identified by the package's version and a hash of its files (no git needed);
    # the dependencies by Python's version and every installed distribution.
    code = manifest["code"]
    assert code["package_version"] == fostering_scorecard.__version__
    assert re.fullmatch(r"[0-9a-f]{64}", code["code_sha256"])
    assert code["code_sha256"] == publish.manifest.code_version()["code_sha256"]
    dependencies = manifest["dependencies"]
    assert dependencies["python"] == platform.python_version()
    assert dependencies["distributions"]["pandas"] == metadata.version("pandas")
    assert dependencies["distributions"]["duckdb"] == metadata.version("duckdb")

    # Every other file in the folder is listed with its sha256, and nothing else is.
    files = digests(out / MONTH)
    del files["manifest.json"]
    assert manifest["outputs"] == files


def test_the_manifest_holds_no_time_and_no_folder_names(published):
    """It must come out the same on a re-run elsewhere and later."""
    _, out, _ = published
    text = (out / MONTH / "manifest.json").read_text()
    assert str(out) not in text and str(out.parent / "landing") not in text
    assert not re.search(r"\d{2}:\d{2}:\d{2}", text)


# --- the input archive --------------------------------------------------------------------------


def test_every_input_is_archived_read_only_under_its_sha256(published):
    landing, out, _ = published
    manifest = publish.read_manifest(out / MONTH)
    for entry in [*manifest["inputs"].values(), manifest["extract_info"]]:
        blob = out / "archive" / "sha256" / entry["sha256"][:2] / entry["sha256"]
        assert blob.read_bytes() == (landing / entry["file"]).read_bytes()
        assert stat.S_IMODE(blob.stat().st_mode) == 0o400


# --- re-run and verify --------------------------------------------------------------------------


def test_a_month_re_run_from_its_archive_gives_the_same_bytes_after_the_landing_folder_moved_on(published, tmp_path, sample_project, suite_runner):
    landing, out, _ = published
    moved = tmp_path / "landing-moved"
    landing.rename(moved)  # the landing folder is gone: only the archive is left
    try:
        report = run.verify_month(sample_project, MONTH, out, keep_scratch=tmp_path / "scratch", suite_runner=suite_runner)
    finally:
        moved.rename(landing)
    assert report.reproduced, report.text()
    assert report.text().startswith("REPRODUCED")
    assert digests(tmp_path / "scratch" / "out" / MONTH) == digests(out / MONTH)  # byte for byte, manifest too


def test_a_changed_input_row_is_named_as_the_cause(published, tmp_path, sample_project, suite_runner):
    _, out, _ = published
    # One carer's approval moves from May 2019 into the previous financial year (2018-19),
    # so the financial-year-to-date approvals as at March 2020 fall from 2 to 1.
    changed = [{**CARERS[0], "approval_date": "01/05/2018"}, *CARERS[1:]]
    landing = landing_folder(tmp_path / "landing", changed)
    report = run.verify_month(sample_project, MONTH, out, extracts_dir=landing, suite_runner=suite_runner)
    assert not report.reproduced
    assert report.cause_kinds == {"inputs"}
    assert [c["detail"].split(" ")[0] for c in report.causes] == ["carers.csv"]
    assert "scorecard.csv" in {d["file"] for d in report.differences}
    approvals = next(c for c in report.metric_changes if c["metric_id"] == "approvals_fytd")
    assert (approvals["old_value"], approvals["new_value"], approvals["change"]) == ("2", "1", "-1")
    assert report.text().startswith("NOT REPRODUCED") and "carers.csv changed" in report.text()


def test_a_changed_target_in_the_council_project_is_named_as_the_cause(published, tmp_path, suite_runner):
    _, out, _ = published
    # The same council's project with its 2019-20 approvals target set to a value nobody
    # would choose (its other files unchanged).
    changed = tmp_path / "project"
    shutil.copytree(SAMPLE_PROJECT, changed, ignore=shutil.ignore_patterns("extracts", "outputs"))
    targets = changed / "targets.toml"
    text = targets.read_text()
    pattern = re.compile(r'(\[approvals_fytd\][^\[]*"2019-20" = \{ target = )\d+')
    assert pattern.search(text)
    targets.write_text(pattern.sub(r"\g<1>99999", text, count=1))

    report = run.verify_month(project.load(changed), MONTH, out, suite_runner=suite_runner)
    assert not report.reproduced
    assert report.cause_kinds == {"configuration"}
    assert [c["detail"] for c in report.causes] == ["project file targets.toml changed"]
    approvals = next(c for c in report.metric_changes if c["metric_id"] == "approvals_fytd")
    assert approvals["old_value"] == approvals["new_value"] == "2"  # the count is the same; its target is not


def test_a_changed_code_version_is_named_as_the_cause(published, monkeypatch, sample_project, suite_runner):
    _, out, _ = published
    real = publish.manifest.code_version()
    monkeypatch.setattr(publish.manifest, "code_version", lambda: {**real, "package_version": "99.0.0"})
    report = run.verify_month(sample_project, MONTH, out, suite_runner=suite_runner)
    assert not report.reproduced
    assert report.cause_kinds == {"code"}
    # The figures are the same; only the run record says different code produced them.
    assert [d["file"] for d in report.differences] == ["manifest.json"]
    assert "package version" in report.text() and "99.0.0" in report.text()


def test_changed_dependencies_are_named_as_the_cause(published):
    _, out, _ = published
    recorded = publish.read_manifest(out / MONTH)
    rerun = json.loads(json.dumps(recorded))
    rerun["dependencies"]["python"] = "3.11.99"
    rerun["dependencies"]["distributions"]["pandas"] = "0.1"
    assert publish.explain(recorded, rerun) == [
        {"cause": "dependencies", "detail": f"python {platform.python_version()} -> 3.11.99"},
        {"cause": "dependencies", "detail": f"pandas {metadata.version('pandas')} -> 0.1"},
    ]
    assert publish.explain(recorded, recorded) == []


def test_an_altered_archive_copy_is_reported(own_copy, tmp_path):
    _, out = own_copy
    manifest = publish.read_manifest(out / MONTH)
    entry = manifest["inputs"]["carers"]
    blob = out / "archive" / "sha256" / entry["sha256"][:2] / entry["sha256"]
    blob.chmod(0o600)
    blob.write_text(blob.read_text().replace("01/07/2019", "01/07/2018"))
    problems = publish.restore_inputs(out / "archive", manifest, tmp_path / "restored")
    assert problems == ["carers.csv: the archived copy no longer matches the sha256 recorded when the month was run"]
    blob.unlink()
    with pytest.raises(publish.ArchiveError, match="carers.csv: the archived copy .* is missing"):
        publish.restore_inputs(out / "archive", manifest, tmp_path / "restored-again")


def test_verifying_an_unpublished_month_says_so(published, sample_project):
    _, out, _ = published
    with pytest.raises(FileProblem, match="2019-01 has not been published"):
        run.verify_month(sample_project, "2019-01", out)


# --- idempotent re-runs and restatements --------------------------------------------------------


def test_re_running_with_the_same_inputs_and_code_publishes_nothing_new(own_copy, sample_project, suite_runner):
    landing, out = own_copy
    before = digests(out / "versions")
    result = run.run_month(sample_project, MONTH, landing, out, suite_runner=suite_runner)
    assert (result.status, result.version) == ("unchanged", 1)
    assert digests(out / "versions") == before
    assert [v for v, _ in publish.MonthStore(out).versions(MONTH)] == [1]


def test_a_restated_month_is_a_new_version_with_a_change_note_and_the_old_one_is_kept(own_copy, tmp_path, sample_project, suite_runner):
    _, out = own_copy
    v1 = digests(out / "versions" / MONTH / "v1")
    changed = [{**CARERS[0], "approval_date": "01/05/2018"}, *CARERS[1:]]
    corrected = landing_folder(tmp_path / "corrected", changed)

    result = run.run_month(sample_project, MONTH, corrected, out, suite_runner=suite_runner)
    assert (result.status, result.version) == ("restated", 2)
    assert digests(out / "versions" / MONTH / "v1") == v1  # never overwritten
    assert (out / MONTH).resolve() == (out / "versions" / MONTH / "v2").resolve()

    note = (out / MONTH / "change_note.md").read_text()
    assert note.startswith(f"# {MONTH}: version 2 restates version 1")
    assert "- inputs: carers.csv changed" in note
    assert "| approvals_fytd | 2 | 1 | -1 |" in note
    assert CHILD not in note and HOUSEHOLD not in note

    assert [v for v, _ in publish.MonthStore(out).versions(MONTH)] == [1, 2]
    # An auditor can still prove version 1 from its own archived inputs.
    assert run.verify_month(sample_project, MONTH, out, version=1, suite_runner=suite_runner).reproduced


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


def test_a_version_is_published_then_found_unchanged_then_restated_with_a_change_note(tmp_path):
    out, archived = tmp_path / "out", []
    first = [{"metric_id": "approvals_fytd", "value": 2, "rag": "Red"}]
    corrected = [{"metric_id": "approvals_fytd", "value": 1, "rag": "Red"}]
    with publish.month_lock(out, MONTH):
        v1 = publish.publish_version(out, MONTH, version_writer(first), archived.append)
        same = publish.publish_version(out, MONTH, version_writer(first), archived.append)
        v2 = publish.publish_version(out, MONTH, version_writer(corrected), archived.append)

    versions = out / "versions" / MONTH
    assert v1 == publish.PublishedVersion(1, "published", versions / "v1", out / MONTH)
    assert same == publish.PublishedVersion(1, "unchanged", versions / "v1", out / MONTH)
    assert v2 == publish.PublishedVersion(2, "restated", versions / "v2", out / MONTH)
    assert (out / MONTH).resolve() == (versions / "v2").resolve()
    assert sorted(p.name for p in versions.iterdir()) == ["v1", "v2"]  # nothing kept of the unchanged run
    assert archived == [out / "archive"] * 3  # the inputs are archived by every run

    assert not (versions / "v1" / "change_note.md").exists()
    note = (versions / "v2" / "change_note.md").read_text()
    assert note.startswith(f"# {MONTH}: version 2 restates version 1")
    assert "| approvals_fytd | 2 | 1 | -1 |" in note


@pytest.mark.parametrize("failing_step", ["write_files", "archive"])
def test_a_version_that_fails_while_being_written_publishes_nothing(tmp_path, failing_step):
    out = tmp_path / "out"

    def fail(*_):
        raise OSError("disk full")

    steps = {"write_files": version_writer([]), "archive": lambda archive_dir: None, failing_step: fail}
    with publish.month_lock(out, MONTH), pytest.raises(OSError, match="disk full"):
        publish.publish_version(out, MONTH, **steps)
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


def test_backfill_reads_the_extracts_once_and_skips_months_already_produced(published, tmp_path, monkeypatch, sample_project, suite_runner):
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

    results = run.backfill(sample_project, "2020-02", MONTH, landing, out, suite_runner=suite_runner)
    assert [(r.month, r.status, r.version) for r in results] == [("2020-02", "published", 1), (MONTH, "published", 1)]
    assert calls == {"ingest": 1, "compute": 2}

    series = (out / "scorecard_series.csv").read_text().splitlines()
    metric_count = len(sample_project.metrics)
    assert series[0] == ",".join(publish.SERIES_COLUMNS)
    assert len(series) == 1 + 2 * metric_count
    assert [line.split(",")[0] for line in series[1:]] == ["2020-02"] * metric_count + [MONTH] * metric_count

    again = run.backfill(sample_project, "2020-02", MONTH, landing, out, suite_runner=suite_runner)
    assert [r.status for r in again] == ["skipped"] * 2
    assert calls == {"ingest": 2, "compute": 2}  # nothing computed the second time


def test_backfill_refuses_a_month_the_extract_cannot_cover(published, tmp_path, sample_project):
    landing, _, _ = published
    with pytest.raises(Exception, match="before the end of 2020-04"):
        run.backfill(sample_project, "2020-03", "2020-04", landing, tmp_path / "out")


def test_months_between_counts_inclusively_across_a_year_end():
    assert run.months_between("2019-11", "2020-02") == ["2019-11", "2019-12", "2020-01", "2020-02"]
    with pytest.raises(FileProblem, match="after the last"):
        run.months_between("2020-02", "2019-11")


# --- privacy ------------------------------------------------------------------------------------


def test_outputs_and_archive_are_readable_by_their_owner_only(published):
    _, out, _ = published
    for path in out.rglob("*"):
        if path.is_symlink():
            continue
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_no_child_or_carer_id_outside_internal_and_the_archive(published):
    """The record ids may appear only in internal/ (the MIU's own lists) and the input archive."""
    _, out, _ = published
    for path in out.rglob("*"):
        relative = path.relative_to(out).as_posix()
        if not path.is_file() or "/internal/" in f"/{relative}" or relative.startswith("archive/"):
            continue
        data = path.read_bytes()
        for record_id in (CHILD, HOUSEHOLD, "H00046", "H00047"):
            assert record_id.encode() not in data, f"{record_id} in {relative}"
