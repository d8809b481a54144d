"""The input archive: every file a month was run from, kept read-only under its sha256
(<output>/archive/sha256/ab/ab12...), so a month can be re-run from exactly what it read after
the landing folder, the council's project or the previous month have moved on:

- the extracts (every file read: each annual return, under the name it was saved with) and
  extract.toml; nothing for an optional extract left out;
- the council project's files (scorecard.toml, targets.toml, mappings/*.toml): `verify`
  rebuilds the project from them, so an auditor needs only the output folder and the tool;
- the data-quality baseline: the previous month's findings the report compared with.

It holds record ids: owner-only, never published."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RunProblem
from ..ingest import EXTRACT_INFO_FILE
from ..ingest.files import is_plain_name
from .files import private_mkdir, sha256_file, write_atomically
from .manifest import input_files

ARCHIVE = "archive"  # the archive's folder inside an output folder


class ArchiveError(RunProblem):
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


def archive_inputs(archive_dir: Path, ctx, validated: dict, record: dict, baseline_file: Path | None = None) -> None:
    """Archive every file the month's run record names: every file of each extract read
    (validated: {name: validated extract}; none for an extract not supplied), extract.toml, the
    council project's files and the baseline (baseline_file: where its findings were read)."""
    for v in validated.values():
        for source in v.raw.sources:  # empty when the extract was not supplied
            archive_file(archive_dir, source.path, source.sha256)
    info = record.get("extract_info")
    if info:
        archive_file(archive_dir, Path(ctx.extracts_dir) / EXTRACT_INFO_FILE, info["sha256"])
    paths = dict(ctx.project.config_files())
    for name, sha in record["configuration"]["project_files"].items():
        archive_file(archive_dir, paths[name], sha)
    if record.get("baseline"):
        archive_file(archive_dir, baseline_file, record["baseline"]["sha256"])


def _missing(what: str, sha: str, archive_dir: Path, fix: str) -> ArchiveError:
    return ArchiveError(f"{what}: the archived copy ({sha[:12]}...) is missing from {archive_dir}. {fix}")


def _restore(blob: Path, target: Path, sha: str, what: str) -> list[str]:
    shutil.copyfile(blob, target)
    if sha256_file(target) != sha:
        return [f"{what}: the archived copy no longer matches the sha256 recorded when the month was run"]
    return []


def restore_inputs(archive_dir: Path, manifest: dict, target: Path) -> list[str]:
    """Copy a month's archived inputs (as its manifest lists them: every file of each extract,
    none for one not supplied) into target under the names they were saved with. Returns the
    problems found: an archived file that no longer matches its hash. A missing archived file
    raises ArchiveError."""
    target = Path(target)
    private_mkdir(target)
    problems = []
    entries = [file for entry in manifest["inputs"].values() for file in input_files(entry)]
    if manifest.get("extract_info"):
        entries.append((manifest["extract_info"]["file"], manifest["extract_info"]["sha256"]))
    for file, sha in entries:
        if not is_plain_name(file):  # recorded as saved in the extracts folder: never a path
            raise ArchiveError(f"the manifest names the input {file!r}, which is not a file name; the month cannot be restored from it.")
        blob = archive_path(archive_dir, sha)
        if not blob.is_file():
            raise _missing(file, sha, archive_dir, "If you still have the extracts the month was run from, verify with --extracts FOLDER.")
        problems += _restore(blob, target / file, sha, file)
    return problems


def restore_project(archive_dir: Path, manifest: dict, target: Path, fallback=None) -> list[str]:
    """Rebuild the council project a month was run with (its files as the manifest lists them)
    in target. A file missing from the archive (a month published before project files were
    archived) is taken from fallback (a Project) when its file there has the very same sha256.
    Returns the problems found; a file found nowhere raises ArchiveError."""
    target = Path(target)
    private_mkdir(target)
    own = dict(fallback.config_files()) if fallback is not None else {}
    problems = []
    for name, sha in manifest["configuration"]["project_files"].items():
        destination = target / name
        private_mkdir(destination.parent)
        blob = archive_path(archive_dir, sha)
        if not blob.is_file() and name in own and sha256_file(own[name]) == sha:
            blob = own[name]
        if not blob.is_file():
            raise _missing(f"project file {name}", sha, archive_dir, "Restore the archive from a backup, or verify with --project DIR holding that exact file.")
        problems += _restore(blob, destination, sha, f"project file {name}")
    return problems


def restore_baseline(archive_dir: Path, entry: dict | None, target: Path) -> tuple[Path | None, list[str]]:
    """The data-quality baseline a month compared with (its manifest's "baseline" entry),
    copied to target: (path, problems); (None, []) when the month had none."""
    if not entry:
        return None, []
    blob = archive_path(archive_dir, entry["sha256"])
    what = f"data-quality baseline ({entry['month']} version {entry['version']}, {entry['file']})"
    if not blob.is_file():
        raise _missing(what, entry["sha256"], archive_dir, "Restore the archive from a backup.")
    private_mkdir(Path(target).parent)
    return Path(target), _restore(blob, Path(target), entry["sha256"], what)


@dataclass
class RestoredMonth:
    """What a month was run from, copied back from the archive into a scratch folder."""

    extracts_dir: Path
    project_dir: Path
    baseline_file: Path | None = None
    extract_date: dt.date | None = None  # the recorded date, when the month had no extract.toml
    problems: list[str] = field(default_factory=list)  # archived copies missing or altered


def restore_month(archive_dir: Path, manifest: dict, scratch: Path, extracts_dir: Path | None = None, fallback=None) -> RestoredMonth:
    """Everything a month's manifest records, restored under scratch: its inputs (unless
    extracts_dir is given: re-run from those instead), the council project's files (fallback:
    a Project to take a file from when the archive lacks it and its bytes are the same) and
    the data-quality baseline. A missing archived copy is a problem, not an exception."""
    scratch = Path(scratch)
    restored = RestoredMonth(Path(extracts_dir) if extracts_dir else scratch / "extracts", scratch / "project")
    try:
        if extracts_dir is None:
            restored.problems += restore_inputs(archive_dir, manifest, restored.extracts_dir)
            if not manifest.get("extract_info"):  # run with --extract-date: no extract.toml to restore
                restored.extract_date = dt.date.fromisoformat(manifest["extract_date"])
        restored.problems += restore_project(archive_dir, manifest, restored.project_dir, fallback)
        restored.baseline_file, problems = restore_baseline(archive_dir, manifest.get("baseline"), scratch / "baseline" / "findings.csv")
        restored.problems += problems
    except ArchiveError as error:
        restored.problems.append(str(error))
    return restored
