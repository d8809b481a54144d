"""The data-quality outputs: counts per extract and rule (shareable) and the per-row
quarantine list (internal: it holds record ids)."""

from __future__ import annotations

from pathlib import Path

from .tables import write_csv
from .validate import QUARANTINE_COLUMNS, ValidatedExtract

QUALITY_COLUMNS = ["extract", "file", "rule_id", "rows", "detail"]


def data_quality_rows(validated: dict[str, ValidatedExtract]) -> list[dict]:
    """Counts per extract and rule: no record ids, safe to share with source-system owners."""
    rows = []
    for name, v in validated.items():
        rows.append({"extract": name, "file": v.raw.extract.file, "rule_id": "(all rows)", "rows": v.rows_read,
                     "detail": f"read {v.rows_read} = accepted {v.rows_accepted} + quarantined {v.rows_quarantined}"})
        counts = v.quarantine.groupby("rule_id")["line"].nunique().sort_index()
        for rule, count in counts.items():
            example = v.quarantine.loc[v.quarantine["rule_id"] == rule, "kind"].iloc[0]
            rows.append({"extract": name, "file": v.raw.extract.file, "rule_id": rule, "rows": int(count), "detail": example})
    return rows


def write_quality_outputs(folder: Path, validated: dict[str, ValidatedExtract]) -> list[dict]:
    """data_quality.csv and internal/quarantine.csv; returns the summary rows for the pack."""
    summary = data_quality_rows(validated)
    write_csv(folder / "data_quality.csv", QUALITY_COLUMNS, summary)
    (folder / "internal").mkdir(exist_ok=True)
    quarantine = [r for v in validated.values() for r in v.quarantine.to_dict("records")]
    write_csv(folder / "internal" / "quarantine.csv", QUARANTINE_COLUMNS, quarantine)
    return summary
