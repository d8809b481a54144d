"""Findings and their result: each rule a row breaks becomes a finding (extract, file, line,
record key, column, rule, severity, reason, value); errors quarantine the row, warnings keep it.

A ValidatedExtract holds the rows accepted and the findings, and checks that every row read is
accepted, quarantined or (from an earlier annual return) superseded: rows read = accepted + set
aside + superseded.

A finding's `file` and `line` are where an analyst finds the row: the file as saved and its
physical line. Its `_line` is the row's number in the extract (as in the typed and accepted
rows), which identifies the row: the same as the line, unless the extract was read from several
annual returns (ingest.RawExtract numbers their rows on from file to file).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pandas as pd

from ..definitions import Extract
from ..ingest import LINE, RawExtract
from .rules import load_rules, rule_id

MAX_VALUE_CHARS = 80  # a value shown in a reason or report is cut to this length
QUARANTINE_COLUMNS = ["extract", "file", "line", "record_key", "column", "rule_id", "kind", "severity", "reason", "value"]


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
        return row_numbers(self.quarantine).nunique()

    @property
    def rows_superseded(self) -> int:
        """Rows read from an earlier annual return and replaced by the same record in a later one."""
        return self.raw.rows_superseded

    @property
    def rows_in_use(self) -> int:
        """Rows read less those superseded: accepted + set aside. The base of a set-aside share
        (a superseded row is neither accepted nor set aside)."""
        return self.rows_read - self.rows_superseded

    # A validated extract is never changed (add_findings makes a new one), so what is derived
    # from its findings is made once: a backfill writes the same report for every month.
    @functools.cached_property
    def findings(self) -> pd.DataFrame:
        """Errors and warnings together, ordered by row and rule."""
        frames = [f for f in (self.quarantine, self.warnings) if not f.empty]
        if not frames:
            return pd.DataFrame(columns=QUARANTINE_COLUMNS)
        found = pd.concat(frames, ignore_index=True)
        return found.sort_values([_row_column(found), "rule_id"], kind="stable").reset_index(drop=True)

    def finding_records(self) -> list[dict]:
        """The findings as records (one new dict each, for the caller to change)."""
        return [dict(record) for record in self._finding_records]

    def quarantine_records(self) -> list[dict]:
        """The rows set aside as records (one new dict each)."""
        return [dict(record) for record in self._quarantine_records]

    @functools.cached_property
    def _finding_records(self) -> tuple[dict, ...]:
        return tuple(self.findings.to_dict("records"))

    @functools.cached_property
    def _quarantine_records(self) -> tuple[dict, ...]:
        return tuple(self.quarantine.to_dict("records"))

    def check_rows_balance(self) -> None:
        """Every row read is accepted, quarantined or superseded: exactly one of the three."""
        if self.rows_read != self.rows_accepted + self.rows_quarantined + self.rows_superseded:
            raise RuntimeError(
                f"{self.raw.file_names}: {self.rows_read} rows read but {self.rows_accepted} accepted + "
                f"{self.rows_quarantined} quarantined + {self.rows_superseded} superseded; "
                "this is a bug in the pipeline, please report it"
            )


def _row_column(findings: pd.DataFrame) -> str:
    # Findings made here carry _line; a frame built elsewhere may have only its line.
    return LINE if LINE in findings.columns else "line"


def row_numbers(findings: pd.DataFrame) -> pd.Series:
    """The number (_line) of the row each finding is on, as in the typed and accepted rows."""
    return findings[_row_column(findings)]


def shorten(value) -> str:
    # A blank cell reaches here as None, NaN or NA, depending on the path: show it blank.
    blank = value is None or (not isinstance(value, str) and bool(pd.isna(value)))
    text = "" if blank else str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def failure(extract: Extract, line: int, record_key: str | None, column: str, kind: str, reason: str, value, severity: str | None = None) -> dict:
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
        "value": shorten(value),
    }


def _keyed_findings(raw: RawExtract, failures: list[dict]) -> pd.DataFrame:
    """The failures (each on a row number) as a findings frame: each with the row's number
    (_line), the file as saved and the line in it, and its record key."""
    findings = pd.DataFrame(failures, columns=QUARANTINE_COLUMNS)
    findings[LINE] = findings["line"].astype("int64")
    unkeyed = findings["record_key"].isna()
    if unkeyed.any():
        keys = raw.record_keys(findings.loc[unkeyed, LINE])
        findings.loc[unkeyed, "record_key"] = [keys.get(line, "") for line in findings.loc[unkeyed, LINE]]
    if len(raw.sources) > 1:  # several annual returns: the file each row came from, its line there
        findings["file"], findings["line"] = raw.locate(findings[LINE])
    else:
        findings["file"] = raw.path.name  # the file as saved (a column mapping may rename it)
    return findings


def split_findings(raw: RawExtract, typed: pd.DataFrame, failures: list[dict]) -> ValidatedExtract:
    """Errors quarantine their rows; warnings are reported and the row is kept."""
    findings = _keyed_findings(raw, failures).sort_values([LINE, "rule_id", "column"], kind="stable").reset_index(drop=True)
    errors = findings[findings["severity"] == "error"].reset_index(drop=True)
    warnings = findings[findings["severity"] != "error"].reset_index(drop=True)
    accepted = typed[~typed[LINE].isin(errors[LINE].unique())].reset_index(drop=True)
    validated = ValidatedExtract(raw, accepted, errors, warnings, typed)
    validated.check_rows_balance()
    return validated


def add_findings(v: ValidatedExtract, failures: list[dict]) -> ValidatedExtract:
    """The extract with more findings: the same result as splitting all of its findings again,
    but only the new ones are keyed, and the accepted rows lose only the newly quarantined lines
    (at national scale, rebuilding every finding and re-filtering every row read is the slow part)."""
    new = _keyed_findings(v.raw, failures)
    previous = [f for f in (v.quarantine, v.warnings) if not f.empty]
    findings = pd.concat([*previous, new], ignore_index=True)
    if previous:  # keys typed as one frame of all the findings types them: text
        findings["record_key"] = findings["record_key"].astype("str")
    findings = findings.sort_values([LINE, "rule_id", "column"], kind="stable").reset_index(drop=True)
    errors = findings[findings["severity"] == "error"].reset_index(drop=True)
    warnings = findings[findings["severity"] != "error"].reset_index(drop=True)
    new_error_lines = new.loc[new["severity"] == "error", LINE].unique()
    accepted = v.accepted
    if len(new_error_lines):
        accepted = accepted[~accepted[LINE].isin(new_error_lines)].reset_index(drop=True)
    validated = ValidatedExtract(v.raw, accepted, errors, warnings, v.typed)
    validated.check_rows_balance()
    return validated
