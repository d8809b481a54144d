"""What each chart of the pack shows, built from the numbers: its data, a title that states the
finding, alt text, a data table and a note. Every writer draws from these specs (charts.py draws
them, the HTML and the workbook show their tables), so no format can disagree with another.

Chart kinds: trend (one per indicator), cumulative (against the financial-year trajectory),
funnel, benchmark (DfE comparators), breakdown (by category) and quality (rows set aside).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from ..periods import financial_year, financial_year_start, shift_month
from .disclosure import SUPPRESSED_RAG_REASON
from .formatting import NO_VALUE, format_count, format_percent, format_value, is_number, month_label, no_value_text

DATA_QUALITY_AREA = "Data quality"


@dataclass
class ChartSpec:
    chart_id: str  # file name stem, no identifiers of people
    kind: str  # trend | cumulative | funnel | benchmark | breakdown | quality
    area: str
    title: str  # states the finding, built from the numbers
    alt: str  # alt text, built from the numbers
    table_columns: list[str]
    table_rows: list[list[str]]
    data: dict = field(default_factory=dict)  # what the drawing needs
    note: str = ""  # definition or source shown under the chart


def trend_chart(metric, row: dict, points: list[dict], month: str) -> ChartSpec:
    unit = metric.unit
    value = row["value"]
    when = month_label(month)
    if isinstance(value, str):
        reason = row.get("rag_reason") or SUPPRESSED_RAG_REASON
        title = f"{metric.title}: not shown for {when} ({reason.split(': ', 1)[-1]})"
    elif value is None and no_value_text(row) != NO_VALUE:  # why there is no value: never 0 or a status
        title = f"{metric.title}, {when}: {no_value_text(row)}"
    else:
        parts = [f"{metric.title}: {format_value(unit, value)} in {when}"]
        words = row.get("change_vs_last_year", "")
        if words in ("better", "worse"):
            parts.append(f"{words} than a year ago")
        elif words in ("up", "down"):
            parts.append(f"{words} on a year ago")
        elif words == "no material change":
            parts.append("no material change on a year ago")
        if row.get("rag") in ("Green", "Amber", "Red"):
            parts.append({"Green": "target met", "Amber": "close to target", "Red": "target missed"}[row["rag"]])
        title = ", ".join(parts)
    shown = [(p["month"], p["value"]) for p in points if is_number(p["value"])]
    hidden = [p["month"] for p in points if isinstance(p["value"], str)]
    alt = f"Line chart of {metric.title.lower()}, monthly from {month_label(points[0]['month'])} to {month_label(points[-1]['month'])}."
    if shown:
        latest_first = shown[::-1]  # ties go to the most recent month
        low = min(latest_first, key=lambda mv: mv[1])
        high = max(latest_first, key=lambda mv: mv[1])
        alt += (
            f" {month_label(points[-1]['month'])}: {format_value(unit, points[-1]['value'])}."
            f" Lowest {format_value(unit, low[1])} in {month_label(low[0])}, highest {format_value(unit, high[1])} in {month_label(high[0])}."
        )
    targets = [p.get("target") for p in points]
    if is_number(targets[-1]):
        alt += f" Target line at {format_value(unit, targets[-1])} in {month_label(points[-1]['month'])}."
    if hidden:
        alt += f" {len(hidden)} month{'s' if len(hidden) != 1 else ''} not shown (small numbers or not available)."
    columns = ["Month", "Value", "Numerator", "Denominator", "Target"]
    table = [
        [p["month"], no_value_text(p) if p["value"] is None else format_value(unit, p["value"]), format_count(p.get("numerator")),
         format_count(p.get("denominator")), "" if p.get("target") is None else format_value(unit, p["target"])]
        for p in points
    ]
    return ChartSpec(
        chart_id=metric.id, kind="trend", area=metric.area, title=title, alt=alt,
        table_columns=columns, table_rows=table,
        data={"unit": unit, "months": [p["month"] for p in points], "values": [p["value"] if is_number(p["value"]) else None for p in points],
              "targets": [p.get("target") if is_number(p.get("target")) else None for p in points], "label": metric.title},
        note=metric.definition,
    )


def cumulative_chart(metric, history: list[dict], month: str, as_at: dt.date) -> ChartSpec | None:
    """Cumulative approvals this financial year against the straight-line annual trajectory."""
    start = financial_year_start(as_at)
    fy_months = [shift_month(f"{start.year:04d}-04", i) for i in range(12)]
    by_month = {h["month"]: h for h in history if h["metric_id"] == metric.id}
    target = metric.target_for(financial_year(as_at))
    actual = [by_month[m]["value"] if m in by_month and m <= month else None for m in fy_months]
    trajectory = [target.value * (i + 1) / 12 if target else None for i in range(12)]
    latest = by_month.get(month, {}).get("value")
    index = fy_months.index(month)
    unit = metric.unit
    year = financial_year(as_at)
    if isinstance(latest, str):
        title = f"{metric.title}: not shown for {month_label(month)} (small numbers)"
    elif target and is_number(latest):
        due = trajectory[index]
        gap = latest - due
        position = "ahead of" if gap > 0 else ("on" if gap == 0 else "behind")
        title = (f"{format_value(unit, latest)} approved by {month_label(month)} against a trajectory of "
                 f"{due:,.0f} for the {year} target of {target.value:g}: {position} trajectory"
                 + (f" by {abs(gap):,.0f}" if gap else ""))
    else:
        title = f"{metric.title}: {format_value(unit, latest)} by {month_label(month)} (no {year} target set)"
    alt = (f"Cumulative chart of {metric.title.lower()} for {year}, April to March, with the straight-line "
           f"trajectory to the annual target. " + title + ".")
    table = [[m, format_value(unit, a) if m <= month else "", "" if t is None else f"{t:,.1f}"]
             for m, a, t in zip(fy_months, [by_month.get(m, {}).get("value") for m in fy_months], trajectory)]
    return ChartSpec(
        chart_id=f"cumulative_{metric.id}", kind="cumulative", area=metric.area, title=title, alt=alt,
        table_columns=["Month", "Cumulative", "Trajectory"], table_rows=table,
        data={"months": fy_months, "actual": [a if is_number(a) else None for a in actual], "trajectory": trajectory, "unit": unit},
        note=f"Trajectory: the {year} target spread evenly over the twelve months.",
    )


def funnel_chart(metrics, rows_by_id: dict[str, dict], month: str) -> ChartSpec:
    stages = [(m, rows_by_id[m.id]) for m in metrics]
    labels = [m.title for m, _ in stages]
    values = [r["value"] for _, r in stages]
    conversions = []
    for (_prev_m, prev), (_m, cur) in itertools.pairwise(stages):
        if is_number(prev["value"]) and is_number(cur["value"]) and prev["value"]:
            conversions.append(f"{100 * cur['value'] / prev['value']:.0f}%")
        else:
            conversions.append("c" if any(isinstance(x["value"], str) for x in (prev, cur)) else "no data")
    first, last = stages[0], stages[-1]
    if all(is_number(v) for v in values) and values[0]:
        title = (f"Of {format_value('count', values[0])} at the first stage, {format_value('count', values[-1])} "
                 f"reached the last ({100 * values[-1] / values[0]:.0f}% conversion), {month_label(month)}")
    else:
        title = f"Recruitment funnel, {month_label(month)}: some stages not shown (small numbers)"
    alt = "Funnel bar chart: " + "; ".join(f"{label}: {format_value('count', v)}" for label, v in zip(labels, values)) + "."
    table = [[label, format_value("count", v), "" if i == 0 else conversions[i - 1]] for i, (label, v) in enumerate(zip(labels, values))]
    return ChartSpec(
        chart_id="funnel", kind="funnel", area=first[0].area, title=title, alt=alt,
        table_columns=["Stage", "Count", "Conversion from previous stage"], table_rows=table,
        data={"labels": labels, "values": [v if is_number(v) else None for v in values], "shown": [format_value("count", v) for v in values]},
        note=f"Stages: {', '.join(m.id for m, _ in stages)}; periods as defined for each indicator. Last stage: {last[0].title}.",
    )


def comparator_chart(metric, comparison, row: dict, council_name: str) -> ChartSpec:
    """The council against England, its region and its statistical neighbours, DfE years to the as-at date."""
    years = list(comparison.years)
    unit = metric.unit
    if not years:
        title = f"{metric.title}: no DfE benchmark {comparison.year_label.replace('none ', '')}"
        alt = title + f" (the files in the repository start at 31 March {comparison.earliest_published})."
    else:
        latest = comparison.latest
        council = latest.council
        comparisons = []
        for name, v in (("England", latest.england), (comparison.region_name, latest.region), ("the neighbours' median", latest.neighbours_median)):
            if v is not None and council is not None:
                comparisons.append(f"{'above' if council > v else ('below' if council < v else 'level with')} {name} {v:g}%")
        title = (f"{metric.title}, DfE 31 March {latest.year}: this council {council:g}%"
                 if council is not None else f"{metric.title}, DfE 31 March {latest.year}")
        if comparisons:
            title += ", " + ", ".join(comparisons)
        alt = (f"Line chart of the DfE published {metric.title.lower()} by year to 31 March {latest.year}, for this council, "
               f"England, {comparison.region_name} and the median of {latest.neighbours_used} statistical neighbours. "
               + "; ".join(f"{y.year}: council {format_percent(y.council)}, England {format_percent(y.england)}, region {format_percent(y.region)}, neighbours {format_percent(y.neighbours_median)}" for y in years) + ".")
    table = [[f"31 March {y.year}", format_percent(y.council), format_percent(y.england), format_percent(y.region), format_percent(y.neighbours_median), str(y.neighbours_used)] for y in years]
    return ChartSpec(
        chart_id=f"benchmark_{metric.id}", kind="benchmark", area=metric.area, title=title, alt=alt,
        table_columns=["Year", f"{council_name} (DfE)", "England", comparison.region_name, "Neighbours median", "Neighbours used"],
        table_rows=table,
        data={"years": [y.year for y in years], "council": [y.council for y in years], "england": [y.england for y in years],
              "region": [y.region for y in years], "neighbours": [y.neighbours_median for y in years], "region_name": comparison.region_name,
              "unit": unit, "earliest": comparison.earliest_published},
        note="Source: DfE, children looked after in England, placement stability measures (Open Government Licence v3.0). "
             f"Neighbours: {comparison.neighbours_source}.",
    )


def breakdown_chart(metric, rows: list[dict], total, month: str) -> ChartSpec:
    shown = [(r["category"], r["count"]) for r in rows if is_number(r["count"])]
    top = max(shown, key=lambda cn: (cn[1], cn[0])) if shown else None
    if top and top[1] > 0:
        title = f"{metric.title} by category, {month_label(month)}: most often {top[0]} ({top[1]:,} of {format_count(total)})"
    else:
        title = f"{metric.title} by category, {month_label(month)}: total {format_count(total)}"
    alt = (f"Bar chart of {metric.title.lower()} by category: "
           + "; ".join(f"{r['category']}: {format_count(r['count'])}" for r in rows) + f"; total {format_count(total)}.")
    table = [[str(r["category"]), format_count(r["count"])] for r in rows] + [["Total", format_count(total)]]
    return ChartSpec(
        chart_id=f"breakdown_{metric.id}", kind="breakdown", area=metric.area, title=title, alt=alt,
        table_columns=["Category", "Count"], table_rows=table,
        data={"labels": [str(r["category"]) for r in rows], "values": [r["count"] if is_number(r["count"]) else None for r in rows],
              "shown": [format_count(r["count"]) for r in rows]},
        note=f"Breakdown of: {metric.title}. c = not shown (small numbers).",
    )


def quality_chart(quality_rows: list[dict]) -> ChartSpec:
    # Rows set aside come from each file's "(all rows)" line: summing rule lines would count
    # warnings (rows kept) and rows that broke several rules more than once.
    totals = [r for r in quality_rows if r.get("rule_id") == "(all rows)"]
    read = {r["file"]: int(r["rows_read"]) for r in totals}
    set_aside = {r["file"]: int(r["rows_quarantined"]) for r in totals}
    files = sorted(set_aside)
    total_read, total_aside = sum(read.values()), sum(set_aside.values())
    share = f" ({100 * total_aside / total_read:.1f}%)" if total_read else ""
    title = f"{total_aside:,} of {total_read:,} rows read were set aside{share}"
    alt = "Bar chart of rows set aside per extract file: " + "; ".join(f"{f}: {set_aside[f]:,} of {read.get(f, 0):,}" for f in files) + "."
    table = [[r["file"], r["rule_id"], str(r.get("severity", "")), f"{int(r['rows']):,}", str(r.get("detail", ""))] for r in quality_rows]
    return ChartSpec(
        chart_id="data_quality", kind="quality", area=DATA_QUALITY_AREA, title=title, alt=alt,
        table_columns=["File", "Rule", "Severity (warning = row kept)", "Rows", "Detail"], table_rows=table,
        data={"labels": files, "values": [set_aside[f] for f in files], "shown": [f"{set_aside[f]:,}" for f in files]},
        note="Counts only: the rows themselves are listed in internal/quarantine.csv (internal pack only).",
    )

