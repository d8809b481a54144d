"""The council flow of a regional run: one council's month, as a run of one parameterised
deployment on a Prefect work pool of type process (`scorecard region run` starts one per member
council; region/dispatch.py).

Thin, as the monthly flow is: it reads the council's project and calls run.run_month with the
monthly flow's runner (each step a task, each step's counts in the run's log). On purpose:
- the council's folders are its project's own: the flow has no extracts or output parameters,
  so a run reads only its project's extracts and writes only its project's output folder;
- each run holds a slot of the region's Prefect global concurrency limit while it runs
  (`prefect.concurrency.sync.concurrency`, strict: a limit that does not exist stops the run);
- a council that cannot be published ends as a Failed state ("Refused" for a month the rules
  refuse) whose message is the run's own message to the user (file, rule, fix: never a data
  value); any other error is named by its type only, its traceback printed on the worker's
  console, never sent to the Prefect server. The month's outcome is the Completed state's name
  ("Published", "Restated", "Unchanged") and message ("published as version 1"), as results
  are not persisted;
- no task caching, no result persistence, nothing of the data in names, parameters or logs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import traceback
from pathlib import Path

from prefect import flow
from prefect.states import Completed, Failed

from fostering_scorecard import child_processes, environment, run, runtime
from fostering_scorecard.errors import UserError
from fostering_scorecard.flows.monthly_scorecard import ExtractDate, Month, RunLog, TaskRunner, publish_headline_artifact
from fostering_scorecard.project import load as load_project
from fostering_scorecard.publication_check import MonthNotPublishable
from fostering_scorecard.publish import ArchiveError, MonthLocked, ReissueNeedsReason

FLOW_NAME = "council-scorecard"
# Set by `scorecard region run --local-workers N` in its workers' environment: their flow runs
# die with the worker that started them (child_processes.die_with_parent), so nothing outlives
# a one-machine run however it ends. Workers started by hand leave their runs to Prefect.
DIE_WITH_WORKER = "SCORECARD_RUN_DIES_WITH_WORKER"
REFUSED = (MonthNotPublishable, ReissueNeedsReason)  # the month's rules said no: not a fault
KNOWN = (UserError, MonthLocked, ArchiveError)  # errors whose message is written for the user


@flow(
    name=FLOW_NAME,
    flow_run_name="{council}-{month}",
    persist_result=False,
    validate_parameters=True,
    log_prints=False,
)
def council_scorecard(
    month: Month,
    project_dir: str,
    council: str = "council",
    concurrency_limit: str | None = None,
    extract_date: ExtractDate | None = None,
    allow_quarantine: bool = False,
    reason: str | None = None,
):
    """The scorecard for `month` of the council project in project_dir, from its own extracts
    into its own output folder, holding a slot of the global concurrency limit
    `concurrency_limit` (when given) while it runs. `council` names the run only."""
    if os.environ.get(DIE_WITH_WORKER):
        child_processes.die_with_parent(os.getppid())
    # The scorecard's private settings (no telemetry, owner-only files) whoever started the
    # worker: `prefect worker start` itself sets neither.
    environment.apply()
    # Its own run folder (its temporary files), removed with whatever it started before it returns.
    with runtime.leave_nothing_behind():
        try:
            project = load_project(Path(project_dir))
            with _slot(concurrency_limit):
                result = run.run_month(project, month, runner=TaskRunner(RunLog()),
                                       options=run.RunOptions(allow_quarantine=allow_quarantine, reason=reason),
                                       extract_date=dt.date.fromisoformat(extract_date) if extract_date else None)
        except REFUSED as refusal:
            return Failed(name="Refused", message=str(refusal))
        except KNOWN as problem:
            return Failed(message=str(problem))
        except Exception as error:  # noqa: BLE001 - the type only leaves this machine: a message may quote data
            traceback.print_exc(file=sys.stderr)
            return Failed(message=f"stopped by an unexpected {type(error).__name__}: the worker's console shows where; "
                                  f"run `scorecard run --project {project_dir} --month {month} --no-prefect` to see it again")
    publish_headline_artifact(result, council)
    return Completed(name=result.status.capitalize(), message=run.status_words(result))


@contextlib.contextmanager
def _slot(limit: str | None):
    if not limit:
        yield
        return
    from prefect.concurrency.sync import concurrency

    with concurrency(limit, occupy=1, strict=True):
        yield


def region_deployment(work_pool: str):
    """The one deployment every council of a region runs as, on `work_pool` (process type). Named
    after the pool, so regions served by one Prefect server with different pools do not move
    each other's deployment. The flow is found in the installed package (a module path, not a
    file), so a process worker runs it with no image and no code to pull."""
    from prefect.deployments.runner import EntrypointType

    return council_scorecard.to_deployment(
        name=work_pool,
        work_pool_name=work_pool,
        entrypoint_type=EntrypointType.MODULE_PATH,
        description="One council's monthly scorecard, for a regional run (scorecard region run).",
        tags=["fostering-scorecard", "region"],
    )
