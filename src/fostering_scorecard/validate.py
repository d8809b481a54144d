"""Row-level and cross-record validation. Bad rows are quarantined with a reason; doubtful rows
are kept and reported as warnings. No row is ever dropped without a record of why.

Three layers, each doing what it is good at:
- DuckDB applies the contract's types (a value that will not parse is a quarantined row, not a
  failed read) and finds repeated keys (only the second and later copies are quarantined).
- Great Expectations checks the typed rows against the suite in expectations/<extract>.json:
  required values, code lists, number and date ranges, end dates not before start dates.
- Cross-record and cross-extract checks (overlapping episodes, DfE episode rules, household ids
  not in the carers extract) are SQL queries in sql/checks/, run on the rows that passed.
Every rule has an id `<extract>.<column>.<kind>` and a severity (national/extracts.toml
[rule_kinds], carried into each expectation's meta): "error" quarantines the row, "warning"
keeps it. Each failure becomes a finding with the file, line, record key, rule and a reason.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from . import resources
from .definitions import Extract
from .ingest import DEFAULT_DATE_FORMATS, KEY, LINE, RawExtract

DATE_FORMAT = "%d/%m/%Y"  # how dates are written back in reasons and reports
# Date bounds are written as midnight datetimes: GX then compares a datetime64[ns] column with
# them in one vectorised step (pandas will not compare datetime64 values with a plain date).
EARLIEST_DATE = "1900-01-01T00:00:00"
CHECKS_DIR = resources.sql_dir() / "checks"
EXPECTATIONS_DIR = resources.expectations_dir()
MAX_VALUE_CHARS = 80  # a value shown in a reason or report is cut to this length
SEVERITIES = ("error", "warning")
QUARANTINE_COLUMNS = ["extract", "file", "line", "record_key", "column", "rule_id", "kind", "severity", "reason", "value"]


def rule_id(extract: Extract | str, column: str, kind: str) -> str:
    name = extract if isinstance(extract, str) else extract.name
    return f"{name}.{column}.{kind}" if column else f"{name}.{kind}"


# ---------------------------------------------------------------------------------------------
# The rule book: rule kinds (severity, meaning, fix), cross-record checks and the column options
# that only validation reads, all from national/extracts.toml.


@dataclass(frozen=True)
class RuleKind:
    kind: str
    severity: str
    meaning: str
    fix: str


@dataclass(frozen=True)
class Check:
    extract: str
    column: str
    kind: str
    sql: str
    severity: str

    @property
    def rule_id(self) -> str:
        return rule_id(self.extract, self.column, self.kind)


@dataclass(frozen=True)
class RuleBook:
    kinds: dict[str, RuleKind]
    checks: tuple[Check, ...]
    column_options: dict[tuple[str, str], dict]  # (extract, column) -> raw column spec

    def severity(self, kind: str, extract: str | None = None, column: str | None = None) -> str:
        """The kind's severity, unless the column says otherwise (a column no metric uses)."""
        override = self.column_options.get((extract, column), {}).get("severity")
        if override:
            return override
        return self.kinds[kind].severity if kind in self.kinds else "error"

    def fix(self, kind: str, column: str, file: str) -> str:
        if kind not in self.kinds:
            return ""
        return self.kinds[kind].fix.format(column=column or "the row", file=file)


@lru_cache(maxsize=4)
def load_rules(path: Path | None = None) -> RuleBook:
    with (path or resources.national_file("extracts.toml")).open("rb") as f:
        data = tomllib.load(f)
    kinds = {}
    for kind, spec in data.get("rule_kinds", {}).items():
        if spec["severity"] not in SEVERITIES:
            raise ValueError(f"national/extracts.toml: rule kind {kind} has severity {spec['severity']!r}; use error or warning")
        kinds[kind] = RuleKind(kind, spec["severity"], spec["meaning"], spec["fix"])
    checks = []
    for spec in data.get("checks", []):
        if spec["kind"] not in kinds:
            raise ValueError(f"national/extracts.toml: check {spec['sql']} has kind {spec['kind']!r}, not in [rule_kinds]")
        severity = spec.get("severity", kinds[spec["kind"]].severity)
        if severity not in SEVERITIES:
            raise ValueError(f"national/extracts.toml: check {spec['sql']} has severity {severity!r}; use error or warning")
        checks.append(Check(spec["extract"], spec["column"], spec["kind"], spec["sql"], severity))
    options = {
        (name, c["name"]): c for name, extract in data["extracts"].items() for c in extract["columns"]
    }
    for (name, column), spec in options.items():
        if spec.get("severity", "error") not in SEVERITIES:
            raise ValueError(f"national/extracts.toml: column {name}.{column} has severity {spec['severity']!r}; use error or warning")
    return RuleBook(kinds, tuple(checks), options)


