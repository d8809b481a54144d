"""The run spine: a month's steps, in order, written once.

    prepare -> ingest -> validate -> compute -> publish

`run_month`, `backfill` and `verify_month` are the only places the order is written. The
`scorecard` command, the Prefect flows (flows/monthly_scorecard.py) and the benchmark all call
them; none of them lists the steps again.

- Each step is called through a `Runner` (events.py): directly by default; the flows give a
  runner that makes each step a Prefect task; the benchmark's runner times each step.
- Each step reports a `StepEvent` (step, month, counts, seconds, and a line of plain words with
  counts only, never a record id) to the runner's listeners: the command's progress lines and
  the Prefect run's log.
- The month lock is taken in one place, `produce_month`, around the month's compute and publish;
  a backfill takes it month by month, and a month it has drafted keeps its lock until it is
  published (backfill_overlap.MonthsInFlight). A backfill computes the next month ahead, outside
  its lock: only in memory, and thrown away if that month turns out unchanged.
- The project is read once by the caller and passed down in the RunContext.

What each step does is in steps.py; this module holds their order; how a backfill overlaps its
months (computed ahead, packs written by the pack process, published in order) is in
backfill_overlap.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from . import publication_check, publish, validation
from .errors import FileProblem
from .events import Runner, StepEvent, listening, status_words  # noqa: F401 (callers take them from the spine)
from .models import MonthFigures  # noqa: F401
from .backfill_overlap import FiguresAhead, MonthsInFlight, collector_skips_what_lives_on
from .pack.writer import load_writers
from .project import Project
from .project import load as load_project
from .steps import (  # noqa: F401 (the steps and their context, as callers know them from the spine)
    MonthResult,
    RunContext,
    RunOptions,
    log_outcome,
    already_current,
    compute,
    default_month,
    draft_month,
    extract_info,
    for_month,
    months_between,
    open_models,
    preflight,
    prepare,
    publish_month,
    read_extracts,
    row_counts,
    validate,
    write_month_files,
)
from .validation import SuiteRunner, ValidatedExtract

STEPS = ("prepare", "ingest", "validate", "compute", "publish")


def warm_up() -> threading.Thread:
    """Start what later steps need, so that it is ready when they need it: Great Expectations in
    a process of its own (validation.suite_process: its import, most of the 4-6 s, runs on the
    other core while this process reads and types the extracts), and the pack's writers
    (pack.writer.WRITER_MODULES: matplotlib, typst, Jinja2, the workbook writer) imported in a
    background thread. Called from the main thread. With Prefect it is started once Prefect is
    imported, and it overlaps the flow run's start too (an ephemeral Prefect server starts in
    another process while this one waits). A step that needs a module before the thread has
    finished waits for Python's import lock, so the result is the same either way; only the
    wall time changes."""
    validation.suite_process.start()

    def import_all() -> None:
        try:
            load_writers()
        except Exception:  # noqa: BLE001 - the step that needs it imports it again and reports
            return

    thread = threading.Thread(target=import_all, name="scorecard-warm-up", daemon=True)
    thread.start()
    return thread


# ---------------------------------------------------------------------------------------------
# The order of the steps: here and nowhere else


def refuse_months_before_the_data(validated: dict[str, ValidatedExtract], month: str) -> None:
    """No figures the data cannot support: a month before the episodes' history begins is refused,
    naming the first month that can be reported (validation.first_reportable_month)."""
    first = validation.first_reportable_month(validation.extract_coverage(validated))
    episodes = next((v.raw.path.name for name, v in validated.items() if name == "episodes"), "episodes.csv")
    if first is None:
        raise FileProblem(episodes, "has no episode that could be accepted, so no month can be reported",
                          "check the file (and data_quality.csv of `scorecard check`): the scorecard needs the SSDA903 episodes.")
    if month < first:
        raise FileProblem("--month", f"{month} is before the data begins: the episodes start in {first}",
                          f"the first month that can be reported is {first}; choose it or a later one.")


def check_extracts(runner: Runner, project: Project, month: str, extracts_dir: Path | None, output_dir: Path | None,
                   suite_runner: SuiteRunner | None = None, options: RunOptions | None = None,
                   extract_date: dt.date | None = None, gate: bool = True, command: str = "run",
                   earliest_month: str | None = None) -> tuple[RunContext, dict[str, ValidatedExtract]]:
    """prepare -> ingest -> validate: the extracts read and checked once, as at month. With
    gate, a month whose extracts are not fit to publish stops here (publication_check)."""
    ctx = runner.step("prepare", month, prepare, project, month, extracts_dir, output_dir, options, extract_date)
    raws = runner.step("ingest", month, read_extracts, ctx)
    validated = runner.step("validate", month, validate, ctx, raws, suite_runner)
    refuse_months_before_the_data(validated, earliest_month or month)
    if gate:
        try:
            over_limit = publication_check.check_publishable(validated, project.settings.max_set_aside_share, ctx.options.allow_quarantine)
        except publication_check.MonthNotPublishable as stopped:
            files = ", ".join(problem.file for problem in stopped.problems)
            publish.audit.append(ctx.output_dir, publish.audit.entry(command, month, "refused", detail=f"over the set-aside limit: {files}"))
            raise
        if ctx.options.allow_quarantine and not over_limit:
            # Not needed, so not recorded: a needless flag would make a different run record.
            ctx.options = replace(ctx.options, allow_quarantine=False)
    return ctx, validated


def produce_month(runner: Runner, ctx: RunContext, validated: dict[str, ValidatedExtract], *,
                  figures_ahead: FiguresAhead | None = None, command: str = "run",
                  in_flight: MonthsInFlight | None = None) -> MonthResult | None:
    """compute -> publish for one month, under the month's lock (the one place it is taken).

    Decided first by the run record (publish.plan_version), before anything is computed: the
    same record as the newest version is "unchanged" (nothing computed or written); a different
    one re-issues the month as the next version only with ctx.options.reason, and otherwise
    stops with a message naming what differs. The outcome (or the failure) is appended to the
    output folder's audit log as `command` (run, backfill).

    A backfill passes its FiguresAhead, which computes the months in order, each while the
    month before is published, and its MonthsInFlight, which keeps its results in month order:
    with a pack process, the month's new version is drafted (its pack handed to the process)
    and published later, in month order, by in_flight, which then holds the month's lock; None
    is returned for it."""
    pipelined = in_flight is not None and in_flight.packs is not None
    with contextlib.ExitStack() as held:
        held.enter_context(publish.month_lock(ctx.output_dir, ctx.month))
        plan = None
        try:
            previous = in_flight.findings_before(ctx.month) if in_flight else None
            plan = publish.plan_version(ctx, validated, previous)
            current = already_current(ctx, validated, plan)
            if current:
                if in_flight:
                    in_flight.finish_all()  # the months before it are published and logged first
                runner.report("publish", ctx.month, current)
                log_outcome(ctx, command, plan, "unchanged", current)
                if in_flight:
                    in_flight.results.append(current)
                return current
            if plan.status == "needs_reason":
                raise plan.refusal()
            figures = runner.step("compute", ctx.month, figures_ahead.figures if figures_ahead else compute, ctx, validated)
            if not pipelined:
                result = runner.step("publish", ctx.month, publish_month, ctx, validated, figures, plan)
            else:
                draft = draft_month(ctx, validated, figures, plan, in_flight.packs)
        except publish.ReissueNeedsReason:
            if in_flight:
                in_flight.finish_all()
            log_outcome(ctx, command, plan, "refused", detail="re-issue without a reason; what differs: " + ", ".join(plan.what_differs))
            raise
        except BaseException as error:
            if in_flight:
                in_flight.finish_all() if isinstance(error, Exception) else in_flight.discard_all(type(error).__name__)
            log_outcome(ctx, command, plan, "failed", detail=type(error).__name__)  # the type only: a message may quote anything
            raise
        if not pipelined:
            log_outcome(ctx, command, plan, result.status, result)
            if in_flight:
                in_flight.results.append(result)
            return result
        month_lock = held.pop_all()
    in_flight.add(draft, month_lock)
    return None


@dataclass
class CheckResult:
    """What `scorecard check` found: the month's extracts checked, nothing published."""

    month: str
    report_dir: Path
    validated: dict[str, ValidatedExtract]
    over_limit: list[publication_check.ExtractOverLimit]
    limit: float

    @property
    def publishable(self) -> bool:
        return not self.over_limit


