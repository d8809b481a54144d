"""The regional benchmark: `scorecard region run --local-workers W` over N synthetic councils,
for every N in --councils and W in --workers (default 1, 3 and 10 councils on 1 and 2 workers),
against a plain `scorecard run` of one of those councils. Results in
benchmarks/results/region.json and the "Regions" section of docs/performance.md (rendered from
that JSON; the rest of the file is kept as it is).

  .venv/bin/python benchmarks/run_region.py                      # everything: 20-40 min quiet
  .venv/bin/python benchmarks/run_region.py --councils 1,3 --workers 1,2
  .venv/bin/python benchmarks/run_region.py --render-only        # re-write the section from the JSON

What is measured, each a fresh command with fresh council output folders:
  plain      `scorecard run --project P --month M` of one council (Prefect's ephemeral server, as
             a council runs it), --reps times: wall seconds and peak memory (the median)
  region     `scorecard region run --region R --month M --local-workers W --concurrency W`: wall
             seconds; the start-up (the local server and workers, until the flow runs are
             submitted); councils per minute (N / wall); the overhead per council above a plain
             run, wall x min(W, N) / N - plain: what a council costs a busy worker beyond
             `scorecard run` (the start-up shared out, the hand-over to the worker, the flow-run
             process, runs sharing the CPUs); the speed-up over N plain runs one after another,
             N x plain / wall; the peak memory per worker (a worker and the flow run it is running, their
             resident memory summed, sampled from /proc every 0.2 s; the largest of the workers)
             and of the server

Councils are tools/sample_data.py's council scale (Kent-sized) with seeds 1..N, each its own
project (scorecard init, the sample's targets, its 5% set-aside limit), in --data (default
/tmp/scorecard-bench-region). Linux only (/proc).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from run_benchmarks import REGIONS_SECTION_END as SECTION_END
from run_benchmarks import REGIONS_SECTION_START as SECTION_START
from run_benchmarks import child_env, load_average, machine

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DEFAULT_RESULTS = BENCH_DIR / "results" / "region.json"
DEFAULT_DOC = ROOT / "docs" / "performance.md"
DEFAULT_DATA = Path("/tmp/scorecard-bench-region")
MONTH = "2025-03"  # the generator's extracts are taken 5 April 2025
SCORECARD = [sys.executable, "-m", "fostering_scorecard.cli"]
SUBMITTED = "flow runs of"  # the command's line once every council's flow run is submitted


# ---------------------------------------------------------------------------------------------
# The councils


def council_projects(data: Path, count: int) -> list[Path]:
    """Projects bench-1 .. bench-count in data (made once, then kept)."""
    projects = []
    for number in range(1, count + 1):
        folder = data / f"bench-{number}"
        if not (folder / "extracts" / "extract.toml").is_file():
            shutil.rmtree(folder, ignore_errors=True)
            subprocess.run([*SCORECARD, "init", str(folder), "--name", f"Benchmark council {number}", "--la-code", "886"],
                           check=True, env=child_env(), stdout=subprocess.DEVNULL)
            shutil.copy(ROOT / "data" / "sample" / "targets.toml", folder / "targets.toml")
            with (folder / "scorecard.toml").open("a", encoding="utf-8") as settings:  # [quality] is the file's last section
                settings.write("max_set_aside_share = 0.05  # as the bundled sample: its planted errors\n")
            subprocess.run([sys.executable, str(ROOT / "tools" / "sample_data.py"), "--out", str(folder / "extracts"),
                            "--scale", "council", "--seed", str(number)], check=True, env=child_env(), stdout=subprocess.DEVNULL)
        projects.append(folder)
    return projects


def region_folder(data: Path, projects: list[Path]) -> Path:
    folder = data / f"region-{len(projects)}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    lines = ['[region]', f'name = "Benchmark region of {len(projects)}"', 'dfe_region = "South East"', ""]
    for project in projects:
        lines += ["[[council]]", f'project = "{project}"', ""]
    (folder / "region.toml").write_text("\n".join(lines), encoding="utf-8")
    return folder


def fresh_outputs(projects: list[Path]) -> None:
    for project in projects:
        shutil.rmtree(project / "outputs", ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Processes and their memory


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat[stat.rfind(")") + 2:].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    return children


def _tree(pid: int, children: dict[int, list[int]]) -> list[int]:
    found, frontier = [pid], [pid]
    while frontier:
        frontier = [child for parent in frontier for child in children.get(parent, [])]
        found += frontier
    return found


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class MemorySampler:
    """Peak resident memory of each worker (with the flow run it runs) and of the server, below
    the command's process, sampled until stop()."""

    def __init__(self, root: int) -> None:
        self.root, self.workers, self.server = root, {}, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            children = _children()
            for pid in _tree(self.root, children)[1:]:
                command = _command(pid)
                if " worker start " in command:
                    total = sum(_rss_mib(p) for p in _tree(pid, children))
                    self.workers[pid] = max(self.workers.get(pid, 0.0), total)
                elif "prefect.server.api.server:create_app" in command:
                    self.server = max(self.server, sum(_rss_mib(p) for p in _tree(pid, children)))
            self._stop.wait(0.2)

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        return {"worker_peak_mib": round(max(self.workers.values(), default=0.0), 1), "workers_seen": len(self.workers),
                "server_peak_mib": round(self.server, 1)}


