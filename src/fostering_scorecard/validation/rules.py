"""The rule book: rule kinds (severity, meaning, fix), cross-record checks and the column options
that only validation reads, all from the tool's national/extracts.toml.

Every rule has an id `<extract>.<column>.<kind>` and a severity: "error" quarantines the row,
"warning" keeps it and reports the finding.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import resources
from ..definitions import Extract

SEVERITIES = ("error", "warning")


def rule_id(extract: Extract | str, column: str, kind: str) -> str:
    name = extract if isinstance(extract, str) else extract.name
    return f"{name}.{column}.{kind}" if column else f"{name}.{kind}"


@dataclass(frozen=True)
class RuleKind:
    kind: str
    severity: str
    meaning: str
    fix: str


@dataclass(frozen=True)
class Check:
    extract: str
    column: str
    kind: str
    sql: str
    severity: str

    @property
    def rule_id(self) -> str:
        return rule_id(self.extract, self.column, self.kind)


@dataclass(frozen=True)
class RuleBook:
    kinds: dict[str, RuleKind]
    checks: tuple[Check, ...]
    column_options: dict[tuple[str, str], dict]  # (extract, column) -> raw column spec

    def severity(self, kind: str, extract: str | None = None, column: str | None = None) -> str:
        """The kind's severity, unless the column says otherwise (a column no metric uses)."""
        override = self.column_options.get((extract, column), {}).get("severity")
        if override:
            return override
        return self.kinds[kind].severity if kind in self.kinds else "error"

    def fix(self, kind: str, column: str, file: str) -> str:
        if kind not in self.kinds:
            return ""
        return self.kinds[kind].fix.format(column=column or "the row", file=file)


def load_rules(path: Path | None = None) -> RuleBook:
    """The rule book of the tool's national/extracts.toml (read once per process), or of the
    contract file at `path` (read each time)."""
    return _read_rules(path) if path is not None else _national_rules()


@lru_cache(maxsize=1)
def _national_rules() -> RuleBook:
    # Every finding asks for its severity: the tool's own contract is read once.
    return _read_rules(resources.national_file("extracts.toml"))


def _read_rules(path: Path) -> RuleBook:
    with path.open("rb") as f:
        data = tomllib.load(f)
    kinds = {}
    for kind, spec in data.get("rule_kinds", {}).items():
        if spec["severity"] not in SEVERITIES:
            raise ValueError(f"national/extracts.toml: rule kind {kind} has severity {spec['severity']!r}; use error or warning")
        kinds[kind] = RuleKind(kind, spec["severity"], spec["meaning"], spec["fix"])
    checks = []
    for spec in data.get("checks", []):
        if spec["kind"] not in kinds:
            raise ValueError(f"national/extracts.toml: check {spec['sql']} has kind {spec['kind']!r}, not in [rule_kinds]")
        severity = spec.get("severity", kinds[spec["kind"]].severity)
        if severity not in SEVERITIES:
            raise ValueError(f"national/extracts.toml: check {spec['sql']} has severity {severity!r}; use error or warning")
        checks.append(Check(spec["extract"], spec["column"], spec["kind"], spec["sql"], severity))
    options = {
        (name, c["name"]): c for name, extract in data["extracts"].items() for c in extract["columns"]
    }
    for (name, column), spec in options.items():
        if spec.get("severity", "error") not in SEVERITIES:
            raise ValueError(f"national/extracts.toml: column {name}.{column} has severity {spec['severity']!r}; use error or warning")
    return RuleBook(kinds, tuple(checks), options)
