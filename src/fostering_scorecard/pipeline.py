"""The month's work in plain functions: ingest, validate, compute, publish.

The Prefect flow (flows/monthly_scorecard.py) calls these as tasks; tests call them directly.
Nothing here logs a child or carer identifier.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import audit, models, pack, quality, tables
from . import scorecard as sc
from .definitions import Extract, Metric
from .ingest import ExtractError, ExtractInfo, RawExtract, check_extract, load_extract_info, read_extract
from .project import Project, Settings
from .periods import as_at_date, latest_complete_month, parse_month, shift_month
from .validate import SuiteRunner, ValidatedExtract, load_suite, run_checks, validate_extract

log = logging.getLogger("fostering_scorecard")


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


# Imported by later steps (validation, the pack); about 4-6 s in all, Great Expectations most.
HEAVY_MODULES = ("great_expectations", "fostering_scorecard.render", "openpyxl")


def warm_up() -> threading.Thread:
    """Import the heavy libraries of the later steps in a background thread, then start the
    pack's worker server.

    Started once Prefect is imported, it overlaps those imports with the flow run's start (an
    ephemeral Prefect server starts in another process while this one waits) and with the
    ingest. A step that needs a module before the thread has finished waits for Python's
    import lock, so the result is the same either way; only the wall time changes."""

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

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
    info = load_extract_info(extracts_dir)
    if info is None:
        raise ExtractError(
            "extract.toml",
            f"not found in {extracts_dir}, so the latest complete month is unknown",
            "pass --month YYYY-MM, or add extract.toml with a line like: extract_date = 2020-04-05",
        )
    return latest_complete_month(info.extract_date)


def prepare(project: Project, month: str, extracts_dir: Path | None = None, output_dir: Path | None = None) -> RunContext:
    parse_month(month)
    extracts_dir, output_dir = Path(extracts_dir or project.extracts_dir), Path(output_dir or project.outputs_dir)
    if not extracts_dir.is_dir():
        raise ExtractError(str(extracts_dir), "the extracts folder does not exist", "check the --extracts path.")
    as_at = as_at_date(month)
    info = load_extract_info(extracts_dir)
    if info is None:
        # Without an extract date, dates are checked against the day after the month (nothing
        # later can have been known when the month was reported).
        info = ExtractInfo(extract_date=as_at + dt.timedelta(days=1))
    if info.extract_date <= as_at:
        raise ExtractError(
            "extract.toml",
            f"the extract was taken on {info.extract_date:%d/%m/%Y}, before the end of {month}",
            "choose a month that had ended when the extract was taken.",
        )
    return RunContext(month, as_at, extracts_dir, output_dir, info, project)


def preflight(project: Project, month: str, extracts_dir: Path) -> None:
    """Stop early, before any heavy import or the Prefect server, on problems an analyst fixes
    by hand: a bad month, a missing folder or file, a file without its required columns."""
    parse_month(month)
    if not Path(extracts_dir).is_dir():
        raise ExtractError(str(extracts_dir), "the extracts folder does not exist", "check the --extracts path.")
    for extract in project.extracts.values():
        check_extract(extract, extracts_dir, project.mappings_dir)


def ingest(ctx: RunContext) -> dict[str, RawExtract]:
    raws = {name: read_extract(extract, ctx.extracts_dir, mappings_dir=ctx.project.mappings_dir) for name, extract in ctx.extracts.items()}
    for raw in raws.values():
        log.info("read %s: %d rows%s", raw.extract.file, raw.rows_read, "; " + "; ".join(raw.notes) if raw.notes else "")
    return raws


def validate(ctx: RunContext, raws: dict[str, RawExtract], runner: SuiteRunner | None = None) -> dict[str, ValidatedExtract]:
    runner = runner or SuiteRunner()
    con = models.connect()
    try:
        validated = {
            name: validate_extract(con, raw, load_suite(raw.extract), runner, ctx.extract_info.extract_date)
            for name, raw in raws.items()
        }
        # Cross-record and cross-extract rules (sql/checks/) see every extract's checked rows.
        validated = run_checks(con, validated, ctx.extract_info.extract_date)
    finally:
        con.close()
    for v in validated.values():
        v.check_rows_balance()
        log.info(
            "validated %s: %d read = %d accepted + %d quarantined; %d warning(s) on rows kept",
            v.raw.extract.file, v.rows_read, v.rows_accepted, v.rows_quarantined, len(v.warnings),
        )
    return validated


def open_models(ctx: RunContext, validated: dict[str, ValidatedExtract]):
    """A DuckDB connection holding the accepted rows and every staging/intermediate model."""
    con = models.connect()
    models.load_tables(con, {name: v.accepted for name, v in validated.items()})
    models.create_models(con, ctx.settings)
    return con


@dataclass
class MonthFigures:
    """Everything computed for a month: what the pack and the CSVs are drawn from."""

    rows: list[dict]  # one per indicator, in registry order (pack.SCORECARD_COLUMNS)
    history: list[dict]  # every indicator for the month and the 24 before it, oldest first
    breakdowns: list[dict]  # counts by category for indicators with a breakdown
    lists: dict  # internal operational lists (name -> (columns, rows)); they hold record ids


def compute(ctx: RunContext, validated: dict[str, ValidatedExtract], month_cache: dict | None = None, con=None) -> MonthFigures:
    """The month's scorecard rows, the trend history, breakdowns and operational lists.

    month_cache: months already computed from the same validated extracts (a backfill passes
    one dict for all its months, so each month-end is computed once, not once per trend).
    con: a models connection to reuse (a backfill opens one for all its months; left open)."""
    own_connection = con is None
    con = open_models(ctx, validated) if own_connection else con
    try:
        latest = latest_complete_month(ctx.extract_info.extract_date)
        history = sc.compute_history(con, ctx.metrics, ctx.month, max(ctx.settings.trend_months, 12), latest, month_cache)
        breakdowns = sc.compute_breakdowns(con, ctx.metrics, ctx.month)
        lists = sc.operational_lists(con, ctx.month)
    finally:
        if own_connection:
            con.close()
    by_key = {(v.metric_id, v.month): v for v in history}
    rows = []
    for metric in ctx.metrics:
        current = by_key[(metric.id, ctx.month)]
        last_month = by_key[(metric.id, shift_month(ctx.month, -1))]
        last_year = by_key[(metric.id, shift_month(ctx.month, -12))]
        rows.append(
            {
                "metric_id": metric.id,
                "title": metric.title,
                "area": metric.area,
                "period": sc.PERIOD_WORDS[metric.period],
                "period_start": sc.period_start(metric, ctx.as_at).isoformat(),
                "period_end": ctx.as_at.isoformat(),
                "value": current.value,
                "numerator": current.numerator,
                "denominator": current.denominator,
                "unit": metric.unit,
                "target": current.target,
                "target_note": current.target_note,
                "rag": current.rag,
                "rag_reason": current.rag_reason,
                "direction_of_good": metric.direction,
                "last_month_value": last_month.value,
                # A year-to-date count always grows within the year: month-on-month says nothing.
                "change_vs_last_month": "not compared (cumulative)" if metric.period == "fytd"
                else sc.describe_change(metric, current.value, last_month.value, ctx.settings),
                "same_month_last_year_value": last_year.value,
                "change_vs_last_year": sc.describe_change(metric, current.value, last_year.value, ctx.settings),
            }
        )
    return MonthFigures(rows, [sc.as_record(v) for v in history], breakdowns, lists)


# ---------------------------------------------------------------------------------------------
# Publishing: versions, never overwritten (see audit.py for the layout)


def write_month_files(ctx: RunContext, validated: dict[str, ValidatedExtract], figures: MonthFigures, folder: Path) -> dict:
    """Every file of the month, and manifest.json last (it holds the hashes of the others)."""
    audit.private_mkdir(folder)
    quality_rows = quality.write_quality_outputs(
        folder, validated, previous_month_dir=ctx.output_dir / shift_month(ctx.month, -1)
    )
    pack.write_pack(folder, ctx, figures.rows, figures.history, quality_rows, breakdowns=figures.breakdowns)
    for name, (columns, list_rows) in sorted(figures.lists.items()):  # named lists: internal only
        tables.write_csv(folder / "internal" / f"{name}.csv", columns, list_rows)
    manifest = audit.write_manifest(folder, audit.run_record(ctx, validated))
    _restrict_permissions(folder)
    return manifest


def publish(ctx: RunContext, validated: dict[str, ValidatedExtract], figures: MonthFigures) -> MonthResult:
    """Write the month as a new version, atomically, unless it is identical to the latest one.

    Everything is written to a hidden temporary folder that is renamed into place at the end,
    then <output>/<month> is switched to it in one step: a crash or kill leaves the previous
    version (or no month) visible, never a half-written one. A published version is never
    changed; a month re-run with different results becomes v2, v3, ... with a change note."""
    store = audit.MonthStore(ctx.output_dir)
    _make_private_dir(ctx.output_dir)
    row_counts = _row_counts(validated)
    with audit.month_lock(ctx.output_dir, ctx.month):
        store.adopt_legacy_folder(ctx.month)
        store.remove_partials(ctx.month)
        versions_dir = store.versions_dir(ctx.month)
        _make_private_dir(versions_dir)
        work_dir = versions_dir / f".partial-{os.getpid()}"
        shutil.rmtree(work_dir, ignore_errors=True)
        try:
            write_month_files(ctx, validated, figures, work_dir)
            audit.archive_inputs(store.archive_dir, ctx, validated)
        except BaseException:
            shutil.rmtree(work_dir, ignore_errors=True)
            raise

        latest = store.latest(ctx.month)
        if latest and audit.same_outputs(latest[1], work_dir):
            shutil.rmtree(work_dir)
            store.point_link(ctx.month, latest[0])
            log.info("%s unchanged: same outputs as version %d, nothing new published", ctx.month, latest[0])
            return MonthResult(ctx.month, store.link(ctx.month), figures.rows, row_counts, latest[0], "unchanged", latest[1])

        version = latest[0] + 1 if latest else 1
        if latest:
            audit.write_change_note(work_dir, ctx.month, latest[0], version, latest[1])
            _restrict_permissions(work_dir)
        version_dir = versions_dir / f"v{version}"
        work_dir.rename(version_dir)
        store.point_link(ctx.month, version)
    log.info("%s published as version %d%s", ctx.month, version, " (a restatement: see change_note.md)" if latest else "")
    return MonthResult(ctx.month, store.link(ctx.month), figures.rows, row_counts, version, "restated" if latest else "published", version_dir)


def _row_counts(validated: dict[str, ValidatedExtract]) -> dict[str, dict[str, int]]:
    return {
        name: {"read": v.rows_read, "accepted": v.rows_accepted, "quarantined": v.rows_quarantined}
        for name, v in validated.items()
    }


def _make_private_dir(directory: Path) -> None:
    audit.private_mkdir(directory)


def _restrict_permissions(directory: Path) -> None:
    """Outputs hold personal data (internal/) and unpublished figures: owner-only access."""
    directory.chmod(0o700)
    for path in directory.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


def already_current(ctx: RunContext, validated: dict[str, ValidatedExtract]) -> MonthResult | None:
    """The latest version of the month when it was produced from these same inputs,
    configuration, code and dependencies (so running it again cannot change anything)."""
    store = audit.MonthStore(ctx.output_dir)
    latest = store.latest(ctx.month)
    if not latest or not (latest[1] / audit.MANIFEST).is_file():
        return None
    recorded = audit.read_manifest(latest[1])
    recorded.pop("outputs", None)
    if recorded != audit.run_record(ctx, validated):
        return None
    return MonthResult(ctx.month, store.link(ctx.month), [], _row_counts(validated), latest[0], "skipped", latest[1])


def run_month(project: Project, month: str | None, extracts_dir: Path | None = None, output_dir: Path | None = None, runner: SuiteRunner | None = None) -> MonthResult:
    """The whole month without Prefect (the flow runs the same steps as tasks)."""
    extracts_dir, output_dir = extracts_dir or project.extracts_dir, output_dir or project.outputs_dir
    month = month or default_month(extracts_dir)
    with audit.month_lock(output_dir, month):
        ctx = prepare(project, month, extracts_dir, output_dir)
        raws = ingest(ctx)
        validated = validate(ctx, raws, runner)
        return publish(ctx, validated, compute(ctx, validated))


# ---------------------------------------------------------------------------------------------
# Backfill: many months from one ingest and validation


def months_between(first: str, last: str) -> list[str]:
    parse_month(first), parse_month(last)
    if first > last:
        raise ValueError(f"the first month ({first}) is after the last ({last})")
    months = [first]
    while months[-1] != last:
        months.append(shift_month(months[-1], 1))
    return months


def for_month(ctx: RunContext, month: str) -> RunContext:
    """The same extracts and settings, as at the end of another month."""
    checked = prepare(ctx.project, month, ctx.extracts_dir, ctx.output_dir)  # checks the month against the extract date
    return replace(ctx, month=checked.month, as_at=checked.as_at)


def backfill_month(ctx: RunContext, validated: dict[str, ValidatedExtract], month_cache: dict | None = None, con=None) -> MonthResult:
    with audit.month_lock(ctx.output_dir, ctx.month):
        current = already_current(ctx, validated)
        if current:
            log.info("%s skipped: version %d was produced from the same inputs and code", ctx.month, current.version)
            return current
        return publish(ctx, validated, compute(ctx, validated, month_cache, con))


def backfill(project: Project, first: str, last: str, extracts_dir: Path | None = None, output_dir: Path | None = None, runner: SuiteRunner | None = None) -> list[MonthResult]:
    """Every month from first to last (inclusive), reading and validating the extracts once."""
    months = months_between(first, last)
    base = prepare(project, last, extracts_dir, output_dir)
    output_dir = base.output_dir
    validated = validate(base, ingest(base), runner)
    month_cache: dict = {}  # every month's figures from these extracts, computed once
    results = []
    with open_models(base, validated) as con:  # one models connection for every month
        for number, month in enumerate(months, start=1):
            log.info("month %d of %d: %s", number, len(months), month)
            results.append(backfill_month(for_month(base, month), validated, month_cache, con))
    build_series(output_dir)
    return results


SERIES_COLUMNS = ["month", "version", "metric_id", "title", "value", "numerator", "denominator", "target", "rag"]


def build_series(output_dir: Path) -> Path:
    """scorecard_series.csv: every indicator for every month published in output_dir, from
    each month's latest version (the history an analyst charts or pastes into Excel)."""
    store = audit.MonthStore(Path(output_dir))
    rows = []
    for month in store.months():
        latest = store.latest(month)
        if not latest:
            continue
        with (latest[1] / "scorecard.csv").open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                rows.append({**row, "month": month, "version": latest[0]})
    target = Path(output_dir) / audit.SERIES
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    tables.write_csv(partial, SERIES_COLUMNS, rows)
    partial.chmod(0o600)
    os.replace(partial, target)
    return target


