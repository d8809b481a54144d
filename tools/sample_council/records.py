"""4. Training, allegations and recruitment enquiries, hanging off the households
(vectorised over households)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .contract import weighted_codes
from .days import EXTRACT, HISTORY_START, YEAR, day
from .draws import pick_many, table

TRAIN_FROM = day(2019, 4, 1)  # the case system holds training records from a year before
# Courses are the case system's own codes (the contract lists none); TSD, the core standard,
# is added per household in make_training.
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


ALLEGATION_CATEGORY = weighted_codes("allegations", "category", {
    "PHYSICAL": 35, "EMOTIONAL": 15, "SEXUAL": 12, "NEGLECT": 13, "STANDARDS_OF_CARE": 25})
ALLEGATION_OUTCOME = weighted_codes("allegations", "outcome", {
    "UNSUBSTANTIATED": 45, "UNFOUNDED": 33, "SUBSTANTIATED": 15, "FALSE": 5, "MALICIOUS": 2})


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
IN_ASSESSMENT_APPROVALS_PER_YEAR = 112  # about the years' approvals (years.FY_APPROVALS)


def seasonal_days(rng, n: int, lo: int, hi: int) -> np.ndarray:
    """n days in [lo, hi] with more enquiries in January, May and September."""
    d = rng.integers(lo, hi + 1, 2 * n + 10)
    month = d.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    keep = rng.random(len(d)) < ENQUIRY_MONTH_WEIGHT[month] / ENQUIRY_MONTH_WEIGHT.max()
    return np.sort(d[keep][:n])


def make_enquiries(rng, hh: pd.DataFrame, scale: int) -> pd.DataFrame:
    years = (EXTRACT + 1 - HISTORY_START) / YEAR
    # Approved: every mainstream / short-break household approved since April 2020.
    new = hh[(hh["type"] != "connected") & (hh["appr"] >= HISTORY_START)]
    a = new["appr"].to_numpy()
    app_a = a - rng.integers(122, 305, len(a))  # assessments take 4-10 months
    enq_a = app_a - rng.integers(14, 120, len(a))
    # Applications withdrawn.
    nw = rng.poisson(WITHDRAWN_APPLICATIONS_PER_YEAR * scale * years)
    app_w = seasonal_days(rng, nw, HISTORY_START + 60, EXTRACT)
    enq_w = app_w - rng.integers(14, 120, nw)
    wd_w = app_w + rng.integers(30, 241, nw)
    # Enquiries that go no further; most are closed within three months.
    ne = rng.poisson(ENQUIRIES_ONLY_PER_YEAR * scale * years)
    enq_e = seasonal_days(rng, ne, HISTORY_START, EXTRACT)
    wd_e = np.where(rng.random(ne) < 0.92, enq_e + rng.integers(0, 91, ne), -1)
    # Assessments still under way on the extract date: the households to be approved in the
    # coming year that have already applied (without them applications would tail off in the
    # last months, as if recruitment had stopped).
    na = rng.poisson(IN_ASSESSMENT_APPROVALS_PER_YEAR * scale)
    app_n = EXTRACT + 1 + rng.integers(0, 365, na) - rng.integers(122, 305, na)
    app_n = np.sort(app_n[app_n <= EXTRACT])
    enq_n = app_n - rng.integers(14, 120, len(app_n))
    none = np.full(nw + ne + len(app_n), -1)
    df = pd.DataFrame({
        "enquiry_date": np.concatenate([enq_a, enq_w, enq_e, enq_n]),
        "application_date": np.concatenate([app_a, app_w, np.full(ne, -1), app_n]),
        "approval_date": np.concatenate([a, none]),
        "withdrawal_date": np.concatenate([np.full(len(a), -1), wd_w, wd_e, np.full(len(app_n), -1)]),
        "household_id": np.concatenate([new["id"].to_numpy(), np.full(len(none), "", object)]),
    })
    df.loc[df["withdrawal_date"] > EXTRACT, "withdrawal_date"] = -1
    df = df.sort_values(["enquiry_date", "application_date", "approval_date"],
                        kind="stable").reset_index(drop=True)
    df.insert(0, "enquiry_id", sequential_ids(rng, len(df), "E", 6, 310_000))
    return df
