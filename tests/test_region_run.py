"""A regional run, end to end, as a hub's analyst runs it on one machine:

    scorecard region run --region DIR --month 2020-03 --local-workers 2

starts a local Prefect server and two process workers, runs three small hand-built councils
as flow runs of one deployment on the work pool, writes the regional pack, and stops every
process it started. Checked here:

- each council's month is byte for byte what a standalone `scorecard run --no-prefect` of that
  council makes (every file of its output folder but the audit log, whose lines hold times);
- the regional figures are the councils' published figures: each council's as in its
  public/scorecard.csv, the region's their total or median;
- a council with a broken extract (episodes.csv without its DECOM column) fails alone: the
  others publish, and the summary names it with its reason (no data value);
- every process the command started (the server, the workers and the flow runs) is gone when
  it returns, the server's port no longer listens, and its temporary folder is empty;
- stopped by SIGTERM while the councils run, it ends with one line and leaves nothing running
  and no month half-written.

Linux only (/proc). Slow: two regional runs and two standalone runs, on a loaded 2-core machine.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from builders import children_for, write_extracts
from process_tree import Process, descendants, listening_ports, wait_until

from fostering_scorecard import project

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

MONTH = "2020-03"
RUN_TIMEOUT = 1200  # seconds for the whole regional run on a busy machine
LEFTOVER_TIMEOUT = 10
CHILD_IDS = [f"CQ{n:04d}" for n in range(40)]  # must never appear in anything the command prints


def episodes(children: int, agency: int) -> list[dict]:
    """`children` in foster care since January 2019, the last `agency` of them with an agency
    carer (PLACE_PROVIDER PR4), the rest with the council's own (PR1)."""
    return [{"CHILD": CHILD_IDS[n], "DECOM": "01/01/2019", "RNE": "S", "PLACE_PROVIDER": "PR4" if n >= children - agency else "PR1",
             "HOUSEHOLD_ID": f"HQ{n % 8:03d}"} for n in range(children)]


def carers(households: int) -> list[dict]:
    return [{"household_id": f"HQ{n:03d}", "approval_date": f"0{1 + n % 9}/05/2018"} for n in range(households)]


def council_project(folder: Path, name: str, code: str, children: int, agency: int, households: int) -> Path:
    project.init(folder, name, code)
    rows = episodes(children, agency)
    write_extracts(folder / "extracts", episodes=rows, header=children_for(rows), carers=carers(households))
    return folder


def region_toml(folder: Path, *councils: str) -> Path:
    folder.mkdir()
    (folder / "region.toml").write_text('[region]\nname = "Test hub"\ndfe_region = "South East"\n'
                                        + "".join(f'[[council]]\nproject = "../{council}"\n' for council in councils))
    return folder


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """Three councils: a (20 fostered children, 6 with agencies; 8 households), b (12 children,
    all in-house; 6 households) and c, whose episodes.csv has no DECOM column."""
    root = tmp_path_factory.mktemp("region")
    for name, code, children, agency, households in (("a", "886", 20, 6, 8), ("b", "887", 12, 0, 6), ("c", "845", 9, 0, 7)):
        council_project(root / name, f"Council {name.upper()}", code, children, agency, households)
    broken = root / "c" / "extracts" / "episodes.csv"
    lines = [line.split(",") for line in broken.read_text().splitlines()]
    column = lines[0].index("DECOM")
    broken.write_text("\n".join(",".join(cells[:column] + cells[column + 1:]) for cells in lines) + "\n")
    region_toml(root / "hub", "a", "b", "c")
    return root


def environment(root: Path, temporary: Path) -> dict[str, str]:
    """Its own Prefect home and temporary folder; no configured Prefect server."""
    env = {**os.environ, "PREFECT_HOME": str(root / "prefect-home"), "TMPDIR": str(temporary)}
    env.pop("PREFECT_API_URL", None)
    return env


