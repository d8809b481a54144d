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
from .coverage import supplied
from .findings import ValidatedExtract, add_findings, failure, row_numbers
from .rules import Check, load_rules

# A check whose reason names another row returns that row's number (_line) in a fourth column,
# other_row, and writes OTHER_ROW_MARK in the reason where its line belongs (sql/checks/README.md).
OTHER_ROW = "other_row"
OTHER_ROW_MARK = "{other_row}"


def run_checks(
    con: duckdb.DuckDBPyConnection,
    validated: dict[str, ValidatedExtract],
    extract_date: dt.date,
    checks: tuple[Check, ...] | None = None,
    checks_dir: Path | None = None,
) -> dict[str, ValidatedExtract]:
    """Run every check in sql/checks/ on the rows that passed the single-row rules and return
    the extracts with the checks' findings added (errors quarantine the row, warnings keep it).
    All checks see the same tables, so their results do not depend on the order they run in.
    A check that looks up another extract the council did not supply is not run: a household id
    cannot be checked against a carers extract that was left out (every id would look unknown)."""
    checks = load_rules().checks if checks is None else checks
    checks_dir = resources.sql_dir() / "checks" if checks_dir is None else checks_dir
    con.execute(f"SET VARIABLE extract_date = DATE '{extract_date.isoformat()}'")
    left_out = {name for name, v in validated.items() if not supplied(v)}
    queries = [
        (check, sql)
        for check, sql in ((check, (checks_dir / check.sql).read_text()) for check in checks if check.extract in validated)
        if not left_out & _extracts_named(sql)
    ]
    named = set(re.findall(r"\w+", " ".join(sql for _check, sql in queries)))
    registered = []
    for name, v in validated.items():
        # Every row read is copied into DuckDB once, with only the columns some query names;
        # the rows that passed are taken from that copy inside DuckDB (copying from pandas is
        # the slow part).
        typed = v.typed if v.typed is not None else v.accepted
        con.register("_read_rows", typed[[LINE, *(c for c in v.raw.extract.column_names if c in named)]])
        # By row number (_line), not the line in a file: lines repeat across annual returns.
        con.register("_quarantined_lines", pd.DataFrame({LINE: row_numbers(v.quarantine).unique()}, dtype="int64"))
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
            result = con.execute(sql)
            columns = [d[0] for d in result.description]
            rows = result.fetchall()
            if OTHER_ROW in columns:  # the reason names another row: its line (and file) in words
                rows = [(line, _name_other_row(v, reason, other), value) for line, reason, value, other in rows]
            new_findings[check.extract] += [
                failure(v.raw.extract, line, None, check.column, check.kind, reason, value, check.severity)
                for line, reason, value in rows
            ]
    finally:
        for table in registered:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return {name: add_findings(v, new_findings[name]) if new_findings[name] else v for name, v in validated.items()}


def _name_other_row(v: ValidatedExtract, reason: str, other_row: int | None) -> str:
    """The reason with OTHER_ROW_MARK replaced by the other row's line in words ("line 5", or
    "line 5 of episodes_2019-20.csv" across annual returns): a row number is not a file's line."""
    if other_row is None:
        return reason
    return reason.replace(OTHER_ROW_MARK, v.raw.line_label(other_row))


def _extracts_named(sql: str) -> set[str]:
    """The extracts a check reads (its read_<extract> and valid_<extract> tables)."""
    return set(re.findall(r"\b(?:read|valid)_([a-z]+)\b", sql))
