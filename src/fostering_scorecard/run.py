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
  a backfill takes it month by month.
- The project is read once by the caller and passed down in the RunContext.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import ingest, models, pack, publish, tables, validation
from .definitions import Extract, Metric
from .errors import FileProblem
from .events import Runner, StepEvent, listening  # noqa: F401 (callers take them from the spine)
from .ingest import ExtractError, ExtractInfo, RawExtract
from .models import MonthFigures
from .periods import as_at_date, latest_complete_month, parse_month, shift_month
from .project import Project, Settings
from .validation import SuiteRunner, ValidatedExtract

STEPS = ("prepare", "ingest", "validate", "compute", "publish")


# ---------------------------------------------------------------------------------------------
# What a run carries from step to step


@dataclass
class RunContext:
    month: str
    as_at: dt.date
    extracts_dir: Path
    output_dir: Path
    extract_info: ExtractInfo
    project: Project

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


# Imported by later steps (validation, the pack); about 4-6 s in all, Great Expectations most.
HEAVY_MODULES = ("great_expectations", "fostering_scorecard.pack.pdf", "openpyxl")


def warm_up() -> threading.Thread:
    """Import the heavy libraries of the later steps in a background thread, then start the
    pack's worker server.

    Started once Prefect is imported, it overlaps those imports with the flow run's start (an
    ephemeral Prefect server starts in another process while this one waits) and with the
    ingest. A step that needs a module before the thread has finished waits for Python's
    import lock, so the result is the same either way; only the wall time changes."""

    def import_all() -> None:
        import importlib

        for module in HEAVY_MODULES:
            try:
                importlib.import_module(module)
            except Exception:  # noqa: BLE001 - the step that needs it imports it again and reports
                return
        # The pack's worker processes fork from a server that imports the drawing modules once;
        # started now, it is ready when the pack is written.
        if pack.worker_processes_allowed():
            pack.start_worker_server()

    thread = threading.Thread(target=import_all, name="scorecard-warm-up", daemon=True)
    thread.start()
    return thread


def default_month(extracts_dir: Path) -> str:
    info = ingest.load_extract_info(extracts_dir)
    if info is None:
        raise ExtractError(
            ingest.EXTRACT_INFO_FILE,
            f"not found in {extracts_dir}, so the latest complete month is unknown",
            "pass --month YYYY-MM, or add extract.toml with a line like: extract_date = 2020-04-05",
        )
    return latest_complete_month(info.extract_date)


def _check_month(month: str) -> None:
    try:
        parse_month(month)
    except ValueError as error:
        raise FileProblem("--month", str(error), "give the month as YYYY-MM, for example 2020-03.") from None


def preflight(project: Project, month: str, extracts_dir: Path | None = None) -> None:
    """Stop early, before any heavy import or the Prefect server, on problems an analyst fixes
    by hand: a bad month, a missing folder or file, a file without its required columns."""
    _check_month(month)
    extracts_dir = Path(extracts_dir or project.extracts_dir)
    if not extracts_dir.is_dir():
        raise ExtractError(str(extracts_dir), "the extracts folder does not exist", "check the --extracts path, or [folders] extracts in scorecard.toml.")
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


def prepare(project: Project, month: str, extracts_dir: Path | None = None, output_dir: Path | None = None) -> RunContext:
    _check_month(month)
    extracts_dir, output_dir = Path(extracts_dir or project.extracts_dir), Path(output_dir or project.outputs_dir)
    if not extracts_dir.is_dir():
        raise ExtractError(str(extracts_dir), "the extracts folder does not exist", "check the --extracts path, or [folders] extracts in scorecard.toml.")
    as_at = as_at_date(month)
    info = ingest.load_extract_info(extracts_dir)
    if info is None:
        # Without an extract date, dates are checked against the day after the month (nothing
        # later can have been known when the month was reported).
        info = ExtractInfo(extract_date=as_at + dt.timedelta(days=1))
    if info.extract_date <= as_at:
        raise ExtractError(
            ingest.EXTRACT_INFO_FILE,
            f"the extract was taken on {info.extract_date:%d/%m/%Y}, before the end of {month}",
            "choose a month that had ended when the extract was taken.",
        )
    return RunContext(month, as_at, extracts_dir, output_dir, info, project)


