"""7. The DfE placement stability measures, as used to calibrate the generator, and a summary
of a generated extract (volumes and calibration figures, for the tests and `--summary`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from .contract import codes, listed
from .days import year_ends

RNE_CODES = set(codes("episodes", "RNE"))
LS_CODES = set(codes("episodes", "LS"))
PLACE_CODES = set(codes("episodes", "PLACE"))
TEMP_CODES = set(listed("episodes", "PLACE", ["T0", "T1", "T2", "T3", "T4"]))


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
    counted = car["household_type"].isin(["mainstream", "short_breaks"])  # the recruitment target's
    out = {"stability": [], "households_approved": {}, "approvals_by_fy": {},
           "recruitment_approvals_by_fy": {}, "deregistrations_by_fy": {}}
    for at in year_ends():
        y = at.year
        out["stability"].append(stability_check(eps, head, at, placements=pl))
        ts = pd.Timestamp(at)
        out["households_approved"][at.isoformat()] = int(
            ((appr <= ts) & (dereg.isna() | (dereg > ts))).sum())
        fy = (appr >= pd.Timestamp(y - 1, 4, 1)) & (appr <= ts)
        out["approvals_by_fy"][f"{y - 1}-{str(y)[2:]}"] = int(fy.sum())
        out["recruitment_approvals_by_fy"][f"{y - 1}-{str(y)[2:]}"] = int((fy & counted).sum())
        fy = (dereg >= pd.Timestamp(y - 1, 4, 1)) & (dereg <= ts)
        out["deregistrations_by_fy"][f"{y - 1}-{str(y)[2:]}"] = int(fy.sum())
    return out

