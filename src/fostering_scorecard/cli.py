"""`scorecard`: the command an analyst runs. Heavy libraries are imported only when needed,
so `scorecard --help` is instant."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from .config import DEFAULT_EXTRACTS_DIR, DEFAULT_OUTPUT_DIR, PROJECT_ROOT

PRIVATE_ENVIRONMENT = {
    # No telemetry from any library, no Prefect results or caches written to disk.
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
    "PREFECT_TASKS_DEFAULT_PERSIST_RESULT": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "TQDM_DISABLE": "1",
    "PREFECT_LOGGING_LEVEL": "INFO",
}

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
  manifest.json          what went in (file hashes, row counts) and what came out
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
    run.add_argument("--extracts", metavar="DIR", type=Path, default=DEFAULT_EXTRACTS_DIR, help="folder holding the extract CSV files (default: data/sample)")
    run.add_argument("--output", metavar="DIR", type=Path, default=DEFAULT_OUTPUT_DIR, help="folder for the packs; the month goes in DIR/YYYY-MM (default: outputs)")
    run.add_argument("--no-prefect", action="store_true", help="run the same steps without Prefect (no flow run is recorded)")
    return parser


def load_flow():
    """The flow lives in flows/ (the deployment's entry point); load it from there."""
    path = PROJECT_ROOT / "flows" / "monthly_scorecard.py"
    spec = importlib.util.spec_from_file_location("monthly_scorecard_flow", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.monthly_scorecard


def configure_environment() -> None:
    for key, value in PRIVATE_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    os.umask(0o077)  # files written by the pipeline are readable by their owner only


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "run":
        parser.print_help()
        return 2
    configure_environment()

    import logging

    from .ingest import ExtractError
    from .pipeline import default_month, preflight, run_month

    # Our own progress lines only; libraries speak up at WARNING and above.
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("fostering_scorecard").setLevel(logging.INFO)
    try:
        month = args.month or default_month(args.extracts)
        preflight(month, args.extracts)
        print(f"Scorecard for {month} from {args.extracts}", flush=True)
        if args.no_prefect:
            month_dir = run_month(month, args.extracts, args.output).month_dir
        else:
            month_dir = load_flow()(month=month, extracts_dir=str(args.extracts), output_dir=str(args.output))
    except ExtractError as exc:
        print(f"\nThe run stopped: a file needs fixing.\n  {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"\nThe run stopped: {exc}", file=sys.stderr)
        return 1
    print(f"Done: the pack is in {month_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
