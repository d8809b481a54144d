"""The pack as a PDF, typeset by typst (the `typst` wheel, its compiler inside): page 1 the
scorecard, then a re-issue's "About this version", the area pages (each area's table and the
charts that add something, short areas sharing a page) and the internal pack's data-quality
tables. The layout is templates/pack/pack.typ; every word and figure comes from the view.

- Tagged PDF/UA-1: a title, the language (en-GB), headings, table headers, alt text for every
  chart (typst refuses to write PDF/UA without them).
- Fonts from a pinned package, never the machine's: DejaVu Sans from matplotlib's own data
  folder (the charts' font too); system fonts and typst's embedded fonts are switched off.
- Deterministic bytes: the document date is the as-at date, the creation timestamp fixed.
- Charts are SVG (svg_for), placed at their own size, so chart text prints as drawn.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from pathlib import Path

from .chart_specs import ChartSpec
from .notices import ABOUT_VERSION
from .style import CHART_SIZE, FONT_FAMILY, PALETTE, PANEL, RAG_FILL, RULE, TEXT, WARNING_COLOUR, fonts_dir
from .summary import IndicatorLine
from .view import PackView

CHART_STACKS = 3  # charts side by side on an area page (style.CHART_SIZE is a third of the width)
GROUP_COLUMNS = 2  # page 1's other indicators, side by side
PDF_STANDARDS = ["ua-1"]
AREA_KEPT_WHOLE_PT = 480  # an area this tall or less is kept on one page (the page holds about 520 pt); a taller one flows


class PdfError(RuntimeError):
    """typst could not typeset the pack; the message names the template line and the problem."""


@functools.lru_cache(maxsize=2)
def _compiler(template: str):
    """One typst compiler per template and process (templates/<folder>/<file>.typ): fonts from
    matplotlib's data folder only, never the machine's."""
    import typst

    from ..resources import template_dir

    folder, name = template.split("/")
    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(fonts_dir())])
    return typst.Compiler(template_dir(folder) / name, font_paths=fonts, ignore_system_fonts=True)


def typeset(template: str, input_name: str, document: dict, as_at: dt.date) -> bytes:
    """A tagged PDF (PDF/UA-1) of `document`, given to the typst template as sys.inputs
    [input_name] in JSON. Its timestamp is the as-at date, so the bytes depend on the document
    alone. The council pack (templates/pack/pack.typ) and the regional pack use it."""
    import typst

    when = dt.datetime(as_at.year, as_at.month, as_at.day, tzinfo=dt.UTC)
    data = json.dumps(document, ensure_ascii=False, sort_keys=True)
    try:
        return _compiler(template).compile(format="pdf", sys_inputs={input_name: data}, pdf_standards=PDF_STANDARDS, timestamp=when)
    except typst.TypstError as error:
        raise PdfError(f"templates/{template}: {error.message}") from None


def _spark(line: IndicatorLine) -> dict:
    return {"values": line.sparkline, "targets": line.sparkline_targets}


def _target_line(line: IndicatorLine) -> dict:
    fy = line.year_target
    position = ""
    if fy is not None and not fy.year_over:
        position = fy.due_words
    return {
        "title": line.title, "finding": line.finding, "value": line.value, "counts": line.counts, "target": line.target,
        "position": position, "fill": RAG_FILL.get(line.rag, RAG_FILL["Not rated"]), "shape": line.rag_shape,
        "word": line.rag_word, "year": f"{line.year_arrow} {line.year_words}", "spark": _spark(line),
        # a year-to-date count is not compared with last month: only its change on a year ago;
        # a hidden value's two changes say "not shown" once
        "month": "" if (line.month_words.startswith("not compared") or line.month_words == line.year_words)
                 else f"{line.month_arrow} {line.month_words}",
    }


def _other_line(line: IndicatorLine) -> dict:
    note = line.withheld or (line.benchmark if line.benchmark_figures is not None else "")
    return {"title": line.title, "value": line.value, "year": f"{line.year_arrow} {line.year_words}", "note": note,
            "spark": _spark(line)}


def _table_line(line: IndicatorLine) -> dict:
    return {"month": f"{line.month_arrow} {line.month_words}",
        "title": line.title, "value": line.value, "counts": line.counts, "target": line.target,
        "fill": RAG_FILL.get(line.rag, RAG_FILL["Not rated"]), "shape": line.rag_shape, "word": line.rag_word,
        "year": f"{line.year_arrow} {line.year_words}", "benchmark": line.benchmark,
    }


def _height(group: dict) -> int:
    """About how many printed lines a group of page 1's other indicators takes."""
    return 1 + sum(max(1, -(-len(line["title"]) // 38)) + (-(-len(line["note"]) // 46)) for line in group["lines"])


def _balanced_columns(groups: list[dict], columns: int = GROUP_COLUMNS) -> list[list[dict]]:
    """The groups, in order, cut into at most `columns` runs of about equal height (read down
    the first column, then the next)."""
    if not groups:
        return []
    total = sum(_height(g) for g in groups)
    out, run, height = [], [], 0
    for group in groups:
        h = _height(group)
        if run and len(out) < columns - 1 and height + h / 2 > total * (len(out) + 1) / columns:
            out.append(run)
            run = []
        run.append(group)
        height += h
    return out + [run]


def _withheld_sentences(view: PackView) -> list[str]:
    """The public pack's words for what it does not show: one sentence per reason, naming the
    indicators (a reason is said once however many indicators it hides)."""
    by_reason: dict[str, list[str]] = {}
    for note in view.withheld:
        by_reason.setdefault(note.reason, []).append(note.title)
    return [f"{', '.join(titles)}: {reason}." for reason, titles in by_reason.items()]


def _chart(spec: ChartSpec, svg_for: Callable[[ChartSpec], bytes]) -> dict:
    svg = svg_for(spec).decode("utf-8")
    match = re.search(r'<svg[^>]*\bheight="([\d.]+)pt"', svg)
    # the chart's printed height, and room for its title and note (about 3 and 2 lines)
    height = (float(match.group(1)) if match else 72 * CHART_SIZE[1]) + 60
    return {"title": spec.title, "alt": spec.alt, "note": spec.note, "svg": svg, "height": height}


def _stacks(charts: list[dict], count: int = CHART_STACKS) -> list[list[dict]]:
    """An area's charts in `count` stacks side by side: each chart, in page order, goes on the
    stack that is shortest so far (a tall bar chart beside two line charts, not above a gap)."""
    stacks: list[list[dict]] = [[] for _ in range(min(count, len(charts)))]
    heights = [0.0] * len(stacks)
    for chart in charts:
        shortest = heights.index(min(heights))
        stacks[shortest].append(chart)
        heights[shortest] += chart["height"]
    return stacks


def _area_page(page, svg_for: Callable[[ChartSpec], bytes]) -> dict:
    lines = [_table_line(line) for line in page.lines]
    stacks = _stacks([_chart(c, svg_for) for c in page.charts])
    # About how tall the area prints, in points: its heading, the table (a row of one or two
    # lines) and the tallest stack of charts; kept on one page when that fits (the template).
    has_benchmark = any(line.benchmark_figures is not None or line.benchmark.startswith("DfE") for line in page.lines)
    # one chart and no benchmark column: the chart beside the table, which has room at two thirds of the width
    side = len(page.charts) == 1 and not has_benchmark
    rows = sum(24 if len(line["title"]) > (35 if side else 60) or line["counts"] else 13 for line in lines)
    charts = max((sum(c["height"] for c in stack) for stack in stacks), default=0)
    height = 40 + (max(rows, charts) if side else rows + charts)
    return {"area": page.area, "new_page": False, "lines": lines, "chart_stacks": stacks, "has_benchmark": has_benchmark,
            "side": side, "keep_together": height <= AREA_KEPT_WHOLE_PT}


def _two_column_cuts(groups: list[dict]) -> list[list[list[dict]]]:
    """Every way to cut the groups, in order, into a left and a right column, the most even
    (by _height) first: the template measures them and takes the first that fits."""
    if len(groups) < 2:
        return [[groups]] if groups else []
    heights = [_height(g) for g in groups]
    cuts = sorted(range(1, len(groups)), key=lambda k: (abs(sum(heights[:k]) - sum(heights[k:])), k))
    return [[groups[:k], groups[k:]] for k in cuts]


def _others_options(groups: list[dict]) -> list[dict]:
    """Page 1's other indicators: every group, in every cut into columns (the most even first),
    then without the last group, and so on. The template draws the first option that fits on
    page 1 and opens page 2 with the rest, so an estimate that is off costs a better cut, never
    a group pushed over needlessly."""
    if not groups:
        return []
    if len({g["area"] for g in groups}) != len(groups):  # the template measures each group once, by its area
        raise ValueError("page 1's groups of indicators must have one area each")
    options = []
    for n in range(len(groups), -1, -1):
        rest = _balanced_columns(groups[n:])
        cuts = _two_column_cuts(groups[:n])
        options += [{"columns": columns, "rest": rest} for columns in (cuts or [[]])]
    return options


def document(view: PackView, svg_for: Callable[[ChartSpec], bytes]) -> dict:
    """What the template lays out: plain strings, numbers and lists only."""
    notices = []
    if view.version.reissued:
        notices.append({"kind": "version", "text": view.version.cover_text})
    notices += [{"kind": "warning", "text": warning} for warning in view.warnings]
    about = None
    if view.version.reissued:
        about = {"heading": ABOUT_VERSION, "line": view.version.line, "warnings": list(view.warnings),
                 "columns": view.version.moved_columns, "rows": view.version.moved_rows}
    corner = f"{view.council_name}, {view.month_label}, {view.audience} pack"
    if view.version.label:
        corner += f", {view.version.label[0].lower()}{view.version.label[1:]}"
    quality = view.quality.for_print() if view.quality is not None else None
    return {
        "title": view.title, "council_name": view.council_name, "date": [view.as_at.year, view.as_at.month, view.as_at.day],
        "font": FONT_FAMILY, "heading": view.heading, "subheading": view.subheading, "version_label": view.version.label,
        "corner": corner, "notices": notices, "headline": view.headline,
        "targets": [_target_line(line) for line in view.targets],
        "groups_heading": view.groups_heading,
        "others_options": _others_options([{"area": g.area, "lines": [_other_line(line) for line in g.lines]} for g in view.groups]),
        "withheld": _withheld_sentences(view),
        "key": view.key, "footnotes": view.footnotes, "about": about,
        "pages": [_area_page(p, svg_for) for p in view.pages], "chart_width_in": CHART_SIZE[0], "chart_columns": CHART_STACKS,
        "quality": quality,
        "colours": {"text": TEXT, "dark_blue": PALETTE["dark_blue"], "orange": PALETTE["orange"], "warning": WARNING_COLOUR,
                    "rule": RULE, "panel": PANEL},
    }


def pdf_bytes(view: PackView, svg_for: Callable[[ChartSpec], bytes]) -> bytes:
    """The view's PDF."""
    return typeset("pack/pack.typ", "pack", document(view, svg_for), view.as_at)


def write_pack_pdfs(packs: list[tuple[Path, PackView]], svg_for: Callable[[ChartSpec], bytes]) -> None:
    """One PDF per (path, view); svg_for(spec) gives a chart's SVG (writer.Drawings)."""
    for path, view in packs:
        Path(path).write_bytes(pdf_bytes(view, svg_for))
