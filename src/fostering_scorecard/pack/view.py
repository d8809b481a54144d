"""The pack's model: one PackView per audience (internal, public), built once from the month's
numbers; every format (PDF, HTML, workbook, CSVs) only lays a view out, so they show the same
numbers, words and suppression. This module imports no writer and no drawing library.

- page 1 (summary.py): the business-plan targets first, then the other indicators grouped by
  area, and the headline block "what changed since last month";
- area pages: per registry `area` (national/settings.toml [pack] area_order; a new area comes
  after the listed ones), each with its indicators' table and only the charts that add
  something (a year-to-date count against its trajectory, the funnel, DfE benchmarks of two or
  more years, breakdowns with something in them, and the trend of each targeted indicator);
- the data-quality page (internal only, quality.py): per extract and per rule;
- the public pack's words where a value or status is withheld, and why.

A value that could not be computed (None) is shown as its reason ("insufficient history", "no
data: carers not supplied"), never as 0, and is never rated Red, Amber or Green.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .chart_specs import ChartSpec, breakdown_chart, comparator_chart, cumulative_chart, funnel_chart, trend_chart
from .comparators import Comparison, load_comparisons
from .disclosure import (
    SUPPRESSED_RAG_REASON,
    WITHHELD_REASON,
    Rule,
    breakdown_total,
    hidden_points,
    public_breakdowns,
    public_history,
    public_rows,
    status_whatever_hidden,
)
from ..periods import date_words
from .formatting import month_words
from .notices import VersionNotice, set_aside_warning, version_notice
from .quality import DataQuality, data_quality
from .summary import RAG_SHAPES, IndicatorGroup, IndicatorLine, YearTarget, headline, indicator_line

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

__all__ = ["AreaPage", "DataQuality", "IndicatorGroup", "IndicatorLine", "PackView", "WithheldNote", "YearTarget", "make_views"]


@dataclass
class AreaPage:
    """One area of the registry: its indicators (table rows) and the charts that add something
    to them. Writers may put several short areas on one printed page."""

    area: str
    lines: list[IndicatorLine]
    charts: list[ChartSpec]


@dataclass
class WithheldNote:
    """Public pack: an indicator whose value (and so status) is not shown, and why, in words."""

    title: str
    reason: str  # "small numbers (1 to 5) ..." or "other published figures would give it away"


@dataclass
class PackView:
    audience: str  # "internal" | "public"
    title: str  # the document's title (PDF metadata, HTML <title>): "Fostering scorecard: March 2025 (internal)"
    heading: str  # "Fostering scorecard: March 2025"
    subheading: str  # council, as-at and extract dates, who the pack is for
    council_name: str
    month: str  # "2025-03"
    month_label: str  # "March 2025"
    as_at: dt.date
    extract_date: dt.date
    indicators: list[IndicatorLine]  # every indicator, registry order
    targets: list[IndicatorLine]  # page 1 first: indicators with a business-plan target this year
    groups: list[IndicatorGroup]  # page 1 then: the others (the key ones), by area in the pack's area order
    groups_heading: str  # "Other key indicators" (national [pack] key_indicators) or "Other indicators"
    headline: list[str]  # page 1: what changed since last month, a few sentences
    pages: list[AreaPage]  # area pages, in order
    quality: DataQuality | None  # the data-quality page (internal pack only)
    withheld: list[WithheldNote]  # public pack: what is not shown and why (empty internally)
    key: list[str]  # how to read status, arrows and benchmarks (under page 1)
    footnotes: list[str]  # sources and licences
    rows: list[dict]  # scorecard.csv
    history: list[dict]  # scorecard_history.csv
    breakdowns: list[dict]  # breakdowns.csv
    benchmark_rows: list[dict]  # benchmarks.csv
    quality_rows: list[dict] | None  # data_quality.csv's rows (internal pack only)
    version: VersionNotice = field(default_factory=VersionNotice)  # what the pack says about its version
    warnings: list[str] = field(default_factory=list)  # shown on page 1, before the figures

    @property
    def charts(self) -> list[ChartSpec]:
        """Every chart of the pack, in page order (each drawn once, chart_id unique)."""
        return [chart for page in self.pages for chart in page.charts]

    @property
    def version_rows(self) -> list[dict]:
        """version.csv's one row (none when the pack was written without a release)."""
        if self.version.record is None:
            return []
        return [dict(self.version.record, published_over_set_aside_limit="yes" if self.warnings else "no")]


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


