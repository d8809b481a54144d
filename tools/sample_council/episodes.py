"""2b. Journeys: each child's periods of care cut into placements and then into SSDA903
episodes at placement, placement-type and legal-status changes, with the odd temporary
placement (T3/T4); and the children on a series of short breaks (V4).
"""

from __future__ import annotations

import multiprocessing
import os

import numpy as np
import pandas as pd

from .children import ADOPT, ETHNIC
from .days import EXTRACT, HISTORY_START, INF, OPEN, YEAR, add_years, day
from .draws import Draws, pick_many, table
from .geography import KENT_DISTRICTS, LA_FOSTERING_URN, random_district
from .placements import (
    ADOPTIVE, FOSTER, FOSTER_KINDS, MOVE_REASON, RESI, SHORT_BREAK, TEMP, code_timeline,
    end_reason, legal_statuses, period_placements, placement_details, temporary_moves,
)

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
                                        random_district(dr, 0.9)))
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
    start = rng.integers(day(2017, 4, 1), EXTRACT - 30, n)
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

