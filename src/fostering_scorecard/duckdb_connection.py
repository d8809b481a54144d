"""The settings of every DuckDB connection the scorecard opens (validation's typing and checks,
the SQL models): written once here, so each stage that runs SQL opens it the same way."""

from __future__ import annotations

import duckdb


def connect() -> duckdb.DuckDBPyConnection:
    # One connection per run and per thread: DuckDB connections are not thread-safe.
    con = duckdb.connect(":memory:")
    con.execute("SET threads TO 2")
    return con
