"""The pieces that make a command leave nothing behind (runtime.py, child_processes.py), each on
its own: the run folder, leftovers of killed commands, a stop signal, a child that dies with
its parent, and multiprocessing's helper processes. tests/test_killed_runs.py checks them all
together, through the `scorecard` command."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from process_tree import Process, descendants, wait_until

from fostering_scorecard import child_processes, runtime
from fostering_scorecard.pack import workers

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal and /proc are Linux's")


@pytest.fixture
def temporary(monkeypatch):
    """An empty TMPDIR of the test's own, as if the command were started with it: short, as
    the system's is (a socket's path must fit in about 100 bytes: see the long one below)."""
    folder = Path(tempfile.mkdtemp(prefix="runtime-", dir="/tmp" if os.path.isdir("/tmp") else None))
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def long_temporary(tmp_path, monkeypatch):
    """A TMPDIR too long for multiprocessing's socket path (over 100 bytes) inside a run folder."""
    folder = tmp_path / ("long-" + "x" * 60)
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return folder


def test_the_command_works_in_a_run_folder_of_its_own_removed_at_the_end(temporary):
    with runtime.leave_nothing_behind() as folder:
        assert folder == temporary / f"scorecard-run-{os.getpid()}"
        assert os.environ["TMPDIR"] == str(folder) and tempfile.gettempdir() == str(folder)
        made_here = tempfile.mkdtemp(prefix="pymp-")  # as multiprocessing makes its folder
        assert made_here.startswith(str(folder) + os.sep)
        in_a_child = subprocess.run([sys.executable, "-c", "import tempfile; print(tempfile.gettempdir())"], capture_output=True, text=True)
        assert in_a_child.stdout.strip() == str(folder)  # the processes it starts, too
        assert oct(folder.stat().st_mode & 0o777) == "0o700"
        with runtime.leave_nothing_behind() as inner:  # an inner block shares the folder
            assert inner == folder
        assert folder.is_dir()
    assert list(temporary.iterdir()) == []
    assert os.environ["TMPDIR"] == str(temporary) and tempfile.gettempdir() == str(temporary)


def dead_pid() -> int:
    """The pid of a process that has ended."""
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(finished.stdout)


@linux_only
def test_leftovers_of_killed_commands_are_removed_and_running_ones_kept(tmp_path):
    """Each run folder is named after its command's pid and records the command's start time.
    `parent` is a running process (pytest's parent); its real start time is read from /proc."""
    parent = os.getppid()
    parent_started = (open(f"/proc/{parent}/stat").read().rsplit(")", 1)[1].split()[19])

    def run_folder(name: str, owner: str | None) -> object:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "pymp-x").mkdir()
        if owner is not None:
            (folder / ".owner").write_text(owner)
        return folder

    of_a_dead_command = run_folder(f"scorecard-run-{dead_pid()}", owner="1234")
    of_a_running_command = run_folder(f"scorecard-run-{parent}", owner=parent_started)
    of_a_reused_pid = run_folder(f"scorecard-run-{parent}-unique", owner="1")  # the pid runs, but started later
    of_a_command_starting = run_folder(f"scorecard-run-{parent}-starting", owner=None)  # no owner yet: unknown
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not ours to remove")
    (tmp_path / f"scorecard-run-{dead_pid()}").symlink_to(elsewhere)  # never followed
    others = [tmp_path / "pymp-abc123", tmp_path / "scorecard-prefect-abc123"]  # maybe another program's
    for other in others:
        other.mkdir()

    removed = runtime.clear_leftovers(tmp_path)

    assert sorted(removed) == sorted([of_a_dead_command, of_a_reused_pid])
    assert not of_a_dead_command.exists() and not of_a_reused_pid.exists()
    assert of_a_running_command.is_dir() and of_a_command_starting.is_dir()
    assert (elsewhere / "keep.txt").is_file() and all(other.is_dir() for other in others)


def test_the_stop_line_says_what_stopped_the_command_and_the_exit_code_follows_the_shell():
    assert runtime.stopped_message(runtime.Stopped(signal.SIGINT)) == (
        "Stopped by Ctrl+C. Nothing half-written is left: a month is published whole or not at all.", 130)
    message, code = runtime.stopped_message(runtime.Stopped(signal.SIGTERM))
    assert message.startswith("Stopped by SIGTERM.") and code == 128 + 15
    assert runtime.stopped_message(KeyboardInterrupt())[1] == 130  # Python's own Ctrl-C
    assert "\n" not in message


def test_sigterm_unwinds_the_command_as_ctrl_c_does_and_everything_is_stopped(temporary, monkeypatch):
    monkeypatch.setattr(runtime, "STOP_GRACE_SECONDS", 600.0)  # never the forced end, here
    before = signal.getsignal(signal.SIGTERM)
    stopped = []
    with pytest.raises(runtime.Stopped) as stop:
        with runtime.leave_nothing_behind() as folder:
            runtime.on_stop(lambda: stopped.append("the server"))
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(30)  # interrupted at once by the signal
    assert stop.value.signum == signal.SIGTERM and stop.value.exit_code == 143
    assert isinstance(stop.value, KeyboardInterrupt)  # libraries stop as for Ctrl-C
    assert stopped == ["the server"] and not folder.exists()
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_stop_quietens_the_console_logs_until_the_command_has_ended(temporary, monkeypatch):
    """A library reports the stop as a crash (Prefect: "Crash detected!" and a traceback); the
    command says it in one line. The handlers' levels come back afterwards."""
    import logging

    monkeypatch.setattr(runtime, "STOP_GRACE_SECONDS", 600.0)
    console = logging.StreamHandler()
    logger = logging.getLogger("a.library")
    logger.addHandler(console)
    try:
        with pytest.raises(runtime.Stopped):
            with runtime.leave_nothing_behind():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(30)
        assert console.level == logging.NOTSET
    finally:
        logger.removeHandler(console)


