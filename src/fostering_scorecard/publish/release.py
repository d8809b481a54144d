"""What a version of a month says about itself: its number and, from version 2, when and why it
was re-issued and which indicators moved (`Release`). Decided before the pack is written, so
every format can state it, and recorded in manifest.json ("release"), so `verify` writes the
same words again.

Light on purpose (the pack imports it): nothing here reads a file or a data library.

The record's shape, as manifest.json holds it (Release.to_record / Release.from_record):

    "release": {
      "month": "2020-03",
      "version": 2,
      "reissued_on": "2020-05-14",            # null for version 1
      "reason": "Corrected carers extract",   # null for version 1
      "restates_manifest_sha256": "ab12...",  # the manifest of the version re-issued; null for v1
      "causes": [{"kind": "inputs", "subject": "carers.csv", "detail": "carers.csv changed (...)"}],
      "moved": [{"metric_id": "approvals_fytd", "title": "...",
                 "before": {"value": 2, "numerator": 2, "denominator": null, "target": 120, "rag": "Red"},
                 "after":  {"value": 1, ...}}]
    }
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..periods import date_words
from ..tables import format_cell

CAUSE_KINDS = ("month", "inputs", "options", "configuration", "code", "dependencies")
ENVIRONMENT_KINDS = frozenset({"code", "dependencies"})  # what ran, not what it read
FIGURE_FIELDS = ("value", "numerator", "denominator", "target", "rag")
MAX_REASON_CHARACTERS = 300


def today() -> dt.date:
    """The date a re-issue is made (recorded once, then reused by verify). Tests replace it."""
    return dt.date.today()


def clean_reason(reason: str | None) -> str | None:
    """A re-issue's reason as it is recorded and printed in every pack (the public one too):
    one line of plain words. None when no reason was given; a blank or overlong one is refused."""
    from ..errors import FileProblem  # light: errors imports nothing

    if reason is None:
        return None
    words = " ".join(str(reason).split())
    if not words:
        raise FileProblem("--reason", "the reason is blank", 'say in a few words why the month is re-issued, e.g. --reason "Corrected carers extract from the MIU"')
    if len(words) > MAX_REASON_CHARACTERS:
        raise FileProblem("--reason", f"the reason is {len(words)} characters long (at most {MAX_REASON_CHARACTERS})", "shorten it to a sentence; the change note lists what moved.")
    return words


@dataclass(frozen=True)
class Cause:
    """One way a run's record differs from the version it re-issues (no record values: file
    names, hashes, counts and versions only)."""

    kind: str  # one of CAUSE_KINDS
    subject: str  # the file, setting or library: "carers.csv", "targets.toml", "openpyxl"
    detail: str  # in words: "carers.csv changed (sha256 ab12.. -> cd34..); rows accepted 2 -> 1"

    def to_record(self) -> dict:
        return {"kind": self.kind, "subject": self.subject, "detail": self.detail}

    @classmethod
    def from_record(cls, record: dict) -> Cause:
        return cls(record["kind"], record["subject"], record["detail"])


def kinds_of(causes) -> list[str]:
    """The kinds among causes, in CAUSE_KINDS order."""
    present = {c.kind for c in causes}
    return [k for k in CAUSE_KINDS if k in present]


def _number(text):
    """A scorecard.csv cell as a number (int when whole), None when empty, text otherwise."""
    if text is None or text == "":
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return text
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in str(text) else number


@dataclass(frozen=True)
class IndicatorFigures:
    """An indicator's figures in one version, as scorecard.csv gives them (internal: exact
    counts; the public pack applies the small-numbers rule to them before showing them)."""

    value: float | int | None
    numerator: float | int | None
    denominator: float | int | None
    target: float | int | None
    rag: str

    @classmethod
    def from_row(cls, row: dict) -> IndicatorFigures:
        """From a scorecard row: scorecard.csv's text, or the computed row (formatted as the
        CSV writes it first, so both sides of a comparison have the same precision)."""
        cells = {f: format_cell(row.get(f)) for f in FIGURE_FIELDS}
        return cls(*(_number(cells[f]) for f in FIGURE_FIELDS[:-1]), rag=cells["rag"])

    def cells(self) -> dict[str, str]:
        """The figures as scorecard.csv writes them."""
        return {f: format_cell(getattr(self, f)) for f in FIGURE_FIELDS}

    def to_record(self) -> dict:
        return {f: getattr(self, f) for f in FIGURE_FIELDS}

    @classmethod
    def from_record(cls, record: dict | None) -> IndicatorFigures | None:
        return None if record is None else cls(**{f: record.get(f) for f in FIGURE_FIELDS})


@dataclass(frozen=True)
class MovedIndicator:
    """An indicator whose value, numerator, denominator, target or status differs between the
    version re-issued (before) and the new one (after). None: absent from that version."""

    metric_id: str
    title: str
    before: IndicatorFigures | None
    after: IndicatorFigures | None

    @property
    def change(self) -> float | int | None:
        """after - before of the value, when both are numbers."""
        old, new = (None if f is None else f.value for f in (self.before, self.after))
        if not all(isinstance(v, (int, float)) for v in (old, new)):
            return None
        difference = new - old
        return round(difference, 4) if isinstance(difference, float) else difference

    def to_record(self) -> dict:
        return {
            "metric_id": self.metric_id,
            "title": self.title,
            "before": None if self.before is None else self.before.to_record(),
            "after": None if self.after is None else self.after.to_record(),
        }

    @classmethod
    def from_record(cls, record: dict) -> MovedIndicator:
        return cls(record["metric_id"], record["title"], IndicatorFigures.from_record(record["before"]), IndicatorFigures.from_record(record["after"]))


def moved_indicators(before_rows: list[dict], after_rows: list[dict]) -> tuple[MovedIndicator, ...]:
    """Indicators whose figures differ, in the new version's order (then any the new version
    no longer has). Rows: scorecard.csv rows (text) or computed scorecard rows."""
    before = {r["metric_id"]: r for r in before_rows}
    after = {r["metric_id"]: r for r in after_rows}
    moved = []
    for metric_id in [*after, *(m for m in before if m not in after)]:
        old = IndicatorFigures.from_row(before[metric_id]) if metric_id in before else None
        new = IndicatorFigures.from_row(after[metric_id]) if metric_id in after else None
        if old != new:
            title = (after.get(metric_id) or before.get(metric_id) or {}).get("title", "")
            moved.append(MovedIndicator(metric_id, str(title), old, new))
    return tuple(moved)


@dataclass(frozen=True)
class Release:
    """A version of a month as its readers are told about it."""

    month: str
    version: int
    reissued_on: dt.date | None = None  # from version 2: the day it was re-issued
    reason: str | None = None  # from version 2: why (--reason)
    causes: tuple[Cause, ...] = ()  # from version 2: what differs from the version re-issued
    moved: tuple[MovedIndicator, ...] = ()  # from version 2: the indicators that moved
    restates_manifest_sha256: str | None = None  # from version 2: the re-issued version's manifest

    @property
    def is_reissue(self) -> bool:
        return self.version > 1

    @property
    def restates(self) -> int | None:
        """The version this one re-issues (the one before it)."""
        return self.version - 1 if self.is_reissue else None

    @property
    def kinds(self) -> list[str]:
        return kinds_of(self.causes)

    def headline(self) -> str:
        """One line for a pack's cover: 'Version 1' or 'Version 2, re-issued on 14 May 2020: why'."""
        if not self.is_reissue:
            return f"Version {self.version}"
        when = date_words(self.reissued_on) if self.reissued_on else "on an unrecorded date"
        return f"Version {self.version}, re-issued on {when} (replaces version {self.restates}): {self.reason or 'no reason recorded'}"

    def to_record(self) -> dict:
        return {
            "month": self.month,
            "version": self.version,
            "reissued_on": self.reissued_on.isoformat() if self.reissued_on else None,
            "reason": self.reason,
            "restates_manifest_sha256": self.restates_manifest_sha256,
            "causes": [c.to_record() for c in self.causes],
            "moved": [m.to_record() for m in self.moved],
        }

    @classmethod
    def from_record(cls, record: dict) -> Release:
        date = record.get("reissued_on")
        return cls(
            month=record["month"],
            version=int(record["version"]),
            reissued_on=dt.date.fromisoformat(date) if date else None,
            reason=record.get("reason"),
            causes=tuple(Cause.from_record(c) for c in record.get("causes", [])),
            moved=tuple(MovedIndicator.from_record(m) for m in record.get("moved", [])),
            restates_manifest_sha256=record.get("restates_manifest_sha256"),
        )


