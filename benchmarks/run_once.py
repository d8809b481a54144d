"""One measurement in a fresh process; prints one JSON object as the last line of stdout.

Run by benchmarks/run_benchmarks.py (never imported by the pipeline). Every kind goes through
the run spine (fostering_scorecard.run), with a runner whose events give each step's seconds:

  stages    imports, then run.run_month for one month without Prefect, each step timed
            (--no-publish: the publish step is not run)
  backfill  imports, then run.backfill over N months from one ingest and validation (the
            shared month cache and models connection); compute only unless --publish
  rules     imports, then the spine's prepare / ingest / validate (run.check_extracts) against
            the same single-row rules (not-null, in-set, ranges, date order, key uniqueness)
            written as one DuckDB query per extract straight over the CSV files
  pack      imports, then the spine's prepare / ingest / validate / compute for one month, then
            pack.write_pack (both audiences, every format) --repeat times into fresh folders:
            CPU seconds of this process and its children (resource.getrusage) and wall seconds
            of each; the first includes what a run pays once (typst's fonts, the templates)

Usage: python benchmarks/run_once.py KIND --extracts DIR --output DIR --month YYYY-MM
         [--project DIR] [--months N] [--no-publish | --publish] [--repeat N]
         [--profile STAGE --profile-out FILE]

Timings are wall-clock seconds (time.perf_counter); peak memory is ru_maxrss of this process
(Linux: KiB), and of its largest child process if any. Nothing printed holds a record id.
"""

from __future__ import annotations

import time

PROCESS_START = time.perf_counter()

import argparse
import importlib
import json
import os
import resource
import sys
from pathlib import Path

# In the order a run meets them; each entry is charged only what it adds to the ones before.
HEAVY_IMPORTS = [
    ("pandas", "pandas"),
    ("duckdb", "duckdb"),
    ("matplotlib", "matplotlib.pyplot"),
    ("fostering_scorecard", "fostering_scorecard.run"),
    ("great_expectations", "great_expectations"),
    ("xlsxwriter", "xlsxwriter"),
]


def peak_memory_mib() -> dict:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mib": round(own, 1), "peak_rss_children_mib": round(children, 1)}


def timed_imports() -> dict:
    times = {}
    for label, module in HEAVY_IMPORTS:
        start = time.perf_counter()
        try:
            importlib.import_module(module)
        except ImportError:  # an optional library not installed: nothing to charge
            continue
        times[label] = round(time.perf_counter() - start, 4)
    return times


class Clock:
    """Adds up wall time per named stage: the spine's step events, and wrapped functions."""

    def add(self, name: str, seconds: float) -> None:
        self.stages[name] = self.stages.get(name, 0.0) + seconds

    def __init__(self, profile: str | None = None, profile_out: str | None = None) -> None:
        self.stages: dict[str, float] = {}
        self.by_month: dict[str, dict[str, float]] = {}
        self.profile, self.profile_out = profile, profile_out
        self._profiler = None

    # As a listener of the spine's events: each step's seconds.
    def step_started(self, step: str, month: str | None) -> None:
        if step in (self.profile or "").split(","):  # cProfile these steps; stats to <profile_out>.<step>
            import cProfile

            self._profiler = cProfile.Profile()
            self._profiler.enable()

    def step_finished(self, event) -> None:
        if self._profiler is not None:
            self._profiler.disable()
            self._profiler.dump_stats(f"{self.profile_out}.{event.step}")
            self._profiler = None
        self.add(event.step, event.seconds)
        if event.month:
            self.by_month.setdefault(event.month, {})[event.step] = round(event.seconds, 4)

    def wrap(self, owner, attribute: str, name: str) -> None:
        """Time every call of owner.attribute (a module function or a class method) under name."""
        original = getattr(owner, attribute)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - start)

        setattr(owner, attribute, timed)


def time_great_expectations(clock: Clock) -> None:
    """Charge the Great Expectations part of validation (context set-up and suite runs) to
    its own line, so validation can be split into GX and the rest (typing, keys, SQL checks)."""
    from fostering_scorecard import validation

    clock.wrap(validation.SuiteRunner, "__init__", "validate_gx_setup")
    clock.wrap(validation.SuiteRunner, "outcomes", "validate_gx_suites")  # Great Expectations itself, per extract


def spine_runner(clock: Clock, publish: bool):
    """The spine's runner, timed by the clock; without publish, the publish step is not run."""
    from fostering_scorecard import run

    class Runner(run.Runner):
        def step(self, step, month, function, *args, **kwargs):
            if step == "publish" and not publish:
                return None  # not run, not timed
            return super().step(step, month, function, *args, **kwargs)

    return Runner(clock)


def open_project(args):
    from fostering_scorecard import project

    return project.load(Path(args.project))


