"""The audit trail, as an auditor uses it: every month records what went in and what came out,
keeps its inputs, can be re-run byte for byte, and is never silently replaced.

One small hand-built council is published once for the module (`published`); tests that
change something work on their own copy of the output folder. The pack is replaced by a light
one (the two CSVs) so these tests stay fast; tests/test_determinism.py proves the real pack
re-runs byte for byte. The code version is pinned for the module, so an engineer editing the
tree while the tests run does not count as "the code changed".
"""

import hashlib
import json
import re
import shutil
import stat
import tomllib

import pytest
from builders import children_for, write_extracts

from fostering_scorecard import audit, config, pack, pipeline, tables

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
    pinned = audit.code_version()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pack, "write_pack", light_pack)
        patch.setattr(audit, "code_version", lambda: dict(pinned))
        yield


@pytest.fixture(scope="module")
def published(tmp_path_factory, suite_runner):
    """(landing folder, output folder, result) after one run of MONTH."""
    root = tmp_path_factory.mktemp("audit")
    landing = landing_folder(root / "landing")
    result = pipeline.run_month(MONTH, landing, root / "out", runner=suite_runner)
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


def test_the_manifest_records_inputs_rows_configuration_code_dependencies_and_outputs(published):
    _, out, _ = published
    manifest = json.loads((out / MONTH / "manifest.json").read_text())
    assert manifest["reporting_month"] == MONTH and manifest["as_at_date"] == "2020-03-31"
    assert manifest["extract_date"] == "2020-04-05"
    # carers.csv: 3 rows read, the one with "not a date" set aside.
    assert manifest["inputs"]["carers"]["file"] == "carers.csv"
    assert manifest["inputs"]["carers"]["rows"] == {"read": 3, "accepted": 2, "quarantined": 1}
    assert manifest["inputs"]["episodes"]["rows"] == {"read": 2, "accepted": 2, "quarantined": 0}
    assert manifest["inputs"]["carers"]["sha256"] == audit.sha256_file(out.parent / "landing" / "carers.csv")
    assert manifest["extract_info"]["sha256"] == audit.sha256_file(out.parent / "landing" / "extract.toml")

    registry = manifest["configuration"]["metric_registry"]
    assert registry["sha256"] == audit.sha256_file(config.CONFIG_DIR / "metrics.toml")
    assert registry["metric_ids"] == [m.id for m in config.load_metrics()]
    assert set(manifest["configuration"]["files"]) >= {"extracts.toml", "metrics.toml", "scorecard.toml"}

    code = manifest["code"]
    assert code["package_version"] and re.fullmatch(r"[0-9a-f]{40}|unknown", code["git_commit"])
    assert code["code_sha256"] == audit.code_version()["code_sha256"]
    assert manifest["dependencies"]["lock_file_sha256"] == audit.sha256_file(config.PROJECT_ROOT / "requirements.lock")

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
    manifest = audit.read_manifest(out / MONTH)
    for entry in [*manifest["inputs"].values(), manifest["extract_info"]]:
        blob = out / "archive" / "sha256" / entry["sha256"][:2] / entry["sha256"]
        assert blob.read_bytes() == (landing / entry["file"]).read_bytes()
        assert stat.S_IMODE(blob.stat().st_mode) == 0o400


# --- re-run and verify --------------------------------------------------------------------------


def test_a_month_re_run_from_its_archive_gives_the_same_bytes_after_the_landing_folder_moved_on(published, tmp_path, suite_runner):
    landing, out, _ = published
    moved = tmp_path / "landing-moved"
    landing.rename(moved)  # the landing folder is gone: only the archive is left
    try:
        report = pipeline.verify_month(MONTH, out, keep_scratch=tmp_path / "scratch", runner=suite_runner)
    finally:
        moved.rename(landing)
    assert report.reproduced, report.text()
    assert report.text().startswith("REPRODUCED")
    assert digests(tmp_path / "scratch" / "out" / MONTH) == digests(out / MONTH)  # byte for byte, manifest too


