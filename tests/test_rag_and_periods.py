"""RAG status, change words and reporting periods: the rules every indicator shares."""

import datetime as dt

import pytest

from fostering_scorecard import models, periods, project
from fostering_scorecard import run as spine


@pytest.mark.parametrize(
    "direction, value, expected",
    [
        ("higher", 120, "Green"),  # target met exactly
        ("higher", 108, "Amber"),  # 10% below 120 is the edge of amber
        ("higher", 107.99, "Red"),
        ("lower", 10, "Green"),
        ("lower", 11, "Amber"),  # target 10, tolerance 10% -> up to 11 is amber
        ("lower", 11.01, "Red"),
    ],
)
def test_rag_uses_unrounded_values_and_the_tolerance(direction, value, expected):
    target = 120 if direction == "higher" else 10
    assert models.rag_status(direction, value, target, 0.1)[0] == expected


def test_no_target_is_not_rated_with_a_reason():
    assert models.rag_status("lower", 5, None, None) == ("Not rated", "no target")


@pytest.mark.parametrize(
    "date, year, months",
    [(dt.date(2019, 4, 30), "2019-20", 1), (dt.date(2020, 3, 31), "2019-20", 12), (dt.date(2020, 1, 31), "2019-20", 10)],
)
def test_financial_years(date, year, months):
    assert periods.financial_year(date) == year
    assert periods.months_elapsed_in_financial_year(date) == months


def test_months():
    assert periods.as_at_date("2020-02") == dt.date(2020, 2, 29)
    assert periods.shift_month("2020-03", -12) == "2019-03"
    assert periods.shift_month("2020-01", -1) == "2019-12"
    assert periods.latest_complete_month(dt.date(2020, 4, 5)) == "2020-03"
    with pytest.raises(ValueError, match="YYYY-MM"):
        periods.parse_month("March 2020")


def test_a_council_changes_a_target_in_its_project_not_in_code(tmp_path):
    from builders import SAMPLE_PROJECT

    # Rotherham's plan: 20 new placements a year. Only the target line of targets.toml changes.
    text = (SAMPLE_PROJECT / "targets.toml").read_text().replace(
        '"2019-20" = { target = 120, tolerance = 0.1 }', '"2019-20" = { target = 20, tolerance = 0.1 }'
    )
    (tmp_path / "targets.toml").write_text(text)
    (tmp_path / "scorecard.toml").write_text((SAMPLE_PROJECT / "scorecard.toml").read_text())
    approvals = next(m for m in project.load(tmp_path).metrics if m.id == "approvals_fytd")
    target, tolerance, note = models.target_for_date(approvals, dt.date(2019, 9, 30))
    # September is month 6 of 12: 20 x 6/12 = 10.
    assert (target, tolerance) == (10, 0.1)
    assert models.rag_status(approvals.direction, 9, target, tolerance)[0] == "Amber"


def test_a_mistyped_registry_entry_is_named():
    import tomllib

    from fostering_scorecard import definitions, resources

    text = resources.national_file("metrics.toml").read_text().replace('direction = "higher"', 'direction = "up"', 1)
    with pytest.raises(ValueError, match="approvals_fytd: direction must be one of"):
        definitions.parse_metrics(tomllib.loads(text))


def test_neutral_indicators_move_up_or_down(sample_project):
    vacancies = next(m for m in sample_project.metrics if m.id == "vacancies")
    settings = sample_project.settings
    assert models.describe_change(vacancies, 120, 100, settings) == "up"
    assert models.describe_change(vacancies, 100.5, 100, settings) == "no material change"


def test_a_backfill_computes_each_month_end_once(validated_extracts, monkeypatch):
    from fostering_scorecard.models import figures

    ctx, validated = validated_extracts("2020-03")
    passes = []
    real = figures.compute_months
    monkeypatch.setattr(
        figures, "compute_months",
        lambda con, metrics, months, latest=None, coverage=None: passes.append(months) or real(con, metrics, months, latest, coverage),
    )
    cache: dict = {}
    first = spine.compute(spine.for_month(ctx, "2020-02"), validated, cache)
    second = spine.compute(ctx, validated, cache)
    # 2020-02 needs 2018-02 .. 2020-02 (25 month-ends, one pass); 2020-03 adds only 2020-03 itself.
    computed = [month for months in passes for month in months]
    assert len(computed) == 26 == len(set(computed))
    assert [len(months) for months in passes] == [25, 1]
    # The cached months give the same figures as computing afresh, and the 24 months the two
    # histories share are the same records.
    assert second.history == spine.compute(ctx, validated).history
    per_month = len(ctx.metrics)
    assert first.history[per_month:] == second.history[:-per_month]
