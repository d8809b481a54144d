"""The sample's year-by-year story: the few levers that change from one financial year to the
next, tuned so that each 31 March of the window lands near Kent's published DfE figures
(src/fostering_scorecard/reference/dfe_la_cla_placement_stability_2021_2025.csv) and its
recruitment near Kent's plans. Every other parameter of the generator is the same in every year.

Years are financial years, keyed by the year they start (2020 = 2020-21). A year not listed
takes the value for years before the window (`BEFORE`).
"""

from __future__ import annotations

import bisect
from datetime import date

from .days import EPOCH

# Children arriving as unaccompanied asylum-seeking children, per year at council scale, on top
# of the steady 5% of entries: Kent's care population rose from about 1,660 (2021) to 1,960
# (2024) largely with the arrivals at its ports, then eased (DfE: 1,662; 1,777; 1,938; 1,956;
# 1,896 children looked after at 31 March 2021-2025, short breaks excluded).
UASC_ARRIVALS = {2019: 60, 2020: 90, 2021: 190, 2022: 290, 2023: 230, 2024: 170}

# Chance in a year that a foster placement which has lasted a year or more breaks down. It
# moves the long-term measure (same carer for 2+ years): Kent's was 67% (2021), 74%, 72%, 67%
# and 69% (2025); a breakdown lowers it for the two 31 Marches that follow.
LONG_BREAK = {"BEFORE": 0.0, 2018: 0.03, 2019: 0.06, 2020: 0.0, 2021: 0.0, 2022: 0.01,
              2023: 0.09, 2024: 0.03}

# Mean length of the placements that do not last, relative to the generator's usual, by the
# year the placement starts: longer placements mean fewer children with 3 or more in a year
# (Kent: 13%, 13%, 12%, 11%, 12% at 31 March 2021-2025).
CHURN_DAYS = {"BEFORE": 1.0, 2019: 1.0, 2020: 1.05, 2021: 1.0, 2022: 1.06, 2023: 1.13, 2024: 1.08}

# Mainstream and short-breaks households approved per year (the recruitment target counts
# these; connected-person households come with the children placed with family and friends):
# near Kent's plan of 120 a year, a little short in some years so the scorecard has something
# to show.
FY_APPROVALS = {2020: 104, 2021: 116, 2022: 123, 2023: 112, 2024: 106}

_FY_STARTS = [(date(y, 4, 1) - EPOCH).days for y in range(1990, 2041)]


def fy_of_day(d: int) -> int:
    """Financial year (by the year it starts) of a day number; fast, for use in loops."""
    return 1989 + bisect.bisect_right(_FY_STARTS, d)


def fy_start(fy: int) -> int:
    """Day number of 1 April of financial year `fy`."""
    return _FY_STARTS[fy - 1990]


def in_year(levers: dict, fy: int):
    """A lever's value in financial year `fy`."""
    return levers.get(fy, levers.get("BEFORE"))
