"""The second layer: Great Expectations checks the typed rows against the suite in
expectations/<extract>.json (required values, code lists, number and date ranges, end dates not
before start dates); each failing row becomes a finding with a reason in plain words.

Great Expectations is imported only when a SuiteRunner is made (it takes about 4 s to import).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..definitions import Extract
from ..ingest import LINE
from .findings import failure, shorten
from ..periods import years_before
from .suites import suite_parameters

DATE_FORMAT = "%d/%m/%Y"  # how dates are written back in reasons and reports
# Row positions of the failing rows (the frame's index), every one of them, and nothing GX
# would build only to be thrown away (a query text listing every failing row).
RESULT_FORMAT = {"result_format": "COMPLETE", "return_unexpected_index_query": False, "partial_unexpected_count": 0}
# GX compares dates vectorised only as datetime64[ns], which holds 1677-09-22 to 2262-04-11; a
# date outside that (years 1000-1677 or 2262-9999 parse) becomes an instant just inside it, in
# order, so it compares with every bound (1900, the extract date) and every other date as before.
NS_FIRST_DAY, NS_LAST_DAY = np.datetime64("1678-01-01"), np.datetime64("2261-12-31")
EARLIEST_PARSED, LATEST_PARSED = np.datetime64("1000-01-01"), np.datetime64("9999-12-31")
NS_LOW_BASE, NS_HIGH_BASE = np.datetime64("1677-09-22", "ns"), np.datetime64("2262-04-10", "ns")


@dataclass(frozen=True)
class RuleOutcome:
    """What Great Expectations found for one expectation: its meta (rule id, kind, column), whether
    it was met, the positions of the failing rows, and why it could not run, if it could not.
    Plain data: it crosses from the validation process (suite_process.py) as it is."""

    meta: dict
    success: bool
    unexpected: list[int]
    problem: str | None = None


class Pending:
    """A suite's failures, ready or still being found (suite_process.SuiteProcess)."""

    def __init__(self, failures: list[dict]) -> None:
        self._failures = failures

    def result(self) -> list[dict]:
        return self._failures


class Suites:
    """What validation asks of a suite runner: submit() an extract's suite (its failures now or
    later, as a Pending), or its failures() at once."""

    def submit(self, extract: Extract, typed: pd.DataFrame, suite: dict, extract_date: dt.date) -> Pending:
        raise NotImplementedError

    def failures(self, extract: Extract, typed: pd.DataFrame, suite: dict, extract_date: dt.date) -> list[dict]:
        return self.submit(extract, typed, suite, extract_date).result()


class SuiteRunner(Suites):
    """One ephemeral Great Expectations context, reused for every extract of a run."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        # That GX module sets its own logger to INFO when imported (it announces a temporary
        # folder): it follows the level the application set for great_expectations instead.
        logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.getLogger("great_expectations").getEffectiveLevel())
        self._gx = gx
        self._context = gx.get_context(mode="ephemeral")
        # GX's progress bars would flood the run log with one line per expectation.
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        self._source = self._context.data_sources.add_pandas("extracts")

    def submit(self, extract: Extract, typed: pd.DataFrame, suite: dict, extract_date: dt.date) -> Pending:
        """The suite checked now, in this process (the validation process answers later)."""
        if typed.empty:
            return Pending([])
        request = suite_request(extract, typed, suite, extract_date)
        return Pending(failures_from(extract, typed, self.outcomes(*request), extract_date))

    def outcomes(self, name: str, frame: pd.DataFrame, suite: dict, parameters: dict) -> list[RuleOutcome]:
        """Great Expectations' verdict on each expectation of the suite, for the frame."""
        asset = self._source.add_dataframe_asset(name)
        try:
            batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": frame})
            gx_suite = self._gx.ExpectationSuite(name=suite["name"], expectations=suite["expectations"])
            result = batch.validate(gx_suite, result_format=RESULT_FORMAT, expectation_parameters=parameters)
        finally:
            self._source.delete_asset(name)
        outcomes = [
            RuleOutcome(dict(item.expectation_config.meta), bool(item.success),
                        list(item.result.get("unexpected_index_list") or []), _exception_message(item.exception_info))
            for item in result.results
        ]
        # GX leaves out an expectation it cannot build (an unknown type, bad arguments), logging
        # it only: each one sent must come back with a verdict, or the run stops.
        verdicts = {outcome.meta.get("rule_id") for outcome in outcomes}
        missing = [e["meta"]["rule_id"] for e in suite["expectations"] if e["meta"]["rule_id"] not in verdicts]
        if missing:
            raise ValueError(f"Great Expectations did not run {', '.join(missing)} (its expectation could not be built)")
        return outcomes


@functools.lru_cache(maxsize=1)
def in_this_process() -> SuiteRunner:
    """The process's own Great Expectations context, made once (about 0.25 s) and reused by every
    validation the process runs that has no validation process to ask."""
    return SuiteRunner()


def suite_request(extract: Extract, typed: pd.DataFrame, suite: dict, extract_date: dt.date) -> tuple[str, pd.DataFrame, dict, dict]:
    """What Great Expectations needs to check an extract: (name, the frame as it checks it
    fastest, the suite without the expectations it need not run, the suite's parameters)."""
    to_run = suite_to_run(suite)
    return extract.name, frame_for_suite(extract, typed, to_run), to_run, suite_parameters(extract, extract_date)


