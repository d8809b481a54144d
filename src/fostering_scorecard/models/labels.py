"""The plain-English labels of the data contract's codes (national/extracts.toml, [labels]),
e.g. REASON_PLACE_CHANGE CREQB -> "Carer requested the end: the child's behaviour". Breakdowns
show these labels (the SQL reads them from the code_labels table), never the codes."""

from __future__ import annotations

from functools import lru_cache

from .. import resources
from ..definitions import read_toml


@lru_cache(maxsize=1)
def code_labels() -> dict[tuple[str, str], dict[str, str]]:
    """(extract, column) -> {code: label}, for every column the contract labels."""
    labels = read_toml(resources.national_file("extracts.toml")).get("labels", {})
    return {(extract, column): dict(codes) for extract, columns in labels.items() for column, codes in columns.items()}


def label(extract: str, column: str, code: str) -> str:
    """The code's label, or the code itself when the contract gives it none."""
    return code_labels().get((extract, column), {}).get(code, code)
