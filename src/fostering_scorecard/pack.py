"""The scorecard pack: every format (PDF, offline HTML, Excel, tidy CSVs, chart PNGs) for two
audiences, drawn from one model of the numbers.

- Internal pack: at the top of the month folder; exact counts and the data-quality page.
- Public pack: in public/; the same files after disclosure control (disclosure.py), without the
  data-quality page or any record-level list.

The model (PackView) is built once per audience: display rows, trend series, benchmarks and a
list of ChartSpec, each holding its data, a title that states the finding, alt text and a data
table. The renderers only lay these out, so every format shows the same numbers and the same
suppression. Pages are built per registry `area`, so a new metric appears without code changes;
the funnel and cumulative-approvals charts key on metric ids set in config/scorecard.toml [pack].
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import math
import multiprocessing
import multiprocessing.forkserver
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from . import disclosure
from .periods import financial_year, financial_year_start, shift_month
from .tables import write_csv

SCORECARD_COLUMNS = [
    "metric_id", "title", "area", "period", "period_start", "period_end", "value", "numerator", "denominator",
    "unit", "target", "target_note", "rag", "rag_reason", "direction_of_good", "last_month_value",
    "change_vs_last_month", "same_month_last_year_value", "change_vs_last_year",
]
HISTORY_COLUMNS = ["metric_id", "month", "as_at", "value", "numerator", "denominator", "target", "rag"]
BENCHMARK_COLUMNS = [
    "metric_id", "measure", "year", "council_published", "england", "region_name", "region",
    "neighbours_median", "neighbours_used", "neighbours_source",
]
BREAKDOWN_COLUMNS = ["metric_id", "category", "count"]
INTERNAL, PUBLIC = "internal", "public"
DATA_QUALITY_AREA = "Data quality"
# Charts and workbooks are made in this many worker processes while this one writes the PDF text
# pages; this process also takes queued jobs rather than wait, so two suit a 2-core machine.
WORKER_PROCESSES = 2
# Worker processes are used only where the entry point allows them (the scorecard command, the
# flows, the benchmark): multiprocessing imports the main script again in every worker, which is
# safe only for a script whose work sits under `if __name__ == "__main__"`. Elsewhere (a
# notebook, a quick script) the pack is drawn in this process: slower, the same bytes.
_allowed_worker_processes = 0


def allow_worker_processes(count: int = WORKER_PROCESSES) -> None:
    global _allowed_worker_processes
    _allowed_worker_processes = count


def worker_processes_allowed() -> bool:
    return _allowed_worker_processes > 0

RAG_LABELS = {
    "Green": ("\u25cf", "Green: target met"),
    "Amber": ("\u25c6", "Amber: close to target"),
    "Red": ("\u25a0", "Red: target missed"),
    "Not rated": ("\u25cb", "Not rated"),
}
DIRECTION_WORDS = {"higher": "Higher is better", "lower": "Lower is better", "neutral": "Neither is better"}
ARROWS = {"up": "\u2191", "down": "\u2193", "flat": "\u2192", "none": "\u2013"}


# ---------------------------------------------------------------------------------------------
# Formatting shared by every renderer


def is_number(value) -> bool:
    """A real number to draw or compare: not None, not 'c', not NaN."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)


def format_value(unit: str, value) -> str:
    if isinstance(value, str):
        return value  # "c" (suppressed) or "x" (not available)
    if value is None:
        return "no data"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "count" or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def format_count(value) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return f"{value:,.0f}"


def format_change(unit: str, current, previous) -> str:
    if not (is_number(current) and is_number(previous)):
        return ""
    change = current - previous
    if unit == "percent":
        return f"{change:+.1f} pts"
    return f"{change:+,.0f}" if float(change).is_integer() else f"{change:+,.1f}"


def change_text(unit: str, words: str, current, previous) -> tuple[str, str]:
    """(arrow, words with the amount): the arrow shows the way the number moved, the words say
    whether that is better or worse given the direction of good."""
    if words in ("better", "worse"):
        arrow = ARROWS["up"] if current > previous else ARROWS["down"]
        return arrow, f"{words} ({format_change(unit, current, previous)})"
    if words in ("up", "down"):  # neither direction is better (context measures)
        return ARROWS[words], f"{words} ({format_change(unit, current, previous)})"
    if words == "no material change":
        return ARROWS["flat"], "no material change"
    return ARROWS["none"], words


def month_label(month: str) -> str:
    return dt.date.fromisoformat(month + "-01").strftime("%b %Y")


# ---------------------------------------------------------------------------------------------
# The model


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