def suite_to_run(suite: dict) -> dict:
    """The suite less its key-uniqueness expectations: the keys are checked in SQL
    (types_and_keys.py), where the first copy of a repeated key can be kept and the rest set
    aside; Great Expectations' verdict on them would be thrown away, so it is not asked."""
    return {**suite, "expectations": [e for e in suite["expectations"] if e.get("meta", {}).get("kind") != "duplicate_key"]}


def failures_from(extract: Extract, typed: pd.DataFrame, outcomes: list[RuleOutcome], extract_date: dt.date) -> list[dict]:
    """Each failing row of each expectation as a finding. An expectation that could not run
    stops the run: GX would otherwise report it as simply not met, with no failing rows."""
    failures = []
    lines = typed[LINE].to_numpy()
    for outcome in outcomes:
        meta = outcome.meta
        if outcome.problem:
            raise RuntimeError(f"{extract.file}: expectation {meta['rule_id']} could not run: {outcome.problem}")
        if outcome.success:
            continue
        values = typed[meta["column"]]
        for position in outcome.unexpected:
            value = _value(values.iat[position])
            failures.append(
                failure(
                    extract, lines[position], None, meta["column"], meta["kind"],
                    _reason(meta, value, extract_date), value, meta.get("severity"),
                )
            )
    return failures


def _exception_message(exception_info: dict) -> str | None:
    """Why an expectation could not run, if it could not. GX reports an exception either for the
    expectation itself or for each metric that failed (keyed by metric), and then the result is
    simply "not met" with no failing rows: that must stop the run, not pass every row."""
    for info in [exception_info, *(v for v in exception_info.values() if isinstance(v, dict))]:
        if info.get("raised_exception"):
            return info.get("exception_message") or "no message"
    return None


def suite_columns(extract: Extract, suite: dict) -> list[str]:
    """The columns a suite's expectations read, in contract order."""
    used = set()
    for expectation in suite["expectations"]:
        kwargs = expectation["kwargs"]
        used.update(kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs)
        used.update(kwargs.get("column_list", []))
        used.update(re.findall(r"`([^`]+)`", kwargs.get("row_condition", "")))
    return [c for c in extract.column_names if c in used]


def frame_for_suite(extract: Extract, typed: pd.DataFrame, suite: dict) -> pd.DataFrame:
    """The typed rows as GX checks them fastest: only the columns the suite reads, integers as
    float64 and dates as datetime64[ns] (GX checks other dtypes with one Python call per value),
    text as categories (GX copies the frame several times per expectation: codes copy faster
    than strings, and set membership and nulls are found on the codes). The index is the row's
    position in `typed`."""
    columns = {}
    for name in suite_columns(extract, suite):
        column, values = extract.column(name), typed[name]
        if column.type == "date":
            columns[name] = _comparable_dates(values.to_numpy(dtype="datetime64[D]"))
        elif column.type == "integer":
            columns[name] = values.astype("float64").to_numpy()
        else:
            codes, categories = pd.factorize(values)  # unsorted: sorting many ids is slow
            columns[name] = pd.Categorical.from_codes(codes, categories=categories)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(typed)))


def _comparable_dates(days: np.ndarray) -> np.ndarray:
    low, high = days < NS_FIRST_DAY, days > NS_LAST_DAY  # NaT is neither
    dates = np.where(low | high, NS_FIRST_DAY, days).astype("datetime64[ns]")
    dates[low] = NS_LOW_BASE + (days[low] - EARLIEST_PARSED).astype(np.int64).astype("timedelta64[ns]")
    dates[high] = NS_HIGH_BASE - (LATEST_PARSED - days[high]).astype(np.int64).astype("timedelta64[ns]")
    return dates


def _value(value):
    """A typed value as a finding shows it: dates written back as dd/mm/YYYY."""
    if value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.strftime(DATE_FORMAT)
    return value


def _reason(meta: dict, value, extract_date: dt.date) -> str:
    column, kind = meta["column"], meta["kind"]
    shown = shorten(value)
    if kind == "missing_required":
        if meta.get("required_when"):
            return f"{column} is blank but is required when {meta['required_when']} is filled"
        return f"{column} is blank but is required"
    if kind == "bad_code":
        return f"{column} is {shown!r}, which is not one of the allowed codes (docs/data-contract.md)"
    if kind == "bad_number":
        return f"{column} is {shown}, outside the allowed range {meta.get('allowed', '')}".rstrip()
    if kind == "future_date":
        return f"{column} is {value}, after the extract date {extract_date.strftime(DATE_FORMAT)}"
    if kind == "bad_date":
        if meta.get("earliest_years"):
            earliest = years_before(extract_date, meta["earliest_years"])
            return f"{column} is {value}, more than {meta['earliest_years']} years before the extract date (earliest {earliest.strftime(DATE_FORMAT)}): check the year"
        return f"{column} is {value}, before 1900: check the year"
    if kind == "end_before_start":
        start = meta.get("start", "the start date")
        return f"{column} ({value}) is before {start}, which it must not precede"
    return f"{column} failed {kind}"
