"""The internal pack's data-quality page as two real tables, from the data-quality report's rows
(validation/report.py, data_quality.csv: counts only, no record values):

- per extract: rows read, accepted, set aside (and their share), superseded where annual
  returns replaced rows, warnings on rows kept;
- per rule: the plain-English reason, whether rows were set aside or kept with a warning, how
  many rows, new / still open / fixed since last month, and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALL_ROWS = "(all rows)"  # the report's line per extract (validation/report.py ALL_ROWS)
EXTRACT_COLUMNS = ["Extract", "Rows read", "Accepted", "Set aside", "Share set aside"]
CONTRACT_PATH = "docs/data-contract.md"
RULE_COLUMNS = ["Extract", "Problem", "Outcome", "Rows", "New", "Still open", "Fixed", "How to fix it"]
SET_ASIDE, KEPT = "set aside", "kept (warning)"
# The same rules grouped under their problem (the PDF: a long problem is written once)
PROBLEM_RULE_COLUMNS = ["Extract", "Outcome", "Rows", "New", "Still open", "Fixed", "How to fix it"]


@dataclass
class ExtractQuality:
    file: str  # the extract's file name as saved ("carers.csv")
    rows_read: int
    rows_accepted: int
    rows_set_aside: int
    rows_superseded: int
    share_set_aside: str  # "1.0%"
    rejected_whole: bool  # every row set aside

    @property
    def cells(self) -> list[str]:
        """The row as EXTRACT_COLUMNS show it."""
        return [self.file, f"{self.rows_read:,}", f"{self.rows_accepted:,}", f"{self.rows_set_aside:,}",
                self.share_set_aside + (" (whole file rejected)" if self.rejected_whole else "")]


@dataclass
class RuleQuality:
    file: str
    problem: str  # the rule's plain-English meaning ("a date is not a real date")
    outcome: str  # "set aside" | "kept (warning)": what happened to the rows
    rows: int
    new: int | None  # None: no earlier month to compare with
    still_open: int | None
    fixed: int | None
    fix: str  # what to do about it, from the rule's example fix
    rule_id: str  # for the workbook's analysts; never shown on a page

    @property
    def cells(self) -> list[str]:
        """The row as RULE_COLUMNS show it."""
        def count(n):
            return "" if n is None else f"{n:,}"
        return [self.file, self.problem, self.outcome, f"{self.rows:,}", count(self.new), count(self.still_open),
                count(self.fixed), self.fix]


    @property
    def cells_under_problem(self) -> list[str]:
        """The row as PROBLEM_RULE_COLUMNS show it (under a heading naming the problem)."""
        cells = self.cells
        return [cells[0], *cells[2:]]


@dataclass
class DataQuality:
    summary: str  # one sentence: "42 of 61,230 rows read were set aside (0.1%) ..."
    extracts: list[ExtractQuality] = field(default_factory=list)
    rules: list[RuleQuality] = field(default_factory=list)
    compared: bool = False  # new / still open / fixed are known (an earlier month's report)
    extract_columns: list[str] = field(default_factory=lambda: list(EXTRACT_COLUMNS))
    rule_columns: list[str] = field(default_factory=lambda: list(RULE_COLUMNS))
    problem_rule_columns: list[str] = field(default_factory=lambda: list(PROBLEM_RULE_COLUMNS))

    @property
    def problems(self) -> list[tuple[str, list[RuleQuality]]]:
        """The rules grouped by problem, in the order each problem first appears."""
        groups: dict[str, list[RuleQuality]] = {}
        for rule in self.rules:
            groups.setdefault(rule.problem, []).append(rule)
        return list(groups.items())


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _plain_fix(text) -> str:
    """The rule's fix as a page says it: the data contract by its name, not its file path
    (data_quality.csv keeps the path)."""
    return str(text or "").replace(CONTRACT_PATH, "the data contract")


def _maybe_int(value) -> int | None:
    return None if value in (None, "") else _int(value)


def data_quality(quality_rows: list[dict]) -> DataQuality:
    """The page's tables from data_quality.csv's rows, in the report's order (extract by extract)."""
    extracts, rules = [], []
    for r in quality_rows:
        if r.get("rule_id") == ALL_ROWS:
            read, accepted = _int(r.get("rows_read", r.get("rows"))), _int(r.get("rows_accepted"))
            aside = _int(r.get("rows_quarantined"))
            share = f"{100 * aside / read:.1f}%" if read else "0.0%"
            extracts.append(ExtractQuality(str(r["file"]), read, accepted, aside, _int(r.get("rows_superseded")), share,
                                           read > 0 and accepted == 0))
        else:
            severity = str(r.get("severity") or "")
            rules.append(RuleQuality(
                file=str(r["file"]), problem=str(r.get("meaning") or r.get("detail") or r["rule_id"]),
                outcome=SET_ASIDE if severity == "error" else KEPT,
                rows=_int(r.get("rows")), new=_maybe_int(r.get("new")), still_open=_maybe_int(r.get("still_open")),
                fixed=_maybe_int(r.get("fixed")), fix=_plain_fix(r.get("example_fix")), rule_id=str(r["rule_id"]),
            ))
    read = sum(e.rows_read for e in extracts)
    aside = sum(e.rows_set_aside for e in extracts)
    warnings = sum(r.rows for r in rules if r.outcome == KEPT)
    share = f" ({100 * aside / read:.1f}%)" if read else ""
    summary = (f"{aside:,} of {read:,} rows read were set aside{share}; "
               f"{warnings:,} {'warning' if warnings == 1 else 'warnings'} on rows kept.")
    compared = any(r.new is not None for r in rules)
    if rules and not compared:
        summary += " There is no earlier month's report to compare with, so new, still open and fixed are blank."
    return DataQuality(summary, extracts, rules, compared)
