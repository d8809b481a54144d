"""The pack as an Excel workbook for analysts, from one audience's view (view.PackView).

Sheets, each holding one Excel table (filter buttons, frozen header row, a name to refer to):

- `Summary`: the heading, the version and any warning (row 3), what changed since last month,
  then a row per indicator in page 1's order (business-plan targets first): value, counts,
  target, status (word and shape, with conditional formatting), the finding, the year-end target
  and the trajectory, changes, benchmark; the key and sources under it;
- `About this version` (a re-issue only): the indicators that moved, before and after;
- one sheet per area: a row per month, a column per indicator (and its target) to chart from;
- `Data quality` and `Rows per extract` (internal pack only): each rule with its reason, count,
  new / still open / fixed and the fix; rows read, accepted and set aside per extract;
- `Data`: the long tidy table to pivot from, one row per indicator and month;
- `Benchmarks`: the DfE figures for England, the region and the statistical neighbours;
- `Breakdowns` (when there are any) and `Definitions`.

Numbers are numbers in their unit's format, percentages Excel percentages, months Excel dates;
headings and labels are plain English, never metric ids, codes or column names. How a cell is
written (and kept from ever being a formula) is in excel_cells.py: every cell goes through its
`put`.

Written with XlsxWriter (excel_cells.Book). Deterministic bytes: the workbook's created/modified
properties are the as-at date and every zip entry has XlsxWriter's fixed date, so the same
numbers give the same file.
"""

from __future__ import annotations

from .excel_cells import (
    UNIT_WORDS,
    Book,
    count,
    day_date,
    measure,
    month_date,
    sheet_name,
    status_formatting,
    text_row,
    typed,
    write_table,
)
from .formatting import is_number, no_value_text
from .notices import ABOUT_VERSION
from .style import HEADER_FILL, WARNING_COLOUR
from .summary import RAG_SHAPES

RAGS = ("Green", "Amber", "Red", "Not rated")
SUMMARY_HEADINGS = [
    "Indicator", "Area", "Business-plan target", "Period", "Value", "Numerator", "Denominator", "Target this month",
    "Status", "Finding", "Year-end target", "Against the trajectory", "Projected at year end", "Good is",
    "Last month", "Change on last month", "Same month last year", "Change on same month last year", "Benchmark (DfE)",
]
SUMMARY_WIDTHS = [46, 20, 11, 20, 12, 12, 12, 12, 26, 60, 11, 24, 11, 16, 12, 24, 12, 24, 44]
DATA_HEADINGS = ["Indicator", "Area", "Month", "Value", "Numerator", "Denominator", "Target", "Status", "Note"]
DATA_WIDTHS = [46, 20, 11, 12, 12, 12, 12, 12, 50]
BENCHMARK_HEADINGS = ["Indicator", "Year to", "{council} (DfE)", "England", "Region", "Region name",
                      "Statistical neighbours (median)", "Neighbours in the median", "Neighbours", "Note"]
BENCHMARK_WIDTHS = [46, 14, 12, 12, 12, 20, 14, 12, 30, 50]
EXTRACT_HEADINGS = ["Extract", "Rows read", "Accepted", "Set aside", "Share set aside", "Replaced by annual returns", "Whole file rejected"]
WHOLE_PERCENT, PERCENT = "0%", "0.0%"


def _percent_point(value, number_format: str):
    """A DfE published percentage (10 = 10%) as an Excel percentage."""
    return typed(value / 100, number_format) if is_number(value) else value


def _change(arrow: str, words: str) -> str:
    return f"{arrow} {words}".strip()


