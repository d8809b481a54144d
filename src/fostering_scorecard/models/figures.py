"""A month's figures from the database: every metric for the month-ends a history needs, the
breakdowns and operational lists of the month, and the scorecard rows drawn from them.

coverage (optional everywhere): the validated extracts' coverage (validation.extract_coverage).
Given it, a figure the data cannot support (an extract not supplied or empty, a window reaching
before an extract's history) has no value and says why (availability.py), and its breakdown is
left out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

from ..definitions import Metric
from ..periods import as_at_date, shift_month
from ..project import Settings
from . import database
from .availability import unavailable_reason
from .indicators import MetricValue, as_record, metric_value, scorecard_row

# Month-ends whose dated models are built in one pass (a 25-month history is one pass; more
# dates per pass hold more rows in memory at once).
DATES_PER_BUILD = 25


def compute_months(
    con: duckdb.DuckDBPyConnection,
    metrics: list[Metric],
    months: list[str],
    latest_month: str | None = None,
    coverage: Mapping | None = None,
) -> dict[str, list[MetricValue]]:
    """Every metric as at the end of each month: the dated models are built for all the months
    at once and each SQL file runs once for all of them, however many metrics it computes.
    latest_month: the last month the extract covers; metrics known only at the extract date
    have no value before it. coverage: see the module's docstring."""
    database.build_dates(con, [as_at_date(month) for month in months])
    results: dict = {}
    for sql_file in dict.fromkeys(m.sql for m in metrics):
        for as_at, rows in database.run_metric_sql(con, sql_file).items():
            results.setdefault(as_at, {}).update(rows)
    return {
        month: _month_values(metrics, month, results.get(as_at_date(month), {}), latest_month, coverage)
        for month in months
    }


def _month_values(
    metrics: list[Metric], month: str, results: dict[str, tuple], latest_month: str | None, coverage: Mapping | None
) -> list[MetricValue]:
    as_at = as_at_date(month)
    values = []
    for metric in metrics:
        if metric.id not in results:
            raise ValueError(f"sql/metrics/{metric.sql} returned no row for metric {metric.id} as at {as_at}")
        result = results[metric.id]
        known = not (metric.extract_date_only and latest_month is not None and month != latest_month)
        unavailable = unavailable_reason(metric, result[3], coverage)
        values.append(metric_value(metric, month, as_at, result, known, unavailable))
    return values


def compute_month(
    con: duckdb.DuckDBPyConnection,
    metrics: list[Metric],
    month: str,
    latest_month: str | None = None,
    coverage: Mapping | None = None,
) -> list[MetricValue]:
    """Every metric as at the end of month (see compute_months)."""
    return compute_months(con, metrics, [month], latest_month, coverage)[month]


def compute_history(
    con: duckdb.DuckDBPyConnection,
    metrics: list[Metric],
    month: str,
    months: int,
    latest_month: str | None = None,
    month_cache: dict | None = None,
    coverage: Mapping | None = None,
) -> list[MetricValue]:
    """The reporting month and the months before it, oldest first (months + 1 points, so the
    same month last year is always there). month_cache, when given, holds months already
    computed from the same data, coverage and definitions; it is filled as months are computed."""
    month_cache = {} if month_cache is None else month_cache
    points = [shift_month(month, -back) for back in range(months, -1, -1)]
    missing = [point for point in points if point not in month_cache]
    # Passes counted back from the newest month and run oldest first: the newest months stay
    # built, so breakdowns and lists of the reporting month (and of a backfill's months, when
    # they are all asked for at once) find their dates ready.
    ends = range(len(missing), 0, -DATES_PER_BUILD)
    for end in reversed(ends):
        month_cache.update(compute_months(con, metrics, missing[max(0, end - DATES_PER_BUILD) : end], latest_month, coverage))
    return [value for point in points for value in month_cache[point]]


def history_months(settings: Settings) -> int:
    """How many months before the reporting month its trend history holds (at least 12, so the
    same month last year is always there)."""
    return max(settings.trend_months, 12)


def compute_breakdowns(con: duckdb.DuckDBPyConnection, metrics: list[Metric], month: str) -> list[dict]:
    """Counts by category for metrics with a breakdown, as at the end of month."""
    database.set_as_at(con, as_at_date(month))
    rows = []
    for metric in metrics:
        if metric.breakdown:
            rows += [
                {"metric_id": metric.id, "category": category, "count": count}
                for _id, category, count in database.run_breakdown_sql(con, metric.breakdown)
            ]
    return rows


def operational_lists(con: duckdb.DuckDBPyConnection, month: str) -> dict:
    """Named lists for the service's own follow-up (e.g. households without training), as at
    the end of month: list name -> (columns, rows). Internal only: they hold household ids."""
    database.set_as_at(con, as_at_date(month))
    return {name.removesuffix(".sql"): database.run_list_sql(con, name) for name in database.list_files()}


@dataclass
class MonthFigures:
    """Everything computed for a month: what the pack and the CSVs are drawn from."""

    rows: list[dict]  # one per indicator, in registry order (the columns of scorecard.csv)
    history: list[dict]  # every indicator for the month and the months before it, oldest first
    breakdowns: list[dict]  # counts by category for indicators with a breakdown
    lists: dict  # internal operational lists (name -> (columns, rows)); they hold record ids


def month_figures(
    con: duckdb.DuckDBPyConnection,
    metrics: list[Metric],
    settings: Settings,
    month: str,
    latest_month: str | None = None,
    month_cache: dict | None = None,
    coverage: Mapping | None = None,
) -> MonthFigures:
    """The month's scorecard rows, its trend history (settings.trend_months, at least 12 months
    back, so last year's value is there), breakdowns and operational lists. latest_month and
    month_cache: as for compute_history. coverage: validation.extract_coverage of the validated
    extracts; a figure the data cannot support then reads "no data" or "insufficient history"
    with no value, and has no breakdown."""
    history = compute_history(con, metrics, month, history_months(settings), latest_month, month_cache, coverage)
    by_key = {(v.metric_id, v.month): v for v in history}
    supported = [m for m in metrics if not _unsupported(by_key[(m.id, month)])]
    breakdowns = compute_breakdowns(con, supported, month)
    lists = operational_lists(con, month)
    rows = [
        scorecard_row(
            metric,
            by_key[(metric.id, month)],
            by_key[(metric.id, shift_month(month, -1))],
            by_key[(metric.id, shift_month(month, -12))],
            settings,
        )
        for metric in metrics
    ]
    return MonthFigures(rows, [as_record(v) for v in history], breakdowns, lists)


def _unsupported(value: MetricValue) -> bool:
    """No figure at all this month (no data, insufficient history, known only at the extract
    date): its breakdown would be counts the headline does not show."""
    return value.value is None and value.numerator is None and value.denominator is None
