"""A process of workers that answer a command's requests, tied to the command: used for Great
Expectations' checks (validation/suite_process.py, launched by gx_process.py) and for a
backfill's packs (pack/pack_process.py).

    command                                 python -m <module> r,w ...
      Lane 1: requests -> stdin  ---------->  worker 1 (imports its libraries, then forks:)
              answers  <- stdout <----------
      Lane 2: requests -> pipe   ---------->  worker 2 (forked: no second import)
              answers  <- pipe   <----------

- Requests and answers are pickled through the pipes only, never through a file; a worker
  logs nothing (its standard error goes nowhere, its standard output is kept for answers).
- Each lane answers in the order asked; a read cut short marks the lane broken, so no answer can
  come back out of step. The caller decides what to do when a lane ends (suite_process and
  pack_process do the work in the command's own process instead: the same result, slower).
- The process dies with the command: on Linux the kernel kills it when the command's main thread
  ends, even by SIGKILL (child_processes.py), and its forked workers die with it; the command's
  end kills it (runtime.on_stop); it ends by itself when its requests close. It is in its own
  process group, so Ctrl-C stops the command, which then stops it.
- A worker is forked only while the process runs one thread (counted by the kernel, native
  threads included: numpy's maths libraries are kept to one); otherwise the one process answers
  every lane, one request at a time.

Light on purpose: the command imports this before anything heavy.
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from . import child_processes, runtime

# numpy's maths libraries start no threads of their own (a worker does no matrix work), so a
# worker process runs one thread and may fork.
ONE_THREAD_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# Further workers are forked (Linux: fork after the imports is safe there, and the parent-death
# signal ties them to the first); elsewhere one worker answers every lane.
CAN_FORK_WORKERS = sys.platform.startswith("linux")


@dataclass
class Launched:
    """A worker process, and the pipes of each of its workers: (requests, answers)."""

    process: subprocess.Popen
    lanes: list[tuple[BinaryIO, BinaryIO]]

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        stop(self.process)
        for _requests, answers in self.lanes:  # the requests' ends are closed by their writers
            answers.close()


def launch(module: str, workers: int, environment: dict[str, str] | None = None) -> Launched | None:
    """`python -m <module>` with a pair of pipes per worker (the first worker's are its standard
    input and output); killed when the command ends (a worker holds nothing to save). None once
    the command is ending."""
    workers = workers if CAN_FORK_WORKERS else 1
    extra = [(os.pipe(), os.pipe()) for _ in range(workers - 1)]  # ((requests r, w), (answers r, w))
    child_ends = [fd for requests, answers in extra for fd in (requests[0], answers[1])]
    our_ends = [fd for requests, answers in extra for fd in (requests[1], answers[0])]
    process = None
    try:
        with runtime.starting_process() as allowed:
            if allowed:
                process = subprocess.Popen(  # noqa: PLW1509 - preexec_fn: from the main thread, before the work
                    [sys.executable, "-m", module, *(f"{requests[0]},{answers[1]}" for requests, answers in extra)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,  # its libraries' log lines; failures come back as answers
                    env={**os.environ, **ONE_THREAD_ENVIRONMENT, **(environment or {})},
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


class Lane:
    """One worker's pair of pipes: requests written by a thread (a write can wait while the
    worker finishes importing: a pipe holds 64 KiB), answers read in the order asked.

    ended() gives the error raised when the worker has gone (killed, out of memory) or a read
    was cut short."""

    def __init__(self, requests: BinaryIO, answers: BinaryIO, ended: Callable[[], BaseException]) -> None:
        self.requests, self.answers, self._ended = requests, answers, ended
        self.outbox: queue.Queue = queue.Queue()
        self.sending = threading.Lock()  # a request's number and its place in the queue agree
        self.reading = threading.Lock()  # one reader of the answers at a time
        self.sent = self.received = 0
        self.load = 0  # the work sent so far, as the caller weighs it: which lane to send to next
        self.kept: dict[int, object] = {}
        self.broken = False  # a read was cut short: the stream can no longer be trusted
        threading.Thread(target=self._write_requests, name="scorecard-worker-requests", daemon=True).start()

    def send(self, request: object, weight: int = 1) -> int:
        """Send a request (pickled here, so that one that cannot be pickled raises to the caller
        and never leaves half a request in the pipe); its number, for answer()."""
        pickled = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        with self.sending:
            number, self.sent = self.sent, self.sent + 1
            self.load += weight
            self.outbox.put(pickled)
        return number

    def answer(self, number: int) -> object:
        """The answer to request `number` (in order: earlier answers are kept for their askers)."""
        with self.reading:
            while number not in self.kept:
                if self.broken:
                    raise self._ended()
                try:
                    answer = pickle.load(self.answers)
                except BaseException as error:
                    # Cut short (a stop, the process killed) or out of step: no later answer
                    # can be trusted to be the one asked for.
                    self.broken = True
                    if isinstance(error, Exception):
                        raise self._ended() from None
                    raise
                self.kept[self.received] = answer
                self.received += 1
            return self.kept.pop(number)

    def close(self) -> None:
        self.outbox.put(None)

    def _write_requests(self) -> None:
        try:
            while (pickled := self.outbox.get()) is not None:
                self.requests.write(pickled)
                self.requests.flush()
        except (OSError, ValueError):
            pass  # the process ended: the reader reports why
        finally:
            try:
                self.requests.close()
            except OSError:
                pass


# ---------------------------------------------------------------------------------------------
# In the worker process


def serve(argv: list[str], make_handler: Callable[[], Callable]) -> None:
    """The worker process's main: its libraries already imported by the caller, fork a worker
    for each further lane ("r,w": the file descriptors of its requests and answers, from
    launch), then answer the first lane (standard input and output) until the command closes
    it. make_handler() is called once per worker (after the fork): the handler answers one
    request; an exception it raises is sent back as ("error", "Type: message")."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the command, which ends this
    answers = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)  # a library's print cannot break the answers
    os.close(devnull)
    lanes = [tuple(int(fd) for fd in lane.split(",")) for lane in argv]
    if _only_thread():  # forked before any handler exists
        for requests_fd, answers_fd in lanes:
            _fork_worker(requests_fd, answers_fd, answers, make_handler)
        _serve(sys.stdin.buffer, answers, make_handler(), None)
        return
    # Forking is not safe (another thread runs): this process answers every lane, one request at a time.
    handler, one_at_a_time = make_handler(), threading.Lock()
    for requests_fd, answers_fd in lanes:
        lane = (os.fdopen(requests_fd, "rb"), os.fdopen(answers_fd, "wb"))
        threading.Thread(target=_serve, args=(*lane, handler, one_at_a_time), daemon=True).start()
    _serve(sys.stdin.buffer, answers, handler, one_at_a_time)


