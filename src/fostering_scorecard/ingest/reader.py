"""Read one extract file into a RawExtract: every record as text in contract order, keeping its
line number; nothing dropped.

File-level problems (missing, unreadable, empty, missing required columns) raise ExtractError
with a message for the analyst. Rows that cannot be read as records (wrong number of fields)
are returned as rejected rows, never dropped. Types are applied later (validation), so a bad
value becomes a quarantined row with a reason instead of a failed read.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from ..definitions import Extract
from .errors import ExtractError
from .header import check_header, read_header
from .mapping import ExtractMapping, load_mapping
from .raw_extract import LINE, RawExtract
from .records import read_record_by_record, read_well_formed


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


def _load_text(
    extract: Extract, extracts_dir: Path, limit: int | None = None, mapping: ExtractMapping | None = None
) -> tuple[Path, bytes, str, str | None]:
    """The file's bytes and decoded text (only the first `limit` bytes when given)."""
    file_name = (mapping.file if mapping and mapping.file else None) or extract.file
    path = Path(extracts_dir) / file_name
    if not path.is_file():
        raise ExtractError(
            file_name,
            f"file not found in {extracts_dir}",
            f"save the {extract.title.lower()} extract as {file_name} in that folder "
            "(see docs/data-contract.md).",
        )
    try:
        with path.open("rb") as f:
            data = f.read() if limit is None else f.read(limit)
    except OSError as exc:
        raise ExtractError(file_name, f"cannot be read ({exc.strerror})", "check the file's permissions, and that it is a file.") from None
    text, encoding_note = _decode(path, data)
    if "\x00" in text:
        # Null bytes come from broken exports; they are never part of a value.
        text = text.replace("\x00", "")
        encoding_note = "; ".join(n for n in [encoding_note, "null bytes removed"] if n)
    if not text.strip():
        raise ExtractError(file_name, "the file is empty", "re-run the extract; it should have a header line and rows.")
    return path, data, text, encoding_note


def check_extract(extract: Extract, extracts_dir: Path, mappings_dir: Path | None = None) -> None:
    """Cheap whole-file checks (present, readable, not empty, required columns) from the first
    bytes only, so a run can stop with a clear message before any heavy work starts."""
    mapping = load_mapping(extract, extracts_dir, mappings_dir)
    path, _data, text, _note = _load_text(extract, extracts_dir, limit=64 * 1024, mapping=mapping)
    check_header(extract, read_header(text), mapping, path.name)


def read_extract(extract: Extract, extracts_dir: Path, mapping: ExtractMapping | None = None, mappings_dir: Path | None = None) -> RawExtract:
    """Every record of the file as text in contract order. Each record becomes exactly one row
    of `rows` or one entry of `rejected`: nothing is dropped (an entirely empty line is not a
    record; a line of only commas is, and is rejected as a blank row)."""
    mapping = mapping if mapping is not None else load_mapping(extract, extracts_dir, mappings_dir)
    path, data, text, encoding_note = _load_text(extract, extracts_dir, mapping=mapping)
    sha256 = hashlib.sha256(data).hexdigest()
    del data
    header = read_header(text)
    check_header(extract, header, mapping, path.name)
    positions = {
        name: header.index(mapping.source_name(name)) for name in extract.column_names if mapping.source_name(name) in header
    }
    read = read_well_formed(text, len(header)) or read_record_by_record(text, len(header), [(k, positions[k]) for k in extract.key])
    lines, fields, rejected = read
    del text, read
    rows = pd.DataFrame({LINE: lines})
    for name in extract.column_names:
        rows[name] = fields[positions[name]] if name in positions else pd.Series(np.nan, index=rows.index, dtype="str")
    notes = [n for n in [encoding_note] if n]
    if mapping.source:
        notes.append(f"read through the column mapping {mapping.source}")
    mapped = {mapping.source_name(n) for n in extract.column_names}
    extra = [h for h in header if h not in mapped]
    if extra:
        notes.append("extra columns ignored: " + ", ".join(extra))
    if rows.empty and not rejected:
        notes.append("header only: no rows")
    return RawExtract(extract, path, sha256, rows, rejected, notes, mapping.date_formats)
