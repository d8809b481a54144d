"""What reading an extract gives: its records as text, each with the row number it is known by,
and the records that could not be read, each with its row number and the reason.

A row's number (`_line`) is the physical line it started on in its file (header = line 1), so
an analyst can find it. An extract read from several annual returns numbers its rows on from
one file to the next (the second file's line 2 is the first file's last line + 2, and so on),
so each row still has its own number; `locate` gives back each one's file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..definitions import Extract
from .mapping import DEFAULT_DATE_FORMATS

LINE = "_line"  # the row's number: its physical line in its file (header = line 1), see above
KEY = "_key"  # a rejected record's key as text, e.g. "CHILD=C1 DECOM=01/02/2019" (internal use only)


@dataclass(frozen=True)
class SourceFile:
    """One file an extract was read from."""

    path: Path
    sha256: str
    rows_read: int  # records read from the file (then accepted, set aside or superseded)
    rows_superseded: int = 0  # its rows replaced by the same record in a later annual return
    collection_year: str = ""  # an annual return's year, e.g. "2019-20"; blank for the current extract
    first_row: int = 0  # its rows are numbered first_row + their line in the file


@dataclass
class RawExtract:
    extract: Extract
    path: Path  # the file read (the latest, when several were); where it belongs when not supplied
    sha256: str  # that file's sha256 ("" when not supplied); every file's is in `sources`
    rows: pd.DataFrame  # _line, then the text columns in contract order (stripped; blank is missing)
    rejected: list[dict] = field(default_factory=list)  # rows unreadable as records (with _line and _key)
    notes: list[str] = field(default_factory=list)  # file-level remarks (encoding, extra columns)
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    sources: tuple[SourceFile, ...] = ()  # every file read, oldest first; none when not supplied
    superseded: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # row numbers replaced by a later return
    supplied: bool = True  # False: an optional extract left out (its rows are empty)

    @property
    def rows_read(self) -> int:
        """Every record read: rows + rejected + superseded."""
        return len(self.rows) + len(self.rejected) + len(self.superseded)

    @property
    def rows_superseded(self) -> int:
        return len(self.superseded)

    @property
    def file_names(self) -> str:
        """The file(s) read, as saved, for reports: "episodes.csv", or the annual returns in order."""
        return "; ".join(s.path.name for s in self.sources) if len(self.sources) > 1 else self.path.name

    def locate(self, rows: Iterable[int]) -> tuple[list[str], list[int]]:
        """The file (as saved) and the physical line of each of these row numbers."""
        numbers = np.fromiter(rows, dtype=np.int64)
        if len(self.sources) <= 1:
            return [self.path.name] * len(numbers), numbers.tolist()
        firsts = np.array([s.first_row for s in self.sources], dtype=np.int64)
        which = np.searchsorted(firsts, numbers, side="left") - 1  # a file's rows are first_row + 1, 2, ...
        names = np.array([s.path.name for s in self.sources], dtype=object)
        return names[which].tolist(), (numbers - firsts[which]).tolist()

    def line_label(self, row: int) -> str:
        """A row number in words for a reason: "line 5", or "line 5 of episodes_2019-20.csv"
        when the extract was read from several files."""
        if len(self.sources) <= 1:
            return f"line {int(row)}"
        (name,), (line,) = self.locate([row])
        return f"line {line} of {name}"

    def record_keys(self, lines: Iterable[int]) -> dict[int, str]:
        """The key as text (e.g. "CHILD=C1 DECOM=01/02/2019") of the rows with these numbers, so
        a finding can be followed from month to month (line numbers move as records are added);
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


def empty_rows(extract: Extract) -> pd.DataFrame:
    """No rows, with the columns (and types) reading a header-only file gives."""
    return pd.DataFrame(
        {LINE: pd.Series(dtype=np.int64), **{name: pd.Series(dtype="str") for name in extract.column_names}}
    )


def not_supplied(extract: Extract, path: Path, date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS) -> RawExtract:
    """An optional extract the council left out: no rows, so every later step runs on empty
    tables, and `supplied` is False so its indicators can read "no data"."""
    return RawExtract(extract, Path(path), "", empty_rows(extract), [], [f"not supplied (the {extract.file} file is optional)"],
                      date_formats, (), supplied=False)
