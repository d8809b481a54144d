"""Column mappings: how one council's files differ from the data contract.

A council whose system names columns differently, or writes dates another way, adds a column
mapping (mappings/<name>.toml in the council's project, chosen by `mapping = "<name>"` in the
extracts folder's extract.toml): the file is read through it, so no code changes.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..definitions import Extract
from .errors import ExtractError
from .extract_info import EXTRACT_INFO_FILE

DEFAULT_DATE_FORMATS = ("%d/%m/%Y",)


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
