"""Dates as whole days since 1970-01-01 (ints) throughout: cheap in numpy and in loops."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

EPOCH = date(1970, 1, 1)


def day(y: int, m: int, d: int) -> int:
    return (date(y, m, d) - EPOCH).days


# The sample's reporting window: financial years 2020-21 to 2024-25, extracted on 5 April 2025.
EXTRACT = day(2025, 4, 5)
HISTORY_START = day(2020, 4, 1)
FIRST_FY, LAST_FY = 2020, 2024  # financial years, by the year they start
SIM_START = day(2002, 1, 1)  # burn-in so the April 2020 stock of children is realistic
OPEN = EXTRACT + 1  # a journey still going after the extract date is cut here and left open
INF = 10**9  # "never" (open placement, household still approved)
YEAR = 365.25


def add_years(days: np.ndarray, years: int) -> np.ndarray:
    """Same calendar day `years` later (29 Feb -> 1 Mar), vectorised."""
    d = np.asarray(days).astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    dom = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = (month + np.timedelta64(12 * years, "M")).astype("datetime64[D]") + dom
    return target.astype(np.int64)


def year_ends() -> list[date]:
    """31 March at the end of each financial year of the window (2021 to 2025): the dates the
    DfE publishes its stability measures for, and the sample is calibrated against."""
    return [date(fy + 1, 3, 31) for fy in range(FIRST_FY, LAST_FY + 1)]


_LUT_FROM = day(1900, 1, 1)
_DATE_LUT = np.array(pd.date_range("1900-01-01", "2049-12-31").strftime("%d/%m/%Y"),
                     dtype=object)


def fmt_dates(days) -> np.ndarray:
    """dd/mm/YYYY for each day number; blank for -1 (missing) or INF (never)."""
    d = np.asarray(days, dtype=np.int64)
    ok = (d != -1) & (d >= _LUT_FROM) & (d < _LUT_FROM + len(_DATE_LUT))
    return np.where(ok, _DATE_LUT[np.clip(d - _LUT_FROM, 0, len(_DATE_LUT) - 1)], "")
