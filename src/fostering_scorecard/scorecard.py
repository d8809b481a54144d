"""Turn metric numerators and denominators into scorecard rows: value, target, RAG status,
change against last month and last year. The rules read the metric registry; no metric is
special-cased here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import duckdb

from . import models
from .definitions import Metric
from .project import Settings
from .periods import (
    as_at_date,
    financial_year,
    financial_year_start,
    months_elapsed_in_financial_year,
    shift_month,
)

GREEN, AMBER, RED, NOT_RATED = "Green", "Amber", "Red", "Not rated"
PERIOD_WORDS = {
    "fytd": "financial year to date",
    "rolling_12m": "12 months to date",
    "month": "month",
    "snapshot": "at month end",
}
# Month-ends whose dated models are built in one pass (a 25-month history is one pass; more
# dates per pass hold more rows in memory at once).
DATES_PER_BUILD = 25


@dataclass(frozen=True)
class MetricValue:
    metric_id: str
    month: str
    as_at: dt.date
    numerator: int | None
    denominator: int | None
    value: float | None
    target: float | None
    target_note: str
    rag: str
    rag_reason: str


def period_start(metric: Metric, as_at: dt.date) -> dt.date:
    if metric.period == "fytd":
        return financial_year_start(as_at)
    if metric.period == "rolling_12m":
        return _add_years(as_at, -1) + dt.timedelta(days=1)
    if metric.period == "month":
        return as_at.replace(day=1)
    return as_at


def _add_years(date: dt.date, years: int) -> dt.date:
    try:
        return date.replace(year=date.year + years)
    except ValueError:  # 29 February -> 28 February, as DuckDB's interval arithmetic does
        return date.replace(year=date.year + years, day=28)


def compute_value(metric: Metric, numerator: int | None, denominator: int | None, sql_value: float | None = None) -> float | None:
    """count: the numerator; percent and rate per 100: numerator / denominator x 100 (no value
    when the denominator is 0); weeks and days: the median the SQL computed."""
    if metric.unit in ("weeks", "days"):
        return sql_value
    if metric.unit == "count":
        return None if numerator is None else float(numerator)
    if not denominator:
        return None
    return 100.0 * numerator / denominator


def target_for_date(metric: Metric, as_at: dt.date) -> tuple[float | None, float | None, str]:
    """(target to compare with, tolerance, note). Financial-year-to-date counts are compared
    with the annual target pro rata to the months elapsed."""
    year = financial_year(as_at)
    target = metric.target_for(year)
    if target is None:
        return None, None, f"no target set for {year}"
    if metric.period == "fytd":
        months = months_elapsed_in_financial_year(as_at)
        return target.value * months / 12, target.tolerance, f"{months}/12 of the {year} target of {target.value:g}"
    return float(target.value), target.tolerance, f"{year} target"


def rag_status(direction: str, value: float | None, target: float | None, tolerance: float | None) -> tuple[str, str]:
    """Green: target met. Amber: within the tolerance (a share of the target). Red: beyond it.
    Computed on unrounded values."""
    if target is None:
        return NOT_RATED, "no target"
    if value is None:
        return NOT_RATED, "no denominator"
    if direction == "higher":
        if value >= target:
            return GREEN, "target met"
        return (AMBER, "within tolerance") if value >= target * (1 - tolerance) else (RED, "below tolerance")
    if value <= target:
        return GREEN, "target met"
    return (AMBER, "within tolerance") if value <= target * (1 + tolerance) else (RED, "above tolerance")


def compute_months(
    con: duckdb.DuckDBPyConnection, metrics: list[Metric], months: list[str], latest_month: str | None = None
) -> dict[str, list[MetricValue]]:
    """Every metric as at the end of each month: the dated models are built for all the months
    at once and each SQL file runs once for all of them, however many metrics it computes.
    latest_month: the last month the extract covers; metrics known only at the extract date
    have no value before it."""
    models.build_dates(con, [as_at_date(month) for month in months])
    results: dict[dt.date, dict[str, tuple]] = {}
    for sql_file in dict.fromkeys(m.sql for m in metrics):
        for as_at, rows in models.run_metric_sql(con, sql_file).items():
            results.setdefault(as_at, {}).update(rows)
    return {month: _month_values(metrics, month, results.get(as_at_date(month), {}), latest_month) for month in months}


def _month_values(metrics: list[Metric], month: str, results: dict[str, tuple], latest_month: str | None) -> list[MetricValue]:
    as_at = as_at_date(month)
    values = []
    for metric in metrics:
        if metric.id not in results:
            raise ValueError(f"sql/metrics/{metric.sql} returned no row for metric {metric.id} as at {as_at}")
        numerator, denominator, sql_value = results[metric.id]
        target, tolerance, note = target_for_date(metric, as_at)
        if metric.extract_date_only and latest_month is not None and month != latest_month:
            values.append(MetricValue(metric.id, month, as_at, None, None, None, target, note, NOT_RATED, "known only at the extract date"))
            continue
        value = compute_value(metric, numerator, denominator, sql_value)
        rag, reason = rag_status(metric.direction, value, target, tolerance)
        values.append(MetricValue(metric.id, month, as_at, numerator, denominator, value, target, note, rag, reason))
    return values


def compute_month(
    con: duckdb.DuckDBPyConnection, metrics: list[Metric], month: str, latest_month: str | None = None
) -> list[MetricValue]:
    """Every metric as at the end of month (see compute_months)."""
    return compute_months(con, metrics, [month], latest_month)[month]


def compute_history(
    con: duckdb.DuckDBPyConnection,
    metrics: list[Metric],
    month: str,
    months: int,
    latest_month: str | None = None,
    month_cache: dict | None = None,
) -> list[MetricValue]:
    """The reporting month and the months before it, oldest first (months + 1 points, so the
    same month last year is always there). month_cache, when given, holds months already
    computed from the same data and definitions; it is filled as months are computed."""
    month_cache = {} if month_cache is None else month_cache
    points = [shift_month(month, -back) for back in range(months, -1, -1)]
    missing = [point for point in points if point not in month_cache]
    # Passes counted back from the newest month and run oldest first: the newest months stay
    # built, so breakdowns and lists of the reporting month (and of a backfill's months, when
    # they are all asked for at once) find their dates ready.
    ends = range(len(missing), 0, -DATES_PER_BUILD)
    for end in reversed(ends):
        month_cache.update(compute_months(con, metrics, missing[max(0, end - DATES_PER_BUILD) : end], latest_month))
    return [value for point in points for value in month_cache[point]]


def compute_breakdowns(con: duckdb.DuckDBPyConnection, metrics: list[Metric], month: str) -> list[dict]:
    """Counts by category for metrics with a breakdown, as at the end of month."""
    models.set_as_at(con, as_at_date(month))
    rows = []
    for metric in metrics:
        if metric.breakdown:
            rows += [
                {"metric_id": metric.id, "category": category, "count": count}
                for _id, category, count in models.run_breakdown_sql(con, metric.breakdown)
            ]
    return rows


def describe_change(metric: Metric, current: float | None, previous: float | None, settings: Settings) -> str:
    """'better', 'worse', 'no material change' or 'no comparison' using the registry's direction
    of good ('up' or 'down' for neutral metrics). The no-material-change band comes from
    the project's [pack] options: points for percentages, a share of the previous value otherwise."""
    if current is None or previous is None:
        return "no comparison"
    change = current - previous
    if metric.unit == "percent":
        threshold = settings.no_material_change_points
    else:
        threshold = max(1.0, abs(previous) * settings.no_material_change_relative)
    if abs(change) < threshold:
        return "no material change"
    if metric.direction == "neutral":
        return "up" if change > 0 else "down"
    better = change > 0 if metric.direction == "higher" else change < 0
    return "better" if better else "worse"


def operational_lists(con: duckdb.DuckDBPyConnection, month: str) -> dict:
    """Named lists for the service's own follow-up (e.g. households without training), as at
    the end of month: list name -> (columns, rows). Internal only: they hold household ids."""
    models.set_as_at(con, as_at_date(month))
    return {name.removesuffix(".sql"): models.run_list_sql(con, name) for name in models.list_files()}


RECORD_FIELDS = tuple(f.name for f in fields(MetricValue))


def as_record(value: MetricValue) -> dict:
    # Every field is a plain value: no deep copy (dataclasses.asdict) needed.
    return {name: getattr(value, name) for name in RECORD_FIELDS}
