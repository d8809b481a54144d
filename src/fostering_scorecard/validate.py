"""Row-level and cross-record validation. Bad rows are quarantined with a reason; doubtful rows
are kept and reported as warnings. No row is ever dropped without a record of why.

Three layers, each doing what it is good at:
- DuckDB applies the contract's types (a value that will not parse is a quarantined row, not a
  failed read) and finds repeated keys (only the second and later copies are quarantined).
- Great Expectations checks the typed rows against the suite in expectations/<extract>.json:
  required values, code lists, number and date ranges, end dates not before start dates.
- Cross-record and cross-extract checks (overlapping episodes, DfE episode rules, household ids
  not in the carers extract) are SQL queries in sql/checks/, run on the rows that passed.
Every rule has an id `<extract>.<column>.<kind>` and a severity (config/extracts.toml
[rule_kinds], carried into each expectation's meta): "error" quarantines the row, "warning"
keeps it. Each failure becomes a finding with the file, line, record key, rule and a reason.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from .config import CONFIG_DIR, EXPECTATIONS_DIR, SQL_DIR, Extract
from .ingest import DEFAULT_DATE_FORMATS, KEY, LINE, RawExtract

DATE_FORMAT = "%d/%m/%Y"  # how dates are written back in reasons and reports
EARLIEST_DATE = "1900-01-01"
CHECKS_DIR = SQL_DIR / "checks"
MAX_VALUE_CHARS = 80  # a value shown in a reason or report is cut to this length
SEVERITIES = ("error", "warning")
QUARANTINE_COLUMNS = ["extract", "file", "line", "record_key", "column", "rule_id", "kind", "severity", "reason", "value"]


def rule_id(extract: Extract | str, column: str, kind: str) -> str:
    name = extract if isinstance(extract, str) else extract.name
    return f"{name}.{column}.{kind}" if column else f"{name}.{kind}"


# ---------------------------------------------------------------------------------------------
# The rule book: rule kinds (severity, meaning, fix), cross-record checks and the column options
# that only validation reads, all from config/extracts.toml.


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
    with (path or CONFIG_DIR / "extracts.toml").open("rb") as f:
        data = tomllib.load(f)
    kinds = {}
    for kind, spec in data.get("rule_kinds", {}).items():
        if spec["severity"] not in SEVERITIES:
            raise ValueError(f"config/extracts.toml: rule kind {kind} has severity {spec['severity']!r}; use error or warning")
        kinds[kind] = RuleKind(kind, spec["severity"], spec["meaning"], spec["fix"])
    checks = []
    for spec in data.get("checks", []):
        if spec["kind"] not in kinds:
            raise ValueError(f"config/extracts.toml: check {spec['sql']} has kind {spec['kind']!r}, not in [rule_kinds]")
        severity = spec.get("severity", kinds[spec["kind"]].severity)
        if severity not in SEVERITIES:
            raise ValueError(f"config/extracts.toml: check {spec['sql']} has severity {severity!r}; use error or warning")
        checks.append(Check(spec["extract"], spec["column"], spec["kind"], spec["sql"], severity))
    options = {
        (name, c["name"]): c for name, extract in data["extracts"].items() for c in extract["columns"]
    }
    for (name, column), spec in options.items():
        if spec.get("severity", "error") not in SEVERITIES:
            raise ValueError(f"config/extracts.toml: column {name}.{column} has severity {spec['severity']!r}; use error or warning")
    return RuleBook(kinds, tuple(checks), options)


# ---------------------------------------------------------------------------------------------
# Results.


@dataclass
class ValidatedExtract:
    raw: RawExtract
    accepted: pd.DataFrame  # typed rows that passed every error-severity rule (with _line)
    quarantine: pd.DataFrame  # error findings, one row per (line, rule); QUARANTINE_COLUMNS
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=QUARANTINE_COLUMNS))  # rows kept
    typed: pd.DataFrame | None = None  # every row read, typed (bad values null), with _line and _key

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
    """The Great Expectations suite for one extract, derived from config/extracts.toml."""
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
        "meta": {"extract": extract.name, "file": extract.file, "generated_from": "config/extracts.toml"},
        "expectations": expectations,
    }


def suite_parameters(extract: Extract, extract_date: dt.date, rules: RuleBook | None = None) -> dict:
    """The run-time values the suite refers to: the extract date and each column's earliest date."""
    rules = rules or load_rules()
    parameters = {"extract_date": extract_date.isoformat()}
    for col in extract.columns:
        years = rules.column_options.get((extract.name, col.name), {}).get("earliest_years")
        if years:
            parameters[f"earliest_{col.name}"] = _years_before(extract_date, years).isoformat()
    return parameters


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
    extract = raw.extract
    formats = raw.date_formats or DEFAULT_DATE_FORMATS
    # Copied into DuckDB once: every query below would otherwise re-read the pandas frame.
    con.register("raw_rows_frame", raw.rows)
    con.execute("CREATE OR REPLACE TEMP TABLE raw_rows AS SELECT * FROM raw_rows_frame")
    con.unregister("raw_rows_frame")
    try:
        select = ", ".join([f'"{LINE}"', f'"{KEY}"'] + [f'{_cast(c, formats)} AS "{c.name}"' for c in extract.columns])
        typed = con.execute(f"SELECT {select} FROM raw_rows ORDER BY {LINE}").df()

        failures = []
        for col in extract.columns:
            if col.type not in ("date", "integer"):
                continue
            kind = "bad_date" if col.type == "date" else "bad_number"
            bad = con.execute(
                f'SELECT "{LINE}", "{KEY}", "{col.name}" FROM raw_rows '
                f'WHERE "{col.name}" IS NOT NULL AND ({_cast(col, formats)}) IS NULL ORDER BY {LINE}'
            ).fetchall()
            failures += [
                _failure(extract, line, key, col.name, kind, _not_parsed_reason(col, value, formats), value)
                for line, key, value in bad
            ]

        key = ", ".join(f'"{k}"' for k in extract.key)
        duplicates = con.execute(
            f"SELECT {LINE}, {KEY}, first_line FROM (SELECT {LINE}, {KEY}, "
            f"first_value({LINE}) OVER (PARTITION BY {key} ORDER BY {LINE}) AS first_line, "
            f"row_number() OVER (PARTITION BY {key} ORDER BY {LINE}) AS copy FROM raw_rows "
            f"WHERE {' AND '.join(f'{k} IS NOT NULL' for k in key.split(', '))}) WHERE copy > 1 ORDER BY {LINE}"
        ).fetchall()
        key_name = "+".join(extract.key)
        failures += [
            _failure(extract, line, record_key, key_name, "duplicate_key", f"repeats the {key_name} of line {first}; the first copy is kept", "")
            for line, record_key, first in duplicates
        ]
    finally:
        con.execute("DROP TABLE IF EXISTS raw_rows")
    return typed, failures


