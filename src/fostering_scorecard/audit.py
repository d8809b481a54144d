"""The audit trail: run records (manifest.json), the input archive, versions of a month, the
lock that stops two runs of one month interleaving, and re-running a month to prove it.

Layout of an output folder (see docs/operations.md):

    <output>/2020-03                 -> versions/2020-03/v2   (link to the newest version)
    <output>/versions/2020-03/v1/    the month as first published (never changed afterwards)
    <output>/versions/2020-03/v2/    a restatement, with change_note.md saying what moved and why
    <output>/archive/sha256/ab/ab12..  every input file ever used, by content hash, read-only
    <output>/scorecard_series.csv    every indicator for every published month (latest versions)
    <output>/.locks/2020-03.lock     held while a run of 2020-03 is in progress

manifest.json depends only on the inputs, configuration, code and dependencies (never on the
version number, the time or the folder), so re-running a month writes the same bytes.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import threading
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import __version__, resources
from .ingest import EXTRACT_INFO_FILE

MANIFEST = "manifest.json"
CHANGE_NOTE = "change_note.md"
VERSIONS = "versions"
ARCHIVE = "archive"
LOCKS = ".locks"
SERIES = "scorecard_series.csv"
# Files in a version folder that are not outputs of the computation itself.
NOT_COMPARED = {MANIFEST, CHANGE_NOTE}
_VERSION_DIR = re.compile(r"^v(\d+)$")


class MonthLocked(RuntimeError):
    """Another run of the same month is in progress."""


def private_mkdir(directory: Path) -> Path:
    """Create directory and any missing parents as owner-only (0700), whatever the umask."""
    directory = Path(directory)
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
        folder.chmod(0o700)
    return missing[0] if missing else directory


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# What produced a month: code, configuration, dependencies


def code_version() -> dict:
    """The tool's version and a hash of every file of the installed package (code, SQL, suites,
    definitions, reference data, templates): it identifies the code that ran, installed from a
    wheel or from a checkout alike."""
    digest = hashlib.sha256()
    for name, path in resources.package_files():
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return {"package_version": __version__, "code_sha256": digest.hexdigest()}


def dependency_record() -> dict:
    """Python's version and every installed distribution with its version (not a chosen list:
    any of them can change the bytes of an output)."""
    distributions = {}
    for distribution in metadata.distributions():
        name = (distribution.metadata["Name"] or "").strip()
        if name:
            distributions[name.lower().replace("_", "-")] = distribution.version
    return {"python": platform.python_version(), "distributions": dict(sorted(distributions.items()))}


def configuration_record(project) -> dict:
    """Hashes of the council project's files (settings, targets, mappings) and of the national
    definitions and suites the tool ran with."""
    files = {name: sha256_file(path) for name, path in project.config_files()}
    national = {name: sha256_file(resources.national_file(name)) for name in ("extracts.toml", "metrics.toml", "settings.toml")}
    return {
        "project_files": files,
        "national_definitions": national,
        "metric_registry": {"file": "national/metrics.toml", "sha256": national["metrics.toml"], "metric_ids": [m.id for m in project.metrics]},
        "expectation_suites": {p.name: sha256_file(p) for p in sorted(resources.expectations_dir().glob("*.json"))},
    }


def run_record(ctx, validated: dict) -> dict:
    """Everything manifest.json says except the output hashes: what went in and what ran."""
    info_path = Path(ctx.extracts_dir) / EXTRACT_INFO_FILE
    return {
        "reporting_month": ctx.month,
        "as_at_date": ctx.as_at.isoformat(),
        "extract_date": ctx.extract_info.extract_date.isoformat(),
        "extract_info": {"file": EXTRACT_INFO_FILE, "sha256": sha256_file(info_path)} if info_path.is_file() else None,
        "inputs": {
            name: {
                "file": v.raw.extract.file,
                "sha256": v.raw.sha256,
                "rows": {"read": v.rows_read, "accepted": v.rows_accepted, "quarantined": v.rows_quarantined},
            }
            for name, v in sorted(validated.items())
        },
        "configuration": configuration_record(ctx.project),
        "code": code_version(),
        "dependencies": dependency_record(),
    }


def output_digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix() not in NOT_COMPARED
    }


def write_manifest(folder: Path, record: dict) -> dict:
    manifest = {**record, "outputs": output_digests(folder)}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def read_manifest(folder: Path) -> dict:
    return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Input archive: content-addressed, read-only


def archive_path(archive_dir: Path, sha256: str) -> Path:
    return Path(archive_dir) / "sha256" / sha256[:2] / sha256


def archive_file(archive_dir: Path, source: Path, expected_sha256: str) -> Path:
    """Keep the exact bytes that were read. The copy is checked against the hash taken when the
    file was read, so a landing folder changing during the run is caught, not archived."""
    target = archive_path(archive_dir, expected_sha256)
    if target.exists():
        return target
    private_mkdir(target.parent)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}-{threading.get_ident()}")
    shutil.copyfile(source, partial)
    actual = sha256_file(partial)
    if actual != expected_sha256:
        partial.unlink()
        raise RuntimeError(f"{Path(source).name} changed while the run was reading it; run the month again.")
    partial.chmod(0o400)
    os.replace(partial, target)
    return target


def archive_inputs(archive_dir: Path, ctx, validated: dict) -> None:
    for v in validated.values():
        archive_file(archive_dir, v.raw.path, v.raw.sha256)
    info_path = Path(ctx.extracts_dir) / EXTRACT_INFO_FILE
    if info_path.is_file():
        archive_file(archive_dir, info_path, sha256_file(info_path))


class ArchiveError(RuntimeError):
    pass


def restore_inputs(archive_dir: Path, manifest: dict, target: Path) -> list[str]:
    """Copy a month's archived inputs into target under their original names. Returns the
    problems found: an archived file that is missing or no longer matches its hash."""
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


# ---------------------------------------------------------------------------------------------
# Versions of a month


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
                if p.name.startswith(".partial-"):
                    shutil.rmtree(p, ignore_errors=True)
        for p in self.output_dir.glob(f".{month}.link-*"):
            with contextlib.suppress(OSError):
                p.unlink()


def same_outputs(a: Path, b: Path) -> bool:
    return output_digests(a) == output_digests(b)


# ---------------------------------------------------------------------------------------------
# One run per month at a time

_held: dict[str, int] = {}
_held_guard = threading.Lock()


@contextlib.contextmanager
def month_lock(output_dir: Path, month: str, reentrant: bool = True):
    """Hold an exclusive lock on one month of one output folder. The operating system releases
    it if the process dies, so a killed run never leaves a stale lock. Re-entrant within a
    process (the flow holds it, and publish takes it again); reentrant=False takes it as a
    separate run would (used by tests)."""
    folder = Path(output_dir) / LOCKS
    private_mkdir(folder)
    path = folder / f"{month}.lock"
    key = str(path.resolve())
    with _held_guard:
        if reentrant and _held.get(key):
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            raise MonthLocked(
                f"another run of {month} is already writing to {output_dir} ({holder}). "
                "Wait for it to finish, then run again if you still need to."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()}".encode(), 0)
        if not reentrant:  # stands for another run: not re-entered by this process's runs
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
            return
        with _held_guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _held_guard:
                _held.pop(key, None)
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------------
# Comparing two runs of a month: what moved, and why


def _scorecard(folder: Path) -> dict[str, dict]:
    path = Path(folder) / "scorecard.csv"
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as f:
        return {row["metric_id"]: row for row in csv.DictReader(f)}


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def metric_changes(old_folder: Path, new_folder: Path) -> list[dict]:
    """Indicators whose value, numerator, denominator or status differ, in registry order."""
    old, new = _scorecard(old_folder), _scorecard(new_folder)
    changes = []
    for metric_id in list(new) + [m for m in old if m not in new]:
        before, after = old.get(metric_id, {}), new.get(metric_id, {})
        fields = ("value", "numerator", "denominator", "target", "rag")
        if all(before.get(f) == after.get(f) for f in fields):
            continue
        old_value, new_value = _number(before.get("value")), _number(after.get("value"))
        change = None if old_value is None or new_value is None else new_value - old_value
        changes.append(
            {
                "metric_id": metric_id,
                "title": after.get("title") or before.get("title", ""),
                "old_value": before.get("value", "(absent)"),
                "new_value": after.get("value", "(absent)"),
                "change": "" if change is None else f"{change:+.4f}".rstrip("0").rstrip("."),
                "old_counts": f"{before.get('numerator', '')}/{before.get('denominator', '')}".rstrip("/"),
                "new_counts": f"{after.get('numerator', '')}/{after.get('denominator', '')}".rstrip("/"),
                "old_rag": before.get("rag", ""),
                "new_rag": after.get("rag", ""),
            }
        )
    return changes


def _diff_dict(old: dict, new: dict) -> list[str]:
    keys = sorted(set(old) | set(new))
    return [k for k in keys if old.get(k) != new.get(k)]


def explain(old: dict, new: dict) -> list[dict]:
    """Why two run records differ, as causes: {"cause": inputs|configuration|code|dependencies,
    "detail": ...}. Empty when they agree on everything that can change the outputs."""
    causes = []
    if old.get("reporting_month") != new.get("reporting_month"):
        causes.append({"cause": "month", "detail": f"reporting month {old.get('reporting_month')} vs {new.get('reporting_month')}"})
    for name in _diff_dict(old.get("inputs", {}), new.get("inputs", {})):
        a, b = old.get("inputs", {}).get(name), new.get("inputs", {}).get(name)
        if a is None or b is None:
            causes.append({"cause": "inputs", "detail": f"{(a or b)['file']} {'added' if a is None else 'removed'}"})
            continue
        detail = f"{b['file']} changed (sha256 {a['sha256'][:12]} -> {b['sha256'][:12]})" if a["sha256"] != b["sha256"] else f"{b['file']}"
        moved = [f"{k} {a['rows'].get(k)} -> {b['rows'].get(k)}" for k in ("read", "accepted", "quarantined") if a["rows"].get(k) != b["rows"].get(k)]
        if moved:
            detail += "; rows " + ", ".join(moved)
        causes.append({"cause": "inputs", "detail": detail})
    if old.get("extract_info") != new.get("extract_info") or old.get("extract_date") != new.get("extract_date"):
        causes.append({"cause": "inputs", "detail": f"extract.toml changed (extract date {old.get('extract_date')} -> {new.get('extract_date')})"})
    old_cfg, new_cfg = old.get("configuration", {}), new.get("configuration", {})
    for name in _diff_dict(old_cfg.get("project_files", {}), new_cfg.get("project_files", {})):
        causes.append({"cause": "configuration", "detail": f"project file {name} changed"})
    for name in _diff_dict(old_cfg.get("national_definitions", {}), new_cfg.get("national_definitions", {})):
        causes.append({"cause": "configuration", "detail": f"national definitions {name} changed"})
    for name in _diff_dict(old_cfg.get("expectation_suites", {}), new_cfg.get("expectation_suites", {})):
        causes.append({"cause": "configuration", "detail": f"expectations/{name} changed"})
    old_code, new_code = old.get("code", {}), new.get("code", {})
    for key in ("package_version", "code_sha256"):
        if old_code.get(key) != new_code.get(key):
            causes.append({"cause": "code", "detail": f"{key.replace('_', ' ')} {old_code.get(key)} -> {new_code.get(key)}"})
    old_dep, new_dep = old.get("dependencies", {}), new.get("dependencies", {})
    if old_dep.get("python") != new_dep.get("python"):
        causes.append({"cause": "dependencies", "detail": f"python {old_dep.get('python')} -> {new_dep.get('python')}"})
    old_libs, new_libs = old_dep.get("distributions", {}), new_dep.get("distributions", {})
    for name in _diff_dict(old_libs, new_libs):
        causes.append({"cause": "dependencies", "detail": f"{name} {old_libs.get(name)} -> {new_libs.get(name)}"})
    return causes


def file_differences(recorded: Path, rerun: Path) -> list[dict]:
    """Every file of the recorded version (outputs and manifest) that the re-run did not
    reproduce byte for byte, and any file only the re-run wrote."""
    old, new = output_digests(recorded), output_digests(rerun)
    for folder, digests in ((recorded, old), (rerun, new)):
        if (folder / MANIFEST).is_file():
            digests[MANIFEST] = sha256_file(folder / MANIFEST)
    differences = []
    for name in sorted(set(old) | set(new)):
        if name not in new:
            differences.append({"file": name, "difference": "not written by the re-run"})
        elif name not in old:
            differences.append({"file": name, "difference": "written only by the re-run"})
        elif old[name] != new[name]:
            differences.append({"file": name, "difference": "different bytes"})
    return differences


def write_change_note(folder: Path, month: str, old_version: int, new_version: int, old_dir: Path) -> str:
    """change_note.md in a new version: which indicators moved, by how much, and why."""
    causes = explain(read_manifest(old_dir), read_manifest(folder))
    changes = metric_changes(old_dir, folder)
    files = [d for d in file_differences(old_dir, folder) if d["file"] != MANIFEST]
    lines = [
        f"# {month}: version {new_version} restates version {old_version}",
        "",
        f"Version {old_version} stays as it was published, in ../v{old_version}/.",
        "",
        "## Why",
        "",
    ]
    lines += [f"- {c['cause']}: {c['detail']}" for c in causes] or ["- no recorded cause (same inputs, configuration, code and dependencies)"]
    lines += ["", "## Indicators that moved", ""]
    if changes:
        lines += [
            "| indicator | before | after | change | numerator/denominator before -> after | status before -> after |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {c['metric_id']} | {c['old_value']} | {c['new_value']} | {c['change']} | {c['old_counts']} -> {c['new_counts']} | {c['old_rag']} -> {c['new_rag']} |"
            for c in changes
        ]
    else:
        lines.append("None: the indicators are unchanged; other outputs differ (below).")
    lines += ["", "## Files that differ", ""]
    lines += [f"- {d['file']}: {d['difference']}" for d in files] or ["- none"]
    text = "\n".join(lines) + "\n"
    (folder / CHANGE_NOTE).write_text(text, encoding="utf-8")
    return text


# ---------------------------------------------------------------------------------------------
# Verification report


@dataclass
class VerifyReport:
    month: str
    version: int
    recorded_dir: Path
    differences: list[dict] = field(default_factory=list)
    causes: list[dict] = field(default_factory=list)
    metric_changes: list[dict] = field(default_factory=list)
    archive_problems: list[str] = field(default_factory=list)

    @property
    def reproduced(self) -> bool:
        return not self.differences and not self.archive_problems

    @property
    def cause_kinds(self) -> set[str]:
        return {c["cause"] for c in self.causes}

    def text(self) -> str:
        head = f"{self.month} version {self.version} ({self.recorded_dir})"
        if self.reproduced:
            return f"REPRODUCED: {head}: every output and the manifest are byte for byte identical."
        lines = [f"NOT REPRODUCED: {head}"]
        lines += [f"  archive: {p}" for p in self.archive_problems]
        why = "; ".join(f"{c['cause']}: {c['detail']}" for c in self.causes) or (
            "no input, configuration, code or dependency change recorded: the pipeline is not deterministic here (a bug)"
        )
        for d in self.differences:
            lines.append(f"  {d['file']}: {d['difference']}")
        lines.append(f"  why: {why}")
        for c in self.metric_changes:
            lines.append(f"  indicator {c['metric_id']}: {c['old_value']} -> {c['new_value']} ({c['old_rag']} -> {c['new_rag']})")
        return "\n".join(lines)
