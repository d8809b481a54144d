"""`scorecard`: the command an analyst runs. It reads the council's project, then hands the work
to the run spine (run.py), directly or through the Prefect flows. Heavy libraries are imported
only when needed, so `scorecard --help` is instant."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
from pathlib import Path

from . import environment, runtime

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
run again with the same inputs, project, code and libraries is left as it is. A month already
published is re-issued only with --reason "why": a new version with a change_note.md, the
earlier version kept unchanged. Inputs, project files and the data-quality baseline are kept
in OUTPUT/archive/ so `scorecard verify` can re-run any month later; every run, backfill and
verify is a line in OUTPUT/audit_log.jsonl.

commands:
  init      create a council's project folder, every setting explained
  check     check a month's extracts and write the data-quality report, publishing nothing
  run       produce one month's pack
  verify    re-run a published month from its archived inputs and compare every byte (alias: rerun)
  backfill  produce a range of months and the series of every indicator across them
  versions  list every published version of each month, with its reason
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

CHECK_EPILOG = """\
examples:
  scorecard check                                the project's extracts, latest complete month
  scorecard check --extracts "/shared/MIU/fostering/2020-04"

Reads and checks the extracts as `scorecard run` would, writes data_quality.csv and
internal/quarantine.csv (every row set aside, with its line, rule and reason; it holds record
ids) to OUTPUT/checks/YYYY-MM/, and says whether the month would be published: a month is not
published when more than the project's limit of an extract's rows is set aside ([quality] in
scorecard.toml, 2% by default). Exits 0 when the month would be published, 1 when not.
"""

RUN_EPILOG = """\
examples:
  scorecard run                                  latest complete month of the project's extracts
  scorecard run --month 2020-03
  scorecard run --project "/shared/MIU/scorecard" --extracts "/shared/MIU/fostering/2020-04"

The extracts folder must hold header.csv, episodes.csv, carers.csv, training.csv,
allegations.csv and enquiries.csv (see docs/data-contract.md), and an extract.toml with the
date the extracts were taken, e.g.  extract_date = 2020-04-05  (or pass --extract-date).

