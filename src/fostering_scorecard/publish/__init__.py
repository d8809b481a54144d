"""Publishing a month: versions never overwritten, the run record, the input archive, the
month's lock, the audit log, and comparing two runs of a month.

Layout of an output folder (see docs/operations.md):

    <output>/2020-03                 -> versions/2020-03/v2   (link to the newest version)
    <output>/versions/2020-03/v1/    the month as first published (never changed afterwards)
    <output>/versions/2020-03/v2/    a re-issue, with change_note.md saying when, why and what moved
    <output>/archive/sha256/ab/ab12..  every file a month was run from, by content hash, read-only
    <output>/scorecard_series.csv    every indicator for every published month (latest versions)
    <output>/audit_log.jsonl         one line per month run, backfilled or verified
    <output>/.locks/2020-03.lock     held while a run of 2020-03 is in progress

Whether a run publishes is decided by its run record (publish.plan), never by a clock: the same
inputs, baseline, project, code and dependencies are "unchanged"; anything else re-issues the
month as a new version, only with a reason.

One job per module, each importing only those above it:

    files     owner-only folders and files, sha256, writing a file in one step
    release   what a version says about itself: its number; from v2 when, why, what moved
    manifest  the run record (manifest.json): inputs, baseline, options, configuration, code,
              dependencies; the release; the hashes of every other file
    archive   the input archive: extracts, extract.toml, project files, baseline, by sha256
    lock      one run per month at a time
    versions  the versions of a month, publishing a new one, the series of every month
    baseline  the previous month's findings a month's data-quality report compares with
    compare   what differs between two runs of a month, and why
    plan      what a run publishes: version 1, "unchanged", or a re-issue (with a reason)
    audit     the audit log (one line per month run, backfilled or verified); every version
    verify    the kinds of difference `verify` finds, their exit codes, its report

What identifies the code, configuration and dependencies (code_version, configuration_record,
dependency_record) is in publish.manifest, where run_record looks it up: a test that pins the
code version patches publish.manifest.code_version.
"""

from . import audit
from .archive import ArchiveError, RestoredMonth, archive_file, archive_inputs, archive_path, restore_baseline, restore_inputs, restore_month, restore_project
from .baseline import Baseline, findings_of, month_baseline
from .compare import explain, file_differences, metric_changes, read_scorecard
from .files import private_mkdir, restrict_permissions, sha256_file, write_atomically
from .lock import MonthLocked, month_lock
from .manifest import CHANGE_NOTE, MANIFEST, output_digests, read_manifest, record_of, run_record, write_manifest
from .plan import ReissueNeedsReason, VersionPlan, plan_version
from .release import Cause, IndicatorFigures, MovedIndicator, Release, change_note_markdown
from .verify import KINDS, VerifyReport, compare_rerun, edited_files, log_verdict, overall_exit_code, summary_text
from .versions import SERIES, SERIES_COLUMNS, MonthStore, PublishedVersion, VersionDraft, build_series, publish_version, start_version

__all__ = [
    "CHANGE_NOTE",
    "KINDS",
    "MANIFEST",
    "SERIES",
    "SERIES_COLUMNS",
    "ArchiveError",
    "Baseline",
    "Cause",
    "IndicatorFigures",
    "MonthLocked",
    "MonthStore",
    "MovedIndicator",
    "PublishedVersion",
    "ReissueNeedsReason",
    "Release",
    "RestoredMonth",
    "VerifyReport",
    "VersionPlan",
    "archive_file",
    "archive_inputs",
    "archive_path",
    "audit",
    "build_series",
    "change_note_markdown",
    "compare_rerun",
    "edited_files",
    "explain",
    "file_differences",
    "log_verdict",
    "metric_changes",
    "month_baseline",
    "findings_of",
    "month_lock",
    "output_digests",
    "overall_exit_code",
    "plan_version",
    "private_mkdir",
    "publish_version",
    "start_version",
    "VersionDraft",
    "read_manifest",
    "read_scorecard",
    "record_of",
    "restore_baseline",
    "restore_inputs",
    "restore_month",
    "restore_project",
    "restrict_permissions",
    "run_record",
    "sha256_file",
    "summary_text",
    "write_atomically",
    "write_manifest",
]