def for_month(ctx: RunContext, month: str) -> RunContext:
    """The same extracts and project, as at the end of another month."""
    checked = prepare(ctx.project, month, ctx.extracts_dir, ctx.output_dir)  # checks the month against the extract date
    return replace(ctx, month=checked.month, as_at=checked.as_at)


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
        latest = latest_complete_month(ctx.extract_info.extract_date)
        return models.month_figures(con, ctx.metrics, ctx.settings, ctx.month, latest, month_cache)
    finally:
        if own_connection:
            con.close()


def write_month_files(ctx: RunContext, validated: dict[str, ValidatedExtract], figures: MonthFigures, folder: Path) -> dict:
    """Every file of a month, and manifest.json last (it holds the hashes of the others)."""
    publish.private_mkdir(folder)
    quality_rows = validation.write_quality_outputs(
        folder, validated, previous_month_dir=ctx.output_dir / shift_month(ctx.month, -1)
    )
    pack.write_pack(folder, ctx, figures.rows, figures.history, quality_rows, breakdowns=figures.breakdowns)
    for name, (columns, list_rows) in sorted(figures.lists.items()):  # named lists: internal only
        tables.write_csv(folder / "internal" / f"{name}.csv", columns, list_rows)
    manifest = publish.write_manifest(folder, publish.run_record(ctx, validated))
    publish.restrict_permissions(folder)
    return manifest


def publish_month(ctx: RunContext, validated: dict[str, ValidatedExtract], figures: MonthFigures) -> MonthResult:
    """The month as a new version, unless identical to the latest (publish.publish_version)."""
    published = publish.publish_version(
        ctx.output_dir,
        ctx.month,
        write_files=lambda folder: write_month_files(ctx, validated, figures, folder),
        archive=lambda archive_dir: publish.archive_inputs(archive_dir, ctx, validated),
    )
    return MonthResult(ctx.month, published.month_dir, figures.rows, row_counts(validated), published.version, published.status, published.version_dir)


def row_counts(validated: dict[str, ValidatedExtract]) -> dict[str, dict[str, int]]:
    return {
        name: {"read": v.rows_read, "accepted": v.rows_accepted, "quarantined": v.rows_quarantined}
        for name, v in validated.items()
    }


def already_current(ctx: RunContext, validated: dict[str, ValidatedExtract]) -> MonthResult | None:
    """The latest version of the month when it was produced from these same inputs,
    configuration, code and dependencies (so running it again cannot change anything)."""
    store = publish.MonthStore(ctx.output_dir)
    latest = store.latest(ctx.month)
    if not latest or not (latest[1] / publish.MANIFEST).is_file():
        return None
    recorded = publish.read_manifest(latest[1])
    recorded.pop("outputs", None)
    if recorded != publish.run_record(ctx, validated):
        return None
    return MonthResult(ctx.month, store.link(ctx.month), [], row_counts(validated), latest[0], "skipped", latest[1])


# ---------------------------------------------------------------------------------------------
# The order of the steps: here and nowhere else


def check_extracts(runner: Runner, project: Project, month: str, extracts_dir: Path | None, output_dir: Path | None,
                   suite_runner: SuiteRunner | None = None) -> tuple[RunContext, dict[str, ValidatedExtract]]:
    """prepare -> ingest -> validate: the extracts read and checked once, as at month."""
    ctx = runner.step("prepare", month, prepare, project, month, extracts_dir, output_dir)
    raws = runner.step("ingest", month, read_extracts, ctx)
    validated = runner.step("validate", month, validate, ctx, raws, suite_runner)
    return ctx, validated