# ---------------------------------------------------------------------------------------------
# Results.


@dataclass
class ValidatedExtract:
    raw: RawExtract
    accepted: pd.DataFrame  # typed rows that passed every error-severity rule (with _line)
    quarantine: pd.DataFrame  # error findings, one row per (line, rule); QUARANTINE_COLUMNS
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=QUARANTINE_COLUMNS))  # rows kept
    typed: pd.DataFrame | None = None  # every row read, typed (bad values null), with _line

    @property
    def rows_read(self) -> int:
        return self.raw.rows_read

    @property
    def rows_accepted(self) -> int:
        return len(self.accepted)

    @property
    def rows_quarantined(self) -> int:
        return self.quarantine["line"].nunique()

    @property
    def findings(self) -> pd.DataFrame:
        """Errors and warnings together, ordered by line and rule."""
        frames = [f for f in (self.quarantine, self.warnings) if not f.empty]
        if not frames:
            return pd.DataFrame(columns=QUARANTINE_COLUMNS)
        return pd.concat(frames, ignore_index=True).sort_values(["line", "rule_id"], kind="stable").reset_index(drop=True)

    def check_rows_balance(self) -> None:
        """Every row read is either accepted or quarantined, never both, never neither."""
        if self.rows_read != self.rows_accepted + self.rows_quarantined:
            raise RuntimeError(
                f"{self.raw.extract.file}: {self.rows_read} rows read but {self.rows_accepted} accepted + "
                f"{self.rows_quarantined} quarantined; this is a bug in the pipeline, please report it"
            )


# ---------------------------------------------------------------------------------------------
# Suites: generated from the data contract, stored as JSON, read back at run time.


def build_suite(extract: Extract, rules: RuleBook | None = None) -> dict:
    """The Great Expectations suite for one extract, derived from national/extracts.toml."""
    rules = rules or load_rules()
    expectations = []

    def add(kind: str, rule_column: str, type_: str, extra_meta: dict | None = None, **kwargs) -> None:
        severity = rules.severity(kind, extract.name, rule_column)
        meta = {"rule_id": rule_id(extract, rule_column, kind), "kind": kind, "column": rule_column, "severity": severity}
        expectations.append({"type": type_, "kwargs": kwargs, "meta": {**meta, **(extra_meta or {})}})

    for col in extract.columns:
        options = rules.column_options.get((extract.name, col.name), {})
        if col.required:
            add("missing_required", col.name, "expect_column_values_to_not_be_null", column=col.name)
        elif options.get("required_when"):
            other = options["required_when"]
            add(
                "missing_required", col.name, "expect_column_values_to_not_be_null", {"required_when": other},
                column=col.name, row_condition=f'`{other}`.notnull()', condition_parser="pandas",
            )
        if col.codes is not None:
            add("bad_code", col.name, "expect_column_values_to_be_in_set", column=col.name, value_set=list(col.codes))
        if col.type == "flag":
            add("bad_code", col.name, "expect_column_values_to_be_in_set", column=col.name, value_set=["Y", "N"])
        if col.type == "integer" and (col.min is not None or col.max is not None):
            allowed = {"allowed": f"{'' if col.min is None else col.min} to {'' if col.max is None else col.max}".strip()}
            add("bad_number", col.name, "expect_column_values_to_be_between", allowed, column=col.name, min_value=col.min, max_value=col.max)
        if col.type == "date":
            add(
                "future_date", col.name, "expect_column_values_to_be_between",
                column=col.name, max_value={"$PARAMETER": "extract_date"},
            )
            earliest = {"$PARAMETER": f"earliest_{col.name}"} if options.get("earliest_years") else EARLIEST_DATE
            add(
                "bad_date", col.name, "expect_column_values_to_be_between",
                {"earliest_years": options["earliest_years"]} if options.get("earliest_years") else None,
                column=col.name, min_value=earliest,
            )
    for start, end in extract.date_order:
        add(
            "end_before_start", end, "expect_column_pair_values_a_to_be_greater_than_b", {"start": start},
            column_A=end, column_B=start, or_equal=True, ignore_row_if="either_value_is_missing",
        )
    if len(extract.key) == 1:
        add("duplicate_key", extract.key[0], "expect_column_values_to_be_unique", column=extract.key[0])
    else:
        add("duplicate_key", "+".join(extract.key), "expect_compound_columns_to_be_unique", column_list=list(extract.key))
    return {
        "name": f"{extract.name}_suite",
        "meta": {"extract": extract.name, "file": extract.file, "generated_from": "national/extracts.toml"},
        "expectations": expectations,
    }


