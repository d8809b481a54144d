"""6. Planted errors: about 1% of rows corrupted in exactly one way, or duplicated, and the list
of them (_planted_errors.csv), so the tests know exactly what validation must find.

Every bad value planted is checked against the data contract when this module is imported: a
"bad" code the contract allows would be no error at all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .contract import column, not_allowed, start_dates
from .days import EXTRACT, day, fmt_dates, year_ends
from .draws import Draws

# Bad values per extract and column (the generator's choice of typical mistakes).
BAD_CODES = {
    "header": {"SEX": ["0", "9", "X"], "ETHNIC": ["WBR", "BRIT", "W1"]},
    "episodes": {"RNE": ["Q", "X", "N"], "LS": ["C3", "V5", "E2"], "CIN": ["N9", "N0"],
                 "PLACE": ["U9", "U7", "A7", "K4"], "PLACE_PROVIDER": ["PR6", "PR9", "IFA"],
                 "REC": ["X2", "E10", "E4"], "REASON_PLACE_CHANGE": ["CARER", "MOVE", "DISR"]},
    "carers": {"household_type": ["foster", "Mainstream", "kinship"],
               "status": ["ACTIVE", "approved", "closed"],
               "deregistration_reason": ["RESIGNED", "MOVED", "IFA"],
               "emergency_bed": ["Yes", "1", "X"]},
    "training": {"core_course": ["X", "Yes", "1"]},
    "allegations": {"category": ["VERBAL", "PHYS", "OTHER"], "outcome": ["PROVEN", "NFA", "UNSUBST"]},
}
BAD_NUMBERS = {"carers": {"approved_places": ["two", "-1", "11", "2.5", "three"],
                          "skills_level": ["4", "0", "high"]}}

# (kind, column, extra eligibility) per extract, in the order the tables are planted; the column
# must have a value to corrupt; "safe" = a child outside every stability population (episodes:
# a one-episode period), "last_sb" = a short-break child's last closed episode, "open_hh" = a
# household still approved.
PLANTS = {
    "header": [("bad_code", "SEX", "safe"), ("bad_code", "ETHNIC", "safe"),
               ("bad_date", "DOB", "safe"), ("missing_required", "ETHNIC", "safe"),
               ("missing_required", "SEX", "safe"), ("future_date", "DOB", "safe"),
               ("duplicate_key", "", "safe")],
    "episodes": [("bad_code", "PLACE", "safe"), ("bad_code", "RNE", "safe"),
                 ("bad_code", "LS", "safe"), ("bad_code", "CIN", "safe"),
                 ("bad_code", "PLACE_PROVIDER", "safe"), ("bad_code", "REC", "safe"),
                 ("bad_date", "DECOM", "safe"), ("bad_date", "DEC", "safe"),
                 ("missing_required", "LS", "safe"), ("missing_required", "PLACE", "safe"),
                 ("missing_required", "CIN", "safe"), ("end_before_start", "DEC", "safe"),
                 ("future_date", "DEC", "last_sb"), ("duplicate_key", "", "safe"),
                 ("unknown_household", "HOUSEHOLD_ID", "safe")],
    "carers": [("bad_code", "household_type", ""), ("bad_code", "status", ""),
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
    "training": [("bad_code", "core_course", ""), ("bad_date", "completed_date", ""),
                 ("missing_required", "course", ""),
                 ("missing_required", "completed_date", ""),
                 ("future_date", "completed_date", ""), ("duplicate_key", "", ""),
                 ("unknown_household", "household_id", "")],
    "allegations": [("bad_code", "category", ""), ("bad_code", "outcome", ""),
                    ("bad_date", "date_received", ""), ("bad_date", "date_concluded", ""),
                    ("missing_required", "category", ""),
                    ("end_before_start", "date_concluded", ""),
                    ("future_date", "date_concluded", ""), ("duplicate_key", "", ""),
                    ("unknown_household", "household_id", "")],
    "enquiries": [("bad_date", "enquiry_date", ""), ("bad_date", "application_date", ""),
                  ("missing_required", "enquiry_date", ""),
                  ("end_before_start", "withdrawal_date", ""),
                  ("future_date", "withdrawal_date", ""), ("duplicate_key", "", "")],
}


def _checked_against_the_contract() -> dict[str, dict[str, str]]:
    """Check every planted column and bad value against the contract; returns, per extract,
    {end date column: its start date column} from the contract's date order."""
    for bad in (BAD_CODES, BAD_NUMBERS):
        for name, columns in bad.items():
            for col, values in columns.items():
                not_allowed(name, col, values)
    starts = {name: start_dates(name) for name in PLANTS}
    for name, specs in PLANTS.items():
        for kind, col, _ in specs:
            if col:
                column(name, col)
            if kind == "end_before_start" and col not in starts[name]:
                raise ValueError(f"{name}.{col}: the data contract gives it no start date to be before")
    return starts


