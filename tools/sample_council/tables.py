"""5. The tables as the case system would export them: strings, dd/mm/YYYY dates, ids."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .contract import listed, weighted_codes
from .days import EXTRACT, INF, YEAR, fmt_dates
from .draws import pick_many, table
from .episodes import Journeys
from .geography import support_team_for
from .households import Households, flag_beds

# Placements with a foster carer: an in-house one has the carer's household id.
FOSTER_CARER_PLACES = listed("episodes", "PLACE", ["U1", "U2", "U3", "U4", "U5", "U6", "A3", "A5"])
HOUSEHOLD_STATUS = weighted_codes("carers", "status", {"active": 92, "on_hold": 5, "inactive": 3})


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
    fostered = np.isin(place, FOSTER_CARER_PLACES)
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
    status = pick_many(rng, HOUSEHOLD_STATUS, n)
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


def write_csv(path: Path, columns: list[str], df: pd.DataFrame) -> None:
    """UTF-8, \\n line endings, no quoting needed: values never contain , " or newlines."""
    data = [df[c].astype(str).tolist() for c in columns]
    lines = [",".join(columns)] + [",".join(r) for r in zip(*data)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")

