"""The regional figures, built only from what each member council has published for the month:
its public/scorecard.csv (the DfE small-numbers rule already applied) and public/benchmarks.csv
(the DfE's England and regional figures it was compared with). No record-level data, and no
figure a council did not publish, ever crosses councils.

Per indicator:
- each council's value as published ("c" where the council's pack hides it, blank for no data);
- the regional figure: the TOTAL of the councils' values for counts (households, enquiries,
  places, ...), the MEDIAN council for everything else (percentages, rates, median weeks or
  days: a share or a median of one council cannot be added to another's). Either is of the
  councils whose figure is published as a number, and says how many of the region's members
  that is ("total of 2 of 3 councils"): a council whose figure is hidden ("c"), missing or not
  published this month is left out of it, never filled in, so nothing hidden can be worked
  out from the regional figure;
- England (and the DfE region, when region.toml names it) as the councils' packs give it;
- each council's rank, 1 the best, where a ranking means something: shares, rates and medians
  whose direction of good is higher or lower (counts follow a council's size, and neutral
  indicators have no better end). Equal values share a rank (1, 2, 2, 4).
"""

from __future__ import annotations

import csv
import hashlib
import io
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from ..publish import MonthStore
from .config import Region

TOTAL, MEDIAN = "total", "median"
SUPPRESSED = "c"
RANKED_UNITS = {"percent", "rate_per_100", "weeks", "days"}
NOT_RANKED_COUNT = "not ranked: a count follows the council's size"
NOT_RANKED_NEUTRAL = "not ranked: neither higher nor lower is better"
TIDY_COLUMNS = [
    "month", "metric_id", "title", "area", "unit", "direction_of_good", "geography_type", "geography", "council_id",
    "value", "numerator", "denominator", "method", "councils_counted", "rank", "ranked_among", "note", "source",
]
SOURCE_COLUMNS = ["council_id", "council", "la_code", "month", "version", "file", "sha256"]


@dataclass(frozen=True)
class PublishedCouncil:
    """What one council published for the month (its newest version), as published."""

    council_id: str
    name: str
    la_code: str
    month: str
    version: int
    rows: tuple[dict, ...]  # public/scorecard.csv, in the registry's order
    benchmarks: tuple[dict, ...]  # public/benchmarks.csv
    sha256: str  # of public/scorecard.csv

    def row(self, metric_id: str) -> dict | None:
        return next((row for row in self.rows if row["metric_id"] == metric_id), None)


def read_published(council_id: str, project, month: str) -> PublishedCouncil | None:
    """The council's published month (its newest version's public files), or None when the
    month has not been published in its output folder."""
    latest = MonthStore(project.outputs_dir).latest(month)
    if latest is None:
        return None
    version, folder = latest
    scorecard = folder / "public" / "scorecard.csv"
    if not scorecard.is_file():
        return None
    data = scorecard.read_bytes()
    return PublishedCouncil(
        council_id=council_id, name=project.settings.council_name, la_code=project.settings.la_code, month=month,
        version=version, rows=tuple(_csv_rows(data)), benchmarks=tuple(_csv_rows((folder / "public" / "benchmarks.csv").read_bytes()))
        if (folder / "public" / "benchmarks.csv").is_file() else (), sha256=hashlib.sha256(data).hexdigest(),
    )


