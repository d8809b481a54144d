"""The benchmark script (benchmarks/) runs, and what it compares and reports is right.

No timings are asserted here (they depend on the machine and its load): docs/performance.md
holds the measured numbers. These tests check that the script works at the smallest scale,
that its DuckDB version of the validation rules counts the same failures a reader would, and
that budgets are judged the right way round.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from fostering_scorecard import definitions, ingest, validation

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_once = _load("run_once")
run_benchmarks = _load("run_benchmarks")


def test_quick_benchmark_runs_the_real_pipeline_stages_on_the_sample(tmp_path):
    """--quick: the first rows of each sample extract, one fresh process, the run spine up to compute, no Prefect."""
    results, doc = tmp_path / "results.json", tmp_path / "performance.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    finished = subprocess.run(
        [sys.executable, str(BENCH / "run_benchmarks.py"), "--quick", "--results", str(results), "--doc", str(doc), "--notes", str(tmp_path / "none.md")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]

    council = json.loads(results.read_text())["measurements"]["stages"]["council"]
    assert council["median"]["repetitions"] == 1
    seconds = council["median"]["seconds"]
    assert seconds["prepare"] >= 0  # reading extract.toml: well under the 0.1 ms it is rounded to
    for stage in ("imports", "ingest", "validate", "compute"):
        assert seconds[stage] > 0, stage
    assert "publish" not in seconds  # --quick stops after compute
    process = council["runs"][0]["process"]
    assert process["rows_read"] >= sum(process["rows_by_extract"].values()) > 0
    assert process["metrics"] > 0
    assert council["median"]["peak_rss_mib"] > 0
    text = doc.read_text()
    assert "| council (1x) |" in text
    assert "## Machine" in text


ALLEGATIONS_HEADER = "allegation_id,household_id,date_received,category,lado_referral_date,outcome,date_concluded"
ALLEGATIONS = [
    "A1,H1,01/04/2019,PHYSICAL,02/04/2019,UNFOUNDED,10/05/2019",  # clean
    "A2,,01/05/2019,NEGLECT,,,",  # household_id missing
    "A3,H2,01/06/2019,SHOUTING,,,",  # category not a code
    "A3,H3,01/07/2019,SEXUAL,,,",  # allegation_id repeated (one extra copy)
    "A5,H4,10/08/2019,EMOTIONAL,,SUBSTANTIATED,01/08/2019",  # concluded before received
    "A6,H5,01/09/2019,PHYSICAL,,,15/09/2019",  # concluded but no outcome
    "A7,H6,01/05/2021,PHYSICAL,,,",  # received after the extract date (05/04/2020)
]


def test_duckdb_rules_query_counts_each_rule_failure_once(tmp_path):
    extract = definitions.load().extracts["allegations"]
    csv_path = tmp_path / "allegations.csv"
    csv_path.write_text("\n".join([ALLEGATIONS_HEADER, *ALLEGATIONS]) + "\n")
    suite = validation.load_suite(extract)
    extract_date = dt.date(2020, 4, 5)
    query = run_once.rules_query(extract, suite, validation.suite_parameters(extract, extract_date), csv_path, ingest.DEFAULT_DATE_FORMATS)
    counts = duckdb.connect().execute(query).fetchone()

    # One failing row per rule, by hand from the rows above; every other rule finds nothing.
    expected = {
        ("expect_column_values_to_not_be_null", "household_id"): 1,  # A2
        ("expect_column_values_to_be_in_set", "category"): 1,  # A3 SHOUTING
        ("expect_column_values_to_be_unique", "allegation_id"): 1,  # second A3
        ("expect_column_pair_values_a_to_be_greater_than_b", "date_concluded"): 1,  # A5
        ("expect_column_values_to_not_be_null", "outcome"): 1,  # A6 (required when concluded)
    }
    future = 1  # A7: the date_received "not after the extract date" rule

    def key(expectation):
        kw = expectation["kwargs"]
        return expectation["type"], kw.get("column") or kw.get("column_A")

    by_rule = {}
    for expectation, count in zip(suite["expectations"], counts[1:], strict=True):
        kw = expectation["kwargs"]
        if key(expectation) == ("expect_column_values_to_be_between", "date_received") and kw.get("max_value"):
            assert count == future
        else:
            by_rule[key(expectation)] = by_rule.get(key(expectation), 0) + count
    assert counts[0] == 7
    assert {k: v for k, v in by_rule.items() if v} == expected


def _results(server_s: float, help_s: float) -> dict:
    def measured(wall: float) -> dict:
        return {"median": {"wall_s": wall, "peak_rss_mib": 100.0, "load_before": 0.5, "repetitions": 3}}

    return {"machine": {"nproc": 2}, "measurements": {"cli": {"council": {"server": measured(server_s)}}, "help": measured(help_s)}}


@pytest.mark.parametrize(("server_s", "verdict"), [(9.5, "| met |"), (12.0, "| **not met** |")])
def test_budget_verdicts_compare_against_the_limit(server_s, verdict):
    # The council month with a server must take at most 10 s.
    text = run_benchmarks.render(_results(server_s, 0.2))
    server_line = next(line for line in text.splitlines() if "local Prefect server" in line)
    assert server_line.endswith(verdict)
    help_line = next(line for line in text.splitlines() if "--help" in line and line.startswith("|"))
    assert help_line.endswith("| met |")  # 0.2 s < 1 s


def test_median_is_taken_stage_by_stage():
    runs = [
        {"wall_s": w, "peak_rss_mib": m, "load_before": 1.0, "process": {"seconds": {"ingest": i}}}
        for w, m, i in [(3.0, 300.0, 0.3), (1.0, 100.0, 0.1), (2.0, 200.0, 0.5)]
    ]
    median = run_benchmarks.median_of(runs)
    assert (median["wall_s"], median["peak_rss_mib"], median["seconds"]["ingest"]) == (2.0, 200.0, 0.3)
