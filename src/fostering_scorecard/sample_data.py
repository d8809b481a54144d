"""Seeded synthetic extracts for a Kent-sized council (and 10x / 50x bigger ones).

    python -m fostering_scorecard.sample_data --out data/sample [--scale council] [--seed N]

Writes the six extracts of config/extracts.toml (header, episodes, carers, training,
allegations, enquiries), an extract.toml describing the extract and _planted_errors.csv
listing the deliberately bad rows. Everything comes from numpy Generators seeded from
`seed`, so the same seed and scale give byte-identical files.

How the data is made, in order:
1. Children: periods of care arrive at a steady rate from 1997 (a burn-in, so that the
   stock at April 2015 looks like a real stock); each has an exit route (adoption, SGO, home,
   18, other) that fixes its length. Children whose care ended before April 2015 are dropped.
2. Journeys: each period is cut into placements (carers) with a "stable or not" draw per
   placement, then into SSDA903 episodes at placement, placement-type and legal-status
   changes, with the odd temporary placement (T3/T4). The mix is tuned so that the DfE
   stability measures land near Kent's (see stability_check).
3. Households: connected-person households are created for the children placed with
   family and friends; mainstream and short-break households are a stock plus approvals per
   financial year; in-house foster placements are then given a household with a free place.
4. Training, allegations and recruitment enquiries hang off the households.
5. About 1% of rows are then corrupted or duplicated, and listed in _planted_errors.csv.
"""

from __future__ import annotations

import argparse
import bisect
import math
import multiprocessing
import os
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------------------
# Dates are whole days since 1970-01-01 (ints) throughout: cheap in numpy and in loops.
EPOCH = date(1970, 1, 1)


def day(y: int, m: int, d: int) -> int:
    return (date(y, m, d) - EPOCH).days


EXTRACT = day(2020, 4, 5)
HISTORY_START = day(2015, 4, 1)
SIM_START = day(1997, 1, 1)  # burn-in so the April 2015 stock of children is realistic
OPEN = EXTRACT + 1  # a journey still going after the extract date is cut here and left open
INF = 10**9  # "never" (open placement, household still approved)
YEAR = 365.25

SCALES = {"council": 1, "region": 10, "national": 50}

# Total approvals per financial year (keyed by the year it starts), council scale. 2019-20
# is a little short of Kent's target of 120 so the scorecard has something to show.
FY_APPROVALS = {2015: 124, 2016: 118, 2017: 126, 2018: 119, 2019: 109}

COUNCIL = "Sample County Council (synthetic, Kent-sized)"
LA_CODE = "886"

# The contract's column order (tests check this against config/extracts.toml).
COLUMNS = {
    "header.csv": ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
    "episodes.csv": ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC",
                     "REC", "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
                     "HOUSEHOLD_ID"],
    "carers.csv": ["household_id", "household_type", "approval_date", "deregistration_date",
                   "deregistration_reason", "approved_places", "emergency_bed",
                   "assessment_bed", "support_team", "skills_level", "status"],
    "training.csv": ["training_id", "household_id", "course", "core_course",
                     "completed_date"],
    "allegations.csv": ["allegation_id", "household_id", "date_received", "category",
                        "lado_referral_date", "outcome", "date_concluded"],
    "enquiries.csv": ["enquiry_id", "enquiry_date", "application_date", "approval_date",
                      "withdrawal_date", "household_id"],
}

# Partial postcodes (districts): Kent's, plus a few neighbours for out-of-area placements.
KENT_DISTRICTS = ([f"ME{i}" for i in range(1, 21)] + [f"CT{i}" for i in range(1, 22)]
                  + [f"TN{i}" for i in list(range(1, 19)) + list(range(23, 31))]
                  + [f"DA{i}" for i in (1, 2, 3, 4, 9, 10, 11, 12, 13)])
OTHER_DISTRICTS = ["SE9", "SE18", "SE28", "BR1", "BR6", "CR0", "RH1", "RH10", "BN1", "BN3",
                   "CM1", "SS1", "SS9", "RM1", "RM13"]
LA_FOSTERING_URN = "SC047583"  # the council's own fostering service
LA_ADOPTION_URN = "SC050613"


def support_team_for(district: str) -> str:
    """Area fostering team by postcode district, so team and placement postcode agree."""
    area, num = district[:2], int(district[2:])
    if area == "CT":
        return "East Kent"
    if area == "DA" or (area == "ME" and num <= 8):
        return "North Kent"
    if area == "ME":
        return "Mid Kent"
    return "West Kent" if num <= 18 else "South Kent"


# --------------------------------------------------------------------------------------
# Random draws inside Python loops: one block of numpy uniforms consumed in order,
# which is deterministic and far faster than calling the Generator per value.
class Draws:
    def __init__(self, rng: np.random.Generator, block: int = 1 << 18):
        self.rng, self.block = rng, block
        self._next_u = iter(()).__next__

    def u(self) -> float:
        try:
            return self._next_u()
        except StopIteration:
            self._next_u = iter(self.rng.random(self.block).tolist()).__next__
            return self._next_u()

    def randint(self, lo: int, hi: int) -> int:
        """Integer in [lo, hi] inclusive."""
        return lo + int(self.u() * (hi - lo + 1))

    def expo(self, mean: float) -> float:
        return -mean * math.log(1.0 - self.u())

    def pick(self, table: tuple[list, list[float]]):
        """table = (values, cumulative probabilities ending at 1.0)."""
        values, cum = table
        return values[bisect.bisect_right(cum, self.u() * cum[-1])]


def table(pairs: dict) -> tuple[list, list[float]]:
    """{value: weight} -> (values, cumulative weights) for Draws.pick / pick_many."""
    values = list(pairs)
    return values, list(np.cumsum([pairs[v] for v in values]))


def pick_many(rng: np.random.Generator, tab, n: int) -> np.ndarray:
    values, cum = tab
    idx = np.searchsorted(cum, rng.random(n) * cum[-1], side="right")
    return np.array(values, dtype=object)[idx]


def add_years(days: np.ndarray, years: int) -> np.ndarray:
    """Same calendar day `years` later (29 Feb -> 1 Mar), vectorised."""
    d = np.asarray(days).astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    dom = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = (month + np.timedelta64(12 * years, "M")).astype("datetime64[D]") + dom
    return target.astype(np.int64)


# --------------------------------------------------------------------------------------
# 1. Children and their periods of care
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
ENTRIES_PER_YEAR = 680  # council scale; sets the ~1,750 children looked after at a date
UASC_SHARE = 0.05
VOLATILE_TEEN, VOLATILE_CHILD = 0.17, 0.05  # children whose placements keep breaking down

ETHNIC = table({"WBRI": 78.0, "WOTH": 3.0, "WIRI": 0.3, "WIRT": 0.5, "WROM": 0.6,
                "MWBC": 3.0, "MWBA": 1.0, "MWAS": 1.0, "MOTH": 2.2, "AIND": 0.5,
                "APKN": 0.3, "ABAN": 0.2, "AOTH": 1.0, "BCRB": 0.5, "BAFR": 2.0,
                "BOTH": 0.5, "CHNE": 0.1, "OOTH": 1.5, "REFU": 0.5, "NOBT": 0.3})
ETHNIC_UASC = table({"AOTH": 30, "BAFR": 35, "OOTH": 20, "BOTH": 8, "MOTH": 4, "REFU": 3})
CIN = table({"N1": 60, "N2": 3, "N3": 3, "N4": 8, "N5": 15, "N6": 2, "N7": 0.3, "N8": 8.7})


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
    """Children with their (one or two) periods of care, kept if in care since April 2015."""
    n = rng.poisson(ENTRIES_PER_YEAR * scale * (EXTRACT - SIM_START) / YEAR)
    start = np.sort(rng.integers(SIM_START, EXTRACT + 1, n))
    uasc = rng.random(n) < UASC_SHARE
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


