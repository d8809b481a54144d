"""Row-level validation: types, codes, keys, dates. Bad rows are quarantined with a reason.

Two layers, each doing what it is good at:
- DuckDB applies the contract's types (a value that will not parse is a quarantined row, not a
  failed read) and finds repeated keys (only the second and later copies are quarantined).
- Great Expectations checks the typed rows against the suite in expectations/<extract>.json:
  required values, code lists, number and date ranges, end dates not before start dates.
Every expectation carries meta.rule_id and meta.kind, so each failure becomes a quarantine row
with the file, line, column, rule and a readable reason.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from .config import EXPECTATIONS_DIR, Extract
from .ingest import LINE, RawExtract

DATE_FORMAT = "%d/%m/%Y"
EARLIEST_DATE = "1900-01-01"
QUARANTINE_COLUMNS = ["extract", "file", "line", "column", "rule_id", "kind", "reason", "value"]


@dataclass
class ValidatedExtract:
    raw: RawExtract
    accepted: pd.DataFrame  # typed rows that passed every row-level rule (with _line)
    quarantine: pd.DataFrame  # one row per (line, rule) failure; QUARANTINE_COLUMNS

    @property
    def rows_read(self) -> int:
        return self.raw.rows_read

    @property
    def rows_accepted(self) -> int:
        return len(self.accepted)

    @property
    def rows_quarantined(self) -> int:
        return self.quarantine["line"].nunique()


def rule_id(extract: Extract, column: str, kind: str) -> str:
    return f"{extract.name}.{column}.{kind}" if column else f"{extract.name}.{kind}"


# ---------------------------------------------------------------------------------------------
# Suites: generated from the data contract, stored as JSON, read back at run time.


def build_suite(extract: Extract) -> dict:
    """The Great Expectations suite for one extract, derived from config/extracts.toml."""
    expectations = []

    def add(kind: str, rule_column: str, type_: str, **kwargs) -> None:
        expectations.append(
            {
                "type": type_,
                "kwargs": kwargs,
                "meta": {"rule_id": rule_id(extract, rule_column, kind), "kind": kind, "column": rule_column},
            }
        )

    for col in extract.columns:
        if col.required:
            add("missing_required", col.name, "expect_column_values_to_not_be_null", column=col.name)
        if col.codes is not None:
            add("bad_code", col.name, "expect_column_values_to_be_in_set", column=col.name, value_set=list(col.codes))
        if col.type == "flag":
            add("bad_code", col.name, "expect_column_values_to_be_in_set", column=col.name, value_set=["Y", "N"])
        if col.type == "integer" and (col.min is not None or col.max is not None):
            add("bad_number", col.name, "expect_column_values_to_be_between", column=col.name, min_value=col.min, max_value=col.max)
        if col.type == "date":
            add(
                "future_date",
                col.name,
                "expect_column_values_to_be_between",
                column=col.name,
                min_value=EARLIEST_DATE,
                max_value={"$PARAMETER": "extract_date"},
            )
    for start, end in extract.date_order:
        add(
            "end_before_start",
            end,
            "expect_column_pair_values_a_to_be_greater_than_b",
            column_A=end,
            column_B=start,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        )
    if len(extract.key) == 1:
        add("duplicate_key", extract.key[0], "expect_column_values_to_be_unique", column=extract.key[0])
    else:
        add("duplicate_key", "+".join(extract.key), "expect_compound_columns_to_be_unique", column_list=list(extract.key))
    return {
        "name": f"{extract.name}_suite",
        "meta": {"extract": extract.name, "file": extract.file, "generated_from": "config/extracts.toml"},
        "expectations": expectations,
    }


def suite_path(extract: Extract, directory: Path = EXPECTATIONS_DIR) -> Path:
    return directory / f"{extract.name}.json"


def suite_json(extract: Extract) -> str:
    return json.dumps(build_suite(extract), indent=2) + "\n"


def write_suites(extracts: dict[str, Extract], directory: Path = EXPECTATIONS_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for extract in extracts.values():
        suite_path(extract, directory).write_text(suite_json(extract))


def load_suite(extract: Extract, directory: Path = EXPECTATIONS_DIR) -> dict:
    return json.loads(suite_path(extract, directory).read_text())


# ---------------------------------------------------------------------------------------------
# Typing and keys in DuckDB.


def _typed_expression(column) -> str:
    q = f'"{column.name}"'
    if column.type == "date":
        return f"try_strptime({q}, '{DATE_FORMAT}')::DATE AS {q}"
    if column.type == "integer":
        # Thousands separators ("1,200") are how Excel writes numbers; accept them.
        return f"TRY_CAST(replace({q}, ',', '') AS INTEGER) AS {q}"
    if column.type == "flag":
        return f"upper({q}) AS {q}"
    return q


def _type_rows(con: duckdb.DuckDBPyConnection, raw: RawExtract) -> tuple[pd.DataFrame, list[dict]]:
    extract = raw.extract
    con.register("raw_rows", raw.rows)
    try:
        select = ", ".join([f'"{LINE}"'] + [_typed_expression(c) for c in extract.columns])
        typed = con.execute(f"SELECT {select} FROM raw_rows ORDER BY {LINE}").df()

        failures = []
        for col in extract.columns:
            if col.type not in ("date", "integer"):
                continue
            kind = "bad_date" if col.type == "date" else "bad_number"
            expected = "a date written dd/mm/YYYY" if col.type == "date" else "a whole number"
            bad = con.execute(
                f'SELECT "{LINE}", "{col.name}" FROM raw_rows r '
                f'WHERE "{col.name}" IS NOT NULL AND ({_typed_expression(col).rsplit(" AS ", 1)[0]}) IS NULL '
                f"ORDER BY {LINE}"
            ).fetchall()
            failures += [
                _failure(extract, line, col.name, kind, f"{col.name} is {value!r}, which is not {expected}", value)
                for line, value in bad
            ]

        key = ", ".join(f'"{k}"' for k in extract.key)
        duplicates = con.execute(
            f"SELECT {LINE}, first_line FROM (SELECT {LINE}, "
            f"first_value({LINE}) OVER (PARTITION BY {key} ORDER BY {LINE}) AS first_line, "
            f"row_number() OVER (PARTITION BY {key} ORDER BY {LINE}) AS copy FROM raw_rows "
            f"WHERE {' AND '.join(f'{k} IS NOT NULL' for k in key.split(', '))}) WHERE copy > 1 ORDER BY {LINE}"
        ).fetchall()
        key_name = "+".join(extract.key)
        failures += [
            _failure(extract, line, key_name, "duplicate_key", f"repeats the {key_name} of line {first}; the first copy is kept", "")
            for line, first in duplicates
        ]
    finally:
        con.unregister("raw_rows")
    return typed, failures


def _failure(extract: Extract, line: int, column: str, kind: str, reason: str, value) -> dict:
    return {
        "extract": extract.name,
        "file": extract.file,
        "line": int(line),
        "column": column,
        "rule_id": rule_id(extract, column, kind),
        "kind": kind,
        "reason": reason,
        "value": "" if value is None else str(value),
    }


# ---------------------------------------------------------------------------------------------
# Great Expectations.


class SuiteRunner:
    """One ephemeral Great Expectations context, reused for every extract of a run."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self._context = gx.get_context(mode="ephemeral")
        # GX's progress bars would flood the run log with one line per expectation.
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        self._source = self._context.data_sources.add_pandas("extracts")

    def failures(self, extract: Extract, typed: pd.DataFrame, suite: dict, extract_date: dt.date) -> list[dict]:
        if typed.empty:
            return []
        frame = typed.copy()
        for col in extract.columns:
            if col.type == "date":  # GX compares dates as Python dates, not pandas Timestamps
                frame[col.name] = pd.Series(
                    [None if pd.isna(v) else v.date() for v in frame[col.name]], dtype=object, index=frame.index
                )
        asset = self._source.add_dataframe_asset(extract.name)
        batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": frame})
        gx_suite = self._gx.ExpectationSuite(name=suite["name"], expectations=suite["expectations"])
        result = batch.validate(
            gx_suite,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [LINE]},
            expectation_parameters={"extract_date": extract_date.isoformat()},
        )
        self._source.delete_asset(extract.name)

        failures = []
        for item in result.results:
            meta = item.expectation_config.meta
            if item.exception_info.get("raised_exception"):
                raise RuntimeError(f"{extract.file}: expectation {meta['rule_id']} could not run: {item.exception_info.get('exception_message')}")
            if item.success:
                continue
            if meta["kind"] == "duplicate_key":
                continue  # already handled in SQL, where the first copy can be kept
            for row in item.result.get("unexpected_index_list") or []:
                failures.append(
                    _failure(extract, row[LINE], meta["column"], meta["kind"], _reason(meta, row, extract_date), _value(meta, row))
                )
        return failures