def test_a_changed_input_row_is_named_as_the_cause(published, tmp_path, suite_runner):
    _, out, _ = published
    # One carer's approval moves from May 2019 into the previous financial year (2018-19),
    # so the financial-year-to-date approvals as at March 2020 fall from 2 to 1.
    changed = [{**CARERS[0], "approval_date": "01/05/2018"}, *CARERS[1:]]
    report = pipeline.verify_month(MONTH, out, extracts_dir=landing_folder(tmp_path / "landing", changed), runner=suite_runner)
    assert not report.reproduced
    assert report.cause_kinds == {"inputs"}
    assert [c["detail"].split(" ")[0] for c in report.causes] == ["carers.csv"]
    assert "scorecard.csv" in {d["file"] for d in report.differences}
    approvals = next(c for c in report.metric_changes if c["metric_id"] == "approvals_fytd")
    assert (approvals["old_value"], approvals["new_value"], approvals["change"]) == ("2", "1", "-1")
    assert report.text().startswith("NOT REPRODUCED") and "carers.csv changed" in report.text()


def test_a_changed_configuration_value_is_named_as_the_cause(published, tmp_path, monkeypatch, suite_runner):
    _, out, _ = published
    changed_config = tmp_path / "config"
    shutil.copytree(config.CONFIG_DIR, changed_config)
    registry = changed_config / "metrics.toml"
    text = registry.read_text()
    # The first target in the registry, set to a value nobody would choose.
    metric = next(m for m in tomllib.loads(text)["metric"] if m.get("targets"))
    year = metric["targets"][0]["year"]
    pattern = re.compile(r'(\{\s*year\s*=\s*"' + year + r'"\s*,\s*value\s*=\s*)[0-9.]+')
    assert pattern.search(text)
    registry.write_text(pattern.sub(r"\g<1>99999", text, count=1))
    monkeypatch.setattr(config, "CONFIG_DIR", changed_config)

    report = pipeline.verify_month(MONTH, out, runner=suite_runner)
    assert not report.reproduced
    assert report.cause_kinds == {"configuration"}
    assert "config/metrics.toml changed" in [c["detail"] for c in report.causes]


def test_a_changed_code_version_is_named_as_the_cause(published, monkeypatch, suite_runner):
    _, out, _ = published
    real = audit.code_version()
    monkeypatch.setattr(audit, "code_version", lambda: {**real, "package_version": "99.0.0"})
    report = pipeline.verify_month(MONTH, out, runner=suite_runner)
    assert not report.reproduced
    assert report.cause_kinds == {"code"}
    # The figures are the same; only the run record says different code produced them.
    assert [d["file"] for d in report.differences] == ["manifest.json"]
    assert "package version" in report.text() and "99.0.0" in report.text()


def test_changed_dependencies_are_named_as_the_cause(published):
    _, out, _ = published
    recorded = audit.read_manifest(out / MONTH)
    rerun = json.loads(json.dumps(recorded))
    rerun["dependencies"]["lock_file_sha256"] = "0" * 64
    rerun["dependencies"]["libraries"]["pandas"] = "0.1"
    assert audit.explain(recorded, rerun) == [
        {"cause": "dependencies", "detail": "requirements.lock changed"},
        {"cause": "dependencies", "detail": f"pandas {recorded['dependencies']['libraries']['pandas']} -> 0.1"},
    ]
    assert audit.explain(recorded, recorded) == []


def test_an_altered_archive_copy_is_reported(own_copy, tmp_path):
    _, out = own_copy
    manifest = audit.read_manifest(out / MONTH)
    entry = manifest["inputs"]["carers"]
    blob = out / "archive" / "sha256" / entry["sha256"][:2] / entry["sha256"]
    blob.chmod(0o600)
    blob.write_text(blob.read_text().replace("01/07/2019", "01/07/2018"))
    problems = audit.restore_inputs(out / "archive", manifest, tmp_path / "restored")
    assert problems == ["carers.csv: the archived copy no longer matches the sha256 recorded when the month was run"]
    blob.unlink()
    with pytest.raises(audit.ArchiveError, match="carers.csv: the archived copy .* is missing"):
        audit.restore_inputs(out / "archive", manifest, tmp_path / "restored-again")


def test_verifying_an_unpublished_month_says_so(published):
    _, out, _ = published
    with pytest.raises(ValueError, match="2019-01 has not been published"):
        pipeline.verify_month("2019-01", out)


# --- idempotent re-runs and restatements --------------------------------------------------------


def test_re_running_with_the_same_inputs_and_code_publishes_nothing_new(own_copy, suite_runner):
    landing, out = own_copy
    before = digests(out / "versions")
    result = pipeline.run_month(MONTH, landing, out, runner=suite_runner)
    assert (result.status, result.version) == ("unchanged", 1)
    assert digests(out / "versions") == before
    assert [v for v, _ in audit.MonthStore(out).versions(MONTH)] == [1]


