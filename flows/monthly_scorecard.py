"""Prefect flows: one month's fostering scorecard, a backfill of many months, and the monthly
deployment that runs the scorecard on a schedule. Thin: each task calls one pipeline step.

Privacy and audit choices, on purpose:
- no task caching and no result persistence: Prefect would otherwise pickle DataFrames of
  personal data to disk;
- flow run names and parameters carry only months and folder paths, never record ids;
- one run per month at a time (a lock on the output folder), and a concurrency limit of one
  on the deployment.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from prefect import flow, task
from pydantic import Field

from fostering_scorecard import audit, pack, pipeline
from fostering_scorecard.periods import month_of
from fostering_scorecard.project import load as load_project

# Flows start from entry points whose main module is guarded (the scorecard command, Prefect's
# runner), so the pack may use its worker processes.
pack.allow_worker_processes()

TASK_OPTIONS = {"cache_policy": None, "persist_result": False, "retries": 0}

# The schedule: 07:00 UK time on the 5th of each month, for the month before.
SCHEDULE_CRON = "0 7 5 * *"
SCHEDULE_TIMEZONE = "Europe/London"
DEPLOYMENT_NAME = "monthly"
BACKFILL_DEPLOYMENT_NAME = "backfill"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"

Month = Annotated[str, Field(pattern=MONTH_PATTERN, description="reporting month, YYYY-MM (for example 2020-03)")]


def month_before(moment: dt.datetime) -> str:
    """The reporting month for a run at `moment`: the calendar month before it, UK time."""
    local = moment.astimezone(ZoneInfo(SCHEDULE_TIMEZONE)) if moment.tzinfo else moment
    return month_of(local.date().replace(day=1) - dt.timedelta(days=1))


def scheduled_month() -> str:
    """The month before the run's scheduled time (now, for a run started by hand)."""
    from prefect.runtime import flow_run

    scheduled = flow_run.scheduled_start_time
    return month_before(scheduled if isinstance(scheduled, dt.datetime) else dt.datetime.now(dt.UTC))


def _run_name() -> str:
    from prefect.runtime import flow_run

    return f"scorecard-{flow_run.parameters.get('month') or scheduled_month()}"


@task(name="prepare", **TASK_OPTIONS)
def prepare(month: str, project_dir: str, extracts_dir: str | None, output_dir: str | None) -> pipeline.RunContext:
    project = load_project(Path(project_dir))
    return pipeline.prepare(project, month, extracts_dir and Path(extracts_dir), output_dir and Path(output_dir))


@task(name="ingest", **TASK_OPTIONS)
def ingest(ctx):
    return pipeline.ingest(ctx)


@task(name="validate", **TASK_OPTIONS)
def validate(ctx, raws):
    return pipeline.validate(ctx, raws)


@task(name="compute metrics", **TASK_OPTIONS)
def compute(ctx, validated):
    return pipeline.compute(ctx, validated)


@task(name="publish pack", **TASK_OPTIONS)
def publish(ctx, validated, figures):
    return pipeline.publish(ctx, validated, figures)


@task(name="month", task_run_name="month-{month}", **TASK_OPTIONS)
def backfill_month(month: str, base, validated, month_cache: dict, con):
    return pipeline.backfill_month(pipeline.for_month(base, month), validated, month_cache, con)


@flow(
    name="monthly-fostering-scorecard",
    flow_run_name=_run_name,
    persist_result=False,
    validate_parameters=True,
    log_prints=False,
)
def monthly_scorecard(
    month: Month | None = None,
    project_dir: str = ".",
    extracts_dir: str | None = None,
    output_dir: str | None = None,
) -> str:
    """Ingest, validate, compute and publish the scorecard for `month` (YYYY-MM; default: the
    month before the scheduled time)."""
    month = month or scheduled_month()
    output_dir = output_dir or str(load_project(Path(project_dir)).outputs_dir)
    with audit.month_lock(Path(output_dir), month):
        ctx = prepare(month, project_dir, extracts_dir, output_dir)
        raws = ingest(ctx)
        validated = validate(ctx, raws)
        figures = compute(ctx, validated)
        result = publish(ctx, validated, figures)
    return str(result.month_dir)


@flow(
    name="backfill-fostering-scorecard",
    flow_run_name="backfill-{first_month}-to-{last_month}",
    persist_result=False,
    validate_parameters=True,
    log_prints=False,
)
def backfill_scorecard(
    first_month: Month,
    last_month: Month,
    project_dir: str = ".",
    extracts_dir: str | None = None,
    output_dir: str | None = None,
) -> list[str]:
    """Every month from first_month to last_month in one flow run: the extracts are read and
    validated once; months already produced from the same inputs and code are skipped."""
    months = pipeline.months_between(first_month, last_month)
    base = prepare(last_month, project_dir, extracts_dir, output_dir)
    validated = validate(base, ingest(base))
    month_cache: dict = {}  # each month-end computed once across the whole backfill
    statuses = []
    # One models connection for every month (tasks run in this thread: DuckDB is not shared
    # across threads).
    with pipeline.open_models(base, validated) as con:
        for number, month in enumerate(months, start=1):
            pipeline.log.info("month %d of %d: %s", number, len(months), month)
            result = backfill_month(month, base, validated, month_cache, con)
            statuses.append(f"{month}: {result.status} v{result.version}")
    pipeline.build_series(base.output_dir)
    return statuses


def monthly_deployment(project_dir: str, extracts_dir: str, output_dir: str):
    """The scheduled deployment: the previous month's scorecard at 07:00 on the 5th, UK time."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    return monthly_scorecard.to_deployment(
        name=DEPLOYMENT_NAME,
        schedules=[Cron(SCHEDULE_CRON, timezone=SCHEDULE_TIMEZONE)],
        parameters={"project_dir": project_dir, "extracts_dir": extracts_dir, "output_dir": output_dir},
        entrypoint_type=EntrypointType.MODULE_PATH,
        concurrency_limit=1,
        description="Monthly fostering scorecard for the previous month (pass month=YYYY-MM to run another).",
        tags=["fostering-scorecard"],
    )


def backfill_deployment(project_dir: str, extracts_dir: str, output_dir: str):
    """Run by hand only (no schedule): a range of months."""
    from prefect.deployments.runner import EntrypointType

    return backfill_scorecard.to_deployment(
        name=BACKFILL_DEPLOYMENT_NAME,
        parameters={"project_dir": project_dir, "extracts_dir": extracts_dir, "output_dir": output_dir},
        entrypoint_type=EntrypointType.MODULE_PATH,
        concurrency_limit=1,
        description="Backfill a range of months (first_month, last_month as YYYY-MM).",
        tags=["fostering-scorecard"],
    )


def serve(project_dir: str, extracts_dir: str, output_dir: str) -> None:
    """Serve both deployments to a running Prefect server until stopped (Ctrl+C)."""
    from prefect import serve as prefect_serve

    prefect_serve(monthly_deployment(project_dir, extracts_dir, output_dir), backfill_deployment(project_dir, extracts_dir, output_dir))
