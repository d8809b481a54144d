"""Validation: row-level and cross-record rules. Bad rows are quarantined with a reason; doubtful
rows are kept and reported as warnings. No row is ever dropped without a record of why.

Three layers, each doing what it is good at:
- DuckDB applies the contract's types (a value that will not parse is a quarantined row, not a
  failed read) and finds repeated keys (only the second and later copies are quarantined):
  `types_and_keys`.
- Great Expectations checks the typed rows against the suite in expectations/<extract>.json:
  required values, code lists, number and date ranges, end dates not before start dates:
  `gx_adapter`, with the suites `suites` generates from the data contract.
- Cross-record and cross-extract checks (overlapping episodes, DfE episode rules, household ids
  not in the carers extract) are SQL queries in sql/checks/, run on the rows that passed:
  `checks`.
An episode whose end date is impossible is kept, its end read as unknown (`end_dates`).
`coverage` says what period the validated extracts can support (each extract's first and last
date, the first month that can be reported). `validate` runs it all in order. Every rule has an id `<extract>.<column>.<kind>` and a
severity (national/extracts.toml [rule_kinds], carried into each expectation's meta; `rules`):
"error" quarantines the row, "warning" keeps it. Each failure becomes a finding with the file,
line, record key, rule and a reason (`findings`); `report` writes the data-quality report.

Importing this package does not import Great Expectations (about 4 s): making a SuiteRunner does, or
`suite_process` imports it in a process of its own, started when a command begins.
"""

from .checks import run_checks
from .coverage import ExtractCoverage, extract_coverage, first_reportable_month, supplied
from .findings import QUARANTINE_COLUMNS, ValidatedExtract
from .gx_adapter import SuiteRunner
from .report import QUALITY_COLUMNS, read_record_rows, write_quality_outputs
from .rules import Check, RuleBook, RuleKind, load_rules, rule_id
from .suites import build_suite, load_suite, suite_json, suite_parameters, suite_path, write_suites
from . import suite_process
from .validate import default_suite_runner, validate_extract, validate_extracts

__all__ = [
    "QUALITY_COLUMNS",
    "QUARANTINE_COLUMNS",
    "Check",
    "ExtractCoverage",
    "RuleBook",
    "RuleKind",
    "SuiteRunner",
    "ValidatedExtract",
    "build_suite",
    "default_suite_runner",
    "extract_coverage",
    "first_reportable_month",
    "load_rules",
    "load_suite",
    "read_record_rows",
    "rule_id",
    "run_checks",
    "suite_json",
    "suite_parameters",
    "suite_path",
    "suite_process",
    "supplied",
    "validate_extract",
    "validate_extracts",
    "write_quality_outputs",
    "write_suites",
]
