"""The regional month folder: the regional pack, written whole or not at all.

    <region outputs>/<YYYY-MM>/
      region_pack.pdf, region_pack.html, region_pack.xlsx   the pack (render.py)
      region_scorecard.csv   tidy: one row per indicator and council, region, England (figures.py)
      charts/<metric>.svg    one chart per key indicator
      sources.csv            which council's published file (version, sha256) each figure is from
      region_runs.csv        how each council's run ended, with the reason for a failure

Everything but region_runs.csv is built only from the councils' published public files, so the
pack is as safe to publish as theirs; region_runs.csv is for the hub's analysts (it names
folders and files). The same published files give the same bytes.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .. import runtime
from ..errors import UserError
from ..publish.files import private_mkdir
from ..tables import write_csv
from .config import CouncilProject, Region
from .figures import PublishedCouncil, read_published, regional_figures, write_figures

RUNS_FILE = "region_runs.csv"
RUNS_COLUMNS = ["council_id", "council", "outcome", "detail", "flow_run", "version_in_pack"]


class NothingPublished(UserError):
    """No member council has published the month: there is nothing to compare."""


@dataclass
class WrittenMonth:
    folder: Path
    councils_included: int
    left_out: dict[str, str] = field(default_factory=dict)  # council id -> why it is not in the pack


def published_councils(region: Region, month: str, councils: list[CouncilProject]) -> tuple[list[PublishedCouncil], dict[str, str]]:
    """The councils' published months, in region.toml's order, and why the others are left out."""
    included, left_out = [], {}
    for item in councils:
        if item.project is None:
            left_out[item.council.id] = "its project could not be read"
            continue
        published = read_published(item.council.id, item.project, month)
        if published is None:
            left_out[item.council.id] = f"{month} is not published in its output folder"
        else:
            included.append(published)
    return included, left_out


def write_region_month(region: Region, month: str, councils: list[CouncilProject], outcomes: list | None) -> WrittenMonth:
    """Write the region's month folder from what the councils have published; outcomes (this
    run's, region/dispatch.py) go to region_runs.csv (None: keep the folder's previous one)."""
    included, left_out = published_councils(region, month, councils)
    if not included:
        raise NothingPublished(f"no member council of {region.name} has published {month}, so there is no regional pack to write.\n"
                               f"  How to fix: run the councils first (scorecard region run --region {region.root} --month {month}).")
    figures = regional_figures(region, included)
    private_mkdir(region.outputs_dir)
    final = region.outputs_dir / month
    # What a killed run of this month left (its half-written folder, or the old one it was
    # replacing) goes first; a folder of a run still going is left to it.
    for leftover in (*region.outputs_dir.glob(f".partial-{month}-*"), *region.outputs_dir.glob(f".old-{month}-*")):
        pid = leftover.name.rsplit("-", 1)[-1]
        # a dead run's (this process's pid can be a dead run's too: this run has not begun its own)
        if not pid.isdigit() or int(pid) == os.getpid() or not runtime.process_running(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)
    partial = region.outputs_dir / f".partial-{month}-{os.getpid()}"
    private_mkdir(partial)
    try:
        write_figures(partial, region, month, included, figures)
        from .render import write_pack_files

        write_pack_files(partial, region, month, included, figures, left_out)
        if outcomes is not None:
            versions = {c.council_id: c.version for c in included}
            names = {item.council.id: item.project.settings.council_name for item in councils if item.project is not None}
            write_csv(partial / RUNS_FILE, RUNS_COLUMNS, [
                {"council_id": o.council_id, "council": names.get(o.council_id, ""), "outcome": o.outcome, "detail": o.detail,
                 "flow_run": o.flow_run, "version_in_pack": versions.get(o.council_id)} for o in outcomes])
        elif (final / RUNS_FILE).is_file():
            shutil.copy2(final / RUNS_FILE, partial / RUNS_FILE)
        runtime.stop_if_asked()  # a stop a library swallowed must not put the month in place
        _replace(final, partial)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return WrittenMonth(final, len(included), left_out)


def _replace(final: Path, partial: Path) -> None:
    """Put the new folder in place of the old one (the old one removed once it is out of the way)."""
    old = final.with_name(f".old-{final.name}-{os.getpid()}")
    if final.exists():
        final.rename(old)
    partial.rename(final)
    shutil.rmtree(old, ignore_errors=True)
