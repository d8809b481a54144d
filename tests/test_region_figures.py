"""The regional figures, worked by hand from three small councils' published scorecards.

Each council's figures are exactly what its public/scorecard.csv says ("c" where its pack hides
a small number, blank for no data). The regional figure is the total of the published figures
for a count and the median council otherwise, always of the councils with a published number
and saying how many; councils are ranked only where a ranking means something."""

import csv
import io

import pytest

from fostering_scorecard.region import config, figures
from fostering_scorecard.region.figures import PublishedCouncil


def row(metric_id, unit, direction, value, numerator="", denominator=""):
    return {"metric_id": metric_id, "title": metric_id.replace("_", " ").capitalize(), "area": "Area", "unit": unit,
            "direction_of_good": direction, "value": value, "numerator": numerator, "denominator": denominator}


def council(council_id, *rows, benchmarks=()):
    return PublishedCouncil(council_id, f"Council {council_id.upper()}", "886", "2025-03", 1, tuple(rows), tuple(benchmarks), "0" * 64)


@pytest.fixture
def region(tmp_path):
    (tmp_path / "region.toml").write_text('[region]\nname = "Hub"\ndfe_region = "South East"\n'
                                          '[[council]]\nproject = "a"\n[[council]]\nproject = "b"\n[[council]]\nproject = "c"\n')
    return config.load(tmp_path)


def by_id(found):
    return {figure.metric_id: figure for figure in found}


def test_a_count_is_totalled_and_a_share_is_the_median_council(region):
    a = council("a", row("households", "count", "higher", "120", "120"), row("in_house", "percent", "higher", "80", "80", "100"))
    b = council("b", row("households", "count", "higher", "45", "45"), row("in_house", "percent", "higher", "90", "45", "50"))
    c = council("c", row("households", "count", "higher", "61", "61"), row("in_house", "percent", "higher", "85.5", "171", "200"))
    found = by_id(figures.regional_figures(region, [a, b, c]))
    # 120 + 45 + 61 = 226 households in the region.
    assert (found["households"].value, found["households"].note) == (226, "total of 3 of 3 councils")
    # 80, 85.5, 90: the middle council is 85.5% (never the pooled 296 / 350 = 84.6%).
    assert (found["in_house"].value, found["in_house"].note) == (85.5, "median of 3 of 3 councils")


def test_a_hidden_or_missing_figure_is_left_out_never_filled_in(region):
    # b's count is 1-5, shown "c"; c has no data. The total is a's alone, and says so.
    a = council("a", row("allegations", "count", "lower", "14", "14"), row("share", "percent", "higher", "80", "8", "10"))
    b = council("b", row("allegations", "count", "lower", "c", "c"), row("share", "percent", "higher", "c", "c", "12"))
    c = council("c", row("allegations", "count", "lower", ""), row("share", "percent", "higher", "70", "14", "20"))
    found = by_id(figures.regional_figures(region, [a, b, c]))
    assert (found["allegations"].value, found["allegations"].note) == (14, "total of 1 of 3 councils (1 not shown: small numbers)")
    # Median of 80 and 70 (two councils): 75.
    assert (found["share"].value, found["share"].note) == (75, "median of 2 of 3 councils (1 not shown: small numbers)")
    assert found["share"].councils_counted == 2 and found["share"].councils == 3


def test_a_council_that_has_not_published_is_counted_as_missing(region):
    # Only a and b published the month: the total says 2 of the region's 3 councils.
    a = council("a", row("households", "count", "higher", "10", "10"))
    b = council("b", row("households", "count", "higher", "7", "7"))
    [households] = figures.regional_figures(region, [a, b])
    assert (households.value, households.note) == (17, "total of 2 of 3 councils")


def test_no_published_figure_gives_no_regional_figure(region):
    a = council("a", row("approvals", "count", "higher", ""))
    b = council("b", row("approvals", "count", "higher", "c", "c"))
    [approvals] = figures.regional_figures(region, [a, b])
    assert approvals.value is None
    assert approvals.note == "no council has a published figure (small numbers are not shown)"


