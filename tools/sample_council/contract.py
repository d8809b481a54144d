"""What the sample may contain, read from the tool's national data contract
(src/fostering_scorecard/national/extracts.toml, through `fostering_scorecard.definitions`).

The generator keeps its own weights per code, but keys them by the contract's codes: a weight,
a code set or a written value that the contract does not allow is an error, so the sample can
never drift from the contract unnoticed. Weighted tables are checked when the generator's
modules are imported, before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from fostering_scorecard import definitions
from fostering_scorecard.definitions import Column, Extract

from .draws import table

FLAG_VALUES = ("Y", "N")  # a "flag" column of the contract


def extracts() -> dict[str, Extract]:
    """The contract's extracts by name (header, episodes, ...), in the contract's order."""
    return definitions.load().extracts


def extract(name: str) -> Extract:
    try:
        return extracts()[name]
    except KeyError:
        raise ValueError(f"the data contract has no extract {name!r}") from None


def column(extract_name: str, column_name: str) -> Column:
    found = [c for c in extract(extract_name).columns if c.name == column_name]
    if not found:
        raise ValueError(f"the data contract has no column {extract_name}.{column_name}")
    return found[0]


def codes(extract_name: str, column_name: str) -> tuple[str, ...]:
    """The codes the contract lists for a column, in the contract's order."""
    listed = column(extract_name, column_name).codes
    if listed is None:
        raise ValueError(f"the data contract lists no codes for {extract_name}.{column_name}")
    return listed


def listed(extract_name: str, column_name: str, subset: Iterable[str]) -> tuple[str, ...]:
    """`subset`, after checking that the contract lists every one of its codes."""
    subset = tuple(subset)
    unknown = [c for c in subset if c not in codes(extract_name, column_name)]
    if unknown:
        raise ValueError(f"{extract_name}.{column_name}: the data contract does not list {unknown}")
    return subset


def weighted_codes(extract_name: str, column_name: str, weights: dict[str, float]):
    """{code: weight} -> a table for Draws.pick / pick_many, in the generator's order (the
    order fixes which code a random draw lands on); every code must be one the contract lists."""
    listed(extract_name, column_name, weights)
    return table(weights)


def allowed(col: Column, value: str) -> bool:
    """Whether a non-blank value passes the contract's codes, flag or integer range."""
    if col.codes is not None and value not in col.codes:
        return False
    if col.type == "flag":
        return value in FLAG_VALUES
    if col.type == "integer":
        if not re.fullmatch(r"-?\d+", value):
            return False
        number = int(value)
        return (col.min is None or number >= col.min) and (col.max is None or number <= col.max)
    return True


def not_allowed(extract_name: str, column_name: str, values: Iterable[str]) -> list[str]:
    """`values` (deliberately bad ones, to plant), after checking the contract refuses each."""
    values = list(values)
    col = column(extract_name, column_name)
    good = [v for v in values if allowed(col, v)]
    if good:
        raise ValueError(f"{extract_name}.{column_name}: {good} are allowed by the data contract, so not bad values")
    return values


def check_table(extract_name: str, df: pd.DataFrame) -> list[str]:
    """The contract's column names, in its order, after checking that the generator made exactly
    those columns and that every value it wrote is one the contract allows (blank aside)."""
    spec = extract(extract_name)
    names = spec.column_names
    missing, extra = sorted(set(names) - set(df.columns)), sorted(set(df.columns) - set(names))
    if missing or extra:
        raise ValueError(f"{spec.file}: the generator makes columns {sorted(df.columns)}; "
                         f"the data contract's missing: {missing}, not in the contract: {extra}")
    for col in spec.columns:
        if col.codes is None and col.type not in ("flag", "integer"):
            continue
        values = pd.unique(df[col.name].astype(str))
        wrong = sorted(v for v in values if v != "" and not allowed(col, v))
        if wrong:
            raise ValueError(f"{spec.file}: {col.name} has values the data contract does not allow: {wrong}")
    return names


def date_columns(extract_name: str) -> list[str]:
    return [c.name for c in extract(extract_name).columns if c.type == "date"]


def start_dates(extract_name: str) -> dict[str, str]:
    """{end date column: the start date it must not be before}, from the contract's date_order
    (the first pair listed, for an end date with more than one)."""
    starts: dict[str, str] = {}
    for start, end in extract(extract_name).date_order:
        starts.setdefault(end, start)
    return starts
