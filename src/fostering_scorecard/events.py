"""What the run spine reports as it goes, and how it calls each step.

- `StepEvent`: one step done, in counts and plain words (never a record id), with its seconds.
- `Runner`: calls each step and sends its event to the listeners; the flows' runner makes each
  step a Prefect task, the benchmark's times it.
- `listening`: the command's progress display hears every step of the run it started, whichever
  runner runs them (a run through a Prefect flow included).
Light on purpose: importing this imports no data library.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

@dataclass(frozen=True)
class StepEvent:
    """One step done: what it did in counts and plain words (no identifiers), and how long it took."""

    step: str
    month: str | None
    seconds: float
    summary: str
    counts: dict[str, Any] = field(default_factory=dict)
    details: tuple[str, ...] = ()  # one line per extract, for logs that keep everything


class Listener(Protocol):
    def step_started(self, step: str, month: str | None) -> None: ...

    def step_finished(self, event: StepEvent) -> None: ...


_listeners: list[Listener] = []  # the command's own progress display, while it runs
_listeners_guard = threading.Lock()


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send every step's events to listener for the block, whichever runner runs the steps (the
    command's progress lines also show a run the command starts through a Prefect flow)."""
    with _listeners_guard:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _listeners_guard:
            _listeners.remove(listener)


class Runner:
    """Calls each step and reports it. Subclasses change how a step is called (`call`)."""

    def __init__(self, *listeners: Listener) -> None:
        self.listeners = listeners

    def call(self, step: str, month: str | None, function: Callable, *args, **kwargs):
        return function(*args, **kwargs)

    def _listeners(self) -> list[Listener]:
        with _listeners_guard:
            return [*self.listeners, *_listeners]

    def step(self, step: str, month: str | None, function: Callable, *args, **kwargs):
        listeners = self._listeners()
        for listener in listeners:
            listener.step_started(step, month)
        start = time.perf_counter()
        result = self.call(step, month, function, *args, **kwargs)
        event = describe(step, month, time.perf_counter() - start, result)
        for listener in listeners:
            listener.step_finished(event)
        return result

    def report(self, step: str, month: str | None, result) -> None:
        """An event for a step that had nothing to do (a month already current)."""
        event = describe(step, month, 0.0, result)
        for listener in self._listeners():
            listener.step_finished(event)


STATUS_WORDS = {
    "published": "published as version {version}",
    "restated": "published as version {version}, restating version {previous} (see change_note.md)",
    "unchanged": "unchanged: the same inputs, project, code and libraries as version {version}, nothing written",
}


def status_words(result) -> str:
    """A month's publishing result (run.MonthResult) in words."""
    template = STATUS_WORDS.get(result.status, result.status)
    return template.format(version=result.version, previous=result.version - 1)


# ---------------------------------------------------------------------------------------------
# Events: what each step did, in counts


def describe(step: str, month: str | None, seconds: float, result) -> StepEvent:
    if step == "prepare":
        return StepEvent(step, month, seconds, f"as at {result.as_at:%d/%m/%Y}; extracts taken {result.extract_info.extract_date:%d/%m/%Y}")
    if step == "ingest":
        rows = sum(raw.rows_read for raw in result.values())
        details = tuple(f"{raw.file_names}: {raw.rows_read:,} rows" for raw in result.values())
        return StepEvent(step, month, seconds, f"{len(result)} files, {rows:,} rows", {"files": len(result), "rows_read": rows}, details)
    if step == "validate":
        counts = {
            "rows_read": sum(v.rows_read for v in result.values()),
            "rows_accepted": sum(v.rows_accepted for v in result.values()),
            "rows_set_aside": sum(v.rows_quarantined for v in result.values()),
            "warnings": sum(len(v.warnings) for v in result.values()),
        }
        details = tuple(
            f"{v.raw.file_names}: {v.rows_read:,} read = {v.rows_accepted:,} accepted + {v.rows_quarantined:,} set aside"
            + (f" + {v.rows_superseded:,} superseded" if v.rows_superseded else "")
            + (f"; {len(v.warnings):,} warning(s) on rows kept" if len(v.warnings) else "")
            for v in result.values()
        )
        summary = f"{counts['rows_accepted']:,} rows accepted, {counts['rows_set_aside']:,} set aside"
        if counts["warnings"]:
            summary += f", {counts['warnings']:,} warnings"
        return StepEvent(step, month, seconds, summary, counts, details)
    if step == "compute":
        months = len({h["month"] for h in result.history})
        return StepEvent(step, month, seconds, f"{len(result.rows)} indicators, {months} months of history", {"indicators": len(result.rows), "months": months})
    if step == "publish" and hasattr(result, "status"):
        return StepEvent(step, month, seconds, status_words(result), {"status": result.status, "version": result.version})
    if step == "publish":  # verify: the re-run written to a scratch folder, to be compared
        return StepEvent(step, month, seconds, f"{len(result.get('outputs', {}))} files re-made in a scratch folder")
    return StepEvent(step, month, seconds, "done")