def _key_indicator_ids(settings, metric_ids: set[str]) -> set[str] | None:
    """Page 1's other indicators: national/settings.toml [pack] key_indicators (every indicator
    still has its row on its area page), else every indicator."""
    # national/settings.toml is checked against the national registry when it is read; a
    # registry of fewer metrics (a test's) keeps the listed ones it has
    ids = {i for i in getattr(settings.layout, "key_indicators", ()) or () if i in metric_ids}
    return ids or None


def _area_charts(metrics, by_id, rows_by_id, history, breakdowns, breakdown_totals, comparisons, ctx, lines_by_id) -> dict[str, list[ChartSpec]]:
    settings = ctx.settings
    trend_points = settings.trend_months + 1
    cumulative_ids = _layout_ids(settings, "cumulative_against_trajectory", set(by_id))
    funnel_ids = _layout_ids(settings, "funnel", set(by_id))
    charts: dict[str, list[ChartSpec]] = {}
    for metric in metrics:
        area = charts.setdefault(metric.area, [])
        if metric.id in cumulative_ids:
            area.append(cumulative_chart(metric, history, ctx.month, ctx.as_at))
        elif lines_by_id[metric.id].has_target:
            points = [h for h in history if h["metric_id"] == metric.id][-trend_points:]
            area.append(trend_chart(metric, rows_by_id[metric.id], points, ctx.month))
        if funnel_ids and metric.id == funnel_ids[0]:
            area.append(funnel_chart([by_id[i] for i in funnel_ids], rows_by_id, ctx.month))
        if metric.id in comparisons:
            area.append(comparator_chart(metric, comparisons[metric.id], rows_by_id[metric.id], settings.council_name))
    for metric_id in sorted({b["metric_id"] for b in breakdowns}):
        if metric_id not in by_id:
            raise ValueError(f"breakdowns: metric {metric_id!r} is not in metrics.toml")
        metric = by_id[metric_id]
        rows_for = sorted((b for b in breakdowns if b["metric_id"] == metric_id), key=lambda b: str(b["category"]))
        charts.setdefault(metric.area, []).append(breakdown_chart(metric, rows_for, breakdown_totals[metric_id], ctx.month))
    # A builder returns None for an empty or one-point chart: the table's words say it instead.
    return {area: [c for c in specs if c is not None] for area, specs in charts.items()}


def _benchmark_rows(metrics, comparisons: dict[str, Comparison]) -> list[dict]:
    out = []
    for metric in metrics:
        comparison = comparisons.get(metric.id)
        if comparison is None:
            continue
        for y in comparison.years:
            out.append({
                "metric_id": metric.id, "measure": metric.benchmark, "year": f"{y.year}-03-31", "council_published": y.council,
                "england": y.england, "region_name": comparison.region_name, "region": y.region,
                "neighbours_median": y.neighbours_median, "neighbours_used": y.neighbours_used, "neighbours_source": comparison.neighbours_source,
            })
    return out


