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
PREFECT_HOME, and is stopped when the command exits. If it cannot start, the command falls back
to Prefect's ephemeral mode: slower, same result.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from importlib.util import find_spec
from pathlib import Path

_server: "TemporaryApi | None" = None


class TemporaryApi:
    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        prefect_dir = Path(find_spec("prefect").origin).parent
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn",
                "--app-dir", str(prefect_dir.parent),
                "--factory", "prefect.server.api.server:create_app",
                "--host", "127.0.0.1", "--port", str(self.port),
                "--log-level", "error", "--lifespan", "on",
            ],
            # The flags Prefect sets for its ephemeral server: no UI, only the services an
            # ephemeral server runs.
            env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"},
            stdin=subprocess.DEVNULL,
        )
        atexit.register(self.stop)

    def wait_until_ready(self, timeout: float) -> bool:
        """True once the API answers its health check; False if the process died or timed out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.process.poll() is None:
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
        _server = TemporaryApi()
    return _server


def api_url_when_ready(server: TemporaryApi | None) -> str | None:
    """The address of the started server once it answers, or None: then Prefect's own setting
    (a PREFECT_API_URL, or its ephemeral mode) decides."""
    if server is None:
        return None
    timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180"))
    if server.wait_until_ready(timeout):
        return server.url
    server.stop()
    print("The temporary Prefect server did not start; Prefect starts its own instead.", file=sys.stderr, flush=True)
    return None


@contextlib.contextmanager
def using(server: TemporaryApi | None):
    """Point Prefect at the temporary server for the block (once it answers)."""
    url = api_url_when_ready(server)
    if url is None:
        yield
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: url}):
        yield


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