def test_a_restated_month_is_a_new_version_with_a_change_note_and_the_old_one_is_kept(own_copy, tmp_path, suite_runner):
    _, out = own_copy
    v1 = digests(out / "versions" / MONTH / "v1")
    changed = [{**CARERS[0], "approval_date": "01/05/2018"}, *CARERS[1:]]
    corrected = landing_folder(tmp_path / "corrected", changed)

    result = pipeline.run_month(MONTH, corrected, out, runner=suite_runner)
    assert (result.status, result.version) == ("restated", 2)
    assert digests(out / "versions" / MONTH / "v1") == v1  # never overwritten
    assert (out / MONTH).resolve() == (out / "versions" / MONTH / "v2").resolve()

    note = (out / MONTH / "change_note.md").read_text()
    assert note.startswith(f"# {MONTH}: version 2 restates version 1")
    assert "- inputs: carers.csv changed" in note
    assert "| approvals_fytd | 2 | 1 | -1 |" in note
    assert CHILD not in note and HOUSEHOLD not in note

    assert [v for v, _ in audit.MonthStore(out).versions(MONTH)] == [1, 2]
    # An auditor can still prove version 1 from its own archived inputs.
    assert pipeline.verify_month(MONTH, out, version=1, runner=suite_runner).reproduced


def test_a_month_published_before_versions_existed_becomes_version_1(tmp_path):
    out = tmp_path / "out"
    (out / MONTH).mkdir(parents=True)
    (out / MONTH / "scorecard.csv").write_text("metric_id\n")
    store = audit.MonthStore(out)
    store.adopt_legacy_folder(MONTH)
    assert (out / MONTH).is_symlink()
    assert (out / MONTH / "scorecard.csv").read_text() == "metric_id\n"
    assert [v for v, _ in store.versions(MONTH)] == [1]


# --- faults: locks ------------------------------------------------------------------------------


def test_a_second_run_of_the_same_month_stops_with_a_clear_message(tmp_path):
    out = tmp_path / "out"
    refused = pytest.raises(audit.MonthLocked, match=f"another run of {MONTH} is already writing to")
    with audit.month_lock(out, MONTH), refused, _other_process_lock(out, MONTH):
        pass
    # Released when the holder finishes: the month can be locked again.
    with _other_process_lock(out, MONTH):
        pass


def _other_process_lock(out, month):
    """The lock as a different run would take it (a new open file, not the re-entrant path)."""
    return audit.month_lock(out, month, reentrant=False)


def test_other_months_are_not_blocked(tmp_path):
    with audit.month_lock(tmp_path, "2020-03"), _other_process_lock(tmp_path, "2020-02"):
        pass


# --- backfill -----------------------------------------------------------------------------------


def test_backfill_reads_the_extracts_once_and_skips_months_already_produced(published, tmp_path, monkeypatch, suite_runner):
    landing, _, _ = published
    out = tmp_path / "out"
    calls = {"ingest": 0, "compute": 0}
    real_ingest, real_compute = pipeline.ingest, pipeline.compute

    def counting(name, real):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(pipeline, "ingest", counting("ingest", real_ingest))
    monkeypatch.setattr(pipeline, "compute", counting("compute", real_compute))

    results = pipeline.backfill("2020-02", MONTH, landing, out, runner=suite_runner)
    assert [(r.month, r.status, r.version) for r in results] == [("2020-02", "published", 1), (MONTH, "published", 1)]
    assert calls == {"ingest": 1, "compute": 2}

    series = (out / "scorecard_series.csv").read_text().splitlines()
    metric_count = len(config.load_metrics())
    assert series[0] == ",".join(pipeline.SERIES_COLUMNS)
    assert len(series) == 1 + 2 * metric_count
    assert [line.split(",")[0] for line in series[1:]] == ["2020-02"] * metric_count + [MONTH] * metric_count

    again = pipeline.backfill("2020-02", MONTH, landing, out, runner=suite_runner)
    assert [r.status for r in again] == ["skipped"] * 2
    assert calls == {"ingest": 2, "compute": 2}  # nothing computed the second time


def test_backfill_refuses_a_month_the_extract_cannot_cover(published, tmp_path):
    landing, _, _ = published
    with pytest.raises(Exception, match="before the end of 2020-04"):
        pipeline.backfill("2020-03", "2020-04", landing, tmp_path / "out")


def test_months_between_counts_inclusively_across_a_year_end():
    assert pipeline.months_between("2019-11", "2020-02") == ["2019-11", "2019-12", "2020-01", "2020-02"]
    with pytest.raises(ValueError, match="after the last"):
        pipeline.months_between("2020-02", "2019-11")


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