# ---------------------------------------------------------------------------------------------
# Re-run and verify


def verify_month(
    project: Project,
    month: str,
    output_dir: Path,
    version: int | None = None,
    extracts_dir: Path | None = None,
    keep_scratch: Path | None = None,
    runner: SuiteRunner | None = None,
) -> audit.VerifyReport:
    """Re-run a published month from its archived inputs (or from extracts_dir) in a scratch
    folder and compare every output, and the manifest, byte for byte with the recorded version."""
    store = audit.MonthStore(Path(output_dir))
    versions = dict(store.versions(month))
    if not versions:
        raise ValueError(f"{month} has not been published in {output_dir}")
    version = version or max(versions)
    if version not in versions:
        raise ValueError(f"{month} has no version {version} in {output_dir} (versions: {', '.join(f'v{v}' for v in sorted(versions))})")
    recorded_dir = versions[version]
    recorded = audit.read_manifest(recorded_dir)

    scratch = Path(keep_scratch) if keep_scratch else Path(tempfile.mkdtemp(prefix=f"scorecard-verify-{month}-"))
    audit.private_mkdir(scratch)
    scratch.chmod(0o700)
    try:
        problems = []
        if extracts_dir is None:
            extracts_dir = scratch / "extracts"
            problems = audit.restore_inputs(store.archive_dir, recorded, extracts_dir)
        ctx = prepare(project, month, extracts_dir, scratch / "out")
        validated = validate(ctx, ingest(ctx), runner)
        figures = compute(ctx, validated)
        rerun_dir = scratch / "out" / month
        rerun = write_month_files(ctx, validated, figures, rerun_dir)
        report = audit.VerifyReport(month, version, recorded_dir, archive_problems=problems)
        report.differences = audit.file_differences(recorded_dir, rerun_dir)
        if report.differences or problems:
            report.causes = audit.explain(recorded, rerun)
            report.metric_changes = audit.metric_changes(recorded_dir, rerun_dir)
        return report
    finally:
        if not keep_scratch:
            shutil.rmtree(scratch, ignore_errors=True)
