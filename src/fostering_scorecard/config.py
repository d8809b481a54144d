"""Load the project's configuration: the data contract, the metric registry and run settings.

Everything that defines the data (columns, codes, metric ids, targets, tolerances) lives in the
TOML files under config/; this module only reads them.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = PROJECT_ROOT / "config"
SQL_DIR = PROJECT_ROOT / "sql"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DEFAULT_EXTRACTS_DIR = PROJECT_ROOT / "data" / "sample"
DEFAULT_OUTPUT_DIR = PROJECT_ROOT / "outputs"
EXTRACT_INFO_FILE = "extract.toml"


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

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


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
    targets: tuple[Target, ...] = ()

    def target_for(self, financial_year: str) -> Target | None:
        return next((t for t in self.targets if t.year == financial_year), None)


@dataclass(frozen=True)
class Settings:
    council_name: str
    la_code: str
    count_temporary_placements: bool
    adoption_with_current_carer_is_a_move: bool
    trend_months: int
    no_material_change_relative: float
    no_material_change_points: float
    raw: dict = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class ExtractInfo:
    """Facts about one drop of extracts, from extract.toml in the extracts folder."""

    extract_date: dt.date
    council: str = ""
    source_system: str = ""


def _read_toml(path: Path) -> dict:
    with path.open("rb") as f:
        return tomllib.load(f)


def load_extracts(path: Path | None = None) -> dict[str, Extract]:
    data = _read_toml(path or CONFIG_DIR / "extracts.toml")["extracts"]
    extracts = {}
    for name, spec in data.items():
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
        )
    return extracts


UNITS = ("count", "percent", "rate_per_100", "weeks", "days")
PERIOD_TYPES = ("fytd", "rolling_12m", "month", "snapshot")
DIRECTIONS = ("higher", "lower", "neutral")


def load_metrics(path: Path | None = None) -> list[Metric]:
    """The metric registry, checked: a typo in config/metrics.toml is named, not half-used."""
    data = _read_toml(path or CONFIG_DIR / "metrics.toml")["metric"]
    metrics = []
    for spec in data:
        spec = dict(spec)
        targets = tuple(Target(**t) for t in spec.pop("targets", []))
        metric = Metric(**spec, targets=targets)
        for field_name, allowed in (("unit", UNITS), ("period", PERIOD_TYPES), ("direction", DIRECTIONS)):
            if getattr(metric, field_name) not in allowed:
                raise ValueError(f"config/metrics.toml: {metric.id}: {field_name} must be one of {allowed}")
        metrics.append(metric)
    ids = [m.id for m in metrics]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"config/metrics.toml: metric ids must be unique: {duplicated}")
    return metrics


def load_settings(path: Path | None = None) -> Settings:
    data = _read_toml(path or CONFIG_DIR / "scorecard.toml")
    return Settings(
        council_name=data["council"]["name"],
        la_code=str(data["council"]["la_code"]),
        count_temporary_placements=data["stability"]["count_temporary_placements"],
        adoption_with_current_carer_is_a_move=data["stability"]["adoption_with_current_carer_is_a_move"],
        trend_months=int(data["pack"]["trend_months"]),
        no_material_change_relative=float(data["pack"]["no_material_change_relative"]),
        no_material_change_points=float(data["pack"]["no_material_change_points"]),
        raw=data,
    )


def load_extract_info(extracts_dir: Path) -> ExtractInfo | None:
    path = Path(extracts_dir) / EXTRACT_INFO_FILE
    if not path.exists():
        return None
    data = _read_toml(path)
    extract_date = data["extract_date"]
    if isinstance(extract_date, str):
        extract_date = dt.date.fromisoformat(extract_date)
    return ExtractInfo(
        extract_date=extract_date,
        council=data.get("council", ""),
        source_system=data.get("source_system", ""),
    )
