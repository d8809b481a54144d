"""A `scorecard` command leaves nothing behind when it ends, however it ends.

    with runtime.leave_nothing_behind():
        ...the command...

- **One run folder.** Every temporary file of the command, and of the processes it starts,
  lives in <tmp>/scorecard-run-<pid>/ (TMPDIR points there, so libraries' temporary files land
  there too: Great Expectations' docs site, Prefect's result storage). It is removed when the
  command ends; run folders of commands no longer running (killed) are removed when the next
  command starts.
- **Stopping is orderly.** SIGTERM and SIGHUP stop the command as Ctrl-C does: a Stopped
  exception (a KeyboardInterrupt) unwinds every `with` block, so the month's lock is released,
  a half-written version is removed and the processes below are stopped. A second signal, or
  an orderly stop that takes longer than STOP_GRACE_SECONDS, ends the command at once, after
  killing its processes and removing its run folder.
- **A stop is never lost.** A stop raised where it cannot propagate (the handler runs wherever
  the main thread is, e.g. in a weakref callback of the garbage collector) is raised again
  (_on_unraisable); one that a library turns into its own error (DuckDB, pydantic) still ends
  the command as a stop; one swallowed on the way ends it at a checkpoint (stop_if_asked), or
  when the grace period is over.
- **Processes die with the command.** Even killed by SIGKILL, on Linux (child_processes.py:
  the temporary Prefect server, prefect_api.py; a one-machine region's server and workers,
  region/local.py). At the end the command stops them itself, with the stops registered by
  on_stop(), so none is left once the command has returned. A process is started under
  starting_process(), so that none starts once the command is ending.
- **The program around it** (cli.main): a stop before the command or after it has returned
  (while Python runs the libraries' exit handlers) is handled too (on_program_stop).

One piece, over 400 lines: the run folder, the stop signals and the end of the command share
one state (_Session) and its lock, and each step of the end depends on the others' order.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

RUN_FOLDER_PREFIX = "scorecard-run-"
_RUN_FOLDER_NAME = re.compile(rf"^{RUN_FOLDER_PREFIX}(\d+)(-.+)?$")
OWNER_FILE = ".owner"  # the owning process's start time: a pid alone can be reused
# After a stop signal, how long the orderly stop may take before the command ends at once.
STOP_GRACE_SECONDS = 15.0
STOP_SIGNALS = ("SIGTERM", "SIGHUP")  # handled as Ctrl-C (SIGINT) is


class Stopped(KeyboardInterrupt):
    """The command was asked to stop (Ctrl-C, SIGTERM or SIGHUP). A KeyboardInterrupt, so that
    the libraries stop as they do for Ctrl-C (Prefect marks its flow run as crashed)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # the shell's convention: 130 for Ctrl-C, 143 for SIGTERM

    def message(self) -> str:
        how = "by Ctrl+C" if self.signum == signal.SIGINT else f"by {signal.Signals(self.signum).name}"
        return f"Stopped {how}. Nothing half-written is left: a month is published whole or not at all."


def stopped_message(interrupt: KeyboardInterrupt) -> tuple[str, int]:
    """The one line to print for a stop, and the exit code (a plain KeyboardInterrupt is Ctrl-C)."""
    stop = interrupt if isinstance(interrupt, Stopped) else Stopped(signal.SIGINT)
    return stop.message(), stop.exit_code


