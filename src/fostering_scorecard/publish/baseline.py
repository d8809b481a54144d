"""The data-quality baseline: the previous month's findings that a month's data-quality report
compares with (new / still open / fixed since last month).

It is an input of the month like the extracts: chosen once, when the month is first published
(the previous month's newest version, if there is one), recorded in the manifest ("baseline":
month, version, file, sha256) and archived by its sha256. Every later run of the month reuses
the baseline its newest version recorded, so publishing or re-issuing the previous month
afterwards never changes this month, and `verify` restores the same file from the archive.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..periods import shift_month
from .archive import ArchiveError, archive_path
from .files import sha256_file
from .manifest import MANIFEST, read_manifest
from .versions import MonthStore

# A published month's findings, newest layout first (quarantine.csv: months published before
# data_quality_records.csv existed).
FINDINGS_FILES = ("internal/data_quality_records.csv", "internal/quarantine.csv")


@dataclass(frozen=True)
class Baseline:
    """entry: as the manifest records it (None: nothing to compare with); findings: where to
    read the findings now (the previous month's version folder, or the archive)."""

    entry: dict | None
    findings: Path | None


def findings_of(month: str, version: int, folder: Path) -> Baseline:
    """A version of month (written in folder) as the baseline of the month after it."""
    for name in FINDINGS_FILES:
        path = Path(folder) / name
        if path.is_file():
            return Baseline({"month": month, "version": version, "file": name, "sha256": sha256_file(path)}, path)
    return Baseline(None, None)


def previous_month_findings(store: MonthStore, month: str) -> Baseline:
    """The newest version of the month before, as a baseline (none when it is not published)."""
    previous = shift_month(month, -1)
    latest = store.latest(previous)
    return findings_of(previous, *latest) if latest else Baseline(None, None)


def month_baseline(store: MonthStore, month: str, previous: Baseline | None = None) -> Baseline:
    """The baseline for a run of month: the one its newest version recorded (from the archive,
    checked against its sha256), else, for a first publication, the previous month's findings:
    `previous` when the caller is publishing the previous month's new version itself (a
    backfill, whose months are published in order: findings_of its version being written),
    else the newest version of the previous month in store."""
    latest = store.latest(month)
    if latest and (latest[1] / MANIFEST).is_file():
        recorded = read_manifest(latest[1])
        if "baseline" in recorded:  # pinned; a manifest from before baselines were recorded has none
            entry = recorded["baseline"]
            if entry is None:
                return Baseline(None, None)
            blob = archive_path(store.archive_dir, entry["sha256"])
            if not blob.is_file() or sha256_file(blob) != entry["sha256"]:
                raise ArchiveError(
                    f"{month} version {latest[0]} compared its data quality with {entry['month']} version {entry['version']}, "
                    f"but that baseline's archived copy ({entry['sha256'][:12]}...) is missing or altered in {store.archive_dir}. "
                    "Restore the archive from a backup."
                )
            return Baseline(entry, blob)
    return previous if previous is not None else previous_month_findings(store, month)
