"""The processes a `scorecard` command starts die with it, however it ends.

On Linux the kernel kills such a child when its parent dies, even by SIGKILL (prctl
PR_SET_PDEATHSIG): die_with_this_thread() for a process the command starts (the temporary
Prefect server, prefect_api.py; a one-machine region's server and workers, region/local.py),
die_with_parent() for a process that ties itself to its parent (a region worker's flow run,
flows/region.py). Elsewhere only the command's orderly stop applies (runtime.py).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
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
