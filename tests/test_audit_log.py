"""The audit log (<output>/audit_log.jsonl: one JSON line per month run, backfilled or verified)
and the list of every version of a month (`scorecard versions`).

The council is tests/publishing.py's; the pack is the light one; the code version is pinned
(see test_publish.py).
"""

import datetime as dt
import getpass
import stat
import threading

import pytest
from publishing import CORRECTED_CARERS, MONTH, RECORD_IDS, council, landing_folder, light_pack, run_with  # noqa: F401 (council: a fixture)

import fostering_scorecard
from fostering_scorecard.pack import pack_process
from fostering_scorecard import pack, publish, run
from fostering_scorecard.publish import audit, release


@pytest.fixture(autouse=True)
def light_pack_and_pinned_code(monkeypatch):
    pinned = publish.manifest.code_version()
    monkeypatch.setattr(pack, "write_pack", light_pack)
    monkeypatch.setattr(pack_process, "WORKERS", 0)  # a backfill's packs written here, by light_pack
    monkeypatch.setattr(publish.manifest, "code_version", lambda: dict(pinned))


def test_each_run_backfill_and_verify_appends_one_line_saying_who_what_and_how_it_ended(tmp_path, council, suite_runner):
    landing, out = landing_folder(tmp_path / "landing"), tmp_path / "out"
    run_with(council, MONTH, landing, out, suite_runner=suite_runner)  # published v1
    run_with(council, MONTH, landing, out, suite_runner=suite_runner)  # the same record: unchanged
    run.backfill(council, "2020-02", MONTH, landing, out, suite_runner=suite_runner)  # Feb published, Mar unchanged
    run.verify_month(council, MONTH, out, suite_runner=suite_runner)

    entries = audit.read(out)
    assert [(e["command"], e["month"], e["outcome"], e["version"]) for e in entries] == [
        ("run", MONTH, "published", 1),
        ("run", MONTH, "unchanged", 1),
        ("backfill", "2020-02", "published", 1),
        ("backfill", MONTH, "unchanged", 1),
        ("verify", MONTH, "reproduced", 1),
    ]
    assert {e["user"] for e in entries} == {getpass.getuser()}
    assert {e["tool_version"] for e in entries} == {fostering_scorecard.__version__}
    for e in entries:
        moment = dt.datetime.fromisoformat(e["time"])
        assert moment.utcoffset() == dt.timedelta(0) and abs(dt.datetime.now(dt.UTC) - moment) < dt.timedelta(minutes=10)
    # The same extracts and baseline every time March was run: one inputs hash; February read
    # the same extracts but had no baseline, March compared with nothing either (it came first).
    march = [e for e in entries if e["month"] == MONTH]
    assert len({e["inputs_sha256"] for e in march}) == 1 and len({e["record_sha256"] for e in march}) == 1
    # A publication records the manifest it wrote (verify checks it against the file).
    assert entries[0]["manifest_sha256"] == publish.sha256_file(out / "versions" / MONTH / "v1" / "manifest.json")
    assert entries[1]["manifest_sha256"] is None and entries[0]["reason"] is None
    assert stat.S_IMODE((out / "audit_log.jsonl").stat().st_mode) == 0o600


def test_a_failed_run_is_logged_with_the_type_of_error_only(tmp_path, monkeypatch, council, suite_runner):
    def failing(*args, **kwargs):
        raise ValueError(f"could not read {RECORD_IDS[0]}")  # a message may quote anything

    monkeypatch.setattr(run, "compute", failing)
    with pytest.raises(ValueError):
        run_with(council, MONTH, landing_folder(tmp_path / "landing"), tmp_path / "out", suite_runner=suite_runner)
    (entry,) = audit.read(tmp_path / "out")
    assert (entry["outcome"], entry["detail"], entry["version"]) == ("failed", "ValueError", None)
    assert RECORD_IDS[0] not in (tmp_path / "out" / "audit_log.jsonl").read_text()


def test_lines_appended_at_once_never_mix(tmp_path):
    """Each append is one write of one whole line under a lock on the file: 4 writers x 100
    lines of 3,000 characters give 400 whole lines."""
    def writer(number):
        for line in range(100):
            audit.append(tmp_path, audit.entry("run", MONTH, "published", version=number, detail=f"{line:04d}" + "x" * 3000))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = audit.read(tmp_path)
    assert len(entries) == 400 and all("unreadable" not in e for e in entries)
    assert sorted((e["version"], e["detail"][:4]) for e in entries) == [(n, f"{line:04d}") for n in range(4) for line in range(100)]


def test_a_hand_edited_line_is_reported_not_fatal(tmp_path):
    audit.append(tmp_path, audit.entry("run", MONTH, "published", version=1))
    with (tmp_path / "audit_log.jsonl").open("a") as f:
        f.write("not json\n")
    assert audit.read(tmp_path)[1] == {"unreadable": 2}


def test_every_version_of_a_month_is_listed_with_its_date_and_reason(tmp_path, monkeypatch, council, suite_runner):
    out = tmp_path / "out"
    run_with(council, MONTH, landing_folder(tmp_path / "landing"), out, suite_runner=suite_runner)
    monkeypatch.setattr(release, "today", lambda: dt.date(2020, 5, 14))
    corrected = landing_folder(tmp_path / "corrected", CORRECTED_CARERS)
    run_with(council, MONTH, corrected, out, reason="Corrected carers extract", suite_runner=suite_runner)
    run_with(council, "2020-02", corrected, out, suite_runner=suite_runner)

    first_published = audit.read(out)[0]["time"][:10]  # version 1's date: when the log saw it published
    moved = len(publish.read_manifest(out / MONTH)["release"]["moved"])
    assert moved >= 1  # approvals_fytd at least (test_restatements.py)
    tool = fostering_scorecard.__version__
    assert audit.version_rows(out, MONTH) == [
        {"month": MONTH, "version": 1, "current": False, "date": first_published, "reason": "first published",
         "what_differs": "", "indicators_moved": 0, "tool_version": tool},
        {"month": MONTH, "version": 2, "current": True, "date": "2020-05-14", "reason": "Corrected carers extract",
         "what_differs": "inputs", "indicators_moved": moved, "tool_version": tool},
    ]
    assert [(r["month"], r["version"]) for r in audit.version_rows(out)] == [("2020-02", 1), (MONTH, 1), (MONTH, 2)]

    table = audit.format_version_rows(audit.version_rows(out, MONTH)).splitlines()
    assert table[0].split() == ["month", "version", "date", "tool", "what", "differs", "moved", "reason"]
    assert table[2].split()[:3] == [MONTH, "v1", first_published]
    assert table[3].split()[:5] == [MONTH, "v2", "*", "2020-05-14", tool]
    assert table[3].endswith("Corrected carers extract")
    assert table[-1] == "* the current version (what <output>/<month> shows)"
    assert audit.format_version_rows([]) == "No published versions in this output folder."
