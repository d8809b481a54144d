"""The pack's model: one PackView per audience (internal, public), built once from the month's
numbers. It holds the display rows, the trend series, the DfE comparator figures, a summary line
per indicator and, per area page, the chart specs (chart_specs.py). The writers (pdf.py,
html.py, excel.py and the CSVs in writer.py) only lay a view out, so every format shows the
same numbers and the same suppression. This module imports no writer and no drawing library.

Pages are built per registry `area`, so a new metric appears without code changes; the funnel
and cumulative-approvals charts key on metric ids in national/settings.toml [pack].

A value that could not be computed (None) is shown as its reason ("insufficient history", "no
data: carers not supplied"), never as 0, and is never rated Red, Amber or Green.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .chart_specs import (
    DATA_QUALITY_AREA,
    ChartSpec,
    breakdown_chart,
    comparator_chart,
    cumulative_chart,
    funnel_chart,
    quality_chart,
    trend_chart,
)
from .comparators import Comparison, load_comparisons
from .disclosure import Rule, breakdown_total, hidden_points, public_breakdowns, public_history, public_rows
from .formatting import NO_VALUE, change_text, format_count, format_percent, format_value, is_number, no_value_text
from .notices import VersionNotice, set_aside_warning, version_notice

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

RAG_LABELS = {
    "Green": ("\u25cf", "Green: target met"),
    "Amber": ("\u25c6", "Amber: close to target"),
    "Red": ("\u25a0", "Red: target missed"),
    "Not rated": ("\u25cb", "Not rated"),
}
DIRECTION_WORDS = {"higher": "Higher is better", "lower": "Lower is better", "neutral": "Neither is better"}


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
    version: VersionNotice = field(default_factory=VersionNotice)  # what the pack says about its version
    warnings: list[str] = field(default_factory=list)  # shown on the cover, before the figures

    @property
    def version_rows(self) -> list[dict]:
        """version.csv's one row (none when the pack was written without a release)."""
        if self.version.record is None:
            return []
        return [dict(self.version.record, published_over_set_aside_limit="yes" if self.warnings else "no")]

    @property
    def charts(self) -> list[ChartSpec]:
        return [chart for _area, charts in self.areas for chart in charts]


def _layout_ids(settings, key: str, metric_ids: set[str]) -> list[str]:
    """The metric ids of a chart in the pack layout, each checked against the metrics drawn."""
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