def _value(meta: dict, row: dict):
    value = row.get(meta["column"])
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    return value


def _reason(meta: dict, row: dict, extract_date: dt.date) -> str:
    column, kind = meta["column"], meta["kind"]
    value = _value(meta, row)
    if kind == "missing_required":
        return f"{column} is blank but is required"
    if kind == "bad_code":
        return f"{column} is {value!r}, which is not one of the allowed codes (docs/data-contract.md)"
    if kind == "bad_number":
        return f"{column} is {value!r}, outside the allowed range"
    if kind == "future_date":
        return f"{column} is {value}, after the extract date {extract_date.strftime(DATE_FORMAT)} or before 1900"
    if kind == "end_before_start":
        return f"{column} ({value}) is before the start date it must follow"
    return f"{column} failed {kind}"


def validate_extract(
    con: duckdb.DuckDBPyConnection, raw: RawExtract, suite: dict, runner: SuiteRunner, extract_date: dt.date
) -> ValidatedExtract:
    typed, failures = _type_rows(con, raw)
    failures += [
        {
            "extract": raw.extract.name,
            "file": raw.extract.file,
            "line": r[LINE],
            "column": r["column"],
            "rule_id": rule_id(raw.extract, "", r["rule"]),
            "kind": r["rule"],
            "reason": r["reason"],
            "value": r["value"],
        }
        for r in raw.rejected
    ]
    # A value that did not parse is already quarantined; its null must not also count as missing.
    unparsed = {(f["line"], f["column"]) for f in failures if f["kind"] in ("bad_date", "bad_number")}
    failures += [
        f
        for f in runner.failures(raw.extract, typed, suite, extract_date)
        if not (f["kind"] == "missing_required" and (f["line"], f["column"]) in unparsed)
    ]
    quarantine = pd.DataFrame(failures, columns=QUARANTINE_COLUMNS)
    quarantine = quarantine.sort_values(["line", "rule_id"], kind="stable").reset_index(drop=True)
    bad_lines = set(quarantine["line"])
    accepted = typed[~typed[LINE].isin(bad_lines)].reset_index(drop=True)
    return ValidatedExtract(raw, accepted, quarantine)
