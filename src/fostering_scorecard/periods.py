"""Reporting periods: months, financial years, as-at dates."""

from __future__ import annotations

import calendar
import datetime as dt
import re

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> tuple[int, int]:
    """'2020-03' -> (2020, 3); anything else raises ValueError with a readable message."""
    match = _MONTH.match(text.strip())
    if not match:
        raise ValueError(f"month must look like YYYY-MM (for example 2020-03), not {text!r}")
    return int(match.group(1)), int(match.group(2))


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def as_at_date(month: str) -> dt.date:
    """The last day of the reporting month: every metric is computed as at this date."""
    return month_end(*parse_month(month))


def shift_month(month: str, months: int) -> str:
    year, mon = parse_month(month)
    index = year * 12 + (mon - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_of(date: dt.date) -> str:
    return f"{date.year:04d}-{date.month:02d}"


def financial_year(date: dt.date) -> str:
    """The English financial year (1 April - 31 March) containing date, as '2019-20'."""
    start = date.year if date.month >= 4 else date.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def financial_year_start(date: dt.date) -> dt.date:
    return dt.date(date.year if date.month >= 4 else date.year - 1, 4, 1)


def months_elapsed_in_financial_year(date: dt.date) -> int:
    """1 for April ... 12 for March."""
    return (date.month - 4) % 12 + 1


def latest_complete_month(extract_date: dt.date) -> str:
    """The month before the one the extract was taken in (an extract on 5 April 2020 -> 2020-03)."""
    return shift_month(month_of(extract_date), -1)
