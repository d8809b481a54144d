"""What each chart of the pack shows, built from the numbers: its data, a title that states the
finding, alt text, a data table and a note. Every writer draws from these specs (charts.py draws
them, every format shows the title as the chart's heading and the table under it), so no
format can disagree with another. Plain English only: titles, labels and tables show the
registry's titles and the data contract's labels, never a metric id or a code.

A chart is made only where it adds something to the area's table: each builder returns None
when the figures would make an empty or one-point chart (the table's words say it instead).

Chart kinds: trend (an indicator month by month, with its target), cumulative (a financial-year-
to-date count: this year against last year and the trajectory to the annual target, April to
March, never joined across years), funnel, benchmark (DfE comparators by year) and breakdown
(by category).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from ..periods import as_at_date, financial_year, financial_year_start, shift_month
from .disclosure import SUPPRESSED_RAG_REASON
from .formatting import format_count, format_percent, format_value, is_number, month_label, no_value_text
from .summary import TARGET_WORDS, year_target

MIN_TREND_POINTS = 3  # months with a figure: fewer is not a trend
MIN_BENCHMARK_YEARS = 2  # DfE years: one year is a figure for the table, not a line
# What the line of a trend chart is, by the indicator's period (the legend's words).
SERIES_WORDS = {
    "rolling_12m": "12 months to each month end",
    "snapshot": "On the last day of each month",
    "month": "In each month",
}


@dataclass
class ChartSpec:
    chart_id: str  # file name stem, no identifiers of people
    kind: str  # trend | cumulative | funnel | benchmark | breakdown
    area: str
    title: str  # states the finding, built from the numbers: every format's heading for the chart
    alt: str  # alt text, built from the numbers
    table_columns: list[str]
    table_rows: list[list[str]]
    data: dict = field(default_factory=dict)  # what the drawing needs (charts.py)
    note: str = ""  # definition or source shown under the chart


def drawing_key(spec: ChartSpec) -> str:
    """Everything a drawing depends on: two specs with the same key have the same SVG (the
    public pack shares the internal pack's drawing when suppression changed nothing in it;
    titles and tables are not drawn, so they may differ)."""
    return repr((spec.chart_id, spec.kind, sorted(spec.data.items())))


def _in_a_sentence(title: str) -> str:
    """A title inside a sentence: "Core training ..." -> "core training ...", "LADO ..." kept."""
    return title if title[1:2].isupper() else title[:1].lower() + title[1:]


def _numbers(values) -> list:
    return [v if is_number(v) else None for v in values]


def _table_value(unit: str, point: dict) -> str:
    return no_value_text(point) if point.get("value") is None else format_value(unit, point["value"])


def trend_chart(metric, row: dict, points: list[dict], month: str) -> ChartSpec | None:
    """The indicator month by month with its target line. A financial-year-to-date count is
    drawn per financial year instead (cumulative_chart), never joined across years. None when
    fewer than MIN_TREND_POINTS months have a figure."""
    if metric.period == "fytd":
        return cumulative_chart(metric, points, month, as_at_date(month))
    values = _numbers(p["value"] for p in points)
    if sum(v is not None for v in values) < MIN_TREND_POINTS:
        return None
    unit, value, when = metric.unit, row["value"], month_label(month)
    if isinstance(value, str):
        reason = row.get("rag_reason") or SUPPRESSED_RAG_REASON
        title = f"{metric.title}: not shown for {when} ({reason.split(': ', 1)[-1]})"
    elif value is None:  # why there is no value: never 0 or a status
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
            parts.append(TARGET_WORDS[row["rag"]])
        title = ", ".join(parts)
    months = [p["month"] for p in points]
    targets = _numbers(p.get("target") for p in points)
    shown = [(m, v) for m, v in zip(months, values) if v is not None]
    latest_first = shown[::-1]  # ties go to the most recent month
    low, high = min(latest_first, key=lambda mv: mv[1]), max(latest_first, key=lambda mv: mv[1])
    alt = (f"Line chart of {_in_a_sentence(metric.title)}, monthly from {month_label(months[0])} to "
           f"{month_label(months[-1])}. {month_label(months[-1])}: {_table_value(unit, points[-1])}. "
           f"Lowest {format_value(unit, low[1])} in {month_label(low[0])}, highest {format_value(unit, high[1])} in {month_label(high[0])}.")
    if targets[-1] is not None:
        alt += f" Target line at {format_value(unit, targets[-1])} in {month_label(months[-1])}."
    hidden = sum(isinstance(p.get("value"), str) for p in points)  # "c": small numbers
    absent = len(values) - len(shown) - hidden
    if hidden:
        alt += f" {hidden} month{'s' if hidden != 1 else ''} not shown (small numbers)."
    if absent:
        alt += f" {absent} month{'s' if absent != 1 else ''} without a figure."
    columns = ["Month", "Figure", metric.numerator]
    if metric.denominator:
        columns.append(metric.denominator)
    has_targets = any(t is not None for t in targets)
    if has_targets:
        columns.append("Target")
    table = []
    for point, target in zip(points, targets):
        cells = [month_label(point["month"]), _table_value(unit, point), format_count(point.get("numerator"))]
        if metric.denominator:
            cells.append(format_count(point.get("denominator")))
        if has_targets:
            cells.append("" if target is None else format_value(unit, target))
        table.append(cells)
    return ChartSpec(
        chart_id=metric.id, kind="trend", area=metric.area, title=title, alt=alt, table_columns=columns, table_rows=table,
        data={"unit": unit, "months": months, "values": values, "targets": targets,
              "label": SERIES_WORDS.get(metric.period, "Each month"), "last_text": format_value(unit, values[-1])},
        note=metric.definition,
    )


def cumulative_chart(metric, history: list[dict], month: str, as_at: dt.date) -> ChartSpec | None:
    """A financial-year-to-date count, April to March: this year so far against last year and
    the straight-line trajectory to this year's target. None unless one of the years has two
    months with a figure (April alone, with no last year to compare, is not a chart)."""
    start = financial_year_start(as_at)
    this_months = [shift_month(f"{start.year:04d}-04", i) for i in range(12)]
    last_months = [shift_month(m, -12) for m in this_months]
    by_month = {h["month"]: h for h in history if h["metric_id"] == metric.id}
    this_year = [by_month[m]["value"] if m in by_month and m <= month else None for m in this_months]
    last_year = [by_month[m]["value"] if m in by_month else None for m in last_months]
    this_numbers, last_numbers = _numbers(this_year), _numbers(last_year)
    if max(sum(v is not None for v in this_numbers), sum(v is not None for v in last_numbers)) < 2:
        return None
    unit = metric.unit
    year = financial_year(as_at)
    last_label = financial_year(dt.date(start.year - 1, 4, 1))
    target = metric.target_for(year)
    trajectory = [target.value * (i + 1) / 12 for i in range(12)] if target else None
    index = this_months.index(month)
    latest = by_month.get(month, {}).get("value")
    same_time_last_year = last_year[index]
    when = month_label(month)
    if isinstance(latest, str):
        title = f"{metric.title}: not shown for {when} (small numbers)"
    elif not is_number(latest):
        title = f"{metric.title}, {when}: {no_value_text(by_month.get(month, {}))}"
    else:
        reading = year_target(metric, {"value": latest}, as_at)
        if reading is None:
            title = f"{metric.title}: {format_value(unit, latest)} by {when} (no {year} target set)"
        elif reading.year_over:
            title = f"{metric.title}: {format_value(unit, latest)} in {year}, " + reading.position.removeprefix("year over: ")
        else:
            side, _, amount = reading.position.partition(" by ")  # "behind by 9", "ahead by 3", "on track"
            where = "on the trajectory" if not amount else f"{amount} {'ahead of' if side == 'ahead' else 'behind'} the trajectory"
            title = (f"{metric.title}: {format_value(unit, latest)} by {when}, {where} to the {year} target of "
                     f"{target.value:g} ({reading.due_words})")
        if is_number(same_time_last_year):
            title += (f"; {format_value(unit, same_time_last_year)} in {last_label}" if index == 11
                      else f"; {format_value(unit, same_time_last_year)} by {month_label(last_months[index])}")
    alt = (f"Line chart of {_in_a_sentence(metric.title)}, April to March: {year} to {when} against "
           f"{last_label}" + (f" and the straight-line trajectory to the {year} target of {target.value:g}" if target else "")
           + f". {title}.")
    columns = ["Month", year, last_label] + (["Trajectory"] if target else [])
    table = []
    for i, (this_month, last_month) in enumerate(zip(this_months, last_months)):
        cells = [f"{month_label(this_month)[:3]}",
                 _table_value(unit, by_month[this_month]) if this_month in by_month and this_month <= month else "",
                 _table_value(unit, by_month[last_month]) if last_month in by_month else "not available"]
        if target:
            cells.append(f"{trajectory[i]:,.1f}")
        table.append(cells)
    last_year_total = last_numbers[11]
    return ChartSpec(
        chart_id=f"cumulative_{metric.id}", kind="cumulative", area=metric.area, title=title, alt=alt,
        table_columns=columns, table_rows=table,
        data={"unit": unit, "months": this_months, "this_year": this_numbers, "last_year": last_numbers, "trajectory": trajectory,
              "this_year_label": year, "last_year_label": last_label,
              "trajectory_label": f"Trajectory to the target of {target.value:g}" if target else "",
              "this_year_text": format_value(unit, this_numbers[index]) if this_numbers[index] is not None else "",
              "last_year_text": f"{format_value(unit, last_year_total)} in {last_label}" if last_year_total is not None else ""},
        note=(f"Trajectory: the {year} target spread evenly over the twelve months. " if target else "") + metric.definition,
    )


def funnel_chart(metrics, rows_by_id: dict[str, dict], month: str) -> ChartSpec | None:
    """The recruitment stages side by side, with each stage as a share of the one before. None
    when no stage has a figure above 0."""
    stages = [(m, rows_by_id[m.id]) for m in metrics]
    labels = [m.title for m, _ in stages]
    values = [r["value"] for _, r in stages]
    if not any(is_number(v) and v > 0 for v in values):
        return None
    conversions = []
    for (_prev_m, prev), (_m, cur) in itertools.pairwise(stages):
        if is_number(prev["value"]) and is_number(cur["value"]) and prev["value"]:
            conversions.append(f"{100 * cur['value'] / prev['value']:.0f}%")
        else:
            conversions.append("c" if any(isinstance(x["value"], str) for x in (prev, cur)) else "no data")
    if all(is_number(v) for v in values) and values[0]:
        title = (f"Of {format_value('count', values[0])} at the first stage, {format_value('count', values[-1])} "
                 f"reached the last ({100 * values[-1] / values[0]:.0f}%), {month_label(month)}")
    else:
        title = f"Recruitment funnel, {month_label(month)}: some stages not shown (small numbers)"
    alt = "Bar chart of the recruitment stages: " + "; ".join(
        f"{label}: {format_value('count', v)}" + ("" if i == 0 else f" ({conversions[i - 1]} of the stage before)")
        for i, (label, v) in enumerate(zip(labels, values))) + "."
    table = [[label, format_value("count", v), "" if i == 0 else conversions[i - 1]] for i, (label, v) in enumerate(zip(labels, values))]
    shown = [format_value("count", v) + ("" if i == 0 or conversions[i - 1] in ("c", "no data") else f" ({conversions[i - 1]})")
             for i, v in enumerate(values)]
    same_period = len({m.period for m, _ in stages}) == 1 and stages[0][0].period == "rolling_12m"
    return ChartSpec(
        chart_id="funnel", kind="funnel", area=stages[0][0].area, title=title, alt=alt,
        table_columns=["Stage", "Number", "Share of the stage before"], table_rows=table,
        data={"labels": labels, "values": _numbers(values), "shown": shown},
        note=("Every stage counts the 12 months to the month end, so a share compares this year's numbers at two stages, "
              "not the same households followed through." if same_period else "Each stage over its own period (see its definition)."),
    )


def comparator_chart(metric, comparison, row: dict, council_name: str) -> ChartSpec | None:
    """The council against England, its region and its statistical neighbours, DfE years to the
    as-at date. None with fewer than MIN_BENCHMARK_YEARS years published (the table says the one)."""
    years = list(comparison.years)
    if len(years) < MIN_BENCHMARK_YEARS:
        return None
    latest = comparison.latest
    council = latest.council
    comparisons = []
    for name, v in (("England", latest.england), (comparison.region_name, latest.region), ("the neighbours' median", latest.neighbours_median)):
        if v is not None and council is not None:
            comparisons.append(f"{'above' if council > v else ('below' if council < v else 'level with')} {name} {v:g}%")
    title = (f"{metric.title}, DfE 31 March {latest.year}: {council_name} {council:g}%"
             if council is not None else f"{metric.title}, DfE 31 March {latest.year}")
    if comparisons:
        title += ", " + ", ".join(comparisons)
    alt = (f"Line chart of the DfE published {_in_a_sentence(metric.title)} by year to 31 March {latest.year}, for "
           f"{council_name}, England, {comparison.region_name} and the median of {latest.neighbours_used} statistical neighbours. "
           + "; ".join(f"{y.year}: {council_name} {format_percent(y.council)}, England {format_percent(y.england)}, "
                       f"{comparison.region_name} {format_percent(y.region)}, neighbours {format_percent(y.neighbours_median)}" for y in years) + ".")
    table = [[f"31 March {y.year}", format_percent(y.council), format_percent(y.england), format_percent(y.region),
              format_percent(y.neighbours_median), str(y.neighbours_used)] for y in years]
    return ChartSpec(
        chart_id=f"benchmark_{metric.id}", kind="benchmark", area=metric.area, title=title, alt=alt,
        table_columns=["Year", f"{council_name} (DfE)", "England", comparison.region_name, "Statistical neighbours (median)", "Neighbours with a figure"],
        table_rows=table,
        data={"years": [y.year for y in years],
              "series": [(f"{council_name} (DfE)", [y.council for y in years]), ("England", [y.england for y in years]),
                         (comparison.region_name, [y.region for y in years]),
                         ("Statistical neighbours (median)", [y.neighbours_median for y in years])]},
        note="Source: DfE, children looked after in England, placement stability measures (Open Government Licence v3.0). "
             f"Neighbours: {comparison.neighbours_source}.",
    )


def breakdown_chart(metric, rows: list[dict], total, month: str) -> ChartSpec | None:
    """Counts by category (the data contract's plain-English labels, as the breakdown SQL gives
    them): a count's breakdown adds up to the count, a share's to its denominator (all moves,
    not just the unplanned ones), so a share's chart is named after its denominator. None when
    no category has a count above 0 to show."""
    subject = metric.denominator if metric.unit != "count" and metric.denominator else metric.title
    shown = [(r["category"], r["count"]) for r in rows if is_number(r["count"])]
    if not any(count > 0 for _, count in shown):
        return None
    top = max(shown, key=lambda cn: (cn[1], cn[0]))
    hidden_sum = total - sum(count for _, count in shown) if is_number(total) else None
    # A hidden cell could be the largest (secondary suppression hides more than 1 to 5): then
    # the title claims only what the shown cells prove.
    largest = "most often" if len(shown) == len(rows) or (hidden_sum is not None and top[1] > hidden_sum) else "largest shown:"
    title = f"{subject} by category, {month_label(month)}: {largest} {top[0]} ({top[1]:,} of {format_count(total)})"
    alt = (f"Bar chart of {_in_a_sentence(subject)} by category: "
           + "; ".join(f"{r['category']}: {format_count(r['count'])}" for r in rows) + f"; total {format_count(total)}.")
    table = [[str(r["category"]), format_count(r["count"])] for r in rows] + [["Total", format_count(total)]]
    hidden = any(isinstance(r["count"], str) for r in rows)
    return ChartSpec(
        chart_id=f"breakdown_{metric.id}", kind="breakdown", area=metric.area, title=title, alt=alt,
        table_columns=["Category", "Number"], table_rows=table,
        data={"labels": [str(r["category"]) for r in rows], "values": _numbers(r["count"] for r in rows),
              "shown": [format_count(r["count"]) for r in rows]},
        note=(f"All {_in_a_sentence(subject)}: the share shown for \u201c{metric.title}\u201d is taken of these."
              if subject != metric.title else f"Breakdown of: {metric.title}.") + (" c = a number from 1 to 5, or one that would reveal one, not shown." if hidden else ""),
    )


__all__ = ["ChartSpec", "breakdown_chart", "comparator_chart", "cumulative_chart",
           "drawing_key", "funnel_chart", "trend_chart"]
