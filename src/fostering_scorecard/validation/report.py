"""The data-quality report for source-system owners.

- data_quality.csv (shareable: no record ids): for each extract, rows read = accepted +
  quarantined; then one row per rule with its severity, how many rows broke it, their share of
  the rows read, what changed since last month (new, still open, fixed) and an example fix.
- internal/quarantine.csv (internal: holds record ids): every row set aside, with the file,
  line, record key, column, rule and reason.
- internal/data_quality_records.csv (internal): every finding, errors and warnings, plus the
  ones fixed since last month, each marked new, still open or fixed.

"Since last month" compares with a baseline: the previous month's findings file
(internal/data_quality_records.csv of its published version, or, for a month written before that
file existed, its quarantine.csv). The run spine passes the file the month's run record names
(publish.baseline: chosen at the month's first publication, then archived and reused), so the
report depends only on recorded inputs. Findings are matched by extract + record key + rule,
not by line number: lines move as records are added.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from ..ingest import LINE
from ..tables import write_csv
from .findings import QUARANTINE_COLUMNS, ValidatedExtract, row_numbers
from .rules import load_rules

ALL_ROWS = "(all rows)"
QUALITY_COLUMNS = [
    "extract", "file", "rule_id", "severity", "meaning", "rows", "share_of_rows_percent",
    "new", "still_open", "fixed", "example_fix", "detail",
]
RECORD_COLUMNS = [*QUARANTINE_COLUMNS, "status"]
NEW, STILL_OPEN, FIXED = "new", "still open", "fixed"
PREVIOUS_FILES = ("data_quality_records.csv", "quarantine.csv")


def _identity(row: dict) -> tuple[str, str, str]:
    """What makes a finding 'the same' next month. A record without a key (the key itself was
    blank or unreadable) can only be matched by its line."""
    key = row.get("record_key") or f"line {row.get('line')}"
    return (str(row["extract"]), str(key), str(row["rule_id"]))


def findings_file(month_dir: Path | None) -> Path | None:
    """The findings file of a published month's folder (None when it has none)."""
    if month_dir is None:
        return None
    for name in PREVIOUS_FILES:
        path = Path(month_dir) / "internal" / name
        if path.is_file():
            return path
    return None


def read_previous_findings(baseline_file: Path | None) -> tuple[list[dict], bool]:
    """Last month's open findings (not those already fixed then) from its findings file, and
    whether there was one to compare with."""
    if baseline_file is None:
        return [], False
    with Path(baseline_file).open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r.get("status", "") != FIXED]
    return rows, True


def record_rows(validated: dict[str, ValidatedExtract], previous: list[dict]) -> list[dict]:
    """Every finding this month marked new or still open, then last month's that are gone (fixed)."""
    previous_ids = {_identity(r) for r in previous}
    rows = []
    for v in validated.values():
        for finding in v.finding_records():
            finding["status"] = STILL_OPEN if _identity(finding) in previous_ids else NEW
            rows.append(finding)
    current_ids = {_identity(r) for r in rows}
    fixed, seen = [], set()
    for r in previous:
        identity = _identity(r)
        if identity in current_ids or identity in seen or r["extract"] not in validated:
            continue
        seen.add(identity)
        fixed.append({**{c: r.get(c, "") for c in QUARANTINE_COLUMNS}, "status": FIXED})
    # By row number: the file's line, or, across annual returns, file by file then line.
    rows.sort(key=lambda r: (list(validated).index(r["extract"]), int(r.get(LINE, r["line"])), r["rule_id"]))
    fixed.sort(key=lambda r: (list(validated).index(r["extract"]), r["rule_id"], str(r["record_key"]), str(r["line"])))
    return rows + fixed