START_OF = _checked_against_the_contract()


def _bad_date(dr: Draws, value: str) -> str:
    dd, mm, yyyy = value.split("/")
    options = [f"{yyyy}-{mm}-{dd}", f"31/02/{yyyy}", f"30/02/{yyyy}", f"{dd}/13/{yyyy}",
               f"00/{mm}/{yyyy}", f"{dd}.{mm}.{yyyy}", f"{dd}/{mm}/{yyyy[2:]}"]
    return options[int(dr.u() * len(options))]


def _parse(value: str) -> int:
    dd, mm, yyyy = value.split("/")
    return day(int(yyyy), int(mm), int(dd))


def _corrupt(dr: Draws, name: str, kind: str, col: str, row: dict, spare_households) -> str:
    if kind == "bad_code":
        values = BAD_CODES[name][col]
        return values[int(dr.u() * len(values))]
    if kind == "bad_number":
        values = BAD_NUMBERS[name][col]
        return values[int(dr.u() * len(values))]
    if kind == "bad_date":
        return _bad_date(dr, row[col])
    if kind == "missing_required":
        return ""
    if kind == "future_date":
        return fmt_dates([EXTRACT + dr.randint(30, 4200)])[0]
    if kind == "end_before_start":
        return fmt_dates([_parse(row[START_OF[name][col]]) - dr.randint(1, 60)])[0]
    if kind == "unknown_household":
        return spare_households.pop()
    raise ValueError(kind)


def plant_errors(dr: Draws, name: str, df: pd.DataFrame, flags: dict, spare_households):
    """Corrupt ~1% of rows of one extract's table; returns (new table, [(line, column, kind)])."""
    specs = PLANTS[name]
    starts = START_OF[name]
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
            if col in starts and kind in ("end_before_start", "future_date"):
                ok &= cols[starts[col]] != ""
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
        cols[col][i] = _corrupt(dr, name, kind, col, row, spare_households)
        corrupted.append((i, col, kind))
    out = pd.DataFrame(cols)
    # Duplicates go straight after their original (the second occurrence is the bad one).
    order = np.sort(np.concatenate([np.arange(len(df)), np.array(dup_after, dtype=np.int64)]),
                    kind="stable")
    first_pos = np.searchsorted(order, np.arange(len(df)))  # position of each original
    errors = [(int(first_pos[i]) + 2, col, kind) for i, col, kind in corrupted]
    errors += [(int(first_pos[i]) + 3, "", "duplicate_key") for i in dup_after]
    return out.iloc[order].reset_index(drop=True), sorted(errors)


def safe_children(kids: pd.DataFrame) -> np.ndarray:
    """Children outside every stability population of the window (31 March 2021-2025): safe to
    corrupt."""
    safe = np.ones(len(kids), dtype=bool)
    for year_end in year_ends():
        at = day(year_end.year, year_end.month, year_end.day)
        for s, e, on in (("start1", "end1", None), ("start2", "end2", "again")):
            inside = (kids[s] <= at) & (kids[e] > at)
            if on:
                inside &= kids[on]
            safe &= ~inside.to_numpy()
    return safe
