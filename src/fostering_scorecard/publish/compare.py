"""Comparing two runs of a month: why their run records differ (causes), which files differ, and
which indicators moved. Used to decide and explain a re-issue (publish.plan) and for
`scorecard verify`'s report (publish.verify)."""

from __future__ import annotations

import csv
from pathlib import Path

from ..tables import format_cell
from .files import sha256_file
from .manifest import MANIFEST, digest_changes, input_files, output_digests, record_of
from .release import Cause, moved_indicators


def read_scorecard(folder: Path) -> list[dict]:
    """A version's scorecard.csv rows (text), [] when it has none."""
    path = Path(folder) / "scorecard.csv"
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def metric_changes(old_folder: Path, new_folder: Path) -> list[dict]:
    """Indicators whose value, numerator, denominator, target or status differ between two
    version folders, as plain rows for a report."""
    rows = []
    for m in moved_indicators(read_scorecard(old_folder), read_scorecard(new_folder)):
        before = m.before.cells() if m.before else {}
        after = m.after.cells() if m.after else {}
        change = m.change
        rows.append(
            {
                "metric_id": m.metric_id,
                "title": m.title,
                "old_value": before.get("value", "(absent)"),
                "new_value": after.get("value", "(absent)"),
                "change": "" if change is None else f"+{format_cell(change)}" if change > 0 else format_cell(change),
                "old_rag": before.get("rag", ""),
                "new_rag": after.get("rag", ""),
            }
        )
    return rows


def file_differences(recorded: Path, rerun: Path) -> list[dict]:
    """Every file of the recorded version (outputs and manifest) that the re-run did not
    reproduce byte for byte, and any file only the re-run wrote."""
    recorded, rerun = Path(recorded), Path(rerun)
    old, new = output_digests(recorded), output_digests(rerun)
    for folder, digests in ((recorded, old), (rerun, new)):
        if (folder / MANIFEST).is_file():
            digests[MANIFEST] = sha256_file(folder / MANIFEST)
    words = {"missing": "not written by the re-run", "added": "written only by the re-run", "changed": "different bytes"}
    return [{"file": name, "difference": words[change]} for name, change in digest_changes(old, new)]


# ---------------------------------------------------------------------------------------------
# Why: the sections of two run records that differ


