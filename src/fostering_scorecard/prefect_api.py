"""Prefect for one `scorecard` command: a temporary API started before the heavy imports, and
private result storage.

A temporary Prefect API, started before the heavy imports.

With no PREFECT_API_URL, Prefect's ephemeral mode starts a local API server when the first flow
run needs one: the command first imports Prefect's server modules itself (about 3 s on a quiet
machine, 6 s when busy), only to start a subprocess that imports them again and opens the
database. Nothing else happens meanwhile. Starting the same server process (the command line
of prefect.server.api.server.SubprocessASGIServer, pinned Prefect 3.9) as the very first step
lets it start on the other core while this process imports pandas, DuckDB and Prefect; the
flow then finds an API address and never imports the server.

Like Prefect's own, the server listens on 127.0.0.1 only, serves no UI, keeps its database in
PREFECT_HOME, and is stopped when the command ends (runtime.leave_nothing_behind; at exit
otherwise). It never outlives the command: on Linux the kernel kills it when the command dies,
even by SIGKILL (child_processes.die_with_this_thread), and it runs in a process group of its
own, so Ctrl-C in the terminal reaches only the command, which still needs the server to record
that the flow run stopped, and then stops it. If it cannot start, the command falls back to
Prefect's ephemeral mode: slower, same result.

serve() is Prefect's serve, with a stop that takes seconds even when the Prefect server has
gone away.

Inside the command's own flow runs a SIGTERM reaches the command's stop handling first, as
Ctrl-C does (command_handles_stops): Prefect records the stopped flow run as crashed on its
server, and the terminal shows the one line the command prints.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from importlib.util import find_spec
from pathlib import Path

from . import child_processes, runtime

_server: "TemporaryApi | None" = None


# The flags Prefect sets for its ephemeral server: no UI, only the services an ephemeral server
# runs (enough for workers too: they poll the API).
SERVER_SETTINGS = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}


def server_command(port: int) -> list[str]:
    """The Prefect API server on 127.0.0.1:port, without Prefect's CLI and its imports (the
    temporary server here, a one-machine region's server in region/local.py)."""
    prefect_dir = Path(find_spec("prefect").origin).parent
    return [
        sys.executable, "-m", "uvicorn",
        "--app-dir", str(prefect_dir.parent),
        "--factory", "prefect.server.api.server:create_app",
        "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "error", "--lifespan", "on",
    ]


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def startup_timeout() -> float:
    """How long a server may take to answer: Prefect's own setting for its ephemeral server."""
    return float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180"))


def wait_until_answers(url: str, alive, timeout: float) -> bool:
    """True once the API at url answers its health check; False as soon as alive() is False (its
    server died), or after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            return False
        if answers(url, timeout=2):
            return True
        time.sleep(0.1)
    return False


class TemporaryApi:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.process = subprocess.Popen(  # noqa: PLW1509 - preexec_fn: started before any thread
            server_command(self.port),
            env={**os.environ, **SERVER_SETTINGS},
            stdin=subprocess.DEVNULL,
            process_group=0,  # Ctrl-C is for the command: it stops the server when it is done with it
            preexec_fn=child_processes.die_with_this_thread(),
        )
        runtime.on_stop(self.stop, pid=self.process.pid)
        atexit.register(self.stop)  # outside leave_nothing_behind

    def wait_until_ready(self, timeout: float) -> bool:
        """True once the API answers its health check; False if the process died or timed out."""
        return wait_until_answers(self.url, lambda: self.process.poll() is None, timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            _send_prefects_queued_logs()
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_early() -> TemporaryApi | None:
    """Start the temporary API server unless the command already has one to talk to (a
    PREFECT_API_URL: a running `prefect server`, as `scorecard serve` requires). One per process."""
    global _server
    ephemeral_switched_off = any(
        os.environ.get(name, "").lower() in ("false", "0")
        for name in ("PREFECT_SERVER_EPHEMERAL_ENABLED", "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE")
    )
    if os.environ.get("PREFECT_API_URL") or ephemeral_switched_off:
        return None
    if _server is None or _server.process.poll() is not None:
        with runtime.starting_process() as allowed:
            if not allowed:
                return None
            _server = TemporaryApi()
    return _server


def api_url_when_ready(server: TemporaryApi | None) -> str | None:
    """The address of the started server once it answers, or None: then Prefect's own setting
    (a PREFECT_API_URL, or its ephemeral mode) decides."""
    if server is None:
        return None
    if server.wait_until_ready(startup_timeout()):
        return server.url
    server.stop()
    print("The temporary Prefect server did not start; Prefect starts its own instead.", file=sys.stderr, flush=True)
    return None


@contextlib.contextmanager
def using(server: TemporaryApi | None):
    """Point Prefect at the temporary server for the block (once it answers), the flow runs'
    SIGTERM handled by the command (command_handles_stops)."""
    url = api_url_when_ready(server)
    with command_handles_stops():
        if url is None:
            yield
            return
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield


# Prefect's SIGTERM handler for flow runs (pinned Prefect 3.9; tests/test_runtime.py checks it).
PREFECT_SIGTERM_BRIDGE = ("prefect.utilities.engine", "_prefect_sigterm_handler")


@contextlib.contextmanager
def command_handles_stops():
    """For the flow runs of the block, in this process: SIGTERM goes to the command's handler
    (runtime.on_stop_signal), as Ctrl-C always does.

    While a flow runs, Prefect swaps SIGTERM's handler for its own (capture_sigterm in
    prefect.utilities.engine), which raises TerminationSignal. Prefect then reports the crash
    on the console ("Crash detected!", three lines) before it hands the signal back to the
    command's handler, and the command's grace period starts only then. The handler Prefect
    installs is a module attribute it reads at each use, with no setting or public way to
    choose another: it is pointed at the command's handler for the block, and put back after.
    Outside the command's run folder (runtime.leave_nothing_behind), off the main thread, or
    should Prefect no longer have it, nothing changes: a TerminationSignal still stops the
    command (runtime treats it as a stop), only less quietly. The flow runs `serve` starts run
    in processes of their own and keep Prefect's handler (it is how Prefect cancels them)."""
    import importlib
    import threading

    module_name, attribute = PREFECT_SIGTERM_BRIDGE
    module = importlib.import_module(module_name)
    prefects = getattr(module, attribute, None)
    if not runtime.in_session() or prefects is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    setattr(module, attribute, runtime.on_stop_signal)
    try:
        yield
    finally:
        setattr(module, attribute, prefects)


