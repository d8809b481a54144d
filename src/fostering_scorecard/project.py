"""A council's scorecard project: the folder a council owns, as a dbt project is.

    my-council/
      scorecard.toml   the council's name and LA code, where its extracts and outputs are, options
      targets.toml     its targets and tolerances per financial year, by indicator id
      mappings/        column mappings for its case-management system (optional)
      extracts/        the MIU's monthly extracts (the default; scorecard.toml may point elsewhere)
      outputs/         the packs, their versions and the archive of inputs (likewise)

`scorecard init DIR` writes one from templates/project/, every setting commented. Every command
finds the project from the current folder (or a parent) or from --project DIR, reads it once
with load() and passes the Project down: no other module reads a council's files by name.
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from . import definitions as national
from . import resources
from .definitions import ComparatorData, Definitions, DisclosureRules, Extract, Metric, PackLayout, Target
from .errors import FileProblem

PROJECT_FILE = "scorecard.toml"
TARGETS_FILE = "targets.toml"
MAPPINGS_DIR = "mappings"
TEMPLATE = "project"
_FINANCIAL_YEAR = re.compile(r"^(\d{4})-(\d{2})$")
_LA_CODE = re.compile(r"^\d{3}$")


class ProjectError(FileProblem):
    """A project file is missing, unreadable or holds a setting the tool cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything a run reads about the council and how to present it: the council's own
    options (defaults from the national settings) and the national layout and rules."""

    council_name: str
    la_code: str
    count_temporary_placements: bool
    adoption_with_current_carer_is_a_move: bool
    trend_months: int
    sparkline_months: int
    no_material_change_relative: float
    no_material_change_points: float
    neighbours: tuple[str, ...]  # override of the DfE statistical neighbours; empty = DfE's
    max_set_aside_share: float  # above it, in any extract, the month is not published
    layout: PackLayout
    disclosure: DisclosureRules
    comparators: ComparatorData


@dataclass(frozen=True)
class Project:
    root: Path
    settings: Settings
    metrics: tuple[Metric, ...]  # the national registry with this council's targets
    extracts_dir: Path
    outputs_dir: Path
    definitions: Definitions

    @property
    def extracts(self) -> dict[str, Extract]:
        return self.definitions.extracts

    @property
    def mappings_dir(self) -> Path:
        return self.root / MAPPINGS_DIR

    def config_files(self) -> list[tuple[str, Path]]:
        """The project's files that can change what a month shows, as (name, path): the
        manifest records them, so an audit knows the settings and targets a pack was made with."""
        files = [(PROJECT_FILE, self.root / PROJECT_FILE), (TARGETS_FILE, self.root / TARGETS_FILE)]
        if self.mappings_dir.is_dir():
            files += [(f"{MAPPINGS_DIR}/{p.name}", p) for p in sorted(self.mappings_dir.glob("*.toml"))]
        return [(name, path) for name, path in files if path.is_file()]

    def with_folders(self, extracts_dir: Path | None = None, outputs_dir: Path | None = None) -> "Project":
        """The same project reading another extracts folder or writing to another output folder
        (--extracts, --output)."""
        return replace(
            self,
            extracts_dir=Path(extracts_dir) if extracts_dir else self.extracts_dir,
            outputs_dir=Path(outputs_dir) if outputs_dir else self.outputs_dir,
        )


# ---------------------------------------------------------------------------------------------
# Finding and reading a project


def find(start: Path | None = None) -> Path:
    """The project folder: start itself when it holds scorecard.toml, else the nearest parent
    that does (as git finds its repository)."""
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    raise ProjectError(
        PROJECT_FILE,
        f"no scorecard project in {start} or any folder above it",
        "run the command inside your council's project folder, pass --project DIR, or create a "
        "project with:  scorecard init DIR --name \"Your Council\" --la-code 123",
    )


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ProjectError(path.name, f"not found in {path.parent}", "create it with scorecard init, or restore it.") from None
    except OSError as exc:
        raise ProjectError(path.name, f"cannot be read ({exc.strerror})", "check the file's permissions.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(path.name, f"is not valid TOML ({exc})", "correct the line named; the template from scorecard init shows the format.") from None


def _option(data: dict, section: str, name: str, default, file: str):
    value = data.get(section, {}).get(name, default)
    kind = type(default)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if kind is list:
        ok = isinstance(value, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value)
    else:
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        expected = {bool: "true or false", int: "a whole number", float: "a number", list: "a list such as [\"885\", \"887\"]", str: "text in quotes"}[kind]
        raise ProjectError(file, f"[{section}] {name} must be {expected}", f"set it like the default:  {name} = {_toml_value(default)}")
    return value


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value).replace("'", '"')


def _check_known(data: dict, allowed: dict[str, set[str]], file: str) -> None:
    """A misspelt section or option is named, not silently ignored."""
    for section, options in data.items():
        if section not in allowed:
            raise ProjectError(file, f"unknown section [{section}]", f"use only {', '.join(f'[{s}]' for s in allowed)}.")
        if not isinstance(options, dict):
            raise ProjectError(file, f"{section} must be a [section]", f"write it as [{section}] followed by its settings.")
        unknown = sorted(set(options) - allowed[section])
        if unknown:
            raise ProjectError(file, f"[{section}] has unknown setting(s): {', '.join(unknown)}", f"the settings of [{section}] are: {', '.join(sorted(allowed[section]))}.")


def _parse_targets(data: dict, metrics: tuple[Metric, ...], file: str = TARGETS_FILE) -> dict[str, tuple[Target, ...]]:
    known = {m.id for m in metrics}
    targets: dict[str, tuple[Target, ...]] = {}
    for metric_id, spec in data.items():
        if metric_id not in known:
            raise ProjectError(file, f"[{metric_id}] is not an indicator of the national registry", "use the ids listed in docs/metrics.md.")
        if not isinstance(spec, dict):
            raise ProjectError(file, f"{metric_id} must be a [section]", f"write it as [{metric_id}] followed by one line per financial year.")
        years = []
        for key, value in spec.items():
            if key == "source":
                continue
            match = _FINANCIAL_YEAR.match(key)
            if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
                raise ProjectError(file, f"[{metric_id}] {key!r} is not a financial year", 'write the year as "2024-25" (1 April 2024 to 31 March 2025).')
            if not isinstance(value, dict) or set(value) != {"target", "tolerance"}:
                raise ProjectError(file, f"[{metric_id}] \"{key}\" must give a target and a tolerance", f'write:  "{key}" = {{ target = 120, tolerance = 0.1 }}')
            target, tolerance = value["target"], value["tolerance"]
            numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (target, tolerance))
            if not numbers or not 0 <= tolerance < 1:
                raise ProjectError(file, f"[{metric_id}] \"{key}\": target must be a number and tolerance a share from 0 to 1", "for example  target = 120, tolerance = 0.1  (Amber within 10% of the target).")
            years.append(Target(year=key, value=target, tolerance=tolerance))
        targets[metric_id] = tuple(sorted(years, key=lambda t: t.year))
    return targets


def load(root: Path) -> Project:
    """Read the project in root (scorecard.toml, targets.toml) with the national definitions."""
    root = Path(root).resolve()
    if not (root / PROJECT_FILE).is_file():
        if not root.is_dir():
            raise ProjectError(str(root), "the project folder does not exist", "check the --project path, or create one with scorecard init.")
        raise ProjectError(PROJECT_FILE, f"not found in {root}", "pass the folder that holds scorecard.toml, or create a project with scorecard init.")
    definitions = national.load()
    defaults = definitions.council_defaults
    data = _read(root / PROJECT_FILE)
    allowed = {"council": {"name", "la_code"}, "folders": {"extracts", "outputs"}} | {s: set(o) for s, o in defaults.items()}
    _check_known(data, allowed, PROJECT_FILE)

    council = data.get("council", {})
    name = council.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ProjectError(PROJECT_FILE, "[council] name is missing", 'set the council\'s name:  name = "Your Council"')
    la_code = str(council.get("la_code", "")).strip()
    if not _LA_CODE.match(la_code):
        raise ProjectError(PROJECT_FILE, "[council] la_code must be the council's three-digit DfE LA code", 'for example  la_code = "886"  (Kent); the DfE lists them with its statistics.')

    def option(section: str, option_name: str):
        return _option(data, section, option_name, defaults[section][option_name], PROJECT_FILE)

    settings = Settings(
        council_name=name.strip(),
        la_code=la_code,
        count_temporary_placements=option("stability", "count_temporary_placements"),
        adoption_with_current_carer_is_a_move=option("stability", "adoption_with_current_carer_is_a_move"),
        trend_months=option("pack", "trend_months"),
        sparkline_months=option("pack", "sparkline_months"),
        no_material_change_relative=option("pack", "no_material_change_relative"),
        no_material_change_points=option("pack", "no_material_change_points"),
        neighbours=tuple(str(code).strip() for code in option("comparators", "neighbours")),
        max_set_aside_share=option("quality", "max_set_aside_share"),
        layout=definitions.layout,
        disclosure=definitions.disclosure,
        comparators=definitions.comparators,
    )
    if not 0 <= settings.max_set_aside_share <= 1:
        raise ProjectError(PROJECT_FILE, "[quality] max_set_aside_share must be a share from 0 to 1", "for example  max_set_aside_share = 0.02  (2%)")
    for option_name in ("trend_months", "sparkline_months"):
        if not 13 <= getattr(settings, option_name) <= 24:
            raise ProjectError(PROJECT_FILE, f"[pack] {option_name} must be from 13 to 24", f"set it to 24 or less:  {option_name} = 24")

    targets = _parse_targets(_read(root / TARGETS_FILE), definitions.metrics) if (root / TARGETS_FILE).is_file() else {}
    metrics = tuple(replace(m, targets=targets.get(m.id, ())) for m in definitions.metrics)
    folders = data.get("folders", {})
    for key in ("extracts", "outputs"):
        if not isinstance(folders.get(key, key), str):
            raise ProjectError(PROJECT_FILE, f"[folders] {key} must be a folder path in quotes", f'for example  {key} = "{key}"')
    return Project(
        root=root,
        settings=settings,
        metrics=metrics,
        extracts_dir=(root / folders.get("extracts", "extracts")).resolve(),
        outputs_dir=(root / folders.get("outputs", "outputs")).resolve(),
        definitions=definitions,
    )


def open_project(directory: Path | None = None) -> Project:
    """The project in directory, or found from the current folder when none is given."""
    return load(Path(directory) if directory else find())


# ---------------------------------------------------------------------------------------------
# A new project


def init(directory: Path, name: str, la_code: str) -> Path:
    """Create a project in directory (new or empty) from the template, every setting commented."""
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ProjectError(str(directory), "already exists and is not an empty folder", "choose a new folder name for the project.")
    if not name.strip() or any(ch in name for ch in '"\\\n\r'):
        raise ProjectError(PROJECT_FILE, "the council name must be plain words (no quotes, backslashes or line breaks)", 'give it as  --name "Your Council"')
    if not _LA_CODE.match(la_code):
        raise ProjectError(PROJECT_FILE, "the LA code must be the council's three-digit DfE code", "give it as  --la-code 886  (Kent's, for example).")
    template = resources.template_dir(TEMPLATE)
    directory.mkdir(parents=True, exist_ok=True)
    for source in sorted(template.rglob("*")):
        relative = source.relative_to(template)
        if "__pycache__" in relative.parts:
            continue
        target = directory / relative
        if source.is_dir():
            target.mkdir(exist_ok=True)
            continue
        text = source.read_text(encoding="utf-8")
        if source.name == PROJECT_FILE:
            text = string.Template(text).substitute(name=name, la_code=la_code)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (directory / "extracts").mkdir(exist_ok=True)
    return directory