def build_view(ctx, rows: list[dict], history: list[dict], breakdowns: list[dict], quality_rows,
               comparisons: dict[str, Comparison], audience: str, breakdown_totals: dict,
               version: VersionNotice | None = None, warnings: list[str] | None = None) -> PackView:
    settings = ctx.settings
    metrics = ctx.metrics
    by_id = {m.id: m for m in metrics}
    metric_ids = set(by_id)
    rows_by_id = {r["metric_id"]: r for r in rows}
    trend_points = settings.trend_months + 1
    spark_months = settings.sparkline_months

    benchmark_rows, comparison_by_metric = [], {}  # benchmark_rows: benchmarks.csv
    for metric in metrics:
        if metric.benchmark and metric.benchmark in comparisons:
            comparison = comparisons[metric.benchmark]
            comparison_by_metric[metric.id] = comparison
            for y in comparison.years:
                benchmark_rows.append({
                    "metric_id": metric.id, "measure": metric.benchmark, "year": f"{y.year}-03-31", "council_published": y.council,
                    "england": y.england, "region_name": comparison.region_name, "region": y.region,
                    "neighbours_median": y.neighbours_median, "neighbours_used": y.neighbours_used, "neighbours_source": comparison.neighbours_source,
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
        rag = row["rag"] if row["value"] is not None else "Not rated"  # no value: never Red, Amber or Green
        shape, word = RAG_LABELS.get(rag, RAG_LABELS["Not rated"])
        if rag == "Not rated" and row["value"] is None and no_value_text(row) != NO_VALUE:
            word = f"Not rated ({no_value_text(row).split(':')[0]})"  # the value cell gives the whole reason
        elif rag == "Not rated" and row.get("rag_reason"):
            word = f"Not rated ({row['rag_reason']})"
        m_arrow, m_words = change_text(unit, row["change_vs_last_month"], row["value"], row.get("last_month_value"))
        y_arrow, y_words = change_text(unit, row["change_vs_last_year"], row["value"], row.get("same_month_last_year_value"))
        comparison = comparison_by_metric.get(metric.id)
        if comparison is None:
            benchmark_text = "no national benchmark"
        elif comparison.latest is None:
            benchmark_text = f"DfE: {comparison.year_label}"
        else:
            y = comparison.latest
            benchmark_text = (f"England {format_percent(y.england)}, {comparison.region_name} {format_percent(y.region)}, "
                              f"neighbours {format_percent(y.neighbours_median)} (31 March {y.year})")
        spark = _series(history, metric.id, spark_months)
        summary.append(SummaryLine(
            metric_id=metric.id, title=metric.title, counts=counts,
            value=no_value_text(row) if row["value"] is None else format_value(unit, row["value"]),
            target="no target" if row.get("target") is None else format_value(unit, row["target"]),
            rag=rag, rag_shape=shape, rag_word=word,
            direction=DIRECTION_WORDS.get(metric.direction, metric.direction),
            month_arrow=m_arrow, month_words=m_words, year_arrow=y_arrow, year_words=y_words, benchmark=benchmark_text,
            sparkline=[p["value"] if is_number(p["value"]) else None for p in spark],
            sparkline_targets=[p.get("target") if is_number(p.get("target")) else None for p in spark],
            sparkline_months=[p["month"] for p in spark],
        ))

    charts_by_area: dict[str, list[ChartSpec]] = {}
    cumulative_ids = _layout_ids(settings, "cumulative_against_trajectory", metric_ids)
    funnel_ids = _layout_ids(settings, "funnel", metric_ids)
    for metric in metrics:
        charts = charts_by_area.setdefault(metric.area, [])
        if metric.id in cumulative_ids:
            chart = cumulative_chart(metric, history, ctx.month, ctx.as_at)
            if chart:
                charts.append(chart)
        if funnel_ids and metric.id == funnel_ids[0]:
            charts.append(funnel_chart([by_id[i] for i in funnel_ids], rows_by_id, ctx.month))
        charts.append(trend_chart(metric, rows_by_id[metric.id], _series(history, metric.id, trend_points), ctx.month))
        if metric.id in comparison_by_metric:
            charts.append(comparator_chart(metric, comparison_by_metric[metric.id], rows_by_id[metric.id], ctx.settings.council_name))
    breakdown_ids = sorted({b["metric_id"] for b in breakdowns})
    for metric_id in breakdown_ids:
        if metric_id not in by_id:
            raise ValueError(f"breakdowns: metric {metric_id!r} is not in metrics.toml")
        metric = by_id[metric_id]
        rows_for = sorted((b for b in breakdowns if b["metric_id"] == metric_id), key=lambda b: str(b["category"]))
        charts_by_area[metric.area].append(breakdown_chart(metric, rows_for, breakdown_totals[metric_id], ctx.month))

    areas = [(area, charts_by_area[area]) for area in ordered_areas(metrics, settings)]
    if quality_rows is not None:
        areas.append((DATA_QUALITY_AREA, [quality_chart(quality_rows)]))

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
        version=version or VersionNotice(), warnings=list(warnings or []),
    )


def _comparisons_for(ctx) -> dict[str, Comparison]:
    wanted = {m.benchmark for m in ctx.metrics if m.benchmark}
    return load_comparisons(ctx.settings, ctx.as_at, wanted)


def _warnings(ctx, quality_rows, public: bool) -> list[str]:
    """The cover's warnings: a month published with --allow-quarantine although extracts were
    over the set-aside limit ([quality] max_set_aside_share) or rejected whole."""
    if not getattr(getattr(ctx, "options", None), "allow_quarantine", False):
        return []
    warning = set_aside_warning(quality_rows, ctx.settings.max_set_aside_share, public)
    return [warning] if warning else []


def make_views(ctx, rows, history, quality_rows, breakdowns=None, release=None) -> tuple[PackView, PackView]:
    """(internal, public) views of the same numbers. ctx is the run's context: its month, as_at,
    metrics (with the council's targets), settings, extract_info and options are read.
    release: the version being published (publish.release.Release), stated in every format."""
    breakdowns = sorted(breakdowns or [], key=lambda b: (b["metric_id"], str(b["category"])))
    rule = Rule.from_settings(ctx.settings, {m.id for m in ctx.metrics})
    comparisons = _comparisons_for(ctx)
    counts: dict[str, list] = {}
    for b in breakdowns:
        counts.setdefault(b["metric_id"], []).append(b["count"])
    internal = build_view(ctx, rows, history, breakdowns, quality_rows, comparisons, INTERNAL,
                          {metric_id: sum(c) for metric_id, c in counts.items()},
                          version_notice(release, ctx.metrics, None),
                          _warnings(ctx, quality_rows, public=False))
    hidden = hidden_points(history, rule)
    hidden_now = {metric_id for (metric_id, month) in hidden if month == ctx.month}
    public = build_view(
        ctx,
        public_rows(rows, ctx.month, hidden, rule),
        public_history(history, hidden, rule),
        public_breakdowns(breakdowns, hidden_now, rule),
        None, comparisons, PUBLIC,
        {metric_id: breakdown_total(c, rule, metric_id in hidden_now) for metric_id, c in counts.items()},
        version_notice(release, ctx.metrics, rule),
        _warnings(ctx, quality_rows, public=True),
    )
    return internal, public

