"""The Great Expectations suites: generated from the data contract (national/extracts.toml),
stored as JSON in the tool's expectations/ folder, read back at run time, and the run-time values
they refer to (the extract date and each column's earliest sensible date)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .. import resources
from ..periods import years_before
from ..definitions import Extract
from .rules import RuleBook, load_rules, rule_id

# Date bounds are written as midnight datetimes: GX then compares a datetime64[ns] column with
# them in one vectorised step (pandas will not compare datetime64 values with a plain date).
EARLIEST_DATE = "1900-01-01T00:00:00"


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
            parameters[f"earliest_{col.name}"] = _midnight(years_before(extract_date, years))
    return parameters


def _midnight(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time()).isoformat()


def suite_path(extract: Extract, directory: Path | None = None) -> Path:
    return (directory or resources.expectations_dir()) / f"{extract.name}.json"


def suite_json(extract: Extract) -> str:
    return json.dumps(build_suite(extract), indent=2) + "\n"


def write_suites(extracts: dict[str, Extract], directory: Path | None = None) -> None:
    directory = directory or resources.expectations_dir()
    directory.mkdir(parents=True, exist_ok=True)
    for extract in extracts.values():
        suite_path(extract, directory).write_text(suite_json(extract))


def load_suite(extract: Extract, directory: Path | None = None) -> dict:
    return json.loads(suite_path(extract, directory).read_text())