@dataclass
class SummaryLine:
    metric_id: str
    title: str
    value: str
    counts: str
    target: str
    rag: str
    rag_shape: str
    rag_word: str
    direction: str
    month_arrow: str
    month_words: str
    year_arrow: str
    year_words: str
    benchmark: str
    sparkline: list  # values (numbers or None) for the sparkline
    sparkline_targets: list
    sparkline_months: list


@dataclass
class PackView:
    audience: str
    heading: str
    subheading: str
    council_name: str
    month: str
    as_at: dt.date
    rows: list[dict]
    history: list[dict]
    breakdowns: list[dict]
    benchmark_rows: list[dict]
    summary: list[SummaryLine]
    areas: list[tuple[str, list[ChartSpec]]]
    quality_rows: list[dict] | None
    footnotes: list[str]

    @property
    def charts(self) -> list[ChartSpec]:
        return [chart for _area, charts in self.areas for chart in charts]


def _config_ids(settings, key: str, metric_ids: set[str]) -> list[str]:
    ids = list(getattr(settings.layout, key))
    for metric_id in ids:
        if metric_id not in metric_ids:
            raise ValueError(f"national/settings.toml [pack] {key}: metric {metric_id!r} is not in metrics.toml")
    return ids


def ordered_areas(metrics, settings) -> list[str]:
    order = list(settings.layout.area_order)
    seen = []
    for metric in metrics:
        if metric.area not in seen:
            seen.append(metric.area)
    return [a for a in order if a in seen] + [a for a in seen if a not in order]


def _series(history: list[dict], metric_id: str, months: int) -> list[dict]:
    points = [h for h in history if h["metric_id"] == metric_id]
    return points[-months:]