def stages(args, clock: Clock) -> dict:
    from fostering_scorecard import run

    time_great_expectations(clock)
    counts = {}

    class Counts:  # what was read and computed, from the spine's events (counts only)
        def step_started(self, step, month):
            pass

        def step_finished(self, event):
            counts[event.step] = event

    status = "not published (--no-publish)"
    runner = spine_runner(clock, args.publish)
    runner.listeners = (*runner.listeners, Counts())
    try:
        result = run.run_month(open_project(args), args.month, Path(args.extracts), Path(args.output), runner=runner)
        if args.publish:
            status = result.status
    except Exception as exc:  # noqa: BLE001 (any failure: the steps before still count, and it is reported, not hidden)
        if "compute" not in counts:
            raise
        clock.stages["publish_failed"] = clock.stages.pop("publish", 0.0)
        status = f"publish failed: {type(exc).__name__}: {str(exc)[:300]}"
    ingest = counts["ingest"]
    return {
        "rows_read": ingest.counts["rows_read"],
        "rows_by_extract": {detail.split(":")[0]: int(detail.split(": ")[1].split()[0].replace(",", "")) for detail in ingest.details},
        "metrics": counts["compute"].counts["indicators"],
        "status": status,
    }


def backfill(args, clock: Clock) -> dict:
    """run.backfill over the months ending at --month: compute only (the publish step is not
    run) unless --publish."""
    from fostering_scorecard import periods, run

    time_great_expectations(clock)
    first = periods.shift_month(args.month, -(args.months - 1))
    start = time.perf_counter()
    results = run.backfill(open_project(args), first, args.month, Path(args.extracts), Path(args.output), runner=spine_runner(clock, args.publish))
    clock.add("backfill", time.perf_counter() - start)
    months = sorted(clock.by_month)
    return {
        "months": len(results), "first_month": first, "last_month": args.month, "published": bool(args.publish),
        "compute_by_month": [clock.by_month[m].get("compute", 0.0) for m in months if "compute" in clock.by_month[m]],
    }


def rules_query(extract, suite: dict, parameters: dict, csv_path: Path, date_formats) -> str:
    """The suite's single-row rules as one aggregate query over the CSV: one count per rule.
    Values are typed with the pipeline's own casts, so both sides check the same values."""
    from fostering_scorecard.validation.types_and_keys import cast_sql

    columns = {c.name: c for c in extract.columns}
    typed = ", ".join(f'{cast_sql(c, date_formats)} AS "{c.name}"' for c in extract.columns)

    def literal(value) -> str:
        if isinstance(value, dict) and "$PARAMETER" in value:
            value = parameters[value["$PARAMETER"]]
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        return str(value)

    def bound(column: str, value) -> str:
        text = literal(value)
        return f"DATE {text}" if columns[column].type == "date" else text

    counts = []
    for number, expectation in enumerate(suite["expectations"]):
        kind, kw = expectation["type"], expectation["kwargs"]
        if kind == "expect_column_values_to_not_be_null":
            condition = f'"{kw["column"]}" IS NULL'
            if kw.get("row_condition"):  # `OTHER`.notnull(): required only when another is filled
                other = kw["row_condition"].split("`")[1]
                condition += f' AND "{other}" IS NOT NULL'
            counts.append(f"count(*) FILTER (WHERE {condition}) AS r{number}")
        elif kind == "expect_column_values_to_be_in_set":
            values = ", ".join(literal(v) for v in kw["value_set"])
            counts.append(f'count(*) FILTER (WHERE "{kw["column"]}" NOT IN ({values})) AS r{number}')
        elif kind == "expect_column_values_to_be_between":
            parts = []
            if kw.get("min_value") is not None:
                parts.append(f'"{kw["column"]}" < {bound(kw["column"], kw["min_value"])}')
            if kw.get("max_value") is not None:
                parts.append(f'"{kw["column"]}" > {bound(kw["column"], kw["max_value"])}')
            counts.append(f"count(*) FILTER (WHERE {' OR '.join(parts)}) AS r{number}")
        elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
            op = "<" if kw.get("or_equal") else "<="
            counts.append(f'count(*) FILTER (WHERE "{kw["column_A"]}" {op} "{kw["column_B"]}") AS r{number}')
        elif kind == "expect_column_values_to_be_unique":
            counts.append(f'count("{kw["column"]}") - count(DISTINCT "{kw["column"]}") AS r{number}')
        elif kind == "expect_compound_columns_to_be_unique":
            key = ", ".join(f'"{c}"' for c in kw["column_list"])
            counts.append(f"count(*) - count(DISTINCT ({key})) AS r{number}")
        else:
            raise ValueError(f"no DuckDB equivalent written for {kind}")
    path = str(csv_path).replace("'", "''")
    return (
        f"WITH typed AS (SELECT {typed} FROM read_csv('{path}', all_varchar = true, header = true)) "
        f"SELECT count(*) AS rows, {', '.join(counts)} FROM typed"
    )


