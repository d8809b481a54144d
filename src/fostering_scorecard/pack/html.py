"""The pack as one self-contained HTML file that works offline, laid out by the Jinja2 templates
in templates/pack/ (pack.html.j2 and the files it includes) from one audience's view.

The structure is the PDF's: page 1 the scorecard (what changed since last month, the
business-plan targets, the other indicators by area, the key), a re-issue's "About this
version", a section per area (its indicators' table, then each chart under its own heading with
a data table), the internal pack's data-quality tables, and the notes.

Offline and accessible (WCAG 2.2 AA): no external scripts, fonts, styles or images; CSS is
inline, the charts are inline SVG (the same drawings as the PDF's) and a Content Security Policy
forbids loading anything else. A skip link leads to the main content; headings go in order;
every chart has one title (its heading: the chart itself draws none), alt text and a data table;
tables have captions or labels and header cells with scope; status is a word and a shape as well
as a colour; text is at least 4.5:1 on its background. The header states the version and any
warning, before the figures.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from .chart_specs import ChartSpec
from .formatting import month_label
from .notices import ABOUT_VERSION
from .style import PALETTE, RAG_FILL, TEXT

TEMPLATE = "pack.html.j2"
# Nothing may load: no image, script, font or style from anywhere (the charts are inline SVG).
CSP = "default-src 'none'; style-src 'unsafe-inline'"
# A table cell that holds only a figure ("1,234", "84.0%", "+2.0 pts", "c") is right-aligned.
_FIGURE = re.compile(r"[-+\u2212]?[\d,.]+%?( pts)?|c|x")
# What a chart's data table is called (the chart's title is its heading, said once).
TABLE_NAMES = {
    "trend": "month by month", "cumulative": "month by month against the trajectory", "funnel": "stage by stage",
    "benchmark": "DfE year by year", "breakdown": "by category",
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def chart_prefix(chart_id: str) -> str:
    """What a chart's ids start with (the same as charts.py gives them): "chart-core_training_12m"."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"chart-{chart_id}")


def is_figure(value) -> bool:
    return bool(_FIGURE.fullmatch(str(value)))


@functools.lru_cache(maxsize=2)
def environment(*first_folders: str):
    """The Jinja2 environment (autoescaping on) over the templates shipped in the package:
    templates/<folder> of each of first_folders (the regional pack's), then templates/pack."""
    import jinja2

    from ..resources import template_dir

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(template_dir(folder)) for folder in (*first_folders, "pack")]),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    environment.filters["slug"] = slug
    environment.tests["figure"] = is_figure
    return environment


# ---------------------------------------------------------------------------------------------
# Inline SVG: matplotlib's file made fit to sit inside a page beside others


_XML_PROLOGUE = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->|<metadata>.*?</metadata>", re.S)
_NAMESPACES = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')
_IDS = re.compile(r'\bid="([^"]+)"')


def inline_svg(svg: bytes | str, prefix: str, label: str) -> str:
    """An SVG file as an element of the page: no XML prologue, comments or metadata (nothing
    that names a web address); ids made unique to this chart (matplotlib's ids repeat across
    charts drawn from the same salt); role="img" with the alt text as its accessible name."""
    from markupsafe import escape

    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    text = _XML_PROLOGUE.sub("", text).strip()
    text = _NAMESPACES.sub("", text).replace("xlink:href=", "href=")
    # charts.chart_svg already prefixes its ids with the chart's: those are left as they are
    for old in sorted({i for i in _IDS.findall(text) if not i.startswith(prefix + "-")}, key=len, reverse=True):
        new = f"{prefix}-{old}"
        text = (text.replace(f'id="{old}"', f'id="{new}"').replace(f'url(#{old})', f'url(#{new})')
                .replace(f'href="#{old}"', f'href="#{new}"'))
    start = text.index("<svg") + len("<svg")
    return f'{text[:start]} role="img" aria-label="{escape(label)}" focusable="false"{text[start:]}'


