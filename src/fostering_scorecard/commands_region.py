"""What the `scorecard region` commands do, once cli.py has read their arguments:

    region run     every member council's month as a flow run on a Prefect work pool (workers
                   elsewhere, or --local-workers N here), then the regional pack
    region worker  a worker for the region's work pool (`prefect worker start`, with the
                   scorecard's private settings)
    region pack    the regional pack again, from what the councils have published

The region and its councils are read first (region/config.py); Prefect and the heavy modules
are imported only when needed, so a mistake in region.toml is reported at once.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from . import prefect_api


def region_run_command(args) -> int:
    from .region import config, dispatch

    started = time.monotonic()
    _check_month(args.month)
    region = config.load(args.region)
    councils = config.load_councils(region)
    month = args.month or _agreed_month(councils)
    concurrency = args.concurrency or region.concurrency
    runnable = [item for item in councils if item.project is not None]
    where = f"{args.local_workers} local worker{'s' if args.local_workers != 1 else ''}" if args.local_workers else "its workers"
    print(f"Regional scorecard for {month}: {region.name}, {len(councils)} councils, on work pool {region.work_pool} "
          f"({where}; at most {concurrency} at once)", flush=True)
    outcomes = [dispatch.CouncilOutcome(item.council.id, "failed", item.problem, "") for item in councils if item.project is None]
    for outcome in outcomes:
        _print_outcome(outcome)
    if runnable:
        outcomes += _run_councils(args, region, month, runnable, concurrency)
    outcomes.sort(key=lambda outcome: [c.id for c in region.councils].index(outcome.council_id))
    from .region.pack import NothingPublished

    try:
        pack = _write_pack(region, month, councils, outcomes)
    except NothingPublished:
        pack = None
    succeeded = [o for o in outcomes if o.succeeded]
    print(f"\nDone in {time.monotonic() - started:.1f} s: {len(succeeded)} of {len(outcomes)} councils "
          f"{'published or unchanged' if succeeded else 'published'}.")
    for outcome in outcomes:
        if not outcome.succeeded:
            print(f"  {outcome.council_id} {outcome.outcome}: {_indent(outcome.detail)}")
    if pack is None:
        print(f"  No regional pack: no council has published {month}.")
        return 1
    print(f"  The regional pack: {pack.folder / 'region_pack.html'} (and .pdf, .xlsx, region_scorecard.csv), "
          f"from {pack.councils_included} councils' published scorecards.")
    print(f"  Each council's outcome: {pack.folder / 'region_runs.csv'}")
    return 0 if len(succeeded) == len(outcomes) else 1


def _run_councils(args, region, month, runnable, concurrency) -> list:
    from .region import dispatch

    queues = {item.council.work_queue for item in runnable if item.council.work_queue}
    with prefect_api.private_storage():  # inherited by the local workers' flow runs
        if args.local_workers:
            from .region.local import LocalPrefect

            log_dir = region.outputs_dir / "logs"
            # In the command's run folder (runtime.leave_nothing_behind): removed when it ends.
            with LocalPrefect(Path(tempfile.mkdtemp(prefix="region-prefect-")), args.local_workers, region.work_pool, log_dir) as local:
                deployment = dispatch.prepare_pool(region, concurrency, queues)
                local.start_workers()
                print(f"  started a Prefect server and {args.local_workers} workers on this machine (their logs: {log_dir})", flush=True)
                return _start_and_wait(deployment, region, month, runnable, args.reason)
        _require_server()
        deployment = dispatch.prepare_pool(region, concurrency, queues)
        return _start_and_wait(deployment, region, month, runnable, args.reason)


def _start_and_wait(deployment, region, month, runnable, reason) -> list:
    from .region import dispatch

    runs = dispatch.start_runs(deployment, region, month, runnable, reason)
    print(f"  started {len(runs)} flow runs of {deployment}: {', '.join(runs)}", flush=True)

    def no_worker() -> None:
        print(f"  (waiting: no worker is serving work pool {region.work_pool}; start one with\n"
              f"     scorecard region worker --region {region.root}\n"
              f"   on a machine that can read the councils' project folders)", flush=True)

    return dispatch.wait_for(runs, region, _print_outcome, no_worker)


def _print_outcome(outcome) -> None:
    took = f"  ({outcome.seconds:.0f} s)" if outcome.seconds else ""
    if outcome.succeeded:
        print(f"  {outcome.council_id:<20} {outcome.detail}{took}", flush=True)
    else:
        print(f"  {outcome.council_id:<20} {outcome.outcome.upper()}: {_indent(outcome.detail)}{took}", flush=True)


def _indent(text: str) -> str:
    return text.replace("\n", "\n      ")


def _require_server(what: str = "a regional run needs a Prefect server that its workers share") -> None:
    from .errors import UserError

    url = os.environ.get("PREFECT_API_URL")
    if not url:
        raise UserError(
            f"{what}.\n"
            "  How to fix: start one (prefect server start), export PREFECT_API_URL=http://HOST:4200/api here and on\n"
            "  each worker's machine, start workers (scorecard region worker --region DIR), then run again;\n"
            "  or run everything on this machine with --local-workers 2 (docs/operations.md, \"Regions\")."
        )
    if not prefect_api.answers(url, timeout=5):
        raise UserError(f"the Prefect server at {url} does not answer.\n"
                        "  How to fix: start it (prefect server start), or check PREFECT_API_URL.")


def _check_month(month: str | None) -> None:
    """A --month that is not YYYY-MM stops the command before anything starts (it also names
    the regional pack's folder)."""
    if month is not None:
        from .periods import parse_month

        parse_month(month)  # ValueError: "month must look like YYYY-MM ...", reported by cli.py


def _agreed_month(councils) -> str:
    """The latest complete month of the councils' extracts, when they agree."""
    from .errors import UserError
    from .run import default_month

    months = {}
    for item in councils:
        if item.project is not None:
            try:
                months[item.council.id] = default_month(item.project.extracts_dir)
            except UserError:
                continue  # that council fails alone when it runs
    if len(set(months.values())) != 1:
        found = ", ".join(f"{council} {month}" for council, month in months.items()) or "none could be read"
        raise UserError(f"--month: the councils' extracts do not agree on a month to report ({found}).\n"
                        "  How to fix: give the month, e.g.  --month 2025-03")
    return months.popitem()[1]


def _write_pack(region, month, councils, outcomes):
    from .region import pack

    return pack.write_region_month(region, month, councils, outcomes)


def region_pack_command(args) -> int:
    """The regional pack again from what the councils have published (nothing is run)."""
    from .region import config, pack

    _check_month(args.month)
    region = config.load(args.region)
    councils = config.load_councils(region)
    written = pack.write_region_month(region, args.month, councils, outcomes=None)
    print(f"The regional pack for {args.month}: {written.folder / 'region_pack.html'} (and .pdf, .xlsx, region_scorecard.csv), "
          f"from {written.councils_included} of {len(councils)} councils' published scorecards.")
    for council_id, why in written.left_out.items():
        print(f"  {council_id}: not included: {why}")
    return 0


def region_worker_command(args) -> int:
    """A worker for the region's work pool, in the foreground until Ctrl-C (or SIGTERM)."""
    from .region import config
    from .region.local import ChildProcess, worker_command

    _require_server("a worker needs the Prefect server it takes the councils' runs from")
    pool = args.pool
    if pool is None:
        pool = config.load(args.region).work_pool if args.region else config.DEFAULT_WORK_POOL
    command = worker_command(pool, name=args.name, queues=tuple(args.work_queue or ()), limit=args.limit)
    print(f"Worker for work pool {pool} ({args.limit} council{'s' if args.limit != 1 else ''} at a time); Ctrl+C stops.", flush=True)
    with prefect_api.private_storage():
        worker = ChildProcess(command, {**os.environ}, log=None)
        code = worker.process.wait()
    print("The worker stopped.", file=sys.stderr if code else sys.stdout, flush=True)
    return 0 if code == 0 else 1


def region_command(args) -> int:
    """`scorecard region ACTION`."""
    return {"run": region_run_command, "worker": region_worker_command, "pack": region_pack_command}[args.region_action](args)

