"""docs/data-contract.md, docs/metrics.md and expectations/ are generated from the tool's national
definitions by tools/generate_docs.py: the committed copies must be current."""

import sys

from builders import REPOSITORY

from fostering_scorecard import definitions, resources

sys.path.insert(0, str(REPOSITORY / "tools"))  # tools/ is a development folder, not part of the package
from generate_docs import expected_files  # noqa: E402


def test_generated_files_are_up_to_date():
    stale = [str(path) for path, text in expected_files(REPOSITORY).items() if not path.exists() or path.read_text() != text]
    assert not stale, f"re-run `python tools/generate_docs.py`; stale: {stale}"


def test_every_metric_has_its_sql_file():
    missing = [m.sql for m in definitions.load().metrics if not (resources.sql_dir() / "metrics" / m.sql).is_file()]
    assert missing == []


def test_the_metrics_doc_is_national_and_says_where_targets_are_set():
    text = expected_files(REPOSITORY)[REPOSITORY / "docs" / "metrics.md"]
    assert "targets.toml" in text and "data/sample/targets.toml" in text
    assert "| targets |" not in text  # targets are a council's, never listed nationally
    assert "`count_temporary_placements = false`; a project may change it" in text


def test_the_contract_says_which_collection_year_its_code_lists_follow():
    text = expected_files(REPOSITORY)[REPOSITORY / "docs" / "data-contract.md"]
    assert "code lists (header and episodes) are those of the 2024 to 2025 collection" in text
    assert "`K3`" in text  # a placement type added in a recent collection year
    assert "| `CREQB` | Carer requested the end: the child's behaviour |" in text  # labels are listed


def test_the_metrics_doc_says_what_each_indicator_needs_and_how_far_back_it_reads():
    text = expected_files(REPOSITORY)[REPOSITORY / "docs" / "metrics.md"]
    long_term = text[text.index("### stability_long_term"):text.index("### stability_two_year")]
    assert "| needs | `episodes.csv`, `header.csv` |" in long_term
    assert "| reads back | 30 months before the date |" in long_term
    assert "## Placement stability: the rules" in text and "## Figures the data cannot support" in text
