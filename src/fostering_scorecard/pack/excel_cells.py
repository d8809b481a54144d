"""How a workbook (excel.py, and the region's in region/render.py) is written: the book, a cell, a
table and a status column, with XlsxWriter (imported when a workbook is made). Rows and columns
are counted from 1, as Excel shows them.

- `Book`: one workbook, made in memory. XlsxWriter's own guesses are off (no text is ever turned
  into a formula, a link or a number by it); its document properties are dated the as-at date;
  each cell format is made once per workbook and reused.
- Every cell is written by `put` (a table's header row, always text, by `write_table`):
  numbers as numbers in the number format of their unit (a percentage as an Excel percentage:
  84.0 is stored 0.84 and shown 84.0%), dates as Excel dates, text neutralised against formula
  injection by tables.spreadsheet_text (the CSVs' rule) and written as text (write_string), so
  no cell is ever a formula (the workbook has none on purpose) or an error value, whatever a
  council's name or a label holds. Text that would read as a number ("1,234", "85.5%") is
  stored as that number instead, so no cell holds text that looks like a number.
- `write_table`: one Excel table with its filter buttons, its header row frozen.
- `status_formatting`: conditional formatting of a status column with the RAG fills that every
  format shares (style.py), keyed on the status word, which the cell always holds as well.

Deterministic bytes: XlsxWriter dates every zip entry 1 January 1980 when it writes in memory, and
the created and modified dates it writes are the one it is given (the as-at date): nothing in the
file depends on the time, the time zone or the locale of the run.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import string
from typing import NamedTuple

from ..tables import spreadsheet_text
from .formatting import is_number
from .style import HEADER_FILL, RAG_FILL

AUTHOR = "fostering_scorecard"
# XlsxWriter guesses nothing: text stays text (put chooses write_string, write_number or
# write_datetime for every cell); made in memory, so no temporary file and fixed zip dates.
WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                    "remove_timezone": True}
# How each unit of the registry is shown; a percentage is stored as a fraction (0.84 = 84.0%).
UNIT_FORMATS = {"count": "#,##0", "percent": "0.0%", "rate_per_100": "0.0", "days": "0.0", "weeks": "0.0"}
UNIT_WORDS = {"count": "number", "percent": "percentage", "rate_per_100": "rate per 100", "days": "days", "weeks": "weeks"}
COUNT_FORMAT = "#,##0"
MONTH_FORMAT = "mmm yyyy"
DATE_FORMAT = "d mmm yyyy"
TABLE_STYLE = "TableStyleLight1"
HEADING_LOOK = {"bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_FILL, "pattern": 1, "text_wrap": True, "valign": "top"}
# A column's width in the file is in characters of the default font's widest digit, 7 pixels
# of Calibri 11: given in pixels, a width of 46 is stored 46, as the workbook always had it.
DIGIT_PIXELS = 7
MAX_CELL_TEXT = 32767  # Excel's longest cell text
MAX_SHEET_NAME = 31  # Excel's longest sheet name, in UTF-16 units
# Characters a workbook cannot hold (control characters other than tab and line breaks).
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


class Book:
    """One workbook being written, in memory: its sheets and its formats (each made once)."""

    def __init__(self, title: str, as_at: dt.date) -> None:
        import xlsxwriter

        self._buffer = io.BytesIO()
        self._workbook = xlsxwriter.Workbook(self._buffer, WORKBOOK_OPTIONS)
        # created is also written as the modified date; a datetime, or XlsxWriter takes the time now
        self._workbook.set_properties({"title": title, "author": AUTHOR, "created": dt.datetime.combine(as_at, dt.time())})
        self._formats: dict[tuple, object] = {}

    def sheet(self, name: str) -> Sheet:
        """A new sheet, after the others (name: one Excel accepts, see sheet_name)."""
        return Sheet(self, self._workbook.add_worksheet(name))

    def format(self, key: tuple):
        """The workbook's format for key (see look()), made on first use: one format per look,
        however many cells share it."""
        found = self._formats.get(key)
        if found is None:
            found = self._formats[key] = self._workbook.add_format(dict(key))
        return found

    def bytes(self) -> bytes:
        """The finished workbook (the book can be written to no more)."""
        self._workbook.close()
        return self._buffer.getvalue()


class Sheet:
    """One worksheet of a Book."""

    def __init__(self, book: Book, worksheet) -> None:
        self.book, self.worksheet = book, worksheet

    @property
    def title(self) -> str:
        return self.worksheet.name

    def row_height(self, row: int, points: float) -> None:
        self.worksheet.set_row(row - 1, points)

    def column_width(self, column: int, characters: float) -> None:
        pixels = round(characters * DIGIT_PIXELS)
        self.worksheet.set_column_pixels(column - 1, column - 1, pixels)


def look(**properties) -> tuple:
    """XlsxWriter format properties as a Book.format key: look(bold=True, font_size=14)."""
    return tuple(sorted(properties.items()))


def _typed(value) -> tuple[object, str | None]:
    """(what a cell holds, the number format it needs, if any). Numbers and dates stay what they
    are; text that reads as a number becomes that number ("1,234" -> 1234, "85.5%" -> 0.855);
    any other text is neutralised (tables.spreadsheet_text) with the characters a workbook
    cannot hold replaced."""
    kind = type(value)
    if kind is int:  # the common cases first: a workbook has thousands of cells
        return value, None
    if kind is float:  # NaN or infinite (a figure divided by nothing): no value, blank
        return (value, None) if math.isfinite(value) else (None, None)
    if value is None or kind is bool:
        return (None if value is None else str(value)), None
    if isinstance(value, (int, float)):  # a subclass (numpy's float64, ...)
        return (value, None) if math.isfinite(value) else (None, None)
    if isinstance(value, dt.date):  # and datetime
        return value, DATE_FORMAT
    text = str(value)
    if not text:  # empty text is a blank cell, as openpyxl wrote it
        return None, None
    plain = text.replace(",", "")
    if _INTEGER.fullmatch(plain):
        return int(plain), COUNT_FORMAT
    if _DECIMAL.fullmatch(plain):
        return float(plain), "0.0"
    percent = _PERCENT.fullmatch(plain)
    if percent:
        return float(percent.group(1)) / 100, "0.0%"
    return _text(text), None


def _text(value) -> str:
    """Text as a cell holds it: neutralised, the characters a workbook cannot hold replaced, cut
    at Excel's longest."""
    return _ILLEGAL.sub("\ufffd", spreadsheet_text(str(value)))[:MAX_CELL_TEXT]


