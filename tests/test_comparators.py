"""DfE comparator figures read from the tool's reference/ files: England, the council's region, the
median of its statistical neighbours, for the latest 31 March on or before the as-at date.
Expected values are the DfE's published percentages (see src/fostering_scorecard/reference/README.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from builders import SAMPLE_PROJECT

from fostering_scorecard import project
from fostering_scorecard.pack.comparators import ComparatorError, load_comparisons

KENT = project.load(SAMPLE_PROJECT).settings  # the sample council: [council] la_code = "886"


def with_data_files(**changes):
    """KENT with other DfE files than national/settings.toml [comparators] names."""
    return dataclasses.replace(KENT, comparators=dataclasses.replace(KENT.comparators, **changes))


def test_kent_short_term_stability_at_31_march_2025():
    comparison = load_comparisons(KENT, dt.date(2025, 3, 31), {"dfe_short_term"})["dfe_short_term"]
    latest = comparison.latest
    # England 10%, South East 12%, Kent 12% (221 of 1,896) as published.
    assert (latest.year, latest.england, latest.region, latest.council) == (2025, 10, 12, 12)
    assert comparison.region_name == "South East"
    # Kent's ten DfE neighbours: Essex 14, East Sussex 11, Swindon 11, Worcestershire 9,
    # Lancashire 7, West Northamptonshire 12, Nottinghamshire 5, Warwickshire 16, Suffolk 9,
    # Staffordshire 10. Sorted 5 7 9 9 10 11 11 12 14 16: median (10 + 11) / 2 = 10.5.
    assert comparison.neighbour_codes == ("881", "845", "866", "885", "888", "941", "891", "937", "935", "860")
    assert (latest.neighbours_median, latest.neighbours_used) == (10.5, 10)
    assert [y.year for y in comparison.years] == [2021, 2022, 2023, 2024, 2025]


def test_the_year_is_the_latest_31_march_on_or_before_the_as_at_date():
    before = load_comparisons(KENT, dt.date(2025, 3, 30), {"dfe_long_term"})["dfe_long_term"]
    assert before.latest.year == 2024 and before.year_label == "31 March 2024"
    # Kent long-term 2024: 67% (300 of 447); England 68%.
    assert (before.latest.council, before.latest.england) == (67, 68)
    assert [y.year for y in before.years] == [2021, 2022, 2023, 2024]


def test_no_later_year_is_shown_when_none_was_published_by_the_as_at_date():
    comparison = load_comparisons(KENT, dt.date(2020, 3, 31), {"dfe_short_term"})["dfe_short_term"]
    assert comparison.latest is None and comparison.years == ()
    assert comparison.year_label == "none published for 31 March 2020 or earlier"
    assert comparison.earliest_published == 2021


def test_an_override_list_replaces_the_dfe_neighbours():
    # scorecard.toml [comparators] neighbours = ["881", "845"]: Essex 14, East Sussex 11
    settings = dataclasses.replace(KENT, neighbours=("881", "845"))
    comparison = load_comparisons(settings, dt.date(2025, 3, 31), {"dfe_short_term"})["dfe_short_term"]
    assert (comparison.latest.neighbours_median, comparison.latest.neighbours_used, comparison.neighbours_source) == (12.5, 2, "configured list")


def test_the_two_year_measure_maps_to_its_dfe_rows():
    comparison = load_comparisons(KENT, dt.date(2025, 3, 31), {"dfe_two_year"})["dfe_two_year"]
    # England 23%, South East 24%, Kent 23% (275 of 1,195) with 3+ placements in 2 years.
    assert (comparison.latest.england, comparison.latest.region, comparison.latest.council) == (23, 24, 23)


def test_an_unknown_council_is_named_with_the_file_and_column():
    settings = dataclasses.replace(KENT, la_code="999")
    with pytest.raises(ComparatorError, match=r"column 'LA number': council 999 \(scorecard.toml \[council\] la_code\)"):
        load_comparisons(settings, dt.date(2025, 3, 31), {"dfe_short_term"})


def test_an_unknown_benchmark_key_is_named():
    with pytest.raises(ComparatorError, match="dfe_unknown"):
        load_comparisons(KENT, dt.date(2025, 3, 31), {"dfe_unknown"})


def test_a_missing_reference_file_is_named(tmp_path):
    settings = with_data_files(stability_file=tmp_path / "missing.csv")
    with pytest.raises(ComparatorError, match=r"missing.csv: reference file not found \(national/settings.toml \[comparators\]\)"):
        load_comparisons(settings, dt.date(2025, 3, 31), {"dfe_short_term"})
