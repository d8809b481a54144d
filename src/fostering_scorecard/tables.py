"""Writing tidy CSV files the same way everywhere: fixed column order, '\n' line ends, numbers
without float noise, dates as ISO. Deterministic bytes for the same rows.

Every CSV and workbook cell the project writes goes through `spreadsheet_text` (the workbook
writer, pack/excel.py, calls it too), so text from an extract, a council's configuration or a
set-aside row can never become a live formula when a spreadsheet opens the file. The rule is
OWASP's "CSV Injection" guidance (owasp.org/www-community/attacks/CSV_Injection): a cell whose
text begins with =, +, -, @, a tab, a carriage return or a line feed (or the full-width =, +, -,
@ some locales also read as formulas) gets a single quote in front, and in a CSV that field is
wrapped in double quotes with its double quotes doubled. Numbers stay numbers: a negative number
is written as it is, never prefixed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

# What makes a spreadsheet read a cell as a formula when it is the cell's first character.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_TRIGGER_SET = frozenset(FORMULA_TRIGGERS)
# What a neutralised cell starts with: a spreadsheet shows what follows as text.
TEXT_MARKER = "'"
# Text that is a plain decimal number ("-3", "-0.25") is a number to a spreadsheet, not a formula.
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# A CSV field is quoted when it holds the delimiter, a quote or a line break (a bare carriage
# return too: spreadsheets end a row at one), or when it was neutralised (OWASP: wrap it).
_NEEDS_QUOTES = re.compile(r"[,\"\r\n]|^'")


def is_number(value) -> bool:
    """An int or float (not a bool): written as a number, never as text."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def neutralise_formula(text: str) -> str:
    """text as a spreadsheet must show it: with a single quote in front when it would otherwise
    start a formula. Idempotent (a neutralised text starts with the quote, which starts nothing)."""
    if text[:1] in _TRIGGER_SET and not _PLAIN_NUMBER.fullmatch(text):
        return TEXT_MARKER + text
    return text


def format_cell(value) -> str:
    """A value as CSV text: '' for None and NaN, whole floats without '.0', at most 4 decimals,
    dates as ISO. No formula neutralising: that is spreadsheet_text's job."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def spreadsheet_text(value) -> str:
    """A value as the text of a CSV or workbook cell: numbers as numbers, any other text
    neutralised (neutralise_formula). Called for every field of every CSV: plain text and whole
    numbers take the short way."""
    kind = type(value)
    if kind is str:
        return neutralise_formula(value) if value[:1] in _TRIGGER_SET else value
    if kind is int:
        return str(value)
    text = format_cell(value)
    return text if is_number(value) else neutralise_formula(text)


def csv_line(cells: list[str]) -> str:
    """One CSV record from cells already made safe (spreadsheet_text): RFC 4180 quoting where a
    field needs it, the same bytes as Python's csv module otherwise."""
    if len(cells) == 1 and cells[0] == "":
        return '""\n'  # a lone empty field, quoted so the line is not read as a blank line
    return ",".join('"' + c.replace('"', '""') + '"' if _NEEDS_QUOTES.search(c) else c for c in cells) + "\n"


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    """The CSV file of rows (dicts) with these columns, in this order; a missing key is blank.

    A record goes through csv_line when a field was neutralised or holds a carriage return, and
    through Python's csv module (the same bytes, in C: quarantine lists can be long) otherwise."""
    buffer = io.StringIO()
    plain = csv.writer(buffer, lineterminator="\n").writerow

    def write(cells: list[str]) -> None:
        joined = ",".join(cells)  # a field starting with the quote follows a comma or starts the line
        if "\r" in joined or joined[:1] == TEXT_MARKER or "," + TEXT_MARKER in joined:
            buffer.write(csv_line(cells))
        else:
            plain(cells)

    write([spreadsheet_text(c) for c in columns])
    for row in rows:
        write([spreadsheet_text(v) for v in map(row.get, columns)])
    Path(path).write_text(buffer.getvalue(), encoding="utf-8")
