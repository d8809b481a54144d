"""The run record, manifest.json: what went into a month and what ran, the version's release
(its number; from version 2 when and why it was re-issued), then the sha256 of every other file
of the version. Written last in a version folder.

The run record (every key but "release" and "outputs") holds no time and no folder name: it
is what decides whether a re-run is the same run (publish.plan). The release is decided once,
when the version is published, and reused by `verify`, so a re-run writes the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

from .. import __version__, resources
from ..ingest import EXTRACT_INFO_FILE
from ..validation import extract_coverage
from .files import sha256_file

MANIFEST = "manifest.json"
CHANGE_NOTE = "change_note.md"
RELEASE, OUTPUTS = "release", "outputs"  # the manifest's keys that are not the run record
NATIONAL_FILES = ("extracts.toml", "metrics.toml", "settings.toml")


# ---------------------------------------------------------------------------------------------
# What produced a month: code, configuration, dependencies


def code_version() -> dict:
    """The tool's version and a hash of every file of the installed package (code, SQL, suites,
    definitions, reference data, templates): it identifies the code that ran, installed from a
    wheel or from a checkout alike."""
    files = tuple((name, path, (stat := path.stat()).st_size, stat.st_mtime_ns) for name, path in resources.package_files())
    return {"package_version": __version__, "code_sha256": _code_sha256(files)}


@functools.lru_cache(maxsize=4)
def _code_sha256(files: tuple) -> str:
    """The hash of the package's files, made again only when a file changes (its size or time):
    not once per month of a backfill."""
    digest = hashlib.sha256()
    for name, path, _size, _mtime in files:
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def dependency_record() -> dict:
    """Python's version and every installed distribution with its version (not a chosen list:
    any of them can change the bytes of an output)."""
    return {"python": platform.python_version(), "distributions": dict(_installed_distributions())}


@functools.lru_cache(maxsize=1)
def _installed_distributions() -> tuple[tuple[str, str], ...]:
    """Read once per process (about 0.1 s: every distribution's metadata), not once per month of
    a backfill: what a process has loaded does not change while it runs."""
    distributions = {}
    for distribution in metadata.distributions():
        name = (distribution.metadata["Name"] or "").strip()
        if name:
            distributions[name.lower().replace("_", "-")] = distribution.version
    return tuple(sorted(distributions.items()))


def configuration_record(project) -> dict:
    """Hashes of the council project's files (settings, targets, mappings) and of the national
    definitions and suites the tool ran with."""
    files = {name: sha256_file(path) for name, path in project.config_files()}
    national = {name: sha256_file(resources.national_file(name)) for name in NATIONAL_FILES}
    return {
        "project_files": files,
        "national_definitions": national,
        "metric_registry": {"file": "national/metrics.toml", "sha256": national["metrics.toml"], "metric_ids": [m.id for m in project.metrics]},
        "expectation_suites": {p.name: sha256_file(p) for p in sorted(resources.expectations_dir().glob("*.json"))},
    }


def run_record(ctx, validated: dict, baseline: dict | None = None) -> dict:
    """Everything manifest.json says except the release and the output hashes: what went in
    and what ran.

    ctx: the run's context (month, as-at date, extracts folder, extract.toml, project, options);
    validated: {extract name: its validated extract} (its files and row counts: input_record);
    baseline: the previous month's findings the data-quality report compares with
    (publish.baseline: month, version, file, sha256), None when there were none."""
    info_path = Path(ctx.extracts_dir) / EXTRACT_INFO_FILE
    return {
        "reporting_month": ctx.month,
        "as_at_date": ctx.as_at.isoformat(),
        "extract_date": ctx.extract_info.extract_date.isoformat(),
        "extract_info": {"file": EXTRACT_INFO_FILE, "sha256": sha256_file(info_path)} if info_path.is_file() else None,
        "inputs": {name: input_record(v) for name, v in sorted(validated.items())},
        # Each extract's coverage, in months (a record's own date is never shown): what the
        # month's figures could and could not be based on.
        "coverage": {name: c.as_record(months_only=True) for name, c in sorted(extract_coverage(validated).items())},
        "baseline": baseline,
        "options": {"allow_quarantine": bool(ctx.options.allow_quarantine)},
        "configuration": configuration_record(ctx.project),
        "code": code_version(),
        "dependencies": dependency_record(),
    }


def input_record(v) -> dict:
    """One extract as the run record's "inputs" hold it (v: its validated extract):

        "episodes": {
          "supplied": true,
          "file": "episodes_2019-20.csv", "sha256": "ab12...",   # the file read: the latest, when several were
          "files": [                                           # every file read, oldest first, as saved
            {"file": "episodes_2018-19.csv", "sha256": "...", "collection_year": "2018-19", "rows_read": 3, "rows_superseded": 2},
            {"file": "episodes_2019-20.csv", "sha256": "ab12...", "collection_year": "2019-20", "rows_read": 3, "rows_superseded": 0}
          ],
          "rows": {"read": 6, "accepted": 3, "quarantined": 1, "superseded": 2}
        }

    Each file is named as saved (a column mapping may rename it: Carers_Export.csv), so `verify`
    restores it under that name. An optional extract left out: "supplied": false, "file" the name
    it would have, "sha256" null, no files, every count 0."""
    raw = v.raw
    rows = {"read": v.rows_read, "accepted": v.rows_accepted, "quarantined": v.rows_quarantined, "superseded": v.rows_superseded}
    if not raw.supplied:
        return {"supplied": False, "file": raw.path.name, "sha256": None, "files": [], "rows": rows}
    files = [
        {"file": s.path.name, "sha256": s.sha256, "collection_year": s.collection_year, "rows_read": s.rows_read,
         "rows_superseded": s.rows_superseded}
        for s in raw.sources
    ]
    return {"supplied": True, "file": raw.path.name, "sha256": raw.sha256, "files": files, "rows": rows}


def input_files(entry: dict) -> list[tuple[str, str]]:
    """(file as saved, sha256) of every file an "inputs" entry records, oldest first; none for an
    extract not supplied. A manifest written before several files were recorded has only the
    entry's own file (and, for an extract left out, an empty sha256)."""
    if "files" in entry:
        return [(f["file"], f["sha256"]) for f in entry["files"]]
    return [(entry["file"], entry["sha256"])] if entry.get("sha256") else []


def record_of(manifest: dict) -> dict:
    """The run record inside a manifest (everything but the release and the output hashes)."""
    return {k: v for k, v in manifest.items() if k not in (RELEASE, OUTPUTS)}


def canonical(record: dict) -> dict:
    """record as it reads back from manifest.json (lists, not tuples), to compare with one read."""
    return json.loads(json.dumps(record, sort_keys=True))


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def inputs_sha256(record: dict) -> str:
    """One hash of everything a month read: the sha256 of each extract's files, extract.toml's
    and the baseline's (for the audit log: two runs with the same value read the same bytes)."""
    return _digest({
        "inputs": {name: input_files(entry) for name, entry in record.get("inputs", {}).items()},
        "extract_info": (record.get("extract_info") or {}).get("sha256"),
        "baseline": (record.get("baseline") or {}).get("sha256"),
    })


def record_sha256(record: dict) -> str:
    """One hash of the whole run record (inputs, baseline, options, configuration, code,
    dependencies): two runs with the same value are the same run."""
    return _digest(record_of(record))


# ---------------------------------------------------------------------------------------------
# The manifest file


def output_digests(folder: Path) -> dict[str, str]:
    """sha256 of every file in a version folder but the manifest (the change note included),
    by path inside the folder."""
    folder = Path(folder)
    return {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST
    }


def digest_changes(before: dict[str, str], after: dict[str, str]) -> list[tuple[str, str]]:
    """(file, "missing" / "added" / "changed") for every file whose sha256 differs between two
    {file: sha256} listings, by file name: what verify and compare both report, in their words."""
    changes = []
    for name in sorted(set(before) | set(after)):
        if name not in after:
            changes.append((name, "missing"))
        elif name not in before:
            changes.append((name, "added"))
        elif before[name] != after[name]:
            changes.append((name, "changed"))
    return changes


def write_manifest(folder: Path, record: dict, release: dict | None = None) -> dict:
    """manifest.json in folder: the run record, the release (Release.to_record()) and the hashes
    of every other file already there."""
    manifest = {**record, RELEASE: release, OUTPUTS: output_digests(folder)}
    (Path(folder) / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def read_manifest(folder: Path) -> dict:
    return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
