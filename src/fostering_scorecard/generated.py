"""Files generated from config/ and committed: docs/data-contract.md, docs/metrics.md and the
Great Expectations suites in expectations/. Tests fail when a committed copy is stale.

Re-create them after editing config/:  python -m fostering_scorecard.generated
"""

from __future__ import annotations

import sys
from pathlib import Path

from .config import EXPECTATIONS_DIR, PROJECT_ROOT, load_extracts, load_metrics, load_settings
from .validate import suite_json, suite_path

DOCS_DIR = PROJECT_ROOT / "docs"
PERIODS = {
    "fytd": "financial year to date (1 April to the month end)",
    "rolling_12m": "12 months to the month end",
    "month": "the reporting month",
    "snapshot": "on the last day of the month",
}


def data_contract_md() -> str:
    lines = [
        "# Data contract",
        "",
        "<!-- Generated from config/extracts.toml by `python -m fostering_scorecard.generated`; do not edit. -->",
        "",
        "Each month the MIU saves these CSV files in one folder (the *extracts folder*), with a",
        "header line, UTF-8 (Windows-1252 is read too), dates as `dd/mm/YYYY`, blank for no value.",
        "The folder also holds `extract.toml` with the date the extracts were taken:",
        "",
        "```toml",
        "extract_date = 2020-04-05",
        "```",
        "",
        "**Required** columns must be present and filled on every row. **Optional** columns may be",
        "left out of the file altogether. Extra columns are ignored. A missing file or required",
        "column stops the run with a message; a row that breaks a rule is set aside (quarantined)",
        "with its line number and the reason, and the rest of the month goes ahead.",
        "",
        "Row rules, each reported with a rule id `<extract>.<column>.<kind>`:",
        "",
        "| kind | meaning |",
        "|---|---|",
        "| `missing_required` | a required value is blank |",
        "| `bad_date` | not a real date written `dd/mm/YYYY` |",
        "| `bad_number` | not a whole number, or outside the allowed range |",
        "| `bad_code` | not one of the allowed codes |",
        "| `future_date` | after the extract date (or before 1900) |",
        "| `end_before_start` | an end date before the start date it follows |",
        "| `duplicate_key` | repeats the key of an earlier row (the first copy is kept) |",
        "| `wrong_field_count` | the line has more or fewer fields than the header |",
        "",
    ]
    for name, extract in load_extracts().items():
        lines += [f"## `{extract.file}`: {extract.title}", "", extract.description, ""]
        lines += [f"Key: {' + '.join(f'`{k}`' for k in extract.key)} (unique).", ""]
        if extract.date_order:
            order = "; ".join(f"`{end}` not before `{start}`" for start, end in extract.date_order)
            lines += [f"Date order: {order}.", ""]
        lines += ["| column | type | required | allowed values | meaning |", "|---|---|---|---|---|"]
        for c in extract.columns:
            allowed = ", ".join(f"`{code}`" for code in c.codes) if c.codes else ("`Y`, `N`" if c.type == "flag" else "")
            if c.min is not None or c.max is not None:
                allowed = f"{c.min} to {c.max}"
            kind = {"date": "date dd/mm/YYYY", "flag": "Y/N"}.get(c.type, c.type)
            lines.append(f"| `{c.name}` | {kind} | {'required' if c.required else 'optional'} | {allowed} | {c.description} |")
        lines.append("")
    return "\n".join(lines)


def metrics_md() -> str:
    settings = load_settings()
    lines = [
        "# Scorecard indicators",
        "",
        "<!-- Generated from config/metrics.toml by `python -m fostering_scorecard.generated`; do not edit. -->",
        "",
        "Every indicator is computed as at the last day of the reporting month from the full",
        "extract, ignoring anything dated after that day, so a month re-run from a later extract",
        "gives the same figures unless history was corrected. RAG: **Green** target met; **Amber**",
        "within the tolerance (a share of the target); **Red** beyond it; **Not rated** when there",
        "is no target. Status is computed on unrounded values.",
        "",
        "## Placement stability choices",
        "",
        "The DfE does not publish one sentence for every case. This pipeline reads the codes as:",
        "",
        "- a placement starts with the first episode of a period of care and with every later",
        "  episode whose RNE is P or B; L, T and U episodes continue the same placement;",
        "- a period of care starts with RNE S, or whenever the previous episode did not end X1 on",
        "  the day this one started;",
        "- short breaks (legal status V3/V4) are outside every stability measure;",
        f"- temporary placements (T0-T4) are {'counted' if settings.count_temporary_placements else 'not counted, and returning to the same carer after one is not a move'}"
        " (`count_temporary_placements` in config/scorecard.toml);",
        f"- placement for adoption with the current foster carer (A3/A5) is {'a new placement' if settings.adoption_with_current_carer_is_a_move else 'not a new placement'}"
        " (`adoption_with_current_carer_is_a_move`);",
        "- a placement is in the 12-month window if it was open on any day of it, including one",
        "  that ended on the window's first day; a child whose episode ended on the date itself",
        "  is no longer looked after on that date.",
        "",
    ]
    for m in load_metrics():
        lines += [f"## `{m.id}`: {m.title}", "", m.definition, ""]
        lines += ["| | |", "|---|---|"]
        lines.append(f"| area | {m.area} |")
        lines.append(f"| numerator | {m.numerator} |")
        if m.denominator:
            lines.append(f"| denominator | {m.denominator} |")
        lines.append(f"| unit | {m.unit} |")
        lines.append(f"| period | {PERIODS[m.period]} |")
        lines.append(f"| good is | {m.direction} |")
        targets = "; ".join(f"{t.year}: {t.value:g} (amber within {t.tolerance:.0%})" for t in m.targets) or "none set: not rated"
        lines.append(f"| targets | {targets} |")
        if m.period == "fytd" and m.targets:
            lines.append("| compared with | the annual target pro rata to the months elapsed |")
        lines.append(f"| source | {m.source} |")
        lines.append(f"| computed by | `sql/metrics/{m.sql}` |")
        lines.append("")
    return "\n".join(lines)


def expected_files() -> dict[Path, str]:
    files = {DOCS_DIR / "data-contract.md": data_contract_md(), DOCS_DIR / "metrics.md": metrics_md()}
    for extract in load_extracts().values():
        files[suite_path(extract, EXPECTATIONS_DIR)] = suite_json(extract)
    return files


def main() -> int:
    for path, text in expected_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
