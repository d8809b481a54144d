"""What a file's bytes are: text in which encoding, fields separated by what, or not text at all.

A file saved as .csv may be UTF-8 (with or without a byte-order mark), Windows-1252 (Excel's
"CSV (Comma delimited)" on Windows) or UTF-16 (Excel's "Unicode text", which also separates
fields with tabs); its fields may be separated by commas, semicolons (Excel where the decimal
mark is a comma), tabs or pipes. All of these are read, and noted. A workbook, a PDF, an image,
an archive or a web page saved under a .csv name is named as what it is, with what to do
("save it as CSV UTF-8"), rather than reported as a CSV file with its columns missing.

Messages name the file and what it is; they never quote its content.
"""

from __future__ import annotations

import codecs
import re

from .errors import ExtractError

CSV_UTF8 = "CSV UTF-8 (Comma delimited) (*.csv)"

# The first bytes of files that are not text, and what each is. Checked in order.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook (.xls) or another old Office file"),
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
)
_WORKBOOKS = ("Excel", "spreadsheet")
_ARCHIVES = ("archive", "compressed")
# Control characters never found in a text export (tab, line breaks and null bytes aside: null
# bytes come from broken exports and are removed).
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SEPARATORS = {",": "commas", "\t": "tabs", ";": "semicolons (;)", "|": "pipes (|)"}


def _zip_kind(start: bytes) -> str:
    """What a zip file is, from the member names in its first bytes (an xlsx is a zip whose
    members are under xl/)."""
    if start[30:38] == b"mimetype" and b"opendocument.spreadsheet" in start[:200]:
        return "an OpenDocument spreadsheet (.ods)"
    if b"xl/" in start:
        return "an Excel workbook (.xlsx)"
    if b"word/" in start:
        return "a Word document (.docx)"
    if b"ppt/" in start:
        return "a PowerPoint presentation (.pptx)"
    return "a zip archive"


def binary_kind(start: bytes) -> str | None:
    """What a file that is not text is, from its first bytes; None when it may be text."""
    if start.startswith(b"PK\x03\x04"):
        return _zip_kind(start)
    return next((kind for signature, kind in _SIGNATURES if start.startswith(signature)), None)


def _markup_kind(text: str) -> str | None:
    """A web page or XML file (some systems save an 'Excel export' as HTML or XML)."""
    head = text[:4096].lstrip().lower()
    if head.startswith("<!doctype html") or head.startswith("<html") or (head.startswith("<") and "<table" in head):
        return "a web page (HTML), as some systems save an Excel export"
    if head.startswith("<?xml"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in head or "<workbook" in head:
            return "an Excel XML spreadsheet"
        return "an XML file"
    if head.startswith("{\\rtf"):
        return "a Rich Text (RTF) document"
    return None


def not_text(file_name: str, title: str, kind: str) -> ExtractError:
    if any(word in kind for word in _WORKBOOKS):
        fix = f"open it in Excel and save it with Save As, file type '{CSV_UTF8}', as {file_name} (one sheet per file)."
    elif any(word in kind for word in _ARCHIVES):
        fix = f"extract the CSV file from it and save that as {file_name}."
    elif kind.startswith("a web page"):
        fix = f"open it in Excel and save it with Save As, file type '{CSV_UTF8}', as {file_name}."
    else:
        fix = f"save the {title} extract from the case-management system as a CSV file named {file_name} (see docs/data-contract.md)."
    return ExtractError(file_name, f"this is {kind}, not a CSV file", fix)


def _utf16_without_mark(start: bytes) -> str | None:
    """UTF-16 saved without a byte-order mark: every other byte of Latin text is zero."""
    sample = start[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_zero, odd_zero = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_zero > 0.3 and even_zero < 0.05:
        return "utf-16-le"
    if even_zero > 0.3 and odd_zero < 0.05:
        return "utf-16-be"
    return None


def _decode_with(data: bytes, encoding: str, complete: bool, errors: str = "strict") -> str:
    if complete:
        return data.decode(encoding, errors)
    # Only the first bytes: a character cut at the end is left out, not a decoding error.
    return codecs.getincrementaldecoder(encoding)(errors).decode(data, final=False)


def decode(file_name: str, title: str, data: bytes, complete: bool = True) -> tuple[str, list[str]]:
    """The file's text and notes on how it was read (encoding, null bytes removed). Raises
    ExtractError, naming what the file is, when it is not a text file. `complete` is False when
    `data` is only the file's first bytes."""
    kind = binary_kind(data[:65536])
    if kind:
        raise not_text(file_name, title, kind)
    notes = []
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding, note = "utf-32", "read as UTF-32"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, note = "utf-16", "read as UTF-16 (Excel's Unicode text)"
    else:
        encoding = _utf16_without_mark(data)
        note = "read as UTF-16 (without a byte-order mark)" if encoding else None
    if encoding:
        try:
            text = _decode_with(data, encoding, complete)
        except UnicodeDecodeError:
            text = _decode_with(data, encoding, complete, "replace")
            note += "; some characters could not be read"
        notes.append(note)
    else:
        try:
            text = _decode_with(data, "utf-8-sig", complete)
        except UnicodeDecodeError:
            # Excel on Windows saves CSV as Windows-1252; read it rather than fail the month.
            text = _decode_with(data, "cp1252", complete, "replace")
            notes.append("read as Windows-1252 (not valid UTF-8)")
    if "\x00" in text:
        # Null bytes come from broken exports; they are never part of a value.
        text = text.replace("\x00", "")
        notes.append("null bytes removed")
    sample = text[:65536]
    kind = _markup_kind(sample)
    if kind is None and len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        kind = "binary data (not text)"
    if kind:
        raise not_text(file_name, title, kind)
    return text, ["; ".join(notes)] if notes else []


def first_line(text: str) -> str:
    end = len(text)
    for line_break in ("\n", "\r"):
        at = text.find(line_break, 0, end)
        if at >= 0:
            end = at
    return text[:end]


def separator_of(text: str) -> str:
    """The character separating fields: of comma, tab, semicolon and pipe, the one the header
    line holds most of (a comma when it holds none of them, or as many of another)."""
    header = first_line(text)
    counts = {separator: header.count(separator) for separator in _SEPARATORS}
    best = max(counts, key=lambda separator: counts[separator])  # the first of equals: comma
    return best if counts[best] > counts[","] else ","


def separator_note(separator: str) -> str | None:
    return None if separator == "," else f"fields separated by {_SEPARATORS[separator]}"
