"""2a. The placements of one period of care: what kind each is, how long it lasts, the legal
statuses and placement codes over it, short temporary stays away, and who provides it.

The mix is tuned so that the DfE stability measures land near Kent's (stability.py checks it); the
levers that change from year to year are in years.py.
"""

from __future__ import annotations

from .children import ADOPT, AGE18, HOME, OTHER, SGO
from .contract import weighted_codes
from .days import INF, YEAR
from .draws import Draws, table
from .geography import LA_ADOPTION_URN, LA_FOSTERING_URN, random_district
from .years import CHURN_DAYS, LONG_BREAK, fy_of_day, fy_start, in_year

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
# Unaccompanied children mostly settle after their first (reception) placement and stay until 18.
UASC_SETTLED_P = 0.7

PROVIDER = {kind: weighted_codes("episodes", "PLACE_PROVIDER", weights) for kind, weights in {
    FOSTER: {"PR1": 0.835, "PR4": 0.135, "PR2": 0.015, "PR5": 0.015},
    CONN: {"PR1": 1.0},
    RESI: {"PR4": 0.65, "PR1": 0.28, "PR5": 0.07},
    SEMI: {"PR4": 0.6, "PR1": 0.2, "PR5": 0.2},
    PARENTS: {"PR0": 1.0},
    INDEP: {"PR1": 1.0},
    ADOPTIVE: {"PR1": 0.75, "PR5": 0.2, "PR2": 0.05},
}.items()}
RESI_CODES = weighted_codes("episodes", "PLACE", {"K2": 0.82, "R1": 0.06, "K1": 0.03, "S1": 0.05,
                                                  "R2": 0.04})
MOVE_REASON = weighted_codes("episodes", "REASON_PLACE_CHANGE", {
    "CARPL": 38, "LAREQ": 14, "PLACE": 8, "CREQB": 11, "CREQO": 7, "CHILD": 7, "ALLEG": 2,
    "STAND": 2, "CLOSE": 3, "APPRR": 1, "OTHER": 7})
# Reason the period of care ended (REC), by route out of care.
REC_HOME = weighted_codes("episodes", "REC", {"E4A": 0.85, "E4B": 0.15})
REC_AT18_FOSTER = weighted_codes("episodes", "REC", {"E17": 0.45, "E5": 0.30, "E6": 0.07,
                                                     "E4A": 0.10, "E8": 0.05, "E7": 0.03})
REC_AT18_OTHER = weighted_codes("episodes", "REC", {"E5": 0.6, "E6": 0.15, "E4A": 0.15, "E8": 0.07,
                                                    "E7": 0.03})
REC_LEFT_EARLY = weighted_codes("episodes", "REC", {"E5": 0.7, "E6": 0.2, "E4B": 0.1})
REC_OTHER = weighted_codes("episodes", "REC", {"E3": 0.25, "E8": 0.25, "E9": 0.15, "E16": 0.1,
                                               "E13": 0.15, "E14": 0.08, "E2": 0.02})
REC_OTHER_UASC = weighted_codes("episodes", "REC", {"E15": 0.5, "E8": 0.3, "E16": 0.2})
REC_SGO_OTHER = weighted_codes("episodes", "REC", {"E47": 0.6, "E48": 0.1, "E41": 0.3})


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


def placement_length(dr: Draws, kind: int, idx: int, volatile: bool, start: int,
                     uasc: bool = False) -> int:
    """Days a placement lasts, or INF for one that lasts until the period ends."""
    stable, mean = STABLE_P[kind], MEAN_DAYS[kind]
    if uasc and idx > 0:
        stable = max(stable, UASC_SETTLED_P)
    if idx == 0 and kind != CONN:  # family and friends at entry are usually for good
        stable, mean = stable * FIRST_STABLE_FACTOR, FIRST_MEAN_DAYS
    if volatile:
        stable, mean = stable * VOLATILE_STABLE_FACTOR, min(mean, VOLATILE_MEAN_DAYS)
    if dr.u() < stable:
        return INF
    return 7 + int(dr.expo(mean * in_year(CHURN_DAYS, fy_of_day(start))))


LONG_BREAK_AFTER = 365  # days: only placements that have lasted a year can break down "late"


def late_breakdown(dr: Draws, kind: int, start: int, end: int, stop: int) -> int:
    """The end of a foster placement after the years' late breakdowns (years.LONG_BREAK):
    in each financial year from its first anniversary on, it may end on a day of that year."""
    if kind not in FOSTER_KINDS:
        return end
    settled = start + LONG_BREAK_AFTER
    last = min(end, stop) - 1
    fy = fy_of_day(settled)
    while settled <= last:
        year_end = fy_start(fy + 1) - 1
        chance = in_year(LONG_BREAK, fy)
        if chance and dr.u() < chance:  # no draw in a year without breakdowns
            lo = max(settled, fy_start(fy))
            return lo + int(dr.u() * (min(year_end, last) - lo + 1))
        fy += 1
        settled = fy_start(fy)
    return end


def period_placements(dr, s, stop, dob, route, uasc, volatile):
    """Consecutive placements [start, end, kind] covering [s, stop)."""
    out = []
    t = s
    while t < stop:
        kind = pick_kind(dr, (t - dob) / YEAR, uasc, len(out), route)
        end = t + placement_length(dr, kind, len(out), volatile, t, uasc)
        end = late_breakdown(dr, kind, t, end, stop)
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


def placement_details(dr, kind, code, home_post, urns):
    """Provider, URN and placement postcode (None = the household's, filled later)."""
    provider = dr.pick(PROVIDER[kind]) if kind in PROVIDER else "PR1"
    if kind in FOSTER_KINDS:
        if provider == "PR1":
            return provider, LA_FOSTERING_URN, None
        return provider, urns["ifa"][int(dr.u() * len(urns["ifa"]))], random_district(dr, 0.7)
    if kind == RESI:
        return provider, urns["resi"][int(dr.u() * len(urns["resi"]))], random_district(dr, 0.6)
    if kind == PARENTS:
        return provider, "", home_post
    if kind == ADOPTIVE:
        return provider, LA_ADOPTION_URN if provider == "PR1" else "", random_district(dr, 0.6)
    return provider, "", random_district(dr, 0.8)


def end_reason(dr, route, last_kind, end, b18, uasc):
    """REC of the last episode of a period of care that has ended."""
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
