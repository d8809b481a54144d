"""3. Fostering households and who is placed with them.

Connected-person households are created for the children placed with family and friends;
mainstream and short-break households are a stock plus approvals per financial year
(years.FY_APPROVALS); in-house
foster placements are then given a household with a free place.
"""

from __future__ import annotations

import bisect

import numpy as np

from .contract import weighted_codes
from .days import EXTRACT, HISTORY_START, INF, LAST_FY, YEAR, day
from .draws import Draws, table
from .episodes import Journeys
from .geography import KENT_DISTRICTS, random_district
from .placements import CONN, FOSTER, SHORT_BREAK
from .years import FY_APPROVALS


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


CONN_LEAVE_REASON = weighted_codes("carers", "deregistration_reason", {
    "CIRCUMSTANCES": 0.45, "OTHER": 0.3, "RELOCATED": 0.1, "RETIRED": 0.15})
MAIN_LEAVE_REASON = weighted_codes("carers", "deregistration_reason", {
    "RETIRED": 0.28, "CIRCUMSTANCES": 0.25, "MOVED_TO_IFA": 0.12, "RELOCATED": 0.10,
    "SGO_OR_ADOPTION": 0.06, "STANDARDS": 0.04, "ALLEGATION": 0.03, "OTHER": 0.12})
MAIN_PLACES = table({1: 0.36, 2: 0.42, 3: 0.17, 4: 0.05})
SB_PLACES = table({1: 0.40, 2: 0.45, 3: 0.15})
MAIN_STOCK = 830  # mainstream + short-break households approved on 1 April 2020
STOCK_STAY_YEARS = 7.0  # their mean remaining time as carers
NEW_STAY_YEARS = 7.0  # mean time as carers of those approved since, unless they leave early
EARLY_LEAVERS = 0.18
SHORT_BREAK_SHARE = 0.06


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
    """A stock at April 2020 plus each year's approvals (years.FY_APPROVALS), and the odd one
    approved in the days between the last year's end and the extract date."""
    n0 = int(rng.poisson(MAIN_STOCK * scale))
    age = np.minimum(rng.exponential(8 * YEAR, n0), 30 * YEAR).astype(np.int64)
    appr = [HISTORY_START - 1 - age]
    dereg = [HISTORY_START + rng.exponential(STOCK_STAY_YEARS * YEAR, n0).astype(np.int64)]
    for fy, approvals in FY_APPROVALS.items():
        n = round(approvals * scale)
        a = np.sort(rng.integers(day(fy, 4, 1), day(fy + 1, 4, 1), n))
        appr.append(a)
        early = rng.random(n) < EARLY_LEAVERS  # a few leave within a couple of years
        tenure = np.where(early, rng.exponential(1.2 * YEAR, n), rng.exponential(NEW_STAY_YEARS * YEAR, n))
        dereg.append(a + 30 + tenure.astype(np.int64))
    a = np.sort(rng.integers(day(LAST_FY + 1, 4, 1), EXTRACT + 1, rng.poisson(1.2 * scale)))
    appr.append(a)
    dereg.append(a + 30 + rng.exponential(NEW_STAY_YEARS * YEAR, len(a)).astype(np.int64))
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
            P["post"][i] = random_district(dr, 0.7)
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


