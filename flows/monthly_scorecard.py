"""Prefect flows: one month's fostering scorecard, a backfill of many months, and the monthly
deployment that runs the scorecard on a schedule.

Thin: the order of the steps is in fostering_scorecard.run (the run spine); these flows give it
a runner that makes each step a Prefect task and writes each step's counts to the run's log.

Privacy and audit choices, on purpose:
- no task caching and no result persistence: Prefect would otherwise pickle DataFrames of
  personal data to disk;
- flow run names, parameters and log lines carry only months, folder paths and counts, never
  record ids;
- one run per month at a time (the spine's lock on the output folder), and a concurrency limit
  of one on each deployment.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from fostering_scorecard import run
from fostering_scorecard.periods import month_of
from fostering_scorecard.project import load as load_project

TASK_OPTIONS = {"cache_policy": NO_CACHE, "persist_result": False, "retries": 0}

# The schedule: 07:00 UK time on the 5th of each month, for the month before.
SCHEDULE_CRON = "0 7 5 * *"
SCHEDULE_TIMEZONE = "Europe/London"
DEPLOYMENT_NAME = "monthly"
BACKFILL_DEPLOYMENT_NAME = "backfill"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"

Month = Annotated[str, Field(pattern=MONTH_PATTERN, description="reporting month, YYYY-MM (for example 2020-03)")]
ExtractDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="the day the extracts were taken, YYYY-MM-DD")]

# `scorecard serve` pins the project and its folders here, in its own environment, which the
# flow runs it starts inherit: a run's parameters cannot move where a scheduled month is read
# from or written to.
SERVED_FOLDERS = {"project_dir": "SCORECARD_SERVED_PROJECT", "extracts_dir": "SCORECARD_SERVED_EXTRACTS", "output_dir": "SCORECARD_SERVED_OUTPUT"}


class TaskRunner(run.Runner):
    """Each step of the spine as a Prefect task (named after the step, and its month)."""

    def call(self, step: str, month: str | None, function, *args, **kwargs):
        as_task = task(function, name=step, task_run_name=f"{step}-{month}" if month else step, **TASK_OPTIONS)
        return as_task(*args, **kwargs)


class RunLog:
    """Each step's counts in the flow run's log, so a Prefect server's UI shows what each run
    did (counts, status and version: never an identifier)."""

    def step_started(self, step: str, month: str | None) -> None:
        pass

    def step_finished(self, event: run.StepEvent) -> None:
        logger = get_run_logger()
        logger.info("%s%s: %s (%.1f s)", event.step, f" {event.month}" if event.month else "", event.summary, event.seconds)
        for detail in event.details:
            logger.info("  %s", detail)


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


def _folder(path: str | None) -> Path | None:
    return Path(path) if path else None


def _folders(project_dir: str | None, extracts_dir: str | None, output_dir: str | None) -> tuple[str, str | None, str | None]:
    """The folders of this run: the served ones when running under `scorecard serve` (a
    parameter naming another folder is refused), else the parameters."""
    given = {"project_dir": project_dir, "extracts_dir": extracts_dir, "output_dir": output_dir}
    served = {name: os.environ.get(variable) for name, variable in SERVED_FOLDERS.items()}
    if not served["project_dir"]:
        return project_dir or ".", extracts_dir, output_dir
    moved = [name for name, value in given.items() if value and str(Path(value).resolve()) != served[name]]
    if moved:
        raise ValueError(
            f"this deployment reads and writes only the folders it was served with ({', '.join(moved)} cannot be changed "
            "by a run's parameters): stop `scorecard serve` and serve again with other folders to move them"
        )
    return served["project_dir"], served["extracts_dir"], served["output_dir"]


def _council(project_dir: str | None, extracts_dir: str | None, output_dir: str | None, extract_date: str | None,
             allow_quarantine: bool, reason: str | None) -> dict:
    """What a flow run hands the spine: the project (read once), its folders, the run's options,
    and the runner that makes each step a task and logs its counts."""
    project_dir, extracts_dir, output_dir = _folders(project_dir, extracts_dir, output_dir)
    return {
        "project": load_project(Path(project_dir)),
        "extracts_dir": _folder(extracts_dir),
        "output_dir": _folder(output_dir),
        "runner": TaskRunner(RunLog()),
        "options": run.RunOptions(allow_quarantine=allow_quarantine, reason=reason),
        "extract_date": dt.date.fromisoformat(extract_date) if extract_date else None,
    }


def headline_markdown(result: run.MonthResult) -> str:
    """The month's headline figures for the run's Prefect artifact: every indicator with a
    target, its value, target and status (aggregate figures only, never an identifier)."""
    lines = [f"# Fostering scorecard {result.month}: {run.status_words(result)}", ""]
    rated = [row for row in result.rows if row.get("target") is not None]
    if rated:
        lines += ["| indicator | value | target | status |", "|---|---|---|---|"]
        for row in rated:
            lines.append(f"| {row['title']} | {_number(row['value'])} | {_number(row['target'])} | {row['rag']} |")
    rows_read = result.rows_read
    lines += ["", f"Rows read {rows_read:,}; set aside {result.rows_set_aside:,}."]
    return "\n".join(lines) + "\n"


def _number(value) -> str:
    if value is None:
        return "no data"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def publish_headline_artifact(result: run.MonthResult, council: str | None = None) -> None:
    """The month's headline as a markdown artifact of the flow run; `council` (a region's
    council id) goes into its key, so that councils of one Prefect server do not share one."""
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(
        key=f"fostering-scorecard-{council}-{result.month}" if council else f"fostering-scorecard-{result.month}",
        markdown=headline_markdown(result),
        description=f"Headline figures for {council + ', ' if council else ''}{result.month} (counts and values only)",
    )


@flow(
    name="monthly-fostering-scorecard",
    flow_run_name=_run_name,
    persist_result=False,
    validate_parameters=True,
    log_prints=False,
)
def monthly_scorecard(
    month: Month | None = None,
    project_dir: str | None = None,
    extracts_dir: str | None = None,
    output_dir: str | None = None,
    extract_date: ExtractDate | None = None,
    allow_quarantine: bool = False,
    reason: str | None = None,
) -> str:
    """The scorecard for `month` (YYYY-MM; default: the month before the scheduled time) of the
    council project in project_dir (its own extracts and output folders unless given; under
    `scorecard serve`, the served ones only)."""
    result = run.run_month(month=month or scheduled_month(),
                           **_council(project_dir, extracts_dir, output_dir, extract_date, allow_quarantine, reason))
    publish_headline_artifact(result)
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
    project_dir: str | None = None,
    extracts_dir: str | None = None,
    output_dir: str | None = None,
    extract_date: ExtractDate | None = None,
    allow_quarantine: bool = False,
    reason: str | None = None,
) -> list[str]:
    """Every month from first_month to last_month in one flow run: the extracts are read and
    validated once; months already produced from the same inputs and code are skipped."""
    results = run.backfill(first=first_month, last=last_month,
                           **_council(project_dir, extracts_dir, output_dir, extract_date, allow_quarantine, reason))
    return [f"{result.month}: {result.status} v{result.version}" for result in results]


def monthly_deployment():
    """The scheduled deployment: the previous month's scorecard at 07:00 on the 5th, UK time, of
    the project `scorecard serve` pins (no folder parameters: see _folders)."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    return monthly_scorecard.to_deployment(
        name=DEPLOYMENT_NAME,
        schedules=[Cron(SCHEDULE_CRON, timezone=SCHEDULE_TIMEZONE)],
        entrypoint_type=EntrypointType.MODULE_PATH,  # found in the installed package, from any folder
        concurrency_limit=1,
        description="Monthly fostering scorecard for the previous month (pass month=YYYY-MM to run another).",
        tags=["fostering-scorecard"],
    )


def backfill_deployment():
    """Run by hand only (no schedule): a range of months, of the served project."""
    from prefect.deployments.runner import EntrypointType

    return backfill_scorecard.to_deployment(
        name=BACKFILL_DEPLOYMENT_NAME,
        entrypoint_type=EntrypointType.MODULE_PATH,
        concurrency_limit=1,
        description="Backfill a range of months (first_month, last_month as YYYY-MM).",
        tags=["fostering-scorecard"],
    )


def served_deployments(project_dir: str, extracts_dir: str, output_dir: str) -> list:
    """Both deployments, for `scorecard serve` to serve (prefect_api.serve) until stopped,
    pinned to these folders (the flow runs it starts inherit this process's environment)."""
    for name, path in {"project_dir": project_dir, "extracts_dir": extracts_dir, "output_dir": output_dir}.items():
        os.environ[SERVED_FOLDERS[name]] = str(Path(path).resolve())
    return [monthly_deployment(), backfill_deployment()]
