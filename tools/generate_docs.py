"""Files generated from the tool's national definitions and committed: docs/data-contract.md,
docs/metrics.md and the Great Expectations suites in expectations/. A test fails when a
committed copy is stale (tests/test_generated_files.py).

Re-create them after editing src/fostering_scorecard/national/ or the SQL under sql/ (what each
indicator reads and how far back comes from its SQL):

    python tools/generate_docs.py

They document the national definitions only, the same for every council: nothing here reads a
council's project. docs/metrics.md says where a council sets its targets and options instead.

One piece, though long: it is mostly the prose of the two pages, one function per section in
page order, so a reader finds a page's text where the page has it.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from fostering_scorecard import definitions, models, periods, resources
from fostering_scorecard.validation import load_rules, suite_json, suite_path

COMMAND = "python tools/generate_docs.py"
# The SSDA903 collection year whose code lists the contract follows (checked against the DfE's
# guide for that year); docs/data-contract.md says so.
CODE_LISTS_YEAR = "2024 to 2025"
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
# The as-at date the look-backs are worked out for: a month end whose windows all start on
# different days (at 31 March the financial year and the 12 months both start on 1 April).
EXAMPLE_AS_AT = dt.date(2020, 9, 30)


def repository() -> Path:
    """The repository this script belongs to (tools/ is at its top)."""
    return Path(__file__).resolve().parents[1]


def contract_options() -> dict:
    """The contract as written (keys the definitions do not carry: coverage, labels, files)."""
    return definitions.read_toml(resources.national_file("extracts.toml"))


def data_contract_md() -> str:
    lines = [
        "# Data contract",
        "",
        f"<!-- Generated from src/fostering_scorecard/national/extracts.toml by `{COMMAND}`; do not edit. -->",
        "",
        "Each month the MIU saves these CSV files in one folder (the *extracts folder*), with a",
        "header line, UTF-8 (other encodings and separators are read too: *Reading the files*",
        "below), dates as `dd/mm/YYYY`, blank for no value.",
        "The folder also holds `extract.toml` with the date the extracts were taken:",
        "",
        "```toml",
        "extract_date = 2020-04-05",
        "```",
        "",
        "**Required** columns must be present and filled on every row. **Optional** columns may be",
        "left out of the file altogether. Extra columns are ignored. A missing required file or",
        "column stops the run with a message (an optional file, below, may be left out: its",
        "indicators then read \"no data\"); a row that breaks a rule is set aside (quarantined)",
        "with its line number and the reason, and the rest of the month goes ahead.",
        "",
        f"The SSDA903 code lists (header and episodes) are those of the {CODE_LISTS_YEAR} collection",
        "year, which still accept every code found in earlier years' returns (for example `K3` is",
        "in the placement types; `SEX` takes `1`/`2` as returned up to 2023-24 and `M`/`F`/`U` as",
        "returned from 2024-25). Codes are shown to readers by their labels (end of this page).",
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
        "Checks across records and extracts (one SQL query each in `sql/checks/`). A check that",
        "looks up an extract the council did not supply is not run:",
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
        *reading_the_files_md(),
        "## Coverage: what period the extracts can support",
        "",
        "Each extract's coverage is the first and last date of its main date columns over the",
        "rows accepted, and the month its history is complete from: the month of its earliest",
        "`complete from` date (below), or else of its earliest main date. The run refuses a month",
        "before the month the episodes' history starts, and names the first month it can report;",
        "an indicator whose window reaches further back than an extract it reads reads",
        "\"insufficient history\" (docs/metrics.md).",
        "",
        "| file | main dates | complete from | optional file | rows every month |",
        "|---|---|---|---|---|",
    ]
    raw = contract_options()
    for name, extract in definitions.load().extracts.items():
        spec = raw["extracts"][name]
        dates = ", ".join(f"`{c}`" for c in spec.get("coverage_dates", [])) or "none"
        complete = f"`{spec['complete_from']}`" if spec.get("complete_from") else "the earliest main date"
        optional = "no" if extract.required else "yes: leave it out, its indicators read \"no data\""
        every_month = "yes: none in a period is missing data, not 0" if spec.get("rows_every_month") else "no"
        lines.append(f"| `{extract.file}` | {dates} | {complete} | {optional} | {every_month} |")
    lines.append("")
    for extract in definitions.load().extracts.values():
        lines += [f"## `{extract.file}`: {extract.title}", "", extract.description, ""]
        if extract.annual_returns:
            stem = extract.file.removesuffix(".csv")
            lines += [
                f"May also be supplied as one file per SSDA903 collection year, named like `{stem}_2019-20.csv`",
                "(the returns the council already keeps); rows repeated across returns are reconciled,",
                "the latest return winning (*Reading the files*, above).",
                "",
            ]
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
    lines += ["## Labels", "", "The plain words shown for codes (breakdowns in the pack use them).", ""]
    for (extract, column), labels in models.code_labels().items():
        lines += [f"`{extract}.{column}`:", "", "| code | label |", "|---|---|"]
        lines += [f"| `{code}` | {label} |" for code, label in labels.items()]
        lines.append("")
    return "\n".join(lines)


def reading_the_files_md() -> list[str]:
    """How the files are found and read (ingest/: files.py, annual.py, sniff.py, missing.py),
    with the contract's [reading] rules and which extracts are optional or annual returns."""
    national = definitions.load()
    reading, extracts = national.reading, national.extracts.values()
    required = " and ".join(f"`{e.file}`" for e in extracts if e.required)
    optional = ", ".join(f"`{e.file}`" for e in extracts if not e.required)
    annual = [e.file.removesuffix(".csv") for e in extracts if e.annual_returns]
    same_record = "; ".join(
        "the same " + " and ".join(f"`{k}`" for k in e.key) + f" in `{e.file}`" for e in extracts if e.annual_returns
    )
    annual_files = " and ".join(f"`{stem}.csv`" for stem in annual)
    examples = ", ".join(f"`{stem}_2019-20.csv`" for stem in annual)
    prefixes = " or ".join(f"`{stem}_...csv`" for stem in annual)
    everywhere = ", ".join(f"`{v}`" for v in reading.missing_values)
    where_coded = ", ".join(f"`{v}`" for v in reading.missing_values_where_coded)
    return [
        "## Reading the files",
        "",
        f"- **Which files.** {required} are required;",
        f"  {optional} may be left out",
        "  (a council with only its SSDA903 return supplies the first two): an extract left out",
        "  reads as empty and the indicators that need it read \"no data\". A file that is supplied",
        "  but empty (not even a header line) stops the run; a file with only its header line has",
        "  no rows.",
        f"- **Annual returns.** {annual_files} may also be supplied as the council keeps",
        "  them, one file per SSDA903 collection year, named",
        f"  {examples} (the year written YYYY-YY after",
        "  the file's name, or after the name a column mapping gives it), beside or instead of the",
        "  plain file. The files are taken oldest first, then the plain file (the current extract).",
        "  A record in several (its key:",
        f"  {same_record}; dates compared as dates)",
        "  is taken from the latest; the copies it replaces are",
        "  *superseded*: counted in the data-quality report (rows read = accepted + set aside +",
        "  superseded) and used nowhere else. A row with part of its key blank cannot be matched,",
        "  so it is never superseded. Each finding names the file and line its row came from. Any",
        f"  other file named {prefixes} without a collection year stops the run.",
        "- **Where.** Every file is read from the extracts folder itself: a file name in a column",
        "  mapping is a name, not a path, and a file (or `extract.toml`) that is a link to a file",
        "  outside the folder is refused. A column mapping is named in `extract.toml` by its name",
        "  (`mapping = \"mosaic\"`) and read from the project's `mappings/` folder only.",
        "- **Encodings.** UTF-8 (with or without a byte-order mark), Windows-1252 (Excel's \"CSV",
        "  (Comma delimited)\", read when the file is not valid UTF-8) and UTF-16 (Excel's \"Unicode",
        "  text\", with or without a byte-order mark) are read; null bytes (from broken exports) are",
        "  removed. The data-quality report notes which.",
        "- **Separators.** Fields separated by commas, semicolons, tabs or pipes are read: the",
        "  separator is the one the header line holds most of (a comma when there is a tie).",
        "- **Not a CSV file.** An Excel workbook (.xlsx or .xls), an OpenDocument spreadsheet, a PDF,",
        "  an image, an archive or a web page saved under a `.csv` name stops the run with a message",
        "  saying what it is and how to save it as CSV UTF-8.",
        "- **No value.** An empty cell is no value; so is a cell holding",
        f"  {everywhere}",
        "  (as written, in capitals, in small letters or with a capital first letter; spaces around",
        f"  ignored), in every column; and {where_coded} only in dates, whole numbers, Y/N flags and",
        "  columns with a code list (in a free-text column, such as an id, a team or a course, it",
        "  may be a real value). A spelling that is one of a column's codes is never read as blank",
        "  there. A required column holding one of them is reported as missing (`missing_required`).",
        "- **Messages.** A problem with a whole file names the file, the line where there is one, and",
        "  the fix, and never quotes a value from the file: a file without its header line is",
        "  reported as such, without showing the record in its place.",
        "",
    ]


