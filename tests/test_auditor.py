"""An auditor on another machine, following docs/operations.md ("Auditing on another machine"):
only a copy of the output folder is handed over; the council's project folder and extracts
are gone; the auditor reads the Python and tool versions and the lock from the manifest with
the documentation's own commands, then verifies from a folder with no project in it.

What cannot be done inside a test is making a new virtual environment with another Python and
installing the wheel (tests/test_wheel.py installs the wheel); here the tool already installed
is the recorded one, as it would be after step 4.
"""

import shlex
import shutil
import subprocess
import sys
from importlib import metadata

import pytest
from builders import REPOSITORY
from publishing import MONTH, landing_folder, light_pack, run_with, tolerant_project

import fostering_scorecard
from fostering_scorecard.pack import pack_process
from fostering_scorecard import pack, publish, run


@pytest.fixture(autouse=True)
def light_pack_and_pinned_code(monkeypatch):
    pinned = publish.manifest.code_version()
    monkeypatch.setattr(pack, "write_pack", light_pack)
    monkeypatch.setattr(pack_process, "WORKERS", 0)  # a backfill's packs written here, by light_pack
    monkeypatch.setattr(publish.manifest, "code_version", lambda: dict(pinned))


def documented_commands() -> list[list[str]]:
    """The `python3 -c ...` commands of the auditor's steps, as words (an output redirect dropped)."""
    section = (REPOSITORY / "docs" / "operations.md").read_text().split("## Auditing on another machine")[1].split("\n## ")[0]
    commands = [shlex.split(line.strip()) for line in section.splitlines() if line.strip().startswith("python3 -c ")]
    return [words[: words.index(">")] if ">" in words else words for words in commands]


@pytest.fixture
def handed_over(tmp_path, suite_runner):
    """The council publishes MONTH and hands over a copy of its output folder, nothing else."""
    council = tmp_path / "council"
    own_project = tolerant_project(council / "project")
    run_with(own_project, MONTH, landing_folder(council / "landing"), own_project.outputs_dir, suite_runner=suite_runner)
    auditor = tmp_path / "auditor"
    shutil.copytree(own_project.outputs_dir, auditor / "outputs", symlinks=True)
    shutil.rmtree(council)
    return auditor


def test_the_documented_commands_read_the_versions_and_the_lock_from_the_manifest(handed_over):
    manifest = handed_over / "outputs" / MONTH / "manifest.json"
    versions_command, lock_command = documented_commands()
    for words in (versions_command, lock_command):
        assert words[0] == "python3" and words[-1] == "outputs/2025-03/manifest.json"  # the sample's month in the doc
    run_it = lambda words: subprocess.run([sys.executable, *words[1:-1], str(manifest)], capture_output=True, text=True, check=True).stdout  # noqa: E731

    recorded = publish.read_manifest(manifest.parent)
    assert run_it(versions_command).splitlines() == [f"python {recorded['dependencies']['python']}", f"fostering-scorecard {fostering_scorecard.__version__}"]
    lock = run_it(lock_command).splitlines()
    assert f"pandas=={metadata.version('pandas')}" in lock and f"openpyxl=={metadata.version('openpyxl')}" in lock
    assert not any(line.startswith("fostering-scorecard==") for line in lock)  # installed from its wheel
    assert len(lock) == len(recorded["dependencies"]["distributions"]) - 1


def test_the_month_is_reproduced_from_the_copied_output_folder_alone(handed_over, monkeypatch, suite_runner):
    monkeypatch.chdir(handed_over)  # no scorecard project here or above
    report = run.verify_month(None, MONTH, handed_over / "outputs", suite_runner=suite_runner)
    assert report.reproduced, report.text()
    reports = run.verify_all(None, handed_over / "outputs", suite_runner=suite_runner)
    assert publish.overall_exit_code(reports) == 0
