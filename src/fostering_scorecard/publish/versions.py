"""Versions of a month: a published version is never changed.

    <output>/2020-03               -> versions/2020-03/v2 (the month as it stands now)
    <output>/versions/2020-03/v1/  the month as first published
    <output>/versions/2020-03/v2/  a re-issue, with change_note.md
    <output>/scorecard_series.csv  every indicator for every month, from the newest versions

A version is written in a hidden folder (versions/<month>/.partial-<pid>) and renamed into place
when complete, then the month's link is switched to it in one step, so a crash or a kill leaves
the previous version (or no month) visible, never half a month. Everything here that changes a
month's folders expects the caller to hold the month's lock (lock.month_lock).
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .. import runtime, tables
from ..errors import FileProblem
from .archive import ARCHIVE
from .files import private_mkdir, write_atomically
from .manifest import MANIFEST

VERSIONS = "versions"  # the versions' folder inside an output folder
SERIES = "scorecard_series.csv"
SERIES_COLUMNS = ["month", "version", "metric_id", "title", "value", "numerator", "denominator", "target", "rag"]
PARTIAL_PREFIX = ".partial-"  # a version being written (or left by a killed run)
_VERSION_DIR = re.compile(r"^v(\d+)$")


@dataclass(frozen=True)
class MonthStore:
    """Where a month's versions live under one output folder."""

    output_dir: Path

    def link(self, month: str) -> Path:
        return self.output_dir / month

    def versions_dir(self, month: str) -> Path:
        return self.output_dir / VERSIONS / month

    @property
    def archive_dir(self) -> Path:
        return self.output_dir / ARCHIVE

    def versions(self, month: str) -> list[tuple[int, Path]]:
        """(version number, folder) of every version of the month, oldest first."""
        folder = self.versions_dir(month)
        if not folder.is_dir():
            return []
        found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _VERSION_DIR.match(p.name)) and p.is_dir()]
        return sorted(found)

    def latest(self, month: str) -> tuple[int, Path] | None:
        versions = self.versions(month)
        return versions[-1] if versions else None

    def published(self, month: str, version: int | None = None) -> tuple[int, Path]:
        """(number, folder) of a published version of month (default: the newest) that has a
        run record; a month, version or manifest not there is a FileProblem naming the folder."""
        versions = dict(self.versions(month))
        if not versions:
            raise FileProblem(str(self.output_dir), f"{month} has not been published here", "check --month and --output (or [folders] outputs in scorecard.toml).")
        version = version or max(versions)
        if version not in versions:
            raise FileProblem(str(self.output_dir), f"{month} has no version {version} (versions: {', '.join(f'v{v}' for v in sorted(versions))})", "give one of the versions listed.")
        if not (versions[version] / MANIFEST).is_file():
            raise FileProblem(str(versions[version]), "has no manifest.json, so what it was made from is unknown", "it cannot be verified; re-issue the month to give it a run record.")
        return version, versions[version]

    def months(self) -> list[str]:
        root = self.output_dir / VERSIONS
        return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []

    def adopt_legacy_folder(self, month: str) -> None:
        """A month published before versions existed (a plain folder) becomes its v1."""
        link = self.link(month)
        if link.is_dir() and not link.is_symlink():
            private_mkdir(self.versions_dir(month))
            link.rename(self.versions_dir(month) / "v1")
            self.point_link(month, 1)

    def point_link(self, month: str, version: int) -> None:
        """Switch <output>/<month> to a version in one step (rename over the old link)."""
        link = self.link(month)
        relative = Path(VERSIONS) / month / f"v{version}"
        if link.is_symlink() and os.readlink(link) == str(relative):
            return
        temporary = self.output_dir / f".{month}.link-{os.getpid()}-{threading.get_ident()}"
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        temporary.symlink_to(relative, target_is_directory=True)
        os.replace(temporary, link)

    def remove_partials(self, month: str) -> None:
        """Leftovers of a run that was killed (only called with the month's lock held)."""
        folder = self.versions_dir(month)
        if folder.is_dir():
            for p in folder.iterdir():
                if p.name.startswith(PARTIAL_PREFIX):
                    shutil.rmtree(p, ignore_errors=True)
        for p in self.output_dir.glob(f".{month}.link-*"):
            with contextlib.suppress(OSError):
                p.unlink()


