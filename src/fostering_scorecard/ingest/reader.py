"""Read one extract into a RawExtract: every record as text in contract order, keeping its
line number; nothing dropped.

File-level problems (missing, a link out of the extracts folder, unreadable, not a text file,
empty, no header line, missing required columns) raise ExtractError with a message for the
analyst that never quotes the file's content. Rows that cannot be read as records (wrong number
of fields) are returned as rejected rows, never dropped. Types are applied later (validation),
so a bad value becomes a quarantined row with a reason instead of a failed read.

An optional extract that is absent gives an empty RawExtract marked not supplied; an extract
supplied as several annual returns is read file by file and combined (annual.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from .. import definitions
from ..definitions import Extract, ReadingRules
from .annual import FileRead, combine
from .errors import ExtractError
from .files import ExtractFile, extract_files
from .header import check_header, read_header
from .mapping import ExtractMapping, load_mapping
from .missing import missing_spellings
from .raw_extract import LINE, RawExtract, SourceFile, not_supplied
from .records import read_record_by_record, read_well_formed
from .sniff import decode, separator_note, separator_of

PREFLIGHT_BYTES = 64 * 1024  # check_extract reads only this much of each file


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _files(extract: Extract, extracts_dir: Path, mapping: ExtractMapping) -> tuple[str, list[ExtractFile]]:
    """The extract's file name (the contract's, or the mapping's) and the files to read; raises
    ExtractError when a required extract has none."""
    file_name = mapping.file or extract.file
    files = extract_files(extracts_dir, file_name, extract.annual_returns, mapping.source or None)
    if not files and extract.required:
        also = f" (or one file per collection year, e.g. {Path(file_name).stem}_2019-20{Path(file_name).suffix})" if extract.annual_returns else ""
        raise ExtractError(
            file_name,
            f"file not found in {extracts_dir}",
            f"save the {extract.title} extract as {file_name}{also} in that folder (see docs/data-contract.md).",
        )
    return file_name, files


def _load_text(extract: Extract, path: Path, limit: int | None = None) -> tuple[bytes, str, list[str], str]:
    """The file's bytes, its text, notes on how it was read, and its field separator (only the
    first `limit` bytes when given)."""
    if path.exists() and not path.is_file():  # a folder, or a pipe or device that would never end
        raise ExtractError(path.name, "is not a file (it is a folder, a pipe or a device)", f"save the extract itself as {path.name}.")
    try:
        with path.open("rb") as f:
            data = f.read() if limit is None else f.read(limit)
    except OSError as exc:
        raise ExtractError(path.name, f"cannot be read ({exc.strerror})", "check the file's permissions, and that it is a file.") from None
    text, notes = decode(path.name, extract.title, data, complete=limit is None)
    if not text.strip():
        raise ExtractError(path.name, "the file is empty", "re-run the extract; it should have a header line and rows.")
    separator = separator_of(text)
    note = separator_note(separator)
    return data, text, notes + ([note] if note else []), separator


def _read_file(extract: Extract, file: ExtractFile, mapping: ExtractMapping, reading: ReadingRules) -> FileRead:
    """One file's records, numbered by their physical line."""
    data, text, notes, separator = _load_text(extract, file.path)
    sha256 = hashlib.sha256(data).hexdigest()
    del data
    header = read_header(text, separator)
    check_header(extract, header, mapping, file.path.name)
    positions = {
        name: header.index(mapping.source_name(name)) for name in extract.column_names if mapping.source_name(name) in header
    }
    column_at = {position: extract.column(name) for name, position in positions.items()}
    missing = [missing_spellings(reading, column_at.get(position)) for position in range(len(header))]
    read = read_well_formed(text, len(header), separator, missing) or read_record_by_record(
        text, len(header), [(k, positions[k]) for k in extract.key], separator, missing
    )
    lines, fields, rejected = read
    del text, read
    rows = pd.DataFrame({LINE: lines})
    for name in extract.column_names:
        rows[name] = fields[positions[name]] if name in positions else pd.Series(np.nan, index=rows.index, dtype="str")
    mapped = {mapping.source_name(n) for n in extract.column_names}
    extra = [h for h in header if h not in mapped]
    if extra:
        notes.append("extra columns ignored: " + ", ".join(extra))
    if rows.empty and not rejected:
        notes.append("header only: no rows")
    last_line = max([1, *lines[-1:].tolist(), *(r[LINE] for r in rejected[-1:])])
    return FileRead(file.path, sha256, rows, rejected, notes, last_line, file.collection_year)


def check_extract(extract: Extract, extracts_dir: Path, mappings_dir: Path | None = None) -> None:
    """Cheap whole-file checks (inside the folder, present unless optional, readable, text, not
    empty, a header with the required columns) from the first bytes only, so a run can stop with
    a clear message before any heavy work starts."""
    mapping = load_mapping(extract, extracts_dir, mappings_dir)
    files = _files(extract, extracts_dir, mapping)[1]
    for file in files:
        _data, text, _notes, separator = _load_text(extract, file.path, limit=PREFLIGHT_BYTES)
        check_header(extract, read_header(text, separator), mapping, file.path.name)


def read_extract(
    extract: Extract,
    extracts_dir: Path,
    mapping: ExtractMapping | None = None,
    mappings_dir: Path | None = None,
    reading: ReadingRules | None = None,
) -> RawExtract:
    """Every record of the extract as text in contract order. Each record becomes exactly one
    row of `rows`, one entry of `rejected` or (from an earlier annual return) one superseded
    row: nothing is dropped (an entirely empty line is not a record; a line of only commas is,
    and is rejected as a blank row). `reading`: the contract's [reading] rules (the tool's own
    by default)."""
    mapping = mapping if mapping is not None else load_mapping(extract, extracts_dir, mappings_dir)
    reading = reading or definitions.load().reading
    file_name, files = _files(extract, extracts_dir, mapping)
    if not files:
        return not_supplied(extract, Path(extracts_dir) / file_name, mapping.date_formats)
    reads = [_read_file(extract, file, mapping, reading) for file in files]
    notes = [f"read through the column mapping {mapping.source}"] if mapping.source else []
    if len(reads) > 1:
        return combine(extract, reads, notes, mapping.date_formats)
    (read,) = reads
    file_notes = read.notes[:]
    # The mapping note comes before the notes on columns, as an analyst reads them.
    at = next((i for i, n in enumerate(file_notes) if n.startswith(("extra columns", "header only"))), len(file_notes))
    source = SourceFile(read.path, read.sha256, len(read.rows) + len(read.rejected), 0, read.collection_year, 0)
    return RawExtract(extract, read.path, read.sha256, read.rows, read.rejected, file_notes[:at] + notes + file_notes[at:],
                      mapping.date_formats, sources=(source,))