def _trend_chart(metric, row: dict, points: list[dict], month: str) -> ChartSpec:
    unit = metric.unit
    value = row["value"]
    when = month_label(month)
    if isinstance(value, str):
        reason = row.get("rag_reason") or disclosure.SUPPRESSED_RAG_REASON
        title = f"{metric.title}: not shown for {when} ({reason.split(': ', 1)[-1]})"
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
        [p["month"], format_value(unit, p["value"]), format_count(p.get("numerator")),
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


def _cumulative_chart(metric, history: list[dict], month: str, as_at: dt.date) -> ChartSpec | None:
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


def _funnel_chart(metrics, rows_by_id: dict[str, dict], month: str) -> ChartSpec:
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


def _benchmark_chart(metric, bench, row: dict, council_name: str) -> ChartSpec:
    years = list(bench.years)
    unit = metric.unit
    if not years:
        title = f"{metric.title}: no DfE benchmark {bench.year_label.replace('none ', '')}"
        alt = title + f" (the files in the repository start at 31 March {bench.earliest_published})."
    else:
        latest = bench.latest
        council = latest.council
        comparisons = []
        for name, v in (("England", latest.england), (bench.region_name, latest.region), ("the neighbours' median", latest.neighbours_median)):
            if v is not None and council is not None:
                comparisons.append(f"{'above' if council > v else ('below' if council < v else 'level with')} {name} {v:g}%")
        title = (f"{metric.title}, DfE 31 March {latest.year}: this council {council:g}%"
                 if council is not None else f"{metric.title}, DfE 31 March {latest.year}")
        if comparisons:
            title += ", " + ", ".join(comparisons)
        alt = (f"Line chart of the DfE published {metric.title.lower()} by year to 31 March {latest.year}, for this council, "
               f"England, {bench.region_name} and the median of {latest.neighbours_used} statistical neighbours. "
               + "; ".join(f"{y.year}: council {_pct(y.council)}, England {_pct(y.england)}, region {_pct(y.region)}, neighbours {_pct(y.neighbours_median)}" for y in years) + ".")
    table = [[f"31 March {y.year}", _pct(y.council), _pct(y.england), _pct(y.region), _pct(y.neighbours_median), str(y.neighbours_used)] for y in years]
    return ChartSpec(
        chart_id=f"benchmark_{metric.id}", kind="benchmark", area=metric.area, title=title, alt=alt,
        table_columns=["Year", f"{council_name} (DfE)", "England", bench.region_name, "Neighbours median", "Neighbours used"],
        table_rows=table,
        data={"years": [y.year for y in years], "council": [y.council for y in years], "england": [y.england for y in years],
              "region": [y.region for y in years], "neighbours": [y.neighbours_median for y in years], "region_name": bench.region_name,
              "unit": unit, "earliest": bench.earliest_published},
        note="Source: DfE, children looked after in England, placement stability measures (Open Government Licence v3.0). "
             f"Neighbours: {bench.neighbours_source}.",
    )


def _pct(value) -> str:
    return "not published" if value is None else f"{value:g}%"


def _breakdown_chart(metric, rows: list[dict], total, month: str) -> ChartSpec:
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


def _quality_chart(quality_rows: list[dict]) -> ChartSpec:
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


def build_view(ctx, rows: list[dict], history: list[dict], breakdowns: list[dict], quality_rows, benchmarks: dict,
               audience: str, breakdown_totals: dict) -> PackView:
    settings = ctx.settings
    metrics = ctx.metrics
    by_id = {m.id: m for m in metrics}
    metric_ids = set(by_id)
    rows_by_id = {r["metric_id"]: r for r in rows}
    trend_points = settings.trend_months + 1
    spark_months = settings.sparkline_months

    benchmark_rows, bench_by_metric = [], {}
    for metric in metrics:
        if metric.benchmark and metric.benchmark in benchmarks:
            bench = benchmarks[metric.benchmark]
            bench_by_metric[metric.id] = bench
            for y in bench.years:
                benchmark_rows.append({
                    "metric_id": metric.id, "measure": metric.benchmark, "year": f"{y.year}-03-31", "council_published": y.council,
                    "england": y.england, "region_name": bench.region_name, "region": y.region,
                    "neighbours_median": y.neighbours_median, "neighbours_used": y.neighbours_used, "neighbours_source": bench.neighbours_source,
                })

    summary = []
    for metric in metrics:
        row = rows_by_id[metric.id]
        unit = metric.unit
        counts = ""
        if row.get("denominator") is not None and row.get("numerator") is not None:
            counts = f"{format_count(row['numerator'])} of {format_count(row['denominator'])}"
        elif row.get("denominator") is not None:  # a median or average over the denominator
            counts = f"over {format_count(row['denominator'])}"
        shape, word = RAG_LABELS.get(row["rag"], RAG_LABELS["Not rated"])
        if row["rag"] == "Not rated" and row.get("rag_reason"):
            word = f"Not rated ({row['rag_reason']})"
        m_arrow, m_words = change_text(unit, row["change_vs_last_month"], row["value"], row.get("last_month_value"))
        y_arrow, y_words = change_text(unit, row["change_vs_last_year"], row["value"], row.get("same_month_last_year_value"))
        bench = bench_by_metric.get(metric.id)
        if bench is None:
            bench_text = "no national benchmark"
        elif bench.latest is None:
            bench_text = f"DfE: {bench.year_label}"
        else:
            y = bench.latest
            bench_text = (f"England {_pct(y.england)}, {bench.region_name} {_pct(y.region)}, "
                          f"neighbours {_pct(y.neighbours_median)} (31 March {y.year})")
        spark = _series(history, metric.id, spark_months)
        summary.append(SummaryLine(
            metric_id=metric.id, title=metric.title, value=format_value(unit, row["value"]), counts=counts,
            target="no target" if row.get("target") is None else format_value(unit, row["target"]),
            rag=row["rag"], rag_shape=shape, rag_word=word,
            direction=DIRECTION_WORDS.get(metric.direction, metric.direction),
            month_arrow=m_arrow, month_words=m_words, year_arrow=y_arrow, year_words=y_words, benchmark=bench_text,
            sparkline=[p["value"] if is_number(p["value"]) else None for p in spark],
            sparkline_targets=[p.get("target") if is_number(p.get("target")) else None for p in spark],
            sparkline_months=[p["month"] for p in spark],
        ))

    charts_by_area: dict[str, list[ChartSpec]] = {}
    cumulative_ids = _config_ids(settings, "cumulative_against_trajectory", metric_ids)
    funnel_ids = _config_ids(settings, "funnel", metric_ids)
    for metric in metrics:
        charts = charts_by_area.setdefault(metric.area, [])
        if metric.id in cumulative_ids:
            chart = _cumulative_chart(metric, history, ctx.month, ctx.as_at)
            if chart:
                charts.append(chart)
        if funnel_ids and metric.id == funnel_ids[0]:
            charts.append(_funnel_chart([by_id[i] for i in funnel_ids], rows_by_id, ctx.month))
        charts.append(_trend_chart(metric, rows_by_id[metric.id], _series(history, metric.id, trend_points), ctx.month))
        if metric.id in bench_by_metric:
            charts.append(_benchmark_chart(metric, bench_by_metric[metric.id], rows_by_id[metric.id], ctx.settings.council_name))
    breakdown_ids = sorted({b["metric_id"] for b in breakdowns})
    for metric_id in breakdown_ids:
        if metric_id not in by_id:
            raise ValueError(f"breakdowns: metric {metric_id!r} is not in config/metrics.toml")
        metric = by_id[metric_id]
        rows_for = sorted((b for b in breakdowns if b["metric_id"] == metric_id), key=lambda b: str(b["category"]))
        charts_by_area[metric.area].append(_breakdown_chart(metric, rows_for, breakdown_totals[metric_id], ctx.month))

    areas = [(area, charts_by_area[area]) for area in ordered_areas(metrics, settings)]
    if quality_rows is not None:
        areas.append((DATA_QUALITY_AREA, [_quality_chart(quality_rows)]))

    when = f"{ctx.as_at:%d %B %Y}".lstrip("0")
    audience_note = (
        "Internal: exact counts, not for publication." if audience == INTERNAL
        else "Public: counts from 1 to 5, and figures that would reveal them, are shown as c (DfE rule)."
    )
    footnotes = [
        (
            "Status: \u25cf Green = target met; \u25c6 Amber = within tolerance of target; \u25a0 Red = beyond tolerance; "
            "\u25cb Not rated = no target or not shown. Change arrows show which way the number moved; the words say "
            "whether that is better or worse given the direction of good. Changes inside the no-material-change band "
            f"({settings.no_material_change_points:g} percentage points, or {100 * settings.no_material_change_relative:g}% "
            "of a count and at least 1) show \u2192."
        ),
        (
            "Benchmarks: DfE placement stability measures, the latest 31 March on or before the as-at date; contains public "
            "sector information licensed under the Open Government Licence v3.0."
        ),
    ]
    return PackView(
        audience=audience,
        heading=f"Fostering scorecard: {ctx.as_at:%B %Y}",
        subheading=f"{settings.council_name}. As at {when}; extracts taken {ctx.extract_info.extract_date:%d %B %Y}. {audience_note}",
        council_name=settings.council_name, month=ctx.month, as_at=ctx.as_at,
        rows=rows, history=history, breakdowns=breakdowns, benchmark_rows=benchmark_rows, summary=summary,
        areas=areas, quality_rows=quality_rows, footnotes=footnotes,
    )


# ---------------------------------------------------------------------------------------------
# Writing


def _benchmarks_for(ctx) -> dict:
    from . import benchmarks

    wanted = {m.benchmark for m in ctx.metrics if m.benchmark}
    return benchmarks.load_benchmarks(ctx.settings, ctx.as_at, wanted)


def make_views(ctx, rows, history, quality_rows, breakdowns=None) -> tuple[PackView, PackView]:
    """(internal, public) views of the same numbers."""
    breakdowns = sorted(breakdowns or [], key=lambda b: (b["metric_id"], str(b["category"])))
    rule = disclosure.Rule.from_settings(ctx.settings, {m.id for m in ctx.metrics})
    benches = _benchmarks_for(ctx)
    counts: dict[str, list] = {}
    for b in breakdowns:
        counts.setdefault(b["metric_id"], []).append(b["count"])
    internal = build_view(ctx, rows, history, breakdowns, quality_rows, benches, INTERNAL,
                          {metric_id: sum(c) for metric_id, c in counts.items()})
    hidden = disclosure.hidden_points(history, rule)
    hidden_now = {metric_id for (metric_id, month) in hidden if month == ctx.month}
    public = build_view(
        ctx,
        disclosure.public_rows(rows, ctx.month, hidden, rule),
        disclosure.public_history(history, hidden, rule),
        disclosure.public_breakdowns(breakdowns, hidden_now, rule),
        None, benches, PUBLIC,
        {metric_id: disclosure.breakdown_total(c, rule, metric_id in hidden_now) for metric_id, c in counts.items()},
    )
    return internal, public


class PackWorkers:
    """Makes the workbooks and each distinct chart once, in WORKER_PROCESSES worker processes,
    from the moment it is created; png() and workbook() return the one asked for. A caller that
    would wait makes a job no worker has started instead (the one it wants, else the last queued).

    'forkserver' start (never fork: Prefect runs threads), with the drawing modules preloaded:
    the server starts once per process (about a second, in a background thread so this process
    carries on meanwhile) and forks each worker ready to draw. Only aggregate figures (the specs
    and views) and the files' bytes cross the in-memory pipes; nothing is written to disk.
    Every file is the same whichever process made it, and the caller assembles them in a fixed
    order."""

    def __init__(self, charts: list[ChartSpec], views: list[PackView]) -> None:
        from . import excel_pack, render

        self._jobs: dict[str, tuple] = {}  # key: (function, argument), in submission order
        for view in views:  # first: a workbook takes as long as several charts
            self._jobs.setdefault(f"workbook {view.audience}", (excel_pack.workbook_bytes, view))
        for spec in charts:  # in page order, so the first pages' charts are ready first
            self._jobs.setdefault(chart_key(spec), (render.chart_png, spec))
        self._futures: dict[str, Future] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._starting = threading.Thread(target=self._start, name="pack-workers", daemon=True)
        if worker_processes_allowed():
            self._starting.start()

    def _start(self) -> None:
        try:
            self._pool = ProcessPoolExecutor(max_workers=_allowed_worker_processes, mp_context=start_worker_server())
            for key, (function, argument) in self._jobs.items():
                self._futures[key] = self._pool.submit(function, argument)
        except Exception as error:  # noqa: BLE001 - any: the pack is then drawn in this process
            logging.getLogger("fostering_scorecard").warning("the pack's worker processes did not start (%s): drawing in this process", error)
            self._futures.clear()

    def _made_here(self, key: str) -> bytes:
        function, argument = self._jobs[key]
        future = self._futures[key] = Future()
        future.set_result(function(argument))
        return future.result()

    def _result(self, key: str) -> bytes:
        if self._starting.ident is not None:  # started: wait until the jobs are submitted
            self._starting.join()
        if key not in self._futures:  # no worker pool: everything is drawn in this process
            return self._made_here(key)
        while not self._futures[key].done():
            for candidate in (key, *reversed(self._jobs)):
                if self._futures[candidate].cancel():  # no worker has started it
                    function, argument = self._jobs[candidate]
                    self._futures[candidate] = Future()
                    self._futures[candidate].set_result(function(argument))
                    break
            else:
                break  # every job left is running: wait for the one wanted
        try:
            return self._futures[key].result()
        except BrokenProcessPool:  # a worker died (e.g. killed, or an unguarded main script)
            return self._made_here(key)

    def png(self, spec: ChartSpec) -> bytes:
        return self._result(chart_key(spec))

    def workbook(self, view: PackView) -> bytes:
        return self._result(f"workbook {view.audience}")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        if self._starting.ident is not None:
            self._starting.join()
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


def start_worker_server() -> multiprocessing.context.ForkServerContext:
    """The context PackWorkers fork their workers from, its server started: the server imports
    the drawing modules once (about a second) and this returns without waiting for it, so a
    run can call this early (e.g. while it ingests) and the pack's workers start at once."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["fostering_scorecard.render", "fostering_scorecard.excel_pack", "openpyxl"])
    multiprocessing.forkserver.ensure_running()
    return context


def chart_key(spec: ChartSpec) -> str:
    """Everything drawn: charts with the same key have the same PNG (the public pack shares the
    internal pack's drawing when suppression changed nothing in a chart)."""
    return repr((spec.kind, spec.title, sorted(spec.data.items())))


def _write_csvs(folder: Path, view: PackView) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "scorecard.csv", SCORECARD_COLUMNS, view.rows)
    write_csv(folder / "scorecard_history.csv", HISTORY_COLUMNS, view.history)
    write_csv(folder / "benchmarks.csv", BENCHMARK_COLUMNS, view.benchmark_rows)
    if view.breakdowns:
        write_csv(folder / "breakdowns.csv", BREAKDOWN_COLUMNS, view.breakdowns)


def write_pack(folder: Path, ctx, rows: list[dict], history: list[dict], quality_rows: list[dict], breakdowns: list[dict] | None = None) -> None:
    """The internal pack at the top of folder and the public pack in folder/public.

    Worker processes make the workbooks and the charts; meanwhile this process writes the CSVs
    and the PDFs' summary pages, then the chart pages, the PNGs and the HTML."""
    from . import html_pack, render  # heavy imports only when writing

    internal, public = make_views(ctx, rows, history, quality_rows, breakdowns)
    packs = [(Path(folder), internal), (Path(folder) / "public", public)]
    with PackWorkers(internal.charts + public.charts, [internal, public]) as workers:
        for audience_folder, view in packs:
            _write_csvs(audience_folder, view)
        render.write_pack_pdfs([(audience_folder / "scorecard_pack.pdf", view) for audience_folder, view in packs], workers)
        for audience_folder, view in packs:
            (audience_folder / "scorecard_pack.xlsx").write_bytes(workers.workbook(view))
            pngs = render.write_chart_pngs(audience_folder / "charts", view.charts, workers)
            html_pack.write_html(audience_folder / "scorecard_pack.html", view, pngs)
