"""The pack as an Excel workbook for analysts: a summary sheet with RAG formatting (fill, shape
and word), a sheet per area with each chart's data, a tidy data sheet, benchmarks and notes.
openpyxl is imported inside the functions, when a workbook is made.

Deterministic bytes: the workbook's created/modified properties are the as-at date and every
zip entry gets the same timestamp, so the same numbers give the same file.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from .formatting import is_number
from .style import HEADER_FILL, RAG_FILL
from .view import BENCHMARK_COLUMNS, BREAKDOWN_COLUMNS, HISTORY_COLUMNS, PackView

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
SUMMARY_HEADINGS = [
    "Indicator", "Metric id", "Value", "Numerator", "Denominator", "Unit", "Target", "Status", "Good is",
    "Change on last month", "Change on same month last year", "Benchmark (DfE)", "Period",
]


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
    """Numbers stay numbers (analysts sum them); `c`, `x` and text stay text."""
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
    return text


def _header(ws, row: int, headings: list[str]) -> None:
    from openpyxl.styles import Font, PatternFill

    for col, heading in enumerate(headings, start=1):
        cell = ws.cell(row=row, column=col, value=heading)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=_hex(HEADER_FILL))


def _summary_sheet(ws, view: PackView) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    ws["A1"] = view.heading
    ws["A1"].font = Font(bold=True, size=14, color=_hex(HEADER_FILL))
    ws["A2"] = view.subheading
    _header(ws, 4, SUMMARY_HEADINGS)
    rows_by_id = {r["metric_id"]: r for r in view.rows}
    for i, line in enumerate(view.summary, start=5):
        row = rows_by_id[line.metric_id]
        values = [
            line.title, line.metric_id, _cell(row["value"]), _cell(row.get("numerator")), _cell(row.get("denominator")), row.get("unit"),
            _cell(row.get("target")), f"{line.rag_shape} {line.rag_word}", line.direction,
            f"{line.month_arrow} {line.month_words}", f"{line.year_arrow} {line.year_words}", line.benchmark, row.get("period"),
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=i, column=col, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if col in (3, 7) and is_number(value):
                cell.number_format = "0.0" if row.get("unit") == "percent" else "#,##0.##"
        ws.cell(row=i, column=8).fill = PatternFill("solid", fgColor=_hex(RAG_FILL.get(line.rag, RAG_FILL["Not rated"])))
    for col, width in zip("ABCDEFGHIJKLM", [48, 22, 10, 11, 12, 9, 10, 26, 16, 24, 24, 40, 22]):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "C5"
    end = 5 + len(view.summary) + 1
    for j, note in enumerate(view.footnotes):
        ws.cell(row=end + j, column=1, value=note)


def _table_sheet(ws, columns: list[str], rows: list[dict]) -> None:
    _header(ws, 1, columns)
    for i, row in enumerate(rows, start=2):
        for col, name in enumerate(columns, start=1):
            value = row.get(name)
            ws.cell(row=i, column=col, value=value.isoformat() if isinstance(value, dt.date) else _cell(value))
    ws.freeze_panes = "A2"
    for col in range(1, len(columns) + 1):
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = 18


def _area_sheet(ws, area: str, charts) -> None:
    from openpyxl.styles import Font

    ws["A1"] = area
    ws["A1"].font = Font(bold=True, size=14, color=_hex(HEADER_FILL))
    row = 3
    for spec in charts:
        ws.cell(row=row, column=1, value=spec.title).font = Font(bold=True)
        row += 1
        _header(ws, row, spec.table_columns)
        for values in spec.table_rows:
            row += 1
            for col, value in enumerate(values, start=1):
                ws.cell(row=row, column=col, value=_cell(value))
        row += 1
        if spec.note:
            ws.cell(row=row, column=1, value=spec.note)
            row += 1
        row += 1
    ws.column_dimensions["A"].width = 40
    for col in "BCDEF":
        ws.column_dimensions[col].width = 16


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
    for area, charts in view.areas:
        _area_sheet(wb.create_sheet(_sheet_name(area, used)), area, charts)
    _table_sheet(wb.create_sheet(_sheet_name("Data", used)), HISTORY_COLUMNS, view.history)
    _table_sheet(wb.create_sheet(_sheet_name("Benchmarks", used)), BENCHMARK_COLUMNS, view.benchmark_rows)
    if view.breakdowns:
        _table_sheet(wb.create_sheet(_sheet_name("Breakdowns", used)), BREAKDOWN_COLUMNS, view.breakdowns)
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed_zip(buffer.getvalue(), stamp)
