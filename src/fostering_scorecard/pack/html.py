"""The pack as one self-contained HTML file that works offline.

No external scripts, fonts, styles or images: CSS is inline, charts are base64 PNG data URIs
(the same PNGs as charts/), sparklines are small inline SVG data URIs, and a Content Security
Policy forbids the page from loading anything else. Every chart has alt text and a data table
built from the same numbers; status is a word and a shape as well as a colour (WCAG 2.2 AA:
text colours are at least 4.5:1 on their backgrounds). The header states the version and any
warning; a re-issued version has an "About this version" section listing what moved.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from .chart_specs import DATA_QUALITY_AREA, ChartSpec
from .formatting import month_label
from .style import PALETTE, RAG_FILL
from .notices import ABOUT_VERSION
from .view import PackView

# The status cells' fills, as in the PDF and the workbook: .rag-Green, .rag-Amber, .rag-Red, .rag-Not-rated
RAG_CSS = " ".join(f".rag-{rag.replace(' ', '-')} {{ background: {colour}; }}" for rag, colour in RAG_FILL.items())

CSS = """
body { font-family: Arial, Helvetica, sans-serif; color: #0B0C0C; margin: 1.5rem; line-height: 1.4; max-width: 82rem; }
h1 { color: #12436D; margin-bottom: 0.25rem; }
h2 { color: #12436D; border-bottom: 3px solid #12436D; padding-bottom: 0.2rem; margin-top: 2.5rem; }
h3 { font-size: 1rem; margin: 0 0 0.5rem 0; }
a { color: #12436D; }
a:focus, summary:focus { outline: 3px solid #F46A25; outline-offset: 2px; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #B1B4B6; padding: 0.3rem 0.45rem; text-align: left; vertical-align: top; }
thead th { background: #12436D; color: #FFFFFF; }
caption { text-align: left; font-weight: bold; padding: 0.3rem 0; }
td.num { text-align: right; white-space: nowrap; }
{rag}
.counts { color: #3B3B3B; font-size: 0.85rem; display: block; }
figure { margin: 1rem 0 2rem 0; padding: 0.75rem; border: 1px solid #DDDDDD; }
figure img { max-width: 100%; height: auto; }
figcaption { font-weight: bold; margin-bottom: 0.5rem; }
.note { font-size: 0.85rem; color: #3B3B3B; }
.audience { background: #F3F2F1; border-left: 5px solid #12436D; padding: 0.5rem 0.75rem; }
.version { font-weight: bold; color: #12436D; }
.warning { background: #FDECEA; border-left: 5px solid #B00020; color: #0B0C0C; font-weight: bold; padding: 0.5rem 0.75rem; }
nav ul { columns: 2; }
""".strip().replace("{rag}", RAG_CSS)


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def sparkline_svg(values: list, targets: list, width: int = 120, height: int = 32) -> str:
    """A tiny SVG trend: solid line = value, dashed line = target; gaps where not shown."""
    shown = [v for v in values + targets if v is not None]
    if not shown:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"></svg>'
    low, high = min(shown), max(shown)
    span = (high - low) or max(abs(high), 1.0)
    n = max(len(values) - 1, 1)

    def point(i, v):
        return f"{2 + i * (width - 6) / n:.1f},{height - 3 - (v - low) / span * (height - 6):.1f}"

    def polylines(series, style):
        out, run = [], []
        for i, v in enumerate(series + [None]):
            if v is None:
                if len(run) > 1:
                    out.append(f'<polyline fill="none" {style} points="{" ".join(run)}"/>')
                elif len(run) == 1:
                    x, y = run[0].split(",")
                    out.append(f'<circle cx="{x}" cy="{y}" r="1.5" fill="{PALETTE["dark_blue"]}"/>')
                run = []
            else:
                run.append(point(i, v))
        return "".join(out)

    body = polylines(targets, f'stroke="{PALETTE["orange"]}" stroke-width="1.2" stroke-dasharray="3,2"')
    body += polylines(values, f'stroke="{PALETTE["dark_blue"]}" stroke-width="1.6"')
    if values and values[-1] is not None:
        x, y = point(len(values) - 1, values[-1]).split(",")
        body += f'<circle cx="{x}" cy="{y}" r="2.2" fill="{PALETTE["dark_blue"]}"/>'
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">{body}</svg>'


def _data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _table(columns: list[str], rows: list[list[str]], caption: str) -> str:
    head = "".join(f'<th scope="col">{_e(c)}</th>' for c in columns)
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            text = _e(value)
            if i == 0:
                cells.append(f'<th scope="row">{text}</th>')
            else:
                numeric = bool(re.fullmatch(r"[-+]?[\d,.]+%?( pts)?|c|x", str(value)))
                cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _summary(view: PackView) -> str:
    head = ["Indicator", "Value", "Target", "Status", "Good is", "Change on last month", "Change on same month last year", "Benchmark (DfE)", "Trend"]
    rows = []
    for line in view.summary:
        months = line.sparkline_months
        spark_alt = (
            f"Trend of {line.title.lower()} from {month_label(months[0])} to {month_label(months[-1])}: "
            + ", ".join("c" if v is None else f"{v:g}" for v in line.sparkline)
            + (f"; target {line.sparkline_targets[-1]:g}" if line.sparkline_targets and line.sparkline_targets[-1] is not None else "")
        ) if months else "No trend available"
        spark = _data_uri("image/svg+xml", sparkline_svg(line.sparkline, line.sparkline_targets).encode())
        rag_class = "rag-" + line.rag.replace(" ", "-")
        counts = f'<span class="counts">{_e(line.counts)}</span>' if line.counts else ""
        rows.append(
            "<tr>"
            f'<th scope="row">{_e(line.title)}</th>'
            f'<td class="num"><strong>{_e(line.value)}</strong>{counts}</td>'
            f'<td class="num">{_e(line.target)}</td>'
            f'<td class="{rag_class}"><span aria-hidden="true">{_e(line.rag_shape)}</span> {_e(line.rag_word)}</td>'
            f"<td>{_e(line.direction)}</td>"
            f'<td><span aria-hidden="true">{_e(line.month_arrow)}</span> {_e(line.month_words)}</td>'
            f'<td><span aria-hidden="true">{_e(line.year_arrow)}</span> {_e(line.year_words)}</td>'
            f"<td>{_e(line.benchmark)}</td>"
            f'<td><img src="{spark}" alt="{_e(spark_alt)}" width="120" height="32"></td>'
            "</tr>"
        )
    header = "".join(f'<th scope="col">{_e(h)}</th>' for h in head)
    return (
        '<section id="summary"><h2>Summary</h2>'
        f"<table><caption>Every indicator as at {_e(f'{view.as_at:%d %B %Y}'.lstrip('0'))}</caption>"
        f"<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _figure(spec: ChartSpec, png: bytes) -> str:
    return (
        f'<figure id="chart-{_e(spec.chart_id)}">'
        f"<figcaption>{_e(spec.title)}</figcaption>"
        f'<img src="{_data_uri("image/png", png)}" alt="{_e(spec.alt)}" width="700" height="380">'
        + (f'<p class="note">{_e(spec.note)}</p>' if spec.note else "")
        + f"<details><summary>Data table: {_e(spec.title)}</summary>{_table(spec.table_columns, spec.table_rows, spec.title)}</details>"
        "</figure>"
    )


def _version_header(view: PackView) -> str:
    """The version, and from version 2 when and why it was re-issued; any warning."""
    parts = []
    if view.version.line:
        link = f'<a href="#{_slug(ABOUT_VERSION)}">{ABOUT_VERSION}</a>'
        parts.append(f'<p class="version">{_e(view.version.cover_text).replace(f"under {ABOUT_VERSION}", f"under {link}")}</p>')
    parts += [f'<p class="warning"><strong>{_e(w)}</strong></p>' for w in view.warnings]
    return "".join(parts)


def _version_section(view: PackView) -> str:
    """A re-issued version: the indicators that moved, before and after."""
    if not view.version.reissued:
        return ""
    body = (_table(view.version.moved_columns, view.version.moved_rows, f"Indicators that moved since version {view.version.version - 1}")
            if view.version.moved_rows else "<p>No indicator moved.</p>")
    return f'<section id="{_slug(ABOUT_VERSION)}"><h2>{ABOUT_VERSION}</h2><p>{_e(view.version.line)}</p>{body}</section>'


def render_html(view: PackView, pngs: dict[str, bytes]) -> str:
    nav = "".join(f'<li><a href="#{_slug(area)}">{_e(area)}</a></li>' for area, _ in view.areas)
    if view.version.reissued:
        nav = f'<li><a href="#{_slug(ABOUT_VERSION)}">{ABOUT_VERSION}</a></li>' + nav
    sections = []
    for area, charts in view.areas:
        intro = '<p class="note">Internal only: counts of rows set aside; no record is listed here.</p>' if area == DATA_QUALITY_AREA else ""
        sections.append(f'<section id="{_slug(area)}"><h2>{_e(area)}</h2>{intro}' + "".join(_figure(c, pngs[c.chart_id]) for c in charts) + "</section>")
    notes = "".join(f"<p class=\"note\">{_e(n)}</p>" for n in view.footnotes)
    csp = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(view.heading)} ({_e(view.audience)})</title><style>{CSS}</style></head><body>"
        f"<header><h1>{_e(view.heading)}</h1><p class=\"audience\">{_e(view.subheading)}</p>{_version_header(view)}</header>"
        f'<nav aria-label="Sections"><ul><li><a href="#summary">Summary</a></li>{nav}</ul></nav><main>'
        + _summary(view) + _version_section(view) + "".join(sections)
        + f'<section id="notes"><h2>Notes</h2>{notes}</section></main></body></html>\n'
    )


def write_html(path: Path, view: PackView, pngs: dict[str, bytes]) -> None:
    path.write_text(render_html(view, pngs), encoding="utf-8")
