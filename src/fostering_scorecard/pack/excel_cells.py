"""How the workbook (excel.py) writes a cell, a table and a status column; openpyxl is imported
inside the functions, when a workbook is made.

- Every cell is written by `put`: numbers as numbers in the number format of their unit (a
  percentage as an Excel percentage: 84.0 is stored 0.84 and shown 84.0%), dates as Excel dates,
  text neutralised against formula injection by tables.spreadsheet_text (the CSVs' rule) and
  stored as text, so no cell is ever a formula (the workbook has none on purpose) or an error
  value, whatever a council's name or a label holds. Text that would read as a number ("1,234",
  "85.5%") is stored as that number instead, so no cell holds text that looks like a number.
- `write_table`: one Excel table with its filter buttons, its header row frozen.
- `status_formatting`: conditional formatting of a status column with the RAG fills that every
  format shares (style.py), keyed on the status word, which the cell always holds as well.
- `fixed_zip`: the same bytes for the same workbook (one timestamp for every zip entry).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import NamedTuple

from ..tables import spreadsheet_text
from .formatting import is_number
from . import style
from .style import HEADER_FILL, RAG_FILL

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
# How each unit of the registry is shown; a percentage is stored as a fraction (0.84 = 84.0%).
UNIT_FORMATS = {"count": "#,##0", "percent": "0.0%", "rate_per_100": "0.0", "days": "0.0", "weeks": "0.0"}
UNIT_WORDS = {"count": "number", "percent": "percentage", "rate_per_100": "rate per 100", "days": "days", "weeks": "weeks"}
COUNT_FORMAT = "#,##0"
MONTH_FORMAT = "mmm yyyy"
DATE_FORMAT = "d mmm yyyy"
TABLE_STYLE = "TableStyleLight1"
WARNING_COLOUR = style.WARNING_COLOUR.lstrip("#")  # openpyxl's colours have no #
# Characters a workbook cannot hold (control characters other than tab and line breaks).
MAX_CELL_TEXT = 32767  # Excel's longest cell text
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_INTEGER = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?\d+\.\d+")
_PERCENT = re.compile(r"(-?\d+(?:\.\d+)?)%")


class Typed(NamedTuple):
    """A value with the number format it is shown in: Typed(0.84, "0.0%")."""

    value: object
    number_format: str | None


def typed(value, number_format: str | None) -> Typed:
    return Typed(value, number_format)


def measure(unit: str, value) -> Typed:
    """A figure of an indicator as a cell: a number in its unit's format (a percentage as a
    fraction), or the text shown instead ("c", why there is no value), or blank."""
    if is_number(value):
        return typed(value / 100 if unit == "percent" else value, UNIT_FORMATS.get(unit, "0.0"))
    return typed(value, None)


def count(value) -> Typed:
    return typed(value, COUNT_FORMAT if is_number(value) else None)


def month_date(month: str) -> Typed:
    """"2025-03" as the Excel date 1 March 2025, shown "Mar 2025"."""
    return typed(dt.date.fromisoformat(month + "-01"), MONTH_FORMAT)


def day_date(value) -> Typed:
    """A date (or its ISO text) as an Excel date, shown "31 Mar 2025"."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return typed(value, DATE_FORMAT)


def hex_colour(colour: str) -> str:
    """A style.py colour as openpyxl writes it: hex digits without the "#"."""
    return colour.lstrip("#")


def _typed(value) -> tuple[object, str | None]:
    """(what a cell holds, the number format it needs, if any). Numbers and dates stay what they
    are; text that reads as a number becomes that number ("1,234" -> 1234, "85.5%" -> 0.855);
    any other text is neutralised (tables.spreadsheet_text) with the characters a workbook
    cannot hold replaced."""
    if value is None or isinstance(value, bool):
        return (None if value is None else str(value)), None
    if is_number(value):
        return value, None
    if isinstance(value, float):  # NaN: nothing to show
        return None, None
    if isinstance(value, dt.datetime):
        return value, DATE_FORMAT
    if isinstance(value, dt.date):
        return value, DATE_FORMAT
    text = str(value)
    plain = text.replace(",", "")
    if _INTEGER.fullmatch(plain):
        return int(plain), COUNT_FORMAT
    if _DECIMAL.fullmatch(plain):
        return float(plain), "0.0"
    percent = _PERCENT.fullmatch(plain)
    if percent:
        return float(percent.group(1)) / 100, "0.0%"
    return _ILLEGAL.sub("\ufffd", spreadsheet_text(text)), None


def cell_value(value):
    """What the cell for value holds (see _typed)."""
    return _typed(value)[0]


