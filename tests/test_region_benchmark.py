"""The regional benchmark (benchmarks/run_region.py): what it derives from its measurements and
how it writes its section of docs/performance.md. No timing is asserted (the numbers depend on
the machine and its load; docs/performance.md holds them); running it takes minutes, so the
measurements themselves are not run here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load():
    sys.path.insert(0, str(BENCH))  # run_region imports run_benchmarks beside it, as when run as a script
    try:
        spec = importlib.util.spec_from_file_location("bench_run_region", BENCH / "run_region.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


run_region = _load()


def test_the_overhead_per_council_counts_only_the_workers_that_had_a_council():
    # 10 councils on 2 workers in 235 s against a plain run of 22.8 s: each worker was busy the
    # whole time, 235 x 2 / 10 = 47 s per council, 24.2 s more than the plain run.
    assert run_region.overhead_per_council(235.0, 10, 2, 22.8) == 24.2
    # 1 council on 2 workers in 55.5 s: one worker was idle, so 55.5 x 1 / 1 - 22.8 = 32.7 s.
    assert run_region.overhead_per_council(55.5, 1, 2, 22.8) == 32.7
    # Ten plain runs one after another (228 s) against 235 s: 0.97 as fast.
    assert run_region.speed_up(235.0, 10, 22.8) == 0.97


def test_the_regions_section_replaces_its_last_version_and_keeps_the_rest_of_the_file(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n## Budgets\n\nkept\n")
    results = {"measured_at": "2026-11-30 13:31", "machine": {"nproc": 2},
               "plain": {"wall_s": 22.8, "runs": [{}, {}], "peak_rss_mib": 490, "load_before": 4.0},
               "region": [{"councils": 3, "workers": 2, "published": 3, "wall_s": 88.3, "startup_s": 23.6,
                           "councils_per_minute": 2.04, "worker_peak_mib": 584, "server_peak_mib": 236, "load_before": 5.4}]}
    run_region.write_section(doc, run_region.render(results))
    first = doc.read_text()
    # 88.3 x 2 / 3 - 22.8 = 36.07 s per council; 3 x 22.8 / 88.3 = 0.77.
    assert "| 3 | 2 | 3 | 88.3 | 23.6 | 2.04 | 36.1 | 0.77 | 584 | 236 | 5.4 |" in first
    assert first.startswith("# Performance\n\n## Budgets\n\nkept\n")
    results["region"][0]["wall_s"] = 70.0
    run_region.write_section(doc, run_region.render(results))
    second = doc.read_text()
    assert second.count("## Regions") == 1 and "| 70.0 |" in second and "| 88.3 |" not in second
    assert second.startswith("# Performance\n\n## Budgets\n\nkept\n")