def _shorten(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _failure(extract: Extract, line: int, record_key, column: str, kind: str, reason: str, value, severity: str | None = None) -> dict:
    return {
        "extract": extract.name,
        "file": extract.file,
        "line": int(line),
        "record_key": record_key or "",
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
        frame = typed.drop(columns=[KEY], errors="ignore")
        for col in extract.columns:
            if col.type == "date":  # GX compares dates as Python dates, not pandas Timestamps
                values = frame[col.name]
                frame[col.name] = pd.Series(values.dt.date, dtype=object, index=frame.index).where(values.notna(), None)
        keys = dict(zip(typed[LINE], typed[KEY])) if KEY in typed else {}
        asset = self._source.add_dataframe_asset(extract.name)
        try:
            batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": frame})
            gx_suite = self._gx.ExpectationSuite(name=suite["name"], expectations=suite["expectations"])
            result = batch.validate(
                gx_suite,
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [LINE]},
                expectation_parameters=suite_parameters(extract, extract_date),
            )
        finally:
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
                line = int(row[LINE])
                failures.append(
                    _failure(
                        extract, line, keys.get(line), meta["column"], meta["kind"],
                        _reason(meta, row, extract_date), _value(meta, row), meta.get("severity"),
                    )
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


def _split(raw: RawExtract, typed: pd.DataFrame, failures: list[dict]) -> ValidatedExtract:
    """Errors quarantine their rows; warnings are reported and the row is kept."""
    findings = pd.DataFrame(failures, columns=QUARANTINE_COLUMNS)
    findings["file"] = raw.path.name  # the file as saved (a column mapping may rename it)
    findings = findings.sort_values(["line", "rule_id", "column"], kind="stable").reset_index(drop=True)
    errors = findings[findings["severity"] == "error"].reset_index(drop=True)
    warnings = findings[findings["severity"] != "error"].reset_index(drop=True)
    bad_lines = set(errors["line"])
    accepted = typed[~typed[LINE].isin(bad_lines)].drop(columns=[KEY]).reset_index(drop=True)
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
    registered = []
    for name, v in validated.items():
        typed = v.typed if v.typed is not None else v.accepted
        for prefix, frame in (("valid", v.accepted), ("read", typed.drop(columns=[KEY], errors="ignore"))):
            con.register(f"_{prefix}_{name}", frame)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}_{name} AS SELECT * FROM _{prefix}_{name}")
            con.unregister(f"_{prefix}_{name}")
            registered.append(f"{prefix}_{name}")
    new_findings: dict[str, list[dict]] = {name: [] for name in validated}
    keys_by_extract: dict[str, dict] = {}
    try:
        for check in checks:
            if check.extract not in validated:
                continue
            v = validated[check.extract]
            rows = con.execute((checks_dir / check.sql).read_text()).fetchall()
            if rows and check.extract not in keys_by_extract:
                keys_by_extract[check.extract] = dict(zip(v.typed[LINE], v.typed[KEY])) if v.typed is not None else {}
            keys = keys_by_extract.get(check.extract, {})
            new_findings[check.extract] += [
                _failure(v.raw.extract, line, keys.get(int(line)), check.column, check.kind, reason, value, check.severity)
                for line, reason, value in rows
            ]
    finally:
        for table in registered:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    result = {}
    for name, v in validated.items():
        previous = [r for frame in (v.quarantine, v.warnings) for r in frame.to_dict("records")]
        typed = v.typed if v.typed is not None else v.accepted.assign(**{KEY: ""})
        result[name] = _split(v.raw, typed, previous + new_findings[name])
    return result
