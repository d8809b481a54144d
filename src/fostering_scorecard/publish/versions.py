"""Versions of a month: a published version is never changed.

    <output>/2020-03               -> versions/2020-03/v2 (the month as it stands now)
    <output>/versions/2020-03/v1/  the month as first published
    <output>/versions/2020-03/v2/  a restatement, with change_note.md
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

from .. import tables
from .archive import ARCHIVE
from .compare import same_outputs, write_change_note
from .files import private_mkdir, restrict_permissions, write_atomically

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
    status: Literal["published", "restated", "unchanged"]
    version_dir: Path  # versions/<month>/v<version>
    month_dir: Path  # <output>/<month>, the link to it


def publish_version(
    output_dir: Path,
    month: str,
    write_files: Callable[[Path], None],
    archive: Callable[[Path], None],
) -> PublishedVersion:
    """Publish a month as a new version, atomically, unless it is identical to the latest one.

    The caller must hold the month's lock (lock.month_lock(output_dir, month)) around this call;
    it is not taken here.

    write_files(folder) writes every file of the version, manifest.json last, into folder (an
    empty owner-only hidden folder); archive(archive_dir) keeps the month's inputs in the input
    archive. Then:
    - "unchanged": the outputs are byte for byte those of the latest version: nothing is kept,
      the month's link points at that version;
    - "published": the month's first version, v1;
    - "restated": v(N+1) with change_note.md saying what moved since vN and why.
    A month folder from before versions existed is adopted as v1 first, and leftovers of a
    killed run are removed. If write_files or archive raises, nothing is published."""
    output_dir = Path(output_dir)
    store = MonthStore(output_dir)
    private_mkdir(output_dir)
    store.adopt_legacy_folder(month)
    store.remove_partials(month)
    versions_dir = store.versions_dir(month)
    private_mkdir(versions_dir)
    work_dir = versions_dir / f"{PARTIAL_PREFIX}{os.getpid()}"
    shutil.rmtree(work_dir, ignore_errors=True)
    try:
        private_mkdir(work_dir)
        write_files(work_dir)
        archive(store.archive_dir)
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise

    latest = store.latest(month)
    if latest and same_outputs(latest[1], work_dir):
        shutil.rmtree(work_dir)
        store.point_link(month, latest[0])
        return PublishedVersion(latest[0], "unchanged", latest[1], store.link(month))

    version = latest[0] + 1 if latest else 1
    if latest:
        write_change_note(work_dir, month, latest[0], version, latest[1])
        restrict_permissions(work_dir)
    version_dir = versions_dir / f"v{version}"
    work_dir.rename(version_dir)
    store.point_link(month, version)
    return PublishedVersion(version, "restated" if latest else "published", version_dir, store.link(month))


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
