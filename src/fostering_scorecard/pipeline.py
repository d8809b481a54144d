"""The month's work in plain functions: ingest, validate, compute, publish.

The Prefect flow (flows/monthly_scorecard.py) calls these as tasks; tests call them directly.
Nothing here logs a child or carer identifier.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, models, pack, quality
from . import scorecard as sc
from .config import (
    CONFIG_DIR,
    EXPECTATIONS_DIR,
    PROJECT_ROOT,
    Extract,
    ExtractInfo,
    Metric,
    Settings,
    load_extract_info,
    load_extracts,
    load_metrics,
    load_settings,
)
from .ingest import ExtractError, RawExtract, check_extract, read_extract
from .periods import as_at_date, latest_complete_month, parse_month, shift_month
from .validate import SuiteRunner, ValidatedExtract, load_suite, validate_extract

log = logging.getLogger("fostering_scorecard")


@dataclass
class RunContext:
    month: str
    as_at: dt.date
    extracts_dir: Path
    output_dir: Path
    extract_info: ExtractInfo
    extracts: dict[str, Extract]
    metrics: list[Metric]
    settings: Settings


@dataclass
class MonthResult:
    month: str
    month_dir: Path
    rows: list[dict]
    row_counts: dict[str, dict[str, int]] = field(default_factory=dict)


def default_month(extracts_dir: Path) -> str:
    info = load_extract_info(extracts_dir)
    if info is None:
        raise ExtractError(
            "extract.toml",
            f"not found in {extracts_dir}, so the latest complete month is unknown",
            "pass --month YYYY-MM, or add extract.toml with a line like: extract_date = 2020-04-05",
        )
    return latest_complete_month(info.extract_date)


def prepare(month: str, extracts_dir: Path, output_dir: Path) -> RunContext:
    parse_month(month)
    extracts_dir, output_dir = Path(extracts_dir), Path(output_dir)
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
    return RunContext(month, as_at, extracts_dir, output_dir, info, load_extracts(), load_metrics(), load_settings())


def preflight(month: str, extracts_dir: Path) -> None:
    """Stop early, before any heavy import or the Prefect server, on problems an analyst fixes
    by hand: a bad month, a missing folder or file, a file without its required columns."""
    parse_month(month)
    if not Path(extracts_dir).is_dir():
        raise ExtractError(str(extracts_dir), "the extracts folder does not exist", "check the --extracts path.")
    for extract in load_extracts().values():
        check_extract(extract, extracts_dir)


def ingest(ctx: RunContext) -> dict[str, RawExtract]:
    raws = {name: read_extract(extract, ctx.extracts_dir) for name, extract in ctx.extracts.items()}
    for name, raw in raws.items():
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
    finally:
        con.close()
    for v in validated.values():
        log.info(
            "validated %s: %d read = %d accepted + %d quarantined",
            v.raw.extract.file, v.rows_read, v.rows_accepted, v.rows_quarantined,
        )
    return validated


def open_models(ctx: RunContext, validated: dict[str, ValidatedExtract]):
    """A DuckDB connection holding the accepted rows and every staging/intermediate model."""
    con = models.connect()
    models.load_tables(con, {name: v.accepted for name, v in validated.items()})
    models.create_models(con, ctx.settings)
    return con


def compute(ctx: RunContext, validated: dict[str, ValidatedExtract]) -> tuple[list[dict], list[dict]]:
    """The month's scorecard rows and the trend history (oldest first)."""
    con = open_models(ctx, validated)
    try:
        history = sc.compute_history(con, ctx.metrics, ctx.month, max(ctx.settings.trend_months, 12))
    finally:
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
    return rows, [sc.as_record(v) for v in history]


# ---------------------------------------------------------------------------------------------
# Publishing


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        return out.stdout.strip() if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def publish(ctx: RunContext, validated: dict[str, ValidatedExtract], rows: list[dict], history: list[dict]) -> MonthResult:
    """Write the month's folder atomically: everything goes to a hidden temporary folder that is
    renamed into place at the end, so a crash never leaves a half-written month."""
    ctx.output_dir.mkdir(parents=True, exist_ok=True)
    final_dir = ctx.output_dir / ctx.month
    work_dir = ctx.output_dir / f".{ctx.month}.partial-{os.getpid()}"
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)

    quality_rows = quality.write_quality_outputs(work_dir, validated)
    pack.write_pack(work_dir, ctx, rows, history, quality_rows)

    row_counts = {
        name: {"read": v.rows_read, "accepted": v.rows_accepted, "quarantined": v.rows_quarantined}
        for name, v in validated.items()
    }
    _write_manifest(ctx, validated, row_counts, work_dir)
    _restrict_permissions(work_dir)

    if final_dir.exists():
        retired = ctx.output_dir / f".{ctx.month}.replaced-{os.getpid()}"
        final_dir.rename(retired)
        work_dir.rename(final_dir)
        shutil.rmtree(retired)
    else:
        work_dir.rename(final_dir)
    return MonthResult(ctx.month, final_dir, rows, row_counts)


def _write_manifest(ctx: RunContext, validated: dict[str, ValidatedExtract], row_counts: dict, work_dir: Path) -> None:
    outputs = sorted(p for p in work_dir.rglob("*") if p.is_file())
    manifest = {
        "reporting_month": ctx.month,
        "as_at_date": ctx.as_at.isoformat(),
        "extract_date": ctx.extract_info.extract_date.isoformat(),
        "inputs": {
            name: {"file": v.raw.extract.file, "sha256": v.raw.sha256, "rows": row_counts[name]}
            for name, v in sorted(validated.items())
        },
        "configuration": {
            p.name: _sha256(p) for p in sorted(CONFIG_DIR.glob("*.toml"))
        },
        "expectation_suites": {p.name: _sha256(p) for p in sorted(EXPECTATIONS_DIR.glob("*.json"))},
        "code": {"package_version": __version__, "git_commit": _git_commit()},
        "dependency_lock_sha256": _sha256(PROJECT_ROOT / "requirements.lock") if (PROJECT_ROOT / "requirements.lock").exists() else None,
        "outputs": {str(p.relative_to(work_dir)): _sha256(p) for p in outputs},
    }
    (work_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _restrict_permissions(directory: Path) -> None:
    """Outputs hold personal data (internal/) and unpublished figures: owner-only access."""
    directory.chmod(0o700)
    for path in directory.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


def run_month(month: str | None, extracts_dir: Path, output_dir: Path) -> MonthResult:
    """The whole month without Prefect (the flow runs the same steps as tasks)."""
    month = month or default_month(extracts_dir)
    ctx = prepare(month, extracts_dir, output_dir)
    raws = ingest(ctx)
    validated = validate(ctx, raws)
    rows, history = compute(ctx, validated)
    return publish(ctx, validated, rows, history)