class _Session:
    """What leave_nothing_behind() set up, and what ends with it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.Lock()  # taken to start a process, and to end the session
        self.closed = False
        self.stop_callbacks: list[Callable[[], None]] = []  # orderly, last registered first
        self.kill_pids: set[int] = set()  # killed at once by a forced stop
        self.stop_signal: int | None = None
        self.stop_timer: threading.Timer | None = None  # ends the command if stopping takes too long
        self.quietened: dict = {}  # console log handler -> its level before the stop
        self.raising_again, self.hook_returned = False, True  # a dropped stop raised again (_raise_again)
        self.saved_unraisable_hook = sys.unraisablehook


_session: _Session | None = None


@contextlib.contextmanager
def leave_nothing_behind() -> Iterator[Path]:
    """Run the block in a run folder of its own (yielded; TMPDIR and tempfile point at it),
    with SIGTERM and SIGHUP stopping it as Ctrl-C does; at the end stop every process it
    registered and remove the folder. Run folders of dead commands are removed first.
    Re-entrant: a block inside another yields the outer folder."""
    global _session
    if _session is not None and not _session.closed:
        yield _session.folder
        return
    base = Path(tempfile.gettempdir())
    clear_leftovers(base)
    session = _Session(_make_run_folder(base))
    saved_tmpdir, saved_tempdir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = str(session.folder)  # for the processes the command starts
    tempfile.tempdir = str(session.folder)  # for this one (gettempdir() caches its answer)
    saved_handlers = _install_stop_handlers()
    sys.unraisablehook = _on_unraisable
    _session = session
    try:
        yield session.folder
    except BaseException as error:
        signum = session.stop_signal if session.stop_signal is not None else _stop_signal_of(error)
        if signum is not None and not isinstance(error, (KeyboardInterrupt, GeneratorExit)):
            # The stop came out as another exception (a library wrapped it, or Prefect's own
            # TerminationSignal): the command was stopped all the same.
            raise Stopped(signum) from error
        raise
    finally:
        with session.lock:
            session.closed = True  # no process starts from now on
        try:
            _stop_everything(session)
        finally:
            if session.stop_timer is not None:
                session.stop_timer.cancel()
            for handler, level in session.quietened.items():
                handler.setLevel(level)
            _restore_handlers(saved_handlers)
            sys.unraisablehook = session.saved_unraisable_hook
            _restore_environment("TMPDIR", saved_tmpdir)
            tempfile.tempdir = saved_tempdir
            shutil.rmtree(session.folder, ignore_errors=True)
            _session = None


@contextlib.contextmanager
def starting_process() -> Iterator[bool]:
    """Hold while starting a process that must not outlive the command: yields False once the
    command is ending (then start nothing), True otherwise (and always outside a session). The
    end of the command waits until the start is over, so it then stops what was started."""
    session = _session
    if session is None:
        yield True
        return
    with session.lock:
        yield not session.closed


def in_session() -> bool:
    """True inside leave_nothing_behind(), until the command starts ending."""
    return _session is not None and not _session.closed


def stop_if_asked() -> None:
    """A checkpoint before a month is published (publish.versions): raise Stopped if a stop was asked
    for. Work only gets here after a stop if a library swallowed it (an `except BaseException`
    that does not re-raise); the run would otherwise carry on until the grace period ends."""
    session = _session
    if session is not None and not session.closed and session.stop_signal is not None:
        raise Stopped(session.stop_signal)


def on_stop(callback: Callable[[], None], pid: int | None = None) -> None:
    """Call callback (an orderly stop) when the command ends, and kill pid at once if the
    command has to end without waiting. Outside a session nothing is registered: the caller's
    own clean-up (e.g. atexit) applies."""
    if _session is None or _session.closed:
        return
    _session.stop_callbacks.append(callback)
    if pid is not None:
        _session.kill_pids.add(pid)


# ---------------------------------------------------------------------------------------------
# The program around the command


_program_exit_code: int | None = None  # set once the command has returned


def handle_stops_for_the_program() -> None:
    """For the `scorecard` process as a whole, outside leave_nothing_behind (which handles the
    stop signals its own way while it runs): before the command has returned, Ctrl-C, SIGTERM
    and SIGHUP raise Stopped (one line, exit 128 + the signal); after (the_program_ends_with),
    they end the process at once (on_program_stop), and the process ends after the libraries'
    exit handlers (_end_the_process). Call first, from the main thread."""
    if threading.current_thread() is threading.main_thread():
        _install_handlers(on_program_stop)
        atexit.register(_end_the_process)  # before any library registers its own: runs after them


def the_program_ends_with(exit_code: int) -> None:
    """The command has returned exit_code: only Python's exit is left."""
    global _program_exit_code
    _program_exit_code = exit_code


