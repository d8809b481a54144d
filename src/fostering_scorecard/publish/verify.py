"""`scorecard verify`: what kind of difference a re-run of a published version found, in words
and as the command's exit code.

Before re-running, the version's own files are checked against the sha256 its manifest
recorded, and its manifest against the sha256 the audit log and the next version recorded: a
file edited after publishing is named as such, not blamed on the pipeline. Then the month is
re-run from its archived inputs, baseline and project files, and every file compared:

    exit  kind                  what it means
    0     reproduced            every file, the manifest too, is byte for byte the same
    3     figures differ        a CSV (the figures) differs
    4     rendering differs     every CSV is the same; the PDF, HTML, workbook or charts differ
    5     environment differs   every output is the same; only manifest.json's record differs
                                (typically the code or library versions)
    6     edited after publishing  a published file no longer matches its recorded sha256
    7     archive problem       an archived input is missing or altered: the month cannot be re-run

(1 is kept for a run that stops with a message, 2 for a mistyped command.) `verify --all` exits
with the code of the most serious kind found, in the order 6, 7, 3, 4, 5, 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import audit
from .compare import explain, file_differences, metric_changes
from .files import sha256_file
from .manifest import MANIFEST, digest_changes, output_digests, read_manifest
from .release import ENVIRONMENT_KINDS, Cause, kinds_of
from .versions import MonthStore


@dataclass(frozen=True)
class Kind:
    name: str
    exit_code: int
    severity: int  # verify --all reports the most serious kind found
    meaning: str


REPRODUCED = Kind("reproduced", 0, 0, "every output and the manifest are byte for byte identical")
ENVIRONMENT = Kind("environment differs", 5, 1, "every output is byte for byte identical; only the run record in manifest.json differs")
RENDERING = Kind("rendering differs", 4, 2, "the same figures (every CSV is identical), but other files of the pack have different bytes")
FIGURES = Kind("figures differ", 3, 3, "the re-run computed different figures (a CSV differs)")
ARCHIVE = Kind("archive problem", 7, 4, "the month cannot be re-run from its archive")
EDITED = Kind("edited after publishing", 6, 5, "files of the published version no longer match the sha256 recorded when it was published; the month was not re-run")
KINDS = (REPRODUCED, ENVIRONMENT, RENDERING, FIGURES, ARCHIVE, EDITED)


def edited_files(store: MonthStore, month: str, version: int) -> list[dict]:
    """Files of a published version that changed after publishing: each file against the
    sha256 its manifest lists (missing, added or different bytes), and the manifest itself
    against the sha256 the audit log and the next version's release recorded for it."""
    folder = dict(store.versions(month))[version]
    manifest = read_manifest(folder)
    listed, present = manifest.get("outputs", {}), output_digests(folder)
    problems = {"missing": "removed after publishing", "added": "added after publishing (not in the manifest)",
                "changed": "bytes changed after publishing (sha256 differs from the manifest's)"}
    edited = [{"file": name, "problem": problems[change]} for name, change in digest_changes(listed, present)]
    actual = sha256_file(folder / MANIFEST)
    witnesses = []
    logged = audit.published_manifest_sha256(audit.read(store.output_dir), month, version)
    if logged:
        witnesses.append(("the audit log", logged))
    following = dict(store.versions(month)).get(version + 1)
    if following and (following / MANIFEST).is_file():
        restated = (read_manifest(following).get("release") or {}).get("restates_manifest_sha256")
        if restated:
            witnesses.append((f"version {version + 1}'s release record", restated))
    for witness, sha in witnesses:
        if sha != actual:
            edited.append({"file": MANIFEST, "problem": f"bytes changed after publishing (sha256 differs from the one {witness} recorded)"})
            break
    return edited


def _kind_of_differences(differences: list[dict]) -> Kind:
    files = [d["file"] for d in differences if d["file"] != MANIFEST]
    if any(name.endswith(".csv") for name in files):
        return FIGURES
    if files:
        return RENDERING
    return ENVIRONMENT if differences else REPRODUCED


