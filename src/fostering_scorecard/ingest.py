"""Read raw extracts into tables of text, keeping every row's line number.

File-level problems (missing, unreadable, empty, missing required columns) raise ExtractError
with a message for the analyst. Rows that cannot be read as records (wrong number of fields)
are returned as quarantined rows, never dropped. Types are applied later (validate.py), so a
bad value becomes a quarantined row with a reason instead of a failed read.

Every quarantined row must carry the physical line number an analyst looks up in a text editor
or Excel (quoted newlines included). A well-formed file, where every physical line is one record
with the header's number of fields, is read by pandas' C parser: its line numbers follow from
the line order, and a value repeated down a column (a code, a date) is one string object rather
than one per row. Any other file (a ragged or blank line, a value spanning lines, a lone carriage
return) is read record by record with Python's csv module, which gives each record's line number
and lets a bad line be set aside and reported rather than fail the read.

A council whose system names columns differently, or writes dates another way, adds a column
mapping (mappings/<name>.toml in the council's project, chosen by `mapping = "<name>"` in the extracts folder's
extract.toml): the file is read through it, so no code changes.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import gc
import io
import hashlib
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .definitions import Extract
from .errors import FileProblem

LINE = "_line"  # physical line number in the source file (header = line 1)
KEY = "_key"  # a rejected record's key as text, e.g. "CHILD=C1 DECOM=01/02/2019" (internal use only)
EXTRACT_INFO_FILE = "extract.toml"
DEFAULT_DATE_FORMATS = ("%d/%m/%Y",)

# A long free-text field must not stop the read: Python's default limit is 128 KiB per field.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class ExtractInfo:
    """Facts about one drop of extracts, from extract.toml in the extracts folder."""

    extract_date: dt.date
    council: str = ""
    source_system: str = ""


def load_extract_info(extracts_dir: Path) -> ExtractInfo | None:
    path = Path(extracts_dir) / EXTRACT_INFO_FILE
    if not path.exists():
        return None
    with path.open("rb") as f:
        data = tomllib.load(f)
    extract_date = data["extract_date"]
    if isinstance(extract_date, str):
        extract_date = dt.date.fromisoformat(extract_date)
    return ExtractInfo(
        extract_date=extract_date,
        council=data.get("council", ""),
        source_system=data.get("source_system", ""),
    )


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


class ExtractError(FileProblem):
    """A problem with a whole file: the run stops and the message says what to fix."""


@dataclass
class RawExtract:
    extract: Extract
    path: Path
    sha256: str
    rows: pd.DataFrame  # _line, then the text columns in contract order (stripped; blank is missing)
    rejected: list[dict] = field(default_factory=list)  # rows unreadable as records (with _line and _key)
    notes: list[str] = field(default_factory=list)  # file-level remarks (encoding, extra columns)
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.rejected)

    def record_keys(self, lines: Iterable[int]) -> dict[int, str]:
        """The key as text (e.g. "CHILD=C1 DECOM=01/02/2019") of the rows on these lines, so a
        finding can be followed from month to month (line numbers move as records are added);
        blank when a key value is missing. Built only for the rows a finding names."""
        lines = np.unique(np.fromiter(lines, dtype=np.int64))
        row_lines = self.rows[LINE].to_numpy()
        at = np.searchsorted(row_lines, lines)  # rows are in line order
        found = at < len(row_lines)
        found[found] = row_lines[at[found]] == lines[found]
        key_values = [self.rows[name].to_numpy(dtype=object)[at[found]] for name in self.extract.key]
        keys = {}
        for line, values in zip(lines[found].tolist(), zip(*key_values)):
            missing = any(v is None or v != v for v in values)  # NaN is the only value not equal to itself
            keys[line] = "" if missing else " ".join(f"{name}={value}" for name, value in zip(self.extract.key, values))
        return keys


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


def load_mapping(extract: Extract, extracts_dir: Path, mappings_dir: Path | None = None) -> ExtractMapping:
    """The column mapping named in the extracts folder's extract.toml (`mapping = "name"` for
    mappings/name.toml in the project, or a path to a .toml file), for this extract; none by default."""
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
    path = Path(name) if str(name).endswith(".toml") or mappings_dir is None else Path(mappings_dir) / f"{name}.toml"
    if not path.is_absolute() and not path.is_file():
        path = Path(extracts_dir) / path
    if not path.is_file():
        raise ExtractError(
            EXTRACT_INFO_FILE,
            f"names the column mapping {name!r}, but {path} does not exist",
            f"add the mapping file to the project's {Path(mappings_dir or 'mappings').name}/ folder (see docs/data-quality.md), or remove the mapping line.",
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
    # From the first bytes (a StringIO of the whole file would copy it), unless the header
    # record runs to their end.
    first_bytes = text[: 1 << 20]
    start = io.StringIO(first_bytes, newline="")
    header = next(csv.reader(start))
    if start.tell() >= len(first_bytes) and len(text) > len(first_bytes):
        header = next(csv.reader(io.StringIO(text, newline="")))
    return [h.strip() for h in header]


def check_extract(extract: Extract, extracts_dir: Path, mappings_dir: Path | None = None) -> None:
    """Cheap whole-file checks (present, readable, not empty, required columns) from the first
    bytes only, so a run can stop with a clear message before any heavy work starts."""
    mapping = load_mapping(extract, extracts_dir, mappings_dir)
    path, _data, text, _note = _load_text(extract, extracts_dir, limit=64 * 1024, mapping=mapping)
    _check_header(extract, _header(text), mapping, path.name)


def read_extract(extract: Extract, extracts_dir: Path, mapping: ExtractMapping | None = None, mappings_dir: Path | None = None) -> RawExtract:
    """Every record of the file as text in contract order. Each record becomes exactly one row
    of `rows` or one entry of `rejected`: nothing is dropped (an entirely empty line is not a
    record; a line of only commas is, and is rejected as a blank row)."""
    mapping = mapping if mapping is not None else load_mapping(extract, extracts_dir, mappings_dir)
    path, data, text, encoding_note = _load_text(extract, extracts_dir, mapping=mapping)
    sha256 = hashlib.sha256(data).hexdigest()
    del data
    header = _header(text)
    _check_header(extract, header, mapping, path.name)
    positions = {
        name: header.index(mapping.source_name(name)) for name in extract.column_names if mapping.source_name(name) in header
    }
    read = _read_well_formed(text, len(header)) or _read_record_by_record(text, len(header), [(k, positions[k]) for k in extract.key])
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


# How a file's records come back from either reader: the physical line of each record read
# (ascending), its fields by position in the header (text, stripped, blank is missing), and
# the records set aside as unreadable.
ReadRecords = tuple[np.ndarray, dict[int, pd.Series], list[dict]]

COMMA, LINE_FEED, CARRIAGE_RETURN, QUOTE = (ord(c) for c in ',\n\r"')
# Bytes that may be, or be part of, a character str.strip() removes: ASCII whitespace other than
# the line break itself, and any non-ASCII byte (U+00A0 and other Unicode spaces).
_MAYBE_SPACE = np.zeros(256, dtype=bool)
_MAYBE_SPACE[[9, 11, 12, 28, 29, 30, 31, 32]] = True
_MAYBE_SPACE[0x80:] = True
_FIELD_EDGE = np.zeros(256, dtype=bool)
_FIELD_EDGE[[COMMA, LINE_FEED, CARRIAGE_RETURN, QUOTE]] = True
_OPENS_AFTER = np.zeros(256, dtype=bool)  # what may come just before a quote that opens a value
_OPENS_AFTER[[COMMA, LINE_FEED, QUOTE]] = True
_CLOSES_BEFORE = np.zeros(256, dtype=bool)  # what may come just after a quote that closes one
_CLOSES_BEFORE[[COMMA, LINE_FEED, CARRIAGE_RETURN, QUOTE]] = True


def _read_well_formed(text: str, width: int) -> ReadRecords | None:
    """The records of a file whose every physical line (header included) is one record of
    `width` fields, read with pandas' C parser; None for any other file (a ragged, blank or
    whitespace-only line, a value spanning lines, an unclosed quote, a lone carriage return),
    which the record-by-record reader then reads and reports line by line."""
    if width < 2 or text.count("\r") != text.count("\r\n"):
        return None
    body = text.rstrip("\r\n")  # trailing empty lines are not records
    encoded = np.frombuffer(body.encode("utf-8"), dtype=np.uint8)
    separator = encoded == COMMA
    line_break = encoded == LINE_FEED
    quote = encoded == QUOTE
    if quote.any():
        # A character is inside a quoted value when an odd number of quotes precede it (a doubled
        # quote inside a value closes and reopens). Each quote must open at the start of a field
        # or close at its end, as a CSV writer puts them: the readers differ on a stray quote
        # inside a field. A line break inside quotes means a value spans lines.
        quoted = np.bitwise_xor.accumulate(quote.view(np.uint8)).view(bool)
        quotes = np.flatnonzero(quote)
        opening = quoted[quotes]
        before = encoded[np.maximum(quotes - 1, 0)]
        after = encoded[np.minimum(quotes + 1, len(encoded) - 1)]
        opens_a_field = (quotes == 0) | _OPENS_AFTER[before]
        closes_a_field = (quotes == len(encoded) - 1) | _CLOSES_BEFORE[after]
        if quoted[-1] or not np.where(opening, opens_a_field, closes_a_field).all():
            return None
        if (quoted & (line_break | (encoded == CARRIAGE_RETURN))).any():
            return None
        separator &= ~quoted
        del quoted, quotes, opening, before, after
    line_starts = np.concatenate(([0], np.flatnonzero(line_break) + 1))
    separators = np.flatnonzero(separator)
    fields_per_line = np.diff(np.searchsorted(separators, line_starts), append=len(separators)) + 1
    if (fields_per_line != width).any():
        return None
    # A value needs stripping only if a possible space touches a field edge (or the file's ends).
    space = _MAYBE_SPACE[encoded]
    edge = _FIELD_EDGE[encoded]
    needs_strip = bool(space[0] or space[-1] or (space[1:] & edge[:-1]).any() or (space[:-1] & edge[1:]).any())
    del encoded, separator, separators, line_break, quote, space, edge

    records = len(line_starts) - 1  # the first line is the header
    # Read as object, then typed as str: faster than dtype=str in the reader itself.
    frame = pd.read_csv(
        io.StringIO(body), header=None, skiprows=1, names=range(width), dtype=object,
        keep_default_na=False, na_values=[""], skip_blank_lines=False, engine="c",
    ) if records else pd.DataFrame({i: pd.Series(dtype=object) for i in range(width)})
    if len(frame) != records:  # cannot happen after the checks above; never guess line numbers
        return None
    lines = np.arange(2, records + 2, dtype=np.int64)
    fields = {i: frame[i].astype("str") for i in range(width)}
    del frame
    if needs_strip:
        fields = {i: _blank_is_missing(column.str.strip()) for i, column in fields.items()}
    blank_rows = np.flatnonzero(fields[0].isna().to_numpy())  # narrowed column by column
    for column in list(fields.values())[1:]:
        blank_rows = blank_rows[column.iloc[blank_rows].isna().to_numpy()]
    rejected = []
    if len(blank_rows):
        blank = np.zeros(records, dtype=bool)
        blank[blank_rows] = True
        rejected = [_rejection(line, "", "blank_row", "every field is blank") for line in lines[blank].tolist()]
        lines = lines[~blank]
        fields = {i: column[~blank].reset_index(drop=True) for i, column in fields.items()}
    return lines, fields, rejected


def _blank_is_missing(column: pd.Series) -> pd.Series:
    return column.where(column != "")


def _read_record_by_record(text: str, width: int, key_positions: list[tuple[str, int]]) -> ReadRecords:
    """Every record with Python's csv module, which gives each one's physical line (quoted
    newlines included); a record without the header's number of fields, or with every field
    blank, is set aside with its line and the reason."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)  # the header
    lines, records, rejected = [], [], []
    # The cyclic garbage collector would walk every record built so far at each collection
    # (the read slows down as the file grows); the records hold no reference cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for record in reader:
            line = reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # an empty line (or only spaces), e.g. after the last record: not a record
            if len(record) != width:
                rejected.append(_rejection(line, _record_key(key_positions, record), "wrong_field_count",
                    f"has {len(record)} fields where the header has {width} (a stray comma, an unclosed quote or a truncated line)"))
                continue
            values = [v.strip() or None for v in record]
            if not any(values):
                rejected.append(_rejection(line, "", "blank_row", "every field is blank"))
                continue
            lines.append(line)
            records.append(values)
    finally:
        if collecting:
            gc.enable()
    columns = list(zip(*records)) if records else [()] * width
    fields = {i: pd.Series(column, dtype="str") for i, column in enumerate(columns)}
    return np.array(lines, dtype=np.int64), fields, rejected


def _record_key(key_positions: list[tuple[str, int]], record: list[str]) -> str:
    """A rejected record's key as text (see RawExtract.record_keys); blank when a key value is missing."""
    values = []
    for name, position in key_positions:
        value = record[position].strip() if position < len(record) else ""
        if not value:
            return ""
        values.append(f"{name}={value}")
    return " ".join(values)


def _rejection(line: int, key: str, rule: str, reason: str) -> dict:
    return {LINE: line, KEY: key, "column": "", "rule": rule, "reason": reason, "value": ""}


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
            "(the project's mappings/ folder, see docs/data-quality.md).",
        )
