"""Comparing two runs of a month: which files differ, which indicators moved and by how much,
and why (the causes recorded in the two manifests). Used for a restatement's change_note.md
and for `scorecard verify`'s report."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from .files import sha256_file
from .manifest import CHANGE_NOTE, MANIFEST, output_digests, read_manifest


def same_outputs(a: Path, b: Path) -> bool:
    """Whether two version folders hold the same outputs, byte for byte (manifest and change
    note aside)."""
    return output_digests(a) == output_digests(b)


# ---------------------------------------------------------------------------------------------
# What moved


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
    """Indicators whose value, numerator, denominator, target or status differ, in registry order."""
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


def file_differences(recorded: Path, rerun: Path) -> list[dict]:
    """Every file of the recorded version (outputs and manifest) that the re-run did not
    reproduce byte for byte, and any file only the re-run wrote."""
    recorded, rerun = Path(recorded), Path(rerun)
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


# ---------------------------------------------------------------------------------------------
# Why: the sections of the two run records (manifest.json) that differ


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


# ---------------------------------------------------------------------------------------------
# A restatement's change note


def write_change_note(folder: Path, month: str, old_version: int, new_version: int, old_dir: Path) -> str:
    """change_note.md in a new version: which indicators moved, by how much, and why."""
    folder = Path(folder)
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
# `scorecard verify`'s report


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


def verify_report(
    month: str,
    version: int,
    recorded_dir: Path,
    recorded: dict,
    rerun_dir: Path,
    rerun: dict,
    archive_problems: list[str] | None = None,
) -> VerifyReport:
    """Compare a re-run of a month (rerun_dir, its manifest rerun) with the recorded version
    (recorded_dir, its manifest recorded): the files that differ and, when any do (or the
    archive had problems), why and which indicators moved."""
    report = VerifyReport(month, version, Path(recorded_dir), archive_problems=list(archive_problems or []))
    report.differences = file_differences(recorded_dir, rerun_dir)
    if report.differences or report.archive_problems:
        report.causes = explain(recorded, rerun)
        report.metric_changes = metric_changes(recorded_dir, rerun_dir)
    return report
