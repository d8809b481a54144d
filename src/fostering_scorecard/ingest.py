"""Read raw extracts into tables of text, keeping every row's line number.

File-level problems (missing, unreadable, empty, missing required columns) raise ExtractError
with a message for the analyst. Rows that cannot be read as records (wrong number of fields)
are returned as quarantined rows, never dropped. Types are applied later (validate.py), so a
bad value becomes a quarantined row with a reason instead of a failed read.

Python's csv module is used rather than DuckDB's reader because it gives the physical line
number of every record (quoted newlines included), which is what an analyst looks up in Excel.

A council whose system names columns differently, or writes dates another way, adds a column
mapping (config/mappings/<name>.toml, chosen by `mapping = "<name>"` in the extracts folder's
extract.toml): the file is read through it, so no code changes.
"""

from __future__ import annotations

import csv
import difflib
import io
import hashlib
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .config import CONFIG_DIR, EXTRACT_INFO_FILE, Extract

LINE = "_line"  # physical line number in the source file (header = line 1)
KEY = "_key"  # the record's key as text, e.g. "CHILD=C1 DECOM=01/02/2019" (internal use only)
MAPPINGS_DIR = CONFIG_DIR / "mappings"
DEFAULT_DATE_FORMATS = ("%d/%m/%Y",)

# A long free-text field must not stop the read: Python's default limit is 128 KiB per field.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class ExtractMapping:
    """How one council's file differs from the contract: its file name, its column names
    (contract name -> name in the file) and the date formats it writes."""

    file: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    source: str = ""  # the mapping file, for messages

    def source_name(self, contract_name: str) -> str:
        return self.columns.get(contract_name, contract_name)


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
    rows: pd.DataFrame  # text columns in contract order, plus _line and _key
    rejected: list[dict] = field(default_factory=list)  # rows unreadable as records
    notes: list[str] = field(default_factory=list)  # file-level remarks (encoding, extra columns)
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS

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


def load_mapping(extract: Extract, extracts_dir: Path) -> ExtractMapping:
    """The column mapping named in the extracts folder's extract.toml (`mapping = "name"` for
    config/mappings/name.toml, or a path to a .toml file), for this extract; none by default."""
    info_path = Path(extracts_dir) / EXTRACT_INFO_FILE
    if not info_path.is_file():
        return ExtractMapping()
    try:
        with info_path.open("rb") as f:
            name = tomllib.load(f).get("mapping")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ExtractError(EXTRACT_INFO_FILE, f"cannot be read ({exc})", "fix the file: each line is like  extract_date = 2020-04-05") from None
    if not name:
        return ExtractMapping()
    path = Path(name) if str(name).endswith(".toml") else MAPPINGS_DIR / f"{name}.toml"
    if not path.is_absolute() and not path.is_file():
        path = Path(extracts_dir) / path
    if not path.is_file():
        raise ExtractError(
            EXTRACT_INFO_FILE,
            f"names the column mapping {name!r}, but {path} does not exist",
            f"add the mapping file to {MAPPINGS_DIR} (see docs/data-quality.md), or remove the mapping line.",
        )
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ExtractError(path.name, f"is not valid TOML ({exc})", "correct the mapping file (see docs/data-quality.md).") from None
    default_formats = tuple(data.get("date_formats", DEFAULT_DATE_FORMATS))
    spec = data.get(extract.name, {})
    columns = dict(spec.get("columns", {}))
    unknown = sorted(set(columns) - set(extract.column_names))
    if unknown:
        raise ExtractError(
            path.name,
            f"maps column(s) not in the {extract.file} contract: " + ", ".join(unknown),
            "the left-hand names must be the contract's names in docs/data-contract.md.",
        )
    return ExtractMapping(
        file=spec.get("file"),
        columns=columns,
        date_formats=tuple(spec.get("date_formats", default_formats)),
        source=path.name,
    )


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


def _header(text: str) -> list[str]:
    return [h.strip() for h in next(csv.reader(io.StringIO(text, newline="")))]


def check_extract(extract: Extract, extracts_dir: Path) -> None:
    """Cheap whole-file checks (present, readable, not empty, required columns) from the first
    bytes only, so a run can stop with a clear message before any heavy work starts."""
    mapping = load_mapping(extract, extracts_dir)
    path, _data, text, _note = _load_text(extract, extracts_dir, limit=64 * 1024, mapping=mapping)
    _check_header(extract, _header(text), mapping, path.name)


