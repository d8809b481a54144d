"""What period the validated extracts can support: each extract's coverage, and the first month
that can be reported.

Coverage of an extract (from the rows accepted): whether the council supplied it at all, how many
rows were accepted, the first and last date of its main date columns (`coverage_dates` in
national/extracts.toml) and `history_start`, the first day from which its history is taken as
complete: the first day of the month of its earliest `complete_from` date (for the episodes, the
earliest DEC: several annual SSDA903 returns hold only the episodes still open on the first day
of each collection year, whatever their DECOM) or, without one, of its earliest main date.

The first month that can be reported is the month in which the episodes' history starts: every
indicator of that month or later has the children's care on record on its last day; indicators
whose window reaches further back read "insufficient history" (the models decide, per
indicator, from where each figure reads). docs/data-contract.md ("Coverage") explains it.
The run spine calls these two functions; the manifest and the data-quality page show the
coverage; the models take it to decide which figures the data can support.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from .. import resources
from ..definitions import read_toml
from ..periods import month_of
from .findings import ValidatedExtract

EPISODES = "episodes"


@dataclass(frozen=True)
class ExtractCoverage:
    extract: str  # the contract's name, e.g. "episodes"
    file: str  # the file the contract names, e.g. "episodes.csv"
    supplied: bool  # False: the council left the file out (an optional extract)
    rows: int  # rows accepted
    first: dt.date | None  # the earliest of the main date columns, over the rows accepted
    last: dt.date | None  # the latest
    history_start: dt.date | None  # the first day of the month its history is complete from
    rows_every_month: bool = False  # rows arrive every month: none in a period means missing data

    def as_record(self, months_only: bool = False) -> dict:
        """For the manifest and the data-quality page: dates as YYYY-MM-DD (YYYY-MM with
        months_only, for an output that must not show a record's own date), or None."""
        shown = (lambda day: None if day is None else month_of(day)) if months_only else _iso
        return {
            "file": self.file,
            "supplied": self.supplied,
            "rows": self.rows,
            "first": shown(self.first),
            "last": shown(self.last),
            "history_start": shown(self.history_start),
        }


def supplied(v: ValidatedExtract) -> bool:
    """Whether the council supplied the extract (ingest marks an optional file it left out)."""
    return bool(v.raw.supplied)


def extract_coverage(validated: dict[str, ValidatedExtract]) -> dict[str, ExtractCoverage]:
    """Each validated extract's coverage, by extract name (in the order given)."""
    return {name: _coverage(name, v) for name, v in validated.items()}


def first_reportable_month(coverage: dict[str, ExtractCoverage]) -> str | None:
    """The first month that can be reported (YYYY-MM): the month in which the episodes' history
    starts. None when no episode was accepted (no month can be supported; the run says so)."""
    episodes = coverage.get(EPISODES)
    if episodes is None or episodes.history_start is None:
        return None
    return month_of(episodes.history_start)


def _coverage(name: str, v: ValidatedExtract) -> ExtractCoverage:
    options = _coverage_options().get(name, {})
    columns = [c for c in options.get("coverage_dates", []) if c in v.accepted.columns]
    first = min(filter(None, (_earliest(v.accepted[c]) for c in columns)), default=None)
    last = max(filter(None, (_latest(v.accepted[c]) for c in columns)), default=None)
    complete_from = options.get("complete_from")
    start = _earliest(v.accepted[complete_from]) if complete_from in v.accepted.columns else None
    start = start or first
    return ExtractCoverage(
        extract=name,
        file=v.raw.extract.file,
        supplied=supplied(v),
        rows=len(v.accepted),
        first=first,
        last=last,
        history_start=start.replace(day=1) if start else None,
        rows_every_month=bool(options.get("rows_every_month", False)),
    )


@lru_cache(maxsize=1)
def _coverage_options() -> dict[str, dict]:
    """Per extract: coverage_dates, complete_from, rows_every_month (national/extracts.toml)."""
    extracts = read_toml(resources.national_file("extracts.toml"))["extracts"]
    keys = ("coverage_dates", "complete_from", "rows_every_month")
    return {name: {k: spec[k] for k in keys if k in spec} for name, spec in extracts.items()}


def _earliest(values: pd.Series) -> dt.date | None:
    return _as_date(values.min()) if values.notna().any() else None


def _latest(values: pd.Series) -> dt.date | None:
    return _as_date(values.max()) if values.notna().any() else None


def _as_date(value) -> dt.date:
    return pd.Timestamp(value).date()


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()
