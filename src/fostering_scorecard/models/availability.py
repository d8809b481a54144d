"""Figures the data cannot support are not published as numbers.

An indicator reads the extracts its SQL reads (database.extracts_read, derived from the SQL) and
looks back to the day its SQL reports as reads_from (its window, or a longer look-back such as
the 2.5 years of the long-term stability cohort). Given the extracts' coverage (the validation
stage's extract_coverage: supplied or not, rows, first and last date, where the history starts),
an indicator has no value, and says why, when:

- an extract it needs was not supplied:               "no data: carers.csv not supplied"
- an extract it needs has no rows at all:             "no data: carers.csv has no rows"
- an extract whose rows arrive every month has none
  dated in or after the period the figure reads:      "no data: no rows of enquiries.csv dated
                                                        from April 2019"
- it reads from before an extract's history starts:   "insufficient history: the figure reads
                                                        from April 2017; episodes.csv covers from
                                                        April 2018"

0 would mislead in each case (a council without the carers file does not have 0 approved
households), so the value is None and the status "Not rated" with the reason. The months are
aggregates of the extract, never a record's own date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ..definitions import Metric
from ..periods import month_year_words
from .database import extracts_read

def unavailable_reason(metric: Metric, reads_from: dt.date | None, coverage: Mapping | None) -> str | None:
    """Why the data cannot support this figure, or None when it can (or no coverage is given).
    coverage: extract name -> validation.ExtractCoverage (any object with its fields)."""
    if coverage is None:
        return None
    needed = [coverage[name] for name in extracts_read(metric.sql) if name in coverage]
    not_supplied = [c.file for c in needed if not c.supplied]
    if not_supplied:
        return "no data: " + " and ".join(f"{file} not supplied" for file in not_supplied)
    empty = [c.file for c in needed if c.rows == 0]
    if empty:
        return "no data: " + " and ".join(f"{file} has no rows" for file in empty)
    if reads_from is None:
        return None
    stale = [c.file for c in needed if c.rows_every_month and c.last is not None and c.last < reads_from]
    if stale:
        return "no data: " + " and ".join(f"no rows of {file} dated from {month_year_words(reads_from)}" for file in stale)
    short = [c for c in needed if c.history_start is not None and reads_from < c.history_start]
    if short:
        covers = "; ".join(f"{c.file} covers from {month_year_words(c.history_start)}" for c in short)
        return f"insufficient history: the figure reads from {month_year_words(reads_from)}; {covers}"
    return None