def change_note_markdown(release: Release, public: bool = False, shown=None) -> str:
    """change_note.md for a re-issued version: when, why (the reason and what differs), and
    each indicator that moved, before -> after.

    public: for public/: the causes by kind and file only (no hashes or row counts).
    shown(metric_id, figures, field) -> str: how a figure is printed; the public pack passes
    one that applies the small-numbers rule (default: as scorecard.csv writes it)."""
    if not release.is_reissue:
        raise ValueError("a first version has no change note")

    def cell(metric_id: str, figures: IndicatorFigures | None, name: str) -> str:
        if figures is None:
            return "(absent)"
        return shown(metric_id, figures, name) if shown else figures.cells()[name]

    lines = [
        f"# {release.month}: version {release.version} replaces version {release.restates}",
        "",
        f"Re-issued on {release.reissued_on.isoformat() if release.reissued_on else '(date not recorded)'}. "
        f"Version {release.restates} stays as it was published.",
        "",
        "## Why",
        "",
        f"Reason given: {release.reason or '(none recorded)'}",
        "",
    ]
    if public:
        by_kind: dict[str, list[str]] = {}
        for c in release.causes:
            by_kind.setdefault(c.kind, []).append(c.subject)
        lines += [f"- {kind}: {', '.join(dict.fromkeys(by_kind[kind]))}" for kind in release.kinds]
    else:
        lines += [f"- {c.kind}: {c.detail}" for c in release.causes]
    if not release.causes:
        lines.append("- nothing recorded differs")
    lines += ["", "## Indicators that moved", ""]
    if release.moved:
        lines += [
            "| indicator | before | after | change | numerator/denominator before -> after | status before -> after |",
            "|---|---|---|---|---|---|",
        ]
        for m in release.moved:
            counts = [
                "/".join(x for x in (cell(m.metric_id, f, "numerator"), cell(m.metric_id, f, "denominator")) if x) if f else "(absent)"
                for f in (m.before, m.after)
            ]
            values = [cell(m.metric_id, f, "value") for f in (m.before, m.after)]
            hidden = any(v != (f.cells()["value"] if f else "(absent)") for v, f in zip(values, (m.before, m.after)))
            change = "" if hidden or m.change is None else f"+{format_cell(m.change)}" if m.change > 0 else format_cell(m.change)
            rags = [cell(m.metric_id, f, "rag") for f in (m.before, m.after)]
            lines.append(f"| {m.metric_id} | {values[0]} | {values[1]} | {change} | {counts[0]} -> {counts[1]} | {rags[0]} -> {rags[1]} |")
    else:
        lines.append("None: every indicator's figures are as in the version replaced.")
    return "\n".join(lines) + "\n"
