"""The regional pack's files, from its view (view.py), in the council pack's style and with its
pieces: the charts drawn with pack/charts.py's (region/charts.py), the HTML page with the pack's
style sheet (templates/pack/pack.css.j2) and inline SVG (pack.html.inline_svg), the PDF typeset
by typst with the pack's fonts (DejaVu Sans from matplotlib's data folder, no system font), the
workbook written cell by cell through pack/excel_cells.put with XlsxWriter (no cell is ever a formula).

Deterministic bytes: the same view gives the same files (the PDF's and the workbook's dates are
the month's end; SVG ids are the chart's; no time is written anywhere).
"""

from __future__ import annotations

from pathlib import Path

from ..pack.style import FONT_FAMILY, HEADER_FILL, PALETTE, PANEL, RULE, TEXT, WARNING_COLOUR
from ..publish.files import private_mkdir
from .view import RegionView

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
COUNCILS_PER_TABLE = 7  # council columns that fit across an A4-landscape page beside the others


def write_pack_files(folder: Path, region, month: str, councils, figures, left_out: dict[str, str]) -> RegionView:
    """charts/<indicator>.svg, region_pack.html, region_pack.pdf and region_pack.xlsx in folder."""
    from .charts import region_svg
    from .view import make_view

    view = make_view(region, month, councils, figures, left_out)
    svgs = {chart.chart_id: region_svg(chart) for chart in view.charts}
    private_mkdir(folder / "charts")
    for chart_id, svg in svgs.items():
        (folder / "charts" / f"{chart_id}.svg").write_bytes(svg)
    (folder / "region_pack.html").write_text(render_html(view, svgs), encoding="utf-8")
    (folder / "region_pack.pdf").write_bytes(pdf_bytes(view, svgs))
    (folder / "region_pack.xlsx").write_bytes(workbook_bytes(view))
    return view


# ---------------------------------------------------------------------------------------------
# HTML


def render_html(view: RegionView, svgs: dict[str, bytes]) -> str:
    from markupsafe import Markup

    from ..pack.html import chart_prefix, css, environment, inline_svg

    pictures = {spec.chart_id: Markup(inline_svg(svgs[spec.chart_id], chart_prefix(spec.chart_id), spec.alt)) for spec in view.charts}
    return environment("region").get_template("region.html.j2").render(
        view=view, csp=CSP, css=Markup(css()), pictures=pictures,
    )


# ---------------------------------------------------------------------------------------------
# PDF


def document(view: RegionView, svgs: dict[str, bytes]) -> dict:
    """What region.typ lays out: plain strings, numbers and lists only."""
    benchmark_columns = (["England"] + ([f"{view.dfe_region} (DfE)"] if view.dfe_region else [])) if view.benchmark_year else []
    names = [{"name": name, "index": i} for i, (_id, name, _version) in enumerate(view.councils)]
    groups = [names[i:i + COUNCILS_PER_TABLE] for i in range(0, len(names), COUNCILS_PER_TABLE)] or [[{"name": "", "index": 0}]]
    return {
        "title": view.title, "region_name": view.region_name, "heading": view.heading, "subheading": view.subheading,
        "date": [view.as_at.year, view.as_at.month, view.as_at.day], "font": FONT_FAMILY,
        "corner": f"{view.region_name}, {view.month_label}, regional pack",
        "left_out": view.left_out, "not_charted": view.not_charted, "notes": view.notes,
        "charts": [{"title": c.title, "alt": c.alt, "note": c.note, "svg": svgs[c.chart_id].decode("utf-8")} for c in view.charts],
        "benchmark": bool(benchmark_columns), "benchmark_columns": benchmark_columns, "council_groups": groups,
        "areas": [{"area": area, "lines": [{
            "title": line.title, "note": line.direction + (f"; {line.rank_note}" if line.rank_note else ""),
            "regional": line.regional, "method": line.method,
            "benchmarks": ([line.england] + ([line.dfe_region] if view.dfe_region else [])) if benchmark_columns else [],
            "cells": [{"value": c.value, "counts": c.counts, "rank": c.rank} for c in line.councils],
        } for line in lines]} for area, lines in view.areas],
        "colours": {"text": TEXT, "dark_blue": PALETTE["dark_blue"], "warning": WARNING_COLOUR, "rule": RULE, "panel": PANEL},
    }


def pdf_bytes(view: RegionView, svgs: dict[str, bytes]) -> bytes:
    from ..pack.pdf import typeset

    return typeset("region/region.typ", "region", document(view, svgs), view.as_at)


# ---------------------------------------------------------------------------------------------
# Workbook


def workbook_bytes(view: RegionView) -> bytes:
    """Sheets: Summary (every indicator, the region, England and each council side by side, with
    ranks), Data (long and tidy, to pivot from), Notes. Numbers are numbers in their unit's
    format; "c" and the reasons for no figure stay as text."""
    from ..pack.excel_cells import UNIT_WORDS, Book, measure, put, text_row, typed, write_table

    book = Book(view.title, view.as_at)
    tables: set[str] = set()

    summary = book.sheet("Summary")
    text_row(summary, 1, view.heading, bold=True, size=14, colour=HEADER_FILL)
    text_row(summary, 2, view.subheading)
    for offset, line in enumerate(view.left_out):
        text_row(summary, 3 + offset, line, bold=True, colour=WARNING_COLOUR)
    top = 4 + len(view.left_out)
    benchmark = ["England"] + ([f"{view.dfe_region} (DfE)"] if view.dfe_region else []) if view.benchmark_year else []
    headings = ["Indicator", "Area", "Good is", view.region_name, "Regional figure is", *benchmark]
    for _id, name, _version in view.councils:
        headings += [name, f"{name}: rank"]
    rows = []
    for line in view.lines:
        row = [line.title, line.area, line.direction, measure(line.unit, line.regional_number if line.regional_number is not None else line.regional),
               line.method]
        if benchmark:
            row.append(measure(line.unit, line.england_number if line.england_number is not None else (line.england or None)))
            if view.dfe_region:
                row.append(measure(line.unit, line.dfe_region_number if line.dfe_region_number is not None else (line.dfe_region or None)))
        for cell in line.councils:
            row += [measure(line.unit, cell.value_number if cell.value_number is not None else cell.value), cell.rank_number]
        rows.append(row)
    write_table(summary, top, headings, rows, tables, [46, 20, 16, 14, 30, *[12] * len(benchmark), *[14, 8] * len(view.councils)])

    data = book.sheet("Data")
    long = []
    for line in view.lines:
        unit = UNIT_WORDS.get(line.unit, line.unit)
        long.append([line.title, line.area, view.region_name, "region", measure(line.unit, line.regional_number), None, line.method or line.regional, unit])
        if line.england:
            long.append([line.title, line.area, "England", "England (DfE)", measure(line.unit, line.england_number), None, "", unit])
        for (_id, name, _version), cell in zip(view.councils, line.councils):
            value = measure(line.unit, cell.value_number) if cell.value_number is not None else typed(cell.value, None)
            long.append([line.title, line.area, name, "council", value, cell.rank_number, line.rank_note, unit])
    write_table(data, 1, ["Indicator", "Area", "Geography", "Kind", "Value", "Rank", "Note", "Unit"], long, tables, [46, 20, 30, 14, 12, 8, 50, 14])

    notes = book.sheet("Notes")
    for row, note in enumerate(view.notes + view.not_charted, start=1):
        put(notes, row, 1, note)
    notes.column_width(1, 140)
    return book.bytes()
