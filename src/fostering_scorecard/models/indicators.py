"""The rules that turn one indicator's numerator and denominator into its scorecard value:
value, target, RAG status, reporting period and the words for a change. They read the metric
registry and the project's settings; no metric is special-cased here, and nothing here runs SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from ..definitions import Metric
from ..periods import financial_year, months_elapsed_in_financial_year, reporting_dates
from ..project import Settings

GREEN, AMBER, RED, NOT_RATED = "Green", "Amber", "Red", "Not rated"
PERIOD_WORDS = {
    "fytd": "financial year to date",
    "rolling_12m": "12 months to date",
    "month": "month",
    "snapshot": "at month end",
}
# The field of periods.ReportingDates where each kind of period starts (the same days the SQL
# reads from as_at_dates).
PERIOD_STARTS = {
    "fytd": "financial_year_start",
    "rolling_12m": "window_12m_start",
    "month": "month_start",
    "snapshot": "as_at",
}


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


RECORD_FIELDS = tuple(f.name for f in fields(MetricValue))


def as_record(value: MetricValue) -> dict:
    # Every field is a plain value: no deep copy (dataclasses.asdict) needed.
    return {name: getattr(value, name) for name in RECORD_FIELDS}


def period_start(metric: Metric, as_at: dt.date) -> dt.date:
    """The first day of the period the metric covers as at as_at."""
    return getattr(reporting_dates(as_at), PERIOD_STARTS[metric.period])


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


def metric_value(
    metric: Metric, month: str, as_at: dt.date, result: tuple, known: bool = True, unavailable: str | None = None
) -> MetricValue:
    """The scorecard value of one metric from its SQL result (numerator, denominator, value[,
    reads_from]). unavailable: why the data cannot support the figure (availability.py), shown
    as the reason with no value, never a number. known=False: the metric is known only at the
    extract date and this month is before it."""
    numerator, denominator, sql_value = result[:3]
    target, tolerance, note = target_for_date(metric, as_at)
    if unavailable:
        return MetricValue(metric.id, month, as_at, None, None, None, target, note, NOT_RATED, unavailable)
    if not known:
        return MetricValue(metric.id, month, as_at, None, None, None, target, note, NOT_RATED, "known only at the extract date")
    value = compute_value(metric, numerator, denominator, sql_value)
    rag, reason = rag_status(metric.direction, value, target, tolerance)
    return MetricValue(metric.id, month, as_at, numerator, denominator, value, target, note, rag, reason)


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


def scorecard_row(
    metric: Metric, current: MetricValue, last_month: MetricValue, last_year: MetricValue, settings: Settings
) -> dict:
    """One row of scorecard.csv: the indicator as at the month end, with its changes."""
    return {
        "metric_id": metric.id,
        "title": metric.title,
        "area": metric.area,
        "period": PERIOD_WORDS[metric.period],
        "period_start": period_start(metric, current.as_at).isoformat(),
        "period_end": current.as_at.isoformat(),
        "value": current.value,
        "numerator": current.numerator,
        "denominator": current.denominator,
        "unit": metric.unit,
        "target": current.target,
        "target_note": current.target_note,
        "rag": current.rag,
        "rag_reason": current.rag_reason,
        "direction_of_good": metric.direction,
        "last_month_value": last_month.value,
        # A year-to-date count always grows within the year: month-on-month says nothing.
        "change_vs_last_month": "not compared (cumulative)" if metric.period == "fytd"
        else describe_change(metric, current.value, last_month.value, settings),
        "same_month_last_year_value": last_year.value,
        "change_vs_last_year": describe_change(metric, current.value, last_year.value, settings),
    }