def suite_parameters(extract: Extract, extract_date: dt.date, rules: RuleBook | None = None) -> dict:
    """The run-time values the suite refers to: the extract date and each column's earliest date
    (as midnight datetimes, like EARLIEST_DATE)."""
    rules = rules or load_rules()
    parameters = {"extract_date": _midnight(extract_date)}
    for col in extract.columns:
        years = rules.column_options.get((extract.name, col.name), {}).get("earliest_years")
        if years:
            parameters[f"earliest_{col.name}"] = _midnight(_years_before(extract_date, years))
    return parameters


def _midnight(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time()).isoformat()


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


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


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _cast(column, date_formats: tuple[str, ...]) -> str:
    q = f'"{column.name}"'
    if column.type == "date":
        formats = ", ".join(_sql_text(f) for f in date_formats)
        # DuckDB reads a two-digit year under %Y as year 00xx: treat that as not a date.
        parsed = f"try_strptime({q}, [{formats}])::DATE"
        return f"CASE WHEN year({parsed}) >= 1000 THEN {parsed} END"
    if column.type == "integer":
        # A whole number, written plainly, with thousands separators as Excel writes them
        # ("1,200") or with a zero decimal part ("2.0"). Anything else ("2.5", "1,0") is not
        # one: a plain cast would round 2.5 to 3.
        return (
            f"CASE WHEN regexp_full_match({q}, '[+-]?\\d+') THEN TRY_CAST({q} AS INTEGER) "
            f"WHEN regexp_full_match({q}, '\\d{{1,3}}(,\\d{{3}})+') THEN TRY_CAST(replace({q}, ',', '') AS INTEGER) "
            f"WHEN regexp_full_match({q}, '[+-]?\\d+\\.0+') THEN TRY_CAST(split_part({q}, '.', 1) AS INTEGER) END"
        )
    if column.type == "flag":
        return f"upper({q})"
    return q


def readable_format(date_format: str) -> str:
    return date_format.replace("%d", "dd").replace("%m", "mm").replace("%Y", "YYYY").replace("%H", "hh").replace("%M", "mm")


def _not_parsed_reason(column, value: str, date_formats: tuple[str, ...]) -> str:
    shown = _shorten(value)
    if column.type == "integer":
        return f"{column.name} is {shown!r}, which is not a whole number"
    expected = " or ".join(readable_format(f) for f in date_formats)
    if value.isdigit() and 4 <= len(value) <= 5:
        return f"{column.name} is {shown!r}, which looks like an Excel date serial number, not a date written {expected}"
    return f"{column.name} is {shown!r}, which is not a real date written {expected}"


def _type_rows(con: duckdb.DuckDBPyConnection, raw: RawExtract) -> tuple[pd.DataFrame, list[dict]]:
    """Every row with the contract's types (a value that does not parse is null here and a
    finding), and the second and later copies of each key. DuckDB reads the text frame where it
    is and converts only the typed columns; text columns are taken over as they are."""
    extract = raw.extract
    formats = raw.date_formats or DEFAULT_DATE_FORMATS
    rows = raw.rows
    converted_columns = [c for c in extract.columns if c.type in ("date", "integer", "flag")]
    select = ", ".join([f'"{LINE}"'] + [f'{_cast(c, formats)} AS "{c.name}"' for c in converted_columns])
    con.register("raw_rows", rows)
    try:
        # A projection keeps the frame's row order (DuckDB's preserve_insertion_order), checked below.
        converted = con.execute(f"SELECT {select} FROM raw_rows").df()
        repeated_keys = _repeated_keys(con, "raw_rows", extract.key)
    finally:
        con.unregister("raw_rows")
    if not np.array_equal(converted[LINE].to_numpy(), rows[LINE].to_numpy()):
        raise RuntimeError(f"{extract.file}: typed rows out of line order; this is a bug in the pipeline, please report it")
    converted.index = rows.index
    typed = pd.DataFrame(
        {LINE: rows[LINE], **{c.name: (converted if c in converted_columns else rows)[c.name] for c in extract.columns}},
        copy=False,  # the text columns stay shared with raw.rows
    )

    failures = []
    lines = rows[LINE].to_numpy()
    for col in extract.columns:
        if col.type not in ("date", "integer"):
            continue
        kind = "bad_date" if col.type == "date" else "bad_number"
        unparsed = rows[col.name].notna().to_numpy() & typed[col.name].isna().to_numpy()
        failures += [
            _failure(extract, line, None, col.name, kind, _not_parsed_reason(col, value, formats), value)
            for line, value in zip(lines[unparsed].tolist(), rows[col.name].to_numpy()[unparsed])
        ]
    key_name = "+".join(extract.key)
    failures += [
        _failure(extract, line, None, key_name, "duplicate_key", f"repeats the {key_name} of line {first}; the first copy is kept", "")
        for line, first in repeated_keys
    ]
    return typed, failures


