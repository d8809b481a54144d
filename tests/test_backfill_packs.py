"""A backfill writes its months' packs in a process of its own (pack/pack_process.py: two workers)
while it computes the next months, and publishes the months in order (backfill_overlap.MonthsInFlight).

What a reader and an auditor rely on, with the real pack (every format) on the bundled sample:
- every backfilled month is byte for byte the month run on its own (its pack, its data-quality
  report compared with the month before, its run record);
- the audit log lists the months in order;
- a pack process killed from outside costs time, not a month: the packs are written in the
  command's process instead, the same bytes;
- a month that fails publishes the months before it and none after it, and leaves no hidden
  folder, no lock and no process;
- a `scorecard backfill` killed outright leaves no process and no half-published month.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import SAMPLE_PROJECT
from process_tree import descendants

from fostering_scorecard import pack, project, publish, run
from fostering_scorecard.pack import pack_process

MONTHS = ["2025-01", "2025-02", "2025-03"]
EXTRACTS = SAMPLE_PROJECT / "extracts"


@pytest.fixture(scope="module")
def council():
    return project.load(SAMPLE_PROJECT)


@pytest.fixture(scope="module")
def alone(council, tmp_path_factory, suite_runner):
    """Each month run on its own, in order (each compared with the month before, as in a backfill)."""
    out = tmp_path_factory.mktemp("alone")
    for month in MONTHS:
        run.run_month(council, month, EXTRACTS, out, suite_runner=suite_runner)
    return out


def month_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_months(backfilled: Path, alone: Path) -> None:
    for month in MONTHS:
        ours, theirs = month_files(backfilled / month), month_files(alone / month)
        assert "scorecard_pack.pdf" in theirs and "public/scorecard_pack.xlsx" in theirs  # the real pack
        assert sorted(ours) == sorted(theirs), month
        for name in theirs:
            assert ours[name] == theirs[name], (month, name)


def audit_lines(out: Path) -> list[tuple[str, str, str]]:
    lines = (out / "audit_log.jsonl").read_text(encoding="utf-8").splitlines()
    return [(entry["command"], entry["month"], entry["outcome"]) for entry in map(json.loads, lines)]


class Submitted:
    """Counts the packs handed to the pack process, and can kill it after the first."""

    def __init__(self, monkeypatch, kill_after_first: bool = False) -> None:
        self.count, self.processes = 0, []
        original = pack_process.PackProcess.submit

        def submit(packs, *args, **kwargs):
            pending = original(packs, *args, **kwargs)
            self.count += 1
            self.processes.append(packs.launched.process)
            if kill_after_first and self.count == 1:
                packs.launched.process.kill()
            return pending

        monkeypatch.setattr(pack_process.PackProcess, "submit", submit)


def test_backfilled_months_are_the_months_run_alone_byte_for_byte(council, alone, tmp_path, suite_runner, monkeypatch):
    submitted = Submitted(monkeypatch)
    written_here = []
    monkeypatch.setattr(pack, "write_pack", lambda *a, **k: written_here.append(a))  # must not be needed
    results = run.backfill(council, MONTHS[0], MONTHS[-1], EXTRACTS, tmp_path / "out", suite_runner=suite_runner)
    assert [(r.month, r.status, r.version) for r in results] == [(m, "published", 1) for m in MONTHS]
    assert submitted.count == 3 and written_here == []  # every pack written by the pack process
    assert_same_months(tmp_path / "out", alone)
    assert audit_lines(tmp_path / "out") == [("backfill", month, "published") for month in MONTHS]
    assert all(process.poll() is not None for process in submitted.processes)  # ended with the backfill


def test_a_pack_process_killed_from_outside_costs_time_not_a_month(council, alone, tmp_path, suite_runner, monkeypatch):
    # Killed (as the out-of-memory killer would) once it has the first month's pack: every pack
    # it did not answer for is written in the command's process, the same bytes.
    submitted = Submitted(monkeypatch, kill_after_first=True)
    results = run.backfill(council, MONTHS[0], MONTHS[-1], EXTRACTS, tmp_path / "out", suite_runner=suite_runner)
    assert [r.status for r in results] == ["published"] * 3 and submitted.count == 3
    assert_same_months(tmp_path / "out", alone)


def test_a_failed_month_publishes_the_months_before_it_and_none_after(council, tmp_path, suite_runner, monkeypatch):
    compute = run.compute

    def fails_in_february(ctx, *args, **kwargs):
        if ctx.month == "2025-02":
            raise RuntimeError("the month's figures failed")
        return compute(ctx, *args, **kwargs)

    monkeypatch.setattr(run, "compute", fails_in_february)
    submitted = Submitted(monkeypatch)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="figures failed"):
        run.backfill(council, MONTHS[0], MONTHS[-1], EXTRACTS, out, suite_runner=suite_runner)
    assert audit_lines(out) == [("backfill", "2025-01", "published"), ("backfill", "2025-02", "failed")]
    store = publish.MonthStore(out)
    assert store.months() == ["2025-01"] and (out / "2025-01" / "manifest.json").is_file()
    assert not list((out / "versions").rglob(".partial-*"))  # no hidden folder left
    for month in MONTHS:  # no lock left held
        with publish.month_lock(out, month):
            pass
    assert all(process.poll() is not None for process in submitted.processes)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; relies on Linux's parent-death signal")
def test_a_backfill_killed_outright_leaves_no_process_and_no_half_month(tmp_path):
    out = tmp_path / "out"
    command = subprocess.Popen(
        [sys.executable, "-m", "fostering_scorecard.cli", "backfill", "--project", str(SAMPLE_PROJECT), "--from", "2024-04",
         "--to", "2025-03", "--output", str(out), "--no-prefect"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    seen = {}
    try:
        deadline = time.monotonic() + 600
        # Killed once a month is published and the pack workers are writing later ones.
        while time.monotonic() < deadline and command.poll() is None:
            for process in descendants(command.pid):
                seen[(process.pid, process.started)] = process
            workers = [p for p in seen.values() if "pack_process" in p.command and p.running()]
            if len(workers) >= 2 and publish.MonthStore(out).months():
                break
            time.sleep(0.05)
        assert command.poll() is None, "the backfill ended before it could be killed"
        os.kill(command.pid, signal.SIGKILL)
        command.wait()
        deadline = time.monotonic() + 10
        while any(p.running() for p in seen.values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [p.command for p in seen.values() if p.running()]
        # Every month visible is whole: its link points at a version with its manifest (written last).
        for month in publish.MonthStore(out).months():
            link = out / month
            assert not link.exists() or (link / "manifest.json").is_file(), month
    finally:
        if command.poll() is None:
            command.kill()
            command.wait()
        for process in seen.values():
            if process.running():
                os.kill(process.pid, signal.SIGKILL)


def test_figures_that_cannot_be_pickled_are_written_here_and_nothing_is_left_half_sent(tmp_path, monkeypatch):
    # A pack whose arguments cannot travel to the pack process (pickled in the command first, so
    # that no half request is left in the pipe) is written in the command's process; the next
    # pack still goes to the process.
    written_here = []
    monkeypatch.setattr(pack, "write_pack", lambda *args: written_here.append(args[0]))
    with pack_process.PackProcess() as packs:
        pending = packs.submit(tmp_path / "a", None, [], [], [], None, release=lambda: None)  # a lambda cannot be pickled
        pending.result()
        assert written_here == [tmp_path / "a"]
        lane = packs._lanes[0]
        assert lane.answer(lane.send(("not", "a", "pack")))[0] == "error"  # the lane still answers, in step


def test_a_later_month_locked_by_another_run_still_publishes_the_months_before_it(council, tmp_path, suite_runner):
    # Another run holds March while the backfill reaches it: January and February, drafted by
    # then, are published (as they would be month by month); the backfill stops at March.
    out = tmp_path / "out"
    with publish.month_lock(out, "2025-03"), pytest.raises(publish.MonthLocked):
        run.backfill(council, MONTHS[0], MONTHS[-1], EXTRACTS, out, suite_runner=suite_runner)
    assert audit_lines(out) == [("backfill", "2025-01", "published"), ("backfill", "2025-02", "published")]
    assert publish.MonthStore(out).months() == ["2025-01", "2025-02"]
    assert not list((out / "versions").rglob(".partial-*"))


def test_a_stop_discards_the_drafted_months_and_logs_each_in_order(council, tmp_path, suite_runner, monkeypatch):
    # Ctrl-C while March is computed: January and February are drafted, not yet published. A
    # stop publishes nothing more: both are discarded, and the audit log says so for each
    # month, in month order, before March's own line.
    compute = run.compute

    def stopped_in_march(ctx, *args, **kwargs):
        if ctx.month == "2025-03":
            raise KeyboardInterrupt
        return compute(ctx, *args, **kwargs)

    monkeypatch.setattr(run, "compute", stopped_in_march)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run.backfill(council, MONTHS[0], MONTHS[-1], EXTRACTS, out, suite_runner=suite_runner)
    assert audit_lines(out) == [("backfill", month, "failed") for month in MONTHS]
    store = publish.MonthStore(out)
    assert [store.latest(month) for month in MONTHS] == [None] * 3 and not any((out / month).exists() for month in MONTHS)
    assert not list((out / "versions").rglob(".partial-*"))
