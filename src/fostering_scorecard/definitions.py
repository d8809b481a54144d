"""The national definitions the tool ships, read from national/ in the package:

- extracts.toml: the data contract (every extract, its columns, types and codes; rule kinds and
  cross-record checks, which validation reads);
- metrics.toml: the metric registry (ids, titles, definitions, units, periods, directions);
- settings.toml: the pack's layout, the DfE disclosure rule, the DfE comparator data, and the
  defaults of the options a council may set in its project.

They are the same for every council: a council's name, targets, options and mappings are in its
project (project.py), which combines the two. Read once per process; nothing here is edited by
a council.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import resources

UNITS = ("count", "percent", "rate_per_100", "weeks", "days")
PERIOD_TYPES = ("fytd", "rolling_12m", "month", "snapshot")
DIRECTIONS = ("higher", "lower", "neutral")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text | date | integer | flag
    required: bool
    description: str = ""
    codes: tuple[str, ...] | None = None
    min: int | None = None
    max: int | None = None


@dataclass(frozen=True)
class Extract:
    name: str
    file: str
    title: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    date_order: tuple[tuple[str, str], ...] = ()
    required: bool = True  # False: a council may leave the file out (its indicators read "no data")
    annual_returns: bool = False  # may also come as one file per SSDA903 collection year

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class ReadingRules:
    """How every extract file is read ([reading] in extracts.toml)."""

    missing_values: tuple[str, ...] = ()  # read as blank in every column (any capitals)
    missing_values_where_coded: tuple[str, ...] = ()  # blank only in date, number, flag and coded columns


@dataclass(frozen=True)
class Target:
    year: str  # financial year, e.g. "2019-20"
    value: float
    tolerance: float


@dataclass(frozen=True)
class Metric:
    id: str
    title: str
    area: str
    definition: str
    numerator: str
    unit: str
    period: str
    direction: str
    sql: str
    source: str = ""
    denominator: str | None = None
    benchmark: str | None = None
    breakdown: str | None = None
    extract_date_only: bool = False
    targets: tuple[Target, ...] = ()  # set by the council's project, never nationally

    def target_for(self, financial_year: str) -> Target | None:
        return next((t for t in self.targets if t.year == financial_year), None)


@dataclass(frozen=True)
class PackLayout:
    area_order: tuple[str, ...]
    cumulative_against_trajectory: tuple[str, ...]  # metric ids
    funnel: tuple[str, ...]  # metric ids, in funnel order
    key_indicators: tuple[str, ...] = ()  # metric ids page 1 shows after the targets


@dataclass(frozen=True)
class DisclosureRules:
    max_suppressed: int
    withheld: tuple[str, ...]  # metric ids never shown in the public pack


@dataclass(frozen=True)
class ComparatorData:
    stability_file: Path
    neighbours_file: Path
    measures: dict[str, dict[str, str]]  # registry benchmark key -> DfE row selectors


@dataclass(frozen=True)
class Definitions:
    extracts: dict[str, Extract]
    metrics: tuple[Metric, ...]
    layout: PackLayout
    disclosure: DisclosureRules
    comparators: ComparatorData
    council_defaults: dict[str, dict]  # section -> option -> default value
    reading: ReadingRules = ReadingRules()

    @property
    def metric_ids(self) -> list[str]:
        return [m.id for m in self.metrics]


def read_toml(path: Path) -> dict:
    with Path(path).open("rb") as f:
        return tomllib.load(f)


def parse_extracts(data: dict) -> dict[str, Extract]:
    extracts = {}
    for name, spec in data["extracts"].items():
        columns = tuple(
            Column(
                name=c["name"],
                type=c["type"],
                required=c["required"],
                description=c.get("description", ""),
                codes=tuple(c["codes"]) if "codes" in c else None,
                min=c.get("min"),
                max=c.get("max"),
            )
            for c in spec["columns"]
        )
        extracts[name] = Extract(
            name=name,
            file=spec["file"],
            title=spec["title"],
            description=spec["description"],
            key=tuple(spec["key"]),
            columns=columns,
            date_order=tuple(tuple(pair) for pair in spec.get("date_order", [])),
            required=bool(spec.get("required", True)),
            annual_returns=bool(spec.get("annual_returns", False)),
        )
    return extracts


def parse_reading(data: dict) -> ReadingRules:
    """The [reading] section of extracts.toml."""
    reading = data.get("reading", {})
    return ReadingRules(
        missing_values=tuple(str(v) for v in reading.get("missing_values", [])),
        missing_values_where_coded=tuple(str(v) for v in reading.get("missing_values_where_coded", [])),
    )


def parse_metrics(data: dict, where: str = "metrics.toml") -> tuple[Metric, ...]:
    """The metric registry, checked: a typo is named, not half-used."""
    metrics = []
    for spec in data["metric"]:
        if "targets" in spec:
            raise ValueError(f"{where}: {spec.get('id')}: targets belong in a council project's targets.toml")
        metric = Metric(**spec)
        for field_name, allowed in (("unit", UNITS), ("period", PERIOD_TYPES), ("direction", DIRECTIONS)):
            if getattr(metric, field_name) not in allowed:
                raise ValueError(f"{where}: {metric.id}: {field_name} must be one of {allowed}")
        metrics.append(metric)
    ids = [m.id for m in metrics]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"{where}: metric ids must be unique: {duplicated}")
    return tuple(metrics)


def _metric_ids(values, where: str, known: set[str]) -> tuple[str, ...]:
    ids = tuple(v for v in ([values] if isinstance(values, str) else list(values)) if v)
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ValueError(f"national/settings.toml {where}: metric(s) {', '.join(unknown)} not in metrics.toml")
    return ids


@lru_cache(maxsize=1)
def load() -> Definitions:
    """The tool's national definitions (read once: they are part of the installed tool)."""
    contract = read_toml(resources.national_file("extracts.toml"))
    extracts = parse_extracts(contract)
    metrics = parse_metrics(read_toml(resources.national_file("metrics.toml")))
    settings = read_toml(resources.national_file("settings.toml"))
    known = {m.id for m in metrics}
    pack, disclosure, comparators = settings["pack"], settings["disclosure"], settings["comparators"]
    return Definitions(
        extracts=extracts,
        metrics=metrics,
        layout=PackLayout(
            area_order=tuple(pack.get("area_order", [])),
            cumulative_against_trajectory=_metric_ids(pack.get("cumulative_against_trajectory", []), "[pack] cumulative_against_trajectory", known),
            funnel=_metric_ids(pack.get("funnel", []), "[pack] funnel", known),
            key_indicators=_metric_ids(pack.get("key_indicators", []), "[pack] key_indicators", known),
        ),
        disclosure=DisclosureRules(
            max_suppressed=int(disclosure["max_suppressed"]),
            withheld=_metric_ids(disclosure.get("withheld", []), "[disclosure] withheld", known),
        ),
        comparators=ComparatorData(
            stability_file=resources.reference_file(comparators["stability_file"]),
            neighbours_file=resources.reference_file(comparators["neighbours_file"]),
            measures={key: dict(spec) for key, spec in comparators.get("measures", {}).items()},
        ),
        council_defaults={section: dict(options) for section, options in settings["council_defaults"].items()},
        reading=parse_reading(contract),
    )
