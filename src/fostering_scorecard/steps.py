"""What each step of the run spine does (run.py writes their order): the context a run carries,
the checks before anything heavy, and prepare, ingest, validate, compute and publish for one
month. Each step is a plain function of the context; run.py calls them through a Runner.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import ingest, models, pack, publish, tables, validation
from .definitions import Extract, Metric
from .errors import FileProblem
from .ingest import ExtractError, ExtractInfo, RawExtract
from .models import MonthFigures
from .pack.pack_process import PackProcess
from .periods import as_at_date, latest_complete_month, parse_month, shift_month
from .project import Project, Settings
from .validation import SuiteRunner, ValidatedExtract


# ---------------------------------------------------------------------------------------------
# What a run carries from step to step


@dataclass(frozen=True)
class RunOptions:
    """What the person running the scorecard decided for this run (recorded in the manifest)."""

    allow_quarantine: bool = False  # publish although an extract is over its set-aside limit
    reason: str | None = None  # why a published month is re-issued (--reason)


@dataclass
class RunContext:
    month: str
    as_at: dt.date
    extracts_dir: Path
    output_dir: Path
    extract_info: ExtractInfo
    project: Project
    options: RunOptions = field(default_factory=RunOptions)

    @property
    def extracts(self) -> dict[str, Extract]:
        return self.project.extracts

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return self.project.metrics

    @property
    def settings(self) -> Settings:
        return self.project.settings


@dataclass
class MonthResult:
    month: str
    month_dir: Path
    rows: list[dict]
    row_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    version: int = 0
    status: str = ""  # published | restated | unchanged | skipped
    version_dir: Path | None = None

    @property
    def rows_set_aside(self) -> int:
        return sum(counts["quarantined"] for counts in self.row_counts.values())

    @property
    def rows_read(self) -> int:
        return sum(counts["read"] for counts in self.row_counts.values())


# ---------------------------------------------------------------------------------------------
# Before anything heavy


def extract_info(extracts_dir: Path, extract_date: dt.date | None = None, today: dt.date | None = None) -> ExtractInfo:
    """When the extracts were taken: extract.toml in the extracts folder, or --extract-date
    (required: every date is checked against it, and it decides the latest month that can be
    reported). ingest checks both (a date only, not after today; the two must agree)."""
    info = ingest.load_extract_info(extracts_dir, today, extract_date)
    if info is None:
        raise ExtractError(
            ingest.EXTRACT_INFO_FILE,
            f"not found in {extracts_dir}: the date the extracts were taken is needed (every date is checked against it)",
            "add extract.toml to the extracts folder with the line  extract_date = 2020-04-05  (the day the extracts "
            "were taken), or pass --extract-date 2020-04-05.",
        )
    return info


def default_month(extracts_dir: Path, extract_date: dt.date | None = None) -> str:
    """The latest complete month before the extracts were taken."""
    return latest_complete_month(extract_info(extracts_dir, extract_date).extract_date)


def _check_month(month: str) -> None:
    try:
        parse_month(month)
    except ValueError as error:
        raise FileProblem("--month", str(error), "give the month as YYYY-MM, for example 2020-03.") from None


def _month_and_extracts_folder(project: Project, month: str, extracts_dir: Path | None) -> Path:
    """The month checked, and the extracts folder to read (the project's unless given), which must exist."""
    _check_month(month)
    extracts_dir = Path(extracts_dir or project.extracts_dir)
    if not extracts_dir.is_dir():
        raise ExtractError(str(extracts_dir), "the extracts folder does not exist", "check the --extracts path, or [folders] extracts in scorecard.toml.")
    return extracts_dir


def _check_taken_after(month: str, as_at: dt.date, info) -> None:
    """A month is reported only from an extract taken after it ended."""
    if info.extract_date <= as_at:
        raise ExtractError(
            ingest.EXTRACT_INFO_FILE,
            f"the extract was taken on {info.extract_date:%d/%m/%Y}, before the end of {month}",
            "choose a month that had ended when the extract was taken.",
        )


def preflight(project: Project, month: str, extracts_dir: Path | None = None) -> None:
    """Stop early, before any heavy import or the Prefect server, on problems an analyst fixes
    by hand: a bad month, a missing folder or file, a file without its required columns."""
    extracts_dir = _month_and_extracts_folder(project, month, extracts_dir)
    for extract in project.extracts.values():
        ingest.check_extract(extract, extracts_dir, project.mappings_dir)


def months_between(first: str, last: str) -> list[str]:
    _check_month(first), _check_month(last)
    if first > last:
        raise FileProblem("--from/--to", f"the first month ({first}) is after the last ({last})", "give --from a month on or before --to.")
    months = [first]
    while months[-1] != last:
        months.append(shift_month(months[-1], 1))
    return months


# ---------------------------------------------------------------------------------------------
# The steps (each called through the runner)


def prepare(project: Project, month: str, extracts_dir: Path | None = None, output_dir: Path | None = None,
            options: RunOptions | None = None, extract_date: dt.date | None = None) -> RunContext:
    extracts_dir = _month_and_extracts_folder(project, month, extracts_dir)
    output_dir = Path(output_dir or project.outputs_dir)
    as_at = as_at_date(month)
    info = extract_info(extracts_dir, extract_date)
    _check_taken_after(month, as_at, info)
    return RunContext(month, as_at, extracts_dir, output_dir, info, project, options or RunOptions())


def for_month(ctx: RunContext, month: str) -> RunContext:
    """The same extracts and project, as at the end of another month."""
    _check_month(month)
    as_at = as_at_date(month)
    _check_taken_after(month, as_at, ctx.extract_info)  # extract.toml was read once, by prepare
    return replace(ctx, month=month, as_at=as_at)


def read_extracts(ctx: RunContext) -> dict[str, RawExtract]:
    return {
        name: ingest.read_extract(extract, ctx.extracts_dir, mappings_dir=ctx.project.mappings_dir)
        for name, extract in ctx.extracts.items()
    }


def validate(ctx: RunContext, raws: dict[str, RawExtract], suite_runner: SuiteRunner | None = None) -> dict[str, ValidatedExtract]:
    return validation.validate_extracts(raws, ctx.extract_info.extract_date, suite_runner)


def open_models(ctx: RunContext, validated: dict[str, ValidatedExtract]):
    """A DuckDB connection holding the accepted rows and every staging/intermediate model."""
    return models.open_models({name: v.accepted for name, v in validated.items()}, ctx.settings)


def compute(ctx: RunContext, validated: dict[str, ValidatedExtract], month_cache: dict | None = None, con=None) -> MonthFigures:
    """The month's scorecard rows, the trend history, breakdowns and operational lists.

    month_cache: months already computed from the same validated extracts (a backfill passes
    one dict for all its months, so each month-end is computed once, not once per trend).
    con: a models connection to reuse (a backfill opens one for all its months; left open)."""
    own_connection = con is None
    con = open_models(ctx, validated) if own_connection else con
    try:
        latest, coverage = _latest_and_coverage(ctx, validated)
        return models.month_figures(con, ctx.metrics, ctx.settings, ctx.month, latest, month_cache, coverage)
    finally:
        if own_connection:
            con.close()


def _latest_and_coverage(ctx: RunContext, validated: dict[str, ValidatedExtract]) -> tuple[str, dict]:
    """The last month the extracts cover, and each extract's coverage (indicators the data
    cannot support read "no data")."""
    return latest_complete_month(ctx.extract_info.extract_date), validation.extract_coverage(validated)


def fill_month_cache(ctx: RunContext, validated: dict[str, ValidatedExtract], first: str, month_cache: dict, con) -> None:
    """A backfill's month-ends, for the months first to ctx.month and their histories, computed
    into month_cache at once (compute_history's passes of 25 dates) instead of one pass a month;
    the newest dates stay built, so the months' breakdowns and lists find their dates ready."""
    latest, coverage = _latest_and_coverage(ctx, validated)
    back = models.history_months(ctx.settings) + len(months_between(first, ctx.month)) - 1
    models.compute_history(con, ctx.metrics, ctx.month, back, latest, month_cache, coverage)


def start_month_files(ctx: RunContext, validated: dict[str, ValidatedExtract], figures: MonthFigures, folder: Path,
                      release: publish.Release, baseline_file: Path | None = None, packs: PackProcess | None = None):
    """Every file of a version of a month but its manifest, into folder: change_note.md (from
    version 2), the data-quality report (compared with baseline_file, the findings the run
    record names), the named lists and the pack (stating the release). The pack is written here,
    or handed to packs (a backfill's pack process): the returned object's result() waits for it
    (None: written here)."""
    publish.private_mkdir(folder)
    if release.is_reissue:
        (folder / publish.CHANGE_NOTE).write_text(publish.change_note_markdown(release), encoding="utf-8")
    quality_rows = validation.write_quality_outputs(folder, validated, baseline_file=baseline_file)
    for name, (columns, list_rows) in sorted(figures.lists.items()):  # named lists: internal only
        tables.write_csv(folder / "internal" / f"{name}.csv", columns, list_rows)
    arguments = (folder, ctx, figures.rows, figures.history, quality_rows, figures.breakdowns, release)
    if packs is not None:
        return packs.submit(*arguments)
    pack.write_pack(*arguments)
    return None


def finish_month_files(folder: Path, record: dict, release: publish.Release) -> dict:
    """manifest.json last (the run record, the release and the sha256 of every other file), then
    the folder made owner-only. Returns the manifest."""
    manifest = publish.write_manifest(folder, record, release.to_record())
    publish.restrict_permissions(folder)
    return manifest


def write_month_files(ctx: RunContext, validated: dict[str, ValidatedExtract], figures: MonthFigures, folder: Path,
                      record: dict, release: publish.Release, baseline_file: Path | None = None) -> dict:
    """Every file of a version of a month, into folder (start_month_files, then
    finish_month_files). Returns the manifest."""
    start_month_files(ctx, validated, figures, folder, release, baseline_file)
    return finish_month_files(folder, record, release)


@dataclass
class MonthDraft:
    """A month's new version being written (draft_month), published by finish_draft."""

    ctx: RunContext
    plan: publish.VersionPlan
    release: publish.Release
    version: publish.VersionDraft
    pending_pack: object | None  # PendingPack from the pack process; None: the pack is written
    row_counts: dict[str, dict[str, int]]
    rows: list[dict]

    @property
    def month(self) -> str:
        return self.ctx.month

    @property
    def findings(self) -> publish.Baseline:
        """This version's data-quality findings, as the next month's baseline."""
        return publish.findings_of(self.month, self.plan.version, self.version.folder)

    def discard(self) -> None:
        self.version.discard()


def draft_month(ctx: RunContext, validated: dict[str, ValidatedExtract], figures: MonthFigures, plan: publish.VersionPlan,
                packs: PackProcess | None = None) -> MonthDraft:
    """Start the version the plan decided (version 1, or a re-issue with its reason): its
    release (what moved since the version before) settled first, every file but the manifest
    written into its hidden folder (the pack perhaps by packs, still being written), and the
    run's inputs, baseline and project files archived. Nothing is visible until finish_draft."""
    release = plan.release(figures.rows)
    version = publish.start_version(ctx.output_dir, ctx.month, plan.version)
    try:
        # Archived first: nothing can fail here once the pack process is writing into the folder.
        publish.archive_inputs(publish.MonthStore(ctx.output_dir).archive_dir, ctx, validated, plan.record, plan.baseline.findings)
        pending_pack = start_month_files(ctx, validated, figures, version.folder, release, plan.baseline.findings, packs)
    except BaseException:
        version.discard()
        raise
    return MonthDraft(ctx, plan, release, version, pending_pack, row_counts(validated), figures.rows)


def finish_draft(draft: MonthDraft) -> MonthResult:
    """The drafted version published: its pack waited for, manifest.json written last, then the
    hidden folder renamed into place and the month's link switched to it (VersionDraft.publish).
    If anything fails or the run is stopped, nothing is published."""
    try:
        if draft.pending_pack is not None:
            draft.pending_pack.result()
        finish_month_files(draft.version.folder, draft.plan.record, draft.release)
        published = draft.version.publish()
    except BaseException:
        draft.discard()
        raise
    return MonthResult(draft.month, published.month_dir, draft.rows, draft.row_counts, published.version, published.status, published.version_dir)


def publish_month(ctx: RunContext, validated: dict[str, ValidatedExtract], figures: MonthFigures, plan: publish.VersionPlan) -> MonthResult:
    """The month as the version the plan decided, written and published in this process."""
    return finish_draft(draft_month(ctx, validated, figures, plan))


def row_counts(validated: dict[str, ValidatedExtract]) -> dict[str, dict[str, int]]:
    return {
        name: {"read": v.rows_read, "accepted": v.rows_accepted, "quarantined": v.rows_quarantined}
        for name, v in validated.items()
    }


def already_current(ctx: RunContext, validated: dict[str, ValidatedExtract], plan: publish.VersionPlan | None = None) -> MonthResult | None:
    """The month's newest version when it was made from this same run record (inputs, baseline,
    options, project files, national definitions, code, dependencies): running the month again
    cannot change anything, so nothing is computed or written. None otherwise."""
    plan = plan or publish.plan_version(ctx, validated)
    if plan.status != "unchanged":
        return None
    return MonthResult(ctx.month, publish.MonthStore(ctx.output_dir).link(ctx.month), [], row_counts(validated), plan.version, "unchanged", plan.latest[1])


def log_outcome(ctx: RunContext, command: str, plan: publish.VersionPlan | None, outcome: str, result: MonthResult | None = None, detail: str | None = None) -> None:
    """One line in the output folder's audit log for this month's run."""
    manifest = result.version_dir / publish.MANIFEST if result and result.version_dir and result.status in ("published", "restated") else None
    publish.audit.append(ctx.output_dir, publish.audit.entry(
        command, ctx.month, outcome,
        record=plan.record if plan else None,
        version=result.version if result else (plan.latest[0] if plan and plan.latest else None),
        reason=plan.reason if plan and result and result.status == "restated" else None,
        manifest_sha256=publish.sha256_file(manifest) if manifest else None,
        detail=detail,
    ))
