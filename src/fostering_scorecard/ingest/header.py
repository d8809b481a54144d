"""A file's header line: read from the first bytes, then checked against the contract (no
column twice; every required column present, under the mapping's name), with a hint at the
likely original of a renamed column."""

from __future__ import annotations

import csv
import difflib
import io

from ..definitions import Extract
from .errors import ExtractError
from .mapping import ExtractMapping


def read_header(text: str) -> list[str]:
    # From the first bytes (a StringIO of the whole file would copy it), unless the header
    # record runs to their end.
    first_bytes = text[: 1 << 20]
    start = io.StringIO(first_bytes, newline="")
    header = next(csv.reader(start))
    if start.tell() >= len(first_bytes) and len(text) > len(first_bytes):
        header = next(csv.reader(io.StringIO(text, newline="")))
    return [h.strip() for h in header]


def check_header(extract: Extract, header: list[str], mapping: ExtractMapping | None = None, file_name: str | None = None) -> None:
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
