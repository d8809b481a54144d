"""A region: a folder whose region.toml names the member councils' projects, read and checked
as project.py reads a council's project (a misspelt key is named, every problem is a
FileProblem with the fix).

    south-east/
      region.toml     the region's name (and its DfE region), the councils, the work pool
      outputs/        the regional pack, one folder per month (the default; region.toml may move it)

    [region]
    name = "South East fostering hub"
    dfe_region = "South East"          # optional: the DfE region whose published figures are shown
    outputs = "outputs"                # optional: where the regional pack goes
    work_pool = "fostering-scorecard"  # optional: the Prefect work pool (type process)
    concurrency = 2                    # optional: at most this many councils run at once
    key_indicators = ["approvals_fytd", ...]  # optional: the indicators charted in the pack

    [[council]]
    id = "kent"                        # optional: a short name (default: the project folder's)
    project = "../kent"                # the council's project folder: relative to region.toml, or absolute
    work_queue = "kent-server"         # optional: the work pool's queue its run goes to

Only paths are read here: each council's project is read (project.load) when the region runs,
so one council's broken project fails that council alone (load_councils).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import FileProblem, UserError
from ..project import Project
from ..project import load as load_project

REGION_FILE = "region.toml"
DEFAULT_WORK_POOL = "fostering-scorecard"
DEFAULT_CONCURRENCY = 2
# Charted in the regional pack, one chart each (region.toml [region] key_indicators replaces
# them): the business-plan headline counts, the DfE stability measures, sufficiency, training
# and allegations, as a council's pack leads with them.
DEFAULT_KEY_INDICATORS = (
    "approvals_fytd",
    "approved_households",
    "net_change_12m",
    "stability_short_term",
    "stability_long_term",
    "in_house_share",
    "core_training_12m",
    "allegations_per_100_households",
)
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_PREFECT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$")
REGION_KEYS = {"name", "dfe_region", "outputs", "work_pool", "concurrency", "key_indicators"}
COUNCIL_KEYS = {"id", "project", "work_queue"}


class RegionError(FileProblem):
    """region.toml is missing, unreadable, or holds a setting the tool cannot use."""


@dataclass(frozen=True)
class Council:
    """One member council as region.toml names it."""

    id: str
    project_dir: Path
    work_queue: str | None = None


@dataclass(frozen=True)
class Region:
    root: Path  # the folder holding region.toml
    name: str
    dfe_region: str | None
    outputs_dir: Path
    work_pool: str
    concurrency: int
    key_indicators: tuple[str, ...]
    councils: tuple[Council, ...]

    @property
    def slug(self) -> str:
        """The region's name as a Prefect name: the global concurrency limit's."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-") or "region"

    @property
    def concurrency_limit(self) -> str:
        """The Prefect global concurrency limit every council run of this pool takes a slot of."""
        return f"scorecard-councils-{self.work_pool}"


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise RegionError(REGION_FILE, f"not found in {path.parent}",
                          "pass --region DIR, the folder holding region.toml (docs/operations.md, \"Regions\", shows one).") from None
    except IsADirectoryError:
        raise RegionError(REGION_FILE, f"{path} is a folder", "region.toml must be a file.") from None
    except OSError as exc:
        raise RegionError(REGION_FILE, f"cannot be read ({exc.strerror})", "check the file's permissions.") from None
    except tomllib.TOMLDecodeError as exc:
        raise RegionError(REGION_FILE, f"is not valid TOML ({exc})", "correct the line named; docs/operations.md, \"Regions\", shows the format.") from None


def _text(value, where: str, example: str, pattern: re.Pattern | None = None) -> str:
    if not isinstance(value, str) or not value.strip() or any(ch in value for ch in "\n\r"):
        raise RegionError(REGION_FILE, f"{where} must be text in quotes", f"for example  {example}")
    if pattern is not None and not pattern.match(value.strip()):
        raise RegionError(REGION_FILE, f"{where} may hold only letters, digits, hyphens (and . or _ where allowed), up to 40-60 characters",
                          f"for example  {example}")
    return value.strip()


def load(folder: Path, metric_ids: set[str] | None = None) -> Region:
    """The region in folder (its region.toml), checked. metric_ids (the national registry's, by
    default) are what key_indicators may name."""
    folder = Path(folder)
    if folder.is_file() and folder.name == REGION_FILE:
        folder = folder.parent
    folder = folder.resolve()
    if not folder.is_dir():
        raise RegionError(str(folder), "the region folder does not exist", "check the --region path: the folder holding region.toml.")
    data = _read(folder / REGION_FILE)
    unknown = sorted(set(data) - {"region", "council"})
    if unknown:
        raise RegionError(REGION_FILE, f"unknown section(s): {', '.join(f'[{s}]' for s in unknown)}",
                          "use [region] (once) and [[council]] (once per council).")
    section = data.get("region")
    if not isinstance(section, dict):
        raise RegionError(REGION_FILE, "[region] is missing", 'start the file with  [region]  and  name = "Your region"')
    unknown = sorted(set(section) - REGION_KEYS)
    if unknown:
        raise RegionError(REGION_FILE, f"[region] has unknown setting(s): {', '.join(unknown)}",
                          f"the settings of [region] are: {', '.join(sorted(REGION_KEYS))}.")
    name = _text(section.get("name"), "[region] name", 'name = "South East fostering hub"')
    dfe_region = _text(section["dfe_region"], "[region] dfe_region", 'dfe_region = "South East"') if "dfe_region" in section else None
    outputs = _text(section.get("outputs", "outputs"), "[region] outputs", 'outputs = "outputs"')
    work_pool = _text(section.get("work_pool", DEFAULT_WORK_POOL), "[region] work_pool", f'work_pool = "{DEFAULT_WORK_POOL}"', _PREFECT_NAME)
    concurrency = section.get("concurrency", DEFAULT_CONCURRENCY)
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or not 1 <= concurrency <= 100:
        raise RegionError(REGION_FILE, "[region] concurrency must be a whole number from 1 to 100",
                          f"for example  concurrency = {DEFAULT_CONCURRENCY}  (councils running at once, across every worker)")
    key_indicators = _key_indicators(section, metric_ids)
    councils = _councils(data.get("council"), folder)
    return Region(root=folder, name=name, dfe_region=dfe_region, outputs_dir=(folder / outputs).resolve(), work_pool=work_pool,
                  concurrency=concurrency, key_indicators=key_indicators, councils=councils)


