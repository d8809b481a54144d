"""The reporting periods and the no-training rule are each written once.

periods.py defines where a month, a financial year, the 12 months and the 2 years to an as-at
date start; the SQL reads those days from the columns of as_at_dates and never computes them.
The no-training rule lives in one intermediate model that the metric and the named list read.
"""

import datetime as dt
import re

import pytest

from fostering_scorecard import models, periods, resources

D = dt.date

# as_at: (month_start, financial_year_start, window_12m_start, window_2y_start), by hand.
EDGE_DATES = {
    # a leap day: a year before it is 28 February, so the 12 months start on 1 March
    D(2020, 2, 29): (D(2020, 2, 1), D(2019, 4, 1), D(2019, 3, 1), D(2018, 3, 1)),
    # the year after a leap year: the 12 months start on the leap day itself
    D(2021, 2, 28): (D(2021, 2, 1), D(2020, 4, 1), D(2020, 2, 29), D(2019, 3, 1)),
    # two years after one: the 2 years start on the leap day
    D(2022, 2, 28): (D(2022, 2, 1), D(2021, 4, 1), D(2021, 3, 1), D(2020, 2, 29)),
    D(2024, 2, 29): (D(2024, 2, 1), D(2023, 4, 1), D(2023, 3, 1), D(2022, 3, 1)),
    # the last day of a financial year and the first days of the next
    D(2020, 3, 31): (D(2020, 3, 1), D(2019, 4, 1), D(2019, 4, 1), D(2018, 4, 1)),
    D(2020, 4, 1): (D(2020, 4, 1), D(2020, 4, 1), D(2019, 4, 2), D(2018, 4, 2)),
    D(2020, 4, 30): (D(2020, 4, 1), D(2020, 4, 1), D(2019, 5, 1), D(2018, 5, 1)),
    # January to March belong to the financial year that began the April before
    D(2019, 1, 31): (D(2019, 1, 1), D(2018, 4, 1), D(2018, 2, 1), D(2017, 2, 1)),
    D(2019, 12, 31): (D(2019, 12, 1), D(2019, 4, 1), D(2019, 1, 1), D(2018, 1, 1)),
}


def expected_row(as_at):
    return (as_at, *EDGE_DATES[as_at])


@pytest.mark.parametrize("as_at", sorted(EDGE_DATES))
def test_periods_start_where_the_definitions_say(as_at):
    dates = periods.reporting_dates(as_at)
    assert (dates.as_at, dates.month_start, dates.financial_year_start, dates.window_12m_start, dates.window_2y_start) == expected_row(as_at)
    assert periods.financial_year_start(as_at) == EDGE_DATES[as_at][1]


def test_the_sql_reads_the_same_days_as_columns(models_for):
    with models_for("2020-03") as (ctx, con):
        models.build_dates(con, sorted(EDGE_DATES))
        rows = con.execute(
            "select as_at, month_start, financial_year_start, window_12m_start, window_2y_start from as_at_dates order by as_at"
        ).fetchall()
        # Breakdowns and lists read the row of the date set.
        models.set_as_at(con, D(2021, 2, 28))
        reporting_date = con.execute("select * from as_at_dates where as_at = getvariable('as_at')").fetchall()
    assert rows == [expected_row(as_at) for as_at in sorted(EDGE_DATES)]
    assert reporting_date == [expected_row(D(2021, 2, 28))]


def test_a_metric_reports_the_period_start_the_sql_counted_from(sample_project):
    by_period = {m.period: m for m in sample_project.metrics}
    as_at = D(2021, 2, 28)
    month_start, financial_year_start, window_12m_start, _ = EDGE_DATES[as_at]
    assert models.period_start(by_period["fytd"], as_at) == financial_year_start
    assert models.period_start(by_period["rolling_12m"], as_at) == window_12m_start
    assert models.period_start(by_period["month"], as_at) == month_start
    assert models.period_start(by_period["snapshot"], as_at) == as_at


# Ways of computing a period in SQL that as_at_dates replaces: the first day of a window of
# years or months, the financial year's 1 April, the first of the month, a year before the date.
COMPUTED_PERIODS = {
    "a window's first day": re.compile(r"interval\s+'?\d+'?\s+(year|month)s?\s*\+\s*interval\s+'?1'?\s+days?", re.I),
    "a financial-year start": re.compile(r"make_date|month\s*\([^)]*\)\s*[<>]=?\s*4|\b4\s*,\s*1\s*\)", re.I),
    "a month start": re.compile(r"date_trunc\s*\(\s*'month'", re.I),
    "a year before the date": re.compile(r"as_at'?\)?\s*-\s*interval\s+'?(1\s+years?|12\s+months?)\b", re.I),
}


def sql_files():
    return sorted(resources.sql_dir().rglob("*.sql"))


@pytest.mark.parametrize("kind", sorted(COMPUTED_PERIODS))
def test_no_sql_file_computes_a_period(kind):
    spelled = [path.relative_to(resources.sql_dir()).as_posix() for path in sql_files() if COMPUTED_PERIODS[kind].search(path.read_text())]
    assert spelled == [], f"{kind} computed in SQL: read it from as_at_dates instead"


def test_the_no_training_rule_is_one_model_the_metric_and_the_list_read():
    sql = resources.sql_dir()
    deciding = [p.name for p in sql_files() if re.search(r"\bas\s+has_no_training\b", p.read_text())]
    assert deciding == ["int_no_training_on_date.sql"]
    for reader in (sql / "metrics" / "training.sql", sql / "lists" / "households_without_training_12m.sql"):
        text = reader.read_text()
        assert "from int_no_training_on_date" in text
        assert "last_completed <=" not in text and "last_completed is null" not in text


def test_every_figure_says_how_far_back_it_reads(models_for):
    """Each metric file returns reads_from, the earliest day the figure depends on: never later
    than the first day of the period it reports (an indicator whose reads_from is before an
    extract's history reads "insufficient history"). The stability look-backs, by hand."""
    dates = sorted(EDGE_DATES)
    with models_for("2020-03") as (ctx, con):
        models.build_dates(con, dates)
        reads_from = {}
        for sql_file in dict.fromkeys(m.sql for m in ctx.metrics):
            for as_at, rows in models.run_metric_sql(con, sql_file).items():
                for metric_id, row in rows.items():
                    reads_from[(metric_id, as_at)] = row[3]
    for metric in ctx.metrics:
        for as_at in dates:
            assert reads_from[(metric.id, as_at)] <= models.period_start(metric, as_at), (metric.id, as_at)
    # 29/02/2020: the 12 months from 01/03/2019; the 2 years from 01/03/2018; 30 months back
    # (the long-term cohort's care) to 29/08/2017.
    leap = D(2020, 2, 29)
    assert reads_from[("stability_short_term", leap)] == D(2019, 3, 1)
    assert reads_from[("stability_two_year", leap)] == D(2018, 3, 1)
    assert reads_from[("stability_long_term", leap)] == D(2017, 8, 29)