def check_month(project: Project, month: str | None = None, extracts_dir: Path | None = None, report_dir: Path | None = None,
                runner: Runner | None = None, suite_runner: SuiteRunner | None = None,
                extract_date: dt.date | None = None) -> CheckResult:
    """prepare -> ingest -> validate, then the data-quality report (data_quality.csv, and the rows
    set aside in internal/quarantine.csv) written to report_dir (default: <outputs>/checks/<month>),
    and whether the month would be published. Nothing is published."""
    runner = runner or Runner()
    month = month or default_month(Path(extracts_dir or project.extracts_dir), extract_date)
    ctx, validated = check_extracts(runner, project, month, extracts_dir, None, suite_runner, extract_date=extract_date, gate=False)
    report_dir = Path(report_dir or ctx.output_dir / "checks" / month)
    publish.private_mkdir(report_dir)
    # Compared with the same baseline the month would be published with.
    baseline = publish.month_baseline(publish.MonthStore(ctx.output_dir), month).findings
    validation.write_quality_outputs(report_dir, validated, baseline_file=baseline)
    publish.restrict_permissions(report_dir)
    limit = project.settings.max_set_aside_share
    return CheckResult(month, report_dir, validated, publication_check.extracts_over_limit(validated, limit), limit)


def run_month(project: Project, month: str | None = None, extracts_dir: Path | None = None, output_dir: Path | None = None,
              runner: Runner | None = None, suite_runner: SuiteRunner | None = None, options: RunOptions | None = None,
              extract_date: dt.date | None = None) -> MonthResult:
    """One month: prepare, ingest, validate, compute, publish."""
    runner = runner or Runner()
    month = month or default_month(Path(extracts_dir or project.extracts_dir), extract_date)
    ctx, validated = check_extracts(runner, project, month, extracts_dir, output_dir, suite_runner, options, extract_date)
    with collector_skips_what_lives_on():
        return produce_month(runner, ctx, validated)


