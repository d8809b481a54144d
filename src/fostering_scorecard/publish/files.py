"""Files of the audit trail: owner-only folders and files, content hashes, and writing a file
under a hidden name before renaming it into place (a reader never sees half a file).

Outputs hold personal data (internal/, the input archive) and unpublished figures, so every
folder is 0700 and every file 0600 (archived inputs 0400), whatever the umask."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path


def private_mkdir(directory: Path) -> Path:
    """Create directory and any missing parents as owner-only (0700), whatever the umask.
    Returns the first folder created (or directory itself when it already existed)."""
    directory = Path(directory)
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
        folder.chmod(0o700)
    return missing[0] if missing else directory


def restrict_permissions(directory: Path) -> None:
    """Make directory and everything in it owner-only: folders 0700, files 0600."""
    directory = Path(directory)
    directory.chmod(0o700)
    for path in directory.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def partial_path(target: Path) -> Path:
    """A hidden name beside target, unique to this process and thread, to write it under first."""
    target = Path(target)
    return target.with_name(f".{target.name}.partial-{os.getpid()}-{threading.get_ident()}")


def write_atomically(target: Path, write: Callable[[Path], None], mode: int = 0o600) -> Path:
    """Write target in one step: write(partial) fills a hidden file beside it, which is given
    mode and renamed over target. If write raises, the hidden file is removed and target is
    left as it was."""
    target = Path(target)
    partial = partial_path(target)
    try:
        write(partial)
        partial.chmod(mode)
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    return target
