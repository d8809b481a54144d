"""The two ways a file's records are read, which give the same records, lines and set-aside rows.

Every record must keep the physical line number an analyst looks up in a text editor or Excel
(quoted newlines included). A well-formed file, where every physical line is one record with the
header's number of fields, is read by pandas' C parser: its line numbers follow from the line
order, and a value repeated down a column (a code, a date) is one string object rather than one
per row. Any other file (a ragged or blank line, a value spanning lines, a lone carriage return)
is read record by record with Python's csv module, which gives each record's line number and
lets a bad line be set aside and reported rather than fail the read.

Both take the field separator (a comma, or what the file was found to use: sniff.py) and, for
each field position, the spellings of "no value" read as blank there (missing.py).
"""

from __future__ import annotations

import csv
import gc
import io
import sys
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from .raw_extract import KEY, LINE

# A long free-text field must not stop the read: Python's default limit is 128 KiB per field.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


# How a file's records come back from either reader: the physical line of each record read
# (ascending), its fields by position in the header (text, stripped, blank is missing), and
# the records set aside as unreadable.
ReadRecords = tuple[np.ndarray, dict[int, pd.Series], list[dict]]

LINE_FEED, CARRIAGE_RETURN, QUOTE = (ord(c) for c in '\n\r"')
# Bytes that may be, or be part of, a character str.strip() removes: ASCII whitespace other than
# the line break itself, and any non-ASCII byte (U+00A0 and other Unicode spaces).
_MAYBE_SPACE = np.zeros(256, dtype=bool)
_MAYBE_SPACE[[9, 11, 12, 28, 29, 30, 31, 32]] = True
_MAYBE_SPACE[0x80:] = True
# For each position, the texts read as blank there besides the empty text (None: none).
MissingSpellings = Sequence[frozenset[str]] | None


@lru_cache(maxsize=8)
def _byte_classes(separator: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per byte: whether it is a field edge; may come just before a quote that opens a value;
    may come just after a quote that closes one."""
    code = ord(separator)
    field_edge, opens_after, closes_before = (np.zeros(256, dtype=bool) for _ in range(3))
    field_edge[[code, LINE_FEED, CARRIAGE_RETURN, QUOTE]] = True
    opens_after[[code, LINE_FEED, QUOTE]] = True
    closes_before[[code, LINE_FEED, CARRIAGE_RETURN, QUOTE]] = True
    return field_edge, opens_after, closes_before


def read_well_formed(text: str, width: int, separator: str = ",", missing: MissingSpellings = None) -> ReadRecords | None:
    """The records of a file whose every physical line (header included) is one record of
    `width` fields, read with pandas' C parser; None for any other file (a ragged, blank or
    whitespace-only line, a value spanning lines, an unclosed quote, a lone carriage return),
    which the record-by-record reader then reads and reports line by line."""
    if width < 2 or text.count("\r") != text.count("\r\n"):
        return None
    field_edges, opens_after, closes_before = _byte_classes(separator)
    body = text.rstrip("\r\n")  # trailing empty lines are not records
    encoded = np.frombuffer(body.encode("utf-8"), dtype=np.uint8)
    is_separator = encoded == ord(separator)
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
        opens_a_field = (quotes == 0) | opens_after[before]
        closes_a_field = (quotes == len(encoded) - 1) | closes_before[after]
        if quoted[-1] or not np.where(opening, opens_a_field, closes_a_field).all():
            return None
        if (quoted & (line_break | (encoded == CARRIAGE_RETURN))).any():
            return None
        is_separator &= ~quoted
        del quoted, quotes, opening, before, after
    line_starts = np.concatenate(([0], np.flatnonzero(line_break) + 1))
    separators = np.flatnonzero(is_separator)
    fields_per_line = np.diff(np.searchsorted(separators, line_starts), append=len(separators)) + 1
    if (fields_per_line != width).any():
        return None
    # A value needs stripping only if a possible space touches a field edge (or the file's ends).
    space = _MAYBE_SPACE[encoded]
    edge = field_edges[encoded]
    needs_strip = bool(space[0] or space[-1] or (space[1:] & edge[:-1]).any() or (space[:-1] & edge[1:]).any())
    del encoded, is_separator, separators, line_break, quote, space, edge

    records = len(line_starts) - 1  # the first line is the header
    # Read as object, then typed as str: faster than dtype=str in the reader itself.
    # The parser blanks the spellings of "no value" as it reads (no cost measured); a padded one
    # (" NULL ") is blanked after stripping, below.
    na_values = {i: ["", *sorted(missing[i])] for i in range(width)} if missing else [""]
    frame = pd.read_csv(
        io.StringIO(body), header=None, skiprows=1, names=range(width), dtype=object, sep=separator,
        keep_default_na=False, na_values=na_values, skip_blank_lines=False, engine="c",
    ) if records else pd.DataFrame({i: pd.Series(dtype=object) for i in range(width)})
    if len(frame) != records:  # cannot happen after the checks above; never guess line numbers
        return None
    lines = np.arange(2, records + 2, dtype=np.int64)
    fields = {i: frame[i].astype("str") for i in range(width)}
    del frame
    if needs_strip:
        fields = {i: _blank_is_missing(column.str.strip(), missing[i] if missing else None) for i, column in fields.items()}
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


def _blank_is_missing(column: pd.Series, missing: frozenset[str] | None) -> pd.Series:
    return column.where(~column.isin(missing | {""})) if missing else column.where(column != "")


def read_record_by_record(
    text: str, width: int, key_positions: list[tuple[str, int]], separator: str = ",", missing: MissingSpellings = None
) -> ReadRecords:
    """Every record with Python's csv module, which gives each one's physical line (quoted
    newlines included); a record without the header's number of fields, or with every field
    blank, is set aside with its line and the reason."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    blank_at = [frozenset({""}) | (missing[i] if missing else frozenset()) for i in range(width)]
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
            values = [None if (value := v.strip()) in blank else value for v, blank in zip(record, blank_at)]
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