def cell_value(value):
    """What the cell for value holds (see _typed)."""
    return _typed(value)[0]


def put(ws: Sheet, row: int, column: int, value, number_format: str | None = None, text_look: tuple = ()) -> None:
    """Write one cell: every cell of a workbook is written here, by type (never XlsxWriter's
    write(), which would make "=..." a formula). value may be Typed; text_look (see look()) is
    for a text cell. Nothing is written for None (an empty cell costs as much as a full one)."""
    if isinstance(value, Typed):
        value, number_format = value.value, value.number_format or number_format
    value, found_format = _typed(value)
    if value is None:
        return
    book, sheet = ws.book, ws.worksheet
    if isinstance(value, str):
        sheet.write_string(row - 1, column - 1, value, book.format(text_look) if text_look else None)
        return
    shown = number_format or found_format
    cell_format = book.format((("num_format", shown),)) if shown else None
    if isinstance(value, dt.date):
        sheet.write_datetime(row - 1, column - 1, value, cell_format)
    else:
        sheet.write_number(row - 1, column - 1, value, cell_format)


def text_row(ws: Sheet, row: int, text: str, bold: bool = False, size: int | None = None, colour: str | None = None) -> None:
    """A line of text in column A (a heading, a note); colour as style.py gives it ("#12436D")."""
    if bold or size or colour:
        properties = {"bold": bold, "font_size": size or 11}
        if colour:
            properties["font_color"] = colour
        put(ws, row, 1, text, text_look=look(**properties))
    else:
        put(ws, row, 1, text)


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
    if not re.match(r"[A-Za-z_]", name) or re.fullmatch(r"[A-Za-z]{1,3}\d+|[RrCc]|[RrCc]\d+[RrCc]\d+", name):
        name = "T_" + name  # not a cell reference, not R or C
    base, n = name, 2
    while name.lower() in used:
        name = f"{base}_{n}"
        n += 1
    used.add(name.lower())
    return name


def sheet_name(text: str, used: set[str]) -> str:
    """A name Excel accepts: none of []:*?/ or a backslash, no quote at either end, 31 characters
    (UTF-16 units) at most, not "History" (Excel's own), and not one already used in the
    workbook (case aside)."""
    name = _utf16_cut(re.sub(r"[\[\]:*?/\\]", " ", text), MAX_SHEET_NAME).strip(string.whitespace + "'") or "Sheet"
    if name.lower() == "history":
        name = "History (indicators)"
    base, n = name, 2
    while name.lower() in used:
        suffix = f" {n}"
        name = _utf16_cut(base, MAX_SHEET_NAME - len(suffix)).rstrip(string.whitespace) + suffix
        n += 1
    used.add(name.lower())
    return name


def _utf16_cut(text: str, units: int) -> str:
    """text cut to at most `units` UTF-16 code units (how Excel counts), never inside a character."""
    while len(text.encode("utf-16-le")) // 2 > units:
        text = text[:-1]
    return text


def write_table(ws: Sheet, top: int, headings: list[str], rows: list[list], table_names: set[str],
                widths: list[float] | None = None, frozen_columns: int = 1, empty: str = "none") -> tuple[int, int]:
    """One Excel table with a filter, its header at row `top`, the rows below it; the panes
    frozen under the header (and left of `frozen_columns`). A table needs a row: with none it
    gets one saying `empty`. Returns (first data row, last data row)."""
    # The column names are the header cells' text (XlsxWriter writes the header row from them),
    # neutralised as any text is, and distinct as Excel needs.
    names = _unique([_text(heading) for heading in headings])
    rows = rows or [[empty] + [None] * (len(names) - 1)]
    for i, values in enumerate(rows, start=top + 1):
        for col, value in enumerate(values, start=1):
            put(ws, i, col, value)
    last = top + len(rows)
    header = ws.book.format(look(**HEADING_LOOK))
    ws.worksheet.add_table(top - 1, 0, last - 1, len(names) - 1, {
        "name": _table_name(ws.title, table_names), "style": TABLE_STYLE, "banded_rows": True, "autofilter": True,
        "columns": [{"header": name, "header_format": header} for name in names],
    })
    ws.worksheet.freeze_panes(top, frozen_columns)
    for col, width in enumerate(widths or [], start=1):
        ws.column_width(col, width)
    return top + 1, last


def status_formatting(ws: Sheet, column: int, first: int, last: int, prefixes: dict[str, str]) -> None:
    """Conditional formatting of a status column: each cell beginning with a status's prefix
    ("■ Red", or "Red") gets that status's light fill, the same as the PDF's and the HTML's."""
    for rag, prefix in prefixes.items():
        colour = RAG_FILL[rag]
        fill = ws.book.format(look(pattern=1, bg_color=colour, fg_color=colour))
        ws.worksheet.conditional_format(first - 1, column - 1, last - 1, column - 1,
                                        {"type": "text", "criteria": "begins with", "value": prefix, "format": fill})
