"""Read raw extracts into tables of text, keeping every row's line number.

File-level problems (missing, unreadable, empty, missing required columns) raise ExtractError
with a message for the analyst. Rows that cannot be read as records (wrong number of fields)
are returned as quarantined rows, never dropped. Types are applied later (validate.py), so a
bad value becomes a quarantined row with a reason instead of a failed read.

Python's csv module is used rather than DuckDB's reader because it gives the physical line
number of every record (quoted newlines included), which is what an analyst looks up in Excel.
"""

from __future__ import annotations

import csv
import io
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .config import Extract

LINE = "_line"  # physical line number in the source file (header = line 1)


class ExtractError(Exception):
    """A problem with a whole file: the run stops and the message says what to fix."""

    def __init__(self, file: str, problem: str, fix: str):
        self.file, self.problem, self.fix = file, problem, fix
        super().__init__(f"{file}: {problem}\n  How to fix: {fix}")


@dataclass
class RawExtract:
    extract: Extract
    path: Path
    sha256: str
    rows: pd.DataFrame  # text columns in contract order, plus _line
    rejected: list[dict] = field(default_factory=list)  # rows unreadable as records
    notes: list[str] = field(default_factory=list)  # file-level remarks (encoding, extra columns)

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.rejected)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _decode(path: Path, data: bytes) -> tuple[str, str | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        # Excel on Windows saves CSV as Windows-1252; read it rather than fail the month.
        return data.decode("cp1252", errors="replace"), "read as Windows-1252 (not valid UTF-8)"


def _load_text(extract: Extract, extracts_dir: Path, limit: int | None = None) -> tuple[Path, bytes, str, str | None]:
    """The file's bytes and decoded text (only the first `limit` bytes when given)."""
    path = Path(extracts_dir) / extract.file
    if not path.is_file():
        raise ExtractError(
            extract.file,
            f"file not found in {extracts_dir}",
            f"save the {extract.title.lower()} extract as {extract.file} in that folder "
            "(see docs/data-contract.md).",
        )
    try:
        with path.open("rb") as f:
            data = f.read() if limit is None else f.read(limit)
    except OSError as exc:
        raise ExtractError(extract.file, f"cannot be read ({exc.strerror})", "check the file's permissions.") from None
    text, encoding_note = _decode(path, data)
    if not text.strip():
        raise ExtractError(extract.file, "the file is empty", "re-run the extract; it should have a header line and rows.")
    if "\x00" in text:
        text = text.replace("\x00", "")
        encoding_note = "null bytes removed"
    return path, data, text, encoding_note


def _header(text: str) -> list[str]:
    return [h.strip() for h in next(csv.reader(io.StringIO(text, newline="")))]


def check_extract(extract: Extract, extracts_dir: Path) -> None:
    """Cheap whole-file checks (present, readable, not empty, required columns) from the first
    bytes only, so a run can stop with a clear message before any heavy work starts."""
    _path, _data, text, _note = _load_text(extract, extracts_dir, limit=64 * 1024)
    _check_header(extract, _header(text))


def read_extract(extract: Extract, extracts_dir: Path) -> RawExtract:
    path, data, text, encoding_note = _load_text(extract, extracts_dir)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader)]
    _check_header(extract, header)

    positions = {name: header.index(name) for name in extract.column_names if name in header}
    width = len(header)
    records, rejected = [], []
    for record in reader:
        line = reader.line_num
        if not any(v.strip() for v in record):
            continue  # blank line, e.g. a trailing newline: not a record
        if len(record) != width:
            rejected.append(
                {
                    LINE: line,
                    "column": "",
                    "rule": "wrong_field_count",
                    "reason": f"has {len(record)} fields where the header has {width} "
                    "(a stray comma, an unclosed quote or a truncated line)",
                    "value": "",
                }
            )
            continue
        records.append([line] + [_clean(record[positions[n]]) if n in positions else None for n in extract.column_names])

    rows = pd.DataFrame(records, columns=[LINE, *extract.column_names], dtype=object)
    rows[LINE] = rows[LINE].astype("int64")
    notes = [n for n in [encoding_note] if n]
    extra = [h for h in header if h not in extract.column_names]
    if extra:
        notes.append("extra columns ignored: " + ", ".join(extra))
    if not records and not rejected:
        notes.append("header only: no rows")
    return RawExtract(extract, path, hashlib.sha256(data).hexdigest(), rows, rejected, notes)


def _clean(value: str) -> str | None:
    value = value.strip()
    return value or None


def _check_header(extract: Extract, header: list[str]) -> None:
    duplicated = sorted({h for h in header if header.count(h) > 1 and h})
    if duplicated:
        raise ExtractError(
            extract.file,
            "column(s) appear more than once in the header: " + ", ".join(duplicated),
            "remove the duplicate column(s) so each name appears once.",
        )
    missing = [c for c in extract.required_columns if c not in header]
    if missing:
        found = ", ".join(header[:20])
        raise ExtractError(
            extract.file,
            "required column(s) missing: " + ", ".join(missing) + f" (the header has: {found})",
            "rename the columns to the names in docs/data-contract.md, or add a column mapping.",
        )