A month is not published when more than the project's limit of any extract's rows is set aside
(2% by default): run `scorecard check` to see why, fix the data, run again; or publish anyway
with --allow-quarantine (recorded in the manifest, shown on the pack's cover). A month already
published is re-issued as a new version only with --reason "why".
"""

VERIFY_EPILOG = """\
examples:
  scorecard verify --month 2020-03                  newest version of March 2020
  scorecard verify --month 2020-03 --version 1      the version first published
  scorecard verify --month 2020-03 --extracts "/shared/MIU/fostering/latest"
                                                    would today's extracts change March 2020?

First every file of the version is checked against the sha256 its manifest recorded (a file
edited after publishing is named). Then the month is re-run in a temporary folder from the
inputs, project files and data-quality baseline archived when it was published (or from
--extracts), and every output and the manifest are compared byte for byte. It prints
REPRODUCED, or NOT REPRODUCED with the kind of difference, each file that differs, which
indicators moved and why. Needs only the output folder: no project is read. Nothing in the
output folder is changed. Exit codes:
  0  reproduced                    4  same figures, different bytes (rendering)
  3  the figures differ            5  only the recorded environment differs
  6  a file was edited after it was published
  7  an archived input is missing or damaged
  (1: stopped with a message; 2: the command line is wrong). With --all, the most serious.
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

    check = command("check", "check a month's extracts and write the data-quality report, publishing nothing",
                    "Check a month's extracts and say whether the month would be published.", CHECK_EPILOG)
    check.add_argument("--month", metavar="YYYY-MM", help="reporting month; default: the latest complete month before the extract date")
    _add_folders(check)
    _add_extract_date(check)
    _add_verbose(check)

    run = command("run", "produce the scorecard pack for one month", "Produce the scorecard pack for one month.", RUN_EPILOG)
    run.add_argument("--month", metavar="YYYY-MM", help="reporting month; default: the latest complete month before the extract date")
    _add_folders(run)
    _add_extract_date(run)
    _add_publishing(run)
    run.add_argument("--no-prefect", action="store_true", help="run the same steps without Prefect (no flow run is recorded)")
    _add_verbose(run)

    verify = command("verify", "re-run a published month from its archived inputs and compare every byte",
                     "Re-run a published month (or all) and prove it gives the same bytes.", VERIFY_EPILOG, aliases=("rerun",))
    chosen = verify.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--month", metavar="YYYY-MM", help="the published month to re-run")
    chosen.add_argument("--all", action="store_true", help="every published month (its newest version)")
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
    _add_extract_date(backfill)
    _add_publishing(backfill)
    backfill.add_argument("--no-prefect", action="store_true", help="run without Prefect (no flow run is recorded)")
    _add_verbose(backfill)

    versions = command("versions", "list every published version of each month, with its reason",
                       "List the published versions of every month (or one), with when and why each was issued.", "")
    versions.add_argument("--month", metavar="YYYY-MM", help="only this month")
    _add_project(versions)
    versions.add_argument("--output", metavar="DIR", type=Path, help="the output folder (default: the project's)")

    serve = command("serve", "run the monthly schedule against a running Prefect server",
                    "Serve the monthly deployment (and a backfill deployment) to a Prefect server.", SERVE_EPILOG)
    _add_folders(serve)
    _add_verbose(serve)

    # --- scorecard region: many councils at once (commands_region.py) ---
    region_epilog = """\
examples:
  scorecard region run --region south-east --month 2025-03 --local-workers 2
                        a Prefect server and 2 workers on this machine, stopped at the end
  scorecard region run --region south-east --month 2025-03
                        on the workers of the Prefect server at PREFECT_API_URL
  scorecard region worker --region south-east      a worker for the region's work pool
  scorecard region pack --region south-east --month 2025-03

A region is a folder whose region.toml names the member councils' project folders
(docs/operations.md, "Regions"). Each council's month runs as its own flow run, reading only
its project's extracts and writing only its project's output folder; a council that fails
does not stop the others and is named with its reason. The regional pack (PDF, HTML, workbook,
tidy CSV) is built only from the councils' published public/scorecard.csv files.
"""
    region = command("region", "run the scorecards of many councils at once, and the regional pack",
                     "Run every member council of a region on a Prefect work pool, and compare them.", region_epilog)
    actions = region.add_subparsers(dest="region_action", metavar="ACTION", required=True)

    def whole_number(least: int):
        def check(text: str) -> int:
            try:
                value = int(text)
            except ValueError:
                value = None
            if value is None or value < least:
                raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of {least} or more")
            return value

        return check

    def region_action(name: str, help_text: str) -> argparse.ArgumentParser:
        action = actions.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".",
                                    epilog=region_epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
        return action

    region_run = region_action("run", "run every council's month as a flow run on the region's work pool, then write the regional pack")
    region_run.add_argument("--region", metavar="DIR", type=Path, required=True, help="the region's folder (holding region.toml)")
    region_run.add_argument("--month", metavar="YYYY-MM", help="reporting month; default: the latest complete month of the councils' extracts (they must agree)")
    region_run.add_argument("--local-workers", metavar="N", type=whole_number(0), default=0,
                            help="start a Prefect server and N workers on this machine for this run, stopped at its end "
                                 "(default 0: use the workers of the server at PREFECT_API_URL)")
    region_run.add_argument("--concurrency", metavar="N", type=whole_number(1),
                            help="at most N councils run at once across every worker (a Prefect global concurrency limit; "
                                 "default: region.toml's concurrency, or 2)")
    region_run.add_argument("--reason", metavar="WORDS", help="why a month a council has already published is re-issued (required to re-issue it)")
    _add_verbose(region_run)

    region_worker = region_action("worker", "serve the region's work pool: run councils' flow runs on this machine until stopped")
    pool = region_worker.add_mutually_exclusive_group()
    pool.add_argument("--region", metavar="DIR", type=Path, help="the region's folder: its region.toml names the work pool")
    pool.add_argument("--pool", metavar="NAME", help="the work pool (default: fostering-scorecard)")
    region_worker.add_argument("--work-queue", metavar="QUEUE", action="append", help="take runs only from this queue (repeatable; default: all)")
    region_worker.add_argument("--limit", metavar="N", type=whole_number(1), default=1, help="councils run at once by this worker (default 1)")
    region_worker.add_argument("--name", metavar="NAME", help="the worker's name in Prefect (default: one Prefect makes up)")
    _add_verbose(region_worker)

    region_pack = region_action("pack", "write the regional pack again from what the councils have published, running nothing")
    region_pack.add_argument("--region", metavar="DIR", type=Path, required=True, help="the region's folder (holding region.toml)")
    region_pack.add_argument("--month", metavar="YYYY-MM", required=True, help="reporting month")
    _add_verbose(region_pack)
    # --- end of scorecard region ---
    return parser


def _add_project(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", metavar="DIR", type=Path, help="the council's project folder (default: found from the current folder)")


def _add_folders(parser: argparse.ArgumentParser) -> None:
    _add_project(parser)
    parser.add_argument("--extracts", metavar="DIR", type=Path, help="folder holding the extract CSV files (default: the project's)")
    parser.add_argument("--output", metavar="DIR", type=Path, help="folder for the packs; the month goes in DIR/YYYY-MM (default: the project's)")


def extract_date_argument(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD (for example 2020-04-05)") from None
    # A date after today is refused by the run, with the other extract-date checks (ingest).


def _add_extract_date(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--extract-date", metavar="YYYY-MM-DD", type=extract_date_argument,
                        help="the day the extracts were taken, when the extracts folder has no extract.toml")


def _add_publishing(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--allow-quarantine", action="store_true",
                        help="publish although an extract is over the project's limit of rows set aside (recorded, and shown on the pack)")
    parser.add_argument("--reason", metavar="WORDS", help="why a month already published is re-issued (required to re-issue it)")


def _add_verbose(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--verbose", action="store_true", help="also show Prefect's and the libraries' own log lines, and each file's counts")


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
    logging.getLogger("fostering_scorecard").setLevel(level)
    # Great Expectations logs its own set-up at INFO (function registrations, temporary folders):
    # noise even when verbose; its warnings still show.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request to the Prefect API


def main(argv: list[str] | None = None) -> int:
    """The command. Ctrl-C, SIGTERM or SIGHUP at any point prints one line (no traceback) and
    exits 130 (Ctrl-C) or 128 + the signal's number; once the command has printed its outcome,
    one ends the process at once with that outcome's exit code (runtime.on_program_stop).

    argv None: run as the program (the `scorecard` script, python -m), whose signal handlers
    it sets for the rest of the process; a caller in the same process (a test) passes argv."""
    as_the_program = argv is None
    if as_the_program:
        runtime.handle_stops_for_the_program()
    try:
        exit_code = _main(argv)
    except KeyboardInterrupt as stop:  # runtime.Stopped is one
        message, exit_code = runtime.stopped_message(stop)
        if as_the_program:
            runtime.the_program_ends_with(exit_code)  # first: a second stop ends it at once
        print(f"\n{message}", file=sys.stderr, flush=True)
    if as_the_program:
        runtime.the_program_ends_with(exit_code)
    return exit_code


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    environment.apply()
    configure_logging(getattr(args, "verbose", False))
    from .errors import RunProblem, UserError

    from . import commands, commands_region

    command = {"init": commands.init_command, "check": commands.check_command, "run": commands.run_command,
               "verify": commands.verify_command, "rerun": commands.verify_command, "backfill": commands.backfill_command,
               "versions": commands.versions_command, "serve": commands.serve_command,
               "region": commands_region.region_command}[args.command]
    try:
        # One run folder for every temporary file, the command's processes stopped with it,
        # SIGTERM and SIGHUP handled as Ctrl-C: nothing is left behind however it ends.
        with runtime.leave_nothing_behind():
            return command(args)
    except UserError as exc:
        print(f"\nThe run stopped: something needs fixing.\n  {exc}", file=sys.stderr)
        return 1
    except (RunProblem, ValueError) as exc:  # RunProblem: another run holds the month, an archive is damaged, ...
        print(f"\nThe run stopped: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the disk, not the data: a full disk, a read-only or missing folder, permissions
        print(f"\nThe run stopped: {disk_problem(exc)}", file=sys.stderr)
        return 1


DISK_PROBLEMS = {
    errno.ENOSPC: ("the disk is full", "free some space, or write the packs elsewhere with --output (or [folders] outputs in scorecard.toml)"),
    errno.EDQUOT: ("the disk quota is used up", "free some space, or write the packs elsewhere with --output"),
    errno.EROFS: ("the folder is on a read-only disk", "choose a folder you can write to with --output (or [folders] outputs in scorecard.toml)"),
    errno.EACCES: ("permission denied", "check that you may read the extracts and write to the output folder, or choose another with --output"),
    errno.EPERM: ("permission denied", "check that you may read the extracts and write to the output folder, or choose another with --output"),
    errno.ENOENT: ("a folder or file does not exist", "check the --extracts and --output paths, and [folders] in scorecard.toml"),
    errno.ENOTDIR: ("part of the path is a file, not a folder", "check the --extracts and --output paths, and [folders] in scorecard.toml"),
}


def disk_problem(exc: OSError) -> str:
    """A file-system error in words, with the fix (the path is the user's own; no data is quoted)."""
    problem, fix = DISK_PROBLEMS.get(exc.errno, (exc.strerror or "the file system refused", "check the folders and try again"))
    where = f" ({exc.filename})" if exc.filename else ""
    return f"could not read or write a file{where}: {problem}. Nothing of this month was published.\n  How to fix: {fix}."


if __name__ == "__main__":
    sys.exit(main())
