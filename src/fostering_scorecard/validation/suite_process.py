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
import os
import pickle
import queue
import signal
import sys
import threading
from typing import BinaryIO

import pandas as pd

from .. import child_processes, gx_process, runtime
from ..errors import RunProblem
from ..definitions import Extract
from .gx_adapter import Pending, SuiteRunner, Suites, failures_from, in_this_process, suite_request


class SuiteProcessError(RuntimeError):
    """Great Expectations could not check a suite in its process (as in-process, a fault of the
    suite or of Great Expectations, not of the data)."""


class SuiteProcessEnded(RunProblem):
    """The process ended before answering (killed, out of memory)."""


class _Lane:
    """One worker's pair of pipes: requests written by a thread (a write can wait while the
    worker finishes importing: a pipe holds 64 KiB), answers read in the order asked."""

    def __init__(self, requests: BinaryIO, answers: BinaryIO, ended) -> None:
        self.requests, self.answers, self._ended = requests, answers, ended
        self.outbox: queue.Queue = queue.Queue()
        self.sending = threading.Lock()  # a request's number and its place in the queue agree
        self.reading = threading.Lock()  # one reader of the answers at a time
        self.sent = self.received = 0
        self.expectations = 0  # sent so far: the measure of a lane's work
        self.kept: dict[int, tuple] = {}
        self.broken = False  # a read was cut short: the stream can no longer be trusted
        threading.Thread(target=self._write_requests, name="scorecard-suite-requests", daemon=True).start()

    def send(self, request: tuple) -> int:
        with self.sending:
            number, self.sent = self.sent, self.sent + 1
            self.expectations += len(request[2]["expectations"])
            self.outbox.put(request)
        return number

    def answer(self, number: int) -> tuple:
        """The answer to request `number` (in order: earlier answers are kept for their askers)."""
        with self.reading:
            while number not in self.kept:
                if self.broken:
                    raise SuiteProcessEnded(self._ended())
                try:
                    answer = pickle.load(self.answers)
                except BaseException as error:
                    # Cut short (a stop, the process killed) or out of step: no later answer
                    # can be trusted to be the one asked for.
                    self.broken = True
                    if isinstance(error, Exception):
                        raise SuiteProcessEnded(self._ended()) from None
                    raise
                self.kept[self.received] = answer
                self.received += 1
            return self.kept.pop(number)

    def close(self) -> None:
        self.outbox.put(None)

    def _write_requests(self) -> None:
        try:
            while (request := self.outbox.get()) is not None:
                pickle.dump(request, self.requests, protocol=pickle.HIGHEST_PROTOCOL)
                self.requests.flush()
        except (OSError, ValueError):
            pass  # the process ended: the reader reports why
        finally:
            try:
                self.requests.close()
            except OSError:
                pass


class SuiteProcess(Suites):
    """The suite runner of a command, as gx_adapter.SuiteRunner, with Great Expectations working
    in the process gx_process launched. Each extract goes to the worker with the fewest
    expectations to check so far."""

    def __init__(self, launched: gx_process.Launched | None = None) -> None:
        """Talk to `launched` (started early by the command), or to a process launched now."""
        self.launched = launched or gx_process.launch()
        if self.launched is None:
            raise SuiteProcessEnded("the command is ending: no validation process was started")
        self._lanes = [_Lane(requests, answers, self._ended) for requests, answers in self.launched.lanes]
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
            lane = min(self._lanes, key=lambda lane: lane.expectations)
            number = lane.send(request)
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
    def __init__(self, lane: _Lane, number: int, extract: Extract, typed: pd.DataFrame, suite: dict, extract_date: dt.date) -> None:
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
    """The process: import Great Expectations, fork a worker for each further lane ("r,w": the
    file descriptors of its requests and answers, from gx_process.launch), then answer the
    requests of the first lane (standard input and output) until the command closes it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the command, which ends this
    answers = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)  # a library's print cannot break the answers
    os.close(devnull)
    lanes = [tuple(int(fd) for fd in lane.split(",")) for lane in argv]
    import great_expectations  # noqa: F401 - before the fork, so the workers share one import

    if _only_thread():  # forked before any Great Expectations context exists
        for requests_fd, answers_fd in lanes:
            _fork_worker(requests_fd, answers_fd, answers)
        _serve(sys.stdin.buffer, answers, SuiteRunner(), None)
        return
    # Forking is not safe (another thread runs): this process answers every lane, one suite at a time.
    runner, one_at_a_time = SuiteRunner(), threading.Lock()
    for requests_fd, answers_fd in lanes:
        lane = (os.fdopen(requests_fd, "rb"), os.fdopen(answers_fd, "wb"))
        threading.Thread(target=_serve, args=(*lane, runner, one_at_a_time), daemon=True).start()
    _serve(sys.stdin.buffer, answers, runner, one_at_a_time)


def _only_thread() -> bool:
    """True when this process runs one thread, counted by the kernel (native threads included:
    gx_process.launch keeps numpy's maths libraries to one), so that forking it is safe."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _fork_worker(requests_fd: int, answers_fd: int, first_answers: BinaryIO) -> None:
    """Answer a lane in a forked worker: it shares the imported libraries and makes its own Great
    Expectations context. It keeps no end of the first lane's pipes, so the command sees them
    close when the first worker ends; it is killed when the first worker ends."""
    parent = os.getpid()
    if os.fork() == 0:
        try:
            child_processes.die_with_parent(parent)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)  # the first lane's requests are not this worker's to read
            os.close(devnull)
            first_answers.close()
            _serve(os.fdopen(requests_fd, "rb"), os.fdopen(answers_fd, "wb"), SuiteRunner(), None)
        finally:
            os._exit(0)
    os.close(requests_fd)
    os.close(answers_fd)


def _serve(requests: BinaryIO, answers: BinaryIO, runner, one_at_a_time) -> None:
    while True:
        try:
            request = pickle.load(requests)
        except (EOFError, OSError, pickle.UnpicklingError):
            return  # the command closed the pipe, or ended (perhaps while writing)
        try:
            if one_at_a_time is None:
                answer = ("ok", runner.outcomes(*request))
            else:
                with one_at_a_time:
                    answer = ("ok", runner.outcomes(*request))
        except Exception as error:  # noqa: BLE001 - sent back, and raised there
            answer = ("error", f"{type(error).__name__}: {error}")
        pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
