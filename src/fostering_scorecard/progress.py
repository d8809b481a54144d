"""What the `scorecard` command shows while it runs: one line per step, then a summary.

On a terminal each step's line appears when the step starts and is completed in place when it
ends; in a log file (not a terminal) only the completed lines are written. Lines carry counts
and plain words only (run.StepEvent), never a record id.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # only for annotations: this module stays light to import
    from .run import StepEvent

CLEAR_LINE = "\r\x1b[2K"


class ConsoleProgress:
    """A run.Listener that prints each step and remembers what the summary needs."""

    def __init__(self, stream: TextIO | None = None, show_month: bool = False, verbose: bool = False) -> None:
        self.stream = stream or sys.stdout
        self.verbose = verbose  # each file's counts under its step
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.show_month = show_month  # a backfill names the month on each line
        self.started = time.perf_counter()
        self.events: list[StepEvent] = []

    def _label(self, step: str, month: str | None) -> str:
        return f"  {step:<9}" + (f" {month}" if self.show_month and month else "")

    def step_started(self, step: str, month: str | None) -> None:
        if self.live:
            self.stream.write(f"{self._label(step, month)}  ...")
            self.stream.flush()

    def step_finished(self, event: StepEvent) -> None:
        self.events.append(event)
        line = f"{self._label(event.step, event.month)}  {event.summary}  ({event.seconds:.1f} s)"
        self.stream.write((CLEAR_LINE if self.live else "") + line + "\n")
        if self.verbose:
            self.stream.writelines(f"      {detail}\n" for detail in event.details)
        self.stream.flush()

    # What the summary reports -------------------------------------------------------------

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def last(self, step: str) -> StepEvent | None:
        return next((e for e in reversed(self.events) if e.step == step), None)

    def published(self) -> list[StepEvent]:
        return [e for e in self.events if e.step == "publish"]

    def rows_line(self) -> str | None:
        checked = self.last("validate")
        if checked is None:
            return None
        read, aside = checked.counts["rows_read"], checked.counts["rows_set_aside"]
        if not aside:
            return f"All {read:,} rows accepted."
        return f"{aside:,} of {read:,} rows set aside: see data_quality.csv, and internal/quarantine.csv for each row and why."
