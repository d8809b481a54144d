"""The input archive: every input file a month was run from, kept read-only under its sha256
(<output>/archive/sha256/ab/ab12...), so a month can be re-run from exactly what it read after
the landing folder has moved on. It holds record ids: owner-only, never published."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..ingest import EXTRACT_INFO_FILE
from .files import private_mkdir, sha256_file, write_atomically

ARCHIVE = "archive"  # the archive's folder inside an output folder


class ArchiveError(RuntimeError):
    """An archived input a month needs is missing."""


def archive_path(archive_dir: Path, sha256: str) -> Path:
    return Path(archive_dir) / "sha256" / sha256[:2] / sha256


def archive_file(archive_dir: Path, source: Path, expected_sha256: str) -> Path:
    """Keep the exact bytes that were read. The copy is checked against the hash taken when the
    file was read, so a landing folder changing during the run is caught, not archived."""
    target = archive_path(archive_dir, expected_sha256)
    if target.exists():
        return target
    private_mkdir(target.parent)

    def copy_checked(partial: Path) -> None:
        shutil.copyfile(source, partial)
        if sha256_file(partial) != expected_sha256:
            raise RuntimeError(f"{Path(source).name} changed while the run was reading it; run the month again.")

    return write_atomically(target, copy_checked, mode=0o400)


def archive_inputs(archive_dir: Path, ctx, validated: dict) -> None:
    """Archive every extract the month read (validated: {name: validated extract}) and the
    extracts folder's extract.toml."""
    for v in validated.values():
        archive_file(archive_dir, v.raw.path, v.raw.sha256)
    info_path = Path(ctx.extracts_dir) / EXTRACT_INFO_FILE
    if info_path.is_file():
        archive_file(archive_dir, info_path, sha256_file(info_path))


def restore_inputs(archive_dir: Path, manifest: dict, target: Path) -> list[str]:
    """Copy a month's archived inputs (as its manifest lists them) into target under their
    original names. Returns the problems found: an archived file that no longer matches its
    hash. A missing archived file raises ArchiveError."""
    target = Path(target)
    private_mkdir(target)
    problems = []
    entries = [(e["file"], e["sha256"]) for e in manifest["inputs"].values()]
    if manifest.get("extract_info"):
        entries.append((manifest["extract_info"]["file"], manifest["extract_info"]["sha256"]))
    for file, sha in entries:
        blob = archive_path(archive_dir, sha)
        if not blob.is_file():
            raise ArchiveError(
                f"{file}: the archived copy ({sha[:12]}...) is missing from {archive_dir}. "
                "If you still have the extracts the month was run from, verify with --extracts FOLDER."
            )
        shutil.copyfile(blob, target / file)
        if sha256_file(target / file) != sha:
            problems.append(f"{file}: the archived copy no longer matches the sha256 recorded when the month was run")
    return problems
