"""Deciding what a run of a month publishes, by its run record, before anything is computed:

- the month has no version yet: version 1;
- the newest version was made from the same record (inputs, data-quality baseline, options,
  project files, national definitions, code, dependencies): "unchanged", nothing is written;
- the record differs: a re-issue, version N+1, accepted only with a reason (--reason). Without
  one the run stops, naming what differs. An environment that changed and nothing else (new
  code or library versions) is treated the same way: recorded as a new version with a reason,
  never silently, so `verify` of the newest version reproduces under the new environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import UserError
from . import release as releases
from .baseline import Baseline, month_baseline
from .compare import explain, read_scorecard
from .files import sha256_file
from .manifest import MANIFEST, canonical, read_manifest, record_of, run_record
from .release import ENVIRONMENT_KINDS, Cause, Release, clean_reason, kinds_of
from .versions import MonthStore


class ReissueNeedsReason(UserError):
    """A published month's run record differs and no reason was given for re-issuing it."""


@dataclass(frozen=True)
class VersionPlan:
    """What a run of a month will publish. status: "first" (version 1), "unchanged" (the newest
    version has the same record), "reissue" (version N+1, with a reason) or "needs_reason"."""

    month: str
    status: Literal["first", "unchanged", "reissue", "needs_reason"]
    record: dict  # this run's record, as manifest.json will hold it
    baseline: Baseline
    latest: tuple[int, Path] | None  # the newest version (number, folder)
    causes: tuple[Cause, ...] = ()  # how the record differs from the newest version's
    reason: str | None = None

    @property
    def version(self) -> int:
        """The version published (or, for "unchanged", the one that stays current)."""
        if self.latest is None:
            return 1
        return self.latest[0] if self.status == "unchanged" else self.latest[0] + 1

    @property
    def publishes(self) -> bool:
        return self.status in ("first", "reissue")

    @property
    def what_differs(self) -> list[str]:
        """The kinds of cause (inputs, options, configuration, code, dependencies) of a re-issue."""
        return kinds_of(self.causes)

    def release(self, rows: list[dict]) -> Release:
        """The new version's Release, once its scorecard rows are computed (before the pack is
        written): from version 2, the date, the reason, the causes and the indicators that moved
        since the newest version."""
        if self.status == "first":
            return Release(self.month, 1)
        if self.status != "reissue":
            raise ValueError(f"a {self.status} run publishes nothing")
        return Release(
            month=self.month,
            version=self.version,
            reissued_on=releases.today(),
            reason=self.reason,
            causes=self.causes,
            moved=releases.moved_indicators(read_scorecard(self.latest[1]), rows),
            restates_manifest_sha256=sha256_file(self.latest[1] / MANIFEST) if (self.latest[1] / MANIFEST).is_file() else None,
        )

    def refusal(self) -> ReissueNeedsReason:
        """The message a run stops with when it would re-issue the month without a reason."""
        kinds = kinds_of(self.causes) or ["the run record"]
        lines = [f"{self.month} is already published (version {self.latest[0]}), and this run differs from it:"]
        lines += [f"    {c.kind}: {c.detail}" for c in self.causes] or [f"    version {self.latest[0]} has no readable run record (manifest.json)"]
        if set(kinds) <= ENVIRONMENT_KINDS:
            lines.append(
                f"  Only the environment differs ({', '.join(kinds)}): the figures may well be the same, but version "
                f"{self.latest[0]} was made by other code or libraries, so it is re-issued (with a reason) rather than replaced silently."
            )
        lines.append(
            f"  What differs: {', '.join(kinds)}. A published month is never replaced: a correction or a new environment becomes "
            f"version {self.version}, with the reason shown in its pack and change note and kept in the audit log."
        )
        lines.append(
            '  How to fix: run the same command again with a reason, e.g.  --reason "Corrected carers extract from the MIU". '
            f"To see what would move without publishing:  scorecard verify --month {self.month} --extracts FOLDER"
        )
        return ReissueNeedsReason("\n".join(lines))


def plan_version(ctx, validated: dict, previous: Baseline | None = None) -> VersionPlan:
    """What a run of ctx.month from these validated extracts would publish in ctx.output_dir
    (ctx.options.reason: why it is re-issued, if it is). Reads the month's versions; writes
    nothing. Call it holding the month's lock when the plan is then carried out. previous: the
    previous month's findings when the caller is writing its new version (month_baseline)."""
    store = MonthStore(Path(ctx.output_dir))
    baseline = month_baseline(store, ctx.month, previous)
    record = canonical(run_record(ctx, validated, baseline.entry))
    latest = store.latest(ctx.month)
    reason = clean_reason(ctx.options.reason)
    if latest is None:
        return VersionPlan(ctx.month, "first", record, baseline, None)
    recorded = read_manifest(latest[1]) if (latest[1] / MANIFEST).is_file() else None
    if recorded is not None and record_of(recorded) == record:
        return VersionPlan(ctx.month, "unchanged", record, baseline, latest)
    causes = tuple(explain(recorded or {}, record)) if recorded is not None else ()
    status = "reissue" if reason else "needs_reason"
    return VersionPlan(ctx.month, status, record, baseline, latest, causes, reason)