@pytest.mark.parametrize("unit, direction, values, ranks, why", [
    # Higher is better: 90 first; the two 80s share second place; 70 is fourth.
    ("percent", "higher", {"a": 80, "b": 90, "c": 80, "d": 70}, {"b": 1, "a": 2, "c": 2, "d": 4}, ""),
    # Lower is better (weeks to approval): 20 first.
    ("weeks", "lower", {"a": 31.5, "b": 20, "c": 26}, {"b": 1, "c": 2, "a": 3}, ""),
    ("rate_per_100", "lower", {"a": 4.2, "b": 1.1}, {"b": 1, "a": 2}, ""),
    # A count follows the council's size; a neutral indicator has no better end.
    ("count", "higher", {"a": 120, "b": 45}, {}, "not ranked: a count follows the council's size"),
    ("percent", "neutral", {"a": 12, "b": 30}, {}, "not ranked: neither higher nor lower is better"),
])
def test_councils_are_ranked_best_first_where_a_ranking_means_something(unit, direction, values, ranks, why):
    assert figures.rank_councils(values, unit, direction) == (ranks, why)


def test_england_and_the_dfe_region_come_from_the_councils_benchmarks(region):
    benchmark = {"metric_id": "stability_short_term", "year": "2024-03-31", "england": "10", "region_name": "South East", "region": "11"}
    a = council("a", row("stability_short_term", "percent", "lower", "9", "27", "300"), benchmarks=[benchmark])
    b = council("b", row("stability_short_term", "percent", "lower", "12", "24", "200"), benchmarks=[benchmark])
    [stability] = figures.regional_figures(region, [a, b])
    assert (stability.england, stability.dfe_region, stability.benchmark_year) == (10, 11, "2024")  # DfE, 31 March 2024
    assert stability.ranks == {"a": 1, "b": 2}  # lower is better: 9% before 12%
    # A pack's benchmarks.csv has a row per DfE year: the latest one is compared with (England
    # 10% at 31 March 2024, not the 9% of 2023).
    earlier = dict(benchmark, year="2023-03-31", england="9", region="12")
    a_years = council("a", row("stability_short_term", "percent", "lower", "9", "27", "300"), benchmarks=[earlier, benchmark])
    b_years = council("b", row("stability_short_term", "percent", "lower", "12", "24", "200"), benchmarks=[benchmark, earlier])
    [latest] = figures.regional_figures(region, [a_years, b_years])
    assert (latest.england, latest.dfe_region, latest.benchmark_year) == (10, 11, "2024")
    # Packs made with different DfE years give no England figure rather than a mixed one.
    other = council("b", row("stability_short_term", "percent", "lower", "12", "24", "200"), benchmarks=[dict(benchmark, year="2023-03-31")])
    [mixed] = figures.regional_figures(region, [a, other])
    assert (mixed.england, mixed.benchmark_year) == (None, "")


def test_the_tidy_csv_has_a_row_per_indicator_and_geography_with_values_as_published(region, tmp_path):
    benchmark = {"metric_id": "share", "year": "2024-03-31", "england": "10", "region_name": "South East", "region": "11"}
    a = council("a", row("share", "percent", "higher", "80", "8", "10"), benchmarks=[benchmark])
    b = council("b", row("share", "percent", "higher", "c", "c", "12"), benchmarks=[benchmark])
    found = figures.regional_figures(region, [a, b])
    out = tmp_path / "out"
    out.mkdir()
    figures.write_figures(out, region, "2025-03", [a, b], found)
    rows = list(csv.DictReader(io.StringIO((out / "region_scorecard.csv").read_text())))
    assert [(r["geography_type"], r["geography"], r["value"], r["numerator"], r["denominator"], r["rank"]) for r in rows] == [
        ("council", "Council A", "80", "8", "10", "1"),
        ("council", "Council B", "c", "c", "12", ""),  # as b published it: hidden stays hidden
        ("region", "Hub", "80", "", "", ""),
        ("england", "England", "10", "", "", ""),
        ("dfe_region", "South East", "11", "", "", ""),
    ]
    assert rows[2]["note"] == "median of 1 of 3 councils (1 not shown: small numbers)" and rows[2]["method"] == "median"
    sources = list(csv.DictReader(io.StringIO((out / "sources.csv").read_text())))
    assert [(s["council_id"], s["version"], s["file"]) for s in sources] == [("a", "1", "2025-03/public/scorecard.csv"), ("b", "1", "2025-03/public/scorecard.csv")]