def _csv_rows(data: bytes) -> list[dict]:
    # newline="": a quoted field keeps its line breaks (tables.write_csv writes them), as
    # publish.compare.read_scorecard reads the same files
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def number(text) -> float | None:
    """A published value as a number, or None ("c", blank, or words)."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


@dataclass
class RegionalFigure:
    """One indicator across the region."""

    metric_id: str
    title: str
    area: str
    unit: str
    direction: str
    method: str  # TOTAL or MEDIAN
    value: float | None
    councils_counted: int  # councils whose figure went into it
    councils: int  # the region's member councils
    note: str  # why there is no value, or what it is of
    council_values: dict[str, dict] = field(default_factory=dict)  # council_id -> its published row
    ranks: dict[str, int] = field(default_factory=dict)  # council_id -> rank (1 best); unranked absent
    rank_note: str = ""  # why the indicator is not ranked ("" when it is)
    england: float | None = None
    dfe_region: float | None = None
    benchmark_year: str = ""  # the DfE year of england / dfe_region ("2024")


def regional_figures(region: Region, councils: list[PublishedCouncil]) -> list[RegionalFigure]:
    """Every indicator of the councils' scorecards (their registry order), across the region
    (councils: those that have published the month; the region's members may be more)."""
    if not councils:
        return []
    members = len(region.councils)
    figures = []
    for first in councils[0].rows:
        metric_id = first["metric_id"]
        rows = {c.council_id: c.row(metric_id) or {} for c in councils}
        unit, direction = first.get("unit", ""), first.get("direction_of_good", "")
        method = TOTAL if unit == "count" else MEDIAN
        values = {cid: number(row.get("value")) for cid, row in rows.items()}
        published = {cid: v for cid, v in values.items() if v is not None}
        value, note = _regional_value(method, published, rows, members)
        ranks, rank_note = rank_councils(published, unit, direction)
        england, dfe_region, year = _benchmarks(region, councils, metric_id)
        figures.append(RegionalFigure(
            metric_id=metric_id, title=first.get("title", ""), area=first.get("area", ""), unit=unit, direction=direction,
            method=method, value=value, councils_counted=len(published), councils=members,
            note=note, council_values=rows, ranks=ranks, rank_note=rank_note, england=england, dfe_region=dfe_region,
            benchmark_year=year,
        ))
    return figures


def _regional_value(method: str, published: dict, rows: dict, members: int) -> tuple[float | None, str]:
    hidden = sum(1 for row in rows.values() if row.get("value") == SUPPRESSED)
    if not published:
        return None, "no council has a published figure" + (" (small numbers are not shown)" if hidden else "")
    value = sum(published.values()) if method == TOTAL else statistics.median(published.values())
    note = f"{method} of {len(published)} of {members} councils"
    if hidden:
        note += f" ({hidden} not shown: small numbers)"
    return round(value, 4), note


def rank_councils(published: dict[str, float], unit: str, direction: str) -> tuple[dict[str, int], str]:
    """Competition ranks (1 = best; equal values share a rank) of the councils' published
    values, or ({}, why not)."""
    if unit not in RANKED_UNITS:
        return {}, NOT_RANKED_COUNT
    if direction not in ("higher", "lower"):
        return {}, NOT_RANKED_NEUTRAL
    better_first = sorted(published.values(), reverse=direction == "higher")
    return {cid: better_first.index(value) + 1 for cid, value in published.items()}, ""


def _benchmarks(region: Region, councils: list[PublishedCouncil], metric_id: str) -> tuple[float | None, float | None, str]:
    """England (and the DfE region's figure) for the indicator at the latest DfE year the
    councils' packs give (benchmarks.csv has a row per year, "2024-03-31"): only when every
    council that gives one gives the same year and the same figure. The year is returned as
    "2024" (31 March of it)."""
    englands, dfe_regions, years = set(), set(), set()
    for council in councils:
        rows = [row for row in council.benchmarks if row.get("metric_id") == metric_id and row.get("year")]
        if not rows:
            continue
        latest = max(rows, key=lambda row: row["year"])
        years.add(latest["year"])
        englands.add(number(latest.get("england")))
        if region.dfe_region and latest.get("region_name") == region.dfe_region:
            dfe_regions.add(number(latest.get("region")))
    if len(years) != 1:
        return None, None, ""  # none given, or packs made with different DfE years
    england = englands.pop() if len(englands) == 1 else None
    dfe_region = dfe_regions.pop() if len(dfe_regions) == 1 else None
    return england, dfe_region, years.pop()[:4]


# ---------------------------------------------------------------------------------------------
# The tidy CSV: one row per indicator and geography


def tidy_rows(region: Region, month: str, councils: list[PublishedCouncil], figures: list[RegionalFigure]) -> list[dict]:
    names = {c.council_id: c for c in councils}
    rows = []
    for figure in figures:
        base = {"month": month, "metric_id": figure.metric_id, "title": figure.title, "area": figure.area, "unit": figure.unit,
                "direction_of_good": figure.direction}
        for council_id, row in figure.council_values.items():
            council = names[council_id]
            rank = figure.ranks.get(council_id)
            rows.append({**base, "geography_type": "council", "geography": council.name, "council_id": council_id,
                         "value": row.get("value", ""), "numerator": row.get("numerator", ""), "denominator": row.get("denominator", ""),
                         "rank": rank, "ranked_among": len(figure.ranks) if rank else None,
                         "note": figure.rank_note if not rank else "",
                         "source": f"public/scorecard.csv version {council.version}"})
        rows.append({**base, "geography_type": "region", "geography": region.name, "value": figure.value, "method": figure.method,
                     "councils_counted": figure.councils_counted, "note": figure.note,
                     "source": "the councils' public/scorecard.csv"})
        if figure.benchmark_year:
            source = f"DfE, 31 March {figure.benchmark_year}"
            rows.append({**base, "geography_type": "england", "geography": "England", "value": figure.england,
                         "note": "" if figure.england is not None else "not published", "source": source})
            if region.dfe_region:
                rows.append({**base, "geography_type": "dfe_region", "geography": region.dfe_region, "value": figure.dfe_region,
                             "note": "" if figure.dfe_region is not None else "not published", "source": source})
    return rows


def source_rows(councils: list[PublishedCouncil]) -> list[dict]:
    """Which published file of which council the pack was built from (sources.csv)."""
    return [{"council_id": c.council_id, "council": c.name, "la_code": c.la_code, "month": c.month, "version": c.version,
             "file": f"{c.month}/public/scorecard.csv", "sha256": c.sha256} for c in councils]


def write_figures(folder: Path, region: Region, month: str, councils: list[PublishedCouncil],
                  figures: list[RegionalFigure]) -> None:
    from ..tables import write_csv

    write_csv(folder / "region_scorecard.csv", TIDY_COLUMNS, tidy_rows(region, month, councils, figures))
    write_csv(folder / "sources.csv", SOURCE_COLUMNS, source_rows(councils))
