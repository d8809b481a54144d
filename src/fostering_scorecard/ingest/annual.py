"""Several annual SSDA903 returns of one extract, read as one.

A council keeps one return per collection year, and a record open across a year end is in
both: an episode that started in 2018-19 and ended in 2019-20 is in the 2018-19 return (open)
and in the 2019-20 return (closed). Rows with the same key (CHILD for the header, CHILD + DECOM
for episodes) are reconciled: the latest return wins (files are taken in the order
`files.extract_files` gives: collection year, then the current extract), and the rows it
replaces are *superseded*: read, counted, and left out of everything after. A row whose key is
incomplete cannot be matched, so it is never superseded. Dates in a key are compared as dates
(01/04/2019 and 1/4/2019 are the same day), in the formats the extract is read with.

So, per extract: rows read = accepted + set aside + superseded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..definitions import Extract
from .raw_extract import LINE, RawExtract, SourceFile


@dataclass
class FileRead:
    """One file, read: its rows and set-aside records numbered by their physical line."""

    path: Path
    sha256: str
    rows: pd.DataFrame
    rejected: list[dict]
    notes: list[str]
    last_line: int  # the highest line number of any record in the file (at least 1: the header)
    collection_year: str = ""


def _key_frame(extract: Extract, rows: pd.DataFrame, date_formats: tuple[str, ...]) -> pd.DataFrame:
    """The key columns as compared across returns: text, dates as ISO text when they parse."""
    keys = {}
    for name in extract.key:
        values = rows[name]
        if extract.column(name).type == "date":
            parsed = None
            for date_format in date_formats:
                attempt = pd.to_datetime(values, format=date_format, errors="coerce")
                parsed = attempt if parsed is None else parsed.fillna(attempt)
            values = parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), values)
        keys[name] = values.astype(object)
    return pd.DataFrame(keys)


def superseded_rows(extract: Extract, rows: pd.DataFrame, file_index: np.ndarray, date_formats: tuple[str, ...]) -> np.ndarray:
    """Which rows a later file replaces: their key is also in a later file (boolean, per row)."""
    keys = _key_frame(extract, rows, date_formats)
    complete = keys.notna().all(axis=1).to_numpy()
    superseded = np.zeros(len(rows), dtype=bool)
    if complete.any():
        keyed = keys[complete].assign(_file=file_index[complete])
        latest = keyed.groupby(list(extract.key), sort=False)["_file"].transform("max").to_numpy()
        superseded[complete] = file_index[complete] < latest
    return superseded


def combine(extract: Extract, reads: list[FileRead], notes: list[str], date_formats: tuple[str, ...]) -> RawExtract:
    """The files as one extract: rows numbered on from file to file, superseded rows taken out
    (their numbers kept in `superseded`), each file's counts in `sources`."""
    frames, rejected, file_index, firsts = [], [], [], []
    first_row = 0
    for index, read in enumerate(reads):
        frames.append(read.rows.assign(**{LINE: read.rows[LINE] + first_row}))
        rejected += [{**r, LINE: r[LINE] + first_row} for r in read.rejected]
        file_index.append(np.full(len(read.rows), index, dtype=np.int64))
        firsts.append(first_row)
        first_row += read.last_line
    rows = pd.concat(frames, ignore_index=True)
    file_index = np.concatenate(file_index)
    superseded = superseded_rows(extract, rows, file_index, date_formats)
    per_file = np.bincount(file_index[superseded], minlength=len(reads))
    sources = tuple(
        SourceFile(read.path, read.sha256, len(read.rows) + len(read.rejected), int(per_file[i]), read.collection_year, firsts[i])
        for i, read in enumerate(reads)
    )
    superseded_numbers = rows.loc[superseded, LINE].to_numpy(dtype=np.int64)
    rows = rows[~superseded].reset_index(drop=True)
    for column in extract.column_names:  # concatenating keeps the text type; make sure of it
        if str(rows[column].dtype) != "str":
            rows[column] = rows[column].astype("str")
    file_notes = [f"{read.path.name}: {note}" for read in reads for note in read.notes]
    summary = (f"read from {len(reads)} files, oldest first: " + ", ".join(read.path.name for read in reads)
               + f"; {len(superseded_numbers)} row(s) superseded by the same record in a later file")
    latest = reads[-1]
    return RawExtract(extract, latest.path, latest.sha256, rows, rejected, [summary, *file_notes, *notes], date_formats,
                      sources=sources, superseded=superseded_numbers)
