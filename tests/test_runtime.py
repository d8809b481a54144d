"""The pieces that make a command leave nothing behind (runtime.py, child_processes.py), each on
its own: the run folder, leftovers of killed commands, a stop signal, a stop that does not end
in time, and a child that dies with its parent. tests/test_killed_runs.py checks them all
together, through the `scorecard` command."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest
from process_tree import Process, descendants, wait_until

from fostering_scorecard import child_processes, prefect_api, runtime

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal and /proc are Linux's")


@pytest.fixture
def temporary(monkeypatch):
    """An empty TMPDIR of the test's own, as if the command were started with it."""
    folder = Path(tempfile.mkdtemp(prefix="runtime-", dir="/tmp" if os.path.isdir("/tmp") else None))
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_the_command_works_in_a_run_folder_of_its_own_removed_at_the_end(temporary):
    with runtime.leave_nothing_behind() as folder:
        assert folder == temporary / f"scorecard-run-{os.getpid()}"
        assert os.environ["TMPDIR"] == str(folder) and tempfile.gettempdir() == str(folder)
        made_here = tempfile.mkdtemp(prefix="a-library-")  # as a library makes its temporary folder
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
        (folder / "a-library-x").mkdir()
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


# ---------------------------------------------------------------------------------------------
# A stop is never lost: wherever the signal lands, the command ends as stopped