# --------------------------------------------------------------------------------------
# 2. Journeys: placements and episodes
FOSTER, CONN, RESI, SEMI, PARENTS, INDEP, ADOPTIVE, TEMP, SHORT_BREAK = range(9)
FOSTER_KINDS = (FOSTER, CONN)
# What kind of placement a child gets, by age at the move.
KIND_BY_AGE = [
    (5, table({FOSTER: 0.74, CONN: 0.12, PARENTS: 0.12, RESI: 0.02})),
    (12, table({FOSTER: 0.71, CONN: 0.12, PARENTS: 0.07, RESI: 0.10})),
    (16, table({FOSTER: 0.53, CONN: 0.08, RESI: 0.30, PARENTS: 0.05, SEMI: 0.04})),
    (99, table({FOSTER: 0.37, CONN: 0.04, SEMI: 0.37, RESI: 0.16, INDEP: 0.06})),
]
# Family-and-friends placements are mostly for children who stay (to 18 or an SGO).
CONN_KEEP_BY_ROUTE = {ADOPT: 0.2, SGO: 1.0, HOME: 0.25, AGE18: 1.0, OTHER: 0.25}
KIND_UASC = table({FOSTER: 0.45, SEMI: 0.50, RESI: 0.05})
# Chance a placement lasts until the period ends ("stable"), else mean length in days.
STABLE_P = {FOSTER: 0.17, CONN: 0.85, RESI: 0.30, SEMI: 0.45, PARENTS: 0.45, INDEP: 0.5}
MEAN_DAYS = {FOSTER: 540, CONN: 340, RESI: 220, SEMI: 220, PARENTS: 220, INDEP: 220}
LATER_CONN_DROP = 0.65
FIRST_STABLE_FACTOR = 0.55  # first placements are often short-term / emergency
FIRST_MEAN_DAYS = 75
VOLATILE_STABLE_FACTOR = 0.25
VOLATILE_MEAN_DAYS = 95

PROVIDER = {
    FOSTER: table({"PR1": 0.835, "PR4": 0.135, "PR2": 0.015, "PR5": 0.015}),
    CONN: table({"PR1": 1.0}),
    RESI: table({"PR4": 0.65, "PR1": 0.28, "PR5": 0.07}),
    SEMI: table({"PR4": 0.6, "PR1": 0.2, "PR5": 0.2}),
    PARENTS: table({"PR0": 1.0}),
    INDEP: table({"PR1": 1.0}),
    ADOPTIVE: table({"PR1": 0.75, "PR5": 0.2, "PR2": 0.05}),
}
RESI_CODES = table({"K2": 0.82, "R1": 0.06, "K1": 0.03, "S1": 0.05, "R2": 0.04})
MOVE_REASON = table({"CARPL": 38, "LAREQ": 14, "PLACE": 8, "CREQB": 11, "CREQO": 7,
                     "CHILD": 7, "ALLEG": 2, "STAND": 2, "CLOSE": 3, "APPRR": 1, "OTHER": 7})
REC_HOME = table({"E4A": 0.85, "E4B": 0.15})
REC_AT18_FOSTER = table({"E17": 0.45, "E5": 0.30, "E6": 0.07, "E4A": 0.10, "E8": 0.05,
                         "E7": 0.03})
REC_AT18_OTHER = table({"E5": 0.6, "E6": 0.15, "E4A": 0.15, "E8": 0.07, "E7": 0.03})
REC_LEFT_EARLY = table({"E5": 0.7, "E6": 0.2, "E4B": 0.1})
REC_OTHER = table({"E3": 0.25, "E8": 0.25, "E9": 0.15, "E16": 0.1, "E13": 0.15,
                   "E14": 0.08, "E2": 0.02})
REC_OTHER_UASC = table({"E15": 0.5, "E8": 0.3, "E16": 0.2})
REC_SGO_OTHER = table({"E47": 0.6, "E48": 0.1, "E41": 0.3})


def pick_kind(dr: Draws, age: float, uasc: bool, idx: int, route: int) -> int:
    if uasc:
        return dr.pick(KIND_UASC)
    kind = FOSTER
    for top, tab in KIND_BY_AGE:
        if age < top:
            kind = dr.pick(tab)
            break
    # Family and friends are mostly found when the child comes into care.
    if kind == CONN and (dr.u() > CONN_KEEP_BY_ROUTE[route]
                         or (idx > 0 and dr.u() < LATER_CONN_DROP)):
        kind = FOSTER
    return kind


def placement_length(dr: Draws, kind: int, idx: int, volatile: bool) -> int:
    """Days a placement lasts, or INF for one that lasts until the period ends."""
    stable, mean = STABLE_P[kind], MEAN_DAYS[kind]
    if idx == 0 and kind != CONN:  # family and friends at entry are usually for good
        stable, mean = stable * FIRST_STABLE_FACTOR, FIRST_MEAN_DAYS
    if volatile:
        stable, mean = stable * VOLATILE_STABLE_FACTOR, min(mean, VOLATILE_MEAN_DAYS)
    if dr.u() < stable:
        return INF
    return 7 + int(dr.expo(mean))


def period_placements(dr, s, stop, dob, route, uasc, volatile):
    """Consecutive placements [start, end, kind] covering [s, stop)."""
    out = []
    t = s
    while t < stop:
        kind = pick_kind(dr, (t - dob) / YEAR, uasc, len(out), route)
        end = t + placement_length(dr, kind, len(out), volatile)
        if end >= stop - 14 or len(out) >= 40:  # no tiny tail placement before the end
            end = stop
        out.append([t, end, kind])
        t = end
    return out


def legal_statuses(dr, s, limit, age, route, uasc, adopt_at):
    """[(date, LS)] changes of legal status in a period; the first is at s."""
    if uasc:
        return [(s, "V2")]
    young = age < 10
    court = route == ADOPT or dr.u() < (0.6 if young else 0.3)
    out = []
    t = s
    if court:
        if dr.u() < 0.12:  # police protection / emergency protection order first
            out.append((s, "L1" if dr.u() < 0.5 else "L2"))
            t = s + dr.randint(2, 9)
        out.append((t, "C2"))
    else:
        out.append((s, "V2"))
        if route in (SGO, AGE18) and dr.u() < (0.5 if young else 0.15):
            t = s + dr.randint(30, 200)
            out.append((t, "C2"))
            court = True
    if court:
        c1 = t + dr.randint(140, 360)
        if adopt_at is not None:
            e1 = adopt_at - dr.randint(20, 90)
            c1 = min(c1, e1 - 20)
            if c1 > t + 10:
                out.append((c1, "C1"))
            out.append((e1, "E1"))
        else:
            out.append((c1, "C1"))
    clean, last = [], -1
    for d, ls in out:  # strictly increasing, before the end
        if d > last and d < limit:
            clean.append((d, ls))
            last = d
    return clean


def code_timeline(dr, pl, idx, route, ls_dates, a_with_carer_at):
    """[(date, PLACE)] for one placement: start code, long-term match, A3/A5 with carer."""
    start, end, kind = pl
    if kind in FOSTER_KINDS:
        long_code, short_code = ("U1", "U3") if kind == CONN else ("U4", "U6")
        planned = idx > 0 and route in (SGO, AGE18) and dr.u() < 0.25
        out = [(start, long_code if planned else short_code)]
        if not planned and route in (SGO, AGE18) and end - start > 300 and dr.u() < 0.6:
            cd = start + dr.randint(90, 300)
            inside = [d for d in ls_dates if start < d < end - 30]
            if inside and dr.u() < 0.4:  # matched at the care order: a "U" episode
                cd = inside[0]
            if cd < min(end, a_with_carer_at or INF) - 30:
                out.append((cd, long_code))
        if a_with_carer_at is not None:
            out.append((a_with_carer_at, "A5"))  # fixed to A3 later if no placement order
        return out
    if kind == RESI:
        return [(start, dr.pick(RESI_CODES))]
    code = {SEMI: "H5", PARENTS: "P1", INDEP: "P2", ADOPTIVE: "A6"}[kind]
    return [(start, code)]


TEMP_PER_YEAR = 0.06  # carers' holidays and other short stays away


def temporary_moves(dr, start, end, busy):
    """[(date, days, code)] short T3/T4 stays away from a long foster placement."""
    out = []
    years = (end - start) / YEAR
    n = int(years * TEMP_PER_YEAR + dr.u()) if end - start >= 150 else 0
    for _ in range(min(n, 4)):
        code = "T3" if dr.u() < 0.7 else "T4"
        days = dr.randint(7, 21) if code == "T3" else dr.randint(1, 7)
        t = start + 30 + int(dr.u() * max(1, end - start - 60 - days))
        if t + days >= end - 14:
            continue
        if any(t - 3 <= b <= t + days + 3 for b in busy):
            continue
        out.append((t, days, code))
        busy = busy + [t, t + days]
    return sorted(out)


EP_FIELDS = ("child", "start", "end", "rne", "ls", "cin", "place", "pl", "rec", "rpc",
             "home_post")


