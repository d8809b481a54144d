"""The regional pack's files, from three small hand-made published scorecards: every format says
the same figures, hidden figures stay hidden, no workbook cell is a formula whatever a council
is called, and the same published files give the same bytes."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from fostering_scorecard.region import config, figures, render
from fostering_scorecard.region.charts import region_svg
from fostering_scorecard.region.figures import PublishedCouncil

MONTH = "2025-03"


def row(metric_id, title, unit, direction, value, numerator="", denominator=""):
    return {"metric_id": metric_id, "title": title, "area": "Sufficiency", "unit": unit, "direction_of_good": direction,
            "value": value, "numerator": numerator, "denominator": denominator}


def council(council_id, name, households, share, numerator, denominator):
    return PublishedCouncil(council_id, name, "886", MONTH, 1, (
        row("approved_households", "Approved fostering households", "count", "higher", households, households),
        row("in_house_share", "Fostered children placed with the council's own carers", "percent", "higher", share, numerator, denominator),
    ), (), "0" * 64)


@pytest.fixture
def pack(tmp_path):
    (tmp_path / "region.toml").write_text(
        '[region]\nname = "Hub"\nkey_indicators = ["approved_households", "in_house_share"]\n'
        '[[council]]\nproject = "a"\n[[council]]\nproject = "b"\n[[council]]\nproject = "c"\n')
    region = config.load(tmp_path)
    # b's share is hidden (c): 1-5 children, or one that would reveal it. The name of c is hostile.
    councils = [council("a", "Council A", "120", "80", "80", "100"), council("b", "Council B", "45", "c", "c", "4"),
                council("c", "=HYPERLINK(\"x\")", "61", "70", "14", "20")]
    found = figures.regional_figures(region, councils)
    out = tmp_path / "out"
    out.mkdir()
    view = render.write_pack_files(out, region, MONTH, councils, found, {})
    return out, view


def test_every_format_is_written_and_the_same_files_give_the_same_bytes(pack):
    out, view = pack
    # Written again from the same view: the same bytes (no time or random id in any file).
    svgs = {chart.chart_id: (out / "charts" / f"{chart.chart_id}.svg").read_bytes() for chart in view.charts}
    assert all(region_svg(chart) == svgs[chart.chart_id] for chart in view.charts)
    assert (out / "region_pack.pdf").read_bytes() == render.pdf_bytes(view, svgs)
    assert (out / "region_pack.xlsx").read_bytes() == render.workbook_bytes(view)
    assert (out / "region_pack.html").read_text(encoding="utf-8") == render.render_html(view, svgs)
    assert (out / "region_pack.pdf").read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in (out / "charts").iterdir()) == ["approved_households.svg", "in_house_share.svg"]


def test_the_workbook_gives_the_regional_figures_as_numbers_and_a_hidden_one_as_c(pack):
    out, _view = pack
    book = load_workbook(io.BytesIO((out / "region_pack.xlsx").read_bytes()))
    cells = [cell for sheet in book for line in sheet.iter_rows() for cell in line if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)  # no formula, whatever a council is called
    summary = {line[0]: line for line in book["Summary"].iter_rows(values_only=True) if line[0]}
    households = summary["Approved fostering households"]
    # Columns: indicator, area, good is, region, how, then each council's value and rank.
    # 120 + 45 + 61 = 226 households; counts are not ranked.
    assert households[3:11] == (226, "total of 3 of 3 councils", 120, None, 45, None, 61, None)
    share = summary["Fostered children placed with the council's own carers"]
    # a 80% and c 70% (b hidden): the median of the two is 75%, as a fraction in a % cell; ranks 1 and 2.
    assert share[3:11] == (pytest.approx(0.75), "median of 2 of 3 councils (1 not shown: small numbers)",
                           pytest.approx(0.8), 1, "c", None, pytest.approx(0.7), 2)
    # The hostile name is text, neutralised as the council pack does (a leading apostrophe).
    assert summary["Indicator"][9:11] == ('\'=HYPERLINK("x")', '\'=HYPERLINK("x"): rank')


def test_the_html_page_shows_the_same_figures_and_a_chart_with_its_alt_text(pack):
    out, view = pack
    html = (out / "region_pack.html").read_text(encoding="utf-8")
    assert "226" in html and "75.0%" in html
    chart = next(chart for chart in view.charts if chart.chart_id == "in_house_share")
    # The bars are the councils with a figure; b's hidden share is named as c, not drawn.
    assert chart.data["values"] == [80.0, None, 70.0]
    assert "Council B c" in chart.alt
    assert chart.alt.replace("'", "&#39;").replace('"', "&#34;") in html or chart.alt in html
    assert "&lt;script" not in html and "<script" not in html  # the page runs nothing
