"""The regional pack's model: every word and figure the PDF, the HTML page and the workbook show
(render.py only lays it out), from the regional figures (figures.py). Plain English: indicator
titles, council names, "total of 3 councils", never a metric id on a page.

A chart per key indicator (region.toml key_indicators) when at least two councils have a
published figure for it: each council's bar, with the regional median and England as lines
where they apply (a total is not drawn against the councils it adds up). Otherwise the table's
words say what there is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..pack.chart_specs import ChartSpec
from ..pack.formatting import format_percent, format_value, is_number, month_label
from ..periods import as_at_date
from .config import Region
from .figures import MEDIAN, TOTAL, PublishedCouncil, RegionalFigure, number

DIRECTION_WORDS = {"higher": "Higher is better", "lower": "Lower is better", "neutral": "Neither is better"}
METHOD_WORDS = {
    TOTAL: "Region: for counts, the total of the councils' published figures.",
    MEDIAN: "Region: for shares, rates and medians (which cannot be added across councils), the median council: the middle one of the councils' published figures.",
}
LEFT_OUT_WORDS = ("Either is of the councils whose figure is published as a number, and says how many of the region's member "
                  "councils that is: a figure not shown (c, small numbers), missing, or not yet published is left out, never "
                  "estimated, so nothing hidden can be worked out from the regional figure.")
RANK_WORDS = ("Rank: 1 is the best of the councils with a published figure, by the indicator's direction of good; "
              "equal figures share a rank. Counts are not ranked (they follow each council's size), nor are indicators "
              "where neither higher nor lower is better.")


@dataclass
class CouncilCell:
    value: str  # as shown: "84.0%", "c", "no data"
    value_number: float | None
    counts: str  # "84 of 100", or ""
    rank: str  # "rank 1 of 3", or ""
    rank_number: int | None


@dataclass
class RegionLine:
    metric_id: str  # never shown on a page
    title: str
    area: str
    unit: str
    direction: str  # "Higher is better"
    regional: str  # "1,234", "85.0%"; "no data" when no council has a published figure
    regional_number: float | None
    method: str  # "total of 3 councils", "median of 2 of 3 councils", or why there is no figure
    england: str  # "10%", "" when the DfE gives none
    england_number: float | None
    dfe_region: str
    dfe_region_number: float | None
    councils: list[CouncilCell]
    rank_note: str


@dataclass
class RegionView:
    title: str
    heading: str
    subheading: str
    region_name: str
    dfe_region: str | None
    month: str
    month_label: str
    as_at: dt.date
    councils: list[tuple[str, str, int]]  # (id, name, version) in region.toml's order
    areas: list[tuple[str, list[RegionLine]]]
    charts: list[ChartSpec]
    not_charted: list[str]  # key indicators without a chart, and why
    left_out: list[str]  # councils not in the pack, and why
    notes: list[str] = field(default_factory=list)
    benchmark_year: str = ""

    @property
    def lines(self) -> list[RegionLine]:
        return [line for _area, lines in self.areas for line in lines]


def _value_text(unit: str, text: str) -> tuple[str, float | None]:
    value = number(text)
    if value is not None:
        return format_value(unit, value), value
    return (text, None) if text else ("no data", None)


def _counts(unit: str, row: dict) -> str:
    numerator, denominator = row.get("numerator", ""), row.get("denominator", "")
    if unit in ("percent", "rate_per_100") and numerator != "" and denominator != "":
        shown = [format_value("count", number(v)) if number(v) is not None else v for v in (numerator, denominator)]
        return f"{shown[0]} of {shown[1]}"
    return ""


def region_line(figure: RegionalFigure, council_ids: list[str]) -> RegionLine:
    cells = []
    for council_id in council_ids:
        row = figure.council_values.get(council_id, {})
        shown, value = _value_text(figure.unit, row.get("value", ""))
        rank = figure.ranks.get(council_id)
        cells.append(CouncilCell(shown, value, _counts(figure.unit, row), f"rank {rank} of {len(figure.ranks)}" if rank else "", rank))
    regional = format_value(figure.unit, figure.value) if figure.value is not None else "no data"
    return RegionLine(
        metric_id=figure.metric_id, title=figure.title, area=figure.area, unit=figure.unit,
        direction=DIRECTION_WORDS.get(figure.direction, figure.direction), regional=regional, regional_number=figure.value,
        method=figure.note if regional != "no data" else "", england=format_percent(figure.england) if figure.benchmark_year else "", england_number=figure.england,
        dfe_region=format_percent(figure.dfe_region) if figure.benchmark_year else "", dfe_region_number=figure.dfe_region,
        councils=cells, rank_note=figure.rank_note,
    )


def _chart(line: RegionLine, names: list[str], view_region: str) -> tuple[ChartSpec | None, str]:
    """A key indicator's chart, or (None, why there is none)."""
    shown = [(name, cell) for name, cell in zip(names, line.councils)]
    numbers = [cell.value_number for _name, cell in shown]
    if sum(1 for v in numbers if is_number(v)) < 2:
        return None, f"{line.title}: fewer than two councils have a published figure, so there is no chart (the table gives each one)."
    references = []
    if line.method.startswith("median") and line.regional_number is not None:
        references.append((f"{view_region} median", line.regional_number, line.regional))
    if line.england_number is not None:
        references.append(("England", line.england_number, line.england))
    ranked = [(name, cell) for name, cell in shown if cell.rank_number is not None]
    charted = [(name, cell) for name, cell in shown if is_number(cell.value_number)]
    if len({cell.value_number for _name, cell in charted}) == 1:
        finding = f"the same for every council with a figure ({charted[0][1].value})"
    elif ranked:
        best = min(ranked, key=lambda item: item[1].rank_number)
        worst = max(ranked, key=lambda item: item[1].rank_number)
        finding = f"best {best[0]} ({best[1].value}), last {worst[0]} ({worst[1].value})"
    else:
        largest = max((item for item in shown if is_number(item[1].value_number)), key=lambda item: item[1].value_number)
        finding = f"largest {largest[0]} ({largest[1].value})"
    regional = f"; regional {line.method.split(' of ')[0]} {line.regional}" if line.regional_number is not None else ""
    title = f"{line.title}: {finding}{regional}"
    alt = (f"Bar chart of {line.title[0].lower() + line.title[1:]} for each council: "
           + "; ".join(f"{name} {cell.value}" for name, cell in shown)
           + "".join(f"; {label} {text}" for label, _value, text in references) + ".")
    rows = [[name, cell.value, cell.rank or "not ranked"] for name, cell in shown]
    rows += [[label, text, ""] for label, _value, text in references]
    return ChartSpec(
        chart_id=line.metric_id, kind="region_bars", area=line.area, title=title, alt=alt,
        table_columns=["Council", "Value", "Rank"], table_rows=rows,
        data={"unit": line.unit, "labels": [name for name, _cell in shown], "values": numbers,
              "shown": [cell.value for _name, cell in shown], "references": [(label, value) for label, value, _text in references]},
        note=f"{line.direction}. " + (line.rank_note[0].upper() + line.rank_note[1:] + "." if line.rank_note else ""),
    ), ""


