"""Column mappings: how one council's files differ from the data contract.

A council whose system names files or columns differently, or writes dates another way, adds a
column mapping (mappings/<name>.toml in the council's project, chosen by `mapping = "<name>"`
in the extracts folder's extract.toml): the file is read through it, so no code changes. A
mapping is found by its name in the project's mappings/ folder only, and the file names it
gives are names in the extracts folder, never paths.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..definitions import Extract
from .errors import ExtractError
from .extract_info import EXTRACT_INFO_FILE, read_extract_toml
from .files import is_plain_name

DEFAULT_DATE_FORMATS = ("%d/%m/%Y",)
_MAPPING_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
MAPPING_HELP = "see docs/data-quality.md"


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


def mapping_path(name: object, mappings_dir: Path | None) -> Path:
    """mappings/<name>.toml in the project, for the name extract.toml gives; refused when the
    name is a path, or the file (through a link) lies outside the mappings folder."""
    if not isinstance(name, str) or not _MAPPING_NAME.fullmatch(name.removesuffix(".toml")) or ".." in name:
        raise ExtractError(
            EXTRACT_INFO_FILE,
            "mapping must be the name of a file in the project's mappings/ folder, without a folder part",
            'write it like  mapping = "mosaic"  for mappings/mosaic.toml in the project (' + MAPPING_HELP + ").",
        )
    stem = name.removesuffix(".toml")
    if mappings_dir is None:
        raise ExtractError(EXTRACT_INFO_FILE, f"names the column mapping {stem!r}, but no project is open to find it in",
                           "run the scorecard with --project (the project's mappings/ folder holds the mapping).")
    folder = Path(mappings_dir)
    path = folder / f"{stem}.toml"
    if not path.is_file():
        raise ExtractError(
            EXTRACT_INFO_FILE,
            f"names the column mapping {stem!r}, but {path} does not exist",
            f"add the mapping file to the project's {folder.name}/ folder ({MAPPING_HELP}), or remove the mapping line.",
        )
    if not path.resolve().is_relative_to(folder.resolve()):
        raise ExtractError(f"{stem}.toml", "is a link to a file outside the project's mappings folder, so it is not read",
                           "copy the mapping file into the mappings folder.")
    return path


def _checked_spec(extract: Extract, data: dict, where: str) -> tuple[dict, dict[str, str], tuple[str, ...]]:
    """This extract's part of a mapping: (its table, its columns, its date formats), checked."""
    def problem(text: str) -> ExtractError:
        return ExtractError(where, text, f"correct the mapping file ({MAPPING_HELP}).")

    def formats(value, name: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise problem(f"{name} must be a list of date formats, e.g. [\"%d-%m-%Y\"]")
        return tuple(value)

    default_formats = formats(data["date_formats"], "date_formats") if "date_formats" in data else DEFAULT_DATE_FORMATS
    spec = data.get(extract.name, {})
    if not isinstance(spec, dict):
        raise problem(f"{extract.name} must be a table: [{extract.name}]")
    columns = spec.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) and v.strip() for v in columns.values()):
        raise problem(f"[{extract.name}.columns] must give each column's name in the file as text")
    unknown = sorted(set(columns) - set(extract.column_names))
    if unknown:
        raise ExtractError(
            where,
            f"maps column(s) not in the {extract.file} contract: " + ", ".join(unknown),
            "the left-hand names must be the contract's names in docs/data-contract.md.",
        )
    file = spec.get("file")
    if file is not None and (not isinstance(file, str) or not is_plain_name(file)):
        raise ExtractError(
            where,
            f"[{extract.name}] file must be a file name in the extracts folder, not a path",
            "give only the file's name (e.g. Carers_Export.csv) and save the file in the extracts folder.",
        )
    date_formats = formats(spec["date_formats"], f"[{extract.name}] date_formats") if "date_formats" in spec else default_formats
    return spec, dict(columns), date_formats


def load_mapping(extract: Extract, extracts_dir: Path, mappings_dir: Path | None = None) -> ExtractMapping:
    """The column mapping named in the extracts folder's extract.toml (`mapping = "name"` for
    mappings/name.toml in the project), for this extract; none by default."""
    settings = read_extract_toml(extracts_dir)
    name = settings.get("mapping") if settings else None
    if not name:
        return ExtractMapping()
    path = mapping_path(name, mappings_dir)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ExtractError(path.name, f"is not valid TOML ({exc})", f"correct the mapping file ({MAPPING_HELP}).") from None
    except (OSError, UnicodeDecodeError):
        raise ExtractError(path.name, "cannot be read as text", f"save the mapping file as UTF-8 text ({MAPPING_HELP}).") from None
    spec, columns, date_formats = _checked_spec(extract, data, path.name)
    return ExtractMapping(file=spec.get("file"), columns=columns, date_formats=date_formats, source=path.name)
