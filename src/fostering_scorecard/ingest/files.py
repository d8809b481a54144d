"""Which files an extract is read from, every one inside the extracts folder.

A file name (from the data contract, or a column mapping) must be a plain name in the extracts
folder, not a path; a link that leads out of the folder is refused, and nothing of the file it
points at is read. An extract marked `annual_returns` in the contract (the SSDA903 header and
episodes) may also come as one file per collection year, as councils keep their returns:

    episodes_2018-19.csv, episodes_2019-20.csv, ... and, optionally, episodes.csv

The returns are taken oldest first, then the plain file (the current extract from the live
system, taken on the extract date): when the same record is in several, the latest one wins
(`annual.py`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from .errors import ExtractError

_COLLECTION_YEAR = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class ExtractFile:
    """One file to read: where it is (inside the extracts folder) and, for an annual return,
    its collection year (e.g. "2019-20"; blank for the current extract)."""

    path: Path
    collection_year: str = ""


def is_plain_name(name: str) -> bool:
    """A file name with no folder part, on any system."""
    return (
        bool(name)
        and name not in (".", "..")
        and PurePosixPath(name).name == name
        and PureWindowsPath(name).name == name
        and not PureWindowsPath(name).drive
    )


def inside_folder(folder: Path, name: str, named_in: str | None = None) -> Path:
    """`folder / name`, refused (ExtractError) when the name is a path or when the file, through
    a link, lies outside the folder. `named_in`: the file that gave the name, for the message."""
    if not is_plain_name(name):
        raise ExtractError(
            named_in or "the extract's file name",
            "gives a file name with a folder part; every extract is read from the extracts folder itself",
            "give only the file's name (e.g. carers.csv) and save the file in the extracts folder.",
        )
    path = Path(folder) / name
    try:
        real_folder, real = Path(folder).resolve(), path.resolve()
    except (OSError, RuntimeError):  # a link to itself, or one the system cannot follow
        raise ExtractError(name, "is a link that cannot be followed", f"save the file itself in the extracts folder as {name}.") from None
    if not real.is_relative_to(real_folder):
        raise ExtractError(
            name,
            "is a link to a file outside the extracts folder, so it is not read",
            "copy the file into the extracts folder (links leading out of it are refused, so a run reads only what was saved there).",
        )
    return path


def _collection_year(name: str, prefix: str, suffix: str) -> str:
    year = name[len(prefix) : len(name) - len(suffix)]
    found = _COLLECTION_YEAR.fullmatch(year)
    if not found or int(found.group(2)) != (int(found.group(1)) + 1) % 100:
        raise ExtractError(
            name,
            f"looks like an annual return (its name starts {prefix}) but has no collection year such as 2019-20 in its name",
            f"name each annual return {prefix}YYYY-YY{suffix} (e.g. {prefix}2019-20{suffix}), or move the file out of the extracts folder.",
        )
    return year


def extract_files(folder: Path, file_name: str, annual_returns: bool, named_in: str | None = None) -> list[ExtractFile]:
    """The files of one extract, in the order they are taken (oldest first; the plain file last);
    none when the extract was not supplied."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExtractError(str(folder), "the extracts folder does not exist", "check the --extracts path, or [folders] extracts in scorecard.toml.")
    files = []
    if annual_returns:
        stem, suffix = os.path.splitext(file_name)
        prefix = f"{stem}_"
        names = sorted(n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(suffix) and len(n) > len(prefix) + len(suffix))
        years = sorted((_collection_year(n, prefix, suffix), n) for n in names)
        files = [ExtractFile(inside_folder(folder, n), year) for year, n in years]
    plain = inside_folder(folder, file_name, named_in)
    if os.path.lexists(plain):
        files.append(ExtractFile(plain))
    return files
