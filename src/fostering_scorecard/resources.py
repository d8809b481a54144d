"""Where the tool's own files are: package data, found through importlib.resources.

The SQL models (sql/), the Great Expectations suites (expectations/) and the flows (flows/) are
kept at the top of the repository and mapped into the package by pyproject.toml, so a wheel
carries them and an editable install reads them where they are: there is one copy of each. The
national definitions (national/), the DfE comparator data (reference/) and the project template
(templates/) live inside the package itself. Nothing here reads a council's project or the
current folder.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE = "fostering_scorecard"


def _directory(package: str, *parts: str) -> Path:
    # Installed wheels and editable installs are plain folders on disk (no zip imports).
    return Path(str(files(package).joinpath(*parts)))


def sql_dir() -> Path:
    """sql/: staging -> intermediate -> metrics, breakdowns, lists and checks."""
    return _directory(f"{PACKAGE}.sql")


def expectations_dir() -> Path:
    """expectations/: one Great Expectations suite per extract, generated from the contract."""
    return _directory(f"{PACKAGE}.expectations")


def national_file(name: str) -> Path:
    """national/<name>: the data contract, the metric registry and the national settings."""
    return _directory(PACKAGE, "national", name)


def reference_file(name: str) -> Path:
    """reference/<name>: DfE official statistics shipped with the tool (Open Government Licence)."""
    return _directory(PACKAGE, "reference", name)


def template_dir(name: str) -> Path:
    """templates/<name>: files the tool copies or fills in (a new council project)."""
    return _directory(PACKAGE, "templates", name)


def package_files() -> list[tuple[str, Path]]:
    """Every file of the installed tool that can change what a run produces (code, SQL, suites,
    definitions, reference data, templates), as (name inside the package, path), sorted: the
    manifest hashes them to identify the code that ran, with or without git."""
    roots = [
        ("", _directory(PACKAGE)),
        ("sql/", sql_dir()),
        ("expectations/", expectations_dir()),
        ("flows/", _directory(f"{PACKAGE}.flows")),
    ]
    found: dict[str, Path] = {}
    for prefix, root in roots:
        for path in root.rglob("*"):
            relative = path.relative_to(root)
            if path.is_file() and "__pycache__" not in relative.parts and path.suffix not in (".pyc", ".pyo"):
                found.setdefault(prefix + relative.as_posix(), path)
    return sorted(found.items())