@linux_only
@pytest.mark.parametrize("dies_with_it", [True, False], ids=["set", "not set (the control)"])
def test_a_child_started_to_die_with_the_command_dies_when_the_command_is_killed(tmp_path, dies_with_it):
    """A command that starts `sleep 300` and is then killed with SIGKILL: with the parent-death
    signal set, the kernel kills the child; without it, the child lives on."""
    command = textwrap.dedent(f"""
        import subprocess, sys, time
        from fostering_scorecard import child_processes
        preexec = child_processes.die_with_this_thread() if {dies_with_it} else None
        child = subprocess.Popen(["sleep", "300"], preexec_fn=preexec)
        print(child.pid, flush=True)
        time.sleep(300)
    """)
    parent = subprocess.Popen([sys.executable, "-c", command], stdout=subprocess.PIPE, text=True)
    child_pid = int(parent.stdout.readline())
    [child] = [p for p in descendants(parent.pid) if p.pid == child_pid]
    try:
        parent.kill()
        parent.wait()
        assert wait_until(lambda: not child.running(), 10) is dies_with_it
    finally:
        if child.running():
            os.kill(child.pid, signal.SIGKILL)
        parent.stdout.close()


def test_off_the_main_thread_no_parent_death_signal_is_offered():
    """The kernel ties the signal to the thread that started the child: a worker thread ends
    long before the command, and would take the child with it."""
    offered = []
    thread = threading.Thread(target=lambda: offered.append(child_processes.die_with_this_thread()))
    thread.start()
    thread.join()
    assert offered == [None]


def signals_blocked_or_ignored(pid: int) -> int:
    fields = dict(line.split(":\t", 1) for line in open(f"/proc/{pid}/status").read().splitlines() if ":\t" in line)
    return int(fields["SigBlk"], 16) | int(fields["SigIgn"], 16)


def start_a_pack_worker() -> tuple[int, int]:
    """As the pack starts its workers: (the forkserver's pid, a worker's pid), the worker
    checked to ignore Ctrl-C while it runs."""
    import multiprocessing.forkserver

    context = workers.start_worker_server()
    forkserver_pid = multiprocessing.forkserver._forkserver._forkserver_pid
    with ProcessPoolExecutor(1, mp_context=context, initializer=workers._worker_starts, initargs=(forkserver_pid,)) as pool:
        worker_pid = pool.submit(os.getpid).result(timeout=300)
        assert signals_blocked_or_ignored(worker_pid) & CTRL_C
    return forkserver_pid, worker_pid


CTRL_C = 1 << (signal.SIGINT - 1)  # SIGINT's bit in /proc/<pid>/status masks


@linux_only
def test_the_pack_workers_ignore_ctrl_c_and_stop_with_the_command_with_multiprocessings_helpers(temporary, monkeypatch):
    """At the end of the command neither the forkserver nor the resource tracker is left, nor
    multiprocessing's pymp-* folder, which was in the run folder."""
    from multiprocessing import resource_tracker

    monkeypatch.setattr(workers, "_allowed_worker_processes", 1)
    with runtime.leave_nothing_behind() as folder:
        forkserver_pid, worker_pid = start_a_pack_worker()
        started = {p.pid: p for p in descendants(os.getpid())}
        helpers = [started[forkserver_pid], started[resource_tracker._resource_tracker._pid]]
        assert signals_blocked_or_ignored(forkserver_pid) & CTRL_C  # from its very start
        assert worker_pid != os.getpid()
        assert [p.name[:5] for p in folder.iterdir() if p.name.startswith("pymp-")] == ["pymp-"]
    assert [p for p in helpers if p.running()] == []
    assert list(temporary.iterdir()) == []


@linux_only
def test_under_a_long_tmpdir_multiprocessing_gets_a_short_folder_named_as_the_run_folder(long_temporary, monkeypatch):
    """/tmp/scorecard-run-<pid>-pymp-*: the forkserver starts (its socket path fits), the folder
    goes at the end, and if the command were killed the next one would remove it."""
    monkeypatch.setattr(workers, "_allowed_worker_processes", 1)
    mine = f"scorecard-run-{os.getpid()}-pymp-"
    with runtime.leave_nothing_behind():
        start_a_pack_worker()
        [short] = [p for p in Path("/tmp").iterdir() if p.name.startswith(mine)]
        assert any(p.name.startswith("listener-") for p in short.iterdir())
    assert not short.exists()
    assert list(long_temporary.iterdir()) == []


def test_no_process_starts_once_the_command_is_ending(temporary):
    with runtime.leave_nothing_behind():
        with runtime.starting_process() as allowed:
            assert allowed
        session = runtime._session
    session.closed = True  # as it is from the moment the end begins
    runtime._session = session
    try:
        with runtime.starting_process() as allowed:
            assert not allowed
    finally:
        runtime._session = None


@linux_only
def test_a_process_is_named_by_its_pid_and_start_time():
    """process_tree's own check: the test process is running; a pid with another start time
    (the pid handed to a new process) is not this one."""
    me = Process(os.getpid(), int(open(f"/proc/{os.getpid()}/stat").read().rsplit(")", 1)[1].split()[19]), os.getppid(), "")
    assert me.running()
    assert not Process(me.pid, me.started + 1, me.parent, "").running()
