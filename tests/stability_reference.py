"""A deliberately simple, independent implementation of the DfE placement stability measures,
child by child, written from docs/metrics.md ("Placement stability: the rules"), not from the
SQL. tests/test_stability_differential.py compares it child for child with the SQL models.

Input: accepted episodes (as validation leaves them) and dates of birth. Output, per child looked
after on the date: the numbers each of the three DfE measures reads.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

SHORT_BREAKS = ("V3", "V4")
TEMPORARY = ("T0", "T1", "T2", "T3", "T4")
ADOPTION_WITH_CURRENT_CARER = ("A3", "A5")
NEW_CARER = ("S", "P", "B")


@dataclass(frozen=True)
class Episode:
    child: str
    start: dt.date
    end: dt.date | None
    rne: str
    ls: str
    place: str
    rec: str | None = None
    provider: str | None = None
    household: str | None = None
    urn: str | None = None
    postcode: str | None = None
    line: int = 0

    @property
    def carer(self) -> tuple:
        return tuple(v or "" for v in (self.place, self.provider, self.household, self.urn, self.postcode))


@dataclass(frozen=True)
class ChildStability:
    placements_12_months: int
    placements_2_years: int
    in_long_term_cohort: bool
    same_carer_2_years: bool
    in_two_year_cohort: bool


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier, the last day of a shorter month when it has none."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def years_before(day: dt.date, years: int) -> dt.date:
    return months_before(day, 12 * years)


def years_after(day: dt.date, years: int) -> dt.date:
    return months_before(day, -12 * years)


def stability_on(
    episodes: list[Episode],
    dates_of_birth: dict[str, dt.date | None],
    as_at: dt.date,
    count_temporary: bool = False,
    adoption_is_a_move: bool = False,
) -> dict[str, ChildStability]:
    """Every child looked after on as_at (short breaks excluded) and its stability numbers."""
    by_child: dict[str, list[Episode]] = {}
    for e in episodes:
        by_child.setdefault(e.child, []).append(e)
    result = {}
    for child, child_episodes in sorted(by_child.items()):
        figures = _child_on(sorted(child_episodes, key=lambda e: (e.start, e.line)), dates_of_birth.get(child), as_at,
                            count_temporary, adoption_is_a_move)
        if figures is not None:
            result[child] = figures
    return result


def _child_on(episodes, dob, as_at, count_temporary, adoption_is_a_move) -> ChildStability | None:
    # What was on record by the date: episodes started by then; an end after it is not known yet.
    known = [e for e in episodes if e.start <= as_at]
    known = [e if e.end is None or e.end <= as_at else Episode(**{**e.__dict__, "end": None}) for e in known]

    # Rule 1: short breaks out first. Looked after = an episode of full care open on the date.
    care = [e for e in known if e.ls not in SHORT_BREAKS]
    open_now = [e for e in care if e.end is None]
    if not open_now:
        return None

    # Rule 2: periods of care, over full care only.
    period_start, previous = None, None
    for e in care:
        if previous is None or e.rne == "S" or previous.rec != "X1" or previous.end != e.start:
            period_start = e.start
        previous = e
    # (the open episode is the last one of full care: episodes do not overlap)

    # Rules 3-5: which counted episodes start a placement.
    counted: list[tuple[Episode, bool]] = []
    left_out: list[Episode] = []
    for e in known:
        if e.ls in SHORT_BREAKS or (e.place in TEMPORARY and not count_temporary):
            left_out.append(e)
            continue
        counted.append((e, _starts_placement(e, counted[-1][0] if counted else None, left_out, adoption_is_a_move)))
        left_out = []

    # Rule 6: placements in a window = the first counted episode in it, and every later start.
    def placements_in(window_start: dt.date) -> int:
        inside = [(e, starts) for e, starts in counted if e.end is None or e.end >= window_start]
        return (1 if inside else 0) + sum(starts for _, starts in inside[1:])

    # Rule 7: the current placement started with the latest start among the counted episodes.
    starts = [e.start for e, starts in counted if starts]
    current_placement_start = starts[-1] if starts else None

    two_years_back = years_before(as_at, 2)
    under_16 = dob is not None and years_after(dob, 16) > as_at
    return ChildStability(
        placements_12_months=placements_in(years_before(as_at, 1) + dt.timedelta(days=1)),
        placements_2_years=placements_in(two_years_back + dt.timedelta(days=1)),
        in_long_term_cohort=under_16 and period_start <= months_before(as_at, 30),
        same_carer_2_years=current_placement_start is not None and current_placement_start <= two_years_back,
        in_two_year_cohort=period_start <= two_years_back,
    )


def _starts_placement(e: Episode, last_counted: Episode | None, left_out: list[Episode], adoption_is_a_move: bool) -> bool:
    if last_counted is None:
        return True  # the child's first counted episode
    if e.place in ADOPTION_WITH_CURRENT_CARER and not adoption_is_a_move:
        return False  # placed for adoption with the current carer: never a move
    if e.rne == "S":
        return True
    if not left_out:
        return e.rne in ("P", "B")
    carer_changed = e.rne in ("P", "B") or any(x.rne in NEW_CARER for x in left_out)
    return carer_changed and e.carer != last_counted.carer


def measures(children: dict[str, ChildStability]) -> dict[str, tuple[int, int]]:
    """(numerator, denominator) of the three measures from the per-child figures."""
    long_term = [c for c in children.values() if c.in_long_term_cohort]
    two_year = [c for c in children.values() if c.in_two_year_cohort]
    return {
        "stability_short_term": (sum(c.placements_12_months >= 3 for c in children.values()), len(children)),
        "stability_long_term": (sum(c.same_carer_2_years for c in long_term), len(long_term)),
        "stability_two_year": (sum(c.placements_2_years >= 3 for c in two_year), len(two_year)),
    }


def episodes_from_frame(frame) -> list[Episode]:
    """Episodes from an accepted episodes table (validation's typed rows)."""

    def day(value):
        return None if value is None or value != value else value.date() if hasattr(value, "date") else value

    def text(value):
        return None if value is None or value != value else str(value)

    columns = ["CHILD", "DECOM", "DEC", "RNE", "LS", "PLACE", "REC", "PLACE_PROVIDER", "HOUSEHOLD_ID", "URN", "PL_POST", "_line"]
    present = [c for c in columns if c in frame.columns]
    rows = frame[present].to_dict("records")
    return [
        Episode(
            child=r["CHILD"], start=day(r["DECOM"]), end=day(r.get("DEC")), rne=r["RNE"], ls=r["LS"], place=r["PLACE"],
            rec=text(r.get("REC")), provider=text(r.get("PLACE_PROVIDER")), household=text(r.get("HOUSEHOLD_ID")),
            urn=text(r.get("URN")), postcode=text(r.get("PL_POST")), line=int(r["_line"]),
        )
        for r in rows
    ]
