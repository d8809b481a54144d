"""docs/data-quality.md is written by hand: every rule id it names must be one the run can
report, with the severity the doc gives it, and every cross-record check must be in its table."""

import re

from builders import EXTRACTS, REPOSITORY

from fostering_scorecard.validation import load_rules

DOC = REPOSITORY / "docs" / "data-quality.md"
RULE_ID = re.compile(r"`((?:" + "|".join(EXTRACTS) + r")\.[A-Za-z_+]+\.[a-z0-9_]+)`")


def test_every_rule_id_in_the_doc_is_a_real_rule():
    rules = load_rules()
    named = set(RULE_ID.findall(DOC.read_text(encoding="utf-8")))
    assert named, "no rule ids found: the pattern no longer matches the doc"
    unknown = []
    for rule in sorted(named):
        extract, column, kind = rule.split(".")
        columns = set(EXTRACTS[extract].column_names) | {"+".join(EXTRACTS[extract].key)}
        if column not in columns or kind not in rules.kinds:
            unknown.append(rule)
    assert unknown == []


def test_every_cross_record_check_is_in_the_doc_with_its_severity():
    text = DOC.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    for check in load_rules().checks:
        row = next((r for r in rows if f"`{check.rule_id}`" in r.split("|")[1]), None)
        assert row is not None, f"{check.rule_id} is not in the table of docs/data-quality.md"
        assert row.split("|")[2].strip() == check.severity, check.rule_id