def _only_thread() -> bool:
    """True when this process runs one thread, counted by the kernel, so that forking it is safe."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _fork_worker(requests_fd: int, answers_fd: int, first_answers: BinaryIO, make_handler: Callable[[], Callable]) -> None:
    """Answer a lane in a forked worker: it shares the imported libraries and makes its own
    handler. It keeps no end of the first lane's pipes, so the command sees them close when the
    first worker ends; it is killed when the first worker ends."""
    parent = os.getpid()
    if os.fork() == 0:
        try:
            child_processes.die_with_parent(parent)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)  # the first lane's requests are not this worker's to read
            os.close(devnull)
            first_answers.close()
            _serve(os.fdopen(requests_fd, "rb"), os.fdopen(answers_fd, "wb"), make_handler(), None)
        finally:
            os._exit(0)
    os.close(requests_fd)
    os.close(answers_fd)


def _serve(requests: BinaryIO, answers: BinaryIO, handler: Callable, one_at_a_time) -> None:
    while True:
        try:
            request = pickle.load(requests)
        except (EOFError, OSError, pickle.UnpicklingError):
            return  # the command closed the pipe, or ended (perhaps while writing)
        try:
            if one_at_a_time is None:
                answer = ("ok", handler(*request))
            else:
                with one_at_a_time:
                    answer = ("ok", handler(*request))
        except Exception as error:  # noqa: BLE001 - sent back, and raised there
            answer = ("error", f"{type(error).__name__}: {error}")
        pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()
