"""Reporting periods: months, financial years, as-at dates and the windows measured back from them.

This module is the one definition of the periods every indicator is measured over. The SQL does
not compute them: `reporting_dates` gives, for an as-at date, the first day of its month, of its
financial year, of the 12 months and of the 2 years to it, and the models hand those to the SQL
as the columns of `as_at_dates`, which every metric, breakdown and list reads.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# The English financial year runs from 1 April to 31 March.
FINANCIAL_YEAR_FIRST_MONTH = 4
# Month names written out here, not by strftime: strftime follows the process's locale, and the
# same inputs must give the same words (and bytes) whatever locale they are made in.
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")


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


def month_start(date: dt.date) -> dt.date:
    return date.replace(day=1)


def financial_year_start(date: dt.date) -> dt.date:
    """1 April of the financial year containing date."""
    year = date.year if date.month >= FINANCIAL_YEAR_FIRST_MONTH else date.year - 1
    return dt.date(year, FINANCIAL_YEAR_FIRST_MONTH, 1)


def financial_year(date: dt.date) -> str:
    """The financial year containing date, as '2019-20'."""
    start = financial_year_start(date).year
    return f"{start}-{(start + 1) % 100:02d}"


def months_elapsed_in_financial_year(date: dt.date) -> int:
    """1 for April ... 12 for March."""
    return (date.month - FINANCIAL_YEAR_FIRST_MONTH) % 12 + 1


def years_before(date: dt.date, years: int) -> dt.date:
    """The same day `years` years earlier; 29 February becomes 28 February."""
    try:
        return date.replace(year=date.year - years)
    except ValueError:
        return date.replace(year=date.year - years, day=28)


def window_start(as_at: dt.date, years: int) -> dt.date:
    """The first day of the `years` years ending on as_at (both days counted): for 31 March 2020
    and one year, 1 April 2019; for 29 February 2020, 1 March 2019."""
    return years_before(as_at, years) + dt.timedelta(days=1)


@dataclass(frozen=True)
class ReportingDates:
    """The days a figure as at `as_at` is measured from. Field names are the SQL's column and
    variable names."""

    as_at: dt.date
    month_start: dt.date  # the reporting month
    financial_year_start: dt.date  # the financial year to date
    window_12m_start: dt.date  # the 12 months to the date
    window_2y_start: dt.date  # the 2 years to the date


def reporting_dates(as_at: dt.date) -> ReportingDates:
    return ReportingDates(
        as_at=as_at,
        month_start=month_start(as_at),
        financial_year_start=financial_year_start(as_at),
        window_12m_start=window_start(as_at, years=1),
        window_2y_start=window_start(as_at, years=2),
    )


def latest_complete_month(extract_date: dt.date) -> str:
    """The month before the one the extract was taken in (an extract on 5 April 2020 -> 2020-03)."""
    return shift_month(month_of(extract_date), -1)


def date_words(when: dt.date) -> str:
    """31 March 2025 (never strftime: see MONTH_NAMES)."""
    return f"{when.day} {MONTH_NAMES[when.month - 1]} {when.year}"


def month_year_words(when: dt.date) -> str:
    """March 2025."""
    return f"{MONTH_NAMES[when.month - 1]} {when.year}"
