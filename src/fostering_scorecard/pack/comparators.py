"""DfE comparator figures for the pack: England, the council's region and the median of its
statistical neighbours, each for the latest 31 March on or before the as-at date.

The DfE files ship with the tool in reference/ (see its README for source and licence). Which
DfE rows a registry `benchmark` key maps to is set in national/settings.toml [comparators]; the
council is its project's scorecard.toml [council] la_code, and [comparators] neighbours there may
replace its DfE statistical neighbours. Published percentages are used as published (whole
numbers), so the pack matches the DfE tables. The pack calls these figures benchmarks, as the
DfE does (benchmarks.csv, "Benchmark (DfE)").
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import statistics
from dataclasses import dataclass, field
from pathlib import Path

SUPPRESSED_OR_NOT_APPLICABLE = {"c", "z", "x", "u", "k", ":", ""}


class ComparatorError(ValueError):
    """A reference file or the [comparators] settings cannot be used; the message says why."""


@dataclass(frozen=True)
class YearFigures:
    """One measure for one 31 March: England, region, neighbours' median and the council's own
    published figure (percentages; None where not published)."""

    year: int  # the 31 March of this calendar year
    england: float | None
    region: float | None
    neighbours_median: float | None
    neighbours_used: int
    council: float | None


@dataclass(frozen=True)
class Comparison:
    """One DfE measure for the council: its region, its neighbours and the figures of every
    31 March published up to the as-at date."""

    measure: str
    region_name: str
    neighbour_codes: tuple[str, ...]
    neighbours_source: str  # "DfE statistical neighbours 2021" or "configured list"
    as_at: dt.date
    latest: YearFigures | None  # None: nothing published on or before as_at
    years: tuple[YearFigures, ...] = field(default=())  # every published year up to as_at, oldest first
    earliest_published: int | None = None

    @property
    def year_label(self) -> str:
        if self.latest is None:
            return f"none published for 31 March {as_at_year(self.as_at)} or earlier"
        return f"31 March {self.latest.year}"


def _percent(text: str, path: Path, line: int) -> float | None:
    text = text.strip()
    if text.lower() in SUPPRESSED_OR_NOT_APPLICABLE:
        return None
    try:
        return float(text)
    except ValueError:
        raise ComparatorError(f"{path.name}, line {line}, column children_percent: {text!r} is not a number, 'c' or 'z'") from None


def _read_csv(path: Path, required: list[str]) -> tuple[dict, ...]:
    """The reference file's rows (read-only), read again only when the file changes: a backfill
    writes a pack for every month from the same files."""
    if not path.exists():
        raise ComparatorError(f"{path}: reference file not found (national/settings.toml [comparators])")
    stat = path.stat()
    return _read_csv_once(path, stat.st_size, stat.st_mtime_ns, tuple(required))


@functools.lru_cache(maxsize=8)
def _read_csv_once(path: Path, _size: int, _mtime_ns: int, required: tuple[str, ...]) -> tuple[dict, ...]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise ComparatorError(f"{path.name}: missing column(s) {', '.join(missing)}")
        return tuple(reader)


def statistical_neighbours(path: Path, la_code: str) -> tuple[str, ...]:
    """The council's ten neighbours (old LA codes) in the DfE order, closest first."""
    rows = _read_csv(path, ["LA number"])
    for row in rows:
        if row["LA number"].strip() == la_code:
            codes = [row.get(f"SN{i}", "").strip() for i in range(1, 11)]
            return tuple(c for c in codes if c)
    raise ComparatorError(f"{path.name}, column 'LA number': council {la_code} (scorecard.toml [council] la_code) not found")


def as_at_year(as_at: dt.date) -> int:
    """The calendar year of the latest 31 March on or before as_at."""
    return as_at.year if as_at >= dt.date(as_at.year, 3, 31) else as_at.year - 1


def load_comparisons(settings, as_at: dt.date, measures_wanted: set[str]) -> dict[str, Comparison]:
    """The comparison for each registry benchmark key in measures_wanted (e.g. {"dfe_short_term"})."""
    data = settings.comparators
    measures = data.measures
    unknown = sorted(k for k in measures_wanted if k not in measures)
    if unknown:
        raise ComparatorError(
            f"metrics.toml uses benchmark key(s) {', '.join(unknown)} that national/settings.toml "
            "[comparators.measures] does not define"
        )
    if not measures_wanted:
        return {}
    la_code = settings.la_code
    stability_path = data.stability_file
    rows = _read_csv(stability_path, ["time_period", "geographic_level", "old_la_code", "region_name", "cla_group", "placement_stability", "children_percent"])
    override = list(settings.neighbours)
    if override:
        neighbours, source = tuple(override), "configured list"
    else:
        neighbours, source = statistical_neighbours(data.neighbours_file, la_code), "DfE statistical neighbours (April 2021)"

    council_rows = [r for r in rows if r["geographic_level"] == "Local authority" and r["old_la_code"].strip() == la_code]
    if not council_rows:
        raise ComparatorError(f"{stability_path.name}, column old_la_code: council {la_code} (scorecard.toml [council] la_code) not found")
    region_name = max({r["region_name"] for r in council_rows})  # a council's region does not change in the file

    cutoff = as_at_year(as_at)
    result = {}
    for key in sorted(measures_wanted):
        spec = measures[key]
        values: dict[tuple[int, str, str], float | None] = {}
        for line, r in enumerate(rows, start=2):
            if r["cla_group"] != spec["cla_group"] or r["placement_stability"] != spec["placement_stability"]:
                continue
            level = r["geographic_level"]
            where = {"National": "england", "Regional": r["region_name"], "Local authority": r["old_la_code"].strip()}.get(level)
            if where is None:
                continue
            values[(int(r["time_period"]), level, where)] = _percent(r["children_percent"], stability_path, line)
        published_years = sorted({year for year, _, _ in values})
        if not published_years:
            raise ComparatorError(f"{stability_path.name}: no rows for [comparators.measures.{key}] cla_group={spec['cla_group']!r}, placement_stability={spec['placement_stability']!r}")
        years = []
        for year in published_years:
            if year > cutoff:
                continue
            neighbour_values = [values.get((year, "Local authority", code)) for code in neighbours]
            neighbour_values = [v for v in neighbour_values if v is not None]
            years.append(
                YearFigures(
                    year=year,
                    england=values.get((year, "National", "england")),
                    region=values.get((year, "Regional", region_name)),
                    neighbours_median=statistics.median(neighbour_values) if neighbour_values else None,
                    neighbours_used=len(neighbour_values),
                    council=values.get((year, "Local authority", la_code)),
                )
            )
        result[key] = Comparison(
            measure=key,
            region_name=region_name,
            neighbour_codes=neighbours,
            neighbours_source=source,
            as_at=as_at,
            latest=years[-1] if years else None,
            years=tuple(years),
            earliest_published=published_years[0],
        )
    return result
