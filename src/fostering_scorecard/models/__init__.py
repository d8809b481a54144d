"""The compute stage: the SQL models in DuckDB and the scorecard figures drawn from them.

- database.py: the DuckDB database. Loads the accepted extract tables, creates the staging views
  and intermediate tables (sql/staging, sql/intermediate), builds the dated models for a set of
  as-at dates, and runs the metric, breakdown and list queries (sql/metrics, sql/breakdowns,
  sql/lists). The days each period starts (periods.reporting_dates) reach the SQL as columns of
  as_at_dates: no SQL file computes a period.
- indicators.py: the rules for one indicator: value, target (pro rata for the financial year to
  date), RAG status, period start, the words for a change and the scorecard row. No SQL.
- figures.py: a month's figures: every metric for the month-ends a history needs (built in
  passes of many dates), breakdowns, operational lists, and the scorecard rows.
- availability.py: a figure the data cannot support (an extract not supplied or empty, a window
  reaching before an extract's history) reads "no data" or "insufficient history", never a number.
- labels.py: the plain-English labels of the contract's codes, which breakdowns show.

Typical use (the run spine does this once per month, or once for a backfill's months):

    coverage = validation.extract_coverage(validated)
    con = models.open_models(accepted_tables, project.settings)
    try:
        figures = models.month_figures(con, project.metrics, project.settings, "2020-03", latest_month,
                                       coverage=coverage)
    finally:
        con.close()
"""

from .availability import unavailable_reason
from .database import (
    build_dates,
    connect,
    create_models,
    extracts_read,
    list_files,
    load_tables,
    model_files,
    open_models,
    run_breakdown_sql,
    run_list_sql,
    run_metric_sql,
    set_as_at,
)
from .figures import (
    MonthFigures,
    compute_breakdowns,
    compute_history,
    compute_month,
    compute_months,
    history_months,
    month_figures,
    operational_lists,
)
from .labels import code_labels, label
from .indicators import (
    AMBER,
    GREEN,
    NOT_RATED,
    PERIOD_WORDS,
    RED,
    MetricValue,
    as_record,
    compute_value,
    describe_change,
    period_start,
    rag_status,
    scorecard_row,
    target_for_date,
)

__all__ = [
    "AMBER",
    "GREEN",
    "NOT_RATED",
    "PERIOD_WORDS",
    "RED",
    "MetricValue",
    "MonthFigures",
    "as_record",
    "build_dates",
    "code_labels",
    "compute_breakdowns",
    "compute_history",
    "compute_month",
    "compute_months",
    "history_months",
    "compute_value",
    "connect",
    "create_models",
    "describe_change",
    "extracts_read",
    "label",
    "list_files",
    "load_tables",
    "model_files",
    "month_figures",
    "open_models",
    "operational_lists",
    "period_start",
    "rag_status",
    "run_breakdown_sql",
    "run_list_sql",
    "run_metric_sql",
    "scorecard_row",
    "set_as_at",
    "target_for_date",
    "unavailable_reason",
]
