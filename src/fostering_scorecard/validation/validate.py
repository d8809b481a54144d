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
from .gx_adapter import SuiteRunner
from .suites import load_suite
from .types_and_keys import type_rows


def validate_extract(
    con: duckdb.DuckDBPyConnection, raw: RawExtract, suite: dict, runner: SuiteRunner, extract_date: dt.date
) -> ValidatedExtract:
    """The single-row rules for one extract (cross-record checks come after, in run_checks)."""
    typed, failures = type_rows(con, raw)
    failures += [
        failure(raw.extract, r[LINE], r.get(KEY), r["column"], r["rule"], r["reason"], r["value"])
        for r in raw.rejected
    ]
    # A value that did not parse is already quarantined; its null must not also count as missing.
    unparsed = {(f["line"], f["column"]) for f in failures if f["kind"] in ("bad_date", "bad_number")}
    failures += [
        f
        for f in runner.failures(raw.extract, typed, suite, extract_date)
        if not (f["kind"] == "missing_required" and (f["line"], f["column"]) in unparsed)
    ]
    return split_findings(raw, typed, failures)


def validate_extracts(
    raws: dict[str, RawExtract], extract_date: dt.date, suite_runner: SuiteRunner | None = None
) -> dict[str, ValidatedExtract]:
    """Every extract through the single-row rules, then the cross-record checks, in one DuckDB
    connection; every row read comes out accepted or quarantined."""
    runner = suite_runner or SuiteRunner()
    con = connect()
    try:
        validated = {
            name: validate_extract(con, raw, load_suite(raw.extract), runner, extract_date)
            for name, raw in raws.items()
        }
        if EPISODES in validated:  # an impossible end date keeps its episode (end_dates.py)
            validated[EPISODES] = keep_episodes_with_impossible_end(validated[EPISODES])
        # Cross-record and cross-extract rules (sql/checks/) see every extract's checked rows.
        validated = run_checks(con, validated, extract_date)
    finally:
        con.close()
    for v in validated.values():
        v.check_rows_balance()
    return validated
