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
from .style import CHART_SIZE, FONT_FAMILY, PALETTE, RAG_FILL, TEXT
from .summary import IndicatorLine
from .view import PackView

WARNING_COLOUR = "#B00020"  # dark red: 7.5:1 on white
PANEL = "#F3F2F1"  # the headline block's background
RULE = "#B1B4B6"  # table row lines
CHART_STACKS = 3  # charts side by side on an area page (style.CHART_SIZE is a third of the width)
GROUP_COLUMNS = 2  # page 1's other indicators, side by side
PDF_STANDARDS = ["ua-1"]


class PdfError(RuntimeError):
    """typst could not typeset the pack; the message names the template line and the problem."""


@functools.lru_cache(maxsize=1)
def _compiler():
    """One typst compiler per process: fonts from matplotlib's data folder only."""
    import matplotlib
    import typst

    from ..resources import template_dir

    fonts_dir = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(fonts_dir)])
    return typst.Compiler(template_dir("pack") / "pack.typ", font_paths=fonts, ignore_system_fonts=True)


def _spark(line: IndicatorLine) -> dict:
    return {"values": line.sparkline, "targets": line.sparkline_targets}


def _target_line(line: IndicatorLine) -> dict:
    fy = line.year_target
    position = ""
    if fy is not None and not fy.year_over:
        position = f"{fy.due_by_now:,.0f} due by now"
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
    return {"title": line.title, "value": line.value, "year": f"{line.year_arrow} {line.year_words}", "note": note}


def _table_line(line: IndicatorLine) -> dict:
    return {"month": f"{line.month_arrow} {line.month_words}",
        "title": line.title, "value": line.value, "counts": line.counts, "target": line.target,
        "fill": RAG_FILL.get(line.rag, RAG_FILL["Not rated"]), "shape": line.rag_shape, "word": line.rag_word,
        "year": f"{line.year_arrow} {line.year_words}", "benchmark": line.benchmark,
    }


def _height(group: dict) -> int:
    """About how many printed lines a group of page 1's other indicators takes."""
    return sum(max(1, -(-len(line["title"]) // 28)) + (-(-len(line["note"]) // 36)) for line in group["lines"])


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


def _others_options(groups: list[dict]) -> list[dict]:
    """Page 1's other indicators laid out whole, then without the last group, and so on: the
    template draws the first that fits on page 1 and opens page 2 with the rest."""
    if not groups:
        return []
    return [{"columns": _balanced_columns(groups[:n]), "rest": _balanced_columns(groups[n:])} for n in range(len(groups), -1, -1)]


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
    quality = None
    if view.quality is not None:
        q = view.quality
        quality = {"summary": q.summary, "extract_columns": q.extract_columns, "extracts": [e.cells for e in q.extracts],
                   "rule_columns": q.problem_rule_columns,
                   "problems": [{"problem": problem[0].upper() + problem[1:], "rules": [r.cells_under_problem for r in rules]}
                                for problem, rules in q.problems]}
    return {
        "title": view.title, "council_name": view.council_name, "date": [view.as_at.year, view.as_at.month, view.as_at.day],
        "font": FONT_FAMILY, "heading": view.heading, "subheading": view.subheading, "version_label": view.version.label,
        "corner": corner, "notices": notices, "headline": view.headline,
        "targets": [_target_line(line) for line in view.targets],
        "groups_heading": view.groups_heading,
        "others_options": _others_options([{"area": g.area, "lines": [_other_line(line) for line in g.lines]} for g in view.groups]),
        "withheld": _withheld_sentences(view),
        "key": view.key, "footnotes": view.footnotes, "about": about,
        "pages": [{"area": p.area, "new_page": False, "lines": [_table_line(line) for line in p.lines],
                   "has_benchmark": any(line.benchmark_figures is not None or line.benchmark.startswith("DfE") for line in p.lines),
                   "chart_stacks": _stacks([_chart(c, svg_for) for c in p.charts])}
                  for p in view.pages],
        "quality": quality,
        "colours": {"text": TEXT, "dark_blue": PALETTE["dark_blue"], "orange": PALETTE["orange"], "warning": WARNING_COLOUR,
                    "rule": RULE, "panel": PANEL},
    }


def pdf_bytes(view: PackView, svg_for: Callable[[ChartSpec], bytes]) -> bytes:
    """The view's PDF. The timestamp is the as-at date, so the bytes depend on the view alone."""
    import typst

    when = dt.datetime(view.as_at.year, view.as_at.month, view.as_at.day, tzinfo=dt.UTC)
    data = json.dumps(document(view, svg_for), ensure_ascii=False, sort_keys=True)
    try:
        return _compiler().compile(format="pdf", sys_inputs={"pack": data}, pdf_standards=PDF_STANDARDS, timestamp=when)
    except typst.TypstError as error:
        raise PdfError(f"templates/pack/pack.typ: {error.message}") from None


def write_pack_pdfs(packs: list[tuple[Path, PackView]], svg_for: Callable[[ChartSpec], bytes]) -> None:
    """One PDF per (path, view); svg_for(spec) gives a chart's SVG (PackWorkers)."""
    for path, view in packs:
        Path(path).write_bytes(pdf_bytes(view, svg_for))
