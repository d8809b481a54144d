"""1. Children and their periods of care.

Periods of care arrive at a steady rate from 2002 (a burn-in, so that the stock at April 2020
looks like a real stock), with more unaccompanied children in the years Kent saw them
(years.UASC_ARRIVALS); each has an exit route (adoption, SGO, home, 18, other) that fixes its
length. Children whose care ended before April 2020 are dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .contract import weighted_codes
from .days import EXTRACT, HISTORY_START, SIM_START, YEAR, add_years
from .draws import pick_many, table
from .geography import KENT_DISTRICTS
from .years import UASC_ARRIVALS, fy_start

ADOPT, SGO, HOME, AGE18, OTHER = range(5)
# Route shares by age band at entry (<1, 1-4, 5-9, 10-15, 16-17).
ROUTE_P = np.array([
    [0.40, 0.22, 0.26, 0.09, 0.03],
    [0.24, 0.26, 0.35, 0.12, 0.03],
    [0.00, 0.18, 0.50, 0.27, 0.05],
    [0.00, 0.05, 0.50, 0.40, 0.05],
    [0.00, 0.00, 0.30, 0.62, 0.08],
])
ROUTE_MEDIAN = np.array([640.0, 520.0, 150.0, 0.0, 90.0])  # days; AGE18 ends at 18
ROUTE_SIGMA = np.array([0.30, 0.45, 1.20, 0.0, 1.10])
ROUTE_MIN = np.array([330, 150, 3, 0, 2])
AGE_BANDS = table({0: 0.19, 1: 0.15, 2: 0.17, 3: 0.38, 4: 0.11})
BAND_YEARS = [(0, 1), (1, 5), (5, 10), (10, 16), (16, 18)]
ENTRIES_PER_YEAR = 590  # council scale; with years.UASC_ARRIVALS sets the ~1,650-1,950 children
# looked after at a date
UASC_SHARE = 0.05
VOLATILE_TEEN, VOLATILE_CHILD = 0.17, 0.05  # children whose placements keep breaking down

ETHNIC = weighted_codes("header", "ETHNIC", {
    "WBRI": 78.0, "WOTH": 3.0, "WIRI": 0.3, "WIRT": 0.5, "WROM": 0.6, "MWBC": 3.0, "MWBA": 1.0,
    "MWAS": 1.0, "MOTH": 2.2, "AIND": 0.5, "APKN": 0.3, "ABAN": 0.2, "AOTH": 1.0, "BCRB": 0.5,
    "BAFR": 2.0, "BOTH": 0.5, "CHNE": 0.1, "OOTH": 1.5, "REFU": 0.5, "NOBT": 0.3})
ETHNIC_UASC = weighted_codes("header", "ETHNIC", {"AOTH": 30, "BAFR": 35, "OOTH": 20, "BOTH": 8,
                                                  "MOTH": 4, "REFU": 3})
CIN = weighted_codes("episodes", "CIN", {"N1": 60, "N2": 3, "N3": 3, "N4": 8, "N5": 15, "N6": 2,
                                         "N7": 0.3, "N8": 8.7})


def draw_periods(rng, start, dob, uasc):
    """Exit route and end date of periods of care starting at `start` (vectorised)."""
    n = len(start)
    age = (start - dob) / YEAR
    band = np.searchsorted([1, 5, 10, 16], age, side="right")
    cum = np.cumsum(ROUTE_P, axis=1)[band]
    route = (rng.random(n)[:, None] > cum).sum(axis=1).clip(0, 4)
    route = np.where(uasc, np.where(rng.random(n) < 0.9, AGE18, OTHER), route)
    length = ROUTE_MEDIAN[route] * np.exp(ROUTE_SIGMA[route] * rng.standard_normal(n))
    end = start + np.maximum(length, ROUTE_MIN[route]).astype(np.int64)
    b16, b18 = add_years(dob, 16), add_years(dob, 18)
    # Some care leavers move to independent living between 16 and 18.
    lo = np.maximum(start + 30, b16)
    early = (rng.random(n) < 0.15) & (lo < b18)
    end18 = np.where(early, lo + (rng.random(n) * (b18 - lo)).astype(np.int64), b18)
    end = np.where(route == AGE18, end18, end)
    route = np.where(end >= b18, AGE18, route)
    return route, np.minimum(end, b18)


def draw_children(rng, scale: int) -> pd.DataFrame:
    """Children with their (one or two) periods of care, kept if in care since April 2020."""
    n = rng.poisson(ENTRIES_PER_YEAR * scale * (EXTRACT - SIM_START) / YEAR)
    start = rng.integers(SIM_START, EXTRACT + 1, n)
    uasc = rng.random(n) < UASC_SHARE
    # The years with more unaccompanied children arriving (years.UASC_ARRIVALS).
    arrivals = [rng.integers(fy_start(fy), min(fy_start(fy + 1), EXTRACT + 1), rng.poisson(k * scale))
                for fy, k in UASC_ARRIVALS.items()]
    start = np.concatenate([start, *arrivals])
    uasc = np.concatenate([uasc, np.ones(len(start) - n, dtype=bool)])
    order = np.argsort(start, kind="stable")
    start, uasc = start[order], uasc[order]
    n = len(start)
    band = pick_many(rng, AGE_BANDS, n).astype(int)
    lo = np.array([BAND_YEARS[b][0] for b in band]) * YEAR
    hi = np.array([BAND_YEARS[b][1] for b in band]) * YEAR - 1
    age_days = lo + rng.random(n) * (hi - lo)
    newborn = (band == 0) & (rng.random(n) < 0.45)  # many babies come in at birth
    age_days = np.where(newborn, rng.integers(0, 30, n), age_days)
    age_days = np.where(uasc, (15 + rng.random(n) * 2.9) * YEAR, age_days)
    dob = start - age_days.astype(np.int64)
    route1, end1 = draw_periods(rng, start, dob, uasc)
    # A break in care: some children who went home come back.
    gap = (250 * np.exp(0.8 * rng.standard_normal(n))).astype(np.int64) + 30
    start2 = end1 + gap
    again = ((route1 == HOME) & ((end1 - dob) < 15 * YEAR) & (rng.random(n) < 0.2)
             & (start2 <= EXTRACT) & (start2 < add_years(dob, 18) - 30))
    route2, end2 = draw_periods(rng, start2, dob, uasc)
    last_end = np.where(again, end2, end1)
    keep = last_end >= HISTORY_START
    sex = np.where(uasc, np.where(rng.random(n) < 0.92, "1", "2"),
                   np.where(rng.random(n) < 0.55, "1", "2"))
    ethnic = np.where(uasc, pick_many(rng, ETHNIC_UASC, n), pick_many(rng, ETHNIC, n))
    volatile = rng.random(n) < np.where((start - dob) > 11 * YEAR, VOLATILE_TEEN, VOLATILE_CHILD)
    home_post = pick_many(rng, table({d: 1.0 for d in KENT_DISTRICTS}), n)
    cin1 = np.where(uasc, "N8", pick_many(rng, CIN, n))
    cin2 = pick_many(rng, CIN, n)
    df = pd.DataFrame({
        "start1": start, "end1": end1, "route1": route1, "cin1": cin1,
        "again": again, "start2": start2, "end2": end2, "route2": route2, "cin2": cin2,
        "dob": dob, "uasc": uasc, "sex": sex, "ethnic": ethnic, "volatile": volatile,
        "home_post": home_post,
    })[keep].reset_index(drop=True)
    return df