class StopsWhileCollected:
    """A library's object whose finalizer is running when the signal comes in (the garbage
    collector runs finalizers and weakref callbacks at any allocation): Python calls the
    signal's handler there, where an exception cannot propagate."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:
        os.kill(os.getpid(), self.signum)
        for _ in range(1000):  # the handler runs here, inside the finalizer
            pass


def test_a_stop_raised_inside_a_finalizer_is_raised_again_and_nothing_is_printed(temporary, monkeypatch, capfd):
    monkeypatch.setattr(runtime, "STOP_GRACE_SECONDS", 600.0)
    carried_on = []
    started = time.monotonic()
    with pytest.raises(runtime.Stopped) as stop:
        with runtime.leave_nothing_behind():
            collected = StopsWhileCollected(signal.SIGTERM)
            del collected  # the finalizer runs now: the stop is raised inside it, and dropped
            time.sleep(30)  # the run going on: the stop is raised again, at once
            carried_on.append("the run went on after the stop")
    assert stop.value.signum == signal.SIGTERM and carried_on == []
    assert time.monotonic() - started < 20
    assert capfd.readouterr().err == ""  # not Python's "Exception ignored in ..." and traceback


def test_the_control_without_the_command_a_stop_inside_a_finalizer_is_dropped(monkeypatch):
    """What the test above guards against: Python's own handling, outside the command. Python
    hands the dropped exception to sys.unraisablehook (by default: "Exception ignored in ...",
    and the traceback) and carries on."""
    def stop(signum, frame):
        raise KeyboardInterrupt

    dropped = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: dropped.append(unraisable.exc_type))
    before = signal.signal(signal.SIGTERM, stop)
    carried_on = []
    try:
        collected = StopsWhileCollected(signal.SIGTERM)
        del collected
        carried_on.append("the run went on after the stop")
    finally:
        signal.signal(signal.SIGTERM, before)
    assert dropped == [KeyboardInterrupt] and carried_on == ["the run went on after the stop"]


def ctrl_c_during_a_duckdb_query() -> None:
    """DuckDB interrupts its query at Ctrl-C and raises RuntimeError("Query interrupted") in
    place of the KeyboardInterrupt. The query (10**10 rows) runs far longer than the 0.3 s
    before the signal."""
    import duckdb

    connection = duckdb.connect()
    ctrl_c = threading.Timer(0.3, os.kill, args=(os.getpid(), signal.SIGINT))
    ctrl_c.start()
    try:
        connection.execute("SELECT count(*) FROM range(1000000000) a, range(10) b WHERE a.range % 7 = b.range").fetchall()
    finally:
        ctrl_c.join()


def ctrl_c_during_a_pydantic_serialiser() -> None:
    """pydantic wraps whatever a serialiser function raises in a PydanticSerializationError, a
    ValueError (which the command reports as a problem to fix, exit 1). Prefect's settings are
    serialised so while it sets up its logging: Ctrl-C at that moment was reported so."""
    import pydantic

    class Settings(pydantic.BaseModel):
        level: str = "WARNING"

        @pydantic.model_serializer(mode="wrap")
        def _serialise(self, handler):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # the handler runs here, inside the serialiser
                pass
            return handler(self)

    Settings().model_dump()


@pytest.mark.parametrize("library, turned_into", [(ctrl_c_during_a_duckdb_query, RuntimeError), (ctrl_c_during_a_pydantic_serialiser, ValueError)],
                         ids=["DuckDB", "pydantic"])
def test_a_stop_a_library_turns_into_its_own_error_still_ends_the_command_as_a_stop(temporary, monkeypatch, library, turned_into):
    monkeypatch.setattr(runtime, "STOP_GRACE_SECONDS", 600.0)
    with pytest.raises(runtime.Stopped) as stop:
        with runtime.leave_nothing_behind():
            library()
    assert stop.value.signum == signal.SIGINT and stop.value.exit_code == 130
    assert isinstance(stop.value.__cause__, turned_into)  # what the library raised instead


def test_a_stop_swallowed_on_the_way_is_raised_at_the_next_checkpoint(temporary, monkeypatch):
    """A library's `except BaseException` that does not re-raise: the command would carry on
    to publish, but long work checks (runtime.stop_if_asked, e.g. before each chart of the pack)."""
    monkeypatch.setattr(runtime, "STOP_GRACE_SECONDS", 600.0)
    checked_before_the_stop = []
    with pytest.raises(runtime.Stopped) as stop:
        with runtime.leave_nothing_behind():
            runtime.stop_if_asked()  # no stop asked: carries on
            checked_before_the_stop.append(True)
            try:
                os.kill(os.getpid(), signal.SIGHUP)
                time.sleep(30)
            except BaseException:  # noqa: BLE001 - the library's
                pass
            runtime.stop_if_asked()
    assert checked_before_the_stop == [True] and stop.value.signum == signal.SIGHUP
    runtime.stop_if_asked()  # outside a command: nothing to check


@pytest.mark.parametrize("handled_by_the_command", [True, False], ids=["the command's handler", "Prefect's (the control)"])
def test_in_a_flow_run_sigterm_reaches_the_commands_handler_first(temporary, monkeypatch, handled_by_the_command):
    """Prefect runs each flow run inside capture_sigterm(), which installs its own SIGTERM
    handler. With prefect_api.command_handles_stops() (as `scorecard run` runs its flow) that
    handler is the command's: the stop is noted, and the console quietened, before Prefect
    reports the crash. Without it, Prefect's TerminationSignal comes first and the command
    hears of the stop only once Prefect has reported it (the Stopped then follows it)."""
    from prefect.exceptions import TerminationSignal
    from prefect.utilities.engine import capture_sigterm

    monkeypatch.setattr(runtime, "STOP_GRACE_SECONDS", 600.0)
    handling = prefect_api.command_handles_stops() if handled_by_the_command else contextlib.nullcontext()
    with pytest.raises(runtime.Stopped) as stop:
        with runtime.leave_nothing_behind(), handling:
            with capture_sigterm():  # as Prefect's flow engine runs a flow
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(30)
    assert stop.value.signum == signal.SIGTERM
    assert isinstance(stop.value.__context__, TerminationSignal) is not handled_by_the_command
    module, attribute = prefect_api.PREFECT_SIGTERM_BRIDGE  # put back afterwards
    assert getattr(sys.modules[module], attribute) is not runtime.on_stop_signal


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


@linux_only
def test_a_child_that_asks_to_die_with_its_parent_dies_when_the_parent_is_killed(tmp_path):
    """die_with_parent, called in the child itself (a region worker's flow run does so): the
    parent is killed with SIGKILL, the kernel kills the child."""
    child_code = ("import os, time; from fostering_scorecard import child_processes; "
                  "child_processes.die_with_parent(os.getppid()); print(os.getpid(), flush=True); time.sleep(300)")
    parent_code = textwrap.dedent(f"""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", {child_code!r}], stdout=sys.stdout)
        time.sleep(300)
    """)
    parent = subprocess.Popen([sys.executable, "-c", parent_code], stdout=subprocess.PIPE, text=True)
    child_pid = int(parent.stdout.readline())  # printed once the child has asked
    [child] = [p for p in descendants(parent.pid) if p.pid == child_pid]
    try:
        parent.kill()
        parent.wait()
        assert wait_until(lambda: not child.running(), 10)
    finally:
        if child.running():
            os.kill(child.pid, signal.SIGKILL)
        parent.stdout.close()


HANGING_STOP = textwrap.dedent("""
    import pathlib, subprocess, sys, time
    from fostering_scorecard import runtime
    runtime.STOP_GRACE_SECONDS = float(sys.argv[1])
    marker = pathlib.Path(sys.argv[2])
    with runtime.leave_nothing_behind() as folder:
        child = subprocess.Popen(["sleep", "300"])
        # An orderly stop that never returns (as a server that no longer answers would).
        runtime.on_stop(lambda: (marker.write_text("stopping"), time.sleep(300)), pid=child.pid)
        print(child.pid, folder, flush=True)
        time.sleep(300)
""")


@linux_only
@pytest.mark.parametrize("how", ["a second signal", "the grace period"])
def test_a_stop_that_does_not_finish_ends_the_command_at_once_and_kills_its_processes(tmp_path, how):
    """SIGTERM, and the orderly stop hangs: a second SIGTERM, or the end of the grace period
    (1 s here, 600 s for the second-signal case so that only the signal can end it), kills the
    processes the command registered, removes its run folder and exits with 128 + 15 and the
    one line."""
    marker = tmp_path / "stopping"
    grace = "600" if how == "a second signal" else "1"
    environment = {**os.environ, "TMPDIR": str(tmp_path)}
    command = subprocess.Popen([sys.executable, "-c", HANGING_STOP, grace, str(marker)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=environment)
    child_pid, folder = command.stdout.readline().split()
    [child] = [p for p in descendants(command.pid) if p.pid == int(child_pid)]
    try:
        command.send_signal(signal.SIGTERM)
        assert wait_until(marker.exists, 60)  # the orderly stop has begun, and hangs
        if how == "a second signal":
            command.send_signal(signal.SIGTERM)
        _, err = command.communicate(timeout=60)
        assert command.returncode == 128 + signal.SIGTERM
        assert err.strip() == runtime.Stopped(signal.SIGTERM).message()  # one line, no traceback
        assert wait_until(lambda: not child.running(), 10)
        assert not Path(folder).exists()
    finally:
        if command.poll() is None:
            command.kill()
        if child.running():
            os.kill(child.pid, signal.SIGKILL)
        command.stdout.close()
        command.stderr.close()


SLOW_EXIT = textwrap.dedent("""
    import atexit, sys, time
    from fostering_scorecard import runtime
    if sys.argv[1] == "set":
        runtime.handle_stops_for_the_program()

    def a_librarys_exit_handler():  # e.g. Prefect sending its last log lines
        print("exiting", flush=True)
        time.sleep(300)

    atexit.register(a_librarys_exit_handler)
    if sys.argv[1] == "set":
        runtime.the_program_ends_with(3)  # the command has printed its outcome and returned 3
    sys.exit(3)
""")


@pytest.mark.parametrize("handled", [True, False], ids=["set", "not set (the control)"])
def test_a_stop_once_the_command_has_returned_ends_the_process_at_once_with_its_exit_code(handled):
    """Ctrl-C while Python runs the exit handlers of libraries, after the command has printed
    its outcome: the process ends at once with the command's exit code, and prints nothing.
    Without it, Python prints "Exception ignored in atexit callback" and the stop's traceback."""
    process = subprocess.Popen([sys.executable, "-c", SLOW_EXIT, "set" if handled else "not set"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "exiting"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 3
    assert (err == "") is handled, err


def test_off_the_main_thread_no_parent_death_signal_is_offered():
    """The kernel ties the signal to the thread that started the child: a worker thread ends
    long before the command, and would take the child with it."""
    offered = []
    thread = threading.Thread(target=lambda: offered.append(child_processes.die_with_this_thread()))
    thread.start()
    thread.join()
    assert offered == [None]


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