# ---------------------------------------------------------------------------------------------
# Publishing a version


@dataclass(frozen=True)
class PublishedVersion:
    """What publish_version did: the month's version now current and how it came to be."""

    version: int
    status: Literal["published", "restated"]
    version_dir: Path  # versions/<month>/v<version>
    month_dir: Path  # <output>/<month>, the link to it


@dataclass(frozen=True)
class VersionDraft:
    """A version of a month being written (start_version): its files go into `folder`, an empty
    owner-only hidden folder, until publish() makes it versions/<month>/v<version> in one step.
    The caller holds the month's lock from start_version until publish() or discard()."""

    output_dir: Path
    month: str
    version: int
    folder: Path

    def publish(self) -> PublishedVersion:
        """The folder becomes versions/<month>/v<version> and <output>/<month> points at it."""
        # A stop that a library swallowed on the way must not publish the month after all.
        runtime.stop_if_asked()
        store = MonthStore(self.output_dir)
        version_dir = store.versions_dir(self.month) / f"v{self.version}"
        self.folder.rename(version_dir)
        store.point_link(self.month, self.version)
        return PublishedVersion(self.version, "published" if self.version == 1 else "restated", version_dir, store.link(self.month))

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def start_version(output_dir: Path, month: str, version: int) -> VersionDraft:
    """Start writing version `version` of a month (whether a run publishes at all, and as which
    version, is decided before: publish.plan). A month folder from before versions existed is
    adopted as v1 first, and leftovers of a killed run are removed. The caller must hold the
    month's lock (lock.month_lock(output_dir, month)); it is not taken here."""
    output_dir = Path(output_dir)
    store = MonthStore(output_dir)
    private_mkdir(output_dir)
    store.adopt_legacy_folder(month)
    store.remove_partials(month)
    versions_dir = store.versions_dir(month)
    private_mkdir(versions_dir)
    if (versions_dir / f"v{version}").exists():
        raise RuntimeError(f"{month} version {version} already exists in {output_dir}: a published version is never replaced.")
    work_dir = versions_dir / f"{PARTIAL_PREFIX}{os.getpid()}"
    shutil.rmtree(work_dir, ignore_errors=True)
    private_mkdir(work_dir)
    return VersionDraft(output_dir, month, version, work_dir)


def publish_version(
    output_dir: Path,
    month: str,
    version: int,
    write_files: Callable[[Path], None],
    archive: Callable[[Path], None],
) -> PublishedVersion:
    """Publish version `version` of a month, atomically: "published" (v1) or "restated" (a
    re-issue, v2 and later), under the caller's lock of the month (start_version).

    write_files(folder) writes every file of the version, change_note.md and manifest.json last,
    into folder; archive(archive_dir) keeps every file the run record names in the input
    archive. Then the version is published (VersionDraft.publish). If write_files or archive
    raises, nothing is published."""
    draft = start_version(output_dir, month, version)
    try:
        write_files(draft.folder)
        archive(MonthStore(Path(output_dir)).archive_dir)
        return draft.publish()
    except BaseException:
        draft.discard()
        raise


# ---------------------------------------------------------------------------------------------
# The series of every month


def build_series(output_dir: Path) -> Path:
    """scorecard_series.csv: every indicator for every month published in output_dir, from
    each month's latest version (the history an analyst charts or pastes into Excel)."""
    store = MonthStore(Path(output_dir))
    rows = []
    for month in store.months():
        latest = store.latest(month)
        if not latest:
            continue
        with (latest[1] / "scorecard.csv").open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                rows.append({**row, "month": month, "version": latest[0]})
    return write_atomically(Path(output_dir) / SERIES, lambda partial: tables.write_csv(partial, SERIES_COLUMNS, rows))
