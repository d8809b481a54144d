"""Whether a month's extracts are sound enough to publish.

A mapping that misses a date format can set aside every carers row; the month would then say
"0 approved households", Red against its target: a misleading number. So before anything is
computed, each extract's share of rows set aside is held against the project's limit
([quality] max_set_aside_share, 2% by default), and an extract whose every row was set aside is
a whole-file rejection. Either stops the month, with the extract, the share, the commonest rules
(with counts, an example line and the fix) and how to publish anyway (--allow-quarantine, which
the manifest records and the pack's cover shows). Messages name files, lines, columns and rules,
never a value from a row.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import UserError
from .validation import ValidatedExtract, load_rules
from .validation.findings import row_numbers

TOP_RULES = 3


@dataclass(frozen=True)
class RuleCount:
    rule_id: str
    rows: int
    example: str  # "line 5", or "line 5 of episodes_2019-20.csv" when the extract has several files
    fix: str


@dataclass(frozen=True)
class ExtractOverLimit:
    file: str
    rows_set_aside: int
    rows_read: int
    whole_file: bool
    top_rules: tuple[RuleCount, ...]

    @property
    def share(self) -> float:
        return self.rows_set_aside / self.rows_read if self.rows_read else 0.0

    def text(self, limit: float) -> str:
        if self.whole_file:
            head = f"{self.file}: every one of its {self.rows_read:,} rows was set aside (the whole file was rejected)"
        else:
            head = (f"{self.file}: {self.share:.1%} of its rows were set aside ({self.rows_set_aside:,} of "
                    f"{self.rows_read:,}), over the limit of {limit:.1%}")
        lines = [head, "    commonest rules:"]
        for rule in self.top_rules:
            lines.append(f"      {rule.rule_id}: {rule.rows:,} rows (for example {rule.example})")
            if rule.fix:
                lines.append(f"        fix: {rule.fix}")
        return "\n".join(lines)


class MonthNotPublishable(UserError):
    """An extract is over its set-aside limit or rejected whole: the month is not published."""

    def __init__(self, problems: list[ExtractOverLimit], limit: float):
        self.problems, self.limit = problems, limit
        text = "\n".join(problem.text(limit) for problem in problems)
        super().__init__(
            f"the month was not published: too many rows were set aside.\n{text}\n"
            "  How to fix: correct the rows (internal/quarantine.csv of `scorecard check` lists each one, "
            "with its line and rule), or the column mapping if a whole column failed; then run again. "
            "To publish anyway, run again with --allow-quarantine (recorded in the manifest and shown on the pack's cover)."
        )


def extracts_over_limit(validated: dict[str, ValidatedExtract], limit: float) -> list[ExtractOverLimit]:
    """The extracts whose share of rows set aside is over limit, or that were rejected whole.
    Shares are of the rows in use: copies superseded by a later annual return are not counted."""
    rules = load_rules()
    problems = []
    for v in validated.values():
        in_use, aside = v.rows_in_use, v.rows_quarantined
        whole_file = in_use > 0 and v.rows_accepted == 0
        if not whole_file and (in_use == 0 or aside / in_use <= limit):
            continue
        findings = v.quarantine.assign(_row=row_numbers(v.quarantine).to_numpy())
        several_files = len(v.raw.sources) > 1
        top = []
        counts = findings.groupby("rule_id").agg(rows=("_row", "nunique"), kind=("kind", "first"), column=("column", "first"))
        for rule_id, count in counts.sort_values("rows", ascending=False, kind="stable").head(TOP_RULES).iterrows():
            first = findings[findings["rule_id"] == rule_id].sort_values("_row").iloc[0]
            example = f"line {int(first['line'])}" + (f" of {first['file']}" if several_files else "")
            top.append(RuleCount(rule_id, int(count["rows"]), example, rules.fix(count["kind"], count["column"], first["file"])))
        problems.append(ExtractOverLimit(v.raw.file_names, aside, in_use, whole_file, tuple(top)))
    return problems


def check_publishable(validated: dict[str, ValidatedExtract], limit: float, allow_quarantine: bool) -> list[ExtractOverLimit]:
    """The problems found; raises MonthNotPublishable unless the person running it allowed them."""
    problems = extracts_over_limit(validated, limit)
    if problems and not allow_quarantine:
        raise MonthNotPublishable(problems, limit)
    return problems