class Journeys:
    """Accumulates placements (columnar lists) and episodes (rows) for all children."""

    def __init__(self):
        self.pl = {k: [] for k in ("child", "start", "end", "kind", "provider", "urn",
                                   "post", "sgo", "hh")}
        self.ep_rows: list[tuple] = []  # one tuple per episode, in EP_FIELDS order

    def episodes(self) -> dict:
        """Episode columns as lists."""
        return dict(zip(EP_FIELDS, (list(c) for c in zip(*self.ep_rows))))

    def add_placement(self, child, start, end, kind, provider, urn, post):
        p = self.pl
        p["child"].append(child)
        p["start"].append(start)
        p["end"].append(end)
        p["kind"].append(kind)
        p["provider"].append(provider)
        p["urn"].append(urn)
        p["post"].append(post)
        p["sgo"].append(False)
        p["hh"].append(-1)  # household row, for in-house foster placements
        return len(p["child"]) - 1


def placement_details(dr, kind, code, home_post, urns):
    """Provider, URN and placement postcode (None = the household's, filled later)."""
    provider = dr.pick(PROVIDER[kind]) if kind in PROVIDER else "PR1"
    if kind in FOSTER_KINDS:
        if provider == "PR1":
            return provider, LA_FOSTERING_URN, None
        return provider, urns["ifa"][int(dr.u() * len(urns["ifa"]))], _district(dr, 0.7)
    if kind == RESI:
        return provider, urns["resi"][int(dr.u() * len(urns["resi"]))], _district(dr, 0.6)
    if kind == PARENTS:
        return provider, "", home_post
    if kind == ADOPTIVE:
        return provider, LA_ADOPTION_URN if provider == "PR1" else "", _district(dr, 0.6)
    return provider, "", _district(dr, 0.8)


def _district(dr, p_kent):
    if dr.u() < p_kent:
        return KENT_DISTRICTS[int(dr.u() * len(KENT_DISTRICTS))]
    return OTHER_DISTRICTS[int(dr.u() * len(OTHER_DISTRICTS))]


def end_reason(dr, route, last_kind, end, b18, uasc):
    if route == ADOPT:
        return "E11" if dr.u() < 0.75 else "E12"
    if route == SGO:
        if last_kind == CONN:
            return "E45"
        if last_kind == FOSTER and dr.u() < 0.4:
            return "E46"
        return dr.pick(REC_SGO_OTHER)
    if route == HOME:
        return dr.pick(REC_HOME)
    if route == AGE18:
        if end < b18:
            return dr.pick(REC_LEFT_EARLY)
        return dr.pick(REC_AT18_FOSTER if last_kind in FOSTER_KINDS else REC_AT18_OTHER)
    return dr.pick(REC_OTHER_UASC if uasc else REC_OTHER)


def build_period(J: Journeys, dr: Draws, urns, child: int, s: int, e_true: int, dob: int,
                 b18: int, route: int, cin: str, uasc: bool, volatile: bool, home_post: str):
    """Placements and SSDA903 episodes of one period of care [s, e_true)."""
    limit = min(e_true, OPEN)
    adopt_at = None
    if route == ADOPT:
        adopt_at = max(s + 150, e_true - dr.randint(150, 330))
    stop = min(adopt_at, limit) if adopt_at is not None else limit
    pls = period_placements(dr, s, stop, dob, route, uasc, volatile)
    a_with_carer = None
    if adopt_at is not None and adopt_at < limit:
        if pls[-1][2] == FOSTER and dr.u() < 0.3:  # adopted by the current foster carer
            pls[-1][1] = limit
            a_with_carer = adopt_at
        else:
            pls.append([adopt_at, limit, ADOPTIVE])
    lss = legal_statuses(dr, s, limit, (s - dob) / YEAR, route, uasc, adopt_at)
    ls_dates = [d for d, _ in lss]
    # Per placement: code timeline, temporary moves, and a row in the placement table.
    plan = []
    for i, pl in enumerate(pls):
        last = i == len(pls) - 1
        codes = code_timeline(dr, pl, i, route, ls_dates, a_with_carer if last else None)
        temps = []
        if pl[2] in FOSTER_KINDS:  # none once placed for adoption (A3/A5 must stay T/U)
            until = min(pl[1], a_with_carer) if last and a_with_carer else pl[1]
            temps = temporary_moves(dr, pl[0], until, ls_dates + [d for d, _ in codes])
        provider, urn, post = placement_details(dr, pl[2], codes[0][1], home_post, urns)
        end = INF if (pl[1] == OPEN and e_true > EXTRACT) else pl[1]
        pid = J.add_placement(child, pl[0], end, pl[2], provider, urn, post)
        tids = []
        for t, days, code in temps:
            tprov = "PR1" if dr.u() < 0.8 else "PR4"
            tids.append(J.add_placement(child, t, t + days, TEMP, tprov,
                                        LA_FOSTERING_URN if tprov == "PR1" else "",
                                        _district(dr, 0.9)))
        plan.append((pl, codes, temps, pid, tids))
    rec = None if e_true > EXTRACT else end_reason(dr, route, pls[-1][2], e_true, b18, uasc)
    if rec == "E45" or rec == "E46":
        J.pl["sgo"][plan[-1][3]] = True
    emit_episodes(J, dr, child, s, limit, e_true, plan, lss, rec, cin, home_post)


def emit_episodes(J, dr, child, s, limit, e_true, plan, lss, rec, cin, home_post):
    """Cut the period at every change and give each piece its RNE."""
    # Pieces: (start, carer id, PLACE, LS). Carer id = placement-table row.
    pieces = []
    li, nls = 0, len(lss)
    for pl, codes, temps, pid, tids in plan:
        p0, p1 = pl[0], pl[1]
        cuts = [p0] + [d for d, _ in codes[1:]] + [d for d, _ in lss if p0 < d < p1]
        for t, days, _ in temps:
            cuts += (t, t + days)
        if len(cuts) > 1:
            cuts = sorted(set(cuts))
        ci = 0
        for x in cuts:
            if x >= p1:
                continue
            while ci + 1 < len(codes) and codes[ci + 1][0] <= x:
                ci += 1
            carer, code = pid, codes[ci][1]
            for (t, days, tcode), tid in zip(temps, tids):
                if t <= x < t + days:
                    carer, code = tid, tcode
            while li + 1 < nls and lss[li + 1][0] <= x:
                li += 1
            ls = lss[li][1]
            if code == "A5" and ls != "E1":
                code = "A3"  # placed for adoption with consent rather than an order
            elif code == "A6" and ls != "E1":
                code = "A4"
            if pieces and pieces[-1][1:] == (carer, code, ls):
                continue
            pieces.append((x, carer, code, ls))
    ep = J.ep_rows.append
    for k, (x, carer, code, ls) in enumerate(pieces):
        if k == 0:
            rne = "S"
        else:
            _, pc, pcode, pls_ = pieces[k - 1]
            if carer != pc:
                rne = "B" if ls != pls_ else "P"
            elif code != pcode:
                rne = "U" if ls != pls_ else "T"
            else:
                rne = "L"
        last = k == len(pieces) - 1
        end = (-1 if e_true > EXTRACT else e_true) if last else pieces[k + 1][0]
        ep((child, x, end, rne, ls, cin, code, carer, (rec or "") if last else "X1",
            "" if last else move_reason(dr, J, carer, pieces[k + 1]), home_post))


def move_reason(dr, J, carer, nxt):
    """REASON_PLACE_CHANGE when the next episode is a new placement (RNE P/B)."""
    _, ncarer, ncode, _ = nxt
    if ncarer == carer:
        return ""
    if J.pl["kind"][ncarer] == TEMP:
        return "OTHER"  # carer's holiday / short temporary stay
    if J.pl["kind"][carer] == TEMP or J.pl["kind"][ncarer] == ADOPTIVE:
        return "CARPL"
    return dr.pick(MOVE_REASON)


def build_short_breaks(J: Journeys, rng, dr: Draws, first_child: int, scale: int):
    """Children on an agreed series of short breaks (V4): one episode per break."""
    n = rng.poisson(75 * scale)
    start = rng.integers(day(2012, 4, 1), EXTRACT - 30, n)
    length = (YEAR * (1 + 3 * rng.random(n))).astype(np.int64)
    dob = start - (YEAR * (4 + 12 * rng.random(n))).astype(np.int64)
    end = np.minimum(start + length, add_years(dob, 18))
    keep = end >= HISTORY_START
    start, end, dob = start[keep], end[keep], dob[keep]
    home = pick_many(rng, table({d: 1.0 for d in KENT_DISTRICTS}), len(start))
    children = []
    for i in range(len(start)):
        child = first_child + i
        resi = dr.u() < 0.2  # some short breaks are in a council short-break unit
        every = dr.randint(14, 35)
        t = int(start[i])
        while t < end[i] and t <= EXTRACT:
            nights = dr.randint(1, 4)
            if resi:
                pid = J.add_placement(child, t, t + nights, RESI, "PR1",
                                      "SC" + str(400000 + int(dr.u() * 99999)), home[i])
                code = "K2"
            else:
                pid = J.add_placement(child, t, t + nights, SHORT_BREAK, "PR1",
                                      LA_FOSTERING_URN, None)
                code = "U6"
            open_ = t + nights > EXTRACT
            J.ep_rows.append((child, t, -1 if open_ else t + nights, "S", "V4", "N2", code,
                              pid, "" if open_ else "E13", "", home[i]))
            t += nights + every + dr.randint(-3, 3)
        children.append((int(dob[i]), "1" if dr.u() < 0.62 else "2", dr.pick(ETHNIC)))
    return children


