"""Great Expectations in a process of its own, started when a command begins.

Importing Great Expectations takes about 4 s, the longest part of a council month. Launched
first (gx_process.start_early, from `scorecard run`; otherwise by run.warm_up), this process
imports it on the machine's other core while the command reads, types and key-checks the extracts and loads the pack's writers; the command then sends
each extract's typed columns (gx_adapter.suite_request) and gets back Great Expectations'
verdict on each expectation (gx_adapter.RuleOutcome), from which it makes the findings as the
in-process gx_adapter.SuiteRunner does: the same findings either way (tests/test_suite_process.py).

- The rows travel through the process's pipes only, never through a file; nothing is logged.
- The process dies with the command (gx_process.launch): on Linux the kernel kills it when the
  command's main thread ends, even by SIGKILL; the command's end kills it (runtime.on_stop);
  and it ends by itself when its input closes. It is in its own process group, so Ctrl-C
  stops the command, which then stops it.
- Answers come back in the order the extracts were sent; a request that fails in Great
  Expectations comes back as an error and stops the run, as it would in-process. If the process
  ends before answering (killed from outside, out of memory), the command checks the suites
  itself, in-process: the same findings, only slower.

Run as `python -m fostering_scorecard.validation.suite_process` (gx_process.launch) only.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading

import pandas as pd

from .. import gx_process, runtime, worker_process
from ..errors import RunProblem
from ..worker_process import Lane
from ..definitions import Extract
from .gx_adapter import Pending, SuiteRunner, Suites, failures_from, in_this_process, suite_request


class SuiteProcessError(RuntimeError):
    """Great Expectations could not check a suite in its process (as in-process, a fault of the
    suite or of Great Expectations, not of the data)."""


class SuiteProcessEnded(RunProblem):
    """The process ended before answering (killed, out of memory)."""


class SuiteProcess(Suites):
    """The suite runner of a command, as gx_adapter.SuiteRunner, with Great Expectations working
    in the process gx_process launched. Each extract goes to the worker with the fewest
    expectations to check so far."""

    def __init__(self, launched: gx_process.Launched | None = None) -> None:
        """Talk to `launched` (started early by the command), or to a process launched now."""
        self.launched = launched or gx_process.launch()
        if self.launched is None:
            raise SuiteProcessEnded("the command is ending: no validation process was started")
        self._lanes = [Lane(requests, answers, lambda: SuiteProcessEnded(self._ended())) for requests, answers in self.launched.lanes]
        self._choosing = threading.Lock()
        runtime.on_stop(self.close)  # the writer threads and pipes end with the command

    @property
    def process(self):
        return self.launched.process

    def submit(self, extract: Extract, typed: pd.DataFrame, suite: dict, extract_date: dt.date) -> Pending:
        if typed.empty:
            return Pending([])
        request = suite_request(extract, typed, suite, extract_date)
        with self._choosing:
            lane = min(self._lanes, key=lambda lane: lane.load)
            number = lane.send(request, weight=len(request[2]["expectations"]))
        return _Answer(lane, number, extract, typed, suite, extract_date)

    def running(self) -> bool:
        return self.launched.running() and not any(lane.broken for lane in self._lanes)

    def close(self) -> None:
        """End the process. It holds nothing to save (its temporary files are in the command's run
        folder), so it is killed rather than left to finish an import nobody will use."""
        for lane in self._lanes:
            lane.close()
        self.launched.stop()

    def _ended(self) -> str:
        code = self.process.poll()
        how = "stopped answering" if code is None else f"ended with exit code {code}"
        return f"the Great Expectations validation process {how} before answering"


class _Answer(Pending):
    def __init__(self, lane: Lane, number: int, extract: Extract, typed: pd.DataFrame, suite: dict, extract_date: dt.date) -> None:
        self._lane, self._number = lane, number
        self._extract, self._typed, self._suite, self._extract_date = extract, typed, suite, extract_date

    def result(self) -> list[dict]:
        try:
            kind, detail = self._lane.answer(self._number)
        except SuiteProcessEnded as ended:
            # Killed from outside, or out of memory: unless the command is being stopped, the
            # suite is checked here instead (the same findings; what failed there fails here
            # with its own message).
            runtime.stop_if_asked()
            logging.getLogger(__name__).warning("%s; checking %s in this process instead", ended, self._extract.file)
            return in_this_process().failures(self._extract, self._typed, self._suite, self._extract_date)
        if kind == "error":
            raise SuiteProcessError(f"{self._extract.file}: the suite could not run: {detail}")
        return failures_from(self._extract, self._typed, detail, self._extract_date)


_shared: SuiteProcess | None = None


def start() -> SuiteProcess | None:
    """The command's validation process: the one it launched early, or one launched now. None when
    Great Expectations is already imported here (nothing to gain: it runs in this process) or
    the command is ending."""
    global _shared
    if shared() is None and "great_expectations" not in sys.modules:
        try:
            _shared = SuiteProcess()
        except SuiteProcessEnded:
            _shared = None
    return shared()


def shared() -> SuiteProcess | None:
    """The command's validation process, if it has one running (taking the one gx_process
    launched early, the first time)."""
    global _shared
    if _shared is None or not _shared.running():
        if _shared is not None:
            _shared.close()
        early = gx_process.take()
        _shared = SuiteProcess(early) if early is not None else None
    return _shared


# ---------------------------------------------------------------------------------------------
# The process itself


def main(argv: list[str]) -> None:
    """The process: import Great Expectations, then answer (worker_process.serve), each worker
    with a Great Expectations context of its own."""
    import great_expectations  # noqa: F401 - before the fork, so the workers share one import

    worker_process.serve(argv, lambda: SuiteRunner().outcomes)


if __name__ == "__main__":
    main(sys.argv[1:])