def _changed_keys(old: dict, new: dict) -> list[str]:
    return [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


def _files_named(entry: dict) -> str:
    """An "inputs" entry's files as saved, for a cause: "carers.csv", or the annual returns."""
    return "; ".join(name for name, _sha in input_files(entry)) or entry["file"]


def _file_changes(old: dict, new: dict) -> list[str]:
    """How the files of one extract differ between two runs, file by file (by name as saved)."""
    if old.get("supplied", True) != new.get("supplied", True):
        return [f"{new['file']} supplied (left out before)" if new.get("supplied", True) else f"{old['file']} left out (not supplied)"]
    old_files, new_files = dict(input_files(old)), dict(input_files(new))
    changes = []
    for name in [*old_files, *(n for n in new_files if n not in old_files)]:
        if name not in new_files:
            changes.append(f"{name} removed")
        elif name not in old_files:
            changes.append(f"{name} added")
        elif old_files[name] != new_files[name]:
            changes.append(f"{name} changed (sha256 {old_files[name][:12]} -> {new_files[name][:12]})")
    return changes


def _input_causes(old: dict, new: dict) -> list[Cause]:
    causes = []
    old_inputs, new_inputs = old.get("inputs", {}), new.get("inputs", {})
    for name in _changed_keys(old_inputs, new_inputs):
        a, b = old_inputs.get(name), new_inputs.get(name)
        if a is None or b is None:
            file = _files_named(a or b)
            causes.append(Cause("inputs", file, f"{file} {'added' if a is None else 'removed'}"))
            continue
        subject = _files_named(b) if b.get("supplied", True) else b["file"]
        # A record written before annual returns has no superseded count: it had none.
        old_rows, new_rows = ({"superseded": 0, **entry["rows"]} for entry in (a, b))
        moved = [f"{k} {old_rows.get(k)} -> {new_rows.get(k)}" for k in ("read", "accepted", "quarantined", "superseded") if old_rows.get(k) != new_rows.get(k)]
        changes = _file_changes(a, b)
        if moved:  # the same files read differently (e.g. the contract changed), or other files
            detail = "; ".join([*(changes or [subject]), "rows " + ", ".join(moved)])
        else:
            detail = "; ".join(changes) or f"{subject}: the same files and counts, recorded in another layout (another version of the tool)"
        causes.append(Cause("inputs", subject, detail))
    if old.get("extract_info") != new.get("extract_info") or old.get("extract_date") != new.get("extract_date"):
        causes.append(Cause("inputs", "extract.toml", f"extract.toml changed (extract date {old.get('extract_date')} -> {new.get('extract_date')})"))
    if old.get("baseline") != new.get("baseline"):
        def named(entry):
            return "none" if not entry else f"{entry['month']} version {entry['version']} ({entry['sha256'][:12]})"

        causes.append(Cause("inputs", "data-quality baseline", f"data-quality baseline {named(old.get('baseline'))} -> {named(new.get('baseline'))}"))
    return causes


def explain(old: dict, new: dict) -> list[Cause]:
    """Why two run records (manifests) differ, as causes of the kinds in release.CAUSE_KINDS.
    Empty when they agree on everything that can change a version's files."""
    causes = []
    if old.get("reporting_month") != new.get("reporting_month"):
        causes.append(Cause("month", "reporting month", f"reporting month {old.get('reporting_month')} vs {new.get('reporting_month')}"))
    causes += _input_causes(old, new)
    old_options, new_options = old.get("options") or {}, new.get("options") or {}
    for name in _changed_keys(old_options, new_options):
        causes.append(Cause("options", name, f"{name.replace('_', ' ')} {old_options.get(name)} -> {new_options.get(name)}"))
    old_cfg, new_cfg = old.get("configuration", {}), new.get("configuration", {})
    for name in _changed_keys(old_cfg.get("project_files", {}), new_cfg.get("project_files", {})):
        change = "added" if name not in old_cfg.get("project_files", {}) else "removed" if name not in new_cfg.get("project_files", {}) else "changed"
        causes.append(Cause("configuration", name, f"project file {name} {change}"))
    for name in _changed_keys(old_cfg.get("national_definitions", {}), new_cfg.get("national_definitions", {})):
        causes.append(Cause("configuration", f"national/{name}", f"national definitions {name} changed"))
    for name in _changed_keys(old_cfg.get("expectation_suites", {}), new_cfg.get("expectation_suites", {})):
        causes.append(Cause("configuration", f"expectations/{name}", f"expectations/{name} changed"))
    old_code, new_code = old.get("code", {}), new.get("code", {})
    for key in ("package_version", "code_sha256"):
        if old_code.get(key) != new_code.get(key):
            causes.append(Cause("code", key, f"{key.replace('_', ' ')} {old_code.get(key)} -> {new_code.get(key)}"))
    old_dep, new_dep = old.get("dependencies", {}), new.get("dependencies", {})
    if old_dep.get("python") != new_dep.get("python"):
        causes.append(Cause("dependencies", "python", f"python {old_dep.get('python')} -> {new_dep.get('python')}"))
    old_libs, new_libs = old_dep.get("distributions", {}), new_dep.get("distributions", {})
    for name in _changed_keys(old_libs, new_libs):
        causes.append(Cause("dependencies", name, f"{name} {old_libs.get(name) or '(not installed)'} -> {new_libs.get(name) or '(not installed)'}"))
    if not causes:
        # Keys none of the above reads (a record written by another version of the tool).
        other = [k for k in _changed_keys(record_of(old), record_of(new))]
        if other:
            causes.append(Cause("code", "manifest layout", f"the run records differ in {', '.join(other)} (written by another version of the tool)"))
    return causes