def on_program_stop(signum: int, frame) -> None:
    """Once the command has returned, only Python's exit is left (libraries' exit handlers:
    Prefect sends its last log lines); everything the command started is stopped and its run
    folder removed. A stop then ends the process at once with the command's own exit code:
    otherwise Python would print a traceback from inside an exit handler, or die of the
    signal, after the command had printed its outcome."""
    if _program_exit_code is None:
        raise Stopped(signum)
    _exit_now(_program_exit_code)


def _end_the_process() -> None:
    """The last exit handler: end the process here, with the command's exit code. Python's own
    finalization, which would follow, first restores the default action of each signal, then
    frees every module (Prefect, pandas, ...): a stop in that time would kill the process (exit
    -15 after the command printed that the month was published)."""
    if _program_exit_code is not None:  # else the command did not return (an unexpected error)
        _exit_now(_program_exit_code)


def _exit_now(exit_code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(exit_code)


# ---------------------------------------------------------------------------------------------
# The run folder


def clear_leftovers(base: Path) -> list[Path]:
    """Remove run folders in base whose command is no longer running (it was killed); returns
    them. Only folders owned by this user, never a symlink."""
    removed = []
    try:
        candidates = list(base.iterdir())
    except OSError:
        return removed
    for folder in candidates:
        match = _RUN_FOLDER_NAME.match(folder.name)
        if not match:
            continue
        try:
            info = folder.lstat()
        except OSError:
            continue
        if not folder.is_dir() or folder.is_symlink() or info.st_uid != os.getuid():
            continue
        if _owner_running(int(match.group(1)), folder):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _make_run_folder(base: Path) -> Path:
    folder = base / f"{RUN_FOLDER_PREFIX}{os.getpid()}"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:  # not ours to reuse (e.g. another user's): a unique name instead
        folder = Path(tempfile.mkdtemp(prefix=f"{RUN_FOLDER_PREFIX}{os.getpid()}-", dir=base))
    (folder / OWNER_FILE).write_text(_start_time(os.getpid()) or "")
    return folder


def process_running(pid: int) -> bool:
    """Whether a process with this pid runs on this machine (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_running(pid: int, folder: Path) -> bool:
    if pid == os.getpid():  # a dead command's with this pid, unless it is this command's own
        return _session is not None and _session.folder == folder
    if not process_running(pid):
        return False
    try:
        recorded = (folder / OWNER_FILE).read_text().strip()
    except OSError:
        return True  # being created, or unknown: keep it
    current = _start_time(pid)
    return not (recorded and current and recorded != current)  # a new process with an old pid


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2:].split()[19]


def _restore_environment(key: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value


# ---------------------------------------------------------------------------------------------
# Stop signals


def _install_stop_handlers() -> dict[int, object]:
    if threading.current_thread() is not threading.main_thread():
        return {}  # signal handlers can only be set in the main thread
    return _install_handlers(on_stop_signal)


def _install_handlers(handler) -> dict[int, object]:
    """handler for Ctrl-C (SIGINT) and STOP_SIGNALS; returns the handlers before."""
    saved = {}
    for name in ("SIGINT", *STOP_SIGNALS):
        number = getattr(signal, name, None)
        if number is not None:
            saved[number] = signal.signal(number, handler)
    return saved


def _restore_handlers(saved: dict[int, object]) -> None:
    for number, handler in saved.items():
        with contextlib.suppress(ValueError, TypeError):
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)


def on_stop_signal(signum: int, frame) -> None:
    """The handler of Ctrl-C, SIGTERM and SIGHUP (and of SIGTERM in the command's Prefect flow
    runs: prefect_api.command_handles_stops): note the stop and raise Stopped."""
    session = _session
    if session is not None and session.raising_again:
        session.raising_again = False  # the stop noted before, raised again: not a second signal
    else:
        stop_requested(signum)
    if session is not None and not session.closed:  # while it is ending, let the end finish
        raise Stopped(signum)


def _on_unraisable(unraisable) -> None:
    """sys.unraisablehook while the command runs. A stop raised where it cannot propagate (the
    handler ran in a finalizer or a weakref callback) is dropped: Python prints "Exception
    ignored in ..." and the run carries on. Instead, quietly, the signal is sent again."""
    session = _session
    signum = _stop_signal_of(unraisable.exc_value)
    if session is None or session.closed or signum is None or threading.current_thread() is not threading.main_thread():
        (session.saved_unraisable_hook if session is not None else sys.__unraisablehook__)(unraisable)
        return
    if session.stop_signal is None:  # raised by a handler other than the command's (Prefect's)
        stop_requested(signum)
    session.raising_again, session.hook_returned = True, False
    threading.Thread(target=_raise_again, args=(session, signum), name="scorecard-stop", daemon=True).start()
    session.hook_returned = True  # the hook's last step: no signal handler runs between it and the return


def _raise_again(session: _Session, signum: int) -> None:
    """Send the signal to the main thread once _on_unraisable has returned (inside it, the stop
    would be dropped again): the main thread lets this one run only where it checks for
    signals, and there is none between the hook's last step and its return. Under the lock:
    never once the command is ending (and puts the default handlers back)."""
    deadline = time.monotonic() + 5.0
    while not session.hook_returned and time.monotonic() < deadline:
        time.sleep(0.001)
    with session.lock:
        if not session.closed:
            signal.pthread_kill(threading.main_thread().ident, signum)


def _stop_signal_of(error: BaseException | None) -> int | None:
    """The signal a stop's exception stands for, else None. Prefect's TerminationSignal (raised
    by its SIGTERM handler in flow runs) is recognised by name: this module never imports it."""
    if isinstance(error, KeyboardInterrupt):
        return error.signum if isinstance(error, Stopped) else int(signal.SIGINT)
    is_prefects = type(error).__name__ == "TerminationSignal" and isinstance(getattr(error, "signal", None), int)
    return error.signal if is_prefects else None


def stop_requested(signum: int) -> None:
    """Note a stop signal: the first starts the grace period (after it, or at a second signal,
    the command ends at once) and quietens the console's log handlers, so that the stop is
    reported in one line (libraries report a stop as a crash, with tracebacks; their other log
    handlers, e.g. Prefect's to its server, still record it). For handlers of others that stop
    in their own way (Prefect's runner): call this, then let them stop."""
    session = _session
    if session is None:
        return
    if session.stop_signal is not None:
        _end_at_once(session, signum)
    session.stop_signal = signum
    session.quietened = _quieten_console_logging()
    session.stop_timer = threading.Timer(STOP_GRACE_SECONDS, _end_at_once, args=(session, signum))
    session.stop_timer.daemon = True
    session.stop_timer.start()


def _quieten_console_logging() -> dict:
    """Silence every console log handler; returns their levels before, to restore them."""
    import logging

    loggers = [logging.getLogger(), *(logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger))]
    before = {}
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
                before.setdefault(handler, handler.level)
                handler.setLevel(logging.CRITICAL + 1)
    return before


def _end_at_once(session: _Session, signum: int) -> None:
    """The orderly stop did not finish (or a second signal came): kill the command's processes,
    remove its run folder and exit now. A half-written version stays hidden until the next run
    of the month removes it."""
    if session.closed and _session is not session:
        return  # the orderly stop finished meanwhile
    for pid in list(session.kill_pids):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(session.folder, ignore_errors=True)
    stop = Stopped(signum)
    with contextlib.suppress(Exception):
        sys.stderr.write(f"\n{stop.message()}\n")
    _exit_now(stop.exit_code)


def _stop_everything(session: _Session) -> None:
    """The orderly end: the registered stops, last first."""
    for callback in reversed(session.stop_callbacks):
        try:
            callback()
        except Exception:  # noqa: BLE001 - stop the rest regardless (they end at exit anyway)
            pass
