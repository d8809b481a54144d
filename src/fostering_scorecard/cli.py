"""`scorecard`: the command an analyst runs. It reads the council's project, then hands the work
to the run spine (run.py), directly or through the Prefect flows. Heavy libraries are imported
only when needed, so `scorecard --help` is instant."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from . import environment, prefect_api

DESCRIPTION = """\
Fostering performance scorecard.

Works on a council's project folder (made by `scorecard init`): its settings and targets, the
folder where the MIU saves each month's extracts, and the output folder. Each month's extracts
(CSV files) are checked, the scorecard indicators computed and the pack written to
OUTPUT/YYYY-MM/:
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
  init      create a council's project folder, every setting explained
  run       produce one month's pack
  verify    re-run a published month from its archived inputs and compare every byte (alias: rerun)
  backfill  produce a range of months and the series of every indicator across them
  serve     run the monthly schedule (07:00 on the 5th, UK time) against a Prefect server

Every command but init works on the project in the current folder (or a folder above it), or
on --project DIR. `scorecard COMMAND --help` explains each one (docs/operations.md has the
whole routine).
"""

INIT_EPILOG = """\
example:
  scorecard init rotherham --name "Rotherham Metropolitan Borough Council" --la-code 372

Creates the folder with scorecard.toml (the council and its options, each explained),
targets.toml (targets per financial year), mappings/ and extracts/. Then:
  1. set the targets in targets.toml;
  2. save the month's extracts and extract.toml in extracts/ (docs/data-contract.md);
  3. cd into the folder and run:  scorecard run
"""

RUN_EPILOG = """\
examples:
  scorecard run                                  latest complete month of the project's extracts
  scorecard run --month 2020-03
  scorecard run --project "/shared/MIU/scorecard" --extracts "/shared/MIU/fostering/2020-04"

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
  scorecard backfill --from 2019-04 --to 2020-03 --extracts "/shared/MIU/fostering/2020-04"

The extracts are read and checked once for the whole range. Months already produced from the
same inputs, configuration and code are skipped; months whose results change get a new
version with a change note. Writes OUTPUT/scorecard_series.csv: every indicator for every month.
"""

SERVE_EPILOG = """\
First start a Prefect server in another terminal (it keeps the schedule and the run history):
  DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false prefect server start
then, in this terminal, inside the council's project folder:
  export PREFECT_API_URL=http://127.0.0.1:4200/api
  scorecard serve
Runs the previous month's scorecard at 07:00 on the 5th of each month (Europe/London) for as
long as it runs (Ctrl+C stops it). To run a month now, from a third terminal:
  prefect deployment run monthly-fostering-scorecard/monthly --param month=2020-03
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scorecard", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str, description: str, epilog: str, aliases: tuple[str, ...] = ()) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, aliases=list(aliases), help=help_text, description=description, epilog=epilog,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        return sub

    init = command("init", "create a council's project folder", "Create a council's scorecard project, every setting explained.", INIT_EPILOG)
    init.add_argument("directory", metavar="DIR", type=Path, help="the new project folder (must not exist, or be empty)")
    init.add_argument("--name", required=True, help="the council's name, as the pack shows it")
    init.add_argument("--la-code", required=True, metavar="CODE", help="the council's three-digit DfE LA code (e.g. 886 for Kent)")

    run = command("run", "produce the scorecard pack for one month", "Produce the scorecard pack for one month.", RUN_EPILOG)
    run.add_argument("--month", metavar="YYYY-MM", help="reporting month; default: the latest complete month before the extract date")
    _add_folders(run)
    run.add_argument("--no-prefect", action="store_true", help="run the same steps without Prefect (no flow run is recorded)")
    _add_verbose(run)

    verify = command("verify", "re-run a published month from its archived inputs and compare every byte",
                     "Re-run a published month and prove it gives the same bytes.", VERIFY_EPILOG, aliases=("rerun",))
    verify.add_argument("--month", metavar="YYYY-MM", required=True, help="the published month to re-run")
    verify.add_argument("--version", metavar="N", type=int, help="which version of the month (default: the newest)")
    _add_project(verify)
    verify.add_argument("--output", metavar="DIR", type=Path, help="the output folder the month was published in (default: the project's)")
    verify.add_argument("--extracts", metavar="DIR", type=Path, help="re-run from this folder instead of the archived inputs")
    verify.add_argument("--keep", metavar="DIR", type=Path, help="keep the re-run's files in DIR to inspect them (they hold personal data)")
    _add_verbose(verify)

    backfill = command("backfill", "produce every month in a range, and the history series",
                       "Produce every month from --from to --to (inclusive) from one set of extracts.", BACKFILL_EPILOG)
    backfill.add_argument("--from", dest="first", metavar="YYYY-MM", required=True, help="first month")
    backfill.add_argument("--to", dest="last", metavar="YYYY-MM", required=True, help="last month (must have ended before the extract date)")
    _add_folders(backfill)
    backfill.add_argument("--no-prefect", action="store_true", help="run without Prefect (no flow run is recorded)")
    _add_verbose(backfill)

    serve = command("serve", "run the monthly schedule against a running Prefect server",
                    "Serve the monthly deployment (and a backfill deployment) to a Prefect server.", SERVE_EPILOG)
    _add_folders(serve)
    _add_verbose(serve)
    return parser