# --------------------------------------------------------------------------------------
# 3. Fostering households and who is placed with them
class Households:
    """Columnar household table; slots[h] holds, per approved place, the day it frees up."""

    def __init__(self):
        self.type, self.appr, self.dereg, self.reason, self.places = [], [], [], [], []
        self.district, self.slots = [], []

    def add(self, htype, appr, dereg, reason, places, district):
        self.type.append(htype)
        self.appr.append(appr)
        self.dereg.append(dereg)
        self.reason.append(reason)
        self.places.append(places)
        self.district.append(district)
        self.slots.append([-INF] * places)
        return len(self.type) - 1

    def __len__(self):
        return len(self.type)


CONN_LEAVE_REASON = table({"CIRCUMSTANCES": 0.45, "OTHER": 0.3, "RELOCATED": 0.1,
                           "RETIRED": 0.15})
MAIN_LEAVE_REASON = table({"RETIRED": 0.28, "CIRCUMSTANCES": 0.25, "MOVED_TO_IFA": 0.12,
                           "RELOCATED": 0.10, "SGO_OR_ADOPTION": 0.06, "STANDARDS": 0.04,
                           "ALLEGATION": 0.03, "OTHER": 0.12})
MAIN_PLACES = table({1: 0.30, 2: 0.40, 3: 0.22, 4: 0.08})
SB_PLACES = table({1: 0.40, 2: 0.45, 3: 0.15})
MAIN_STOCK_2015 = 760  # mainstream + short-break households approved on 1 April 2015
STOCK_STAY_YEARS = 11.0  # their mean remaining time as carers
SHORT_BREAK_SHARE = 0.06


def fy_of(d: int) -> int:
    dt = date.fromordinal(EPOCH.toordinal() + d)
    return dt.year if dt.month >= 4 else dt.year - 1


def allocate_connected(J: Journeys, H: Households, dr: Draws, scale: int):
    """Each family-and-friends placement gets its own connected household, approved as the
    child moves in (a brother or sister may join later), deregistered when the last child
    leaves (the same day if the carers took an SGO)."""
    P = J.pl
    todo = [i for i, k in enumerate(P["kind"]) if k == CONN and P["provider"][i] == "PR1"]
    todo.sort(key=lambda i: P["start"][i])
    conn: list[int] = []
    last_sgo: dict[int, tuple[int, bool]] = {}
    window = 400 * scale
    for i in todo:
        s, e = P["start"][i], P["end"][i]
        h = -1
        if conn and dr.u() < 0.5:  # a sibling joining relatives who already care for a child
            j = conn[len(conn) - 1 - int(dr.u() * min(len(conn), window))]
            slots = H.slots[j]
            if max(slots) > s:
                free = [k for k, f in enumerate(slots) if f <= s]
                if free:
                    slots[free[0]] = e
                    h = j
                elif len(slots) < 4:
                    slots.append(e)
                    h = j
        if h < 0:
            h = H.add("connected", s - dr.randint(0, 10), INF, "", 1,
                      P["post"][i] or KENT_DISTRICTS[int(dr.u() * len(KENT_DISTRICTS))])
            H.slots[h] = [e]
            conn.append(h)
        P["post"][i] = H.district[h]
        P["hh"][i] = h
        if e >= last_sgo.get(h, (-1, False))[0]:
            last_sgo[h] = (e, P["sgo"][i])
    for h in conn:  # leave when the last child leaves
        end, sgo = last_sgo[h]
        dereg = INF if end >= INF else end + (0 if sgo else dr.randint(7, 120))
        H.dereg[h] = INF if dereg > EXTRACT else dereg
        if H.dereg[h] < INF:
            H.reason[h] = "SGO_OR_ADOPTION" if sgo else dr.pick(CONN_LEAVE_REASON)
        H.places[h] = min(4, len(H.slots[h]) + (1 if dr.u() < 0.15 else 0))


def add_mainstream(H: Households, rng, dr: Draws, scale: int):
    """A stock at April 2015 plus each year's approvals (the target less connected ones)."""
    conn_by_fy: dict[int, int] = {}
    for t, a in zip(H.type, H.appr):
        if a >= HISTORY_START:
            conn_by_fy[fy_of(a)] = conn_by_fy.get(fy_of(a), 0) + 1
    n0 = int(rng.poisson(MAIN_STOCK_2015 * scale))
    age = np.minimum(rng.exponential(8 * YEAR, n0), 30 * YEAR).astype(np.int64)
    appr = [HISTORY_START - 1 - age]
    dereg = [HISTORY_START + rng.exponential(STOCK_STAY_YEARS * YEAR, n0).astype(np.int64)]
    for fy, target in FY_APPROVALS.items():
        n = max(0, round(target * scale) - conn_by_fy.get(fy, 0))
        a = np.sort(rng.integers(day(fy, 4, 1), day(fy + 1, 4, 1), n))
        appr.append(a)
        early = rng.random(n) < 0.18  # a few leave within a couple of years
        tenure = np.where(early, rng.exponential(1.2 * YEAR, n), rng.exponential(9 * YEAR, n))
        dereg.append(a + 30 + tenure.astype(np.int64))
    a = np.sort(rng.integers(day(2020, 4, 1), EXTRACT + 1, rng.poisson(1.2 * scale)))
    appr.append(a)
    dereg.append(a + 30 + rng.exponential(9 * YEAR, len(a)).astype(np.int64))
    appr, dereg = np.concatenate(appr), np.concatenate(dereg)
    for a, d in zip(appr.tolist(), dereg.tolist()):
        sb = dr.u() < SHORT_BREAK_SHARE
        places = dr.pick(SB_PLACES if sb else MAIN_PLACES)
        leave = d <= EXTRACT
        H.add("short_breaks" if sb else "mainstream", a, d if leave else INF,
              dr.pick(MAIN_LEAVE_REASON) if leave else "", places,
              KENT_DISTRICTS[int(dr.u() * len(KENT_DISTRICTS))])


def allocate_mainstream(J: Journeys, H: Households, dr: Draws, urns):
    """Give in-house foster and short-break placements a household approved throughout
    with a free place; when none is found the child goes to an IFA (PR4) instead."""
    P = J.pl
    order = sorted(range(len(H)), key=lambda h: H.appr[h])
    appr_sorted = [H.appr[h] for h in order]
    todo = [i for i, k in enumerate(P["kind"])
            if (k == FOSTER and P["provider"][i] == "PR1") or k == SHORT_BREAK]
    todo.sort(key=lambda i: P["start"][i])
    favourite: dict[int, int] = {}  # short-break child -> their usual household
    for i in todo:
        s, e = P["start"][i], P["end"][i]
        want = "short_breaks" if P["kind"][i] == SHORT_BREAK else "mainstream"
        n_ok = bisect.bisect_right(appr_sorted, s)
        fav = favourite.get(P["child"][i], -1)
        h = -1
        for attempt in range(41 if n_ok else 0):  # the usual carer first, then at random
            j = fav if attempt == 0 else order[int(dr.u() * n_ok)]
            if j < 0 or H.type[j] != want or H.dereg[j] < e or H.appr[j] > s:
                continue
            slots = H.slots[j]
            for k, f in enumerate(slots):
                if f <= s:
                    slots[k] = e
                    h = j
                    break
            if h >= 0:
                break
        if h < 0:
            P["provider"][i] = "PR4"
            P["urn"][i] = urns["ifa"][int(dr.u() * len(urns["ifa"]))]
            P["post"][i] = _district(dr, 0.7)
            continue
        P["hh"][i] = h
        P["post"][i] = H.district[h]
        if want == "short_breaks":
            favourite[P["child"][i]] = h


def flag_beds(H: Households, rng):
    """About 10 emergency-bed and 5 assessment-bed households approved at any time."""
    n = len(H)
    main = np.array([t == "mainstream" for t in H.type])
    emergency = main & (rng.random(n) < 0.009)
    assessment = main & ~emergency & (rng.random(n) < 0.0075)
    return emergency, assessment