def stability_rules_md(count_temporary: bool, adoption_is_a_move: bool) -> list[str]:
    """The placement stability rules and their worked examples (tests/test_stability_rules.py
    holds the same examples, with their numbers)."""
    return [
        "## Placement stability: the rules",
        "",
        "The DfE does not publish one sentence for every case. This pipeline reads the codes as",
        "below; the rules are written once, in `sql/intermediate/int_care_episodes.sql` (periods",
        "of care) and `sql/intermediate/int_placement_episodes.sql` (placements), and the three",
        "measures count children from `int_stability_children.sql`. Two of the choices are",
        "options: this page states their national defaults (`[council_defaults.stability]` in the",
        "package's `national/settings.toml`), and a project may change them under `[stability]` in",
        "its `scorecard.toml`.",
        "",
        "1. **Short breaks are outside every measure, completely.** Episodes with legal status V3",
        "   or V4 (an agreed series of short breaks) are taken out before anything else: a child",
        "   whose open episode is a short break is not looked after for these measures, time on",
        "   short breaks is not care, and no placement starts on one.",
        "2. **Periods of care** (for \"looked after continuously\"): a period starts with the child's",
        "   first episode, with RNE S, and after any break between two episodes: the one before",
        "   did not end X1, or did not end on the day this one started (a gap, including time on",
        "   short breaks). Temporary placements are care and never break a period.",
        "3. **Placements.** Short breaks are left out, and temporary placements (T0-T4) are "
        + ("counted" if count_temporary else "left out"),
        f"   (national default: `count_temporary_placements = {str(count_temporary).lower()}`; a project may change it).",
        "   Of the remaining episodes, the child's first starts a placement, and a later one starts",
        "   a placement when its RNE is S, P or B; L, T and U (same carer) do not.",
        "4. **Placed for adoption with the current foster carer** (A3/A5) is "
        + ("a new placement when its RNE says so" if adoption_is_a_move else "never a new placement, whatever"),
        "   " + ("" if adoption_is_a_move else "its RNE says ")
        + f"(national default: `adoption_with_current_carer_is_a_move = {str(adoption_is_a_move).lower()}`;",
        "   a project may change it). An A3/A5 episode with RNE other than S, T or U is still",
        "   flagged (`episodes.RNE.adoption_rne`).",
        "5. **After episodes that were left out**, the RNE compares with the episode just before,",
        "   which is not counted. There an episode starts a placement when the carer changed on",
        "   the way (its RNE, or the RNE of a left-out episode, is S, P or B) and it does not",
        "   return to the carer of the last counted episode (same placement type, provider,",
        "   household id, URN and placement postcode). A move recorded on a short-break episode",
        "   therefore does not hide inside a \"same carer\" run, and coming back to the same carer",
        "   after a temporary placement or short breaks is not a move.",
        "6. **Placements in a window** (12 months, 2 years): the placement of the child's first",
        "   counted episode in the window, plus every later counted episode that starts one. An",
        "   episode is in the window when it started by the date and had not ended before the",
        "   window's first day (one that ended on that day counts). A child whose episode ended on",
        "   the date itself is no longer looked after on that date.",
        "7. **Same carer for 2 years** (long-term): the child's current placement (the latest",
        "   started by the date) started 2 years before the date at the latest.",
        "",
        "Worked examples (each is a test in `tests/test_stability_rules.py`):",
        "",
        "- *From full care to short breaks and back*: S (carer X) to V4 short breaks for six",
        "  months, then back in full care with a new carer (RNE P). The short breaks are left out;",
        "  the return starts a new period of care (so the child is not looked after continuously",
        "  across the short breaks) and a new placement: 2 placements.",
        "- *A move recorded on a short break*: with carer X, then a V4 episode with RNE P (carer",
        "  Y), then full care with Y coded RNE T (same carer as the short break). The T episode",
        "  starts a placement: the carer changed on the way. Taking the V4 episode out without this",
        "  rule would have hidden the move in X's run.",
        "- *Back to the same carer after short breaks, coded L*: with carer X, short breaks (V4,",
        "  RNE L), then full care with X again (RNE L). No carer change anywhere: still X's",
        "  placement; the period of care restarts after the short breaks.",
        "- *A temporary placement*: with carer X, a fortnight's T3 while X is on holiday, then",
        "  back with X coded RNE P. The T3 is left out and the return is to the same carer: 1",
        "  placement (3 if temporary placements are counted: X, the T3 carer, X).",
        "- *Placed for adoption with the current carer*: S with carer X, then A5 with X coded RNE P",
        "  (wrongly): 1 placement, and the episode is flagged.",
        "",
    ]


