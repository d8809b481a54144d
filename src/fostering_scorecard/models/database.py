"""The DuckDB database: accepted extract tables, the staging models as views and the
intermediate models as tables, and the metric, breakdown and list queries run against them.

Intermediate models that depend on the as-at date read the as_at_dates table and hold rows for
every date in it (an as_at column): they are built in one pass for all the month-ends a history
needs, and each metric file then computes every one of those dates in one query (one pass over
many dates costs little more than one date). as_at_dates carries, beside each date, the days its
periods start (periods.reporting_dates: month, financial year, 12 months, 2 years), so no SQL file
computes a period. Breakdowns and operational lists are for one month: they pick it with
getvariable('as_at') (set by set_as_at) and read its row of as_at_dates.
The plain-English labels of the contract's codes (national/extracts.toml [labels]) are loaded as
the table code_labels, so breakdowns show "Carer requested: child's behaviour", never CREQB.
The SQL lives in the package's sql/ folder (resources.sql_dir()); this module only loads and
orders it, and reads from it which extracts each metric file depends on (extracts_read).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from .. import periods, resources
from ..duckdb_connection import connect
from ..project import Settings
from .labels import code_labels

LAYERS = ("staging", "intermediate")
DATES_TABLE = "as_at_dates"
LABELS_TABLE = "code_labels"
STAGING_PREFIX = "stg_"  # stg_<extract> is the staging view of one extract
# The columns of as_at_dates: the as-at date and the days its periods start.
DATE_COLUMNS = tuple(field.name for field in dataclasses.fields(periods.ReportingDates))


def model_files(layers: tuple[str, ...] = LAYERS) -> dict[str, Path]:
    """Model name -> file for the given layers (metrics are run as queries, not models)."""
    sql_dir = resources.sql_dir()
    return {p.stem: p for layer in layers for p in sorted((sql_dir / layer).glob("*.sql"))}


def list_files() -> list[str]:
    return sorted(p.name for p in (resources.sql_dir() / "lists").glob("*.sql"))


def _models_named(text: str, names) -> set[str]:
    return {name for name in names if re.search(rf"\b{name}\b", text)}


@lru_cache(maxsize=None)
def extracts_read(sql_file: str, folder: str = "metrics") -> tuple[str, ...]:
    """The extracts a metric (or breakdown) file depends on, found by following the models it
    names down to the staging views (stg_<extract>): derived from the SQL, so it cannot drift
    from what the figures really read. An indicator needs every one of them to have a value."""
    files = model_files()
    seen: set[str] = set()
    todo = _models_named((resources.sql_dir() / folder / sql_file).read_text(), files)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo |= _models_named(files[name].read_text(), files) - seen
    return tuple(sorted(name.removeprefix(STAGING_PREFIX) for name in seen if name.startswith(STAGING_PREFIX)))


def _build_order(files: dict[str, Path]) -> list[str]:
    """Topological order: a model is created after every model its SQL mentions."""
    texts = {name: path.read_text() for name, path in files.items()}
    needs = {
        name: {other for other in files if other != name and re.search(rf"\b{other}\b", text)}
        for name, text in texts.items()
    }
    ordered: list[str] = []
    while len(ordered) < len(files):
        ready = sorted(n for n in files if n not in ordered and needs[n] <= set(ordered))
        if not ready:
            raise ValueError(f"circular references between SQL models: {sorted(set(files) - set(ordered))}")
        ordered += ready
    return ordered


def load_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame]) -> None:
    for name, frame in sorted(tables.items()):
        con.register(f"_frame_{name}", frame)
        con.execute(f"CREATE OR REPLACE TABLE accepted_{name} AS SELECT * FROM _frame_{name}")
        con.unregister(f"_frame_{name}")


def open_models(tables: dict[str, pd.DataFrame], settings: Settings) -> duckdb.DuckDBPyConnection:
    """A new connection holding these accepted tables (extract name -> rows) and every staging
    and intermediate model; the caller closes it."""
    con = connect()
    load_tables(con, tables)
    create_models(con, settings)
    return con


def _for_every_date(path: Path) -> str:
    """The SQL of a model or metric that computes every date in as_at_dates at once."""
    text = path.read_text()
    if "getvariable('as_at')" in text:  # it would give one date's figures for all of them
        raise ValueError(f"{path.name}: take the dates from {DATES_TABLE}, not getvariable('as_at')")
    return text


def _depends_on_date(path: Path) -> bool:
    return re.search(rf"\b{DATES_TABLE}\b", _for_every_date(path)) is not None


def _dated_models() -> dict[str, Path]:
    """Intermediate models that read the as-at dates, or read one that does."""
    files = model_files(("intermediate",))
    dated = {name for name, path in files.items() if _depends_on_date(path)}
    changed = True
    while changed:
        changed = False
        for name, path in files.items():
            if name not in dated and any(re.search(rf"\b{d}\b", path.read_text()) for d in dated):
                dated.add(name)
                changed = True
    return {name: files[name] for name in files if name in dated}


def create_models(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Set the run's switches, create the staging views and the intermediate tables that do
    not depend on the date (the dated ones are built by build_dates)."""
    # Models are read only through aggregates and ORDER BY: their rows need not keep insertion
    # order, and without it DuckDB runs window functions and table builds on both threads.
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET VARIABLE count_temporary_placements = {str(settings.count_temporary_placements).lower()}")
    con.execute(
        f"SET VARIABLE adoption_with_current_carer_is_a_move = {str(settings.adoption_with_current_carer_is_a_move).lower()}"
    )
    load_labels(con)
    staging = model_files(("staging",))
    for name in _build_order(staging):
        con.execute(f"CREATE OR REPLACE VIEW {name} AS\n{staging[name].read_text()}")
    dated = _dated_models()
    undated = {n: p for n, p in model_files(("intermediate",)).items() if n not in dated}
    for name in _build_order(undated):
        con.execute(f"CREATE OR REPLACE TABLE {name} AS\n{undated[name].read_text()}")
    build_dates(con, [])


