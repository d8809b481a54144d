"""Shared by the audit-trail tests (test_publish, test_restatements, test_verify_kinds,
test_audit_log): one small hand-built council, a light pack, and running a month the way the
`scorecard` command does (with --reason when given).

The council: one child placed with household H00045 since June 2019; three fostering
households, two approved in 2019-20 (May and July 2019), the third with an unreadable approval
date, so it is set aside. As at March 2020 approvals_fytd (financial year to date, from 1 April
2019) is 2.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
from pathlib import Path

import pytest
from builders import SAMPLE_PROJECT, children_for, write_extracts

from fostering_scorecard.pack import pack_process
from fostering_scorecard import pack, project, publish, run, tables

MONTH = "2020-03"
CHILD, HOUSEHOLD = "C000123", "H00045"  # ids in the style of the real extracts
EPISODES = [
    {"CHILD": CHILD, "DECOM": "01/01/2017", "RNE": "S", "DEC": "01/06/2019", "REC": "X1"},
    {"CHILD": CHILD, "DECOM": "01/06/2019", "RNE": "P", "HOUSEHOLD_ID": HOUSEHOLD},
]
CARERS = [
    {"household_id": HOUSEHOLD, "approval_date": "01/05/2019"},
    {"household_id": "H00046", "approval_date": "01/07/2019"},
    {"household_id": "H00047", "approval_date": "not a date"},
    # Approved long before: the carers extract covers the whole financial year and more (an
    # extract beginning after 1 April 2019 could not support approvals_fytd for 2019-20).
    {"household_id": "H00048", "approval_date": "01/02/2017"},
]
# The correction the MIU sends: the first household was approved in May 2018 (2018-19), not
# May 2019, so approvals_fytd as at March 2020 falls from 2 to 1.
CORRECTED_CARERS = [{**CARERS[0], "approval_date": "01/05/2018"}, *CARERS[1:]]
RECORD_IDS = (CHILD, HOUSEHOLD, "H00046", "H00047", "H00048")


def tolerant_project(folder: Path):
    """The sample council's project, copied to folder, accepting up to half of an extract's rows
    set aside: the default limit (2%) rightly stops a 3-row example that sets one aside
    (publication_check), and these tests are about publishing, not that limit."""
    shutil.copytree(SAMPLE_PROJECT, folder, ignore=shutil.ignore_patterns("extracts", "outputs"))
    settings = folder / "scorecard.toml"
    text, count = re.subn(r"(?m)^max_set_aside_share = .*$", "max_set_aside_share = 0.5", settings.read_text())
    assert count == 1, "the sample project's [quality] max_set_aside_share line moved"
    settings.write_text(text)
    return project.load(folder)


@pytest.fixture(scope="session")
def council(tmp_path_factory):
    """The tolerant copy of the sample council's project, for a whole test session."""
    return tolerant_project(tmp_path_factory.mktemp("council") / "project")


def landing_folder(folder: Path, carers: list[dict] = CARERS) -> Path:
    return write_extracts(folder, episodes=EPISODES, header=children_for(EPISODES), carers=carers)


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def light_pack(folder, ctx, rows, history, quality_rows, breakdowns=None, release=None):
    """The pack's two CSVs and a one-line "pack" stating the release, as every real format does."""
    tables.write_csv(folder / "scorecard.csv", pack.SCORECARD_COLUMNS, rows)
    tables.write_csv(folder / "scorecard_history.csv", pack.HISTORY_COLUMNS, history)
    (folder / "scorecard_pack.html").write_text(f"<p>{release.headline() if release else 'Version 1'}</p>\n", encoding="utf-8")


def run_with(project, month: str, extracts: Path, output: Path, reason: str | None = None, suite_runner=None):
    """A month through the spine as `scorecard run --month M [--reason R]` runs it."""
    return run.run_month(project, month, extracts, output, suite_runner=suite_runner, options=run.RunOptions(reason=reason))


@contextlib.contextmanager
def light_pack_with_pinned_code():
    """For a module's tests: the pack written light (scorecard.csv only: the figures are what
    these tests compare) and the code identity pinned, so another engineer editing the tree
    mid-test is not "the code changed"."""
    pinned = publish.manifest.code_version()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pack, "write_pack", light_pack)
        patch.setattr(pack_process, "WORKERS", 0)  # a backfill's packs written here, by light_pack
        patch.setattr(publish.manifest, "code_version", lambda: dict(pinned))
        yield


@pytest.fixture(scope="module", autouse=True)
def light_pack_and_pinned_code():
    """light_pack_with_pinned_code for every test of a module that imports this fixture."""
    with light_pack_with_pinned_code():
        yield
