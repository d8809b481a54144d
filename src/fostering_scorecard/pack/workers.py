"""Worker processes that draw the pack's charts and make its workbooks while this process writes
the PDF text pages (PackWorkers), the forkserver they start from, and whether the entry point
allows them at all (allow_worker_processes).

They never outlive the command, however it ends (runtime.py):
- the forkserver is started with Ctrl-C blocked (it is inherited by the workers too): Ctrl-C
  reaches every process in the terminal's process group, and these would print tracebacks;
  the command stops them itself;
- each worker closes its copy of the pipe that keeps the forkserver up, so the forkserver ends
  as soon as the command does (even killed), and asks the kernel to kill it when the
  forkserver ends (runtime.die_with_parent);
- on an error or a stop, the workers are killed rather than waited for; at the command's end
  the forkserver and multiprocessing's resource tracker are stopped (runtime.py);
- each chart or workbook asked for is a checkpoint: a stop that a library swallowed on the
  way (runtime.stop_if_asked) ends the pack there, before the month can be published.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Self

from .. import child_processes, runtime
from .chart_specs import ChartSpec
from .view import PackView

# Charts and workbooks are made in this many worker processes while this one writes the PDF text
# pages; this process also takes queued jobs rather than wait, so two suit a 2-core machine.
WORKER_PROCESSES = 2
# Worker processes are used only where the entry point allows them (the scorecard command, the
# flows, the benchmark): multiprocessing imports the main script again in every worker, which is
# safe only for a script whose work sits under `if __name__ == "__main__"`. Elsewhere (a
# notebook, a quick script) the pack is drawn in this process: slower, the same bytes.
_allowed_worker_processes = 0
# What the worker server imports once for every worker: the modules of the jobs' functions
# (named, not imported here, so that importing the pack stays quick).
DRAWING_MODULES = ["fostering_scorecard.pack.charts", "fostering_scorecard.pack.excel", "openpyxl"]


def allow_worker_processes(count: int = WORKER_PROCESSES) -> None:
    """Allow `count` worker processes where the platform can start them from a forkserver
    (not Windows: there the pack is drawn in this process)."""
    global _allowed_worker_processes
    _allowed_worker_processes = count if "forkserver" in multiprocessing.get_all_start_methods() else 0


def worker_processes_allowed() -> bool:
    return _allowed_worker_processes > 0


class PackWorkers:
    """Makes the workbooks and each distinct chart once, in WORKER_PROCESSES worker processes,
    from the moment it is created; png() and workbook() return the one asked for. A caller that
    would wait makes a job no worker has started instead (the one it wants, else the last queued).

    'forkserver' start (never fork: Prefect runs threads), with the drawing modules preloaded:
    the server starts once per process (about a second, in a background thread so this process
    carries on meanwhile) and forks each worker ready to draw. Only aggregate figures (the specs
    and views) and the files' bytes cross the in-memory pipes; nothing is written to disk.
    Every file is the same whichever process made it, and the caller assembles them in a fixed
    order."""

    def __init__(self, charts: list[ChartSpec], views: list[PackView]) -> None:
        from .charts import chart_png  # heavy (matplotlib): only when a pack is written
        from .excel import workbook_bytes

        self._jobs: dict[str, tuple] = {}  # key: (function, argument), in submission order
        for view in views:  # first: a workbook takes as long as several charts
            self._jobs.setdefault(f"workbook {view.audience}", (workbook_bytes, view))
        for spec in charts:  # in page order, so the first pages' charts are ready first
            self._jobs.setdefault(chart_key(spec), (chart_png, spec))
        self._futures: dict[str, Future] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._starting = threading.Thread(target=self._start, name="pack-workers", daemon=True)
        if worker_processes_allowed():
            self._starting.start()

    def _start(self) -> None:
        try:
            context = start_worker_server()
            forkserver_pid = multiprocessing.forkserver._forkserver._forkserver_pid
            if forkserver_pid is None:  # the command is ending: start nothing
                raise RuntimeError("the command is ending")
            self._pool = ProcessPoolExecutor(max_workers=_allowed_worker_processes, mp_context=context,
                                             initializer=_worker_starts, initargs=(forkserver_pid,))
            for key, (function, argument) in self._jobs.items():
                self._futures[key] = self._pool.submit(function, argument)
        except Exception as error:  # noqa: BLE001 - any: the pack is then drawn in this process
            logging.getLogger("fostering_scorecard").warning("the pack's worker processes did not start (%s): drawing in this process", error)
            self._futures.clear()

    def _made_here(self, key: str) -> bytes:
        function, argument = self._jobs[key]
        future = self._futures[key] = Future()
        future.set_result(function(argument))
        return future.result()

    def _result(self, key: str) -> bytes:
        runtime.stop_if_asked()  # a stop swallowed on the way (runtime.py) ends the pack here
        if self._starting.ident is not None:  # started: wait until the jobs are submitted
            self._starting.join()
        if key not in self._futures:  # no worker pool: everything is drawn in this process
            return self._made_here(key)
        while not self._futures[key].done():
            for candidate in (key, *reversed(self._jobs)):
                if self._futures[candidate].cancel():  # no worker has started it
                    function, argument = self._jobs[candidate]
                    self._futures[candidate] = Future()
                    self._futures[candidate].set_result(function(argument))
                    break
            else:
                break  # every job left is running: wait for the one wanted
        try:
            return self._futures[key].result()
        except BrokenProcessPool:  # a worker died (e.g. killed, or an unguarded main script)
            return self._made_here(key)

    def png(self, spec: ChartSpec) -> bytes:
        return self._result(chart_key(spec))

    def workbook(self, view: PackView) -> bytes:
        return self._result(f"workbook {view.audience}")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        if self._starting.ident is not None:
            self._starting.join()
        if self._pool is not None:
            if exc_type is not None:  # an error or a stop (Ctrl-C, SIGTERM): no job is waited for
                for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                    process.kill()
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def start_worker_server() -> multiprocessing.context.ForkServerContext:
    """The context PackWorkers fork their workers from, its server started: the server imports
    the drawing modules once (about a second) and this returns without waiting for it, so a
    run can call this early (e.g. while it ingests) and the pack's workers start at once."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(DRAWING_MODULES)
    with runtime.starting_process() as allowed:
        if allowed:
            runtime.folder_for_sockets()
            _start_forkserver_without_ctrl_c()
    return context


def _start_forkserver_without_ctrl_c() -> None:
    """Start the forkserver with SIGINT blocked: the mask is inherited by the server and the
    workers it forks, so Ctrl-C in the terminal reaches only the command, which stops them."""
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()  # first: it sets and clears a signal mask of its own
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _worker_starts(forkserver_pid: int) -> None:
    """Run first in every worker process (module docstring: they never outlive the command)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    server = multiprocessing.forkserver._forkserver
    if getattr(server, "_forkserver_alive_fd", None) is not None:  # its other holder is the command
        os.close(server._forkserver_alive_fd)
        server._forkserver_alive_fd = None
    child_processes.die_with_parent(forkserver_pid)


def chart_key(spec: ChartSpec) -> str:
    """Everything drawn: charts with the same key have the same PNG (the public pack shares the
    internal pack's drawing when suppression changed nothing in a chart)."""
    return repr((spec.kind, spec.title, sorted(spec.data.items())))

