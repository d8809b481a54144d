"""The HTML pack as a reader opens it: rendered from the Jinja2 templates, opened offline in
headless Chromium (DNS mapped to nowhere, every request recorded over the DevTools protocol),
and checked the way an accessibility review would: one file that loads nothing else, headings in
order, a skip link that works from the keyboard, one title per chart, alt text on every chart, a
data table per chart, table headers with scope, text contrast (WCAG 2.2 AA), the version and the
--allow-quarantine warning before the figures. A full-page screenshot of each pack is written to
$PACK_SCREENSHOT_DIR/fostering_scorecard_screenshots/ for a person to look at.

The scorecard is hand-built in test_pack_fixtures.py; the charts are drawn by charts.chart_svg."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_pack_fixtures import BREAKDOWNS, QUALITY_ROWS, SCREENSHOT_DIR, DevTools, case, chromium_page
from test_pack_pdf import many_rules

from fostering_scorecard import pack
from fostering_scorecard.pack import charts, html
from fostering_scorecard.publish.release import IndicatorFigures, MovedIndicator, Release

MONTH = "2025-03"
RELEASE = Release(MONTH, 2, dt.date(2025, 4, 20), reason="Corrected carers extract", moved=(
    MovedIndicator("core_training_12m", "Core training within 12 months",
                   IndicatorFigures(84.0, 84, 100, 100.0, "Red"), IndicatorFigures(80.0, 80, 100, 100.0, "Red")),))
# carers.csv: 30 of 1,000 rows set aside (3.0%), over a limit of 2%: published with --allow-quarantine
OVER_LIMIT = [dict(QUALITY_ROWS[0], rows_accepted=970, rows_quarantined=30), QUALITY_ROWS[1]]
WARNING = ("Warning: published although rows set aside were over the limit of 2% (run with --allow-quarantine), so figures "
           "from these extracts may be understated: carers.csv 3.0% (30 of 1,000 rows).")


def views(release=None, quality_rows=QUALITY_ROWS, allow_quarantine=False):
    ctx, rows, points = case(MONTH)
    if allow_quarantine:
        ctx = SimpleNamespace(**vars(ctx), options=SimpleNamespace(allow_quarantine=True, reason=None))
        ctx.settings = dataclasses.replace(ctx.settings, max_set_aside_share=0.02)
    return pack.make_views(ctx, rows, points, quality_rows, breakdowns=[dict(b) for b in BREAKDOWNS], release=release)


def svg_for(spec) -> bytes:
    return charts.chart_svg(spec)


# ---------------------------------------------------------------------------------------------
# What the page reports in Chromium

PAGE_REPORT = r"""(() => {
  const text = (el) => (el ? el.textContent.replace(/\s+/g, ' ').trim() : '');
  const body = document.body.textContent.replace(/\s+/g, ' ');  // closed data tables too
  const count = (needle) => body.split(needle).length - 1;
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const lowContrast = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') || !el.getClientRects().length) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    const [a, b] = [luminance(rgb(style.color)), luminance(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const needed = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < needed) lowContrast.push(`${el.tagName} "${text(el).slice(0, 40)}" ${ratio.toFixed(2)}`);
  }
  const tables = [...document.querySelectorAll('table')];
  const named = (t) => !!(text(t.querySelector('caption')) ||
    (t.getAttribute('aria-labelledby') || '').split(' ').some(id => text(document.getElementById(id))));
  return {
    title: document.title,
    csp: (document.querySelector('meta[http-equiv="Content-Security-Policy"]') || {}).content || null,
    lang: document.documentElement.lang,
    headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => [Number(h.tagName[1]), text(h)]),
    firstLink: (() => { const a = document.querySelector('a[href]'); return a ? [a.className, a.getAttribute('href'), text(a)] : null; })(),
    mainId: (document.querySelector('main') || {}).id || null,
    header: text(document.querySelector('header')),
    headerBeforeMain: !!(document.querySelector('header') && document.querySelector('main') &&
      document.querySelector('header').compareDocumentPosition(document.querySelector('main')) & Node.DOCUMENT_POSITION_FOLLOWING),
    figures: [...document.querySelectorAll('figure')].map(f => {
      const heading = f.querySelector('figcaption h3');
      const drawing = f.querySelector('svg[role="img"], img');
      const table = f.querySelectorAll('table');
      const title = text(heading);
      return {
        id: f.id, heading: heading ? heading.tagName : null, title,
        titleOnPage: title ? count(title) : 0,
        titleInDrawing: drawing && drawing.tagName.toLowerCase() === 'svg' ? text(drawing).includes(title) : false,
        name: drawing ? (drawing.getAttribute('aria-label') || drawing.getAttribute('alt') || '') : '',
        drawn: drawing ? drawing.getBoundingClientRect().width : 0,
        tables: table.length,
        tableRows: table.length ? table[0].querySelectorAll('tbody tr').length : 0,
        tableNamed: table.length ? named(table[0]) : false,
      };
    }),
    sparklines: [...document.querySelectorAll('svg.spark')].map(s => [s.getAttribute('role'), s.getAttribute('aria-label') || '']),
    tables: tables.length,
    unnamedTables: tables.filter(t => !named(t)).length,
    columnHeadersWithoutScope: [...document.querySelectorAll('thead th')].filter(th => th.getAttribute('scope') !== 'col').length,
    rowHeadersWithoutScope: [...document.querySelectorAll('tbody th')].filter(th => !['row', 'rowgroup'].includes(th.getAttribute('scope'))).length,
    ids: (() => { const seen = {}, twice = []; for (const el of document.querySelectorAll('[id]')) { if (seen[el.id]) twice.push(el.id); seen[el.id] = 1; } return twice; })(),
    brokenLinks: [...document.querySelectorAll('a[href^="#"]')].filter(a => !document.getElementById(a.getAttribute('href').slice(1))).map(a => a.getAttribute('href')),
    statusCells: [...document.querySelectorAll('td.status')].map(td => text(td)),
    lowContrast,
    width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
  };
})()"""

AFTER_TAB = r"""(() => {
  const a = document.activeElement;
  const box = a.getBoundingClientRect();
  return {tag: a.tagName, href: a.getAttribute('href'), visible: box.top >= 0 && box.height > 0 && box.bottom <= innerHeight};
})()"""


def _press(tools: DevTools, session: str, key: str, code: int) -> None:
    for kind in ("keyDown", "keyUp"):
        tools.call("Input.dispatchKeyEvent", session, type=kind, key=key, code=key, windowsVirtualKeyCode=code,
                   nativeVirtualKeyCode=code, **({"text": "\r"} if key == "Enter" and kind == "keyDown" else {}))


def open_page(html_file: Path, screenshot: Path) -> dict:
    """Open the file in headless Chromium; the page's report, the keyboard's findings, every URL
    requested, and a full-page screenshot."""
    with chromium_page(html_file) as (tools, session):

        def evaluate(expression: str):
            return tools.call("Runtime.evaluate", session, returnByValue=True, expression=expression)["result"]["value"]

        report = evaluate(PAGE_REPORT)
        _press(tools, session, "Tab", 9)
        report["afterTab"] = evaluate(AFTER_TAB)
        _press(tools, session, "Enter", 13)
        report["afterEnter"] = evaluate("[location.hash, document.activeElement.tagName]")
        evaluate("window.scrollTo(0, 0)")
        metrics = tools.call("Page.getLayoutMetrics", session)["cssContentSize"]
        shot = tools.call("Page.captureScreenshot", session, format="png", captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": metrics["width"], "height": metrics["height"], "scale": 1})
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        report["requests"] = sorted({e["params"]["request"]["url"] for e in tools.events if e.get("method") == "Network.requestWillBeSent"})
        return report


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """{audience: (view, html text, Chromium's report)} for a re-issued month published with
    --allow-quarantine: the version notice and the warning are on the page too."""
    folder = tmp_path_factory.mktemp("html")
    out = {}
    for view in views(RELEASE, OVER_LIMIT, allow_quarantine=True):
        path = folder / f"{view.audience}.html"
        html.write_html(path, view, svg_for)
        report = open_page(path, SCREENSHOT_DIR / f"scorecard_pack_html_{view.audience}.png")
        out[view.audience] = (view, path.read_text(encoding="utf-8"), report)
    return out


AUDIENCES = ["internal", "public"]


# ---------------------------------------------------------------------------------------------
# One offline file


def test_the_page_is_one_file_that_loads_nothing_else():
    internal, _public = views()
    text = html.render_html(internal, svg_for)
    assert not re.search(r"https?://|<(script|link|iframe|object|embed)\b|@import|url\((?!#)", text)
    assert text.count("<svg") == len(internal.charts) + len(internal.targets) + sum(len(g.lines) for g in internal.groups)
    assert "Content-Security-Policy" in text and "<img" not in text  # the charts are inline SVG, not images


@pytest.mark.parametrize("audience", AUDIENCES)
def test_chromium_requests_only_the_file_itself(pages, audience):
    _view, _text, report = pages[audience]
    assert [u for u in report["requests"] if not u.startswith("file:")] == []
    assert len(report["requests"]) == 1
    # and it may not: the page's policy lets nothing load, only its own inline style
    assert report["csp"] == "default-src 'none'; style-src 'unsafe-inline'"


# ---------------------------------------------------------------------------------------------
# Structure: the PDF's, with headings in order and a skip link


@pytest.mark.parametrize("audience", AUDIENCES)
def test_headings_go_in_order_like_the_pdfs_pages(pages, audience):
    view, _text, report = pages[audience]
    levels = [level for level, _ in report["headings"]]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), report["headings"]  # never a level skipped
    h2 = [title for level, title in report["headings"] if level == 2]
    # page 1, About this version (a re-issue), each area, data quality (internal), notes
    assert h2 == ["Scorecard", "About this version", *(p.area for p in view.pages),
                  *(["Data quality"] if audience == "internal" else []), "Notes"]
    h3_page1 = [t for level, t in report["headings"][: [lv for lv, _ in report["headings"]].index(2, 2)] if level == 3]
    assert h3_page1 == ["What changed since last month", "Business-plan targets", view.groups_heading]
    assert report["title"] == f"Fostering scorecard: March 2025 ({audience})" and report["lang"] == "en-GB"


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_skip_link_comes_first_and_works_from_the_keyboard(pages, audience):
    _view, _text, report = pages[audience]
    assert report["firstLink"] == ["skip-link", "#main", "Skip to main content"]
    assert report["mainId"] == "main"
    # The first Tab lands on it and shows it (it is off screen until focused); Enter moves to main.
    assert report["afterTab"] == {"tag": "A", "href": "#main", "visible": True}
    assert report["afterEnter"] == ["#main", "MAIN"]
    assert report["brokenLinks"] == [] and report["ids"] == []


def test_the_version_and_the_warning_come_before_the_figures(pages):
    view, text, report = pages["internal"]
    assert report["headerBeforeMain"]
    assert WARNING in report["header"]
    assert "Version 2, re-issued on 20 April 2025 (replaces version 1): Corrected carers extract. 1 indicator moved" in report["header"]
    assert f'<p class="warning"><strong>{WARNING}</strong></p>' in text
    assert '<a href="#about-this-version">About this version</a>' in text


# ---------------------------------------------------------------------------------------------
# Every chart: one title, alt text, a data table


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_chart_has_one_title_as_its_heading_alt_text_and_a_data_table(pages, audience):
    view, _text, report = pages[audience]
    figures = {f["id"]: f for f in report["figures"]}
    assert len(figures) == len(view.charts) > 0
    for spec in view.charts:
        figure = figures[f"chart-{html.slug(spec.chart_id)}"]
        assert (figure["heading"], figure["title"]) == ("H3", spec.title)
        assert figure["titleOnPage"] == 1, spec.title  # said once: not drawn in the chart, not the table's caption
        assert not figure["titleInDrawing"]
        assert figure["name"] == spec.alt and len(spec.alt) > 40  # the alt text, built from the numbers
        assert figure["drawn"] > 300  # laid out at a readable width
        assert (figure["tables"], figure["tableRows"], figure["tableNamed"]) == (1, len(spec.table_rows), True)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_table_is_named_and_its_headers_have_scope(pages, audience):
    _view, _text, report = pages[audience]
    assert report["tables"] > 5 and report["unnamedTables"] == 0
    assert report["columnHeadersWithoutScope"] == report["rowHeadersWithoutScope"] == 0
    assert all(role == "img" and label.startswith("Trend of ") for role, label in report["sparklines"])


# ---------------------------------------------------------------------------------------------
# Page 1, status and contrast


@pytest.mark.parametrize("audience", AUDIENCES)
def test_status_is_a_shape_and_a_word_and_text_meets_contrast(pages, audience):
    view, _text, report = pages[audience]
    shown = {f"{line.rag_shape} {line.rag_word}" for line in view.indicators}
    assert report["statusCells"] and set(report["statusCells"]) <= shown
    assert "\u25a0 Red: target missed" in report["statusCells"]  # core training: 84% against 100%
    assert report["lowContrast"] == []


def test_page_1_holds_the_targets_then_the_other_indicators_by_area(pages):
    view, text, _report = pages["internal"]
    targets = text[text.index('id="targets-heading"'):text.index(f"<h3>{view.groups_heading}</h3>")]
    assert [line.title for line in view.targets] == ["New households approved this financial year", "Core training within 12 months"]
    assert all(line.title in targets and line.finding in targets for line in view.targets)
    assert "120 by 31 March 2025" in targets and "year over: 12 short of the target of 120" in targets
    others = text[text.index(f"<h3>{view.groups_heading}</h3>"):text.index('<p class="key">')]
    assert re.findall(r'<h4 id="[^"]+">([^<]+)</h4>', others) == [g.area for g in view.groups]
    assert "Not rated" not in others  # no grey "Not rated" box for an indicator without a target


def test_the_public_page_shows_c_and_says_what_is_withheld(pages):
    view, text, _report = pages["public"]
    assert view.withheld and "Not shown in this public pack:" in text
    cells = re.findall(r'<td class="num">(?:<span class="value">)?([^<]*)<', text)
    assert "c" in cells and not [c for c in cells if re.fullmatch(r"[1-5]", c)]
    assert "Data quality" not in re.findall(r"<h2[^>]*>([^<]+)</h2>", text)


# ---------------------------------------------------------------------------------------------
# Inline SVG made fit for the page


def test_an_svg_file_becomes_an_element_with_its_own_ids_and_alt_text():
    svg = ('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
           '<!-- Created with matplotlib (https://matplotlib.org/) -->\n'
           '<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="10pt" height="5pt" viewBox="0 0 10 5" xmlns="http://www.w3.org/2000/svg">'
           '<metadata><rdf:RDF>https://example.org</rdf:RDF></metadata>'
           '<defs><clipPath id="p1"><rect/></clipPath><path id="chart-x-m2"/></defs>'
           '<g clip-path="url(#p1)"><use xlink:href="#p1"/><use href="#chart-x-m2"/></g></svg>')
    out = html.inline_svg(svg, "chart-x", 'A "quoted" <alt>')
    assert out == ('<svg role="img" aria-label="A &#34;quoted&#34; &lt;alt&gt;" focusable="false" width="10pt" height="5pt" '
                   'viewBox="0 0 10 5"><defs><clipPath id="chart-x-p1"><rect/></clipPath><path id="chart-x-m2"/></defs>'
                   '<g clip-path="url(#chart-x-p1)"><use href="#chart-x-p1"/><use href="#chart-x-m2"/></g></svg>')


def test_the_data_quality_table_lists_every_rule_the_pdf_leaves_out():
    internal, _public = views(quality_rows=many_rules())  # 200 rules: the PDF prints 66 (test_pack_pdf)
    text = html.render_html(internal, svg_for)
    section = text[text.index('<section id="data-quality"'):text.index('<section id="notes"')]
    # the problem and its fix once, then a row per rule (its extract heads the row): all 200, the
    # most rows set aside first (90 in allegations.csv), the 20 warnings last
    assert section.count('<th scope="rowgroup"') == 1 and section.count("How to fix it: Re-code the column") == 1
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]*)</td><td>([^<]+)</td><td class="num">([^<]+)</td>', section)
    assert len(rows) == 200
    assert rows[0] == ("allegations.csv", "c90", "set aside", "90") and rows[-1] == ("enquiries.csv", "c20", "kept (warning)", "500")


def test_the_same_view_gives_the_same_page():
    internal, _public = views()
    assert html.render_html(internal, svg_for) == html.render_html(internal, svg_for)

