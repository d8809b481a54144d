"""Build the DuckDB database: accepted extract tables, the staging models as views and the
intermediate models as tables rebuilt for each as-at date (they depend on it, and several
metrics read each one, so building them once per date is what keeps a 25-month history fast).
SQL lives in sql/; this module only loads and orders it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pandas as pd

from .config import SQL_DIR, Settings

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


def _depends_on_date(path: Path) -> bool:
    return "getvariable('as_at')" in path.read_text()


def _dated_models(sql_dir: Path) -> dict[str, Path]:
    """Intermediate models that read the as-at date, or read one that does."""
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
    not depend on the date (the dated ones are built by set_as_at)."""
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


def set_as_at(con: duckdb.DuckDBPyConnection, as_at: dt.date, sql_dir: Path = SQL_DIR) -> None:
    """Compute every intermediate model as at the date, in dependency order. Nothing is done
    when the models were last built for this very date (metrics, breakdowns and lists of the
    same month all ask for it)."""
    if con.execute("SELECT getvariable('built_as_at')").fetchone()[0] == as_at:
        return
    con.execute(f"SET VARIABLE as_at = DATE '{as_at.isoformat()}'")
    files = _dated_models(sql_dir)
    for name in _build_order(files):
        con.execute(f"CREATE OR REPLACE TABLE {name} AS\n{files[name].read_text()}")
    con.execute(f"SET VARIABLE built_as_at = DATE '{as_at.isoformat()}'")


def run_metric_sql(con: duckdb.DuckDBPyConnection, sql_file: str, sql_dir: Path = SQL_DIR) -> dict[str, tuple]:
    """Run one metric file (as at the date already set): metric id -> (numerator, denominator,
    value). Numerator and denominator are whole numbers or None; value is set only by metrics
    the SQL itself computes (medians)."""
    rows = con.execute((sql_dir / "metrics" / sql_file).read_text()).fetchall()
    return {
        metric_id: (
            None if numerator is None else int(numerator),
            None if denominator is None else int(denominator),
            None if value is None else float(value),
        )
        for metric_id, numerator, denominator, value in rows
    }


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