def sparkline_svg(values: list, targets: list, label: str, width: int = 120, height: int = 32) -> str:
    """A tiny inline SVG trend: solid line = value, dashed line = target; gaps where not shown."""
    from markupsafe import escape

    opening = f'<svg class="spark" role="img" aria-label="{escape(label)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    shown = [v for v in values + targets if v is not None]
    if not shown:
        return opening + "</svg>"
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
    return opening + body + "</svg>"


def figure_columns(rows: list[list]) -> set[int]:
    """The columns (after the first) whose every filled cell is a figure: right-aligned."""
    width = max((len(row) for row in rows), default=0)
    return {i for i in range(1, width)
            if any(str(row[i]).strip() for row in rows if i < len(row))
            and all(is_figure(row[i]) or not str(row[i]).strip() for row in rows if i < len(row))}


def sparkline(line, width: int = 120) -> str:
    """An indicator line's 13-month sparkline, with its figures as the alt text."""
    months = line.sparkline_months
    if not months:
        return sparkline_svg([], [], "No trend available", width)
    label = (f"Trend of {line.title[0].lower() + line.title[1:]} from {month_label(months[0])} to {month_label(months[-1])}: "
             + ", ".join("not shown" if v is None else f"{v:g}" for v in line.sparkline))
    if line.sparkline_targets and line.sparkline_targets[-1] is not None:
        label += f"; target {line.sparkline_targets[-1]:g}"
    return sparkline_svg(line.sparkline, line.sparkline_targets, label, width)


# ---------------------------------------------------------------------------------------------
# The page


def _position(line) -> str:
    """A target over the year against its trajectory, as page 1 of the PDF says it."""
    fy = line.year_target
    if fy is None:
        return ""
    position = fy.position if fy.year_over else f"{fy.position} ({fy.due_words})"
    return position + (f"; {fy.projection}" if fy.projection else "")


def _version_text(view):
    """The header's version line; a re-issue links to its About this version section."""
    from markupsafe import Markup, escape

    link = Markup(f'<a href="#{slug(ABOUT_VERSION)}">{ABOUT_VERSION}</a>')
    return Markup(str(escape(view.version.cover_text)).replace(f"under {ABOUT_VERSION}", f"under {link}"))


def css() -> str:
    """The packs' style sheet (templates/pack/pack.css.j2, with style.py's colours)."""
    rag = " ".join(f".rag-{name.replace(' ', '-')} {{ background: {colour}; }}" for name, colour in RAG_FILL.items())
    return environment().get_template("pack.css.j2").render(rag=rag, text=TEXT, blue=PALETTE["dark_blue"],
                                                            orange=PALETTE["orange"]).strip()


def render_html(view, charts: Mapping[str, bytes] | Callable[[ChartSpec], bytes]) -> str:
    """The page for one audience's view. charts: each chart's SVG (charts.chart_svg), by chart
    id or as a function of the chart's spec (writer.Drawings.svg)."""
    from markupsafe import Markup

    drawing = (lambda spec: charts[spec.chart_id]) if isinstance(charts, Mapping) else charts
    pictures = {spec.chart_id: inline_svg(drawing(spec), chart_prefix(spec.chart_id), spec.alt) for spec in view.charts}

    return environment().get_template(TEMPLATE).render(
        view=view, csp=CSP, css=Markup(css()), version_text=_version_text(view), about=ABOUT_VERSION,
        pictures={k: Markup(v) for k, v in pictures.items()}, sparkline=lambda line, width=120: Markup(sparkline(line, width)),
        figure_columns=figure_columns,
        position=_position, table_names=TABLE_NAMES, rag_class=lambda rag: "rag-" + rag.replace(" ", "-"),
    )


def write_html(path: Path, view, charts: Mapping[str, bytes] | Callable[[ChartSpec], bytes]) -> None:
    path.write_text(render_html(view, charts), encoding="utf-8")
