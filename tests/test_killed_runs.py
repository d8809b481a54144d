"""A `scorecard run` leaves nothing behind, however it ends.

Each test starts the command on the sample council's project in a subprocess, as an analyst or a
scheduler would, and records every process it starts while it runs (from /proc: the temporary
Prefect server; the pack is drawn in the command's own process). It is stopped while it
publishes (the hidden .partial-<pid> version folder exists, without its manifest, written
last), then:

- the command says so in one line after its step lines, with no traceback, and exits with
  128 + the signal's number;
- no recorded process still runs, and the Prefect server's port no longer listens;
- the temporary files of the run were all in one run folder, TMPDIR/scorecard-run-<pid>/:
  removed on SIGTERM and Ctrl-C; after SIGKILL (which nothing survives to clean) it is the
  only thing left, and the next run removes it;
- no month is visible: neither <output>/2020-03 nor a version of it. Only if the month had been
  published whole before the signal was sent (checked by the time of the month's link: the
  test's check and its signal are two steps) may it be there, the command having finished
  (exit 0) or stopped;
- the next run succeeds, removes what the killed run left, and leaves no process and no
  temporary folder once it has returned (this is the check of a normal run, too).

Ctrl-C (SIGINT to the whole process group, as a terminal sends it) prints one line and no
traceback, while publishing and while starting. `scorecard serve` stops within seconds on
SIGTERM, whether or not its Prefect server is still there.

Linux only (/proc, and the kernel's parent-death signal the command relies on there). Slow (a
whole run per test): the waits are generous and polled, for a loaded 2-core machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from builders import SAMPLE_PROJECT
from process_tree import Process, descendants, listening_ports, wait_until

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; relies on Linux's parent-death signal")

MONTH = "2025-03"  # the sample's latest complete month
PUBLISHING_TIMEOUT = 900  # seconds until the run publishes: a whole run, on a busy machine
STOP_TIMEOUT = 60  # seconds for the command to exit once stopped (its grace period is 15 s)
LEFTOVER_TIMEOUT = 10  # "a few seconds" for what it started to be gone, once it has exited
STOP_LINE = {signal.SIGINT: "Stopped by Ctrl+C.", signal.SIGTERM: "Stopped by SIGTERM."}


class WatchedCommand:
    """A `scorecard` command in a subprocess of its own session (so that a SIGINT to its
    process group is what Ctrl-C in a terminal does), output to a file (a pipe would be held
    open by any process it left behind), and every process it starts recorded while it runs."""

    def __init__(self, folder: Path, arguments: list[str], environment: dict[str, str], name: str) -> None:
        self.log = folder / f"{name}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "fostering_scorecard.cli", *arguments],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=environment, start_new_session=True,
            )
        self.seen: dict[tuple[int, int], Process] = {}

    def record(self) -> None:
        for process in descendants(self.process.pid):
            key = (process.pid, process.started)
            # A process's command line reads empty once it has ended and waits to be reaped:
            # keep the one read while it ran (the Prefect server's, with its port).
            if key not in self.seen or process.command:
                self.seen[key] = process

    def wait_for(self, condition, timeout: float) -> bool:
        """Poll, recording the processes, until condition() or the command exits (False then)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.record()
            if condition():
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.02)  # often: the month is published in a second or two
        return False

    def finish(self, timeout: float) -> int | None:
        """Wait (recording) until the command exits: its exit code, or None if it still runs."""
        self.wait_for(lambda: False, timeout)
        return self.process.poll()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def still_running(self) -> list[Process]:
        return [process for process in self.seen.values() if process.running()]

    def server_ports(self) -> set[int]:
        return {int(m.group(1)) for p in self.seen.values() if "uvicorn" in p.command and (m := re.search(r"--port (\d+)", p.command))}

    def end(self) -> None:
        """After a failed test: leave no process on the machine."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for process in self.still_running():
            os.kill(process.pid, signal.SIGKILL)


@pytest.fixture
def commands():
    started: list[WatchedCommand] = []
    yield started
    for command in started:
        command.end()


@pytest.fixture
def temporary():
    """The test's own TMPDIR, so that whatever is left in it is the command's."""
    folder = Path(tempfile.mkdtemp(prefix="killed-runs-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run_environment(tmp_path: Path, temporary: Path) -> dict[str, str]:
    """The run's own Prefect database and temporary folder, and no configured Prefect server:
    the command starts its temporary one."""
    environment = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "TMPDIR": str(temporary)}
    environment.pop("PREFECT_API_URL", None)
    return environment


def start_run(commands: list, tmp_path: Path, temporary: Path, mode: list[str], name: str) -> WatchedCommand:
    arguments = ["run", "--project", str(SAMPLE_PROJECT), "--month", MONTH, "--output", str(tmp_path / "out"), *mode]
    command = WatchedCommand(tmp_path, arguments, run_environment(tmp_path, temporary), name)
    commands.append(command)
    return command


def partial_versions(out: Path) -> list[Path]:
    return list((out / "versions" / MONTH).glob(".partial-*"))


def published_versions(out: Path) -> list[Path]:
    return list((out / "versions" / MONTH).glob("v*"))


def publishing(command: WatchedCommand, out: Path) -> bool:
    """The run is writing the month: its hidden version folder exists without the manifest
    (written last, before the folder becomes the version)."""
    partial = partial_versions(out)
    return bool(partial) and not any((folder / "manifest.json").exists() for folder in partial)


def send(command: WatchedCommand, signum: int, to_the_process_group: bool = False) -> float:
    """Send the signal (to the whole process group: what Ctrl-C in a terminal does); returns
    when, as time.time() (the clock of file times)."""
    sent = time.time()
    if to_the_process_group:
        os.killpg(command.process.pid, signum)
    else:
        command.process.send_signal(signum)
    return sent


def published_before(out: Path, moment: float) -> bool:
    """The month was published whole before `moment`: its link, made last, was made by then."""
    link = out / MONTH
    return link.is_symlink() and link.lstat().st_mtime <= moment and (link / "manifest.json").is_file()


def lines_besides_progress(output: str) -> list[str]:
    """The lines the command printed other than its heading and its step lines."""
    return [line for line in output.splitlines() if line.strip() and not line.startswith(("Scorecard for ", "  "))]


def assert_stopped_in_one_line(command: WatchedCommand, signum: int) -> None:
    output = command.output()
    assert "Traceback" not in output and "Exception ignored" not in output, output[-3000:]
    besides = lines_besides_progress(output)
    assert len(besides) == 1 and besides[0].startswith(STOP_LINE[signum]), output[-3000:]


def assert_the_month_is_whole_or_absent(command: WatchedCommand, out: Path, exit_code: int | None, signum: int, sent: float) -> bool:
    """After a stop signal: nothing of the month, the command stopped (128 + signal) in one line;
    or, only if the month was published whole before the signal was sent, the whole month, the
    command finished (0) or stopped. True in that second case."""
    if published_before(out, sent):
        assert exit_code in (0, 128 + signum), command.output()[-3000:]
        assert [p.name for p in published_versions(out)] == ["v1"] and partial_versions(out) == []
        if exit_code == 0:
            assert f"{MONTH} published as version 1" in command.output()
        else:
            assert_stopped_in_one_line(command, signum)
        return True
    assert exit_code == 128 + signum, command.output()[-3000:]
    assert_stopped_in_one_line(command, signum)
    assert partial_versions(out) == [] and published_versions(out) == [] and not (out / MONTH).exists()
    return False


def assert_nothing_left_running(command: WatchedCommand) -> None:
    ports = command.server_ports()
    assert wait_until(lambda: not command.still_running(), LEFTOVER_TIMEOUT), [p.command[:120] for p in command.still_running()]
    assert wait_until(lambda: not ports & listening_ports(), LEFTOVER_TIMEOUT), f"still listening on {ports & listening_ports()}"


def assert_the_next_run_succeeds_and_cleans_up(commands: list, tmp_path: Path, temporary: Path, mode: list[str],
                                               already_published: bool = False) -> None:
    """The next run of the month removes the killed run's leftovers, publishes the month (finds
    it unchanged, if the stopped run had published it whole), and leaves no process and no
    temporary folder once it has returned."""
    out = tmp_path / "out"
    command = start_run(commands, tmp_path, temporary, mode, "next-run")
    assert command.finish(PUBLISHING_TIMEOUT) == 0, command.output()[-3000:]
    assert (f"{MONTH} unchanged" if already_published else f"{MONTH} published as version 1") in command.output(), command.output()[-3000:]
    if not mode:  # through Prefect the run starts its temporary server: what is checked here
        assert command.server_ports(), "the next run started no Prefect server: nothing was checked"
    assert not command.still_running(), [p.command[:120] for p in command.still_running()]  # at once, no wait
    assert not (command.server_ports() & listening_ports())
    assert sorted(temporary.iterdir()) == []  # the killed run's folder too
    assert partial_versions(out) == []
    assert (out / MONTH / "manifest.json").is_file()


MODES = {"through Prefect": [], "without Prefect": ["--no-prefect"]}


@pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())
def test_a_run_killed_while_publishing_leaves_only_its_run_folder_which_the_next_run_removes(tmp_path, temporary, commands, mode):
    """SIGKILL: the command cannot clean up, so what it started must die with it (the kernel's
    parent-death signal) and its temporary files must all be in its run folder."""
    out = tmp_path / "out"
    command = start_run(commands, tmp_path, temporary, mode, "killed-run")
    assert command.wait_for(lambda: publishing(command, out), PUBLISHING_TIMEOUT), command.output()[-3000:]
    assert mode or command.server_ports()  # through Prefect, its server ran: it must not outlive the command

    sent = send(command, signal.SIGKILL)
    assert command.finish(STOP_TIMEOUT) == -signal.SIGKILL

    assert_nothing_left_running(command)
    assert [p.name for p in temporary.iterdir()] == [f"scorecard-run-{command.process.pid}"]
    already_published = published_before(out, sent)  # only if published whole before the signal
    assert already_published or (not (out / MONTH).exists() and published_versions(out) == [])
    assert_the_next_run_succeeds_and_cleans_up(commands, tmp_path, temporary, mode, already_published)


@pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())
def test_a_run_terminated_while_publishing_stops_in_order_and_leaves_nothing(tmp_path, temporary, commands, mode):
    """SIGTERM (what a scheduler or `kill` sends): the run unwinds as for Ctrl-C, says so in one
    line and removes everything, the half-written version included. Through Prefect, whose
    flow run reports the stop as a crash: to its server, not to the terminal."""
    out = tmp_path / "out"
    command = start_run(commands, tmp_path, temporary, mode, "terminated-run")
    assert command.wait_for(lambda: publishing(command, out), PUBLISHING_TIMEOUT), command.output()[-3000:]

    sent = send(command, signal.SIGTERM)
    exit_code = command.finish(STOP_TIMEOUT)

    already_published = assert_the_month_is_whole_or_absent(command, out, exit_code, signal.SIGTERM, sent)
    assert_nothing_left_running(command)
    assert sorted(temporary.iterdir()) == []
    assert_the_next_run_succeeds_and_cleans_up(commands, tmp_path, temporary, mode, already_published)


def test_ctrl_c_while_publishing_prints_one_line_and_leaves_nothing(tmp_path, temporary, commands):
    """Ctrl-C in a terminal sends SIGINT to every process of the foreground process group;
    through Prefect, which reports the stopped flow run as a crash (to its server, not to the
    terminal)."""
    out = tmp_path / "out"
    command = start_run(commands, tmp_path, temporary, [], "interrupted-run")
    assert command.wait_for(lambda: publishing(command, out), PUBLISHING_TIMEOUT), command.output()[-3000:]

    sent = send(command, signal.SIGINT, to_the_process_group=True)
    exit_code = command.finish(STOP_TIMEOUT)

    assert_the_month_is_whole_or_absent(command, out, exit_code, signal.SIGINT, sent)
    assert_nothing_left_running(command)
    assert sorted(temporary.iterdir()) == [] and partial_versions(out) == []


@pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())
def test_ctrl_c_while_the_run_starts_prints_one_line_and_leaves_nothing(tmp_path, temporary, commands, mode):
    """Early: through Prefect, its server starting and the libraries being imported; without,
    the extracts being read."""
    command = start_run(commands, tmp_path, temporary, mode, "interrupted-early")
    assert command.wait_for(lambda: "Scorecard for" in command.output() and (mode or command.server_ports()), PUBLISHING_TIMEOUT), command.output()

    send(command, signal.SIGINT, to_the_process_group=True)
    assert command.finish(STOP_TIMEOUT) == 128 + signal.SIGINT, command.output()[-3000:]

    assert_stopped_in_one_line(command, signal.SIGINT)
    assert_nothing_left_running(command)
    assert sorted(temporary.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# scorecard serve


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def prefect_server(tmp_path):
    """A Prefect server of the test's own (as `prefect server start` runs one), on a free port."""
    port = free_port()
    environment = {**os.environ, "PREFECT_HOME": str(tmp_path / "server-home"), "PREFECT_UI_ENABLED": "0"}
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port), "--log-level", "error"],
        stdout=log, stderr=subprocess.STDOUT, env=environment, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    assert wait_until(answers, PUBLISHING_TIMEOUT, interval=0.5), (tmp_path / "server.log").read_text()
    yield server, url
    if server.poll() is None:
        server.kill()
        server.wait()