class Watched:
    """The command in a subprocess (its own session), every process it starts recorded while it runs."""

    def __init__(self, arguments: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "fostering_scorecard.cli", *arguments], stdout=out,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        self.seen: dict[tuple[int, int], Process] = {}

    def finish(self, timeout: float, stop_when=None) -> int | None:
        """Wait for the command to end; once stop_when() is true, send it SIGTERM (once)."""
        deadline = time.monotonic() + timeout
        stopped = False
        while self.process.poll() is None and time.monotonic() < deadline:
            for process in descendants(self.process.pid):
                # The command line read last: a process starting (before exec) reads as '', and
                # Prefect's flow-run supervisor becomes the flow run's engine by exec.
                if process.command or (process.pid, process.started) not in self.seen:
                    self.seen[(process.pid, process.started)] = process
            if stop_when is not None and not stopped and stop_when():
                self.process.send_signal(signal.SIGTERM)
                stopped = True
            time.sleep(0.2)
        return self.process.poll()

    def workers(self) -> set[int]:
        return {p.pid for p in self.seen.values() if " worker start " in p.command}

    def flow_runs(self) -> list[Process]:
        """The processes the workers started: one per flow run (its engine)."""
        workers = self.workers()
        return [p for p in self.seen.values() if p.parent in workers]

    def still_running(self) -> list[Process]:
        return [p for p in self.seen.values() if p.running()]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        for p in self.still_running():
            os.kill(p.pid, 9)


@pytest.fixture(scope="module")
def region_run(region):
    temporary = Path(tempfile.mkdtemp(prefix="region-run-", dir="/tmp"))
    command = Watched(["region", "run", "--region", str(region / "hub"), "--month", MONTH, "--local-workers", "2"],
                      environment(region, temporary), region / "region-run.log")
    try:
        code = command.finish(RUN_TIMEOUT)
        yield {"code": code, "output": command.log.read_text(), "command": command, "temporary": temporary}
    finally:
        command.kill()
        shutil.rmtree(temporary, ignore_errors=True)


def standalone(region: Path, council: str) -> Path:
    """The council's month made by `scorecard run --no-prefect` into an output folder of its own."""
    out = region / f"standalone-{council}"
    if not out.exists():
        temporary = Path(tempfile.mkdtemp(prefix="region-alone-", dir="/tmp"))
        try:
            done = subprocess.run([sys.executable, "-m", "fostering_scorecard.cli", "run", "--project", str(region / council),
                                   "--month", MONTH, "--no-prefect", "--output", str(out)],
                                  env=environment(region, temporary), capture_output=True, text=True, timeout=RUN_TIMEOUT)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
        assert done.returncode == 0, done.stdout + done.stderr
    return out