@dataclass
class VerifyReport:
    month: str
    version: int
    recorded_dir: Path
    kind: Kind = REPRODUCED
    differences: list[dict] = field(default_factory=list)
    causes: list[Cause] = field(default_factory=list)
    metric_changes: list[dict] = field(default_factory=list)
    archive_problems: list[str] = field(default_factory=list)
    edited: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the check itself (e.g. the audit log not writable)

    @property
    def reproduced(self) -> bool:
        return self.kind is REPRODUCED

    @property
    def exit_code(self) -> int:
        return self.kind.exit_code

    @property
    def cause_kinds(self) -> set[str]:
        return {c.kind for c in self.causes}

    def _what_to_do(self) -> str:
        month = self.month
        reissue = f'scorecard run --month {month} --reason "..."'
        if self.kind is EDITED:
            return ("restore the version's files from a backup of the output folder (the manifest's sha256 say which bytes were "
                    "published), then verify again. A published version is never edited: a correction is re-issued as a new version.")
        if self.kind is ARCHIVE:
            return ("restore the output folder's archive/ from a backup, or verify with --extracts FOLDER holding the very files "
                    "the month was run from.")
        kinds = set(kinds_of(self.causes))
        if not self.causes:
            return "nothing recorded differs, so the pipeline is not deterministic here: a bug. Report it with this output."
        if kinds <= ENVIRONMENT_KINDS | {"configuration"}:
            install = ("to reproduce the exact bytes, install the tool and the library versions the manifest records (docs/operations.md, "
                       "'Auditing on another machine') and verify again")
            if self.kind is ENVIRONMENT:
                return f"the published outputs stand. {install[0].upper() + install[1:]}; or record this environment as a new version: {reissue}"
            return f"{install}. To publish what this environment makes instead, re-issue the month with a reason: {reissue} (its change note lists what moved)"
        return (f"the published version stands as recorded. To publish what the re-run made, re-issue the month with a reason: "
                f"{reissue} (with --extracts FOLDER for corrected extracts); its change note lists what moved")

    def text(self) -> str:
        head = f"{self.month} version {self.version} ({self.recorded_dir})"
        notes = [f"  note: {n}" for n in self.notes]
        if self.reproduced:
            return "\n".join([f"REPRODUCED: {head}: {REPRODUCED.meaning}.", *notes])
        lines = [f"NOT REPRODUCED ({self.kind.name}, exit code {self.exit_code}): {head}", f"  {self.kind.meaning}."]
        lines += [f"  edited: {e['file']}: {e['problem']}" for e in self.edited]
        lines += [f"  archive: {p}" for p in self.archive_problems]
        lines += [f"  {d['file']}: {d['difference']}" for d in self.differences]
        if self.kind not in (EDITED, ARCHIVE):
            why = "; ".join(f"{c.kind}: {c.detail}" for c in self.causes) or "no input, configuration, code or dependency change recorded"
            lines.append(f"  why: {why}")
        for c in self.metric_changes:
            lines.append(f"  indicator {c['metric_id']}: {c['old_value']} -> {c['new_value']} ({c['old_rag']} -> {c['new_rag']})")
        lines.append(f"  What to do: {self._what_to_do()}")
        return "\n".join([*lines, *notes])


def compare_rerun(month: str, version: int, recorded_dir: Path, recorded: dict, rerun_dir: Path, rerun: dict) -> VerifyReport:
    """Compare a re-run of a month (rerun_dir, its manifest rerun) with the recorded version
    (recorded_dir, its manifest recorded): the kind of difference, the files that differ and,
    when any do, why and which indicators moved."""
    report = VerifyReport(month, version, Path(recorded_dir))
    report.differences = file_differences(recorded_dir, rerun_dir)
    report.kind = _kind_of_differences(report.differences)
    if report.differences:
        report.causes = explain(recorded, rerun)
        report.metric_changes = metric_changes(recorded_dir, rerun_dir)
    return report


def overall_exit_code(reports: list[VerifyReport]) -> int:
    """verify --all: the exit code of the most serious kind found (0 when every month reproduced)."""
    return max((r.kind for r in reports), key=lambda k: k.severity, default=REPRODUCED).exit_code


def summary_text(reports: list[VerifyReport]) -> str:
    """verify --all: one line per version checked, then a count per kind."""
    lines = [f"{r.month} v{r.version}: {'REPRODUCED' if r.reproduced else 'NOT REPRODUCED (' + r.kind.name + ')'}" for r in reports]
    counts = {k.name: sum(r.kind is k for r in reports) for k in KINDS}
    lines.append(f"{len(reports)} version(s) checked: " + ", ".join(f"{n} {name}" for name, n in counts.items() if n))
    return "\n".join(lines)


def log_verdict(output_dir: Path, report: VerifyReport, recorded: dict) -> VerifyReport:
    """Append the verdict to the output folder's audit log. An auditor's read-only copy cannot
    take the line: the verdict stands, with a note saying so."""
    detail = None if report.reproduced else f"{len(report.edited or report.archive_problems or report.differences)} difference(s)"
    try:
        audit.append(output_dir, audit.entry("verify", report.month, report.kind.name, record=recorded, version=report.version, detail=detail))
    except OSError as error:
        report.notes.append(f"the audit log could not be written ({error.strerror})")
    return report