def produce_month(runner: Runner, ctx: RunContext, validated: dict[str, ValidatedExtract], *,
                  month_cache: dict | None = None, con=None, skip_if_current: bool = False) -> MonthResult:
    """compute -> publish for one month, under the month's lock (the one place it is taken)."""
    with publish.month_lock(ctx.output_dir, ctx.month):
        if skip_if_current:
            current = already_current(ctx, validated)
            if current:
                runner.report("publish", ctx.month, current)
                return current
        figures = runner.step("compute", ctx.month, compute, ctx, validated, month_cache, con)
        return runner.step("publish", ctx.month, publish_month, ctx, validated, figures)


def run_month(project: Project, month: str | None = None, extracts_dir: Path | None = None, output_dir: Path | None = None,
              runner: Runner | None = None, suite_runner: SuiteRunner | None = None) -> MonthResult:
    """One month: prepare, ingest, validate, compute, publish."""
    runner = runner or Runner()
    month = month or default_month(Path(extracts_dir or project.extracts_dir))
    ctx, validated = check_extracts(runner, project, month, extracts_dir, output_dir, suite_runner)
    return produce_month(runner, ctx, validated)


def backfill(project: Project, first: str, last: str, extracts_dir: Path | None = None, output_dir: Path | None = None,
             runner: Runner | None = None, suite_runner: SuiteRunner | None = None) -> list[MonthResult]:
    """Every month from first to last (inclusive) from one ingest and validation; months already
    produced from the same inputs and code are skipped. Writes the series of every indicator."""
    runner = runner or Runner()
    months = months_between(first, last)
    base, validated = check_extracts(runner, project, last, extracts_dir, output_dir, suite_runner)
    month_cache: dict = {}  # every month's figures from these extracts, computed once
    results = []
    with open_models(base, validated) as con:  # one models connection for every month
        for month in months:
            ctx = for_month(base, month)
            results.append(produce_month(runner, ctx, validated, month_cache=month_cache, con=con, skip_if_current=True))
    publish.build_series(base.output_dir)
    return results


def verify_month(
    project: Project,
    month: str,
    output_dir: Path | None = None,
    version: int | None = None,
    extracts_dir: Path | None = None,
    keep_scratch: Path | None = None,
    runner: Runner | None = None,
    suite_runner: SuiteRunner | None = None,
) -> publish.VerifyReport:
    """Re-run a published month from its archived inputs (or from extracts_dir) in a scratch
    folder and compare every output, and the manifest, byte for byte with the recorded version."""
    runner = runner or Runner()
    output_dir = Path(output_dir or project.outputs_dir)
    store = publish.MonthStore(output_dir)
    versions = dict(store.versions(month))
    if not versions:
        raise FileProblem(str(output_dir), f"{month} has not been published here", "check --month and --output (or [folders] outputs in scorecard.toml).")
    version = version or max(versions)
    if version not in versions:
        raise FileProblem(str(output_dir), f"{month} has no version {version} (versions: {', '.join(f'v{v}' for v in sorted(versions))})", "give one of the versions listed.")
    recorded_dir = versions[version]
    recorded = publish.read_manifest(recorded_dir)

    scratch = Path(keep_scratch) if keep_scratch else Path(tempfile.mkdtemp(prefix=f"scorecard-verify-{month}-"))
    publish.private_mkdir(scratch)
    scratch.chmod(0o700)
    try:
        problems = []
        if extracts_dir is None:
            extracts_dir = scratch / "extracts"
            problems = publish.restore_inputs(store.archive_dir, recorded, extracts_dir)
        ctx, validated = check_extracts(runner, project, month, extracts_dir, scratch / "out", suite_runner)
        figures = runner.step("compute", month, compute, ctx, validated)
        rerun_dir = scratch / "out" / month
        rerun = runner.step("publish", month, write_month_files, ctx, validated, figures, rerun_dir)
        return publish.verify_report(month, version, recorded_dir, recorded, rerun_dir, rerun, problems)
    finally:
        if not keep_scratch:
            shutil.rmtree(scratch, ignore_errors=True)
