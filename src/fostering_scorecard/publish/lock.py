"""One run per month at a time: an exclusive lock on one month of one output folder
(<output>/.locks/<month>.lock).

The operating system releases the lock when the process ends for any reason, so a killed run
never leaves a stale lock. Different months lock separately and run side by side."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from ..errors import RunProblem
from .files import private_mkdir

LOCKS = ".locks"  # the lock files' folder inside an output folder


class MonthLocked(RunProblem):
    """Another run of the same month is in progress."""


@contextlib.contextmanager
def month_lock(output_dir: Path, month: str):
    """Hold the month's lock for the block, or raise MonthLocked at once if another run holds
    it. Not re-entrant: a run takes it once, around everything it writes for the month (taking
    it again while holding it is refused as another run would be)."""
    folder = Path(output_dir) / LOCKS
    private_mkdir(folder)
    fd = os.open(folder / f"{month}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            raise MonthLocked(
                f"another run of {month} is already writing to {output_dir} ({holder}). "
                "Wait for it to finish, then run again if you still need to."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()}".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
