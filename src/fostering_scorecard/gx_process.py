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

import sys

from . import worker_process
from .worker_process import Launched

MODULE = "fostering_scorecard.validation.suite_process"
# Workers of the process: a second one is forked once Great Expectations is imported
# (worker_process.py), so it costs no second import.
WORKERS = 2
# Great Expectations' telemetry off.
WORKER_ENVIRONMENT = {"GX_ANALYTICS_ENABLED": "false"}


_early: Launched | None = None


def launch() -> Launched | None:
    """`python -m fostering_scorecard.validation.suite_process` (worker_process.launch); None
    once the command is ending."""
    return worker_process.launch(MODULE, WORKERS, WORKER_ENVIRONMENT)


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