# --------------------------------------------------------------------------------------
# 4. Training, allegations, enquiries (vectorised over households)
TRAIN_FROM = day(2014, 4, 1)
COURSES = table({"SAFEGUARDING": 20, "FIRST_AID": 12, "ATTACHMENT": 12, "MEDICATION": 8,
                 "RECORDING": 10, "PACE": 8, "TRAUMA": 8, "SAFER_CARING": 8,
                 "ALLEGATIONS": 5, "EDUCATION": 5, "ONLINE_SAFETY": 4})
CORE_COURSES = {"TSD", "SAFEGUARDING", "FIRST_AID"}


def sequential_ids(rng, n: int, prefix: str, width: int, first: int) -> np.ndarray:
    """Ids issued in time order by the case system, with gaps (deleted / other records)."""
    room = 10**width - first
    if 2 * n > room:  # big scales: start lower and close the gaps
        first = 10 ** (width - 1)
        room = 10**width - first
    nums = first + np.cumsum(rng.integers(1, max(2, min(4, room // max(n, 1))), n))
    assert n == 0 or nums[-1] < 10**width, f"{prefix} ids overflow {width} digits"
    return np.char.add(prefix, nums.astype(str))


def make_training(rng, hh: pd.DataFrame) -> pd.DataFrame:
    n = len(hh)
    appr, dereg = hh["appr"].to_numpy(), hh["dereg"].to_numpy()
    connected = (hh["type"] == "connected").to_numpy()
    last = np.minimum(dereg - 1, EXTRACT)
    # TSD standards: within 12 months (18 for connected) for most, later for some, never.
    u = rng.random(n)
    on_time = np.where(connected, 0.88, 0.88)
    late = on_time + 0.08
    window = np.where(connected, 547, 365)
    delay = np.where(u < on_time, 30 + rng.random(n) * (window - 90),
                     window + 1 + rng.random(n) * 400)
    tsd = appr + delay.astype(np.int64)
    has_tsd = (u < late) & (tsd <= last) & (tsd >= TRAIN_FROM)
    # Other courses: a few a year; a disengaged minority do next to none.
    rate = np.where(connected, 1.8, 3.5) * np.where(rng.random(n) < 0.12, 0.08, 1.0)
    lo = np.maximum(appr, TRAIN_FROM)
    span = np.maximum(last - lo, 0)
    k = rng.poisson(rate * span / YEAR)
    who = np.repeat(np.arange(n), k)
    when = lo[who] + (rng.random(len(who)) * span[who]).astype(np.int64)
    course = pick_many(rng, COURSES, len(who))
    who = np.concatenate([np.flatnonzero(has_tsd), who])
    when = np.concatenate([tsd[has_tsd], when])
    course = np.concatenate([np.full(has_tsd.sum(), "TSD", dtype=object), course])
    o = np.lexsort((who, when))
    who, when, course = who[o], when[o], course[o]
    return pd.DataFrame({
        "training_id": sequential_ids(rng, len(who), "T", 7, 1_030_000),
        "household_id": hh["id"].to_numpy()[who],
        "course": course,
        "core_course": np.where(np.isin(course, list(CORE_COURSES)), "Y", "N"),
        "completed_date": when,
    })


ALLEGATION_CATEGORY = table({"PHYSICAL": 35, "EMOTIONAL": 15, "SEXUAL": 12, "NEGLECT": 13,
                             "STANDARDS_OF_CARE": 25})
ALLEGATION_OUTCOME = table({"UNSUBSTANTIATED": 45, "UNFOUNDED": 33, "SUBSTANTIATED": 15,
                            "FALSE": 5, "MALICIOUS": 2})


def make_allegations(rng, hh: pd.DataFrame, scale: int) -> pd.DataFrame:
    n = rng.poisson(50 * scale * (EXTRACT + 1 - HISTORY_START) / YEAR)
    when = np.sort(rng.integers(HISTORY_START, EXTRACT + 1, n))
    appr, dereg = hh["appr"].to_numpy(), hh["dereg"].to_numpy()
    # Some households attract allegations more than others (repeat allegations).
    weight = rng.gamma(0.5, 2.0, len(hh)) * np.where(hh["type"] == "mainstream", 1.0, 0.6)
    cum = np.cumsum(weight)
    who = np.full(n, -1, dtype=np.int64)
    todo = np.arange(n)
    while len(todo):  # draw by weight; redraw those whose household wasn't approved then
        j = np.searchsorted(cum, rng.random(len(todo)) * cum[-1], side="right")
        ok = (appr[j] <= when[todo]) & (dereg[j] > when[todo])
        who[todo[ok]] = j[ok]
        todo = todo[~ok]
    lado = np.where(rng.random(n) < 0.4, when + rng.integers(0, 6, n), -1)
    lado = np.where(lado > EXTRACT, -1, lado)
    concluded = when + rng.integers(30, 181, n)
    done = concluded <= EXTRACT
    return pd.DataFrame({
        "allegation_id": sequential_ids(rng, n, "A", 6, 204_000),
        "household_id": hh["id"].to_numpy()[who],
        "date_received": when,
        "category": pick_many(rng, ALLEGATION_CATEGORY, n),
        "lado_referral_date": lado,
        "outcome": np.where(done, pick_many(rng, ALLEGATION_OUTCOME, n), ""),
        "date_concluded": np.where(done, concluded, -1),
    })


ENQUIRY_MONTH_WEIGHT = np.array([1.3, 1.1, 1.0, 0.9, 1.25, 1.0, 0.8, 0.7, 1.1, 1.0, 0.9, 0.6])
ENQUIRIES_ONLY_PER_YEAR = 1420  # that never become applications
WITHDRAWN_APPLICATIONS_PER_YEAR = 78


def seasonal_days(rng, n: int, lo: int, hi: int) -> np.ndarray:
    """n days in [lo, hi] with more enquiries in January, May and September."""
    d = rng.integers(lo, hi + 1, 2 * n + 10)
    month = d.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    keep = rng.random(len(d)) < ENQUIRY_MONTH_WEIGHT[month] / ENQUIRY_MONTH_WEIGHT.max()
    return np.sort(d[keep][:n])


def make_enquiries(rng, hh: pd.DataFrame, scale: int) -> pd.DataFrame:
    years = (EXTRACT + 1 - HISTORY_START) / YEAR
    # Approved: every mainstream / short-break household approved since April 2015.
    new = hh[(hh["type"] != "connected") & (hh["appr"] >= HISTORY_START)]
    a = new["appr"].to_numpy()
    app_a = a - rng.integers(122, 305, len(a))  # assessments take 4-10 months
    enq_a = app_a - rng.integers(14, 120, len(a))
    # Applications withdrawn (or still being assessed at the extract date).
    nw = rng.poisson(WITHDRAWN_APPLICATIONS_PER_YEAR * scale * years)
    app_w = seasonal_days(rng, nw, HISTORY_START + 60, EXTRACT)
    enq_w = app_w - rng.integers(14, 120, nw)
    wd_w = app_w + rng.integers(30, 241, nw)
    # Enquiries that go no further; most are closed within three months.
    ne = rng.poisson(ENQUIRIES_ONLY_PER_YEAR * scale * years)
    enq_e = seasonal_days(rng, ne, HISTORY_START, EXTRACT)
    wd_e = np.where(rng.random(ne) < 0.92, enq_e + rng.integers(0, 91, ne), -1)
    none = np.full(nw + ne, -1)
    df = pd.DataFrame({
        "enquiry_date": np.concatenate([enq_a, enq_w, enq_e]),
        "application_date": np.concatenate([app_a, app_w, np.full(ne, -1)]),
        "approval_date": np.concatenate([a, none]),
        "withdrawal_date": np.concatenate([np.full(len(a), -1), wd_w, wd_e]),
        "household_id": np.concatenate([new["id"].to_numpy(), np.full(nw + ne, "", object)]),
    })
    df.loc[df["withdrawal_date"] > EXTRACT, "withdrawal_date"] = -1
    df = df.sort_values(["enquiry_date", "application_date", "approval_date"],
                        kind="stable").reset_index(drop=True)
    df.insert(0, "enquiry_id", sequential_ids(rng, len(df), "E", 6, 310_000))
    return df


# --------------------------------------------------------------------------------------
# 5. Tables as the case system would export them (strings, dd/mm/YYYY dates)
_LUT_FROM = day(1900, 1, 1)
_DATE_LUT = np.array(pd.date_range("1900-01-01", "2049-12-31").strftime("%d/%m/%Y"),
                     dtype=object)


def fmt_dates(days) -> np.ndarray:
    """dd/mm/YYYY for each day number; blank for -1 (missing) or INF (never)."""
    d = np.asarray(days, dtype=np.int64)
    ok = (d != -1) & (d >= _LUT_FROM) & (d < _LUT_FROM + len(_DATE_LUT))
    return np.where(ok, _DATE_LUT[np.clip(d - _LUT_FROM, 0, len(_DATE_LUT) - 1)], "")


def unique_ids(rng, n: int, prefix: str, width: int) -> np.ndarray:
    lo = 10 ** (width - 1)
    assert n <= 9 * lo, f"too many {prefix} ids for {width} digits"
    return np.char.add(prefix, (lo + rng.choice(9 * lo, n, replace=False)).astype(str))


def header_table(rng, kids: pd.DataFrame, sb_children, ids) -> pd.DataFrame:
    dob = np.concatenate([kids["dob"].to_numpy(), [c[0] for c in sb_children]]).astype(np.int64)
    sex = np.concatenate([kids["sex"].to_numpy(), [c[1] for c in sb_children]])
    ethnic = np.concatenate([kids["ethnic"].to_numpy(), [c[2] for c in sb_children]])
    n = len(dob)
    # MOTHER / MC_DOB only for girls old enough; a few are young mothers.
    girl = (sex == "2") & (EXTRACT - dob > 12 * YEAR)
    mum = girl & (EXTRACT - dob > 15 * YEAR) & (rng.random(n) < 0.03)
    mc_dob = np.where(mum, dob + (14.5 * YEAR + rng.random(n) * 0.5 * YEAR).astype(np.int64),
                      -1)
    return pd.DataFrame({
        "CHILD": ids, "SEX": sex, "DOB": fmt_dates(dob), "ETHNIC": ethnic, "UPN": "",
        "MOTHER": np.where(mum, "1", np.where(girl, "0", "")), "MC_DOB": fmt_dates(mc_dob),
    })


def episodes_table(E: dict, J: Journeys, child_ids, hh_ids) -> pd.DataFrame:
    P = J.pl
    pl = np.array(E["pl"])
    place = np.array(E["place"], dtype=object)
    hh = np.array(P["hh"])[pl]
    fostered = np.isin(place, ["U1", "U2", "U3", "U4", "U5", "U6", "A3", "A5"])
    with_hh = fostered & (hh >= 0)
    return pd.DataFrame({
        "CHILD": child_ids[np.array(E["child"])],
        "DECOM": fmt_dates(E["start"]),
        "RNE": E["rne"], "LS": E["ls"], "CIN": E["cin"], "PLACE": place,
        "PLACE_PROVIDER": np.array(P["provider"], dtype=object)[pl],
        "DEC": fmt_dates(E["end"]),
        "REC": E["rec"], "REASON_PLACE_CHANGE": E["rpc"], "HOME_POST": E["home_post"],
        "PL_POST": np.array([p or "" for p in P["post"]], dtype=object)[pl],
        "URN": np.array(P["urn"], dtype=object)[pl],
        "HOUSEHOLD_ID": np.where(with_hh, hh_ids[np.maximum(hh, 0)], ""),
    })


def carers_table(rng, H: Households, hh_ids) -> pd.DataFrame:
    n = len(H)
    htype = np.array(H.type, dtype=object)
    dereg = np.array(H.dereg, dtype=np.int64)
    emergency, assessment = flag_beds(H, rng)
    skills = np.where(htype == "connected", pick_many(rng, table({"1": 60, "2": 20, "": 20}), n),
                      pick_many(rng, table({"1": 30, "2": 45, "3": 17, "": 8}), n))
    status = pick_many(rng, table({"active": 92, "on_hold": 5, "inactive": 3}), n)
    return pd.DataFrame({
        "household_id": hh_ids, "household_type": htype,
        "approval_date": fmt_dates(H.appr), "deregistration_date": fmt_dates(dereg),
        "deregistration_reason": H.reason,
        "approved_places": np.array(H.places).astype(str),
        "emergency_bed": np.where(emergency, "Y", "N"),
        "assessment_bed": np.where(assessment, "Y", "N"),
        "support_team": [support_team_for(d) for d in H.district],
        "skills_level": skills,
        "status": np.where(dereg < INF, "deregistered", status),
    })


# --------------------------------------------------------------------------------------
# 6. Planted errors: about 1% of rows corrupted in exactly one way, or duplicated.
BAD_CODES = {
    "SEX": ["0", "9", "M"], "ETHNIC": ["WBR", "BRIT", "W1"], "RNE": ["Q", "X", "N"],
    "LS": ["C3", "V5", "E2"], "CIN": ["N9", "N0"], "PLACE": ["U9", "U7", "A7", "K3"],
    "PLACE_PROVIDER": ["PR6", "PR9", "IFA"], "REC": ["X2", "E10", "E4"],
    "REASON_PLACE_CHANGE": ["CARER", "MOVE", "DISR"],
    "household_type": ["foster", "Mainstream", "kinship"],
    "status": ["ACTIVE", "approved", "closed"],
    "deregistration_reason": ["RESIGNED", "MOVED", "IFA"], "emergency_bed": ["Yes", "1", "X"],
    "core_course": ["X", "Yes", "1"], "category": ["VERBAL", "PHYS", "OTHER"],
    "outcome": ["PROVEN", "NFA", "UNSUBST"],
}
BAD_NUMBERS = {"approved_places": ["two", "-1", "11", "2.5", "three"],
               "skills_level": ["4", "0", "high"]}

# (kind, column, extra eligibility) per file; the column must have a value to corrupt;
# "safe" = a child outside every stability population (episodes: a one-episode period), "last_sb" = a short-break child's
# last closed episode, "open_hh" = a household still approved.
PLANTS = {
    "header.csv": [("bad_code", "SEX", "safe"), ("bad_code", "ETHNIC", "safe"),
                   ("bad_date", "DOB", "safe"), ("missing_required", "ETHNIC", "safe"),
                   ("missing_required", "SEX", "safe"), ("future_date", "DOB", "safe"),
                   ("duplicate_key", "", "safe")],
    "episodes.csv": [("bad_code", "PLACE", "safe"), ("bad_code", "RNE", "safe"),
                     ("bad_code", "LS", "safe"), ("bad_code", "CIN", "safe"),
                     ("bad_code", "PLACE_PROVIDER", "safe"), ("bad_code", "REC", "safe"),
                     ("bad_date", "DECOM", "safe"), ("bad_date", "DEC", "safe"),
                     ("missing_required", "LS", "safe"), ("missing_required", "PLACE", "safe"),
                     ("missing_required", "CIN", "safe"), ("end_before_start", "DEC", "safe"),
                     ("future_date", "DEC", "last_sb"), ("duplicate_key", "", "safe"),
                     ("unknown_household", "HOUSEHOLD_ID", "safe")],
    "carers.csv": [("bad_code", "household_type", ""), ("bad_code", "status", ""),
                   ("bad_code", "deregistration_reason", ""),
                   ("bad_code", "emergency_bed", ""), ("bad_date", "approval_date", ""),
                   ("bad_date", "deregistration_date", ""),
                   ("missing_required", "support_team", ""),
                   ("missing_required", "approved_places", ""),
                   ("missing_required", "status", ""),
                   ("end_before_start", "deregistration_date", ""),
                   ("future_date", "approval_date", "open_hh"),
                   ("future_date", "deregistration_date", ""), ("duplicate_key", "", ""),
                   ("bad_number", "approved_places", ""), ("bad_number", "skills_level", "")],
    "training.csv": [("bad_code", "core_course", ""), ("bad_date", "completed_date", ""),
                     ("missing_required", "course", ""),
                     ("missing_required", "completed_date", ""),
                     ("future_date", "completed_date", ""), ("duplicate_key", "", ""),
                     ("unknown_household", "household_id", "")],
    "allegations.csv": [("bad_code", "category", ""), ("bad_code", "outcome", ""),
                        ("bad_date", "date_received", ""), ("bad_date", "date_concluded", ""),
                        ("missing_required", "category", ""),
                        ("end_before_start", "date_concluded", ""),
                        ("future_date", "date_concluded", ""), ("duplicate_key", "", ""),
                        ("unknown_household", "household_id", "")],
    "enquiries.csv": [("bad_date", "enquiry_date", ""), ("bad_date", "application_date", ""),
                      ("missing_required", "enquiry_date", ""),
                      ("end_before_start", "withdrawal_date", ""),
                      ("future_date", "withdrawal_date", ""), ("duplicate_key", "", "")],
}
EARLIER = {"DEC": "DECOM", "deregistration_date": "approval_date",
           "date_concluded": "date_received", "withdrawal_date": "enquiry_date"}


def _bad_date(dr: Draws, value: str) -> str:
    dd, mm, yyyy = value.split("/")
    options = [f"{yyyy}-{mm}-{dd}", f"31/02/{yyyy}", f"30/02/{yyyy}", f"{dd}/13/{yyyy}",
               f"00/{mm}/{yyyy}", f"{dd}.{mm}.{yyyy}", f"{dd}/{mm}/{yyyy[2:]}"]
    return options[int(dr.u() * len(options))]


def _parse(value: str) -> int:
    dd, mm, yyyy = value.split("/")
    return day(int(yyyy), int(mm), int(dd))


def _corrupt(dr: Draws, kind: str, col: str, row: dict, spare_households) -> str:
    if kind == "bad_code":
        return BAD_CODES[col][int(dr.u() * len(BAD_CODES[col]))]
    if kind == "bad_number":
        return BAD_NUMBERS[col][int(dr.u() * len(BAD_NUMBERS[col]))]
    if kind == "bad_date":
        return _bad_date(dr, row[col])
    if kind == "missing_required":
        return ""
    if kind == "future_date":
        return fmt_dates([EXTRACT + dr.randint(30, 4200)])[0]
    if kind == "end_before_start":
        return fmt_dates([_parse(row[EARLIER[col]]) - dr.randint(1, 60)])[0]
    if kind == "unknown_household":
        return spare_households.pop()
    raise ValueError(kind)


def plant_errors(dr: Draws, name: str, df: pd.DataFrame, flags: dict, spare_households):
    """Corrupt ~1% of rows of one table; returns (new table, [(line, column, kind)])."""
    specs = PLANTS[name]
    n_err = max(len(specs), round(0.01 * len(df)))
    cols = {c: df[c].to_numpy(dtype=object).copy() for c in df.columns}
    used = np.zeros(len(df), dtype=bool)
    dup_after: list[int] = []
    corrupted: list[tuple[int, str, str]] = []
    pools = {}
    for k in range(n_err):
        kind, col, need = specs[k % len(specs)]
        key = (kind, col, need)
        if key not in pools:
            ok = np.ones(len(df), dtype=bool) if not need else flags[need].copy()
            if col and kind != "missing_required":
                ok &= cols[col] != ""  # bad values replace real ones
            if col in EARLIER and kind in ("end_before_start", "future_date"):
                ok &= cols[EARLIER[col]] != ""
            pools[key] = np.flatnonzero(ok)
        pool = pools[key]
        for _ in range(50):  # a row is corrupted in one way only
            i = int(pool[int(dr.u() * len(pool))]) if len(pool) else -1
            if i >= 0 and not used[i]:
                break
        else:
            continue
        used[i] = True
        if kind == "duplicate_key":
            dup_after.append(i)
            continue
        row = {c: cols[c][i] for c in cols}
        cols[col][i] = _corrupt(dr, kind, col, row, spare_households)
        corrupted.append((i, col, kind))
    out = pd.DataFrame(cols)
    # Duplicates go straight after their original (the second occurrence is the bad one).
    order = np.sort(np.concatenate([np.arange(len(df)), np.array(dup_after, dtype=np.int64)]),
                    kind="stable")
    first_pos = np.searchsorted(order, np.arange(len(df)))  # position of each original
    errors = [(int(first_pos[i]) + 2, col, kind) for i, col, kind in corrupted]
    errors += [(int(first_pos[i]) + 3, "", "duplicate_key") for i in dup_after]
    return out.iloc[order].reset_index(drop=True), sorted(errors)


# --------------------------------------------------------------------------------------
# 7. The DfE placement stability measures, as used to calibrate this generator
RNE_CODES = {"S", "L", "P", "T", "U", "B"}
LS_CODES = {"C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3"}
PLACE_CODES = {"A3", "A4", "A5", "A6", "H5", "K1", "K2", "P1", "P2", "P3", "R1", "R2", "R3",
               "R5", "S1", "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6",
               "Z1"}
TEMP_CODES = {"T0", "T1", "T2", "T3", "T4"}


def placements_from_episodes(episodes: pd.DataFrame) -> pd.DataFrame:
    """One row per placement (non-V3/V4): CHILD, period and placement start, end (NaT open).

    Invalid rows (bad dates or codes, DEC before DECOM, exact duplicates) are dropped."""
    e = episodes[["CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC"]].drop_duplicates().copy()
    e["start"] = pd.to_datetime(e["DECOM"], format="%d/%m/%Y", errors="coerce")
    e["end"] = pd.to_datetime(e["DEC"], format="%d/%m/%Y", errors="coerce")
    ok = (e["start"].notna() & ((e["DEC"] == "") | e["end"].notna())
          & e["RNE"].isin(RNE_CODES) & e["LS"].isin(LS_CODES) & e["PLACE"].isin(PLACE_CODES)
          & ~(e["end"] < e["start"]) & ~e["LS"].isin(["V3", "V4"]))
    e = e[ok].sort_values(["CHILD", "start"], kind="stable").reset_index(drop=True)
    same_child = e["CHILD"].eq(e["CHILD"].shift())
    temp = e["PLACE"].isin(TEMP_CODES)
    after_temp = same_child & temp.shift(fill_value=False)
    period_start = ~same_child | (e["RNE"] == "S")
    # A new placement: start of a period, or RNE P/B that is not a temporary placement,
    # not the return from one, and not adoption by the current foster carer.
    new = period_start | (e["RNE"].isin(["P", "B"]) & ~temp & ~after_temp
                          & ~e["PLACE"].isin(["A3", "A5"]))
    e["period"] = period_start.cumsum()
    e["placement"] = new.cumsum()
    e["period_start"] = e.groupby("period")["start"].transform("first")
    last = ~e["placement"].eq(e["placement"].shift(-1))
    ends = e.loc[last, ["placement", "end"]].set_index("placement")["end"]
    firsts = e[~e["placement"].eq(e["placement"].shift())]
    pl = firsts[["CHILD", "placement", "period", "period_start", "start"]].copy()
    pl["end"] = pl["placement"].map(ends)
    return pl.reset_index(drop=True)


def stability_check(episodes: pd.DataFrame, header: pd.DataFrame, as_at: date,
                    placements: pd.DataFrame | None = None) -> dict:
    """DfE short-term and long-term placement stability at `as_at`.

    Population: children with a non-V3/V4 episode open at as_at. Placements as in
    placements_from_episodes (V3/V4 ignored; temporary placements and A3/A5 never start one).
    Short-term: % of the population with 3+ placements overlapping the 12 months to as_at.
    Long-term: of those under 16 whose period of care began 30+ months before as_at, % whose
    current placement began 24+ months before it.
    episodes / header: the extracts read as strings (dtype=str, keep_default_na=False)."""
    pl = placements if placements is not None else placements_from_episodes(episodes)
    at = pd.Timestamp(as_at)
    current = pl[(pl["start"] <= at) & (pl["end"].isna() | (pl["end"] > at))]
    current = current.drop_duplicates("CHILD")
    population = set(current["CHILD"])
    window_from = at - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    in_year = pl[(pl["start"] <= at) & (pl["end"].isna() | (pl["end"] >= window_from))
                 & pl["CHILD"].isin(population)]
    counts = in_year.groupby("CHILD").size()
    short_num = int((counts >= 3).sum())
    dob = pd.to_datetime(header.drop_duplicates("CHILD").set_index("CHILD")["DOB"],
                         format="%d/%m/%Y", errors="coerce")
    cur = current.assign(dob=current["CHILD"].map(dob))
    under16 = cur["dob"].notna() & (cur["dob"] + pd.DateOffset(years=16) > at)
    long_den = cur[under16 & (cur["period_start"] <= at - pd.DateOffset(months=30))]
    long_num = int((long_den["start"] <= at - pd.DateOffset(months=24)).sum())
    n = len(population)
    return {
        "as_at": as_at.isoformat(), "population": n,
        "short_term_num": short_num,
        "short_term_pct": round(100 * short_num / n, 1) if n else None,
        "long_term_num": long_num, "long_term_den": len(long_den),
        "long_term_pct": round(100 * long_num / len(long_den), 1) if len(long_den) else None,
    }


def read_extract(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def summarise(directory: Path) -> dict:
    """Volumes and calibration figures of a generated extract (for the tests and report)."""
    d = Path(directory)
    eps, head = read_extract(d / "episodes.csv"), read_extract(d / "header.csv")
    car = read_extract(d / "carers.csv")
    pl = placements_from_episodes(eps)
    appr = pd.to_datetime(car["approval_date"], format="%d/%m/%Y", errors="coerce")
    dereg = pd.to_datetime(car["deregistration_date"], format="%d/%m/%Y", errors="coerce")
    out = {"stability": [], "households_approved": {}, "approvals_by_fy": {},
           "deregistrations_by_fy": {}}
    for y in range(2016, 2021):
        at = date(y, 3, 31)
        out["stability"].append(stability_check(eps, head, at, placements=pl))
        ts = pd.Timestamp(at)
        out["households_approved"][at.isoformat()] = int(
            ((appr <= ts) & (dereg.isna() | (dereg > ts))).sum())
        fy = (appr >= pd.Timestamp(y - 1, 4, 1)) & (appr <= ts)
        out["approvals_by_fy"][f"{y - 1}-{str(y)[2:]}"] = int(fy.sum())
        fy = (dereg >= pd.Timestamp(y - 1, 4, 1)) & (dereg <= ts)
        out["deregistrations_by_fy"][f"{y - 1}-{str(y)[2:]}"] = int(fy.sum())
    return out


# --------------------------------------------------------------------------------------
# 8. Putting it together
def write_csv(path: Path, columns: list[str], df: pd.DataFrame) -> None:
    """UTF-8, \\n line endings, no quoting needed: values never contain , " or newlines."""
    data = [df[c].astype(str).tolist() for c in columns]
    lines = [",".join(columns)] + [",".join(r) for r in zip(*data)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


JOURNEY_BLOCK = 20_000  # children per block; each block has its own seed, so the data is
# the same whatever the number of worker processes (big scales use both cores).
JOURNEY_COLUMNS = ["start1", "end1", "route1", "cin1", "again", "start2", "end2", "route2",
                   "cin2", "dob", "b18", "uasc", "volatile", "home_post"]


def journeys_block(task) -> tuple[dict, list]:
    seed, block, first, cols, urns = task
    J = Journeys()
    dr = Draws(np.random.default_rng(np.random.SeedSequence([seed, 903, block])))
    for i, r in enumerate(zip(*cols)):
        s1, e1, ro1, c1, again, s2, e2, ro2, c2, dob, b18, uasc, vol, post = r
        build_period(J, dr, urns, first + i, s1, e1, dob, b18, ro1, c1, uasc, vol, post)
        if again:
            build_period(J, dr, urns, first + i, s2, e2, dob, b18, ro2, c2, uasc, vol, post)
    return J.pl, J.ep_rows


def build_journeys(kids: pd.DataFrame, urns: dict, seed: int) -> Journeys:
    kids = kids.assign(b18=add_years(kids["dob"].to_numpy(), 18))
    cols = [kids[c].tolist() for c in JOURNEY_COLUMNS]
    tasks = [(seed, b, lo, [c[lo:lo + JOURNEY_BLOCK] for c in cols], urns)
             for b, lo in enumerate(range(0, len(kids), JOURNEY_BLOCK))]
    if len(tasks) > 1 and (os.cpu_count() or 1) > 1:
        with multiprocessing.Pool(2) as pool:
            results = pool.map(journeys_block, tasks, chunksize=1)
    else:
        results = [journeys_block(t) for t in tasks]
    J = Journeys()
    for pl, rows in results:  # renumber each block's placements after the previous ones
        offset = len(J.pl["child"])
        for key in J.pl:
            J.pl[key].extend(pl[key])
        J.ep_rows.extend(r[:7] + (r[7] + offset,) + r[8:] for r in rows)
    return J


def safe_children(kids: pd.DataFrame) -> np.ndarray:
    """Children outside every 31 March 2016-2020 stability population (safe to corrupt)."""
    safe = np.ones(len(kids), dtype=bool)
    for y in range(2016, 2021):
        at = day(y, 3, 31)
        for s, e, on in (("start1", "end1", None), ("start2", "end2", "again")):
            inside = (kids[s] <= at) & (kids[e] > at)
            if on:
                inside &= kids[on]
            safe &= ~inside.to_numpy()
    return safe


def generate(out_dir: Path, scale: str = "council", seed: int = 20200405) -> dict:
    """Write the sample extract into out_dir; returns data-row counts per file."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}")
    k = SCALES[scale]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(12)]

    kids = draw_children(rng[0], k)
    urns = {"ifa": list(np.char.add("SC", rng[1].integers(400000, 700000, 40).astype(str))),
            "resi": list(np.char.add("SC", rng[1].integers(400000, 700000, 150).astype(str)))}
    J = build_journeys(kids, urns, seed)
    sb_children = build_short_breaks(J, rng[2], Draws(rng[2]), len(kids), k)

    H = Households()
    allocate_connected(J, H, Draws(rng[3]), k)
    add_mainstream(H, rng[4], Draws(rng[4]), k)
    allocate_mainstream(J, H, Draws(rng[5]), urns)

    E = J.episodes()
    child_ids = unique_ids(rng[6], len(kids) + len(sb_children), "C", 6)
    all_hh_ids = unique_ids(rng[6], len(H) + 200 * k, "H", 5)
    hh_ids, spare_hh = all_hh_ids[:len(H)], sorted(all_hh_ids[len(H):].tolist())
    hh = pd.DataFrame({"id": hh_ids, "type": H.type, "appr": H.appr, "dereg": H.dereg})

    tables = {
        "header.csv": header_table(rng[7], kids, sb_children, child_ids),
        "episodes.csv": episodes_table(E, J, child_ids, hh_ids),
        "carers.csv": carers_table(rng[8], H, hh_ids),
    }
    for name, df in (("training.csv", make_training(rng[9], hh)),
                     ("allegations.csv", make_allegations(rng[10], hh, k)),
                     ("enquiries.csv", make_enquiries(rng[11], hh, k))):
        for c in df.columns:
            if c.endswith("_date") or c == "date_received" or c == "date_concluded":
                df[c] = fmt_dates(df[c].to_numpy())
        tables[name] = df

    # Row flags for choosing which rows may be corrupted.
    safe = np.concatenate([safe_children(kids), np.ones(len(sb_children), dtype=bool)])
    ep_child = np.array(E["child"])
    is_sb = ep_child >= len(kids)
    last_of_child = np.r_[ep_child[1:] != ep_child[:-1], True]
    flags = {
        "header.csv": {"safe": safe},
        # only episodes that are a whole period of care on their own: setting one aside
        # leaves no X1 without a next episode, and no gap in care, behind it
        "episodes.csv": {"safe": safe[ep_child] & (np.array(E["rne"]) == "S")
                         & (np.array(E["rec"]) != "X1"),
                         "last_sb": is_sb & last_of_child & (np.array(E["end"]) >= 0)},
        "carers.csv": {"open_hh": np.array(H.dereg) >= INF},
    }
    # Deterministic order: header by CHILD, episodes by CHILD then DECOM, others by id.
    sort_keys = {"header.csv": (child_ids,),
                 "episodes.csv": (np.array(E["start"]), child_ids[ep_child]),
                 "carers.csv": (hh_ids,)}
    dr_err = Draws(np.random.default_rng(np.random.SeedSequence([seed, 903])))
    planted, counts = [], {}
    for name, columns in COLUMNS.items():
        df = tables[name]
        f = flags.get(name, {})
        if name in sort_keys:
            o = np.lexsort(sort_keys[name])
            df = df.iloc[o].reset_index(drop=True)
            f = {key: v[o] for key, v in f.items()}
        else:
            df = df.sort_values(columns[0], kind="stable").reset_index(drop=True)
        df, errs = plant_errors(dr_err, name, df[columns], f, spare_hh)
        planted += [(name, line, col, kind) for line, col, kind in errs]
        write_csv(out_dir / name, columns, df)
        counts[name] = len(df)
    err = pd.DataFrame(planted, columns=["file", "line", "column", "kind"])
    write_csv(out_dir / "_planted_errors.csv", list(err.columns), err)
    counts["_planted_errors.csv"] = len(err)
    (out_dir / "extract.toml").write_text(
        f'council = "{COUNCIL}"\nla_code = "{LA_CODE}"\nextract_date = 2020-04-05\n'
        f'source_system = "fostering_scorecard.sample_data seed {seed} scale {scale}"\n',
        encoding="utf-8", newline="\n")
    return counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m fostering_scorecard.sample_data",
                                 description="Write a synthetic, seeded sample extract.")
    ap.add_argument("--out", type=Path, required=True, help="output folder")
    ap.add_argument("--scale", choices=list(SCALES), default="council",
                    help="council (Kent-sized), region (10x) or national (50x)")
    ap.add_argument("--seed", type=int, default=20200405)
    ap.add_argument("--summary", action="store_true",
                    help="also print stability and household figures")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    counts = generate(args.out, args.scale, args.seed)
    took = time.perf_counter() - t0
    for name, n in counts.items():
        print(f"{name:22s} {n:>9,d} rows")
    print(f"generated {args.scale} scale (seed {args.seed}) in {took:.1f}s -> {args.out}")
    if args.summary:
        import json
        print(json.dumps(summarise(args.out), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