def _add_project(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", metavar="DIR", type=Path, help="the council's project folder (default: found from the current folder)")


def _add_folders(parser: argparse.ArgumentParser) -> None:
    _add_project(parser)
    parser.add_argument("--extracts", metavar="DIR", type=Path, help="folder holding the extract CSV files (default: the project's)")
    parser.add_argument("--output", metavar="DIR", type=Path, help="folder for the packs; the month goes in DIR/YYYY-MM (default: the project's)")


def _add_verbose(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--verbose", action="store_true", help="also show Prefect's and the libraries' own log lines, and each file's counts")


def load_flows():
    """The flows module (flows/ in the repository, fostering_scorecard.flows when installed)."""
    from .flows import monthly_scorecard

    return monthly_scorecard


def configure_logging(verbose: bool) -> None:
    """By default the command's own progress lines only: libraries speak up at WARNING. Prefect
    still sends each run's INFO log to its server (the API handler); only its console copy is
    quietened. --verbose shows everything."""
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(message)s")
    for handler in logging.getLogger().handlers:  # records propagated from Prefect's INFO loggers too
        handler.setLevel(level)
    for name in ("great_expectations", "fostering_scorecard"):
        logging.getLogger(name).setLevel(level)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    environment.apply()
    configure_logging(getattr(args, "verbose", False))
    from .pack import allow_worker_processes

    allow_worker_processes()  # this command's main module is import-safe for worker processes

    from .errors import UserError
    from .publish import ArchiveError, MonthLocked

    command = {"init": _init, "run": _run, "verify": _verify, "rerun": _verify, "backfill": _backfill, "serve": _serve}[args.command]
    try:
        return command(args)
    except UserError as exc:
        print(f"\nThe run stopped: something needs fixing.\n  {exc}", file=sys.stderr)
        return 1
    except (MonthLocked, ArchiveError, ValueError) as exc:
        print(f"\nThe run stopped: {exc}", file=sys.stderr)
        return 1


def _open_project(args):
    from .project import open_project

    return open_project(args.project).with_folders(getattr(args, "extracts", None), getattr(args, "output", None))


def _init(args) -> int:
    from .project import init

    folder = init(args.directory, args.name, args.la_code)
    print(f"Created the scorecard project for {args.name} in {folder}:")
    print("  scorecard.toml  the council, its folders and options (each explained)")
    print("  targets.toml    targets and tolerances per financial year")
    print("  mappings/       column mappings, if your system's files differ from the data contract")
    print("  extracts/       save each month's extracts and extract.toml here")
    print(f"Next: set the targets, save the extracts, then run  scorecard run  inside {folder}.")
    return 0


def _run(args) -> int:
    # The Prefect API server (when none is configured) starts first, on the other core, while
    # this process imports its libraries (prefect_api.py explains).
    early_api = None if args.no_prefect else prefect_api.start_early()
    project = _open_project(args)
    from . import run
    from .progress import ConsoleProgress

    month = args.month or run.default_month(project.extracts_dir)
    run.preflight(project, month)
    print(f"Scorecard for {month}: {project.settings.council_name}, extracts from {project.extracts_dir}", flush=True)
    progress = ConsoleProgress(verbose=args.verbose)
    with run.listening(progress):
        if args.no_prefect:
            run.warm_up()
            run.run_month(project, month)
        else:
            flows = load_flows()
            run.warm_up()  # after Prefect's own imports: they would only compete
            with prefect_api.using(early_api), prefect_api.private_storage():
                flows.monthly_scorecard(month=month, **_flow_folders(project))
    month_dir = project.outputs_dir / month
    published = progress.last("publish")
    print(f"\nDone in {progress.seconds:.1f} s: {month} {published.summary if published else 'not published'}.")
    print(f"  The pack: {month_dir / 'scorecard_pack.pdf'} (and .html, .xlsx); public/ holds the copy to publish.")
    if progress.rows_line():
        print(f"  {progress.rows_line()}")
    return 0


def _flow_folders(project) -> dict:
    return {"project_dir": str(project.root), "extracts_dir": str(project.extracts_dir), "output_dir": str(project.outputs_dir)}


def _verify(args) -> int:
    project = _open_project(args)
    from . import run
    from .progress import ConsoleProgress

    print(f"Re-running {args.month} from {'its archived inputs' if args.extracts is None else args.extracts} ...", flush=True)
    progress = ConsoleProgress(verbose=args.verbose)
    with run.listening(progress):
        report = run.verify_month(project, args.month, version=args.version, extracts_dir=args.extracts, keep_scratch=args.keep)
    print(report.text())
    return 0 if report.reproduced else 1


def _backfill(args) -> int:
    early_api = None if args.no_prefect else prefect_api.start_early()
    project = _open_project(args)
    from . import run
    from .progress import ConsoleProgress

    months = run.months_between(args.first, args.last)
    run.preflight(project, args.last)
    print(f"Backfill of {len(months)} months, {args.first} to {args.last}: {project.settings.council_name}, extracts from {project.extracts_dir}", flush=True)
    progress = ConsoleProgress(show_month=True, verbose=args.verbose)
    with run.listening(progress):
        if args.no_prefect:
            run.warm_up()
            run.backfill(project, args.first, args.last)
        else:
            flows = load_flows()
            run.warm_up()
            with prefect_api.using(early_api), prefect_api.private_storage():
                flows.backfill_scorecard(first_month=args.first, last_month=args.last, **_flow_folders(project))
    statuses = [e.counts.get("status") for e in progress.published()]
    counted = ", ".join(f"{statuses.count(s)} {s}" for s in ("published", "restated", "unchanged", "skipped") if statuses.count(s))
    print(f"\nDone in {progress.seconds:.1f} s: {len(months)} months ({counted}).")
    print(f"  The months are in {project.outputs_dir}; every indicator by month is in {project.outputs_dir / 'scorecard_series.csv'}.")
    if progress.rows_line():
        print(f"  {progress.rows_line()}")
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
    project = _open_project(args)
    print(f"Serving the monthly scorecard for {project.settings.council_name}: 07:00 on the 5th of each month (Europe/London). Ctrl+C stops.", flush=True)
    flows = load_flows()
    with prefect_api.private_storage():
        flows.serve(**_flow_folders(project))
    return 0


if __name__ == "__main__":
    sys.exit(main())