def backfill(project: Project, first: str, last: str, extracts_dir: Path | None = None, output_dir: Path | None = None,
             runner: Runner | None = None, suite_runner: SuiteRunner | None = None, options: RunOptions | None = None,
             extract_date: dt.date | None = None) -> list[MonthResult]:
    """Every month from first to last (inclusive) from one ingest and validation; months already
    produced from the same inputs and code are skipped. Writes the series of every indicator."""
    runner = runner or Runner()
    months = months_between(first, last)
    with MonthsInFlight(runner, "backfill") as in_flight:
        base, validated = check_extracts(runner, project, last, extracts_dir, output_dir, suite_runner, options, extract_date,
                                         command="backfill", earliest_month=first)
        in_flight.start_packs(len(months))
        with collector_skips_what_lives_on(), open_models(base, validated) as con, FiguresAhead(base, months, validated, con, compute) as figures_ahead:
            for month in months:
                ctx = for_month(base, month)
                produce_month(runner, ctx, validated, figures_ahead=figures_ahead, command="backfill", in_flight=in_flight)
            in_flight.finish_all()
    results = in_flight.results
    publish.build_series(base.output_dir)
    return results


def verify_month(
    project: Project | None,
    month: str,
    output_dir: Path | None = None,
    version: int | None = None,
    extracts_dir: Path | None = None,
    keep_scratch: Path | None = None,
    runner: Runner | None = None,
    suite_runner: SuiteRunner | None = None,
) -> publish.VerifyReport:
    """Prove a published version of a month (default: the newest): its files are checked
    against the sha256 recorded when it was published (an edited file is reported as such and
    nothing is re-run); then the month is re-run in a scratch folder from what its manifest
    records, restored from the output folder's archive: the inputs (or extracts_dir instead),
    the data-quality baseline and the council project's files (the project is rebuilt from them:
    `project` is needed only for its output folder, or for a project file a month published
    before they were archived lacks). Every output and the manifest are compared byte for byte;
    the report names the kind of difference (publish.verify). Nothing in the output folder
    changes but one line appended to its audit log."""
    runner = runner or Runner()
    if output_dir is None and project is None:
        raise FileProblem("--output", "no output folder given and no project found", "pass --output DIR, the folder the month was published in.")
    store = publish.MonthStore(Path(output_dir or project.outputs_dir))
    version, recorded_dir = store.published(month, version)
    recorded = publish.read_manifest(recorded_dir)
    edited = publish.edited_files(store, month, version)
    if edited:
        return publish.log_verdict(store.output_dir, publish.VerifyReport(month, version, recorded_dir, kind=publish.verify.EDITED, edited=edited), recorded)

    scratch = Path(keep_scratch) if keep_scratch else Path(tempfile.mkdtemp(prefix=f"scorecard-verify-{month}-"))
    publish.private_mkdir(scratch)
    scratch.chmod(0o700)
    try:
        restored = publish.restore_month(store.archive_dir, recorded, scratch, extracts_dir, fallback=project)
        if restored.problems:
            return publish.log_verdict(store.output_dir, publish.VerifyReport(month, version, recorded_dir, kind=publish.verify.ARCHIVE, archive_problems=restored.problems), recorded)
        options = RunOptions(allow_quarantine=bool((recorded.get("options") or {}).get("allow_quarantine")))
        # Not gated: verify re-runs what was published (its set-aside limit was checked then).
        ctx, validated = check_extracts(runner, load_project(restored.project_dir), month, restored.extracts_dir, scratch / "out",
                                        suite_runner, options, restored.extract_date, gate=False)
        figures = runner.step("compute", month, compute, ctx, validated)
        record = publish.run_record(ctx, validated, recorded.get("baseline"))
        release = publish.Release.from_record(recorded["release"]) if recorded.get("release") else publish.Release(month, version)
        rerun_dir = scratch / "out" / month
        rerun = runner.step("publish", month, write_month_files, ctx, validated, figures, rerun_dir, record, release, restored.baseline_file)
        return publish.log_verdict(store.output_dir, publish.compare_rerun(month, version, recorded_dir, recorded, rerun_dir, rerun), recorded)
    finally:
        if not keep_scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def verify_all(project: Project | None, output_dir: Path | None = None, every_version: bool = False,
               runner: Runner | None = None, suite_runner: SuiteRunner | None = None) -> list[publish.VerifyReport]:
    """verify_month for every month published in the output folder (its newest version, or
    every version), oldest first, with one validation context for all of them.
    publish.overall_exit_code(reports) and publish.summary_text(reports) sum them up."""
    if output_dir is None and project is None:
        raise FileProblem("--output", "no output folder given and no project found", "pass --output DIR, the folder the months were published in.")
    output_dir = Path(output_dir or project.outputs_dir)
    store = publish.MonthStore(output_dir)
    months = store.months()
    if not months:
        raise FileProblem(str(output_dir), "no month has been published here", "check --output (or [folders] outputs in scorecard.toml).")
    suite_runner = suite_runner or validation.default_suite_runner()
    reports = []
    for month in months:
        versions = [number for number, _ in store.versions(month)]
        for version in versions if every_version else versions[-1:]:
            reports.append(verify_month(project, month, output_dir, version, runner=runner, suite_runner=suite_runner))
    return reports
