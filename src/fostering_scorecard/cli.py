"""`scorecard`: the command an analyst runs. Heavy libraries are imported only when needed,
so `scorecard --help` is instant."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from . import environment, prefect_api


DESCRIPTION = """\
Fostering performance scorecard.

Reads the month's case-management extracts (CSV files in one folder), checks them, computes
the scorecard indicators and writes the pack to OUTPUT/YYYY-MM/:
  scorecard.csv          one row per indicator: value, numerator, denominator, target, status
  scorecard_history.csv  the same indicators for each of the previous 24 months
  scorecard_pack.pdf     the pack for heads of fostering (summary, charts, data quality)
  charts/*.png           one trend chart per indicator
  data_quality.csv       rows read, accepted and set aside, per file and rule
  internal/quarantine.csv  every row set aside, with its line number and the reason
                         (contains record ids: for the MIU only, do not publish)
  manifest.json          what went in (file hashes, row counts), the code, configuration and
                         library versions, and the sha256 of every output

OUTPUT/YYYY-MM points at the month's newest version, OUTPUT/versions/YYYY-MM/vN/. A month
re-run with identical inputs and code is left as it is; re-run with different results it
becomes a new version with a change_note.md, and the earlier version is kept unchanged.
Inputs are kept in OUTPUT/archive/ so `scorecard verify` can re-run any month later.

commands:
  run       produce one month's pack
  verify    re-run a published month from its archived inputs and compare every byte (alias: rerun)
  backfill  produce a range of months and the series of every indicator across them
  serve     run the monthly schedule (07:00 on the 5th, UK time) against a Prefect server

`scorecard COMMAND --help` explains each one (docs/operations.md has the whole routine).
"""

RUN_EPILOG = """\
examples:
  scorecard run                                  latest complete month of the sample data
  scorecard run --month 2020-03
  scorecard run --month 2020-03 --extracts "/shared/MIU/fostering/2020-04" --output "/shared/MIU/packs"

The extracts folder must hold header.csv, episodes.csv, carers.csv, training.csv,
allegations.csv and enquiries.csv (see docs/data-contract.md), and an extract.toml with the
date the extracts were taken, e.g.  extract_date = 2020-04-05
"""


VERIFY_EPILOG = """\
examples:
  scorecard verify --month 2020-03                  newest version of March 2020
  scorecard verify --month 2020-03 --version 1      the version first published
  scorecard verify --month 2020-03 --extracts "/shared/MIU/fostering/latest"
                                                    would today's extracts change March 2020?

The month is re-run in a temporary folder from the inputs archived when it was published (or
from --extracts), and every output and the manifest are compared byte for byte. It prints
REPRODUCED and exits 0, or NOT REPRODUCED with each file that differs, which indicators moved
and why (inputs, configuration, code or dependencies changed), and exits 1. Nothing in the
output folder is changed.
"""

BACKFILL_EPILOG = """\
examples:
  scorecard backfill --from 2018-04 --to 2020-03
  scorecard backfill --from 2019-04 --to 2020-03 --extracts "/shared/MIU/fostering/2020-04" --output "/shared/MIU/packs"

The extracts are read and checked once for the whole range. Months already produced from the
same inputs, configuration and code are skipped; months whose results change get a new
version with a change note. Writes OUTPUT/scorecard_series.csv: every indicator for every month.
"""

SERVE_EPILOG = """\
First start a Prefect server in another terminal (it keeps the schedule and the run history):
  DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false prefect server start
then, in this terminal:
  export PREFECT_API_URL=http://127.0.0.1:4200/api
  scorecard serve --extracts "/shared/MIU/fostering/latest" --output "/shared/MIU/packs"
Runs the previous month's scorecard at 07:00 on the 5th of each month (Europe/London) for as
long as it runs (Ctrl+C stops it). To run a month now, from a third terminal:
  prefect deployment run monthly-fostering-scorecard/monthly --param month=2020-03
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scorecard", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="produce the scorecard pack for one month",
        description="Produce the scorecard pack for one month.",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--month", metavar="YYYY-MM", help="reporting month; default: the latest complete month before the extract date")
    _add_folders(run)
    run.add_argument("--no-prefect", action="store_true", help="run the same steps without Prefect (no flow run is recorded)")

    verify = commands.add_parser(
        "verify",
        aliases=["rerun"],
        help="re-run a published month from its archived inputs and compare every byte",
        description="Re-run a published month and prove it gives the same bytes.",
        epilog=VERIFY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("--month", metavar="YYYY-MM", required=True, help="the published month to re-run")
    verify.add_argument("--version", metavar="N", type=int, help="which version of the month (default: the newest)")
    _add_project(verify)
    verify.add_argument("--output", metavar="DIR", type=Path, help="the output folder the month was published in (default: the project's)")
    verify.add_argument("--extracts", metavar="DIR", type=Path, help="re-run from this folder instead of the archived inputs")
    verify.add_argument("--keep", metavar="DIR", type=Path, help="keep the re-run's files in DIR to inspect them (they hold personal data)")

    backfill = commands.add_parser(
        "backfill",
        help="produce every month in a range, and the history series",
        description="Produce every month from --from to --to (inclusive) from one set of extracts.",
        epilog=BACKFILL_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    backfill.add_argument("--from", dest="first", metavar="YYYY-MM", required=True, help="first month")
    backfill.add_argument("--to", dest="last", metavar="YYYY-MM", required=True, help="last month (must have ended before the extract date)")
    _add_folders(backfill)
    backfill.add_argument("--no-prefect", action="store_true", help="run without Prefect (no flow run is recorded)")

    serve = commands.add_parser(
        "serve",
        help="run the monthly schedule against a running Prefect server",
        description="Serve the monthly deployment (and a backfill deployment) to a Prefect server.",
        epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_folders(serve)
    return parser


def _add_project(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", metavar="DIR", type=Path, help="the council's project folder (default: found from the current folder)")


def _add_folders(parser: argparse.ArgumentParser) -> None:
    _add_project(parser)
    parser.add_argument("--extracts", metavar="DIR", type=Path, help="folder holding the extract CSV files (default: the project's)")
    parser.add_argument("--output", metavar="DIR", type=Path, help="folder for the packs; the month goes in DIR/YYYY-MM (default: the project's)")


def load_flows():
    """The flows module (flows/ in the repository, fostering_scorecard.flows when installed)."""
    from .flows import monthly_scorecard

    return monthly_scorecard


def load_flow():
    return load_flows().monthly_scorecard


@contextlib.contextmanager
def private_prefect_storage():
    """Prefect pickles a failed run's exception into its local result storage even with result
    persistence off (and an exception message could quote a value from the data). Point that
    storage at a private temporary folder, removed when the flow run is over."""
    from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH, temporary_settings

    key = "PREFECT_RESULTS_LOCAL_STORAGE_PATH"
    folder = tempfile.mkdtemp(prefix="scorecard-prefect-")
    before = os.environ.get(key)
    os.environ[key] = folder  # for flow runs `serve` starts in child processes
    try:
        with temporary_settings(updates={PREFECT_RESULTS_LOCAL_STORAGE_PATH: folder}):
            yield
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before
        shutil.rmtree(folder, ignore_errors=True)


def configure_environment() -> None:
    environment.apply()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    configure_environment()
    from .pack import allow_worker_processes

    allow_worker_processes()  # this command's main module is import-safe for worker processes

    import logging

    from .audit import ArchiveError, MonthLocked
    from .errors import UserError

    # Our own progress lines only; libraries speak up at WARNING and above.
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("fostering_scorecard").setLevel(logging.INFO)
    command = {"run": _run, "verify": _verify, "rerun": _verify, "backfill": _backfill, "serve": _serve}[args.command]
    try:
        return command(args)
    except UserError as exc:
        print(f"\nThe run stopped: a file needs fixing.\n  {exc}", file=sys.stderr)
        return 1
    except MonthLocked as exc:
        print(f"\nThe run stopped: {exc}", file=sys.stderr)
        return 1
    except (ValueError, ArchiveError) as exc:
        print(f"\nThe run stopped: {exc}", file=sys.stderr)
        return 1


def _describe(result) -> str:
    return {
        "published": f"published as version {result.version}",
        "restated": f"published as version {result.version}, restating version {result.version - 1} (see change_note.md)",
        "unchanged": f"unchanged: identical to version {result.version}, nothing new written",
        "skipped": f"skipped: version {result.version} was produced from the same inputs and code",
    }.get(result.status, result.status)


def _run(args) -> int:
    # The Prefect API server (when none is configured) starts first, on the other core, while
    # this process imports its libraries (prefect_api.py explains).
    early_api = None if args.no_prefect else prefect_api.start_early()
    from .pipeline import MonthResult, default_month, preflight, run_month, warm_up
    from .project import open_project

    project = open_project(args.project).with_folders(args.extracts, args.output)
    month = args.month or default_month(project.extracts_dir)
    preflight(project, month, project.extracts_dir)
    print(f"Scorecard for {month} from {project.extracts_dir}", flush=True)
    if args.no_prefect:
        warm_up()
        result: MonthResult = run_month(project, month)
        print(f"{month} {_describe(result)}")
        month_dir = result.month_dir
    else:
        flow = load_flow()
        warm_up()  # after Prefect's own imports: they would only compete
        with prefect_api.using(early_api), private_prefect_storage():
            month_dir = flow(month=month, project_dir=str(project.root), extracts_dir=str(project.extracts_dir), output_dir=str(project.outputs_dir))
    print(f"Done: the pack is in {month_dir}")
    return 0


def _verify(args) -> int:
    from .pipeline import verify_month
    from .project import open_project

    project = open_project(args.project).with_folders(outputs_dir=args.output)
    print(f"Re-running {args.month} from {'its archived inputs' if args.extracts is None else args.extracts} ...", flush=True)
    report = verify_month(project, args.month, project.outputs_dir, version=args.version, extracts_dir=args.extracts, keep_scratch=args.keep)
    print(report.text())
    return 0 if report.reproduced else 1


def _backfill(args) -> int:
    early_api = None if args.no_prefect else prefect_api.start_early()
    from .pipeline import backfill, months_between, preflight, warm_up
    from .project import open_project

    project = open_project(args.project).with_folders(args.extracts, args.output)
    months = months_between(args.first, args.last)
    preflight(project, args.last, project.extracts_dir)
    print(f"Backfill of {len(months)} months, {args.first} to {args.last}, from {project.extracts_dir}", flush=True)
    if args.no_prefect:
        warm_up()
        lines = [f"{r.month}: {_describe(r)}" for r in backfill(project, args.first, args.last)]
    else:
        flows = load_flows()
        warm_up()
        with prefect_api.using(early_api), private_prefect_storage():
            lines = flows.backfill_scorecard(
                first_month=args.first, last_month=args.last, project_dir=str(project.root), extracts_dir=str(project.extracts_dir), output_dir=str(project.outputs_dir)
            )
    print("\n".join(lines))
    print(f"Done: the months are in {project.outputs_dir}; every indicator by month is in {project.outputs_dir / 'scorecard_series.csv'}")
    return 0


def _serve(args) -> int:
    if not os.environ.get("PREFECT_API_URL"):
        print(
            "scorecard serve needs a running Prefect server to keep the schedule.\n"
            "  1. In another terminal:  prefect server start\n"
            "  2. Here:                 export PREFECT_API_URL=http://127.0.0.1:4200/api\n"
            "then run scorecard serve again (docs/operations.md has the details).",
            file=sys.stderr,
        )
        return 1
    from .project import open_project

    project = open_project(args.project).with_folders(args.extracts, args.output)
    print("Serving the monthly scorecard: 07:00 on the 5th of each month (Europe/London). Ctrl+C stops.", flush=True)
    flows = load_flows()
    with private_prefect_storage():
        flows.serve(str(project.root), str(project.extracts_dir), str(project.outputs_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