def files(folder: Path) -> dict[str, bytes]:
    """Every file under folder by its path, links followed as files are; the audit log left out."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink() and p.name != "audit_log.jsonl"}


def published(folder: Path) -> dict[str, str]:
    with (folder / MONTH / "public" / "scorecard.csv").open(encoding="utf-8") as f:
        return {row["metric_id"]: row for row in csv.DictReader(f)}


def test_the_region_runs_every_council_on_two_workers_and_the_broken_one_fails_alone(region_run):
    output = region_run["output"]
    assert region_run["code"] == 1, output  # 1: a council did not publish
    assert re.search(r"\n  a +published as version 1", output), output
    assert re.search(r"\n  b +published as version 1", output), output
    assert re.search(r"\n  c +FAILED: episodes\.csv: required column\(s\) missing: DECOM", output), output
    assert "2 of 3 councils published or unchanged" in output
    assert "Traceback" not in output
    for child_id in CHILD_IDS:
        assert child_id not in output  # reasons name files, columns and rules: never a data value
    commands = [p.command for p in region_run["command"].seen.values()]
    assert sum("prefect.server.api.server:create_app" in c for c in commands) == 1, commands  # one local server
    assert sum(" worker start --pool fostering-scorecard --type process --limit 1" in c for c in commands) == 2
    flow_runs = region_run["command"].flow_runs()
    assert len(flow_runs) == 3, [p.command for p in flow_runs]  # one flow run per council, each a process of a worker


def test_the_summary_names_each_councils_outcome_and_the_reason_for_a_failure(region, region_run):
    with (region / "hub" / "outputs" / MONTH / "region_runs.csv").open(encoding="utf-8") as f:
        runs = {row["council_id"]: row for row in csv.DictReader(f)}
    assert [(r["council"], r["outcome"], r["version_in_pack"], r["flow_run"]) for r in runs.values()] == [
        ("Council A", "published", "1", "a-2020-03"), ("Council B", "published", "1", "b-2020-03"), ("Council C", "failed", "", "c-2020-03")]
    assert runs["a"]["detail"] == "published as version 1"
    assert runs["c"]["detail"].startswith("episodes.csv: required column(s) missing: DECOM")
    assert "How to fix:" in runs["c"]["detail"]
    assert not (region / "c" / "outputs" / MONTH).exists()


@pytest.mark.parametrize("council", ["a", "b"])
def test_each_councils_month_is_byte_identical_to_a_standalone_run(region, region_run, council):
    assert region_run["code"] is not None
    through_the_region, alone = files(region / council / "outputs"), files(standalone(region, council))
    assert [name for name in through_the_region if name.startswith(f"versions/{MONTH}/v1/")], "the month was published"
    assert sorted(through_the_region) == sorted(alone)
    assert [name for name in through_the_region if through_the_region[name] != alone[name]] == []


def test_the_regional_figures_are_the_councils_published_figures(region, region_run):
    a, b = published(region / "a" / "outputs"), published(region / "b" / "outputs")
    with (region / "hub" / "outputs" / MONTH / "region_scorecard.csv").open(encoding="utf-8") as f:
        tidy = list(csv.DictReader(f))
    # Each council's figure is what its public/scorecard.csv says; c published nothing.
    for row in (r for r in tidy if r["geography_type"] == "council"):
        assert row["value"] == {"a": a, "b": b}[row["council_id"]][row["metric_id"]]["value"]
    assert {r["council_id"] for r in tidy if r["geography_type"] == "council"} == {"a", "b"}
    regional = {r["metric_id"]: r for r in tidy if r["geography_type"] == "region"}
    # Worked by hand: 8 + 6 approved households; in-house shares 14 of 20 = 70% and 12 of 12 = 100%.
    assert (a["approved_households"]["value"], b["approved_households"]["value"]) == ("8", "6")
    assert (regional["approved_households"]["value"], regional["approved_households"]["note"]) == ("14", "total of 2 of 3 councils")
    assert (a["in_house_share"]["value"], b["in_house_share"]["value"]) == ("70", "100")
    assert (regional["in_house_share"]["value"], regional["in_house_share"]["note"]) == ("85", "median of 2 of 3 councils")
    # And for every indicator: the total (counts) or the median (the rest) of the published numbers.
    for metric_id, row in regional.items():
        numbers = [float(c[metric_id]["value"]) for c in (a, b) if re.fullmatch(r"-?[\d.]+", c[metric_id]["value"])]
        if not numbers:
            assert row["value"] == ""
            continue
        expected = sum(numbers) if row["unit"] == "count" else statistics.median(numbers)
        assert float(row["value"]) == pytest.approx(expected), metric_id


def test_the_regional_pack_is_written_in_every_format(region, region_run):
    folder = region / "hub" / "outputs" / MONTH
    assert sorted(p.name for p in folder.iterdir()) == [
        "charts", "region_pack.html", "region_pack.pdf", "region_pack.xlsx", "region_runs.csv", "region_scorecard.csv", "sources.csv"]
    assert (folder / "region_pack.pdf").read_bytes()[:5] == b"%PDF-"
    html = (folder / "region_pack.html").read_text()
    assert "Council A" in html and "Council B" in html and "c: not included: 2020-03 is not published in its output folder." in html
    assert {p.name for p in (folder / "charts").iterdir()} >= {"approved_households.svg", "in_house_share.svg"}


def test_every_process_the_command_started_is_gone_and_its_temporary_folder_empty(region_run):
    command = region_run["command"]
    assert command.seen, "no process was recorded: nothing was checked"
    assert wait_until(lambda: not command.still_running(), LEFTOVER_TIMEOUT), [p.command[:120] for p in command.still_running()]
    ports = {int(m.group(1)) for p in command.seen.values() if (m := re.search(r"--port (\d+)", p.command))}
    assert ports and wait_until(lambda: not ports & listening_ports(), LEFTOVER_TIMEOUT)
    assert sorted(region_run["temporary"].iterdir()) == []


def test_sigterm_while_councils_run_stops_every_process_and_publishes_nothing_half_written(tmp_path):
    """A hub's scheduler (or an analyst's Ctrl-C) stops the command while the councils' flow runs
    are running: it ends with SIGTERM's exit code (128 + 15 = 143) and one line, and the server,
    both workers and the flow runs they started are all gone; no council's month is left
    half-written (a month is published whole or not at all)."""
    for name, code in (("d", "886"), ("e", "887")):
        council_project(tmp_path / name, f"Council {name.upper()}", code, children=12, agency=2, households=6)
    hub = region_toml(tmp_path / "hub", "d", "e")
    temporary = Path(tempfile.mkdtemp(prefix="region-stop-", dir="/tmp"))
    command = Watched(["region", "run", "--region", str(hub), "--month", MONTH, "--local-workers", "2"],
                      environment(tmp_path, temporary), tmp_path / "region-stop.log")
    try:
        code = command.finish(RUN_TIMEOUT, stop_when=command.flow_runs)  # as soon as a flow run's process exists
        output = command.log.read_text()
        assert command.flow_runs(), "no flow run had started: the stop was not tested while councils ran\n" + output
        assert code == 143, output
        assert "Stopped by SIGTERM" in output and "Traceback" not in output, output
        assert wait_until(lambda: not command.still_running(), LEFTOVER_TIMEOUT), [p.command[:120] for p in command.still_running()]
        assert sorted(temporary.iterdir()) == []
        for name in ("d", "e"):
            month = tmp_path / name / "outputs" / MONTH
            # Either not published, or published whole: the month's link leads to a version with its manifest.
            assert not month.exists() or (month / "manifest.json").is_file(), name
            for version in (tmp_path / name / "outputs" / "versions" / MONTH).glob("v*"):
                assert (version / "manifest.json").is_file(), version
    finally:
        command.kill()
        shutil.rmtree(temporary, ignore_errors=True)


def test_the_outcome_words_of_each_final_state(monkeypatch):
    """Only the council flow's own messages are shown; any other state gets words of ours."""
    from types import SimpleNamespace

    from prefect.states import Cancelled, Completed, Crashed, Failed

    from fostering_scorecard.region.dispatch import outcome_of

    def run(state):
        return SimpleNamespace(state=state, name="kent-2025-03", total_run_time=None)

    assert outcome_of("kent", run(Completed(name="Restated", message="published as version 2, restating version 1"))).outcome == "restated"
    refused = outcome_of("kent", run(Failed(name="Refused", message="the month was not published: too many rows were set aside.")))
    assert (refused.outcome, refused.detail) == ("refused", "the month was not published: too many rows were set aside.")
    # A failure raised before the flow's own handling may quote anything: not shown.
    raw = outcome_of("kent", run(Failed(message="Flow run encountered an exception: ValueError: C000123")))
    assert raw.outcome == "failed" and "C000123" not in raw.detail and "its log in Prefect" in raw.detail
    crashed = outcome_of("kent", run(Crashed(message="Execution was interrupted: C000123")))
    assert crashed.outcome == "crashed" and "C000123" not in crashed.detail
    assert outcome_of("kent", run(Cancelled())).outcome == "cancelled"
