"""The processes a `scorecard` command starts die with it, however it ends.

- die_with_this_thread() (for the temporary Prefect server) and die_with_parent() (for the
  pack's workers): on Linux the kernel kills the child when its parent dies, even by SIGKILL
  (prctl PR_SET_PDEATHSIG). Elsewhere only the orderly stop below applies.
- stop_multiprocessing_helpers(): the forkserver and the resource tracker that multiprocessing
  starts for the pack's workers end on their own only a moment after the command; this stops
  them, and removes multiprocessing's temporary folder, before it returns. It reads
  multiprocessing's private state (checked by tests/test_runtime.py): there is no public
  way to stop them. Should that state change, they end a moment after the command, as
  before.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_this_thread() -> Callable[[], None] | None:
    """A preexec_fn for subprocess.Popen: on Linux, the child is killed (SIGKILL) when the
    thread that starts it ends (the command's main thread: when the command ends, whatever
    ends it). None where the kernel offers no parent-death signal, or off the main thread (a
    worker thread ends long before the command)."""
    prctl = _prctl()
    if prctl is None or threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()

    def in_child() -> None:  # between fork and exec: no imports, no locks
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
        if os.getppid() != parent:  # the command died before the signal was set
            os._exit(1)

    return in_child


def die_with_parent(parent: int) -> None:
    """In a child process: be killed (SIGKILL) when the parent process `parent` ends (Linux;
    elsewhere nothing). Exits at once if the parent has already gone."""
    prctl = _prctl()
    if prctl is None:
        return
    prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent:
        os._exit(1)


def _prctl():
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # here: importing this module stays quick (the command's --help)
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


def stop_multiprocessing_helpers(timeout: float = 5.0) -> None:
    """Stop the forkserver and the resource tracker this process started (they would otherwise
    end a moment after it), and remove multiprocessing's temporary folder (pymp-*). Call once
    no worker process is needed any more."""
    forkserver = sys.modules.get("multiprocessing.forkserver")
    if forkserver is not None:
        server = forkserver._forkserver
        with server._lock:
            pid, alive_fd, address = server._forkserver_pid, server._forkserver_alive_fd, server._forkserver_address
            if pid is not None:
                os.close(alive_fd)  # the server exits at end of file on this pipe
                _wait_or_kill(pid, timeout)
                with contextlib.suppress(OSError, TypeError):
                    os.unlink(address)
                server._forkserver_pid = server._forkserver_alive_fd = server._forkserver_address = None
    tracker_module = sys.modules.get("multiprocessing.resource_tracker")
    if tracker_module is not None:
        tracker = tracker_module._resource_tracker
        with tracker._lock:
            pid, fd = tracker._pid, tracker._fd
            if pid is not None and fd is not None:
                os.close(fd)  # the tracker cleans up what is left and exits at end of file
                _wait_or_kill(pid, timeout)
                tracker._fd = tracker._pid = None
    util = sys.modules.get("multiprocessing.util")
    if util is not None:  # pymp-*: its remover would otherwise run at exit, after the folder is gone
        for finalizer in list(util._finalizer_registry.values()):
            if getattr(finalizer, "_callback", None) is util._remove_temp_dir:
                with contextlib.suppress(Exception):
                    finalizer()


def kill_multiprocessing_helpers() -> None:
    """For a forced stop: kill the forkserver (its workers die with it) and the tracker."""
    forkserver = sys.modules.get("multiprocessing.forkserver")
    tracker_module = sys.modules.get("multiprocessing.resource_tracker")
    pids = [
        forkserver._forkserver._forkserver_pid if forkserver else None,
        tracker_module._resource_tracker._pid if tracker_module else None,
    ]
    for pid in pids:
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _wait_or_kill(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done:
            return
        if time.monotonic() > deadline:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            return
        time.sleep(0.02)
