"""A backfill's packs written in a process of their own, two months at a time.

A month's pack (writer.write_pack: charts, both PDFs, both workbooks, the HTML) is most of the
time a backfilled month takes, and it is Python work: one process writes one pack at a time.
A backfill therefore hands each month's pack to this process, which has two workers (the
second forked once the writers are imported: worker_process.py), while the command computes
the next months and publishes the months in order (run.MonthsInFlight). A single month
(`scorecard run`) writes its pack itself: starting the process would cost more than it saves.

- Each worker writes exactly what write_pack writes in the command's process, into the hidden
  folder of the version being written (tests/test_publish.py: a backfilled month is
  byte-identical to the month run alone). The figures travel through the pipes only.
- If the process ends before answering (killed from outside, out of memory) or a pack fails
  there, the command writes that pack itself: the same files, and a failure then raises its
  own error in the command, as without this process.

Run as `python -m fostering_scorecard.pack.pack_process` (worker_process.launch) only.
"""

from __future__ import annotations

import gc
import pickle
import sys
import threading
from pathlib import Path

from .. import runtime, worker_process
from ..errors import RunProblem
from ..worker_process import Lane

MODULE = "fostering_scorecard.pack.pack_process"
WORKERS = 2  # 0: every pack written in the command's process (tests that replace write_pack set it)


class PackProcessEnded(RunProblem):
    """The pack process ended before answering (killed, out of memory)."""


class PackProcess:
    """The command's pack writers. submit() hands the packs to the workers in turn."""

    def __init__(self) -> None:
        self.launched = worker_process.launch(MODULE, WORKERS)
        self._lanes = [] if self.launched is None else [
            Lane(requests, answers, lambda: PackProcessEnded("the pack process ended before answering"))
            for requests, answers in self.launched.lanes
        ]
        self._choosing = threading.Lock()
        if self.launched is not None:
            runtime.on_stop(self.close)  # the writer threads and pipes end with the command

    def submit(self, folder: Path, ctx, rows: list[dict], history: list[dict], quality_rows: list[dict],
               breakdowns: list[dict] | None = None, release=None) -> PendingPack:
        """Start writing the pack (write_pack's arguments) into folder; result() waits for it."""
        request = (Path(folder), ctx, rows, history, quality_rows, breakdowns, release)
        lanes = [lane for lane in self._lanes if not lane.broken]
        if not lanes or not self.launched.running():
            return PendingPack(None, 0, request)  # written here, when waited for
        with self._choosing:
            # In turn: packs cost about the same and are waited for in the order sent, so each
            # worker starts the next pack as soon as it has written its last.
            lane = min(lanes, key=lambda lane: lane.sent)
            try:
                number = lane.send(request)
            except (pickle.PicklingError, TypeError, AttributeError):  # figures that cannot be pickled: written here
                return PendingPack(None, 0, request)
        return PendingPack(lane, number, request)

    def close(self) -> None:
        """End the process: it holds nothing to save (a pack being written is in a hidden folder
        that is never published unless the command finishes it)."""
        for lane in self._lanes:
            lane.close()
        if self.launched is not None:
            self.launched.stop()

    def __enter__(self) -> PackProcess:
        return self

    def __exit__(self, *_) -> None:
        self.close()


class PendingPack:
    """A pack being written by the pack process (or, without one, to be written here)."""

    def __init__(self, lane: Lane | None, number: int, request: tuple) -> None:
        self._lane, self._number, self._request = lane, number, request

    def result(self) -> None:
        """Wait for the pack. If the process could not write it, it is written here."""
        if self._lane is not None:
            try:
                kind, _detail = self._lane.answer(self._number)
            except PackProcessEnded:
                runtime.stop_if_asked()
                kind = "ended"
            if kind == "ok":
                return
        # Ended, or failed there: written here, so a failure raises its own error in this process.
        from .. import pack

        pack.write_pack(*self._request)


# ---------------------------------------------------------------------------------------------
# The process itself


def main(argv: list[str]) -> None:
    """The process: import the pack's writers, then write the packs it is sent
    (worker_process.serve)."""
    from .writer import load_writers, write_pack

    load_writers()
    gc.freeze()  # the libraries stay: the collector need not walk them after each pack
    worker_process.serve(argv, lambda: write_pack)


if __name__ == "__main__":
    main(sys.argv[1:])