def _summary_sheet(ws, view, tables: set[str]) -> None:
    text_row(ws, 1, view.heading, bold=True, size=14, colour=HEADER_FILL)
    text_row(ws, 2, view.subheading)
    notice = " ".join(t for t in [view.version.cover_text, *view.warnings] if t)
    if notice:  # the version, and any warning, before the figures
        text_row(ws, 3, notice, bold=True, colour=WARNING_COLOUR if view.warnings else HEADER_FILL)
    rows_by_id = {r["metric_id"]: r for r in view.rows}
    # page 1's order (the business-plan targets, then its groups), then any indicator page 1
    # leaves out, in registry order: the sheet has every indicator
    lines = [*view.targets, *(line for group in view.groups for line in group.lines)]
    on_page_1 = {line.metric_id for line in lines}
    lines += [line for line in view.indicators if line.metric_id not in on_page_1]
    table = []
    for line in lines:
        scorecard = rows_by_id.get(line.metric_id, {})
        fy = line.year_target
        table.append([
            line.title, line.area, "yes" if line.has_target else "no", line.period,
            measure(line.unit, line.value_number) if line.value_number is not None else line.value,
            *_counts({"value": line.value_number, "numerator": line.numerator, "denominator": line.denominator}),
            measure(line.unit, line.target_number),
            f"{line.rag_shape} {line.rag_word}", line.finding,
            count(fy.target) if fy else None, fy.position if fy else None,
            count(round(fy.projected)) if fy and fy.projected is not None else None, line.direction,
            measure(line.unit, scorecard.get("last_month_value")), _change(line.month_arrow, line.month_words),
            measure(line.unit, scorecard.get("same_month_last_year_value")), _change(line.year_arrow, line.year_words),
            line.benchmark,
        ])
    # The table right under the heading and notice, so the frozen rows above it stay few.
    first, last = write_table(ws, 5, SUMMARY_HEADINGS, table, tables, SUMMARY_WIDTHS)
    status_formatting(ws, SUMMARY_HEADINGS.index("Status") + 1, first, last, {rag: f"{RAG_SHAPES[rag]} {rag}" for rag in RAGS})
    row = last + 2
    if view.headline:
        text_row(ws, row, "What changed since last month", bold=True)
        for row, sentence in enumerate(view.headline, start=row + 1):
            text_row(ws, row, sentence)
        row += 2
    for row, note in enumerate([*(f"Not shown: {w.title}: {w.reason}." for w in view.withheld), *view.key, *view.footnotes], start=row):
        text_row(ws, row, note)


def _version_sheet(ws, view, tables: set[str]) -> None:
    """A re-issued version: when and why, then each indicator that moved, before and after."""
    text_row(ws, 1, ABOUT_VERSION, bold=True, size=14, colour=HEADER_FILL)
    text_row(ws, 2, view.version.line)
    row = 3
    for warning in view.warnings:
        text_row(ws, row, warning, bold=True, colour=WARNING_COLOUR)
        row += 1
    columns = view.version.moved_columns or ["Indicator"]
    write_table(ws, row + 1, columns, view.version.moved_rows, tables, [46] + [24] * (len(columns) - 1), empty="No indicator moved.")


def _shown(unit: str, point: dict):
    """A history point's value as a cell: the number, `c`, or why there is none (short)."""
    value = point.get("value")
    if value is None:
        return no_value_text(point).split(":")[0]
    return measure(unit, value)


def _area_sheet(ws, page, history_by_metric: dict[str, list[dict]], tables: set[str]) -> None:
    """A row per month, a column per indicator of the area and one for its target (the
    trajectory to date, for a year-to-date count) when it has one."""
    columns, series = [], []
    for line in page.lines:
        points = history_by_metric.get(line.metric_id, [])
        columns.append(line.title)
        series.append((line.unit, points, "value"))
        if any(is_number(p.get("target")) for p in points):
            columns.append(f"{line.title}: {'target to date' if line.year_target else 'target'}")
            series.append((line.unit, points, "target"))
    months = sorted({p["month"] for _unit, points, _field in series for p in points})
    table = []
    for month in months:
        cells = [month_date(month)]
        for unit, points, field in series:
            point = next((p for p in points if p["month"] == month), None)
            if point is None:
                cells.append(None)
            elif field == "value":
                cells.append(_shown(unit, point))
            else:
                cells.append(measure(unit, point.get("target")))
        table.append(cells)
    write_table(ws, 1, ["Month", *columns], table, tables, [11] + [18] * len(columns))
    ws.row_height(1, 60)  # the indicator titles wrap in the header


def _quality_sheets(book: Book, view, used: set[str], tables: set[str]) -> None:
    quality = view.quality
    ws = book.sheet(sheet_name("Data quality", used))
    text_row(ws, 1, "Data quality", bold=True, size=14, colour=HEADER_FILL)
    text_row(ws, 2, quality.summary)
    rules = [[r.file, r.problem, r.outcome, count(r.rows), count(r.new), count(r.still_open), count(r.fixed), r.fix]
             for r in quality.rules]
    write_table(ws, 4, quality.rule_columns, rules, tables, [16, 60, 18, 10, 10, 10, 10, 70], empty="no problem found")
    ws = book.sheet(sheet_name("Rows per extract", used))
    extracts = [[e.file, count(e.rows_read), count(e.rows_accepted), count(e.rows_set_aside),
                 typed(e.rows_set_aside / e.rows_read, PERCENT) if e.rows_read else None,
                 count(e.rows_superseded), "yes" if e.rejected_whole else "no"] for e in quality.extracts]
    write_table(ws, 1, EXTRACT_HEADINGS, extracts, tables, [18, 12, 12, 12, 12, 14, 12])


