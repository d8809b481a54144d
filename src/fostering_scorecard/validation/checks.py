"""The third layer: cross-record and cross-extract checks (overlapping episodes, DfE episode
rules, household ids not in the carers extract), one SQL query each in the tool's sql/checks/,
run in DuckDB on the rows that passed the single-row rules."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pandas as pd

from .. import resources
from ..ingest import LINE
from .findings import ValidatedExtract, add_findings, failure
from .rules import Check, load_rules


def run_checks(
    con: duckdb.DuckDBPyConnection,
    validated: dict[str, ValidatedExtract],
    extract_date: dt.date,
    checks: tuple[Check, ...] | None = None,
    checks_dir: Path | None = None,
) -> dict[str, ValidatedExtract]:
    """Run every check in sql/checks/ on the rows that passed the single-row rules and return
    the extracts with the checks' findings added (errors quarantine the row, warnings keep it).
    All checks see the same tables, so their results do not depend on the order they run in."""
    checks = load_rules().checks if checks is None else checks
    checks_dir = resources.sql_dir() / "checks" if checks_dir is None else checks_dir
    con.execute(f"SET VARIABLE extract_date = DATE '{extract_date.isoformat()}'")
    queries = [(check, (checks_dir / check.sql).read_text()) for check in checks if check.extract in validated]
    named = set(re.findall(r"\w+", " ".join(sql for _check, sql in queries)))
    registered = []
    for name, v in validated.items():
        # Every row read is copied into DuckDB once, with only the columns some query names;
        # the rows that passed are taken from that copy inside DuckDB (copying from pandas is
        # the slow part).
        typed = v.typed if v.typed is not None else v.accepted
        con.register("_read_rows", typed[[LINE, *(c for c in v.raw.extract.column_names if c in named)]])
        con.register("_quarantined_lines", pd.DataFrame({LINE: v.quarantine["line"].unique()}, dtype="int64"))
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE read_{name} AS SELECT * FROM _read_rows")
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE valid_{name} AS SELECT * FROM read_{name} ANTI JOIN _quarantined_lines USING ({LINE})"
            )
        finally:
            con.unregister("_read_rows")
            con.unregister("_quarantined_lines")
        registered += [f"read_{name}", f"valid_{name}"]
    new_findings: dict[str, list[dict]] = {name: [] for name in validated}
    try:
        for check, sql in queries:
            v = validated[check.extract]
            rows = con.execute(sql).fetchall()
            new_findings[check.extract] += [
                failure(v.raw.extract, line, None, check.column, check.kind, reason, value, check.severity)
                for line, reason, value in rows
            ]
    finally:
        for table in registered:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return {name: add_findings(v, new_findings[name]) if new_findings[name] else v for name, v in validated.items()}
