"""The run record, manifest.json: what went into a month and what ran, then the sha256 of every
output. Written last in a version folder.

It holds no time, no folder name and no version number, so the same inputs, configuration, code
and dependencies give the same manifest, byte for byte, wherever and whenever a month is run.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

from .. import __version__, resources
from ..ingest import EXTRACT_INFO_FILE
from .files import sha256_file

MANIFEST = "manifest.json"
CHANGE_NOTE = "change_note.md"
# Files in a version folder that are not outputs of the computation itself.
NOT_OUTPUTS = {MANIFEST, CHANGE_NOTE}
NATIONAL_FILES = ("extracts.toml", "metrics.toml", "settings.toml")


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
    national = {name: sha256_file(resources.national_file(name)) for name in NATIONAL_FILES}
    return {
        "project_files": files,
        "national_definitions": national,
        "metric_registry": {"file": "national/metrics.toml", "sha256": national["metrics.toml"], "metric_ids": [m.id for m in project.metrics]},
        "expectation_suites": {p.name: sha256_file(p) for p in sorted(resources.expectations_dir().glob("*.json"))},
    }


def run_record(ctx, validated: dict) -> dict:
    """Everything manifest.json says except the output hashes: what went in and what ran.

    ctx: the run's context (month, as-at date, extracts folder, extract.toml, project);
    validated: {extract name: its validated extract} (file, sha256 and row counts)."""
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


# ---------------------------------------------------------------------------------------------
# The manifest file


def output_digests(folder: Path) -> dict[str, str]:
    """sha256 of every output in a version folder (not the manifest or the change note), by
    path inside the folder."""
    folder = Path(folder)
    return {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix() not in NOT_OUTPUTS
    }


def write_manifest(folder: Path, record: dict) -> dict:
    """manifest.json in folder: the run record and the hashes of the outputs already there."""
    manifest = {**record, "outputs": output_digests(folder)}
    (Path(folder) / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def read_manifest(folder: Path) -> dict:
    return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
