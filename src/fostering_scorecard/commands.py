"""What each `scorecard` command does, once cli.py has read its arguments: find the council's
project, then hand the work to the run spine (run.py), directly or through the Prefect flows,
and print the summary. Heavy modules are imported inside the commands, after the command line
is read, so `scorecard --help` stays instant."""

from __future__ import annotations

import os
import sys

from . import gx_process, prefect_api


def load_flows():
    """The flows module (flows/ in the repository, fostering_scorecard.flows when installed)."""
    from .flows import monthly_scorecard

    return monthly_scorecard


def _open_project(args):
    from .project import open_project

    return open_project(args.project).with_folders(getattr(args, "extracts", None), getattr(args, "output", None))


def init_command(args) -> int:
    from .project import init

    folder = init(args.directory, args.name, args.la_code)
    print(f"Created the scorecard project for {args.name} in {folder}:")
    print("  scorecard.toml  the council, its folders and options (each explained)")
    print("  targets.toml    targets and tolerances per financial year")
    print("  mappings/       column mappings, if your system's files differ from the data contract")
    print("  extracts/       save each month's extracts and extract.toml here")
    print(f"Next: set the targets, save the extracts, then run  scorecard run  inside {folder}.")
    return 0


def check_command(args) -> int:
    gx_process.start_early()
    project = _open_project(args)
    from . import run
    from .progress import ConsoleProgress

    month = args.month or run.default_month(project.extracts_dir, args.extract_date)
    print(f"Checking the extracts for {month}: {project.settings.council_name}, from {project.extracts_dir}", flush=True)
    progress = ConsoleProgress(verbose=args.verbose)
    with run.listening(progress):
        result = run.check_month(project, month, extract_date=args.extract_date)
    print(f"\nThe data-quality report is in {result.report_dir}:")
    print("  data_quality.csv: rows read, accepted and set aside per file, and per rule")
    print("  internal/quarantine.csv: every row set aside, with its line, column, rule and reason (holds record ids)")
    if result.publishable:
        print(f"{month} would be published: no extract has more than {result.limit:.1%} of its rows set aside.")
        return 0
    print(f"{month} would NOT be published:")
    for problem in result.over_limit:
        print("  " + problem.text(result.limit))
    print("Fix the rows (or the column mapping) and check again; `scorecard run --allow-quarantine` would publish anyway.")
    return 1


def _options(args):
    from .run import RunOptions

    return RunOptions(allow_quarantine=args.allow_quarantine, reason=args.reason)


def run_command(args) -> int:
    # The Prefect API server (when none is configured) starts first, on the other core, while
    # this process imports its libraries (prefect_api.py explains).
    early_api = None if args.no_prefect else prefect_api.start_early()
    gx_process.start_early()  # Great Expectations' 4-second import, on the other core from now on
    project = _open_project(args)
    from . import run
    from .progress import ConsoleProgress

    month = args.month or run.default_month(project.extracts_dir, args.extract_date)
    run.preflight(project, month)
    print(f"Scorecard for {month}: {project.settings.council_name}, extracts from {project.extracts_dir}", flush=True)
    progress = ConsoleProgress(verbose=args.verbose)
    _run_steps(args, early_api, progress,
               direct=lambda: run.run_month(project, month, options=_options(args), extract_date=args.extract_date),
               through_prefect=lambda flows: flows.monthly_scorecard(month=month, **_flow_folders(project), **_flow_options(args)))
    month_dir = project.outputs_dir / month
    published = progress.last("publish")
    print(f"\nDone in {progress.seconds:.1f} s: {month} {published.summary if published else 'not published'}.")
    print(f"  The pack: {month_dir / 'scorecard_pack.pdf'} (and .html, .xlsx); public/ holds the copy to publish.")
    if progress.rows_line():
        print(f"  {progress.rows_line()}")
    return 0


