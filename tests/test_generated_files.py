"""docs/ and expectations/ are generated from config/: the committed copies must be current."""

from fostering_scorecard.generated import expected_files


def test_generated_files_are_up_to_date():
    stale = [str(path) for path, text in expected_files().items() if not path.exists() or path.read_text() != text]
    assert not stale, f"re-run `python -m fostering_scorecard.generated`; stale: {stale}"


def test_every_metric_has_its_sql_file():
    from fostering_scorecard.config import SQL_DIR, load_metrics

    missing = [m.sql for m in load_metrics() if not (SQL_DIR / "metrics" / m.sql).is_file()]
    assert missing == []