def make_view(region: Region, month: str, councils: list[PublishedCouncil], figures: list[RegionalFigure],
              left_out: dict[str, str]) -> RegionView:
    ids = [c.council_id for c in councils]
    names = [c.name for c in councils]
    lines = [region_line(figure, ids) for figure in figures]
    areas: list[tuple[str, list[RegionLine]]] = []
    for line in lines:
        if not areas or areas[-1][0] != line.area:
            areas.append((line.area, []))
        areas[-1][1].append(line)
    by_id = {line.metric_id: line for line in lines}
    charts, not_charted = [], []
    for metric_id in region.key_indicators:
        line = by_id.get(metric_id)
        if line is None:
            continue
        chart, why = _chart(line, names, region.name)
        if chart is not None:
            charts.append(chart)
        else:
            not_charted.append(why)
    label = month_label(month)
    years = {f.benchmark_year for f in figures if f.benchmark_year}
    benchmark_year = years.pop() if len(years) == 1 else ""
    notes = [METHOD_WORDS[TOTAL] + " " + METHOD_WORDS[MEDIAN] + " " + LEFT_OUT_WORDS, RANK_WORDS,
             ("Built only from each council's published public scorecard (public/scorecard.csv), where the DfE rule for small "
              "numbers is already applied: c is a figure from 1 to 5, or one that would reveal it, and stays hidden here. "
              "No record-level data is shared between councils.")]
    if benchmark_year:
        notes.append(f"England{' and ' + region.dfe_region if region.dfe_region else ''}: DfE placement stability measures, 31 March "
                     f"{benchmark_year}, as the councils' packs give them; contains public sector information licensed under the "
                     "Open Government Licence v3.0.")
    versions = ", ".join(f"{c.name} version {c.version}" for c in councils)
    if versions:
        notes.append(f"Council scorecards used: {versions} (sources.csv gives each file's sha256).")
    return RegionView(
        title=f"Regional fostering scorecard: {region.name}, {label}",
        heading=f"Regional fostering scorecard: {label}",
        subheading=(f"{region.name}: {len(councils)} of {len(councils) + len(left_out)} member councils, side by side, with the "
                    f"regional figure{' and England' if benchmark_year else ''}. Public: built from the councils' published scorecards."),
        region_name=region.name, dfe_region=region.dfe_region, month=month, month_label=label, as_at=as_at_date(month),
        councils=[(c.council_id, c.name, c.version) for c in councils], areas=areas, charts=charts, not_charted=not_charted,
        left_out=[f"{council_id}: not included: {why}." for council_id, why in left_out.items()], notes=notes,
        benchmark_year=benchmark_year,
    )