def load_labels(con: duckdb.DuckDBPyConnection) -> None:
    """The table code_labels (extract, column_name, code, label) from the data contract."""
    rows = [(extract, column, code, label) for (extract, column), labels in sorted(code_labels().items())
            for code, label in sorted(labels.items())]
    con.execute(f"CREATE OR REPLACE TABLE {LABELS_TABLE} (extract VARCHAR, column_name VARCHAR, code VARCHAR, label VARCHAR)")
    if rows:
        con.executemany(f"INSERT INTO {LABELS_TABLE} VALUES (?, ?, ?, ?)", rows)


def _date_literal(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def build_dates(con: duckdb.DuckDBPyConnection, dates: list[dt.date]) -> None:
    """Compute every dated intermediate model for these as-at dates in one pass, in dependency
    order, replacing the dates built before."""
    dates = sorted(set(dates))
    columns = ", ".join(f"{name} DATE" for name in DATE_COLUMNS)
    con.execute(f"CREATE OR REPLACE TABLE {DATES_TABLE} ({columns})")
    if dates:
        rows = (dataclasses.astuple(periods.reporting_dates(day)) for day in dates)
        values = ", ".join("(" + ", ".join(map(_date_literal, row)) + ")" for row in rows)
        con.execute(f"INSERT INTO {DATES_TABLE} VALUES {values}")
    files = _dated_models()
    for name in _build_order(files):
        con.execute(f"CREATE OR REPLACE TABLE {name} AS\n{files[name].read_text()}")


def built_dates(con: duckdb.DuckDBPyConnection) -> set[dt.date]:
    return {row[0] for row in con.execute(f"SELECT as_at FROM {DATES_TABLE}").fetchall()}


def set_as_at(con: duckdb.DuckDBPyConnection, as_at: dt.date) -> None:
    """Make as_at the date breakdown and list SQL read (getvariable('as_at'), and its row of
    as_at_dates); the dated models are built for it first unless they already hold it
    (compute_history has built all its months at once)."""
    if as_at not in built_dates(con):
        build_dates(con, [as_at])
    con.execute(f"SET VARIABLE as_at = {_date_literal(as_at)}")


def run_metric_sql(con: duckdb.DuckDBPyConnection, sql_file: str) -> dict[dt.date, dict[str, tuple]]:
    """Run one metric file for every date built (one pass): as-at date -> metric id ->
    (numerator, denominator, value, reads_from). Numerator and denominator are whole numbers or
    None; value is set only by metrics the SQL itself computes (medians); reads_from is the
    earliest day the figure depends on (its window, or a longer look-back such as the 2.5 years
    of the long-term stability cohort), compared with where the extracts begin."""
    results: dict[dt.date, dict[str, tuple]] = {}
    sql = _for_every_date(resources.sql_dir() / "metrics" / sql_file)
    for as_at, metric_id, numerator, denominator, value, reads_from in con.execute(sql).fetchall():
        results.setdefault(as_at, {})[metric_id] = (
            None if numerator is None else int(numerator),
            None if denominator is None else int(denominator),
            None if value is None else float(value),
            reads_from,
        )
    return results


def run_breakdown_sql(con: duckdb.DuckDBPyConnection, sql_file: str) -> list[tuple[str, str, int]]:
    """Run one breakdown file (as at the date already set): (metric id, category, count) rows."""
    rows = con.execute((resources.sql_dir() / "breakdowns" / sql_file).read_text()).fetchall()
    return sorted((metric_id, str(category), int(count)) for metric_id, category, count in rows)


def run_list_sql(con: duckdb.DuckDBPyConnection, sql_file: str) -> tuple[list[str], list[dict]]:
    """Run one operational list (as at the date already set): (columns, rows). Lists hold
    record ids: they are written to the internal outputs only."""
    result = con.execute((resources.sql_dir() / "lists" / sql_file).read_text())
    columns = [d[0] for d in result.description]
    return columns, [dict(zip(columns, row)) for row in result.fetchall()]
