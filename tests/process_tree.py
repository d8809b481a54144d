"""What a process left behind, read from /proc (Linux): its descendants, whether they still run,
and which TCP ports are listening. No third-party library: each process is named by its pid and
its start time, so a pid the system hands to a new process later is not mistaken for it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Process:
    pid: int
    started: int  # clock ticks after boot: with the pid, names one process for good
    parent: int
    command: str

    def running(self) -> bool:
        """Still running: the same process (same start time), and not a zombie (a process that
        has ended and waits for its parent to read its exit status)."""
        stat = _stat(self.pid)
        return stat is not None and stat[1] == self.started and stat[0] not in ("Z", "X")


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, start time, parent pid) of a pid, or None if there is no such process."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2:].split()  # the command name in () may hold spaces
    return fields[0], int(fields[19]), int(fields[1])


def _command(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def descendants(root: int) -> list[Process]:
    """Every process whose chain of parents leads to root (children, grandchildren, ...)."""
    parents = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                parents[int(entry.name)] = stat[2]
    found, frontier = [], {root}
    while frontier:
        children = {pid for pid, parent in parents.items() if parent in frontier}
        for pid in children:
            stat = _stat(pid)
            if stat is not None:
                found.append(Process(pid, stat[1], stat[2], _command(pid)))
        frontier = children
    return found


def listening_ports() -> set[int]:
    """TCP ports some process listens on (IPv4 and IPv6)."""
    ports = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def wait_until(condition, timeout: float, interval: float = 0.1) -> bool:
    """Poll condition() until it is true or timeout seconds have passed; its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