def _repeated_keys(con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...]) -> list[tuple[int, int]]:
    """(line, line of the first copy) for every row whose key, as written, repeats an earlier
    row's, in line order; a row with part of its key blank repeats nothing. Only the keys seen
    more than once are joined back (hashing every key once in DuckDB is the fast way)."""
    columns = ", ".join(f'"{name}"' for name in key)
    filled = " AND ".join(f'"{name}" IS NOT NULL' for name in key)
    return con.execute(
        f"""WITH repeated AS (
                SELECT {columns}, min("{LINE}") AS first_line FROM {table} WHERE {filled}
                GROUP BY {columns} HAVING count(*) > 1
            )
            SELECT r."{LINE}", repeated.first_line FROM {table} AS r JOIN repeated USING ({columns})
            WHERE r."{LINE}" <> repeated.first_line ORDER BY r."{LINE}"
            """
    ).fetchall()


def _shorten(value) -> str:
    # A blank cell reaches here as None, NaN or NA, depending on the path: show it blank.
    blank = value is None or (not isinstance(value, str) and bool(pd.isna(value)))
    text = "" if blank else str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _failure(extract: Extract, line: int, record_key: str | None, column: str, kind: str, reason: str, value, severity: str | None = None) -> dict:
    """One finding; record_key None means the row's key, looked up when the findings are split."""
    return {
        "extract": extract.name,
        "file": extract.file,
        "line": int(line),
        "record_key": record_key,
        "column": column,
        "rule_id": rule_id(extract, column, kind),
        "kind": kind,
        "severity": severity or load_rules().severity(kind, extract.name, column),
        "reason": reason,
        "value": _shorten(value),
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
        asset = self._source.add_dataframe_asset(extract.name)
        try:
            batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
                batch_parameters={"dataframe": frame_for_suite(extract, typed, suite)}
            )
            gx_suite = self._gx.ExpectationSuite(name=suite["name"], expectations=suite["expectations"])
            result = batch.validate(gx_suite, result_format=RESULT_FORMAT, expectation_parameters=suite_parameters(extract, extract_date))
        finally:
            self._source.delete_asset(extract.name)

        failures = []
        lines = typed[LINE].to_numpy()
        for item in result.results:
            meta = item.expectation_config.meta
            problem = _exception_message(item.exception_info)
            if problem:
                raise RuntimeError(f"{extract.file}: expectation {meta['rule_id']} could not run: {problem}")
            if item.success:
                continue
            if meta["kind"] == "duplicate_key":
                continue  # already handled in SQL, where the first copy can be kept
            values = typed[meta["column"]]
            for position in item.result.get("unexpected_index_list") or []:
                value = _value(values.iat[position])
                failures.append(
                    _failure(
                        extract, lines[position], None, meta["column"], meta["kind"],
                        _reason(meta, value, extract_date), value, meta.get("severity"),
                    )
                )
        return failures


# Row positions of the failing rows (the frame's index), every one of them, and nothing GX
# would build only to be thrown away (a query text listing every failing row).
RESULT_FORMAT = {"result_format": "COMPLETE", "return_unexpected_index_query": False, "partial_unexpected_count": 0}
# GX compares dates vectorised only as datetime64[ns], which holds 1677-09-22 to 2262-04-11; a
# date outside that (years 1000-1677 or 2262-9999 parse) becomes an instant just inside it, in
# order, so it compares with every bound (1900, the extract date) and every other date as before.
NS_FIRST_DAY, NS_LAST_DAY = np.datetime64("1678-01-01"), np.datetime64("2261-12-31")
EARLIEST_PARSED, LATEST_PARSED = np.datetime64("1000-01-01"), np.datetime64("9999-12-31")
NS_LOW_BASE, NS_HIGH_BASE = np.datetime64("1677-09-22", "ns"), np.datetime64("2262-04-10", "ns")


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
    shown = _shorten(value)
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
            earliest = _years_before(extract_date, meta["earliest_years"])
            return f"{column} is {value}, more than {meta['earliest_years']} years before the extract date (earliest {earliest.strftime(DATE_FORMAT)}): check the year"
        return f"{column} is {value}, before 1900: check the year"
    if kind == "end_before_start":
        start = meta.get("start", "the start date")
        return f"{column} ({value}) is before {start}, which it must not precede"
    return f"{column} failed {kind}"


