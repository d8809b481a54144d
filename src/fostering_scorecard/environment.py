"""The process settings every entry point applies before Prefect or Great Expectations is
imported: no telemetry, no results or caches on disk, private files. Written once here; the
`scorecard` command, the flows, the tests and the benchmark all call apply()."""

from __future__ import annotations

import os

PRIVATE_ENVIRONMENT = {
    # No telemetry from any library, no Prefect results or caches written to disk.
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
    "PREFECT_TASKS_DEFAULT_PERSIST_RESULT": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "TQDM_DISABLE": "1",
    "PREFECT_LOGGING_LEVEL": "INFO",
    # Prefect gives its temporary server 20 s to start by default: too tight on a busy machine.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
}


def apply(umask: bool = True) -> None:
    """Set the private environment (values already set by the caller win) and, by default, an
    owner-only umask: every file the pipeline writes is readable by its owner only."""
    for key, value in PRIVATE_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    if umask:
        os.umask(0o077)
