"""The three layers in order: for each extract, the types and keys (DuckDB) and the suite (Great
Expectations); then an episode with an impossible end date is kept with its end read as unknown
(end_dates.py); then, over every extract at once, the cross-record checks (DuckDB)."""

from __future__ import annotations

import datetime as dt

import duckdb

from ..duckdb_connection import connect
from ..ingest import KEY, LINE, RawExtract
from .checks import run_checks
from .end_dates import EPISODES, keep_episodes_with_impossible_end
from .findings import ValidatedExtract, failure, split_findings
from . import suite_process
from .gx_adapter import Suites, in_this_process
from .suites import load_suite
from .types_and_keys import type_rows


def validate_extract(
    con: duckdb.DuckDBPyConnection, raw: RawExtract, suite: dict, runner: Suites, extract_date: dt.date
) -> ValidatedExtract:
    """The single-row rules for one extract (cross-record checks come after, in run_checks)."""
    return _SingleRowCheck(con, raw, suite, runner, extract_date).result()


class _SingleRowCheck:
    """One extract's single-row rules in two halves: typed and key-checked in DuckDB and its
    suite sent to Great Expectations when made, the findings put together when asked for, so
    that every extract is typed while Great Expectations works (suite_process.py)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, raw: RawExtract, suite: dict, runner: Suites, extract_date: dt.date) -> None:
        self.raw = raw
        self.typed, failures = type_rows(con, raw)
        self.failures = failures + [
            failure(raw.extract, r[LINE], r.get(KEY), r["column"], r["rule"], r["reason"], r["value"])
            for r in raw.rejected
        ]
        self.pending = runner.submit(raw.extract, self.typed, suite, extract_date)

    def result(self) -> ValidatedExtract:
        # A value that did not parse is already quarantined; its null must not also count as missing.
        unparsed = {(f["line"], f["column"]) for f in self.failures if f["kind"] in ("bad_date", "bad_number")}
        failures = self.failures + [
            f for f in self.pending.result()
            if not (f["kind"] == "missing_required" and (f["line"], f["column"]) in unparsed)
        ]
        return split_findings(self.raw, self.typed, failures)


def default_suite_runner() -> Suites:
    """The command's Great Expectations process if it started one (run.warm_up), otherwise
    Great Expectations in this process."""
    return suite_process.shared() or in_this_process()


def validate_extracts(
    raws: dict[str, RawExtract], extract_date: dt.date, suite_runner: Suites | None = None
) -> dict[str, ValidatedExtract]:
    """Every extract through the single-row rules, then the cross-record checks, in one DuckDB
    connection; every row read comes out accepted or quarantined."""
    runner = suite_runner or default_suite_runner()
    con = connect()
    try:
        checks = {name: _SingleRowCheck(con, raw, load_suite(raw.extract), runner, extract_date) for name, raw in raws.items()}
        validated = {name: check.result() for name, check in checks.items()}
        if EPISODES in validated:  # an impossible end date keeps its episode (end_dates.py)
            validated[EPISODES] = keep_episodes_with_impossible_end(validated[EPISODES])
        # Cross-record and cross-extract rules (sql/checks/) see every extract's checked rows.
        validated = run_checks(con, validated, extract_date)
    finally:
        con.close()
    for v in validated.values():
        v.check_rows_balance()
    return validated