def _run_steps(args, early_api, progress, direct, through_prefect) -> None:
    """The spine's steps, with the progress lines: directly (--no-prefect), or through the
    Prefect flow on the temporary (or configured) API."""
    from . import run

    with run.listening(progress):
        if args.no_prefect:
            run.warm_up()
            direct()
        else:
            flows = load_flows()
            run.warm_up()  # after Prefect's own imports: they would only compete
            with prefect_api.using(early_api), prefect_api.private_storage():
                through_prefect(flows)


def _flow_folders(project) -> dict:
    return {"project_dir": str(project.root), "extracts_dir": str(project.extracts_dir), "output_dir": str(project.outputs_dir)}


def _flow_options(args) -> dict:
    return {
        "extract_date": args.extract_date.isoformat() if args.extract_date else None,
        "allow_quarantine": args.allow_quarantine,
        "reason": args.reason,
    }


def verify_command(args) -> int:
    """Re-run published months and compare. Needs only the output folder: the project a month
    was made with is rebuilt from the files archived with it. Exits with the kind of difference
    found (publish.verify: 0 reproduced, 3 figures, 4 rendering, 5 environment, 6 edited, 7
    archive), the most serious one for --all."""
    gx_process.start_early()
    output = args.output or _open_project(args).outputs_dir
    from . import publish, run
    from .progress import ConsoleProgress

    progress = ConsoleProgress(verbose=args.verbose, show_month=args.all)
    if args.all:
        print(f"Re-running every month published in {output} from its archived inputs ...", flush=True)
        with run.listening(progress):
            reports = run.verify_all(None, output)
        for report in reports:
            if not report.reproduced:
                print(report.text())
        print(publish.summary_text(reports))
        return publish.overall_exit_code(reports)
    print(f"Re-running {args.month} from {'its archived inputs' if args.extracts is None else args.extracts} ...", flush=True)
    with run.listening(progress):
        report = run.verify_month(None, args.month, output, version=args.version, extracts_dir=args.extracts, keep_scratch=args.keep)
    print(report.text())
    return report.exit_code


def versions_command(args) -> int:
    output = args.output or _open_project(args).outputs_dir
    from .publish import audit

    print(audit.format_version_rows(audit.version_rows(output, args.month)))
    return 0


def backfill_command(args) -> int:
    early_api = None if args.no_prefect else prefect_api.start_early()
    gx_process.start_early()  # Great Expectations' 4-second import, on the other core from now on
    project = _open_project(args)
    from . import run
    from .progress import ConsoleProgress

    months = run.months_between(args.first, args.last)
    run.extract_info(project.extracts_dir, args.extract_date)  # the extract date first: it is needed for everything
    run.preflight(project, args.last)
    print(f"Backfill of {len(months)} months, {args.first} to {args.last}: {project.settings.council_name}, extracts from {project.extracts_dir}", flush=True)
    progress = ConsoleProgress(show_month=True, verbose=args.verbose)
    _run_steps(args, early_api, progress,
               direct=lambda: run.backfill(project, args.first, args.last, options=_options(args), extract_date=args.extract_date),
               through_prefect=lambda flows: flows.backfill_scorecard(first_month=args.first, last_month=args.last,
                                                                      **_flow_folders(project), **_flow_options(args)))
    statuses = [e.counts.get("status") for e in progress.published()]
    counted = ", ".join(f"{statuses.count(s)} {s}" for s in ("published", "restated", "unchanged") if statuses.count(s))
    print(f"\nDone in {progress.seconds:.1f} s: {len(months)} months ({counted}).")
    print(f"  The months are in {project.outputs_dir}; every indicator by month is in {project.outputs_dir / 'scorecard_series.csv'}.")
    if progress.rows_line():
        print(f"  {progress.rows_line()}")
    return 0


def serve_command(args) -> int:
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
        prefect_api.serve(*flows.served_deployments(**_flow_folders(project)))
    print("Stopped serving.", flush=True)
    return 0