def run_command(arguments: list[str], env: dict, sample_memory: bool = False, timeout: float = 3600) -> dict:
    """One command: its wall seconds, when each line of its output came, its peak memory (wait4:
    it and the children it waited for) and, with sample_memory, the workers' and the server's."""
    load = load_average()
    start = time.perf_counter()
    process = subprocess.Popen([*SCORECARD, *arguments], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = MemorySampler(process.pid) if sample_memory else None
    lines: list[tuple[float, str]] = []
    watchdog = threading.Timer(timeout, process.kill)
    watchdog.start()
    try:
        for line in process.stdout:
            lines.append((time.perf_counter() - start, line.rstrip("\n")))
        _pid, status, usage = os.wait4(process.pid, 0)
    finally:
        watchdog.cancel()
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    memory = sampler.stop() if sampler else {}
    output = "\n".join(text for _at, text in lines)
    if code != 0:
        raise RuntimeError(f"scorecard {' '.join(arguments)} failed ({code}):\n{output[-3000:]}")
    return {"wall_s": round(wall, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "load_before": load, "lines": lines, **memory}


# ---------------------------------------------------------------------------------------------
# The measurements


def measure_plain(projects: list[Path], reps: int) -> dict:
    runs = []
    for number in range(1, reps + 1):
        fresh_outputs(projects[:1])
        run = run_command(["run", "--project", str(projects[0]), "--month", MONTH], child_env())
        run.pop("lines")
        runs.append(run)
        print(f"  plain scorecard run {number}/{reps}: {run['wall_s']:.1f} s, peak {run['peak_rss_mib']:.0f} MiB, load {run['load_before']}",
              flush=True)
    return {"runs": runs, "wall_s": round(statistics.median(r["wall_s"] for r in runs), 2),
            "peak_rss_mib": round(statistics.median(r["peak_rss_mib"] for r in runs), 1),
            "load_before": round(statistics.median(r["load_before"] for r in runs), 2)}


def overhead_per_council(wall_s: float, councils: int, workers: int, plain_s: float) -> float:
    """Seconds a council costs a busy worker beyond a plain `scorecard run`: the workers that
    had a council to run (min(W, N)) times the wall time, shared out per council, less the plain run."""
    return round(wall_s * min(workers, councils) / councils - plain_s, 2)


def speed_up(wall_s: float, councils: int, plain_s: float) -> float:
    """N plain runs one after another against the regional run: above 1, the region is quicker."""
    return round(councils * plain_s / wall_s, 2)


def measure_region(data: Path, projects: list[Path], workers: int, plain_s: float) -> dict:
    region = region_folder(data, projects)
    fresh_outputs(projects)
    run = run_command(["region", "run", "--region", str(region), "--month", MONTH, "--local-workers", str(workers),
                       "--concurrency", str(workers)], child_env(), sample_memory=True)
    lines = run.pop("lines")
    started = next((at for at, text in lines if SUBMITTED in text), None)
    published = sum(1 for _at, text in lines if "published as version 1" in text and not text.startswith("Done"))
    councils = len(projects)
    record = {
        **run, "councils": councils, "workers": workers, "published": published,
        "startup_s": round(started, 2) if started is not None else None,
        "councils_per_minute": round(councils / run["wall_s"] * 60, 2),
        "overhead_per_council_s": overhead_per_council(run["wall_s"], councils, workers, plain_s),
    }
    print(f"  {councils} councils on {workers} worker{'s' if workers > 1 else ''}: {run['wall_s']:.1f} s "
          f"(start-up {record['startup_s']} s), {record['councils_per_minute']} councils/min, "
          f"overhead {record['overhead_per_council_s']} s per council, worker peak {run['worker_peak_mib']:.0f} MiB, "
          f"load {run['load_before']}", flush=True)
    return record


# ---------------------------------------------------------------------------------------------
# docs/performance.md, "Regions"


def render(results: dict) -> str:
    plain = results.get("plain", {})
    lines = [
        SECTION_START,
        "## Regions",
        "",
        "`scorecard region run --local-workers W` over N councils (tools/sample_data.py council scale, seeds 1..N), one",
        "fresh command per row with fresh council output folders, measured by `benchmarks/run_region.py`:",
        "",
        "```",
        ".venv/bin/python benchmarks/run_region.py                      # 1, 3 and 10 councils on 1 and 2 workers",
        ".venv/bin/python benchmarks/run_region.py --councils 1,3 --workers 1,2",
        "```",
        "",
        f"Measured {results.get('measured_at', '?')} UTC on the machine above "
        f"({results.get('machine', {}).get('nproc', '?')} CPUs, shared: the load average before each run is given).",
        f"A plain `scorecard run` of one of these councils (ephemeral Prefect) takes {plain.get('wall_s', '?')} s "
        f"(median of {len(plain.get('runs', []))}, peak {plain.get('peak_rss_mib', '?')} MiB, load {plain.get('load_before', '?')}).",
        "",
        "- *wall s*: the whole command, from start to the regional pack written; *start-up s*: until every council's flow",
        "  run is submitted (the local Prefect server, the pool, the deployment, the workers);",
        "- *overhead s per council*: wall x busy workers (min(workers, councils)) / councils - the plain run: what a",
        "  council costs a worker beyond `scorecard run` (the start-up shared out, the hand-over to a worker, the flow",
        "  run's own process, and on this 2-CPU machine two councils sharing the CPUs with the server);",
        "- *speed-up*: the councils' plain runs one after another (councils x the plain run) / wall: above 1, the",
        "  regional run is quicker than running `scorecard run` in each project by hand;",
        "- *worker peak MiB*: the largest resident memory of a worker with the flow run it is running (summed);",
        "  the server's peak is given beside it.",
        "",
        "| Councils | Workers | Published | wall s | start-up s | councils per minute | overhead s per council | speed-up | worker peak MiB | server peak MiB | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in sorted(results.get("region", []), key=lambda r: (r["councils"], r["workers"])):
        overhead = overhead_per_council(row["wall_s"], row["councils"], row["workers"], plain["wall_s"])
        faster = speed_up(row["wall_s"], row["councils"], plain["wall_s"])
        lines.append(f"| {row['councils']} | {row['workers']} | {row['published']} | {row['wall_s']:.1f} | {row['startup_s']} | "
                     f"{row['councils_per_minute']:.2f} | {overhead:.1f} | {faster:.2f} | {row['worker_peak_mib']:.0f} | "
                     f"{row['server_peak_mib']:.0f} | {row['load_before']} |")
    if results.get("notes"):
        lines += ["", results["notes"]]
    lines += ["", SECTION_END]
    return "\n".join(lines) + "\n"


def write_section(doc: Path, section: str) -> None:
    """Replace the Regions section of doc (between its markers), or add it at the end."""
    text = doc.read_text(encoding="utf-8") if doc.is_file() else "# Performance\n"
    if SECTION_START in text and SECTION_END in text:
        before = text[:text.index(SECTION_START)]
        after = text[text.index(SECTION_END) + len(SECTION_END):].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    doc.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--councils", default="1,3,10", help="comma-separated numbers of councils (default 1,3,10)")
    parser.add_argument("--workers", default="1,2", help="comma-separated numbers of local workers (default 1,2)")
    parser.add_argument("--reps", type=int, default=2, help="plain `scorecard run`s (median reported)")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="where the councils' projects are kept (not the repository)")
    parser.add_argument("--results", default=str(DEFAULT_RESULTS))
    parser.add_argument("--doc", default=str(DEFAULT_DOC))
    parser.add_argument("--merge", action="store_true", help="keep earlier rows in --results that this run does not repeat")
    parser.add_argument("--render-only", action="store_true", help="only re-write the doc's Regions section from --results")
    parser.add_argument("--notes", default="", help="a sentence added under the table (e.g. what was not measured and why)")
    args = parser.parse_args(argv)

    results_path = Path(args.results)
    results = json.loads(results_path.read_text()) if (args.render_only or args.merge) and results_path.is_file() else {}
    if not args.render_only:
        data = Path(args.data)
        data.mkdir(parents=True, exist_ok=True)
        counts = sorted({int(n) for n in args.councils.split(",")})
        worker_counts = sorted({int(n) for n in args.workers.split(",")})
        projects = council_projects(data, max(counts))
        results.update(machine=machine(), measured_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"), month=MONTH)
        results["plain"] = measure_plain(projects, args.reps)
        kept = [row for row in results.get("region", []) if (row["councils"], row["workers"]) not in
                {(n, w) for n in counts for w in worker_counts}]
        results["region"] = kept
        results_path.parent.mkdir(parents=True, exist_ok=True)
        for councils in counts:
            for workers in worker_counts:
                results["region"].append(measure_region(data, projects[:councils], workers, results["plain"]["wall_s"]))
                results_path.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    if args.notes:
        results["notes"] = args.notes
        results_path.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    write_section(Path(args.doc), render(results))
    print(f"results: {results_path}\nreport: {args.doc} (Regions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
