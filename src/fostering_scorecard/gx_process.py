"""Start Great Expectations' validation process as early as a command can (validation/
suite_process.py says what it does).

Kept apart, and light, so that `scorecard run` can start it before importing anything heavy: its
4-second import then runs on the other core from the command's first tenth of a second, while
this process imports pandas, DuckDB and the run spine and reads the extracts. The process is
tied to the command like every process it starts (child_processes.py, runtime.py).

On Linux the process has two workers, each answering the requests of its own pair of pipes (a
lane): the second is forked from the first once Great Expectations is imported, so it costs no
second import, and the two check the extracts' suites side by side while the command waits.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import BinaryIO

from . import child_processes, runtime

MODULE = "fostering_scorecard.validation.suite_process"
# Workers of the process: a second one is forked (Linux: fork after the import is safe there, and
# its parent-death signal ties it to the first).
WORKERS = 2 if sys.platform.startswith("linux") else 1
# numpy's maths libraries start no threads of their own (the process does no matrix work), so
# the process runs one thread and may fork; Great Expectations' telemetry off.
WORKER_ENVIRONMENT = {"GX_ANALYTICS_ENABLED": "false", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass
class Launched:
    """The validation process, and the pipes of each of its workers: (requests, answers)."""

    process: subprocess.Popen
    lanes: list[tuple[BinaryIO, BinaryIO]]

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        stop(self.process)
        for _requests, answers in self.lanes:  # the requests' ends are closed by their writers
            answers.close()


_early: Launched | None = None


def launch() -> Launched | None:
    """`python -m fostering_scorecard.validation.suite_process`, with a pair of pipes per worker
    (the first worker's are its standard input and output); killed when the command ends (it
    holds nothing to save). None once the command is ending."""
    extra = [(os.pipe(), os.pipe()) for _ in range(WORKERS - 1)]  # ((requests r, w), (answers r, w))
    child_ends = [fd for requests, answers in extra for fd in (requests[0], answers[1])]
    our_ends = [fd for requests, answers in extra for fd in (requests[1], answers[0])]
    process = None
    try:
        with runtime.starting_process() as allowed:
            if allowed:
                process = subprocess.Popen(  # noqa: PLW1509 - preexec_fn: from the main thread, before the work
                    [sys.executable, "-m", MODULE, *(f"{requests[0]},{answers[1]}" for requests, answers in extra)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,  # its libraries' log lines; failures come back as answers
                    env={**os.environ, **WORKER_ENVIRONMENT},
                    process_group=0,  # Ctrl-C is for the command, which then ends this process
                    pass_fds=child_ends,
                    preexec_fn=child_processes.die_with_this_thread(),
                )
                # Registered before the command can start ending (it waits for this block).
                runtime.on_stop(lambda: stop(process), pid=process.pid)
                atexit.register(stop, process)  # outside a command's session
    finally:
        for fd in child_ends + (our_ends if process is None else []):
            os.close(fd)
    if process is None:
        return None
    lanes = [(process.stdin, process.stdout)]
    lanes += [(open(requests[1], "wb"), open(answers[0], "rb")) for requests, answers in extra]
    return Launched(process, lanes)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def start_early() -> None:
    """Launch the process now, for the command's validation step to take (take())."""
    global _early
    if "great_expectations" in sys.modules:  # already imported: nothing to gain, it runs here
        return
    if _early is None or not _early.running():
        _early = launch()


def take() -> Launched | None:
    """The process start_early() launched, if it is still running (once: the taker owns it)."""
    global _early
    launched, _early = _early, None
    return launched if launched is not None and launched.running() else None