def data_quality_rows(
    validated: dict[str, ValidatedExtract], records: list[dict] | None = None, compared: bool = False
) -> list[dict]:
    """Counts per extract and rule: no record ids, safe to share with source-system owners.
    `records` (from record_rows) gives the new / still open / fixed counts."""
    rules = load_rules()
    records = records if records is not None else record_rows(validated, [])
    by_rule: dict[tuple[str, str], dict] = {}
    for r in records:
        counts = by_rule.setdefault((r["extract"], r["rule_id"]), {NEW: 0, STILL_OPEN: 0, FIXED: 0, "kind": r["kind"],
                                                                    "column": r["column"], "severity": r["severity"]})
        counts[r["status"]] += 1
    rows = []
    for name, v in validated.items():
        file = v.raw.file_names  # as saved (a column mapping may rename it; annual returns in order)
        notes = "; ".join(v.raw.notes)
        row_counts = {"rows_read": v.rows_read, "rows_accepted": v.rows_accepted, "rows_quarantined": v.rows_quarantined,
                  "rows_superseded": v.rows_superseded}
        # Superseded rows (annual returns) are read but neither accepted nor set aside: named
        # only when there are some, and left out of the base of every share.
        balance = f"read {v.rows_read} = accepted {v.rows_accepted} + quarantined {v.rows_quarantined}"
        meaning = "rows read = accepted + quarantined"
        if v.rows_superseded:
            balance += f" + superseded {v.rows_superseded} (replaced by the same record in a later annual return)"
            meaning += " + superseded"
        rows.append(
            {
                "extract": name, "file": file, "rule_id": ALL_ROWS, "severity": "", "meaning": meaning,
                "rows": v.rows_read, "share_of_rows_percent": 100.0 if v.rows_read else 0.0,
                "new": "", "still_open": "", "fixed": "", "example_fix": "",
                "detail": f"{balance}; {len(v.warnings)} warning(s) on rows kept" + (f"; {notes}" if notes else ""),
                **row_counts,
            }
        )
        findings = v.findings
        rows_per_rule = row_numbers(findings).groupby(findings["rule_id"]).nunique() if not findings.empty else pd.Series(dtype="int64")
        for (extract_name, rule), counts in sorted(by_rule.items()):
            if extract_name != name:
                continue
            count = int(rows_per_rule.get(rule, 0))
            kind = counts["kind"]
            meaning = rules.kinds[kind].meaning if kind in rules.kinds else kind
            action = "row set aside" if counts["severity"] == "error" else "row kept, warning only"
            rows.append(
                {
                    "extract": name, "file": file, "rule_id": rule, "severity": counts["severity"], "meaning": meaning,
                    "rows": count, "share_of_rows_percent": round(100 * count / v.rows_in_use, 2) if v.rows_in_use else 0.0,
                    "new": counts[NEW] if compared else "", "still_open": counts[STILL_OPEN] if compared else "",
                    "fixed": counts[FIXED] if compared else "",
                    "example_fix": rules.fix(kind, counts["column"], file),
                    "detail": action + ("" if compared else "; no earlier month's report to compare with"),
                    **row_counts,
                }
            )
    return rows


def read_record_rows(folder: Path) -> list[dict]:
    """The per-record list written by write_quality_outputs, for the INTERNAL pack only (it holds
    record ids: never put it in anything that leaves the council)."""
    path = Path(folder) / "internal" / "data_quality_records.csv"
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_quality_outputs(
    folder: Path, validated: dict[str, ValidatedExtract], month: str | None = None, previous_month_dir: Path | None = None,
    baseline_file: Path | None = None,
) -> list[dict]:
    """data_quality.csv, internal/quarantine.csv and internal/data_quality_records.csv; returns
    the summary rows (no record ids) for the pack. `month` is accepted for callers that pass it.

    What changed since last month is measured against baseline_file (the previous month's
    findings, as the run record names them), or the findings in previous_month_dir (a month's
    folder: for tests and tools working outside an output folder); neither: no comparison."""
    previous, compared = read_previous_findings(baseline_file or findings_file(previous_month_dir))
    records = record_rows(validated, previous)
    summary = data_quality_rows(validated, records, compared)
    write_csv(Path(folder) / "data_quality.csv", QUALITY_COLUMNS, summary)
    internal = Path(folder) / "internal"
    internal.mkdir(exist_ok=True, mode=0o700)
    quarantine = [r for v in validated.values() for r in v.quarantine_records()]
    write_csv(internal / "quarantine.csv", QUARANTINE_COLUMNS, quarantine)
    write_csv(internal / "data_quality_records.csv", RECORD_COLUMNS, records)
    return summary
