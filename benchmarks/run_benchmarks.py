"""The performance benchmark: the real pipeline, in a fresh process per run, at council, region
(10x) and national (50x) scale; results in benchmarks/results/results.json and the table in
docs/performance.md (rendered from that JSON, so the two always agree).

  .venv/bin/python benchmarks/run_benchmarks.py                 # everything (~30-60 min)
  .venv/bin/python benchmarks/run_benchmarks.py --only stages --scales council
  .venv/bin/python benchmarks/run_benchmarks.py --render-only   # re-write the doc from the JSON
  .venv/bin/python benchmarks/run_benchmarks.py --quick --results /tmp/r.json --doc /tmp/p.md
                                                                      # smoke: first 2000 rows of data/sample, 1 run, no Prefect

What is measured (each a fresh process; the wall time is taken around the whole process):
  stages     imports / prepare / ingest / validate / compute / publish without Prefect: the run
             spine, each step timed (benchmarks/run_once.py stages), peak memory
  cli        `scorecard run` end to end: ephemeral Prefect (what `scorecard run` does with no
             server), against a local Prefect server started here, and --no-prefect
  help       `scorecard --help`
  backfill   24 months at council scale in one process (ingest + validation once)
  rules      validation at national scale against the same rules as one DuckDB query per extract
  pack       pack.write_pack alone (both audiences, every format) on a computed council month:
             CPU seconds of the process and its children, first call and later ones
  imports    a fresh process importing the stack (duckdb, pandas, matplotlib, great_expectations):
             what a council month without Prefect is measured against

Extract sets are generated with tools/sample_data.py into --data (default
/tmp/scorecard-bench-data, never the repository). The Prefect server (and ephemeral runs) use a
temporary PREFECT_HOME and listen on 127.0.0.1 only; analytics are off.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from importlib import metadata
from pathlib import Path

from fostering_scorecard.environment import PRIVATE_ENVIRONMENT

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RUN_ONCE = BENCH_DIR / "run_once.py"
DEFAULT_RESULTS = BENCH_DIR / "results" / "results.json"
DEFAULT_DOC = ROOT / "docs" / "performance.md"
DEFAULT_DATA = Path(tempfile.gettempdir()) / "scorecard-bench-data"
SCALES = ("council", "region", "national")
SCALE_FACTOR = {"council": 1, "region": 10, "national": 50}
LIBRARIES = ("pandas", "numpy", "duckdb", "great_expectations", "prefect", "matplotlib", "openpyxl", "pyarrow")
STAGES = ("imports", "prepare", "ingest", "validate", "compute", "publish")
MEASUREMENTS = ("stages", "cli", "help", "backfill", "rules", "pack", "imports")
STACK = ("duckdb", "pandas", "matplotlib", "great_expectations")  # the libraries a run cannot do without
PACK_REPEAT = 3  # write_pack calls per process: the first pays what a run pays once (fonts, templates)
QUICK_RECORDS = 2000  # rows per file at the smoke-test scale (--quick)

BUDGETS = {
    "council_server_s": 10.0,
    "council_ephemeral_s": 16.0,
    "national_s": 60.0,
    "national_peak_gib": 4.0,
    "rules_ratio": 5.0,
    "backfill_ratio": 3.0,
    "help_s": 1.0,
    "pack_cpu_s": 2.0,
    "council_vs_imports": 1.5,
}

# The same private, telemetry-free environment the scorecard command sets for itself.
PRIVATE_ENV = {**PRIVATE_ENVIRONMENT}


# ---------------------------------------------------------------------------------------------
# The machine


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    memory_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name.replace("_", "-"))
        except metadata.PackageNotFoundError:
            pass
    return {
        "nproc": os.cpu_count(),
        "memory_gib": memory_gib,
        "cpu": cpu,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "libraries": versions,
    }


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


# ---------------------------------------------------------------------------------------------
# Data and processes


def extract_month(extracts: Path) -> str:
    """The latest complete month before the extract date in extract.toml."""
    with (extracts / "extract.toml").open("rb") as f:
        extract_date = tomllib.load(f)["extract_date"]
    last = extract_date.replace(day=1) - dt.timedelta(days=1)
    return f"{last:%Y-%m}"


def ensure_data(data_dir: Path, scale: str) -> Path:
    target = data_dir / scale
    if (target / "extract.toml").is_file():
        return target
    print(f"generating the {scale} extracts in {target} ...", flush=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "sample_data.py"), "--out", str(target), "--scale", scale],
        check=True, env=child_env(), stdout=subprocess.DEVNULL,
    )
    return target


def small_sample(target: Path, records: int = QUICK_RECORDS) -> Path:
    """The first records of each file of data/sample (and its extract.toml): a smoke-test scale
    that runs every stage on real-looking rows in a few seconds."""
    sample = ROOT / "data" / "sample" / "extracts"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(sample / "extract.toml", target / "extract.toml")
    for path in sorted(sample.glob("*.csv")):
        if path.name.startswith("_"):  # the generator's answer key, not an extract
            continue
        with path.open(newline="", encoding="utf-8-sig") as source, (target / path.name).open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            for number, record in enumerate(csv.reader(source)):
                if number > records:
                    break
                writer.writerow(record)
    return target


def child_env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PRIVATE_ENV)
    env.update(extra or {})
    return env


def run_process(command: list[str], env: dict, cwd: Path | None = None, timeout: float = 1800) -> dict:
    """Run one fresh process; wall time around it, its peak RSS (it and its waited-for
    children, from wait4) and its last stdout line parsed as JSON when it is JSON."""
    load = load_average()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{stderr[-3000:]}")
    record = {"wall_s": round(wall, 3), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "load_before": load}
    lines = [line for line in stdout.strip().splitlines() if line.startswith("{")]
    if lines:
        record["process"] = json.loads(lines[-1])
    return record


def repeat(label: str, times: int, make_run) -> dict:
    runs = []
    for number in range(1, times + 1):
        try:
            run = make_run()
        except RuntimeError as exc:  # recorded, and the other measurements still run
            print(f"  {label} run {number}/{times} FAILED: {str(exc)[-500:]}", flush=True)
            return {"runs": runs, "median": median_of(runs) if runs else None, "error": str(exc)[-2000:]}
        runs.append(run)
        print(f"  {label} run {number}/{times}: {run['wall_s']:.2f} s wall, peak {run['peak_rss_mib']:.0f} MiB, load {run['load_before']}", flush=True)
    return {"runs": runs, "median": median_of(runs)}


def median_of(runs: list[dict]) -> dict:
    """Median of every number measured, stage by stage."""
    median = {
        "wall_s": round(statistics.median(r["wall_s"] for r in runs), 3),
        "peak_rss_mib": round(statistics.median(r["peak_rss_mib"] for r in runs), 1),
        "load_before": round(statistics.median(r["load_before"] for r in runs), 2),
        "repetitions": len(runs),
    }
    processes = [r["process"] for r in runs if "process" in r]
    if processes:
        names = sorted({name for p in processes for name in p.get("seconds", {})})
        median["seconds"] = {
            name: round(statistics.median(p["seconds"].get(name, 0.0) for p in processes), 3) for name in names
        }
        libraries = sorted({name for p in processes for name in p.get("imports_by_library", {})})
        median["imports_by_library"] = {
            name: round(statistics.median(p["imports_by_library"].get(name, 0.0) for p in processes), 3) for name in libraries
        }
        failed = sorted({p["status"] for p in processes if str(p.get("status", "")).startswith("publish failed")})
        if failed:
            median["publish_failed"] = failed
        for key in ("rows_read", "metrics", "rows_by_extract", "duckdb_by_extract", "months", "published", "compute_by_month"):
            if key in processes[-1]:
                median[key] = processes[-1][key]
    return median


def scratch_output() -> Path:
    return Path(tempfile.mkdtemp(prefix="scorecard-bench-out-"))


def run_once(kind: str, extracts: Path, month: str, *extra: str) -> dict:
    output = scratch_output()
    try:
        return run_process(
            [sys.executable, str(RUN_ONCE), kind, "--extracts", str(extracts), "--output", str(output), "--month", month, *extra],
            child_env(), cwd=ROOT,
        )
    finally:
        shutil.rmtree(output, ignore_errors=True)


def run_cli(extracts: Path, month: str, mode: str, prefect_home: Path | None, api_url: str | None) -> dict:
    output = scratch_output()
    extra = {}
    if prefect_home:
        extra["PREFECT_HOME"] = str(prefect_home)
    if api_url:
        extra["PREFECT_API_URL"] = api_url
    command = [sys.executable, "-m", "fostering_scorecard.cli", "run", "--project", str(ROOT / "data" / "sample"), "--month", month, "--extracts", str(extracts), "--output", str(output)]
    if mode == "no-prefect":
        command.append("--no-prefect")
    try:
        return run_process(command, child_env(extra), cwd=ROOT)
    finally:
        shutil.rmtree(output, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# A local Prefect server (loopback only), started and stopped here


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrefectServer:
    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="scorecard-bench-prefect-"))
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.process: subprocess.Popen | None = None
        self.log = None

    def __enter__(self) -> PrefectServer:  # noqa: PYI034 (a plain class, not subclassed)
        prefect = Path(sys.executable).with_name("prefect")
        command = [str(prefect)] if prefect.exists() else [sys.executable, "-m", "prefect"]
        self.log = (self.home / "server.log").open("wb")  # closed in __exit__
        start = time.perf_counter()
        self.process = subprocess.Popen(
            command + ["server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=child_env({"PREFECT_HOME": str(self.home)}), stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stopping it stops its workers too
        )
        while time.perf_counter() - start < 180:
            if self.process.poll() is not None:
                raise RuntimeError(f"prefect server stopped at start; see {self.home / 'server.log'}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                    if response.status == 200:
                        self.started_s = round(time.perf_counter() - start, 2)
                        print(f"  prefect server ready on 127.0.0.1:{self.port} in {self.started_s} s", flush=True)
                        return self
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("prefect server did not answer /api/health within 180 s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the group this script started
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.log:
            self.log.close()
        shutil.rmtree(self.home, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# The measurements


def measure(args, results: dict, save) -> None:
    """Each measurement is saved as soon as it is done (save()), so a long session that is
    stopped part way keeps what it measured."""
    data_dir = Path(args.data)
    reps = {"council": args.reps, "region": args.reps, "national": args.national_reps}
    only = set(args.only.split(",")) if args.only else set(MEASUREMENTS)
    scales = [s for s in args.scales.split(",") if s]

    def extracts_for(scale: str) -> Path:
        if args.quick:
            return small_sample(Path(tempfile.mkdtemp(prefix="scorecard-bench-quick-")))
        return ensure_data(data_dir, scale)

    measured = results.setdefault("measurements", {})

    if "help" in only:
        print("scorecard --help", flush=True)
        measured["help"] = repeat("help", 5, lambda: run_process([sys.executable, "-m", "fostering_scorecard.cli", "--help"], child_env(), cwd=ROOT))
        save()

    if "stages" in only:
        for scale in scales:
            extracts = extracts_for(scale)
            month = extract_month(extracts)
            print(f"stages at {scale} scale ({month})", flush=True)
            extra = ("--no-publish",) if args.quick else ()
            result = repeat(f"stages {scale}", 1 if args.quick else reps[scale], lambda extracts=extracts, month=month, extra=extra: run_once("stages", extracts, month, *extra))
            measured.setdefault("stages", {})[scale] = {"month": month, "extracts": scale if not args.quick else f"data/sample, first {QUICK_RECORDS} rows", **result}
            if args.quick:
                shutil.rmtree(extracts, ignore_errors=True)
            save()

    if "cli" in only and not args.quick:
        for scale in [s for s in scales if s in args.cli_scales.split(",")]:
            extracts = extracts_for(scale)
            month = extract_month(extracts)
            times = reps[scale]
            target = measured.setdefault("cli", {}).setdefault(scale, {})
            print(f"scorecard run at {scale} scale", flush=True)
            target["no-prefect"] = repeat("no-prefect", times, lambda extracts=extracts, month=month: run_cli(extracts, month, "no-prefect", None, None))
            home = Path(tempfile.mkdtemp(prefix="scorecard-bench-prefect-ephemeral-"))
            try:
                target["ephemeral"] = repeat("ephemeral", times, lambda extracts=extracts, month=month, home=home: run_cli(extracts, month, "ephemeral", home, None))
            finally:
                shutil.rmtree(home, ignore_errors=True)
            with PrefectServer() as server:
                target["server"] = repeat("server", times, lambda extracts=extracts, month=month, server=server: run_cli(extracts, month, "server", server.home, server.api_url))
                target["server"]["server_start_s"] = server.started_s
                save()

    if "backfill" in only and not args.quick:
        extracts = extracts_for("council")
        month = extract_month(extracts)
        print(f"backfill of {args.backfill_months} months at council scale", flush=True)
        extra = ["--months", str(args.backfill_months)] + (["--publish"] if args.backfill_publish else [])
        measured["backfill"] = {
            "month": month,
            "months": args.backfill_months,
            **repeat("backfill", args.backfill_reps, lambda: run_once("backfill", extracts, month, *extra)),
        }
        measured["backfill"]["one_month"] = repeat("one month, same steps", args.backfill_reps, lambda: run_once("backfill", extracts, month, "--months", "1", *extra[2:]))
        save()

    if "pack" in only and not args.quick:
        extracts = extracts_for("council")
        month = extract_month(extracts)
        print(f"the pack alone at council scale ({month})", flush=True)
        result = repeat("pack", args.reps, lambda: run_once("pack", extracts, month, "--repeat", str(PACK_REPEAT)))
        calls = [r["process"] for r in result["runs"]]
        if calls:
            result["median"].update({key: round(statistics.median(c[key] for c in calls), 3)
                                     for key in ("pack_first_cpu_s", "pack_cpu_s", "pack_wall_s")})
            result["median"]["pack_files"] = calls[-1]["pack_files"]
        measured["pack"] = {"month": month, **result}
        save()

    if "imports" in only:
        print("importing the stack in a fresh process: " + ", ".join(STACK), flush=True)
        measured["imports"] = {"libraries": list(STACK), **repeat(
            "imports", max(args.reps, 3), lambda: run_process([sys.executable, "-c", "import " + ", ".join(STACK)], child_env(), cwd=ROOT))}
        save()

    if "rules" in only and not args.quick:
        scale = args.rules_scale
        extracts = extracts_for(scale)
        month = extract_month(extracts)
        print(f"validation vs DuckDB at {scale} scale", flush=True)
        measured["rules"] = {"scale": scale, **repeat("rules", reps[scale], lambda: run_once("rules", extracts, month))}
        save()


# ---------------------------------------------------------------------------------------------
# docs/performance.md


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**not met**")


def render(results: dict, notes: str = "") -> str:
    m = results.get("machine", {})
    measured = results.get("measurements", {})
    stages = measured.get("stages", {})
    cli = measured.get("cli", {})
    lines = [
        "# Performance",
        "",
        "<!-- Generated by benchmarks/run_benchmarks.py from benchmarks/results/results.json; do not edit by hand",
        "     (the hand-written analysis lives in benchmarks/performance_notes.md). -->",
        "",
        "How long a month takes at council, regional (10x) and national (50x) scale, and where the time goes.",
        "Every number is the median of several fresh processes (the count is in each table), measured by",
        "`benchmarks/run_benchmarks.py` on the machine below; re-run it after any change that could matter:",
        "",
        "```",
        ".venv/bin/python benchmarks/run_benchmarks.py            # all measurements: 30-60 min quiet, hours when loaded",
        ".venv/bin/python benchmarks/run_benchmarks.py --only stages --scales council",
        "```",
        "",
        "## Machine",
        "",
        f"- {m.get('nproc')} CPUs ({m.get('cpu', '')}), {m.get('memory_gib')} GiB memory, {m.get('os', '')}",
        f"- Python {m.get('python')}; " + ", ".join(f"{k} {v}" for k, v in sorted(m.get("libraries", {}).items())),
        f"- measured {results.get('measured_at', '')} UTC; the machine was shared: the 1-minute load average before",
        "  each run is in the tables (2.0 means both CPUs already busy; the pipeline then gets about half the time).",
    ]
    if results.get("note"):
        lines.append(f"- {results['note']} (sessions started, UTC: " + ", ".join(f"{k} {v}" for k, v in sorted(results.get("sessions", {}).items())) + ").")
    lines.append("")

    lines += ["## Budgets", "", "| Budget | Limit | Measured | Verdict |", "|---|---|---|---|"]
    council_cli = cli.get("council", {})
    server = council_cli.get("server", {}).get("median") or {}
    ephemeral = council_cli.get("ephemeral", {}).get("median") or {}
    lines.append(f"| council month, `scorecard run`, local Prefect server | <= {BUDGETS['council_server_s']:.0f} s | {fmt(server.get('wall_s'))} s | {verdict(server.get('wall_s', 1e9) <= BUDGETS['council_server_s'] if server else None)} |")
    lines.append(f"| council month, `scorecard run`, ephemeral Prefect | <= {BUDGETS['council_ephemeral_s']:.0f} s | {fmt(ephemeral.get('wall_s'))} s | {verdict(ephemeral.get('wall_s', 1e9) <= BUDGETS['council_ephemeral_s'] if ephemeral else None)} |")
    national = stages.get("national", {}).get("median") or {}
    if national:
        lines.append(f"| national month, fresh process, no Prefect | <= {BUDGETS['national_s']:.0f} s | {fmt(national['wall_s'])} s | {verdict(national['wall_s'] <= BUDGETS['national_s'])} |")
        peak_gib = national["peak_rss_mib"] / 1024
        lines.append(f"| national month, peak memory | <= {BUDGETS['national_peak_gib']:.0f} GiB | {fmt(peak_gib, 2)} GiB | {verdict(peak_gib <= BUDGETS['national_peak_gib'])} |")
    rules = measured.get("rules", {}).get("median") or {}
    if rules:
        s = rules["seconds"]
        ratio = s["validate"] / s["duckdb_rules"]
        lines.append(f"| validation at {measured['rules']['scale']} scale vs the same rules in DuckDB | <= {BUDGETS['rules_ratio']:.0f}x | {ratio:.1f}x ({fmt(s['validate'])} s vs {fmt(s['duckdb_rules'], 2)} s) | {verdict(ratio <= BUDGETS['rules_ratio'])} |")
    backfill = measured.get("backfill", {})
    if backfill.get("median") and (backfill.get("one_month") or {}).get("median"):
        many, one = backfill["median"]["wall_s"], backfill["one_month"]["median"]["wall_s"]
        what = "compute + publish" if backfill["median"].get("published") else "compute only"
        lines.append(f"| {backfill['months']}-month backfill at council scale, one process ({what}) | <= {BUDGETS['backfill_ratio']:.0f}x one month | {many / one:.1f}x ({fmt(many)} s vs {fmt(one)} s) | {verdict(many / one <= BUDGETS['backfill_ratio'])} |")
    pack = measured.get("pack", {}).get("median") or {}
    if pack.get("pack_first_cpu_s") is not None:
        lines.append(f"| both packs (internal, public), every format, council month: CPU of `pack.write_pack` | <= {BUDGETS['pack_cpu_s']:.0f} s | "
                     f"{fmt(pack['pack_first_cpu_s'], 2)} s (later calls in the same process {fmt(pack['pack_cpu_s'], 2)} s) | "
                     f"{verdict(pack['pack_first_cpu_s'] <= BUDGETS['pack_cpu_s'])} |")
    imports = measured.get("imports", {}).get("median") or {}
    no_prefect = council_cli.get("no-prefect", {}).get("median") or {}
    if imports and no_prefect:
        ratio = no_prefect["wall_s"] / imports["wall_s"]
        lines.append(f"| council month, `scorecard run --no-prefect`, against importing {', '.join(STACK)} in a fresh process | "
                     f"<= {BUDGETS['council_vs_imports']:.1f}x | {ratio:.2f}x ({fmt(no_prefect['wall_s'])} s vs {fmt(imports['wall_s'])} s) | "
                     f"{verdict(ratio <= BUDGETS['council_vs_imports'])} |")
    helped = measured.get("help", {}).get("median") or {}
    if helped:
        lines.append(f"| `scorecard --help` | < {BUDGETS['help_s']:.0f} s | {fmt(helped['wall_s'], 2)} s | {verdict(helped['wall_s'] < BUDGETS['help_s'])} |")
    if all((stages.get(s) or {}).get("median") for s in ("council", "national")):
        per_row = {
            s: (data_seconds(stages[s]["median"]) / stages[s]["median"]["rows_read"] * 100_000, stages[s]["median"]["load_before"])
            for s in SCALES if (stages.get(s) or {}).get("median")
        }
        shown = "; ".join(f"{s} {v:.1f} s (load {load})" for s, (v, load) in per_row.items())
        ratio = per_row["national"][0] / per_row["council"][0]
        comparable = abs(per_row["national"][1] - per_row["council"][1]) <= 1.0
        lines.append(
            f"| time grows linearly with rows | same seconds per 100k rows at every scale | {shown} per 100k rows "
            f"(ingest+validate+compute): national/council {ratio:.1f}x | "
            f"{verdict(ratio <= 1.5) if comparable else 'unclear: measured at different loads (see below)'} |"
        )
    lines.append("")

    if stages:
        lines += [
            "## One month by stage (fresh process, no Prefect)",
            "",
            "Seconds, median of the runs. *imports* is loading the package and its heavy libraries; *validate (GX)* is",
            "the part of *validate* spent in Great Expectations; *wall* is the whole process, interpreter start included.",
            "",
            "| Scale | Rows read | Runs | imports | prepare | ingest | validate | validate (GX) | compute | publish | wall | ingest+validate+compute per 100k rows | peak MiB | load |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for scale in SCALES:
            med = (stages.get(scale) or {}).get("median")
            if not med:
                continue
            s = med["seconds"]
            gx = s.get("validate_gx_suites", 0) + s.get("validate_gx_setup", 0)
            lines.append(
                f"| {scale} ({SCALE_FACTOR[scale]}x) | {med['rows_read']:,} | {med['repetitions']} | {fmt(s.get('imports'))} | {fmt(s.get('prepare'), 2)} | "
                f"{fmt(s.get('ingest'))} | {fmt(s.get('validate'))} | {fmt(gx)} | {fmt(s.get('compute'))} | {publish_cell(s)} | "
                f"{fmt(med['wall_s'])} | {fmt(data_seconds(med) / med['rows_read'] * 100_000, 2)} | {med['peak_rss_mib']:.0f} | {med['load_before']} |"
            )
        lines.append("")
        for scale in SCALES:
            for failure in ((stages.get(scale) or {}).get("median") or {}).get("publish_failed", []):
                lines += [f"At {scale} scale {failure} (a bug in the code being measured; the other stages still count).", ""]
        any_scale = (stages.get("council") or {}).get("median") or {}
        if any_scale.get("imports_by_library"):
            lines += ["Imports by library (council, seconds): " + ", ".join(f"{k} {v:.2f}" for k, v in any_scale["imports_by_library"].items()), ""]

    if cli:
        lines += [
            "## `scorecard run` end to end",
            "",
            "Wall time of the whole `python -m fostering_scorecard.cli run` process; *server* is against a local",
            "`prefect server start` already running (its start-up is not counted), *ephemeral* is Prefect starting",
            "its own temporary server, as `scorecard run` does when no PREFECT_API_URL is set.",
            "",
            "| Scale | Mode | Runs | wall s | peak MiB | load |",
            "|---|---|---|---|---|---|",
        ]
        for scale in SCALES:
            for mode in ("no-prefect", "ephemeral", "server"):
                med = cli.get(scale, {}).get(mode, {}).get("median")
                if med:
                    lines.append(f"| {scale} | {mode} | {med['repetitions']} | {fmt(med['wall_s'])} | {med['peak_rss_mib']:.0f} | {med['load_before']} |")
        lines.append("")

    if backfill.get("median") and (backfill.get("one_month") or {}).get("median"):
        med, one = backfill["median"], backfill["one_month"]["median"]
        per_month = med.get("compute_by_month") or []
        lines += [
            "## Backfill",
            "",
            f"{backfill['months']} months ending {backfill['month']} at council scale in one process, the extracts read and",
            f"validated once ({'compute and publish' if med.get('published') else 'compute'} per month), against the same process for one month.",
            "",
            "| Run | Runs | wall s | ingest | validate | compute (all months) | publish (all months) | peak MiB | load |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for label, x in ((f"{backfill['months']} months", med), ("1 month", one)):
            s = x["seconds"]
            lines.append(f"| {label} | {x['repetitions']} | {fmt(x['wall_s'])} | {fmt(s.get('ingest'))} | {fmt(s.get('validate'))} | {fmt(s.get('compute'))} | {fmt(s.get('publish'))} | {x['peak_rss_mib']:.0f} | {x['load_before']} |")
        if per_month:
            lines += ["", f"compute() per month: median {statistics.median(per_month):.2f} s, first {per_month[0]:.2f} s, slowest {max(per_month):.2f} s."]
        lines.append("")

    if pack.get("pack_first_cpu_s") is not None:
        lines += [
            "## The pack alone",
            "",
            f"`pack.write_pack` for {measured['pack']['month']} at council scale, on figures computed in the same process",
            f"(benchmarks/run_once.py `pack`): both audiences, every format ({pack['pack_files']} files). CPU seconds",
            "of the process and its children; the first call also loads what a run loads once (typst's fonts, the",
            f"templates), so it is the one a month pays. {PACK_REPEAT} calls a process, median of the processes.",
            "",
            "| Runs | first call CPU s | later calls CPU s | later calls wall s | load |",
            "|---|---|---|---|---|",
            f"| {pack['repetitions']} | {fmt(pack['pack_first_cpu_s'], 2)} | {fmt(pack['pack_cpu_s'], 2)} | {fmt(pack['pack_wall_s'], 2)} | {pack['load_before']} |",
            "",
        ]
    if imports:
        lines += [f"Importing {', '.join(STACK)} in a fresh process (interpreter start included): {fmt(imports['wall_s'], 2)} s wall, "
                  f"median of {imports['repetitions']} (load {imports['load_before']}).", ""]

    if rules:
        lines += [
            "## Validation against the same rules in DuckDB",
            "",
            f"At {measured['rules']['scale']} scale: the validate step (typing and key checks in DuckDB, the Great Expectations",
            "suites, the cross-record SQL checks) against one DuckDB query per extract over the CSV file computing every",
            "single-row rule of the extract's suite (not-null, in-set, ranges, date order, key uniqueness) as counts",
            "(benchmarks/run_once.py `rules_query`). The DuckDB side only counts failures; the pipeline also builds",
            "a finding per failing row, so the ratio is an upper bound on what the rules themselves cost.",
            "",
            "| Extract | Rows | Rules | DuckDB s |",
            "|---|---|---|---|",
        ]
        for name, x in sorted(rules.get("duckdb_by_extract", {}).items()):
            lines.append(f"| {name} | {x['rows']:,} | {x['rules']} | {x['seconds']:.3f} |")
        s = rules["seconds"]
        gx = s.get("validate_gx_suites", 0) + s.get("validate_gx_setup", 0)
        lines += [
            "",
            (f"the validate step {s['validate']:.1f} s (of which Great Expectations {gx:.1f} s) vs DuckDB {s['duckdb_rules']:.2f} s: "
             f"{s['validate'] / s['duckdb_rules']:.1f}x (GX alone {gx / s['duckdb_rules']:.1f}x). Runs: {rules['repetitions']}; load {rules['load_before']}."),
            f"That process (imports, ingest {s.get('ingest', 0):.0f} s, validate, the DuckDB queries; no compute or publish) peaked at {rules['peak_rss_mib']:,.0f} MiB.",
            "",
        ]
    if notes:
        lines += [notes.strip(), ""]
    return "\n".join(lines)


def publish_cell(seconds: dict) -> str:
    if "publish" not in seconds and "publish_failed" in seconds:
        return f"failed after {seconds['publish_failed']:.1f}"
    return fmt(seconds.get("publish"))


def data_seconds(median: dict) -> float:
    """The stages whose work grows with the rows (publish draws the same pack at any scale)."""
    s = median["seconds"]
    return sum(s.get(name, 0.0) for name in ("ingest", "validate", "compute"))


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default=",".join(SCALES), help="comma-separated: council,region,national")
    parser.add_argument("--only", help="comma-separated subset of: " + ",".join(MEASUREMENTS))
    parser.add_argument("--reps", type=int, default=3, help="runs at council and region scale (median reported)")
    parser.add_argument("--national-reps", type=int, default=1, help="runs at national scale")
    parser.add_argument("--cli-scales", default="council", help="scales to time `scorecard run` at (with and without Prefect)")
    parser.add_argument("--backfill-months", type=int, default=24)
    parser.add_argument("--backfill-reps", type=int, default=1)
    parser.add_argument("--backfill-publish", action="store_true", help="publish every backfilled month")
    parser.add_argument("--rules-scale", default="national")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="where the generated extracts are kept (not the repository)")
    parser.add_argument("--results", default=str(DEFAULT_RESULTS))
    parser.add_argument("--doc", default=str(DEFAULT_DOC))
    parser.add_argument("--notes", default=str(BENCH_DIR / "performance_notes.md"), help="hand-written analysis appended to the doc")
    parser.add_argument("--merge", action="store_true", help="keep earlier measurements in --results that this run does not repeat")
    parser.add_argument("--render-only", action="store_true", help="only re-write --doc from --results")
    parser.add_argument("--quick", action="store_true", help=f"smoke test: the first {QUICK_RECORDS} rows of each data/sample file, 1 run, stages without publish, no Prefect")
    args = parser.parse_args(argv)
    if args.quick:
        args.scales, args.only = "council", args.only or "stages"

    results_path, doc_path = Path(args.results), Path(args.doc)
    if args.render_only or args.merge:
        results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    else:
        results = {}
    if not args.render_only:
        results["machine"] = machine()
        results["measured_at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
        results_path.parent.mkdir(parents=True, exist_ok=True)

        def save() -> None:
            results_path.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")

        measure(args, results, save)
        save()
        print(f"results: {results_path}")
    notes_path = Path(args.notes)
    notes = notes_path.read_text() if notes_path.is_file() else ""
    doc_path.parent.mkdir(parents=True, exist_ok=True)
    doc_path.write_text(render(results, notes))
    print(f"report: {doc_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
