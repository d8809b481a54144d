"""What the pack tells its readers before its figures, in every format:

- which version of the month it is; from version 2, when and why it was re-issued and which
  indicators moved (before -> after), from the `Release` record that publishing decides before
  the pack is written (publish/release.py; write_pack's `release`);
- a warning when the month was published although an extract was over its set-aside limit
  (`scorecard run --allow-quarantine`), with the share of rows set aside per extract.

The public pack's notice applies the small-numbers rule to the figures that moved (disclosure.py)
and names extracts and shares only. version.csv, beside the CSVs, holds the same in one row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .disclosure import Rule, public_figures
from ..periods import date_words
from .formatting import format_count, format_value

VERSION_COLUMNS = [  # version.csv
    "month", "version", "reissued_on", "replaces_version", "reason", "indicators_moved", "moved_metric_ids",
    "published_over_set_aside_limit",
]
ABOUT_VERSION = "About this version"  # the page, section or sheet listing what moved


@dataclass
class VersionNotice:
    """One audience's statement of the pack's version (empty line: no release was given)."""

    version: int | None = None
    line: str = ""  # "Version 1" or "Version 2, re-issued on 14 May 2020 (replaces version 1): why"
    label: str = ""  # short, for a page's corner: "Version 1", "Version 2, re-issued 14 May 2020"
    reissued: bool = False
    moved_columns: list[str] = field(default_factory=list)
    moved_rows: list[list[str]] = field(default_factory=list)  # one per indicator that moved
    record: dict | None = None  # version.csv's row

    @property
    def cover_text(self) -> str:
        """The version line, and for a re-issue where to find what moved."""
        if not self.reissued:
            return self.line
        return f"{self.line}{'' if self.line.endswith(('.', '?', '!')) else '.'} {self.moved_sentence}"

    @property
    def moved_sentence(self) -> str:
        """Where a reader finds what moved (the cover has room for one sentence)."""
        if not self.reissued:
            return ""
        n = len(self.moved_rows)
        if n == 0:
            return "No indicator moved."
        return f"{n} indicator{'s' if n != 1 else ''} moved: listed under {ABOUT_VERSION}."


def _shown(unit: str, figures: dict | None) -> str:
    if figures is None:
        return "(not in this version)"
    counts = ""
    if figures.get("numerator") is not None and figures.get("denominator") is not None:
        counts = f" ({format_count(figures['numerator'])} of {format_count(figures['denominator'])})"
    return format_value(unit, figures.get("value")) + counts


def version_notice(release, metrics, rule: Rule | None) -> VersionNotice:
    """The notice for one audience; rule: the small-numbers rule (the public pack), or None."""
    if release is None:
        return VersionNotice()
    units = {m.id: m.unit for m in metrics}
    titles = {m.id: m.title for m in metrics}
    rows = []
    for moved in release.moved if release.is_reissue else ():
        # a Release's IndicatorFigures as a plain dict (None: absent from that version)
        before, after = (None if f is None else f.to_record() for f in (moved.before, moved.after))
        if rule is not None:
            before, after = (None if f is None else public_figures(moved.metric_id, f, rule) for f in (before, after))
        unit = units.get(moved.metric_id, "count")
        rows.append([
            titles.get(moved.metric_id, moved.title or moved.metric_id), _shown(unit, before), _shown(unit, after),
            "" if before is None else str(before.get("rag") or ""), "" if after is None else str(after.get("rag") or ""),
        ])
    previous = release.restates if release.is_reissue else None
    columns = ["Indicator", f"Version {previous}", f"Version {release.version}", f"Status, version {previous}", f"Status, version {release.version}"]
    record = {
        "month": release.month, "version": release.version,
        "reissued_on": release.reissued_on, "replaces_version": previous, "reason": release.reason if release.is_reissue else None,
        "indicators_moved": len(rows) if release.is_reissue else 0,
        "moved_metric_ids": " ".join(m.metric_id for m in release.moved) if release.is_reissue else "",
    }
    label = f"Version {release.version}"
    if release.is_reissue and release.reissued_on:
        label += f", re-issued {date_words(release.reissued_on)}"
    return VersionNotice(release.version, release.headline(), label, release.is_reissue, columns if release.is_reissue else [], rows, record)


def extracts_over_limit(quality_rows: list[dict] | None, limit: float) -> list[dict]:
    """The data-quality report's "(all rows)" lines of the extracts over the set-aside limit or
    rejected whole: the rule publication_check.py stops a month with, from the report's counts."""
    over = []
    for r in quality_rows or []:
        if r.get("rule_id") != "(all rows)" or not int(r.get("rows_read") or 0):
            continue
        read, aside, accepted = int(r["rows_read"]), int(r["rows_quarantined"]), int(r["rows_accepted"])
        if accepted == 0 or aside / read > limit:
            over.append(r)
    return sorted(over, key=lambda r: (-int(r["rows_quarantined"]) / int(r["rows_read"]), r["file"]))


def set_aside_warning(quality_rows: list[dict] | None, limit: float, public: bool) -> str | None:
    """The cover's warning for a month published with --allow-quarantine although extracts were
    over the limit (None when none was): each such extract and its share of rows set aside (and
    the counts, internal pack only)."""
    over = extracts_over_limit(quality_rows, limit)
    if not over:
        return None
    parts = []
    for r in over:
        read, aside = int(r["rows_read"]), int(r["rows_quarantined"])
        part = f"{r['file']} {100 * aside / read:.1f}%"
        if not public:
            part += f" ({aside:,} of {read:,} rows)"
        parts.append(part + (", the whole file rejected" if int(r["rows_accepted"]) == 0 else ""))
    return (f"Warning: published although rows set aside were over the limit of {100 * limit:g}% "
            f"(run with --allow-quarantine), so figures from these extracts may be understated: {'; '.join(parts)}.")