def data_support_md() -> list[str]:
    return [
        "## Figures the data cannot support",
        "",
        "An indicator reads the extracts its SQL reads (listed as *needs* below, found from the",
        "SQL) and looks back to the day its SQL reports (*reads back*). Given the extracts'",
        "coverage (docs/data-contract.md, \"Coverage\"), an indicator has no value, status",
        "**Not rated** and the reason, never a number, when:",
        "",
        "- an extract it needs was not supplied: *no data: carers.csv not supplied* (a council",
        "  with only its SSDA903 return still gets the stability, unplanned-endings and",
        "  where-children-live indicators);",
        "- an extract it needs has no rows at all: *no data: carers.csv has no rows*;",
        "- an extract whose rows arrive every month in any council (enquiries, training) has none",
        "  dated in or after the period the figure reads: *no data: no rows of enquiries.csv dated",
        "  from April 2019* (0 would mislead: the extract stops before the period). Allegations",
        "  are rare: a month or a year without one is a true 0;",
        "- it reads back to before an extract's history starts: *insufficient history: the figure",
        "  reads from September 2017; episodes.csv covers from April 2018* (a 12-month, 2-year,",
        "  2.5-year or financial-year window that the data does not fully cover).",
        "",
        "The first month that can be reported is the month the episodes' history starts; the run",
        "refuses an earlier month and names that first month.",
        "",
    ]