def read_extract(extract: Extract, extracts_dir: Path, mapping: ExtractMapping | None = None) -> RawExtract:
    """Every record of the file as text in contract order. Each record becomes exactly one row
    of `rows` or one entry of `rejected`: nothing is dropped (an entirely empty line is not a
    record; a line of only commas is, and is rejected as a blank row)."""
    mapping = mapping if mapping is not None else load_mapping(extract, extracts_dir)
    path, data, text, encoding_note = _load_text(extract, extracts_dir, mapping=mapping)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader)]
    _check_header(extract, header, mapping, path.name)

    positions = {
        name: header.index(mapping.source_name(name)) for name in extract.column_names if mapping.source_name(name) in header
    }
    key_positions = [(k, positions[k]) for k in extract.key]
    width = len(header)
    records, rejected = [], []
    for record in reader:
        line = reader.line_num
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # an empty line (or only spaces), e.g. after the last record: not a record
        key = _record_key(key_positions, record)
        if len(record) != width:
            rejected.append(_rejection(line, key, "wrong_field_count",
                f"has {len(record)} fields where the header has {width} (a stray comma, an unclosed quote or a truncated line)"))
            continue
        if not any(v.strip() for v in record):
            rejected.append(_rejection(line, key, "blank_row", "every field is blank"))
            continue
        records.append([line, key] + [_clean(record[positions[n]]) if n in positions else None for n in extract.column_names])

    rows = pd.DataFrame(records, columns=[LINE, KEY, *extract.column_names], dtype=object)
    rows[LINE] = rows[LINE].astype("int64")
    notes = [n for n in [encoding_note] if n]
    if mapping.source:
        notes.append(f"read through the column mapping {mapping.source}")
    mapped = {mapping.source_name(n) for n in extract.column_names}
    extra = [h for h in header if h not in mapped]
    if extra:
        notes.append("extra columns ignored: " + ", ".join(extra))
    if not records and not rejected:
        notes.append("header only: no rows")
    return RawExtract(extract, path, hashlib.sha256(data).hexdigest(), rows, rejected, notes, mapping.date_formats)


def _record_key(key_positions: list[tuple[str, int]], record: list[str]) -> str:
    """The record's key as text, so a finding can be followed from month to month (line numbers
    move as records are added). Blank when a key value is missing."""
    values = []
    for name, position in key_positions:
        value = record[position].strip() if position < len(record) else ""
        if not value:
            return ""
        values.append(f"{name}={value}")
    return " ".join(values)


def _rejection(line: int, key: str, rule: str, reason: str) -> dict:
    return {LINE: line, KEY: key, "column": "", "rule": rule, "reason": reason, "value": ""}


def _clean(value: str) -> str | None:
    value = value.strip()
    return value or None


def _check_header(extract: Extract, header: list[str], mapping: ExtractMapping | None = None, file_name: str | None = None) -> None:
    mapping = mapping or ExtractMapping()
    file_name = file_name or extract.file
    duplicated = sorted({h for h in header if header.count(h) > 1 and h})
    if duplicated:
        raise ExtractError(
            file_name,
            "column(s) appear more than once in the header: " + ", ".join(duplicated),
            "remove the duplicate column(s) so each name appears once.",
        )
    missing = [mapping.source_name(c) for c in extract.required_columns if mapping.source_name(c) not in header]
    if missing:
        found = ", ".join(header[:20]) + (", ..." if len(header) > 20 else "")
        # Suggest the likely original of a renamed column, ignoring case, spaces and underscores.
        normalised = {"".join(ch for ch in h.lower() if ch.isalnum()): h for h in header if h}
        hints = []
        for name in missing:
            close = difflib.get_close_matches("".join(ch for ch in name.lower() if ch.isalnum()), list(normalised), n=1, cutoff=0.6)
            if close:
                hints.append(f"{normalised[close[0]]!r} looks like {name!r}")
        raise ExtractError(
            file_name,
            "required column(s) missing: " + ", ".join(missing) + f" (the header has: {found})",
            ("; ".join(hints) + ". " if hints else "")
            + "Rename the columns to the names in docs/data-contract.md, or add a column mapping "
            "(config/mappings/, see docs/data-quality.md).",
        )
