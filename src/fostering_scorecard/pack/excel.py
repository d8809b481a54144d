"""The pack as an Excel workbook for analysts: a summary sheet with RAG formatting (fill, shape
and word), a sheet per area with each chart's data, a tidy data sheet, benchmarks and notes.
openpyxl is imported inside the functions, when a workbook is made.

Every cell is written by _put: numbers as numbers, text neutralised against formula injection by
tables.spreadsheet_text (the CSVs' rule) and stored as text, so no cell is ever a formula (the
workbook has none on purpose) or an error value, whatever a council's name or a label holds.

The summary sheet's third row states the version of the pack and any warning; a re-issued
version also gets an "About this version" sheet listing the indicators that moved.

Deterministic bytes: the workbook's created/modified properties are the as-at date and every
zip entry gets the same timestamp, so the same numbers give the same file.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from ..tables import spreadsheet_text
from .formatting import is_number
from .notices import ABOUT_VERSION
from .style import HEADER_FILL, RAG_FILL
from .view import BENCHMARK_COLUMNS, BREAKDOWN_COLUMNS, HISTORY_COLUMNS, PackView

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
SUMMARY_HEADINGS = [
    "Indicator", "Metric id", "Value", "Numerator", "Denominator", "Unit", "Target", "Status", "Good is",
    "Change on last month", "Change on same month last year", "Benchmark (DfE)", "Period",
]
# Characters a workbook cannot hold (control characters other than tab and line breaks).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _hex(colour: str) -> str:
    """A style.py colour as openpyxl writes it: hex digits without the "#"."""
    return colour.lstrip("#")


def _sheet_name(text: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", text)[:31].strip() or "Sheet"
    base, n = name, 2
    while name.lower() in used:
        suffix = f" {n}"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _cell(value):
    """Numbers stay numbers (analysts sum them), formatted ones too ("1,234"); `c`, `x` and any
    other text stay text, neutralised (tables.spreadsheet_text)."""
    if value is None:
        return None
    if is_number(value):
        return value
    text = str(value)
    plain = text.replace(",", "")
    if re.fullmatch(r"-?\d+", plain):
        return int(plain)
    if re.fullmatch(r"-?\d+\.\d+", plain):
        return float(plain)
    return _ILLEGAL.sub("\ufffd", spreadsheet_text(text))


def _put(ws, row: int, column: int, value):
    """Write one cell: every cell of the workbook is written here."""
    cell = ws.cell(row=row, column=column)
    cell.value = _cell(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"  # text, never read as a formula ("=") or an error value ("#N/A")
    return cell


def _header(ws, row: int, headings: list[str]) -> None:
    from openpyxl.styles import Font, PatternFill

    for col, heading in enumerate(headings, start=1):
        cell = _put(ws, row, col, heading)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=_hex(HEADER_FILL))


def _summary_sheet(ws, view: PackView) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    _put(ws, 1, 1, view.heading).font = Font(bold=True, size=14, color=_hex(HEADER_FILL))
    _put(ws, 2, 1, view.subheading)
    notice = " ".join(t for t in [view.version.cover_text, *view.warnings] if t)
    if notice:  # the version, and any warning, before the figures
        _put(ws, 3, 1, notice).font = Font(bold=True, color="B00020" if view.warnings else _hex(HEADER_FILL))
    _header(ws, 4, SUMMARY_HEADINGS)
    rows_by_id = {r["metric_id"]: r for r in view.rows}
    for i, line in enumerate(view.summary, start=5):
        row = rows_by_id[line.metric_id]
        values = [
            line.title, line.metric_id, line.value if row["value"] is None else row["value"], row.get("numerator"),
            row.get("denominator"), row.get("unit"), row.get("target"), f"{line.rag_shape} {line.rag_word}", line.direction,
            f"{line.month_arrow} {line.month_words}", f"{line.year_arrow} {line.year_words}", line.benchmark, row.get("period"),
        ]
        for col, value in enumerate(values, start=1):
            cell = _put(ws, i, col, value)
            value = cell.value
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if col in (3, 7) and is_number(value):
                cell.number_format = "0.0" if row.get("unit") == "percent" else "#,##0.##"
        ws.cell(row=i, column=8).fill = PatternFill("solid", fgColor=_hex(RAG_FILL.get(line.rag, RAG_FILL["Not rated"])))
    for col, width in zip("ABCDEFGHIJKLM", [48, 22, 10, 11, 12, 9, 10, 26, 16, 24, 24, 40, 22]):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "C5"
    end = 5 + len(view.summary) + 1
    for j, note in enumerate(view.footnotes):
        _put(ws, end + j, 1, note)


def _table_sheet(ws, columns: list[str], rows: list[dict]) -> None:
    _header(ws, 1, columns)
    for i, row in enumerate(rows, start=2):
        for col, name in enumerate(columns, start=1):
            value = row.get(name)
            _put(ws, i, col, value.isoformat() if isinstance(value, dt.date) else value)
    ws.freeze_panes = "A2"
    for col in range(1, len(columns) + 1):
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = 18


def _area_sheet(ws, area: str, charts) -> None:
    from openpyxl.styles import Font

    _put(ws, 1, 1, area).font = Font(bold=True, size=14, color=_hex(HEADER_FILL))
    row = 3
    for spec in charts:
        _put(ws, row, 1, spec.title).font = Font(bold=True)
        row += 1
        _header(ws, row, spec.table_columns)
        for values in spec.table_rows:
            row += 1
            for col, value in enumerate(values, start=1):
                _put(ws, row, col, value)
        row += 1
        if spec.note:
            _put(ws, row, 1, spec.note)
            row += 1
        row += 1
    ws.column_dimensions["A"].width = 40
    for col in "BCDEF":
        ws.column_dimensions[col].width = 16


def _version_sheet(ws, view: PackView) -> None:
    """A re-issued version: when and why, then each indicator that moved, before and after."""
    from openpyxl.styles import Font

    _put(ws, 1, 1, ABOUT_VERSION).font = Font(bold=True, size=14, color=_hex(HEADER_FILL))
    _put(ws, 2, 1, view.version.line)
    row = 3
    for warning in view.warnings:
        _put(ws, row, 1, warning).font = Font(bold=True, color="B00020")
        row += 1
    row += 1
    _put(ws, row, 1, "Indicators that moved" if view.version.moved_rows else "No indicator moved.").font = Font(bold=True)
    if view.version.moved_rows:
        _header(ws, row + 1, view.version.moved_columns)
        for i, values in enumerate(view.version.moved_rows, start=row + 2):
            for col, value in enumerate(values, start=1):
                _put(ws, i, col, value)
    ws.column_dimensions["A"].width = 48
    for col in "BCDE":
        ws.column_dimensions[col].width = 22


def _fixed_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """Rewrite the xlsx zip with one fixed timestamp for every entry, and the modified date in
    docProps/core.xml (openpyxl sets it to the time of saving) set to the as-at date."""
    fixed_modified = f"<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{stamp:%Y-%m-%dT%H:%M:%SZ}</dcterms:modified>".encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", fixed_modified, content)
            target.writestr(entry, content)
    return out.getvalue()


def workbook_bytes(view: PackView) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    stamp = dt.datetime.combine(view.as_at, dt.time())
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "fostering_scorecard"
    wb.properties.lastModifiedBy = "fostering_scorecard"
    wb.properties.title = f"{view.heading} ({view.audience})"
    used: set[str] = set()
    summary = wb.active
    summary.title = _sheet_name("Summary", used)
    _summary_sheet(summary, view)
    if view.version.reissued:
        _version_sheet(wb.create_sheet(_sheet_name(ABOUT_VERSION, used)), view)
    for area, charts in view.areas:
        _area_sheet(wb.create_sheet(_sheet_name(area, used)), area, charts)
    _table_sheet(wb.create_sheet(_sheet_name("Data", used)), HISTORY_COLUMNS, view.history)
    _table_sheet(wb.create_sheet(_sheet_name("Benchmarks", used)), BENCHMARK_COLUMNS, view.benchmark_rows)
    if view.breakdowns:
        _table_sheet(wb.create_sheet(_sheet_name("Breakdowns", used)), BREAKDOWN_COLUMNS, view.breakdowns)
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed_zip(buffer.getvalue(), stamp)
