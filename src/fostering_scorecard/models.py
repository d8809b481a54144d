"""Build the DuckDB database: accepted extract tables, the staging models as views and the
intermediate models as tables. Intermediate models that depend on the as-at date read the
as_at_dates table and hold rows for every date in it (an as_at column): they are built in one
pass for all the month-ends a history needs, and each metric file then computes every one of
those dates in one query (one pass over many dates costs little more than one date).
Breakdowns and operational lists are for one month: they pick it with getvariable('as_at').
SQL lives in sql/; this module only loads and orders it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pandas as pd

from . import resources
from .project import Settings

SQL_DIR = resources.sql_dir()

LAYERS = ("staging", "intermediate")


def model_files(sql_dir: Path = SQL_DIR, layers: tuple[str, ...] = LAYERS) -> dict[str, Path]:
    """Model name -> file for the given layers (metrics are run as queries, not models)."""
    return {p.stem: p for layer in layers for p in sorted((sql_dir / layer).glob("*.sql"))}


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


def connect() -> duckdb.DuckDBPyConnection:
    # One connection per run and per thread: DuckDB connections are not thread-safe.
    con = duckdb.connect(":memory:")
    con.execute("SET threads TO 2")
    return con


def load_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame]) -> None:
    for name, frame in sorted(tables.items()):
        con.register(f"_frame_{name}", frame)
        con.execute(f"CREATE OR REPLACE TABLE accepted_{name} AS SELECT * FROM _frame_{name}")
        con.unregister(f"_frame_{name}")


DATES_TABLE = "as_at_dates"


def _for_every_date(path: Path) -> str:
    """The SQL of a model or metric that computes every date in as_at_dates at once."""
    text = path.read_text()
    if "getvariable('as_at')" in text:  # it would give one date's figures for all of them
        raise ValueError(f"{path.name}: take the dates from {DATES_TABLE}, not getvariable('as_at')")
    return text


def _depends_on_date(path: Path) -> bool:
    return re.search(rf"\b{DATES_TABLE}\b", _for_every_date(path)) is not None


def _dated_models(sql_dir: Path) -> dict[str, Path]:
    """Intermediate models that read the as-at dates, or read one that does."""
    files = model_files(sql_dir, ("intermediate",))
    dated = {name for name, path in files.items() if _depends_on_date(path)}
    changed = True
    while changed:
        changed = False
        for name, path in files.items():
            if name not in dated and any(re.search(rf"\b{d}\b", path.read_text()) for d in dated):
                dated.add(name)
                changed = True
    return {name: files[name] for name in files if name in dated}


def create_models(con: duckdb.DuckDBPyConnection, settings: Settings, sql_dir: Path = SQL_DIR) -> None:
    """Set the run's switches, create the staging views and the intermediate tables that do
    not depend on the date (the dated ones are built by build_dates)."""
    # Models are read only through aggregates and ORDER BY: their rows need not keep insertion
    # order, and without it DuckDB runs window functions and table builds on both threads.
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET VARIABLE count_temporary_placements = {str(settings.count_temporary_placements).lower()}")
    con.execute(
        f"SET VARIABLE adoption_with_current_carer_is_a_move = {str(settings.adoption_with_current_carer_is_a_move).lower()}"
    )
    for name in _build_order(model_files(sql_dir, ("staging",))):
        con.execute(f"CREATE OR REPLACE VIEW {name} AS\n{(sql_dir / 'staging' / (name + '.sql')).read_text()}")
    dated = _dated_models(sql_dir)
    undated = {n: p for n, p in model_files(sql_dir, ("intermediate",)).items() if n not in dated}
    for name in _build_order(undated):
        con.execute(f"CREATE OR REPLACE TABLE {name} AS\n{undated[name].read_text()}")
    build_dates(con, [], sql_dir)


def build_dates(con: duckdb.DuckDBPyConnection, dates: list[dt.date], sql_dir: Path = SQL_DIR) -> None:
    """Compute every dated intermediate model for these as-at dates in one pass, in dependency
    order, replacing the dates built before."""
    dates = sorted(set(dates))
    listed = ", ".join(f"DATE '{d.isoformat()}'" for d in dates)
    con.execute(f"CREATE OR REPLACE TABLE {DATES_TABLE} AS SELECT unnest([{listed}]::DATE[]) AS as_at")
    files = _dated_models(sql_dir)
    for name in _build_order(files):
        con.execute(f"CREATE OR REPLACE TABLE {name} AS\n{files[name].read_text()}")


def built_dates(con: duckdb.DuckDBPyConnection) -> set[dt.date]:
    return {row[0] for row in con.execute(f"SELECT as_at FROM {DATES_TABLE}").fetchall()}


def set_as_at(con: duckdb.DuckDBPyConnection, as_at: dt.date, sql_dir: Path = SQL_DIR) -> None:
    """Make as_at the date breakdown and list SQL read; the dated models are built for it
    first unless they already hold it (compute_history has built all its months at once)."""
    if as_at not in built_dates(con):
        build_dates(con, [as_at], sql_dir)
    con.execute(f"SET VARIABLE as_at = DATE '{as_at.isoformat()}'")


def run_metric_sql(con: duckdb.DuckDBPyConnection, sql_file: str, sql_dir: Path = SQL_DIR) -> dict[dt.date, dict[str, tuple]]:
    """Run one metric file for every date built (one pass): as-at date -> metric id ->
    (numerator, denominator, value). Numerator and denominator are whole numbers or None;
    value is set only by metrics the SQL itself computes (medians)."""
    results: dict[dt.date, dict[str, tuple]] = {}
    for as_at, metric_id, numerator, denominator, value in con.execute(_for_every_date(sql_dir / "metrics" / sql_file)).fetchall():
        results.setdefault(as_at, {})[metric_id] = (
            None if numerator is None else int(numerator),
            None if denominator is None else int(denominator),
            None if value is None else float(value),
        )
    return results


def run_breakdown_sql(con: duckdb.DuckDBPyConnection, sql_file: str, sql_dir: Path = SQL_DIR) -> list[tuple[str, str, int]]:
    """Run one breakdown file (as at the date already set): (metric id, category, count) rows."""
    rows = con.execute((sql_dir / "breakdowns" / sql_file).read_text()).fetchall()
    return sorted((metric_id, str(category), int(count)) for metric_id, category, count in rows)


def run_list_sql(con: duckdb.DuckDBPyConnection, sql_file: str, sql_dir: Path = SQL_DIR) -> tuple[list[str], list[dict]]:
    """Run one operational list (as at the date already set): (columns, rows). Lists hold
    record ids: they are written to the internal outputs only."""
    result = con.execute((sql_dir / "lists" / sql_file).read_text())
    columns = [d[0] for d in result.description]
    return columns, [dict(zip(columns, row)) for row in result.fetchall()]


def list_files(sql_dir: Path = SQL_DIR) -> list[str]:
    return sorted(p.name for p in (sql_dir / "lists").glob("*.sql"))
