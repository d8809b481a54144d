"""Publishing a month: versions never overwritten, the run record, the input archive, the
month's lock, and comparing two runs of a month.

Layout of an output folder (see docs/operations.md):

    <output>/2020-03                 -> versions/2020-03/v2   (link to the newest version)
    <output>/versions/2020-03/v1/    the month as first published (never changed afterwards)
    <output>/versions/2020-03/v2/    a restatement, with change_note.md saying what moved and why
    <output>/archive/sha256/ab/ab12..  every input file ever used, by content hash, read-only
    <output>/scorecard_series.csv    every indicator for every published month (latest versions)
    <output>/.locks/2020-03.lock     held while a run of 2020-03 is in progress

manifest.json depends only on the inputs, configuration, code and dependencies (never on the
version number, the time or the folder), so re-running a month writes the same bytes.

One job per module, each importing only those above it:

    files     owner-only folders and files, sha256, writing a file in one step
    manifest  the run record (manifest.json): inputs, configuration, code, dependencies, outputs
    archive   the input archive: keep and restore a month's inputs by sha256
    lock      one run per month at a time
    compare   what differs between two runs of a month, and why; change notes; verify reports
    versions  the versions of a month, publishing a new one, the series of every month

What identifies the code, configuration and dependencies (code_version, configuration_record,
dependency_record) is in publish.manifest, where run_record looks it up: a test that pins the
code version patches publish.manifest.code_version.
"""

from .archive import ArchiveError, archive_file, archive_inputs, archive_path, restore_inputs
from .compare import VerifyReport, explain, file_differences, metric_changes, same_outputs, verify_report, write_change_note
from .files import private_mkdir, restrict_permissions, sha256_file, write_atomically
from .lock import MonthLocked, month_lock
from .manifest import CHANGE_NOTE, MANIFEST, output_digests, read_manifest, run_record, write_manifest
from .versions import SERIES, SERIES_COLUMNS, MonthStore, PublishedVersion, build_series, publish_version

__all__ = [
    "CHANGE_NOTE",
    "MANIFEST",
    "SERIES",
    "SERIES_COLUMNS",
    "ArchiveError",
    "MonthLocked",
    "MonthStore",
    "PublishedVersion",
    "VerifyReport",
    "archive_file",
    "archive_inputs",
    "archive_path",
    "build_series",
    "explain",
    "file_differences",
    "metric_changes",
    "month_lock",
    "output_digests",
    "private_mkdir",
    "publish_version",
    "read_manifest",
    "restore_inputs",
    "restrict_permissions",
    "run_record",
    "same_outputs",
    "sha256_file",
    "verify_report",
    "write_atomically",
    "write_change_note",
    "write_manifest",
]