def put(ws, row: int, column: int, value, number_format: str | None = None):
    """Write one cell: every cell of the workbook is written here. value may be Typed. Nothing
    is written for None (an empty cell costs as much as a full one to make and save)."""
    if isinstance(value, Typed):
        value, number_format = value.value, value.number_format or number_format
    value, found_format = _typed(value)
    if value is None:
        return None
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        # text, never read as a formula ("=") or an error value ("#N/A"). Set as openpyxl's own
        # setter would (its 32,767-character cut), without its second search for characters
        # a workbook cannot hold (_typed replaced them): a fifth of the workbook's time.
        cell._value, cell.data_type = value[:MAX_CELL_TEXT], "s"
        return cell
    if type(value) in (int, float):
        cell._value, cell.data_type = value, "n"
    else:
        cell.value = value  # a date: openpyxl sets its type
    if number_format or found_format:
        _number_format(cell, number_format or found_format)
    return cell


def _number_format(cell, number_format: str) -> None:
    """cell.number_format = number_format, made once per workbook and format and then copied:
    openpyxl looks the format up in the workbook's list on every assignment, which costs more
    than the rest of writing the cell."""
    from copy import copy

    styles = cell.parent.parent.__dict__.setdefault("_scorecard_number_formats", {})
    if number_format not in styles:
        cell.number_format = number_format
        styles[number_format] = copy(cell._style)
    else:
        cell._style = copy(styles[number_format])


def text_row(ws, row: int, text: str, bold: bool = False, size: int | None = None, colour: str | None = None):
    from openpyxl.styles import Font

    cell = put(ws, row, 1, text)
    if bold or size or colour:
        cell.font = Font(bold=bold, size=size or 11, color=colour)
    return cell


def _unique(headings: list[str]) -> list[str]:
    """An Excel table needs distinct column names (case aside): a repeat gets " (2)"."""
    seen: set[str] = set()
    out = []
    for heading in headings:
        name, n = str(heading).strip() or "Column", 2
        while name.lower() in seen:
            name = f"{heading} ({n})"
            n += 1
        seen.add(name.lower())
        out.append(name)
    return out


def _table_name(title: str, used: set[str]) -> str:
    """A valid, workbook-unique Excel table name from a sheet's title ("Placement stability" ->
    "Placement_stability")."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", title).strip("_") or "Table"
    if not re.match(r"[A-Za-z_]", name) or re.fullmatch(r"[A-Za-z]{1,3}\d+|[RrCc]", name):
        name = "T_" + name  # not a cell reference, not R or C
    base, n = name, 2
    while name.lower() in used:
        name = f"{base}_{n}"
        n += 1
    used.add(name.lower())
    return name


def write_table(ws, top: int, headings: list[str], rows: list[list], table_names: set[str],
                widths: list[float] | None = None, frozen_columns: int = 1, empty: str = "none") -> tuple[int, int]:
    """One Excel table with a filter, its header at row `top`, the rows below it; the panes
    frozen under the header (and left of `frozen_columns`). A table needs a row: with none it
    gets one saying `empty`. Returns (first data row, last data row)."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.filters import AutoFilter
    from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

    headings = _unique(headings)
    for col, heading in enumerate(headings, start=1):
        cell = put(ws, top, col, heading)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=hex_colour(HEADER_FILL))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    rows = rows or [[empty] + [None] * (len(headings) - 1)]
    for i, values in enumerate(rows, start=top + 1):
        for col, value in enumerate(values, start=1):
            put(ws, i, col, value)
    last = top + len(rows)
    ref = f"A{top}:{get_column_letter(len(headings))}{last}"
    table = Table(displayName=_table_name(ws.title, table_names), ref=ref, autoFilter=AutoFilter(ref=ref))
    table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
    # The column names as the header cells hold them (neutralised text). Given here, openpyxl
    # does not read them back from the sheet, which would make every empty cell of the range.
    table.tableColumns = [TableColumn(id=i, name=ws.cell(row=top, column=i).value) for i in range(1, len(headings) + 1)]
    ws.add_table(table)
    ws.freeze_panes = ws.cell(row=top + 1, column=frozen_columns + 1).coordinate
    for col, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    return top + 1, last


def status_formatting(ws, column: int, first: int, last: int, prefixes: dict[str, str]) -> None:
    """Conditional formatting of a status column: each cell beginning with a status's prefix
    ("■ Red", or "Red") gets that status's light fill, the same as the PDF's and the HTML's."""
    from openpyxl.formatting.rule import Rule
    from openpyxl.styles import PatternFill
    from openpyxl.styles.differential import DifferentialStyle
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(column)
    for rag, prefix in prefixes.items():
        colour = hex_colour(RAG_FILL[rag])
        style = DifferentialStyle(fill=PatternFill(fill_type="solid", start_color=colour, end_color=colour))
        rule = Rule(type="beginsWith", operator="beginsWith", text=prefix, dxf=style,
                    formula=[f'LEFT({letter}{first},LEN("{prefix}"))="{prefix}"'])
        ws.conditional_formatting.add(f"{letter}{first}:{letter}{last}", rule)


def fixed_zip(data: bytes, stamp: dt.datetime) -> bytes:
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