def build_view(ctx, rows: list[dict], history: list[dict], breakdowns: list[dict], quality_rows,
               comparisons: dict[str, Comparison], audience: str, breakdown_totals: dict,
               version: VersionNotice | None = None, warnings: list[str] | None = None,
               judged_hidden: dict[str, str] | None = None, public_small: int | None = None) -> PackView:
    """One audience's view. comparisons: by registry benchmark key; judged_hidden: {metric_id:
    status} for hidden values whose status is the same whatever they are (public pack)."""
    settings, metrics = ctx.settings, ctx.metrics
    by_id = {m.id: m for m in metrics}
    rows_by_id = {r["metric_id"]: r for r in rows}
    by_metric = {m.id: comparisons[m.benchmark] for m in metrics if m.benchmark and m.benchmark in comparisons}
    judged_hidden = judged_hidden or {}

    lines = [indicator_line(m, rows_by_id[m.id], history, by_metric.get(m.id), ctx.as_at, settings.sparkline_months,
                            judged_hidden.get(m.id)) for m in metrics]
    lines_by_id = {line.metric_id: line for line in lines}
    areas = ordered_areas(metrics, settings)
    charts = _area_charts(metrics, by_id, rows_by_id, history, breakdowns, breakdown_totals, by_metric, ctx, lines_by_id)
    pages = [AreaPage(area, [line for line in lines if line.area == area], charts.get(area, [])) for area in areas]
    targets = [line for line in lines if line.has_target]
    key_ids = _key_indicator_ids(settings, set(by_id))
    groups = [IndicatorGroup(area, [line for line in lines if line.area == area and not line.has_target
                                    and (key_ids is None or line.metric_id in key_ids)]) for area in areas]
    groups = [g for g in groups if g.lines]

    withheld = []
    for line in lines:
        row = rows_by_id[line.metric_id]
        if isinstance(row.get("value"), str):
            reason = ("withheld from every public pack because other published figures would give it away"
                      if row.get("rag_reason") == WITHHELD_REASON else
                      f"hidden because a count from 1 to {public_small or 5} could identify children or carers"
                      + ("; the status is shown because every figure it could be gives the same one" if line.rag != "Not rated" else ""))
            withheld.append(WithheldNote(line.title, reason))

    month_label = month_words(ctx.month)
    when = date_words(ctx.as_at)
    extract_date = ctx.extract_info.extract_date
    audience_note = (
        "Internal: exact counts, not for publication." if audience == INTERNAL
        else "Public: counts from 1 to 5, and figures that would reveal them, are shown as c (DfE rule)."
    )
    key = [
        (f"Status: {RAG_SHAPES['Green']} Green = target met or on track; {RAG_SHAPES['Amber']} Amber = within the "
         f"tolerance; {RAG_SHAPES['Red']} Red = beyond it; {RAG_SHAPES['Not rated']} Not rated = no target, no data or not shown. "
         "A target for the year is read against its trajectory (the target spread evenly over the months) until March."),
        ("Arrows show which way the number moved; the words say whether that is better or worse. Changes smaller than "
         f"{settings.no_material_change_points:g} percentage points, or {100 * settings.no_material_change_relative:g}% "
         "of a count and at least 1, show \u2192 no material change."),
    ]
    footnotes = [
        ("Benchmarks: DfE placement stability measures for England, the region and the median of the statistical "
         "neighbours, the latest 31 March on or before the as-at date; contains public sector information licensed "
         "under the Open Government Licence v3.0."),
    ]
    return PackView(
        audience=audience,
        title=f"Fostering scorecard: {month_label} ({audience})",
        heading=f"Fostering scorecard: {month_label}",
        subheading=f"{settings.council_name}. As at {when}; extracts taken {date_words(extract_date)}. {audience_note}",
        council_name=settings.council_name, month=ctx.month, month_label=month_label, as_at=ctx.as_at, extract_date=extract_date,
        indicators=lines, targets=targets, groups=groups,
        groups_heading="Other indicators" if key_ids is None else "Other key indicators",
        headline=headline(lines, metrics, rows, history, ctx.month, public_small),
        pages=pages, quality=data_quality(quality_rows) if quality_rows is not None else None,
        withheld=withheld, key=key, footnotes=footnotes,
        rows=rows, history=history, breakdowns=breakdowns, benchmark_rows=_benchmark_rows(metrics, by_metric),
        quality_rows=quality_rows, version=version or VersionNotice(), warnings=list(warnings or []),
    )


def _comparisons_for(ctx) -> dict[str, Comparison]:
    wanted = {m.benchmark for m in ctx.metrics if m.benchmark}
    return load_comparisons(ctx.settings, ctx.as_at, wanted)


def _warnings(ctx, quality_rows, public: bool) -> list[str]:
    """Page 1's warnings: a month published with --allow-quarantine although extracts were
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
    rows_by_id = {r["metric_id"]: r for r in rows}
    judged = {}
    for metric in ctx.metrics:
        if metric.id in hidden_now and metric.id in rows_by_id:
            status = status_whatever_hidden(metric, rows_by_id[metric.id], rule, ctx.as_at)
            if status:
                judged[metric.id] = status
    shown_rows = public_rows(rows, ctx.month, hidden, rule)
    for row in shown_rows:  # the status travels with the row, so the CSV and workbook say it too
        if row["metric_id"] in judged:
            row["rag"] = judged[row["metric_id"]]
            row["rag_reason"] = f"{SUPPRESSED_RAG_REASON}; status judged on every value it could be"
    public = build_view(
        ctx, shown_rows, public_history(history, hidden, rule), public_breakdowns(breakdowns, hidden_now, rule),
        None, comparisons, PUBLIC,
        {metric_id: breakdown_total(c, rule, metric_id in hidden_now) for metric_id, c in counts.items()},
        version_notice(release, ctx.metrics, rule),
        _warnings(ctx, quality_rows, public=True),
        judged_hidden=judged, public_small=rule.max_suppressed,
    )
    return internal, public
