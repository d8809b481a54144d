"""extract.toml: facts about one drop of extracts (the date they were taken, the council, the
source system), saved beside the CSV files in the extracts folder."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

EXTRACT_INFO_FILE = "extract.toml"


@dataclass(frozen=True)
class ExtractInfo:
    """Facts about one drop of extracts, from extract.toml in the extracts folder."""

    extract_date: dt.date
    council: str = ""
    source_system: str = ""


def load_extract_info(extracts_dir: Path) -> ExtractInfo | None:
    path = Path(extracts_dir) / EXTRACT_INFO_FILE
    if not path.exists():
        return None
    with path.open("rb") as f:
        data = tomllib.load(f)
    extract_date = data["extract_date"]
    if isinstance(extract_date, str):
        extract_date = dt.date.fromisoformat(extract_date)
    return ExtractInfo(
        extract_date=extract_date,
        council=data.get("council", ""),
        source_system=data.get("source_system", ""),
    )