def look_backs() -> dict[str, str]:
    """Metric id -> how far back its figure reads, in words, from the SQL's reads_from (the
    metric files run on empty extracts for one month end)."""
    tables = {}
    for name, extract in definitions.load().extracts.items():
        dtypes = {"date": "datetime64[us]", "integer": "Int64"}
        tables[name] = pd.DataFrame({"_line": pd.Series(dtype="int64"),
                                     **{c.name: pd.Series(dtype=dtypes.get(c.type, "object")) for c in extract.columns}})
    stability = definitions.load().council_defaults["stability"]
    con = models.open_models(tables, SimpleNamespace(**stability))
    try:
        models.build_dates(con, [EXAMPLE_AS_AT])
        reads_from = {}
        for sql_file in dict.fromkeys(m.sql for m in definitions.load().metrics):
            for metric_id, row in models.run_metric_sql(con, sql_file)[EXAMPLE_AS_AT].items():
                reads_from[metric_id] = row[3]
    finally:
        con.close()
    return {metric_id: _look_back_words(day) for metric_id, day in reads_from.items()}


def _look_back_words(day: dt.date) -> str:
    starts = periods.reporting_dates(EXAMPLE_AS_AT)
    named = {
        starts.as_at: "the date itself",
        starts.month_start: "the first day of the month",
        starts.financial_year_start: "1 April (the financial year to date)",
        starts.window_12m_start: "the first day of the 12 months to the date",
        starts.window_2y_start: "the first day of the 2 years to the date",
    }
    if day in named:
        return named[day]
    months = (EXAMPLE_AS_AT.year - day.year) * 12 + EXAMPLE_AS_AT.month - day.month
    return f"{months} months before the date"


def metrics_md() -> str:
    national = definitions.load()
    stability, pack = national.council_defaults["stability"], national.council_defaults["pack"]
    count_temporary = stability["count_temporary_placements"]
    adoption_is_a_move = stability["adoption_with_current_carer_is_a_move"]
    files = {name: extract.file for name, extract in national.extracts.items()}
    reads_back = look_backs()
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
        "A breakdown adds up to its indicator: a count's breakdown to the count, a share's",
        "breakdown to its denominator (the whole the share is taken of). Categories are shown in",
        "plain words (the labels of docs/data-contract.md), never as codes.",
        "",
        *stability_rules_md(count_temporary, adoption_is_a_move),
        *data_support_md(),
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
        lines.append(f"| needs | {', '.join(f'`{files[name]}`' for name in models.extracts_read(m.sql))} |")
        lines.append(f"| reads back | {reads_back[m.id]} |")
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