def _key_indicators(section: dict, metric_ids: set[str] | None) -> tuple[str, ...]:
    if metric_ids is None:
        from .. import definitions

        metric_ids = {metric.id for metric in definitions.load().metrics}
    chosen = section.get("key_indicators", list(DEFAULT_KEY_INDICATORS))
    if not isinstance(chosen, list) or not chosen or not all(isinstance(m, str) for m in chosen):
        raise RegionError(REGION_FILE, "[region] key_indicators must be a list of indicator ids",
                          'for example  key_indicators = ["approvals_fytd", "stability_short_term"]  (docs/metrics.md lists the ids)')
    unknown = [m for m in chosen if m not in metric_ids]
    if unknown:
        raise RegionError(REGION_FILE, f"[region] key_indicators names indicator(s) that do not exist: {', '.join(unknown)}",
                          "use the ids listed in docs/metrics.md.")
    if len(set(chosen)) != len(chosen):
        raise RegionError(REGION_FILE, "[region] key_indicators names an indicator twice", "list each indicator once.")
    return tuple(chosen)


def _councils(entries, folder: Path) -> tuple[Council, ...]:
    if entries is None or entries == []:
        raise RegionError(REGION_FILE, "names no council", 'add one  [[council]]  section per council, with  project = "path/to/its/project"')
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RegionError(REGION_FILE, "council must be written as [[council]] sections", 'write  [[council]]  then  project = "..."  for each council.')
    councils: list[Council] = []
    for number, entry in enumerate(entries, start=1):
        where = f"[[council]] number {number}"
        unknown = sorted(set(entry) - COUNCIL_KEYS)
        if unknown:
            raise RegionError(REGION_FILE, f"{where} has unknown setting(s): {', '.join(unknown)}",
                              f"the settings of [[council]] are: {', '.join(sorted(COUNCIL_KEYS))}.")
        if "project" not in entry:
            raise RegionError(REGION_FILE, f"{where} has no project", 'give the council\'s project folder:  project = "../kent"')
        project_dir = (folder / _text(entry["project"], f"{where} project", 'project = "../kent"')).resolve()
        default_id = re.sub(r"[^a-z0-9]+", "-", project_dir.name.lower()).strip("-")[:40] or f"council-{number}"
        council_id = _text(entry.get("id", default_id), f"{where} id", 'id = "kent"', _ID)
        queue = _text(entry["work_queue"], f"{where} work_queue", 'work_queue = "kent-server"', _PREFECT_NAME) if "work_queue" in entry else None
        councils.append(Council(id=council_id, project_dir=project_dir, work_queue=queue))
    ids, projects = set(), {}
    for council in councils:
        if council.id in ids:
            raise RegionError(REGION_FILE, f"two councils have the id {council.id}",
                              'give each council its own  id = "..."  (the default is its project folder\'s name).')
        if council.project_dir in projects:
            raise RegionError(REGION_FILE, f"councils {projects[council.project_dir]} and {council.id} have the same project folder",
                              "name each council's project once.")
        ids.add(council.id)
        projects[council.project_dir] = council.id
    return tuple(councils)


# ---------------------------------------------------------------------------------------------
# The councils' projects


@dataclass(frozen=True)
class CouncilProject:
    """A member council with its project read, or the reason it could not be (a message: the
    project's own FileProblem, which never quotes a data value)."""

    council: Council
    project: Project | None
    problem: str | None = None


def load_councils(region: Region) -> list[CouncilProject]:
    """Every council's project, read; a project that cannot be read is that council's problem
    alone. Councils whose folders overlap (one output or extracts folder for two councils, or a
    council writing into the region's pack folder) stop the region: their data would mix."""
    loaded = []
    for council in region.councils:
        try:
            loaded.append(CouncilProject(council, load_project(council.project_dir)))
        except UserError as problem:
            loaded.append(CouncilProject(council, None, str(problem)))
    read = [c for c in loaded if c.project is not None]
    for kind in ("outputs_dir", "extracts_dir"):
        owners: dict[Path, str] = {}
        for item in read:
            folder = getattr(item.project, kind)
            for other_folder, other in owners.items():
                if folder == other_folder or folder.is_relative_to(other_folder) or other_folder.is_relative_to(folder):
                    words = "output" if kind == "outputs_dir" else "extracts"
                    raise RegionError(REGION_FILE, f"councils {other} and {item.council.id} share an {words} folder ({folder})",
                                      f"give each council's project its own [folders] {words.replace('output', 'outputs')} in its scorecard.toml: councils' data never mix.")
            owners[folder] = item.council.id
    for item in read:
        outputs = item.project.outputs_dir
        if region.outputs_dir == outputs or region.outputs_dir.is_relative_to(outputs) or outputs.is_relative_to(region.outputs_dir):
            raise RegionError(REGION_FILE, f"[region] outputs and council {item.council.id}'s output folder overlap ({region.outputs_dir})",
                              "give the regional pack a folder of its own:  outputs = \"outputs\"  next to region.toml.")
    return loaded
