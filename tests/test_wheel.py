"""The tool as a council installs it: a wheel built from this repository, installed (not
editable) with the lock file into a fresh virtual environment, serving two councils' projects.

Nothing of the repository is on the path of the installed tool: the SQL, the suites, the
national definitions, the DfE data and the templates must all come from the wheel. The two
projects share the install and the extracts, but not their targets, so their statuses differ.
"""

import csv
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from builders import REPOSITORY, SAMPLE_EXTRACTS, SAMPLE_PROJECT, children_for, write_extracts

BUILD_FILES = ("pyproject.toml", "README.md", "src", "sql", "expectations", "flows")
SAMPLE_MONTH = "2025-03"  # the bundled sample's latest complete month (extracted 5 April 2025)
MONTH = "2020-03"  # the hand-built small council's (write_extracts: extracted 5 April 2020)


def run(command: list, cwd: Path, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the installed `scorecard` command, an environment for it, a work folder)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"  # a copy: building never writes into the checkout
    source.mkdir()
    for name in BUILD_FILES:
        original = REPOSITORY / name
        if original.is_dir():
            shutil.copytree(original, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(original, source / name)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", root / "dist", source], cwd=root)
    wheel = next((root / "dist").glob("fostering_scorecard-*.whl"))

    environment = root / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    run([*pip, "-r", REPOSITORY / "requirements.lock"], cwd=root, timeout=1800)
    run([*pip, "--no-deps", wheel], cwd=root)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{environment / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    work = root / "work"
    work.mkdir()
    return environment / "bin" / "scorecard", env, work, wheel


def test_the_wheel_carries_the_sql_suites_definitions_reference_data_and_templates(installed):
    *_, wheel = installed
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "fostering_scorecard/sql/metrics/recruitment.sql",
        "fostering_scorecard/sql/checks/episodes_overlapping.sql",
        "fostering_scorecard/expectations/episodes.json",
        "fostering_scorecard/national/metrics.toml",
        "fostering_scorecard/national/extracts.toml",
        "fostering_scorecard/national/settings.toml",
        "fostering_scorecard/reference/dfe_la_cla_placement_stability_2021_2025.csv",
        "fostering_scorecard/templates/project/scorecard.toml",
        "fostering_scorecard/templates/project/.gitignore",
        "fostering_scorecard/flows/monthly_scorecard.py",
    ):
        assert expected in names
    assert not any(name.startswith(("data/", "tests/", "tools/")) for name in names)


def test_the_installed_tool_runs_a_new_project_from_outside_the_repository(installed):
    """scorecard init, the sample's targets and extracts copied in, scorecard run in the project
    folder: the month's scorecard.csv is the sample's own ground truth."""
    scorecard, env, work, _ = installed
    run([scorecard, "init", "kent-like", "--name", "Sample County Council", "--la-code", "886"], cwd=work, env=env)
    project = work / "kent-like"
    shutil.copy2(SAMPLE_PROJECT / "targets.toml", project / "targets.toml")
    # The sample's own limit on rows set aside (it plants bad rows on purpose; scorecard.toml).
    settings = project / "scorecard.toml"
    settings.write_text(settings.read_text().replace("# max_set_aside_share = 0.02", "max_set_aside_share = 0.05"))
    for path in SAMPLE_EXTRACTS.iterdir():
        shutil.copy2(path, project / "extracts" / path.name)
    result = run([scorecard, "run", "--no-prefect"], cwd=project, env=env)
    assert "published as version 1" in result.stdout
    ground_truth = REPOSITORY / "tests" / "ground_truth" / "sample-2025-03" / "scorecard.csv"
    assert (project / "outputs" / SAMPLE_MONTH / "scorecard.csv").read_bytes() == ground_truth.read_bytes()
    assert (project / "outputs" / SAMPLE_MONTH / "scorecard_pack.pdf").stat().st_size > 0
    run([scorecard, "verify", "--month", SAMPLE_MONTH], cwd=project / "extracts", env=env)  # found from inside the project


def small_council_extracts(folder: Path) -> Path:
    """A Rotherham-sized year: 20 children placed in 2019-20 and 8 households approved."""
    episodes = [
        {"CHILD": f"R{n:03d}", "DECOM": f"{1 + n:02d}/{5 + n % 7:02d}/2019", "RNE": "S", "HOUSEHOLD_ID": f"HR{n % 8:02d}"}
        for n in range(20)
    ]
    carers = [{"household_id": f"HR{n:02d}", "approval_date": f"{10 + n:02d}/{4 + n:02d}/2019"} for n in range(8)]
    return write_extracts(folder, episodes=episodes, header=children_for(episodes), carers=carers)


def statuses(month_dir: Path) -> dict[str, str]:
    with (month_dir / "scorecard.csv").open(newline="") as f:
        return {row["metric_id"]: row["rag"] for row in csv.DictReader(f)}


def test_two_councils_share_one_install_with_their_own_targets(installed):
    scorecard, env, work, _ = installed
    results = {}
    for name, target in (("rotherham-like", 10), ("ambitious", 40)):
        run([scorecard, "init", name, "--name", "Rotherham Metropolitan Borough Council", "--la-code", "372"], cwd=work, env=env)
        project = work / name
        (project / "targets.toml").write_text(f'[approvals_fytd]\n"2019-20" = {{ target = {target}, tolerance = 0.2 }}\n')
        small_council_extracts(project / "extracts")
        run([scorecard, "run", "--no-prefect", "--project", project], cwd=work, env=env)
        results[name] = statuses(project / "outputs" / MONTH)
    # 8 approvals by March: 8 >= 10 - 20% is Amber for one council, far below 40 (Red) for the other.
    assert results["rotherham-like"]["approvals_fytd"] == "Amber"
    assert results["ambitious"]["approvals_fytd"] == "Red"
    assert results["rotherham-like"]["approved_households"] == "Not rated"  # no target set in either
