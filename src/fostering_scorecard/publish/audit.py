"""The audit log and the list of versions.

<output>/audit_log.jsonl: one JSON line per month run, backfilled or verified: when (UTC), the
OS user, the command, the month, a hash of its inputs and of its whole run record, the outcome
(published, restated, unchanged, refused, failed, or verify's verdict), the version, the reason
of a re-issue, and the sha256 of the manifest a publication wrote. Owner-only; lines are
appended under an exclusive lock on the file, so runs of different months (which hold different
month locks) never interleave their lines. It holds no record values.

`version_rows` lists every version of a month (or of every month) with its date and reason:
`scorecard versions [--month M]`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import getpass
import json
import os
from pathlib import Path

from .. import __version__
from .files import private_mkdir
from .manifest import MANIFEST, inputs_sha256, read_manifest, record_sha256
from .release import Release, kinds_of
from .versions import MonthStore

AUDIT_LOG = "audit_log.jsonl"
PUBLISHED_OUTCOMES = ("published", "restated")


def os_user() -> str:
    """Who ran it, as the operating system knows them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers): the numeric user id
        return f"uid {os.getuid()}"


def now() -> str:
    """The time of an entry, in UTC to the second (the log is read across clocks and seasons)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def entry(command: str, month: str, outcome: str, *, record: dict | None = None, version: int | None = None,
          reason: str | None = None, manifest_sha256: str | None = None, detail: str | None = None) -> dict:
    """One audit line's fields (the time and the user are added when it is appended).
    detail: plain words and counts only (an exception's type, verify's file count), never a
    value from a data row."""
    return {
        "command": command,
        "month": month,
        "outcome": outcome,
        "version": version,
        "reason": reason,
        "inputs_sha256": inputs_sha256(record) if record else None,
        "record_sha256": record_sha256(record) if record else None,
        "manifest_sha256": manifest_sha256,
        "tool_version": __version__,
        "detail": detail,
    }


def append(output_dir: Path, fields: dict) -> None:
    """Append one line to <output_dir>/audit_log.jsonl, owner-only, under an exclusive lock on
    the file (one write of one whole line, so a reader never sees half an entry)."""
    output_dir = Path(output_dir)
    private_mkdir(output_dir)
    line = json.dumps({"time": now(), "user": os_user(), **fields}, sort_keys=True, ensure_ascii=False) + "\n"
    fd = os.open(output_dir / AUDIT_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            data = line.encode("utf-8")
            while data:
                data = data[os.write(fd, data):]
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def read(output_dir: Path) -> list[dict]:
    """Every entry of the audit log, oldest first ([] when there is none). A line that is not
    JSON (a hand edit) is returned as {"unreadable": line number}."""
    path = Path(output_dir) / AUDIT_LOG
    if not path.is_file():
        return []
    entries = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            with contextlib.suppress(ValueError):
                entries.append(json.loads(line))
                continue
            entries.append({"unreadable": number})
    return entries


def published_manifest_sha256(entries: list[dict], month: str, version: int) -> str | None:
    """The sha256 of the manifest the publication of month's version wrote, as the audit log
    recorded it (the newest such entry; None when the log has none)."""
    found = None
    for e in entries:
        if e.get("month") == month and e.get("version") == version and e.get("outcome") in PUBLISHED_OUTCOMES:
            found = e.get("manifest_sha256") or found
    return found


# ---------------------------------------------------------------------------------------------
# Every version of a month


VERSION_COLUMNS = ["month", "version", "current", "date", "reason", "what_differs", "indicators_moved", "tool_version"]


def version_rows(output_dir: Path, month: str | None = None) -> list[dict]:
    """One row per published version (of month, or of every month), oldest first: its date (a
    re-issue's recorded date; for version 1 the day the audit log saw it published, if it did),
    the reason of a re-issue, what differed from the version before, how many indicators moved
    and the tool version that made it."""
    store = MonthStore(Path(output_dir))
    log = read(output_dir)
    rows = []
    for m in [month] if month else store.months():
        versions = store.versions(m)
        for number, folder in versions:
            manifest = read_manifest(folder) if (folder / MANIFEST).is_file() else {}
            release = Release.from_record(manifest["release"]) if manifest.get("release") else Release(m, number)
            if release.reissued_on:
                date = release.reissued_on.isoformat()
            else:
                logged = [e["time"][:10] for e in log if e.get("month") == m and e.get("version") == number and e.get("outcome") in PUBLISHED_OUTCOMES]
                date = logged[0] if logged else ""
            rows.append({
                "month": m,
                "version": number,
                "current": number == versions[-1][0],
                "date": date,
                "reason": release.reason or ("first published" if number == 1 else ""),
                "what_differs": ", ".join(kinds_of(release.causes)),
                "indicators_moved": len(release.moved),
                "tool_version": manifest.get("code", {}).get("package_version", ""),
            })
    return rows


def format_version_rows(rows: list[dict]) -> str:
    """The rows as a table for the terminal (the current version of each month marked *)."""
    if not rows:
        return "No published versions in this output folder."
    headings = {"month": "month", "version": "version", "date": "date", "tool_version": "tool", "what_differs": "what differs",
                "indicators_moved": "moved", "reason": "reason"}
    table = [
        {
            "month": r["month"],
            "version": f"v{r['version']}" + (" *" if r["current"] else ""),
            "date": r["date"] or "-",
            "tool_version": r["tool_version"] or "-",
            "what_differs": r["what_differs"] or "-",
            "indicators_moved": str(r["indicators_moved"]) if r["version"] > 1 else "-",
            "reason": r["reason"],
        }
        for r in rows
    ]
    widths = {k: max(len(headings[k]), *(len(t[k]) for t in table)) for k in headings}
    keys = list(headings)

    def line(cells: dict) -> str:
        return "  ".join(cells[k].ljust(widths[k]) for k in keys).rstrip()

    return "\n".join([line(headings), line({k: "-" * widths[k] for k in keys}), *map(line, table), "", "* the current version (what <output>/<month> shows)"])
