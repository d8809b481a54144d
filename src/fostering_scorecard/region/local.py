"""One machine as a whole regional set-up: a Prefect server and N process workers, started for
one `scorecard region run --local-workers N` and stopped when it ends, however it ends.

- The server is Prefect's API (the uvicorn app `prefect server start` serves), on 127.0.0.1
  only, with no UI and its own database in the command's run folder: nothing of it outlives the
  command, and two regional runs at once never see each other's work pool.
- Each worker is the documented `prefect worker start --pool POOL --type process --limit 1`
  (one council at a time per worker), its console written to a log file (outputs/logs/).
- Processes die with the command, as the temporary Prefect server of `scorecard run` does
  (prefect_api.py): on Linux the kernel kills each of them when the command dies, even by
  SIGKILL (child_processes.die_with_this_thread), and their flow runs die with their worker
  (flows/region.py, DIE_WITH_WORKER); each runs in a process group of its own, so Ctrl-C
  reaches only the command, which then stops them in order: the workers first (a worker stops
  the flow runs it started), then the server (runtime.on_stop, and again on leaving the block).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from .. import child_processes, prefect_api, runtime
from ..errors import UserError

STOP_TIMEOUT = 10.0  # seconds a process is given to stop on SIGTERM before it is killed
WORKER_POLL_SECONDS = "1"  # how often a local worker asks for runs (Prefect's default is 10 s)


class LocalPrefectError(UserError):
    """The local Prefect server or a worker would not start."""


class ChildProcess:
    """A process of the command's, started in its own process group, that dies with it."""

    def __init__(self, command: list[str], environment: dict[str, str], log: Path | None) -> None:
        """log: the file its console is written to; None: this command's own console."""
        with runtime.starting_process() as allowed:
            if not allowed:
                raise runtime.Stopped(signal.SIGTERM)
            output = log.open("ab") if log else None
            try:
                self.process = subprocess.Popen(  # noqa: PLW1509 - preexec_fn: sets only the parent-death signal
                    command, env=environment, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                    process_group=0, preexec_fn=child_processes.die_with_this_thread(),
                )
            finally:
                if log:
                    output.close()
            self._asked = False
            runtime.on_stop(self.stop, pid=self.process.pid)

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def ask_to_stop(self) -> None:
        """SIGTERM, once: a second one makes a Prefect worker kill its flow runs at once."""
        if self.process.poll() is None and not self._asked:
            self._asked = True
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after STOP_TIMEOUT; waits for the process to end."""
        if self.process.poll() is not None:
            return
        self.ask_to_stop()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            self.process.wait()


class LocalPrefect:
    """A Prefect server and `workers` process workers on pool `work_pool`, for the block:

        with LocalPrefect(run_folder, 2, "fostering-scorecard", log_dir) as local:
            ...  # PREFECT_API_URL points at local.url in this process and its children
    """

    def __init__(self, folder: Path, workers: int, work_pool: str, log_dir: Path) -> None:
        self.folder, self.workers, self.work_pool, self.log_dir = Path(folder), workers, work_pool, Path(log_dir)
        self.server: ChildProcess | None = None
        self.worker_processes: list[ChildProcess] = []
        self.url = ""
        self._settings = contextlib.ExitStack()

    # The server

    def start_server(self) -> str:
        home = self.folder / "prefect-home"
        from ..publish.files import private_mkdir  # not at import: the publish package loads pandas

        private_mkdir(home)
        port = prefect_api.free_port()
        self.url = f"http://127.0.0.1:{port}/api"
        environment = {**os.environ, "PREFECT_HOME": str(home), **prefect_api.SERVER_SETTINGS}
        environment.pop("PREFECT_API_URL", None)
        environment.pop("PREFECT_API_DATABASE_CONNECTION_URL", None)  # its own database, in its home
        self.server = ChildProcess(prefect_api.server_command(port), environment, self.log_dir / "prefect-server.log")
        if not prefect_api.wait_until_answers(self.url, self.server.running, prefect_api.startup_timeout()):
            self.stop()
            raise LocalPrefectError(f"the local Prefect server did not start (its log: {self.log_dir / 'prefect-server.log'})\n"
                                    "  How to fix: run again; if it keeps failing, start `prefect server start` yourself and "
                                    "run without --local-workers (docs/operations.md, \"Regions\").")
        return self.url

    # The workers

    def start_workers(self) -> None:
        """Start the workers (once the pool exists: a worker would otherwise create it itself)."""
        environment = {**os.environ, "PREFECT_API_URL": self.url, "PREFECT_HOME": str(self.folder / "prefect-home"),
                       "PREFECT_WORKER_QUERY_SECONDS": WORKER_POLL_SECONDS, "SCORECARD_RUN_DIES_WITH_WORKER": "1"}
        for number in range(1, self.workers + 1):
            self.worker_processes.append(ChildProcess(
                worker_command(self.work_pool, name=f"local-{os.getpid()}-{number}"),
                environment, self.log_dir / f"worker-{number}.log",
            ))

    def stop(self) -> None:
        """Workers first (each stops its flow runs), then the server."""
        for worker in self.worker_processes:  # all at once, then wait for each
            worker.ask_to_stop()
        for worker in self.worker_processes:
            worker.stop()
        if self.server is not None:
            self.server.stop()

    def __enter__(self) -> LocalPrefect:
        from ..publish.files import private_mkdir  # not at import: the publish package loads pandas

        private_mkdir(self.log_dir)
        try:
            self.start_server()
            from prefect.settings import PREFECT_API_URL, temporary_settings

            self._settings.enter_context(temporary_settings(updates={PREFECT_API_URL: self.url}))
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self.stop()
        finally:
            self._settings.close()


def worker_command(work_pool: str, name: str | None = None, queues: tuple[str, ...] = (), limit: int = 1) -> list[str]:
    """The documented worker command: `prefect worker start --pool POOL --type process`, one
    flow run at a time (a council month takes a core and up to a few hundred MB)."""
    command = [sys.executable, "-m", "prefect", "worker", "start", "--pool", work_pool, "--type", "process", "--limit", str(limit)]
    if name:
        command += ["--name", name]
    for queue in queues:
        command += ["--work-queue", queue]
    return command


