"""A region's council runs on a Prefect work pool: the pool, its queues, the global concurrency
limit and the one deployment made ready, one flow run per council started, and every run
waited for (Prefect 3: work pools and workers, `run_deployment`, global concurrency limits).

Nothing here runs a council: workers do (`prefect worker start --pool POOL --type process`, or
`scorecard region worker`, on this machine or others; region/local.py starts some here). A
council's outcome is read back from its flow run's final state: the council flow
(flows/region.py) ends with a state whose message is written for the user (file, rule, fix:
never a data value); any other final state is described here in words of our own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .config import CouncilProject, Region

# The council flow's own failed states (flows/region.py): only their messages are shown.
COUNCIL_FLOW_STATES = {"Refused", "Failed"}
POLL_SECONDS = 1.0
NO_WORKER_HINT_SECONDS = 30.0  # runs still waiting after this long, with no worker online: say so


@dataclass(frozen=True)
class CouncilOutcome:
    """How one council's run ended, in words fit for the region's summary."""

    council_id: str
    outcome: str  # published, restated, unchanged, refused, failed, crashed, cancelled, not run
    detail: str  # what happened: status words, or the reason it failed
    flow_run: str = ""  # the flow run's name in Prefect ("kent-2025-03")
    seconds: float | None = None  # from start to end of the flow run

    @property
    def succeeded(self) -> bool:
        return self.outcome in ("published", "restated", "unchanged", "completed")


def prepare_pool(region: Region, concurrency: int, queues: set[str]) -> str:
    """Make the pool ready and return the deployment's full name: the work pool (created as a
    process pool when missing; an existing pool of another type is used as it is), the work
    queues councils name, the global concurrency limit (set to `concurrency`) and the council
    flow's deployment on the pool."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    from prefect.workers.process import ProcessWorker

    from ..flows import region as region_flow

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(region.work_pool)
        except ObjectNotFound:
            try:
                client.create_work_pool(WorkPoolCreate(name=region.work_pool, type=ProcessWorker.type,
                                                       base_job_template=ProcessWorker.get_default_base_job_template()))
            except ObjectAlreadyExists:  # another region command made it meanwhile
                pass
        for queue in sorted(queues):
            try:
                client.create_work_queue(name=queue, work_pool_name=region.work_pool)
            except ObjectAlreadyExists:
                pass
        client.upsert_global_concurrency_limit_by_name(region.concurrency_limit, concurrency)
    deployment = region_flow.region_deployment(region.work_pool)
    deployment.apply()
    return f"{region_flow.FLOW_NAME}/{deployment.name}"


def start_runs(deployment: str, region: Region, month: str, councils: list[CouncilProject],
               reason: str | None = None) -> dict[str, str]:
    """One flow run of the deployment per council (scheduled now, on the council's work queue
    when it names one); returns {council id: flow run id}. Returns at once: workers run them."""
    from prefect.deployments import run_deployment

    started = {}
    for item in councils:
        council = item.council
        parameters = {"month": month, "project_dir": str(council.project_dir), "council": council.id,
                      "concurrency_limit": region.concurrency_limit, "reason": reason}
        flow_run = run_deployment(deployment, parameters=parameters, timeout=0, as_subflow=False, flow_run_name=f"{council.id}-{month}",
                                  work_queue_name=council.work_queue, tags=[f"region:{region.slug}"])
        started[council.id] = str(flow_run.id)
    return started


def wait_for(runs: dict[str, str], region: Region, on_outcome: Callable[[CouncilOutcome], None],
             on_no_worker: Callable[[], None] | None = None) -> list[CouncilOutcome]:
    """Wait until every run has ended; on_outcome(outcome) as each one ends. On Ctrl-C (or a
    stop signal) the runs not yet ended are cancelled before the stop goes on."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    by_id = {flow_run_id: council_id for council_id, flow_run_id in runs.items()}
    outcomes: dict[str, CouncilOutcome] = {}
    started, hinted = time.monotonic(), on_no_worker is None
    try:
        with get_client(sync_client=True) as client:
            while len(outcomes) < len(runs):
                flow_runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(by_id))))
                waiting = 0
                for flow_run in flow_runs:
                    council_id = by_id[str(flow_run.id)]
                    if council_id in outcomes or flow_run.state is None:
                        continue
                    if flow_run.state.is_final():
                        outcomes[council_id] = outcome_of(council_id, flow_run)
                        on_outcome(outcomes[council_id])
                    elif flow_run.state.is_scheduled():
                        waiting += 1
                if not hinted and waiting == len(runs) - len(outcomes) and time.monotonic() - started > NO_WORKER_HINT_SECONDS:
                    if not _worker_online(client, region.work_pool):
                        on_no_worker()
                    hinted = True
                if len(outcomes) < len(runs):
                    time.sleep(POLL_SECONDS)
    except BaseException:
        cancel([flow_run_id for flow_run_id, council_id in by_id.items() if council_id not in outcomes])
        raise
    return [outcomes[council_id] for council_id in runs]


def _worker_online(client, work_pool: str) -> bool:
    from prefect.client.schemas.filters import WorkerFilter, WorkerFilterStatus

    return bool(client.read_workers_for_work_pool(work_pool, worker_filter=WorkerFilter(status=WorkerFilterStatus(any_=["ONLINE"]))))


def cancel(flow_run_ids: list[str]) -> None:
    """Cancel runs that have not ended (best effort: the server may already be gone)."""
    if not flow_run_ids:
        return
    try:
        from prefect import get_client
        from prefect.states import Cancelled, Cancelling

        with get_client(sync_client=True) as client:
            for flow_run_id in flow_run_ids:
                state = client.read_flow_run(flow_run_id).state
                if state is None or state.is_final():
                    continue
                stop = Cancelling if state.is_running() else Cancelled
                client.set_flow_run_state(flow_run_id, stop(message="the regional run was stopped"), force=True)
    except Exception:  # noqa: BLE001 - stopping: the runs then end with their workers
        pass


def outcome_of(council_id: str, flow_run) -> CouncilOutcome:
    """A council's outcome from its flow run's final state, in words."""
    state = flow_run.state
    seconds = flow_run.total_run_time.total_seconds() if flow_run.total_run_time else None
    common = {"council_id": council_id, "flow_run": flow_run.name, "seconds": seconds}
    message = (state.message or "").strip()
    if state.is_completed():
        status = (state.name or "").lower()
        return CouncilOutcome(outcome=status if status in ("published", "restated", "unchanged") else "completed",
                              detail=message or "completed", **common)
    if state.is_failed() and state.name in COUNCIL_FLOW_STATES and message and not message.startswith("Flow run encountered"):
        return CouncilOutcome(outcome="refused" if state.name == "Refused" else "failed", detail=message, **common)
    if state.is_failed():
        return CouncilOutcome(outcome="failed", detail=f"the flow run {flow_run.name} failed before the scorecard ran: "
                                                       "its log in Prefect says why", **common)
    if state.is_crashed():
        return CouncilOutcome(outcome="crashed", detail=f"the flow run {flow_run.name} ended unexpectedly (its process stopped): "
                                                        "the worker's console says why", **common)
    return CouncilOutcome(outcome="cancelled", detail=f"the flow run {flow_run.name} was cancelled", **common)
