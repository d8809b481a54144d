"""DfE benchmarks read from data/reference/: England, the council's region, the median of its
statistical neighbours, for the latest 31 March on or before the as-at date.
Expected values are the DfE's published percentages (see /data/reference/README.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from fostering_scorecard.benchmarks import BenchmarkError, load_benchmarks
from fostering_scorecard.config import load_settings

KENT = load_settings()  # [council] la_code = "886"


def with_benchmarks(**changes):
    raw = {**KENT.raw, "benchmarks": {**KENT.raw["benchmarks"], **changes}}
    return dataclasses.replace(KENT, raw=raw)


def test_kent_short_term_stability_at_31_march_2025():
    bench = load_benchmarks(KENT, dt.date(2025, 3, 31), {"dfe_short_term"})["dfe_short_term"]
    latest = bench.latest
    # England 10%, South East 12%, Kent 12% (221 of 1,896) as published.
    assert (latest.year, latest.england, latest.region, latest.council) == (2025, 10, 12, 12)
    assert bench.region_name == "South East"
    # Kent's ten DfE neighbours: Essex 14, East Sussex 11, Swindon 11, Worcestershire 9,
    # Lancashire 7, West Northamptonshire 12, Nottinghamshire 5, Warwickshire 16, Suffolk 9,
    # Staffordshire 10. Sorted 5 7 9 9 10 11 11 12 14 16: median (10 + 11) / 2 = 10.5.
    assert bench.neighbour_codes == ("881", "845", "866", "885", "888", "941", "891", "937", "935", "860")
    assert (latest.neighbours_median, latest.neighbours_used) == (10.5, 10)
    assert [y.year for y in bench.years] == [2021, 2022, 2023, 2024, 2025]


def test_the_year_is_the_latest_31_march_on_or_before_the_as_at_date():
    before = load_benchmarks(KENT, dt.date(2025, 3, 30), {"dfe_long_term"})["dfe_long_term"]
    assert before.latest.year == 2024 and before.year_label == "31 March 2024"
    # Kent long-term 2024: 67% (300 of 447); England 68%.
    assert (before.latest.council, before.latest.england) == (67, 68)
    assert [y.year for y in before.years] == [2021, 2022, 2023, 2024]


def test_no_later_year_is_shown_when_none_was_published_by_the_as_at_date():
    bench = load_benchmarks(KENT, dt.date(2020, 3, 31), {"dfe_short_term"})["dfe_short_term"]
    assert bench.latest is None and bench.years == ()
    assert bench.year_label == "none published for 31 March 2020 or earlier"
    assert bench.earliest_published == 2021


def test_an_override_list_replaces_the_dfe_neighbours():
    settings = with_benchmarks(neighbours=["881", "845"])  # Essex 14, East Sussex 11
    bench = load_benchmarks(settings, dt.date(2025, 3, 31), {"dfe_short_term"})["dfe_short_term"]
    assert (bench.latest.neighbours_median, bench.latest.neighbours_used, bench.neighbours_source) == (12.5, 2, "configured list")


def test_the_two_year_measure_maps_to_its_dfe_rows():
    bench = load_benchmarks(KENT, dt.date(2025, 3, 31), {"dfe_two_year"})["dfe_two_year"]
    # England 23%, South East 24%, Kent 23% (275 of 1,195) with 3+ placements in 2 years.
    assert (bench.latest.england, bench.latest.region, bench.latest.council) == (23, 24, 23)


def test_an_unknown_council_is_named_with_the_file_and_column():
    settings = dataclasses.replace(KENT, la_code="999")
    with pytest.raises(BenchmarkError, match=r"column 'LA number': council 999"):
        load_benchmarks(settings, dt.date(2025, 3, 31), {"dfe_short_term"})


def test_an_unknown_benchmark_key_is_named():
    with pytest.raises(BenchmarkError, match="dfe_unknown"):
        load_benchmarks(KENT, dt.date(2025, 3, 31), {"dfe_unknown"})


def test_a_missing_reference_file_is_named(tmp_path):
    settings = with_benchmarks(stability_file=str(tmp_path / "missing.csv"))
    with pytest.raises(BenchmarkError, match="missing.csv: reference file not found"):
        load_benchmarks(settings, dt.date(2025, 3, 31), {"dfe_short_term"})
