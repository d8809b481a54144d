"""Where the sample council is: Kent's partial postcodes (districts), a few neighbours' for
out-of-area placements, the council's own Ofsted URNs and its fostering support teams."""

from __future__ import annotations

from .draws import Draws

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


def random_district(dr: Draws, p_kent: float) -> str:
    """A Kent district with probability p_kent, else a neighbouring one."""
    if dr.u() < p_kent:
        return KENT_DISTRICTS[int(dr.u() * len(KENT_DISTRICTS))]
    return OTHER_DISTRICTS[int(dr.u() * len(OTHER_DISTRICTS))]