def start_serving(commands: list, tmp_path: Path, temporary: Path, url: str) -> WatchedCommand:
    environment = {**run_environment(tmp_path, temporary), "PREFECT_API_URL": url}
    arguments = ["serve", "--project", str(SAMPLE_PROJECT), "--output", str(tmp_path / "out")]
    command = WatchedCommand(tmp_path, arguments, environment, "serve")
    commands.append(command)
    assert command.wait_for(lambda: "Serving monthly-fostering-scorecard" in command.output(), PUBLISHING_TIMEOUT), command.output()[-3000:]
    return command


SERVE_STOP_SECONDS = 20  # "within seconds": the grace period (15 s) bounds it, on a busy machine


@pytest.mark.parametrize("server_gone", [False, True], ids=["server running", "server gone"])
def test_serve_stops_within_seconds_on_sigterm(tmp_path, temporary, commands, prefect_server, server_gone):
    """Before, with the server gone, Prefect's runner retried pausing each schedule for about a
    minute per deployment before it stopped."""
    server, url = prefect_server
    command = start_serving(commands, tmp_path, temporary, url)
    if server_gone:
        server.kill()
        server.wait()

    asked = time.monotonic()
    command.process.send_signal(signal.SIGTERM)
    command.finish(SERVE_STOP_SECONDS + 30)
    took = time.monotonic() - asked

    assert took < SERVE_STOP_SECONDS, f"took {took:.1f} s\n{command.output()[-3000:]}"
    assert command.process.returncode in (0, 128 + signal.SIGTERM)
    assert_nothing_left_running(command)
    assert sorted(temporary.iterdir()) == []
    if not server_gone:
        assert "Traceback" not in command.output() and command.process.returncode == 0
        served = deployments(url)
        assert len(served) == 2 and all(d["paused"] for d in served)  # no schedule left running unserved


def deployments(url: str) -> list[dict]:
    request = urllib.request.Request(f"{url}/deployments/filter", data=b"{}", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)
