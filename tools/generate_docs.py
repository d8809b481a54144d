"""Files generated from the tool's national definitions and committed: docs/data-contract.md,
docs/metrics.md and the Great Expectations suites in expectations/. A test fails when a
committed copy is stale (tests/test_generated_files.py).

Re-create them after editing src/fostering_scorecard/national/:

    python tools/generate_docs.py

They document the national definitions only, the same for every council: nothing here reads a
council's project. docs/metrics.md says where a council sets its targets and options instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fostering_scorecard import definitions
from fostering_scorecard.validation import load_rules, suite_json, suite_path

COMMAND = "python tools/generate_docs.py"
PERIODS = {
    "fytd": "financial year to date (1 April to the month end)",
    "rolling_12m": "12 months to the month end",
    "month": "the reporting month",
    "snapshot": "on the last day of the month",
}
UNITS = {
    "count": "count",
    "percent": "percentage: numerator / denominator x 100",
    "rate_per_100": "rate per 100: numerator / denominator x 100",
    "weeks": "median weeks (denominator: cases measured)",
    "days": "median days (denominator: cases measured)",
}
DIRECTIONS = {"higher": "higher", "lower": "lower", "neutral": "neither (shown as up or down)"}


def repository() -> Path:
    """The repository this script belongs to (tools/ is at its top)."""
    return Path(__file__).resolve().parents[1]


def data_contract_md() -> str:
    lines = [
        "# Data contract",
        "",
        f"<!-- Generated from src/fostering_scorecard/national/extracts.toml by `{COMMAND}`; do not edit. -->",
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
        "Row rules, each reported with a rule id `<extract>.<column>.<kind>`. An **error** sets the",
        "row aside (quarantine); a **warning** keeps the row and reports it (docs/data-quality.md):",
        "",
        "| kind | severity | meaning |",
        "|---|---|---|",
    ]
    rules = load_rules()
    lines += [f"| `{k.kind}` | {k.severity} | {k.meaning} |" for k in rules.kinds.values()]
    lines += [
        "",
        "Checks across records and extracts (one SQL query each in `sql/checks/`):",
        "",
        "| rule id | severity | query |",
        "|---|---|---|",
    ]
    lines += [f"| `{c.rule_id}` | {c.severity} | `sql/checks/{c.sql}` |" for c in rules.checks]
    lines += [
        "",
        "A council whose system names columns differently, or writes dates another way, adds a",
        "column mapping in its project's `mappings/` folder and names it in `extract.toml`",
        "(`mapping = \"name\"`); see docs/data-quality.md.",
        "",
    ]
    for name, extract in definitions.load().extracts.items():
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
            options = rules.column_options.get((name, c.name), {})
            required = "required" if c.required else (f"when `{options['required_when']}` is filled" if options.get("required_when") else "optional")
            if options.get("severity") == "warning":
                required += " (bad values warn only)"
            lines.append(f"| `{c.name}` | {kind} | {required} | {allowed} | {c.description} |")
        lines.append("")
    return "\n".join(lines)


def metrics_md() -> str:
    national = definitions.load()
    stability, pack = national.council_defaults["stability"], national.council_defaults["pack"]
    count_temporary = stability["count_temporary_placements"]
    adoption_is_a_move = stability["adoption_with_current_carer_is_a_move"]
    lines = [
        "# Scorecard indicators",
        "",
        f"<!-- Generated from src/fostering_scorecard/national/metrics.toml by `{COMMAND}`; do not edit. -->",
        "",
        "Every indicator is computed as at the last day of the reporting month from the full",
        "extract, ignoring anything dated after that day, so a month re-run from a later extract",
        "gives the same figures unless history was corrected. RAG: **Green** target met; **Amber**",
        "within the tolerance (a share of the target); **Red** beyond it; **Not rated** when there",
        "is no target or no value. Status is computed on unrounded values. A financial-year-to-date",
        "count is compared with its annual target pro rata to the months elapsed (September is",
        "6/12 of the year's target). Changes smaller than "
        f"{pack['no_material_change_points']:g} percentage points (percentages) or "
        f"{pack['no_material_change_relative']:.0%} of the previous value (at least 1, other units)"
        " are described as no material change (the national defaults; a project may change them:"
        " `no_material_change_points` and `no_material_change_relative` under `[pack]` in its"
        " `scorecard.toml`).",
        "",
        "The definitions below are national: the same for every council. Targets and tolerances",
        "are a council's own: each council sets them per financial year in its project's",
        "`targets.toml` (an indicator without a target there is not rated). The bundled sample",
        "council's targets are in `data/sample/targets.toml`.",
        "",
        "## Placement stability choices",
        "",
        "The DfE does not publish one sentence for every case. This pipeline reads the codes as",
        "below. Two of the choices are options: this page states their national defaults",
        "(`[council_defaults.stability]` in the package's `national/settings.toml`), and a project",
        "may change them under `[stability]` in its `scorecard.toml`.",
        "",
        "- a placement starts with the first episode of a period of care and with every later",
        "  episode whose RNE is P or B; L, T and U episodes continue the same placement;",
        "- a period of care starts with RNE S, or whenever the previous episode did not end X1 on",
        "  the day this one started;",
        "- short breaks (legal status V3/V4) are outside every stability measure;",
        f"- temporary placements (T0-T4) are {'counted' if count_temporary else 'not counted, and returning to the same carer after one is not a move'}"
        f" (national default: `count_temporary_placements = {str(count_temporary).lower()}`; a project may change it);",
        f"- placement for adoption with the current foster carer (A3/A5) is {'a new placement' if adoption_is_a_move else 'not a new placement'}"
        f" (national default: `adoption_with_current_carer_is_a_move = {str(adoption_is_a_move).lower()}`; a project may change it);",
        "- a placement is in the 12-month window if it was open on any day of it, including one",
        "  that ended on the window's first day; a child whose episode ended on the date itself",
        "  is no longer looked after on that date;",
        "- \"same carer\" is judged from the episode codes (RNE), not from carer ids; a return",
        "  after a temporary placement is recognised by the same placement type, provider,",
        "  household id, URN and placement postcode as before it.",
        "",
        "## Indicators",
        "",
        "| id | title | area | unit | good is |",
        "|---|---|---|---|---|",
    ]
    for m in national.metrics:
        lines.append(f"| [`{m.id}`](#{m.id.replace('_', '-')}) | {m.title} | {m.area} | {m.unit} | {m.direction} |")
    lines.append("")
    for m in national.metrics:
        lines += [f"### {m.id}", "", f"**{m.title}.** {m.definition}", ""]
        lines += ["| | |", "|---|---|"]
        lines.append(f"| area | {m.area} |")
        lines.append(f"| numerator | {m.numerator} |")
        if m.denominator:
            lines.append(f"| denominator | {m.denominator} |")
        lines.append(f"| unit | {UNITS[m.unit]} |")
        lines.append(f"| period | {PERIODS[m.period]} |")
        lines.append(f"| good is | {DIRECTIONS[m.direction]} |")
        if m.period == "fytd":
            lines.append("| compared with | the council's annual target pro rata to the months elapsed |")
        if m.benchmark:
            lines.append(f"| benchmark | `{m.benchmark}` (DfE, see docs/pack.md) |")
        if m.breakdown:
            lines.append(f"| breakdown | `sql/breakdowns/{m.breakdown}` |")
        if m.extract_date_only:
            lines.append("| history | known only at the extract date: earlier months show no value |")
        lines.append(f"| source | {m.source} |")
        lines.append(f"| computed by | `sql/metrics/{m.sql}` |")
        lines.append("")
    return "\n".join(lines)


def expected_files(root: Path | None = None) -> dict[Path, str]:
    """Every generated file under the repository `root`, with the text it should have."""
    root = root or repository()
    files = {root / "docs" / "data-contract.md": data_contract_md(), root / "docs" / "metrics.md": metrics_md()}
    for extract in definitions.load().extracts.values():
        files[suite_path(extract, root / "expectations")] = suite_json(extract)
    return files


def main() -> int:
    root = repository()
    for path, text in expected_files(root).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
