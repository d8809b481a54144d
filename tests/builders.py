"""Build small extract folders by hand for worked-example tests.

Rows are given as dicts with only the columns that matter to the example; every other column
gets a sound default, so each test shows just the facts its expected numbers depend on.
"""

from __future__ import annotations

import csv
from pathlib import Path

from fostering_scorecard import definitions

REPOSITORY = Path(__file__).resolve().parents[1]
SAMPLE_PROJECT = REPOSITORY / "data" / "sample"  # the bundled sample council's project
SAMPLE_EXTRACTS = SAMPLE_PROJECT / "extracts"
EXTRACTS = definitions.load().extracts

DEFAULTS = {
    "header": {"SEX": "1", "DOB": "01/01/2010", "ETHNIC": "WBRI"},
    "episodes": {"RNE": "S", "LS": "C2", "CIN": "N1", "PLACE": "U4", "PLACE_PROVIDER": "PR1"},
    "carers": {
        "household_type": "mainstream",
        "approved_places": "2",
        "emergency_bed": "N",
        "assessment_bed": "N",
        "support_team": "East",
        "status": "active",
    },
    "training": {"course": "TSD", "core_course": "Y"},
    "allegations": {"category": "PHYSICAL"},
    "enquiries": {},
}


def write_extracts(folder: Path, extract_date: str = "2020-04-05", **tables: list[dict]) -> Path:
    """Write every extract file (empty ones as header only) and extract.toml into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    counters: dict[str, int] = {}
    for name, extract in EXTRACTS.items():
        with (folder / extract.file).open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(extract.column_names)
            for row in tables.get(name, []):
                full = {**DEFAULTS[name], **row}
                if len(extract.key) == 1 and extract.key[0] not in full:
                    counters[name] = counters.get(name, 0) + 1
                    full[extract.key[0]] = f"{name[:1].upper()}{counters[name]:04d}"
                writer.writerow([full.get(c, "") for c in extract.column_names])
    (folder / "extract.toml").write_text(f"extract_date = {extract_date}\n")
    return folder


def children_for(episodes: list[dict], dob: str = "01/01/2010") -> list[dict]:
    """A header row for every child in the episodes (same date of birth unless given)."""
    return [{"CHILD": child, "DOB": dob} for child in sorted({e["CHILD"] for e in episodes})]
