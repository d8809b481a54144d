"""How a backfill overlaps its months (run.backfill holds their order; this module, the overlap):

- FiguresAhead: each month's figures computed in a thread of their own (DuckDB, which lets go of
  Python's lock) while the month before is published;
- MonthsInFlight: each month's pack written by the pack process (pack/pack_process.py, two
  workers) while later months are computed and drafted, the months published in month order;
- collector_skips_what_lives_on: the garbage collector kept off the long-lived objects while
  months are produced.

Each backfilled month is byte for byte the month run alone (tests/test_backfill_packs.py).
"""

from __future__ import annotations

import collections
import contextlib
import gc
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from . import publish
from .events import Runner
from .models import MonthFigures
from .pack import pack_process
from .periods import shift_month
from .steps import MonthDraft, MonthResult, RunContext, fill_month_cache, finish_draft, for_month, log_outcome
from .validation import ValidatedExtract


@contextlib.contextmanager
def collector_skips_what_lives_on():
    """Python's garbage collector leaves alone, for the block, every object alive when it starts
    (gc.freeze): the libraries, the extracts and their validation, which live until the month is
    published. Writing a pack makes many small objects, and each full collection would walk all
    of those again: a third of a workbook's time in a backfill. Given back to the collector at
    the end, so a long-running process (scorecard serve) keeps nothing it no longer needs."""
    global _frozen_depth
    _frozen_depth += 1
    if _frozen_depth == 1:  # a block inside another leaves the outer one's objects frozen
        gc.freeze()
    try:
        yield
    finally:
        _frozen_depth -= 1
        if _frozen_depth == 0:
            gc.unfreeze()


_frozen_depth = 0


class FiguresAhead:
    """A backfill's months computed in a thread of their own, each month's figures started as
    soon as the month before has its own (after the first, the month-ends of all the others are
    computed at once, in as few passes as can be: steps.fill_month_cache): the next month is computed (in DuckDB, which does not
    hold Python's lock) while this one is published (Python: the charts, the pack's files).

    The one models connection and the cache of month-ends (each month-end computed once, not
    once per trend) are used by that thread alone. A month that turns out already published is
    not waited for; an error or a stop interrupts the month being computed and waits for it, so
    the caller's `with` closes the connection after the thread has let go of it."""

    def __init__(self, base: RunContext, months: list[str], validated: dict[str, ValidatedExtract], con, compute: Callable) -> None:
        """compute: the spine's compute step (steps.compute)."""
        self._base, self._validated, self._con, self._compute = base, validated, con, compute
        self._month_cache: dict = {}
        self._next_month = dict(zip(months, months[1:]))
        self._last = months[-1]
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scorecard-figures-ahead")
        self._started: dict[str, Future] = {}
        self._filled = False

    def figures(self, ctx: RunContext, validated: dict[str, ValidatedExtract]) -> MonthFigures:
        """The month's figures (the compute step of produce_month), then the next month's started.
        ctx is the backfill's for_month(base, month), as the one started ahead was made."""
        future = self._started.pop(ctx.month, None) or self._start(ctx)
        figures = future.result()
        following = self._next_month.get(ctx.month)
        if following is not None:
            self._started[following] = self._start(for_month(self._base, following))
        return figures

    def _start(self, ctx: RunContext) -> Future:
        started = self._pool.submit(self._compute, ctx, self._validated, self._month_cache, self._con)
        if not self._filled:  # after the first month computed: every later month's month-ends, at once
            self._filled = True
            self._pool.submit(fill_month_cache, for_month(self._base, self._last), self._validated, ctx.month, self._month_cache, self._con)
        return started

    def __enter__(self) -> FiguresAhead:
        return self

    def __exit__(self, error_type, *_) -> None:
        if error_type is not None:  # an error or a stop: the month being computed is not wanted
            self._con.interrupt()
        self._pool.shutdown(wait=True, cancel_futures=True)




class MonthsInFlight:
    """A backfill's months between drafted and published. Each month's new version is drafted as
    soon as it is computed (its data-quality report written, its pack handed to the pack
    process: pack/pack_process.py) and published in month order, each once its pack is written,
    while later months are computed and drafted. At most `depth` months wait, one per pack
    worker. A month's plan takes the month before's findings from its draft
    (findings_before), as it would from that month published.

    A month published here is the publish step of the spine (runner.step: a Prefect task; its
    seconds are the wait for the pack and the publishing). An error stops the months after it:
    their drafts are discarded, never published; the audit log keeps month order."""

    def __init__(self, runner: Runner, command: str) -> None:
        self.runner, self.command = runner, command
        self.results: list[MonthResult] = []
        self._drafts: collections.deque = collections.deque()  # (MonthDraft, the month's lock held)
        self.packs: pack_process.PackProcess | None = None  # None: each month's pack written in this process
        self.depth = 0  # months drafted and waiting for their packs

    def start_packs(self, months: int) -> None:
        """Start the pack process for a backfill of `months` months (more than one), once the
        extracts are checked: its libraries import while the first month is computed, which
        writes no pack yet (started before the check, it is no faster: measured)."""
        if self.packs is None and months > 1 and pack_process.WORKERS:
            self.packs = pack_process.PackProcess()
            self.depth = 2 * pack_process.WORKERS  # two packs waiting per worker

    def findings_before(self, month: str) -> publish.Baseline | None:
        """The findings of the previous month's version being drafted here, if it is."""
        if self._drafts and self._drafts[-1][0].month == shift_month(month, -1):
            return self._drafts[-1][0].findings
        return None

    def add(self, draft: MonthDraft, month_lock: contextlib.ExitStack) -> None:
        self._drafts.append((draft, month_lock))
        while len(self._drafts) > self.depth:
            self.finish_oldest()

    def finish_all(self) -> None:
        while self._drafts:
            self.finish_oldest()

    def finish_oldest(self) -> None:
        draft, month_lock = self._drafts.popleft()
        with month_lock:
            try:
                result = self.runner.step("publish", draft.month, finish_draft, draft)
            except BaseException as error:
                log_outcome(draft.ctx, self.command, draft.plan, "failed", detail=type(error).__name__)
                self.discard_all(f"{type(error).__name__} in {draft.month}")
                draft.discard()  # again, now that the pack process has ended (it may have been writing)
                raise
            log_outcome(draft.ctx, self.command, draft.plan, result.status, result)
        self.results.append(result)

    def discard_all(self, why: str) -> None:
        """Every draft not published thrown away (an earlier month failed, or a stop), each
        logged as failed, with why, in month order: the pack process is ended first, so that
        nothing writes into a folder once it is removed."""
        if self.packs is not None:
            self.packs.close()
        while self._drafts:
            draft, month_lock = self._drafts.popleft()
            with month_lock:
                draft.discard()
                log_outcome(draft.ctx, self.command, draft.plan, "failed", detail=f"not published: {why}")

    def __enter__(self) -> MonthsInFlight:
        return self

    def __exit__(self, error_type, *_) -> None:
        """An error outside a month's own steps (another run holding a later month's lock):
        the months drafted before it are published, as if the months had been run one by
        one; a stop discards them."""
        try:
            if error_type is not None and issubclass(error_type, Exception):
                self.finish_all()
        finally:
            try:
                if error_type is not None:
                    self.discard_all(error_type.__name__)
            finally:
                if self.packs is not None:
                    self.packs.close()