def validate_extract(
    con: duckdb.DuckDBPyConnection, raw: RawExtract, suite: dict, runner: SuiteRunner, extract_date: dt.date
) -> ValidatedExtract:
    """The single-row rules for one extract (cross-record checks come after, in run_checks)."""
    typed, failures = _type_rows(con, raw)
    failures += [
        _failure(raw.extract, r[LINE], r.get(KEY), r["column"], r["rule"], r["reason"], r["value"])
        for r in raw.rejected
    ]
    # A value that did not parse is already quarantined; its null must not also count as missing.
    unparsed = {(f["line"], f["column"]) for f in failures if f["kind"] in ("bad_date", "bad_number")}
    failures += [
        f
        for f in runner.failures(raw.extract, typed, suite, extract_date)
        if not (f["kind"] == "missing_required" and (f["line"], f["column"]) in unparsed)
    ]
    return _split(raw, typed, failures)


def _keyed_findings(raw: RawExtract, failures: list[dict]) -> pd.DataFrame:
    """The failures as a findings frame, each with the file as saved and its record key."""
    findings = pd.DataFrame(failures, columns=QUARANTINE_COLUMNS)
    findings["file"] = raw.path.name  # the file as saved (a column mapping may rename it)
    unkeyed = findings["record_key"].isna()
    if unkeyed.any():
        keys = raw.record_keys(findings.loc[unkeyed, "line"])
        findings.loc[unkeyed, "record_key"] = [keys.get(line, "") for line in findings.loc[unkeyed, "line"]]
    return findings


def _split(raw: RawExtract, typed: pd.DataFrame, failures: list[dict]) -> ValidatedExtract:
    """Errors quarantine their rows; warnings are reported and the row is kept."""
    findings = _keyed_findings(raw, failures).sort_values(["line", "rule_id", "column"], kind="stable").reset_index(drop=True)
    errors = findings[findings["severity"] == "error"].reset_index(drop=True)
    warnings = findings[findings["severity"] != "error"].reset_index(drop=True)
    accepted = typed[~typed[LINE].isin(errors["line"].unique())].reset_index(drop=True)
    validated = ValidatedExtract(raw, accepted, errors, warnings, typed)
    validated.check_rows_balance()
    return validated


# ---------------------------------------------------------------------------------------------
# Cross-record and cross-extract checks in DuckDB.


def run_checks(
    con: duckdb.DuckDBPyConnection,
    validated: dict[str, ValidatedExtract],
    extract_date: dt.date,
    checks: tuple[Check, ...] | None = None,
    checks_dir: Path = CHECKS_DIR,
) -> dict[str, ValidatedExtract]:
    """Run every check in sql/checks/ on the rows that passed the single-row rules and return
    the extracts with the checks' findings added (errors quarantine the row, warnings keep it).
    All checks see the same tables, so their results do not depend on the order they run in."""
    checks = load_rules().checks if checks is None else checks
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
                _failure(v.raw.extract, line, None, check.column, check.kind, reason, value, check.severity)
                for line, reason, value in rows
            ]
    finally:
        for table in registered:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return {name: _add_findings(v, new_findings[name]) if new_findings[name] else v for name, v in validated.items()}


def _add_findings(v: ValidatedExtract, failures: list[dict]) -> ValidatedExtract:
    """The extract with more findings: the same result as splitting all of its findings again,
    but only the new ones are keyed, and the accepted rows lose only the newly quarantined lines
    (at national scale, rebuilding every finding and re-filtering every row read is the slow part)."""
    new = _keyed_findings(v.raw, failures)
    previous = [f for f in (v.quarantine, v.warnings) if not f.empty]
    findings = pd.concat([*previous, new], ignore_index=True)
    if previous:  # keys typed as one frame of all the findings types them: text
        findings["record_key"] = findings["record_key"].astype("str")
    findings = findings.sort_values(["line", "rule_id", "column"], kind="stable").reset_index(drop=True)
    errors = findings[findings["severity"] == "error"].reset_index(drop=True)
    warnings = findings[findings["severity"] != "error"].reset_index(drop=True)
    new_error_lines = new.loc[new["severity"] == "error", "line"].unique()
    accepted = v.accepted
    if len(new_error_lines):
        accepted = accepted[~accepted[LINE].isin(new_error_lines)].reset_index(drop=True)
    validated = ValidatedExtract(v.raw, accepted, errors, warnings, v.typed)
    validated.check_rows_balance()
    return validated