def _data_sheet(ws, view, tables: set[str]) -> None:
    lines = {line.metric_id: line for line in view.indicators}
    order = {metric_id: i for i, metric_id in enumerate(lines)}
    table = []
    # Indicator by indicator, oldest month first: a filtered indicator reads as its series.
    for point in sorted(view.history, key=lambda p: (order.get(p["metric_id"], len(order)), p["month"])):
        line = lines.get(point["metric_id"])
        if line is None:
            continue
        value = point.get("value")
        note = no_value_text(point) if value is None else (str(point.get("rag_reason") or "") if isinstance(value, str) else None)
        table.append([line.title, line.area, month_date(point["month"]), _shown(line.unit, point) if value is not None else None,
                      *_counts(point), measure(line.unit, point.get("target")), _month_status(point), note])
    first, last = write_table(ws, 1, DATA_HEADINGS, table, tables, DATA_WIDTHS)
    status_formatting(ws, DATA_HEADINGS.index("Status") + 1, first, last, {rag: rag for rag in RAGS})


def _counts(point: dict) -> list:
    """(numerator, denominator) cells. A count's numerator is its value: left blank, so the
    columns hold only what adds something (and a big workbook costs less to write)."""
    numerator, denominator = point.get("numerator"), point.get("denominator")
    if denominator is None and numerator == point.get("value"):
        numerator = None
    return [count(numerator), count(denominator)]


def _month_status(point: dict) -> str | None:
    """A month's status: Green, Amber or Red against its target; Not rated when a figure could
    not be rated (no value, or not shown); blank when the month had no target to rate against."""
    value = point.get("value")
    if value is None or isinstance(value, str):
        return "Not rated"
    rag = point.get("rag")
    if rag in ("Green", "Amber", "Red"):
        return rag
    return "Not rated" if is_number(point.get("target")) else None


def _benchmark_sheet(ws, view, tables: set[str]) -> None:
    titles = {line.metric_id: line.title for line in view.indicators}
    table = [[titles.get(b["metric_id"], ""), day_date(b["year"]), _percent_point(b["council_published"], WHOLE_PERCENT),
              _percent_point(b["england"], WHOLE_PERCENT), _percent_point(b["region"], WHOLE_PERCENT), b["region_name"],
              _percent_point(b["neighbours_median"], PERCENT), count(b["neighbours_used"]), b["neighbours_source"], None]
             for b in view.benchmark_rows]
    shown = {b["metric_id"] for b in view.benchmark_rows}
    for line in view.indicators:  # a benchmarked indicator with no DfE year yet says why
        if line.benchmark.startswith("DfE:") and line.metric_id not in shown:
            table.append([line.title, None, None, None, None, line.region_name, None, None, None, line.benchmark])
    # the council's own column is headed with its name, as DfE's tables do
    headings = [h.format(council=view.council_name) for h in BENCHMARK_HEADINGS]
    write_table(ws, 1, headings, table, tables, BENCHMARK_WIDTHS, empty="no national benchmark")


def _breakdown_sheet(ws, view, tables: set[str]) -> None:
    titles = {line.metric_id: line.title for line in view.indicators}
    table = [[titles.get(b["metric_id"], ""), b["category"], count(b["count"])] for b in view.breakdowns]
    write_table(ws, 1, ["Indicator", "Category", "Count"], table, tables, [46, 40, 10])


def _definitions_sheet(ws, view, tables: set[str]) -> None:
    table = [[line.title, line.area, line.definition, line.period, UNIT_WORDS.get(line.unit, line.unit), line.direction]
             for line in view.indicators]
    write_table(ws, 1, ["Indicator", "Area", "Definition", "Period", "Unit", "Good is"], table, tables, [46, 20, 90, 22, 14, 18])


def add_sheets(book: Book, view) -> None:
    """Every sheet of one audience's workbook, in order."""
    used: set[str] = set()
    tables: set[str] = set()
    _summary_sheet(book.sheet(sheet_name("Summary", used)), view, tables)
    if view.version.reissued:
        _version_sheet(book.sheet(sheet_name(ABOUT_VERSION, used)), view, tables)
    history_by_metric: dict[str, list[dict]] = {}
    for point in view.history:
        history_by_metric.setdefault(point["metric_id"], []).append(point)
    for page in view.pages:
        if page.lines:
            _area_sheet(book.sheet(sheet_name(page.area, used)), page, history_by_metric, tables)
    if view.quality is not None:
        _quality_sheets(book, view, used, tables)
    _data_sheet(book.sheet(sheet_name("Data", used)), view, tables)
    _benchmark_sheet(book.sheet(sheet_name("Benchmarks", used)), view, tables)
    if view.breakdowns:
        _breakdown_sheet(book.sheet(sheet_name("Breakdowns", used)), view, tables)
    _definitions_sheet(book.sheet(sheet_name("Definitions", used)), view, tables)


def workbook_bytes(view) -> bytes:
    """The workbook of one audience's pack, as deterministic bytes."""
    book = Book(view.title, view.as_at)
    add_sheets(book, view)
    return book.bytes()