def rules(args, clock: Clock) -> dict:
    import duckdb

    from fostering_scorecard import ingest, run, validation

    time_great_expectations(clock)
    ctx, validated = run.check_extracts(spine_runner(clock, publish=False), open_project(args), args.month, Path(args.extracts), Path(args.output))
    raws = {name: v.raw for name, v in validated.items()}
    del validated
    per_extract = {}
    con = duckdb.connect()
    try:
        start = time.perf_counter()
        for name, raw in sorted(raws.items()):
            extract = raw.extract
            query = rules_query(
                extract,
                validation.load_suite(extract),
                validation.suite_parameters(extract, ctx.extract_info.extract_date),
                raw.path,
                raw.date_formats or ingest.DEFAULT_DATE_FORMATS,
            )
            one = time.perf_counter()
            counts = con.execute(query).fetchone()
            per_extract[name] = {"seconds": round(time.perf_counter() - one, 4), "rows": counts[0], "rules": len(counts) - 1, "failing_rows": int(sum(counts[1:]))}
        clock.add("duckdb_rules", time.perf_counter() - start)
    finally:
        con.close()
    return {"duckdb_by_extract": per_extract, "rows_read": sum(len(r.rows) for r in raws.values())}


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its children that have ended."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def pack(args, clock: Clock) -> dict:
    """write_pack alone, on a month computed through the spine: CPU and wall of each call."""
    import statistics
    import tempfile

    from fostering_scorecard import pack as pack_module
    from fostering_scorecard import run, validation

    ctx, validated = run.check_extracts(spine_runner(clock, publish=False), open_project(args), args.month, Path(args.extracts), Path(args.output))
    figures = run.compute(ctx, validated)
    quality_folder = Path(tempfile.mkdtemp(dir=args.output))
    quality_rows = validation.write_quality_outputs(quality_folder, validated)
    calls = []
    for number in range(args.repeat):
        folder = Path(args.output) / f"pack-{number}"
        cpu, wall = cpu_seconds(), time.perf_counter()
        if args.profile and number == 0:
            import cProfile

            profiler = cProfile.Profile()
            profiler.runcall(pack_module.write_pack, folder, ctx, figures.rows, figures.history, quality_rows, breakdowns=figures.breakdowns)
            profiler.dump_stats(f"{args.profile_out}.pack")
        else:
            pack_module.write_pack(folder, ctx, figures.rows, figures.history, quality_rows, breakdowns=figures.breakdowns)
        calls.append({"cpu_s": round(cpu_seconds() - cpu, 4), "wall_s": round(time.perf_counter() - wall, 4)})
    clock.add("pack", sum(call["wall_s"] for call in calls))
    later = calls[1:] or calls
    return {
        "pack_calls": calls,
        "pack_first_cpu_s": calls[0]["cpu_s"],
        "pack_cpu_s": round(statistics.median(call["cpu_s"] for call in later), 4),
        "pack_wall_s": round(statistics.median(call["wall_s"] for call in later), 4),
        "pack_files": sum(1 for path in (Path(args.output) / "pack-0").rglob("*") if path.is_file()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["stages", "backfill", "rules", "pack"])
    parser.add_argument("--extracts", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--month", required=True)
    parser.add_argument("--project", default=str(Path(__file__).resolve().parents[1] / "data" / "sample"), help="the council project (default: the sample council)")
    parser.add_argument("--months", type=int, default=24, help="backfill: how many months, ending at --month")
    parser.set_defaults(publish=None)
    parser.add_argument("--no-publish", dest="publish", action="store_false", help="stop after compute (stages), or compute only (backfill)")
    parser.add_argument("--publish", dest="publish", action="store_true", help="backfill: publish every month too")
    parser.add_argument("--repeat", type=int, default=3, help="pack: how many times to write the pack (the first is reported apart)")
    parser.add_argument("--profile", metavar="STAGE", help="cProfile these stages (comma-separated, e.g. validate,publish; pack: any value profiles the first call)")
    parser.add_argument("--profile-out", metavar="FILE", default="stage.prof", help="the stats go to FILE.<stage>")
    args = parser.parse_args(argv)
    from fostering_scorecard import environment

    environment.apply()
    if args.publish is None:
        args.publish = args.kind == "stages"

    load = os.getloadavg()[0]
    clock = Clock(args.profile, args.profile_out)
    imports = timed_imports()
    clock.add("imports", sum(imports.values()))
    import logging

    logging.basicConfig(level=logging.WARNING)
    details = {"stages": stages, "backfill": backfill, "rules": rules, "pack": pack}[args.kind](args, clock)
    total = time.perf_counter() - PROCESS_START
    record = {
        "kind": args.kind,
        "month": args.month,
        "seconds": {name: round(value, 4) for name, value in clock.stages.items()},
        "total_in_process": round(total, 4),
        "imports_by_library": imports,
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
        **peak_memory_mib(),
        **details,
    }
    print(json.dumps(record, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