def _send_prefects_queued_logs() -> None:
    """Before the server stops: Prefect sends flow-run logs and events from background workers,
    which would otherwise retry against a stopped server at exit."""
    if "prefect" not in sys.modules:
        return
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with contextlib.suppress(Exception):
            worker.drain_all(timeout=5, at_exit=False)


@contextlib.contextmanager
def private_storage():
    """Prefect pickles a failed run's exception into its local result storage even with result
    persistence off (and an exception message could quote a value from the data). Point that
    storage at a private temporary folder, removed when the flow run is over."""
    from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH, temporary_settings

    key = "PREFECT_RESULTS_LOCAL_STORAGE_PATH"
    folder = tempfile.mkdtemp(prefix="scorecard-prefect-")
    before = os.environ.get(key)
    os.environ[key] = folder  # for flow runs `serve` starts in child processes
    try:
        with temporary_settings(updates={PREFECT_RESULTS_LOCAL_STORAGE_PATH: folder}):
            yield
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before
        shutil.rmtree(folder, ignore_errors=True)


def serve(*deployments) -> None:
    """Serve the deployments to the Prefect server at PREFECT_API_URL until stopped (Ctrl-C or
    SIGTERM), as prefect.serve does, except that the stop takes seconds whether or not the
    server is still there: on the way out Prefect pauses each deployment's schedule, and with
    the server gone each of those requests is retried for about a minute. The schedules are
    paused when the server answers, and left as they are (nothing can reach them) when not.
    A stop that still takes longer than runtime.STOP_GRACE_SECONDS ends the command at once."""
    import asyncio
    import signal

    from prefect.exceptions import TerminationSignal
    from prefect.runner import Runner
    from prefect.settings import PREFECT_API_URL

    api_url = PREFECT_API_URL.value()

    class ScorecardRunner(Runner):
        def handle_sigterm(self, *args, **kwargs) -> None:
            runtime.stop_requested(signal.SIGTERM)  # the grace period starts
            super().handle_sigterm(*args, **kwargs)

        async def __aenter__(self):
            started = await super().__aenter__()
            _print_serving(deployments)  # now, when a stop goes through the runner's own
            return started

        async def __aexit__(self, *exc_info) -> None:
            if self.pause_on_shutdown and not await asyncio.to_thread(answers, api_url, 2.0):
                self.pause_on_shutdown = False
            await super().__aexit__(*exc_info)

    runner = ScorecardRunner(pause_on_shutdown=True)
    for deployment in deployments:
        runner.add_deployment(deployment)
    try:
        asyncio.run(runner.start())
    except (KeyboardInterrupt, TerminationSignal):
        pass  # stopped, as asked


def answers(api_url: str | None, timeout: float) -> bool:
    """True if the Prefect API at api_url answers its health check within timeout seconds."""
    if not api_url:
        return False
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as response:
            return response.status == 200
    except (OSError, http.client.HTTPException):  # URLError, refused, timed out, cut off
        return False


def _print_serving(deployments) -> None:
    names = ", ".join(f"{deployment.flow_name}/{deployment.name}" for deployment in deployments)
    print(f"Serving {names}. To run one now:  prefect deployment run NAME", flush=True)
