"""What reading a file gives: its records as text, each with the physical line it started on,
and the records that could not be read, each with its line and the reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..definitions import Extract
from .mapping import DEFAULT_DATE_FORMATS

LINE = "_line"  # physical line number in the source file (header = line 1)
KEY = "_key"  # a rejected record's key as text, e.g. "CHILD=C1 DECOM=01/02/2019" (internal use only)


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
