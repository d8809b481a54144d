"""Spellings of "no value" read as blank: NULL (a database export), #N/A (Excel), N/A, None,
NaN, "-" and the others in the contract's [reading] section, each as written there, in capitals,
in small letters or with a capital first letter (NULL, null, Null). A required column holding
one is then reported as missing, as a blank would be.

"NA" is read as blank only where it cannot be a real value (dates, whole numbers, Y/N flags and
columns with a code list): in a free-text column it may be an id, a team or a course code.
A spelling that is one of a column's own codes is never read as blank in that column.
"""

from __future__ import annotations

from functools import lru_cache

from ..definitions import Column, ReadingRules


def _capitalisations(spelling: str) -> set[str]:
    # Not every mix of capitals: pandas' parser takes about 13 microseconds per spelling per
    # column to prepare, and exports write these as one of the four.
    return {spelling, spelling.upper(), spelling.lower(), spelling.capitalize()}


@lru_cache(maxsize=256)
def missing_spellings(rules: ReadingRules, column: Column | None) -> frozenset[str]:
    """Every text read as blank in this column (None: a column the contract does not know),
    each spelling in its capitalisations (so the readers match them exactly, and fast)."""
    spellings = list(rules.missing_values)
    if column is not None and (column.type != "text" or column.codes is not None):
        spellings += rules.missing_values_where_coded
    codes = {code.lower() for code in (column.codes or ())} if column is not None else set()
    return frozenset(v for s in spellings if s.lower() not in codes for v in _capitalisations(s))
