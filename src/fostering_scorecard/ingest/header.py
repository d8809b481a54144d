"""A file's header line: read from the first bytes, then checked against the contract (no
column twice; every required column present, under the mapping's name), with a hint at the
likely original of a renamed column.

A first line that is not a header (a file saved without its header line starts with a record)
is reported as such, without quoting it: it holds a child's or a household's data. Column
names are quoted only from a line that looks like a header: no field of it looks like a date
or a number (every extract has a required date, so a record does), and at least one is, or
nearly is, a column name of the contract.
"""

from __future__ import annotations

import csv
import difflib
import io
import re

from ..definitions import Extract
from .errors import ExtractError
from .mapping import ExtractMapping

_DATE_LIKE = re.compile(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}(\s.*)?")
_NUMBER_LIKE = re.compile(r"[-+]?[\d,]*\.?\d+")
CONTRACT_HELP = "the column names are in docs/data-contract.md"


def read_header(text: str, separator: str = ",") -> list[str]:
    # From the first bytes (a StringIO of the whole file would copy it), unless the header
    # record runs to their end.
    first_bytes = text[: 1 << 20]
    start = io.StringIO(first_bytes, newline="")
    header = next(csv.reader(start, delimiter=separator), [])
    if start.tell() >= len(first_bytes) and len(text) > len(first_bytes):
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=separator), [])
    return [h.strip() for h in header]


def _normal(name: str) -> str:
    """A name ignoring case, spaces and punctuation: 'Date_Approved' ~ 'date approved'."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def first_line_problem(extract: Extract, header: list[str], mapping: ExtractMapping) -> str | None:
    """Why the first line cannot be the header line (see the module's note), or None when it
    looks like one, so its column names may be shown."""
    names = [h for h in header if h]
    if not names:
        return "line 1 is blank: the header line must be the first line"
    if any(_DATE_LIKE.fullmatch(h) or _NUMBER_LIKE.fullmatch(h) for h in names):
        return ("line 1 is a record, not the header line: some of its fields look like dates or numbers "
                "(it is not shown here: it may hold personal data)")
    known = {_normal(n) for c in extract.column_names for n in (c, mapping.source_name(c))}
    if not any(_normal(h) in known or difflib.get_close_matches(_normal(h), known, n=1, cutoff=0.8) for h in names):
        return (f"line 1 is not the header line of the {extract.title} extract: none of its {len(header)} "
                "fields is one of its column names (it is not shown here: it may hold personal data)")
    return None


def check_header(extract: Extract, header: list[str], mapping: ExtractMapping | None = None, file_name: str | None = None) -> None:
    mapping = mapping or ExtractMapping()
    file_name = file_name or extract.file
    problem = first_line_problem(extract, header, mapping)
    if problem:
        raise ExtractError(
            file_name,
            problem,
            f"make the header line the first line of the file ({CONTRACT_HELP}); "
            f"if this is another extract, save the right one as {file_name}.",
        )
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
        normalised = {_normal(h): h for h in header if h}
        hints = []
        for name in missing:
            close = difflib.get_close_matches(_normal(name), list(normalised), n=1, cutoff=0.6)
            if close:
                hints.append(f"{normalised[close[0]]!r} looks like {name!r}")
        raise ExtractError(
            file_name,
            "required column(s) missing: " + ", ".join(missing) + f" (the header has: {found})",
            ("; ".join(hints) + ". " if hints else "")
            + "Rename the columns to the names in docs/data-contract.md, or add a column mapping "
            "(the project's mappings/ folder, see docs/data-quality.md).",
        )
