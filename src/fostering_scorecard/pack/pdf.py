"""The pack as a multi-page PDF (A4 landscape): summary pages with sparklines, then a page or
more per area with the charts (the same PNGs as charts/, placed as they are), and the internal
pack's data-quality table. The cover states the version in its corner and, before the figures,
a re-issue (when, why, how many indicators moved) and any warning; a re-issued version has an
"About this version" page after the summary listing the indicators that moved.

Deterministic bytes: no creation or modification date, fixed fonts and sizes (style.py, set up
by charts.py). Status is a word and a shape as well as a colour.
"""

from __future__ import annotations

import contextlib
import math
import struct
from collections.abc import Callable
from pathlib import Path

from matplotlib.artist import Artist
from matplotlib.backends.backend_pdf import Name, Op, PdfFile, PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from .chart_specs import DATA_QUALITY_AREA, ChartSpec
from .charts import wrap  # also sets matplotlib up (backend, fonts) before any page is drawn
from .formatting import month_label
from .notices import ABOUT_VERSION
from .style import CHART_SIZE, PAGE_SIZE, PALETTE, RAG_FILL
from .view import PackView

SUMMARY_ROWS_PER_PAGE = 10
CHARTS_PER_PAGE = 4


def _sparkline(ax, values: list, targets: list, box: tuple[float, float, float, float]) -> None:
    """One sparkline scaled into box (x0, y0, width, height) of a shared axes: one axes for the
    whole column draws far faster than an axes per row."""
    x0, y0, width, height = box
    shown = [v for v in values + targets if v is not None]
    if not shown:
        return
    low, high = min(shown), max(shown)
    span = (high - low) or max(abs(high), 1.0)
    n = max(len(values) - 1, 1)

    def xy(series):
        return ([x0 + i * width / n for i in range(len(series))],
                [float("nan") if v is None else y0 + (v - low) / span * height for v in series])

    if any(t is not None for t in targets):
        ax.plot(*xy(targets), color=PALETTE["orange"], linewidth=0.9, linestyle="--")
    xs, ys = xy(values)
    ax.plot(xs, ys, color=PALETTE["dark_blue"], linewidth=1.2)
    if values and values[-1] is not None:
        ax.plot([xs[-1]], [ys[-1]], marker="o", markersize=2.5, color=PALETTE["dark_blue"])


SUMMARY_COLUMNS = [  # (heading, x position, wrap width)
    ("Indicator", 0.020, 34),
    ("Value", 0.235, 20),
    ("Target", 0.335, 10),
    ("Status", 0.390, 16),
    ("Good is", 0.478, 8),
    ("vs last month", 0.525, 16),
    ("vs last year", 0.615, 16),
    ("Benchmark (DfE)", 0.705, 30),
    ("Trend", 0.885, 0),
]


NOTICE_WRAP = 140  # characters a line of the cover's notice holds (bold, 8.5 pt)
NOTICE_LINE = 0.019  # the height of one line of it, as a share of the page
WARNING_COLOUR = "#B00020"  # dark red: 7.5:1 on white


def _notices(view: PackView) -> list[tuple[str, str]]:
    """The cover's notice, before the figures: (wrapped text, colour) for a re-issue and for
    each warning. A first version without warnings has none (its number is in the corner)."""
    notices = []
    if view.version.reissued:
        notices.append((wrap(view.version.cover_text, NOTICE_WRAP), PALETTE["dark_blue"]))
    notices += [(wrap(warning, NOTICE_WRAP), WARNING_COLOUR) for warning in view.warnings]
    return notices


def _summary_pages(pdf: PdfPages, view: PackView) -> None:
    lines = view.summary
    notices = _notices(view)
    notice_height = sum(text.count("\n") + 1 for text, _ in notices) * NOTICE_LINE + 0.01 * len(notices)
    # The cover holds the notice where its first rows would be: those rows go to later pages.
    first_rows = max(1, SUMMARY_ROWS_PER_PAGE - math.ceil(notice_height / 0.075))
    starts = [0] + list(range(first_rows, len(lines), SUMMARY_ROWS_PER_PAGE))
    pages = len(starts)
    for page, start in enumerate(starts):
        fig = Figure(figsize=PAGE_SIZE)
        heading = view.heading + (f" (summary {page + 1} of {pages})" if pages > 1 else "")
        fig.text(0.02, 0.955, heading, fontsize=16, weight="bold", color=PALETTE["dark_blue"])
        if view.version.label:
            fig.text(0.98, 0.955, view.version.label, fontsize=10, weight="bold", color=PALETTE["dark_blue"], ha="right")
        fig.text(0.02, 0.925, wrap(view.subheading, 190), fontsize=8.5, va="top")
        top, row_height = 0.865, 0.075
        if page == 0 and notices:
            y = top + 0.02
            for text, colour in notices:
                fig.text(0.02, y, text, fontsize=8.5, weight="bold", color=colour, va="top", linespacing=1.3)
                y -= (text.count("\n") + 1) * NOTICE_LINE + 0.01
            top -= notice_height
        end = first_rows if page == 0 else start + SUMMARY_ROWS_PER_PAGE
        fig.patches.append(Rectangle((0.015, top - 0.005), 0.97, 0.04, transform=fig.transFigure, color=PALETTE["dark_blue"], zorder=0))
        for heading_text, x, _ in SUMMARY_COLUMNS:
            fig.text(x, top + 0.015, heading_text, fontsize=8.5, weight="bold", color="white", va="center")
        spark_ax = fig.add_axes([0, 0, 1, 1])  # figure coordinates, for every sparkline on the page
        spark_ax.set_xlim(0, 1)
        spark_ax.set_ylim(0, 1)
        spark_ax.axis("off")
        spark_ax.patch.set_alpha(0)
        for i, line in enumerate(lines[start:end]):
            y = top - 0.01 - (i + 0.5) * row_height
            status_x = SUMMARY_COLUMNS[3][1]
            fig.patches.append(Rectangle((status_x - 0.004, y - row_height / 2 + 0.004), 0.083, row_height - 0.008,
                                         transform=fig.transFigure, color=RAG_FILL.get(line.rag, RAG_FILL["Not rated"]), zorder=0))
            fig.add_artist(Line2D([0.015, 0.985], [y - row_height / 2, y - row_height / 2], transform=fig.transFigure, color="#BBBBBB", linewidth=0.5))
            value = line.value + (f"\n({line.counts})" if line.counts else "")
            cells = [
                line.title, value, line.target, f"{line.rag_shape} {line.rag_word}", line.direction.replace(" is better", ""),
                f"{line.month_arrow} {line.month_words}", f"{line.year_arrow} {line.year_words}", line.benchmark,
            ]
            for (_, x, width), text in zip(SUMMARY_COLUMNS, cells):
                fig.text(x, y, wrap(text, width), fontsize=7.5, va="center", linespacing=1.15,
                         weight="bold" if x == SUMMARY_COLUMNS[1][1] else "normal")
            _sparkline(spark_ax, line.sparkline, line.sparkline_targets, (SUMMARY_COLUMNS[-1][1], y - row_height * 0.3, 0.09, row_height * 0.6))
        foot = "\n".join(wrap(note, 200) for note in view.footnotes)
        if lines:
            first, last = lines[0].sparkline_months[:1], lines[0].sparkline_months[-1:]
            if first and last:
                foot += f"\nTrend: {month_label(first[0])} to {month_label(last[0])}; solid line = value, dashed = target."
        fig.text(0.02, 0.015, foot, fontsize=6.8, va="bottom")
        pdf.savefig(fig)


class PngImage(Artist):
    """An RGB PNG placed in a PDF page as it is: the PNG's compressed rows become the image
    stream (PDF decodes PNG row filters itself), so nothing is decoded, resampled or compressed
    again, and the page shows exactly the pixels of charts/. Only for _PackPdf pages."""

    def __init__(self, png: bytes, rect: tuple[float, float, float, float]) -> None:
        super().__init__()
        self.rect = rect  # x, y, width, height in figure fractions
        self.width, self.height, self.rows = _png_rgb_rows(png)

    def draw(self, renderer) -> None:
        pdf_file = getattr(renderer, "file", None)
        if not isinstance(pdf_file, _PackPdfFile):
            raise TypeError("PngImage is drawn only into a _PackPdf page")
        x0, y0, width, height = self.rect
        (left, bottom), (right, top) = self.figure.transFigure.transform([(x0, y0), (x0 + width, y0 + height)])
        name = pdf_file.imageObject(self)
        pdf_file.output(Op.gsave, right - left, 0, 0, top - bottom, left, bottom, Op.concat_matrix, name, Op.use_xobject, Op.grestore)

    def write_xobject(self, pdf_file: PdfFile, object_id: int) -> None:
        header = {"Type": Name("XObject"), "Subtype": Name("Image"), "Width": self.width, "Height": self.height,
                  "ColorSpace": Name("DeviceRGB"), "BitsPerComponent": 8}
        predictor = {"Predictor": 15, "Colors": 3, "Columns": self.width}  # PNG row filters
        pdf_file.beginStream(object_id, pdf_file.reserveObject("length of image stream"), header, png=predictor)
        pdf_file.currentstream.write(self.rows)
        pdf_file.endStream()


def _png_rgb_rows(png: bytes) -> tuple[int, int, bytes]:
    """(width, height, the zlib stream of filtered rows) of an 8-bit RGB non-interlaced PNG."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    position, rows, header = 8, [], None
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        body = png[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            rows.append(body)
        position += 12 + length  # length, type, body, CRC
    if header is None or header[2:] != (8, 2, 0, 0, 0):
        raise ValueError(f"expected an 8-bit RGB non-interlaced PNG, got IHDR {header}")
    return header[0], header[1], b"".join(rows)


class _PackPdfFile(PdfFile):
    """matplotlib's PDF writer, also writing the image XObjects of PngImage artists."""

    def writeImages(self):
        embedded = [entry for entry in self._images.values() if isinstance(entry[0], PngImage)]
        self._images = {key: entry for key, entry in self._images.items() if not isinstance(entry[0], PngImage)}
        super().writeImages()
        for image, _name, reference in embedded:
            image.write_xobject(self, reference.id)


class _PackPdf(PdfPages):
    """PdfPages writing through _PackPdfFile (matplotlib 3.11 opens its file in _ensure_file)."""

    def _ensure_file(self):
        if self._file is None:
            self._file = _PackPdfFile(self._filename, metadata=self._metadata)
        return self._file


def _area_pages(pdf: PdfPages, view: PackView, area: str, charts: list[ChartSpec], png_for: Callable[[ChartSpec], bytes]) -> None:
    """Four charts a page, placed as the same PNGs as charts/ and the HTML (drawing them again
    as vectors would cost seconds a page), each with its definition or source underneath."""
    pages = max(1, math.ceil(len(charts) / CHARTS_PER_PAGE))
    positions = [(0.03, 0.53), (0.52, 0.53), (0.03, 0.07), (0.52, 0.07)]
    width = 0.45
    height = width * PAGE_SIZE[0] / PAGE_SIZE[1] * CHART_SIZE[1] / CHART_SIZE[0]
    for page in range(pages):
        fig = Figure(figsize=PAGE_SIZE)
        suffix = f" ({page + 1} of {pages})" if pages > 1 else ""
        fig.text(0.02, 0.96, f"{area}{suffix}", fontsize=14, weight="bold", color=PALETTE["dark_blue"])
        corner = f"{view.council_name}, {month_label(view.month)}, {view.audience} pack"
        fig.text(0.98, 0.96, corner + (f", {view.version.label.lower()}" if view.version.label else ""), fontsize=8, ha="right")
        for (x, y), spec in zip(positions, charts[page * CHARTS_PER_PAGE:(page + 1) * CHARTS_PER_PAGE]):
            fig.add_artist(PngImage(png_for(spec), (x, y + 0.025, width, height)))
            if spec.note:
                fig.text(x + 0.01, y + 0.02, wrap(spec.note, 120), fontsize=6.3, va="top", color="#333333")
        pdf.savefig(fig)


def _table_page(pdf: PdfPages, heading: str, columns: list[str], rows: list[list[str]], widths: list[int]) -> None:
    per_page = 38
    pages = max(1, math.ceil(len(rows) / per_page))
    for page in range(pages):
        fig = Figure(figsize=PAGE_SIZE)
        fig.text(0.02, 0.96, heading + (f" ({page + 1} of {pages})" if pages > 1 else ""), fontsize=14, weight="bold", color=PALETTE["dark_blue"])
        lines = ["  ".join(c[:w].ljust(w) for c, w in zip(columns, widths))]
        lines += ["  ".join(str(v)[:w].ljust(w) for v, w in zip(row, widths)) for row in rows[page * per_page:(page + 1) * per_page]]
        fig.text(0.02, 0.92, "\n".join(lines), fontsize=7.5, va="top", family="DejaVu Sans Mono")
        pdf.savefig(fig)


def _version_pages(pdf: PdfPages, view: PackView) -> None:
    """A re-issued version: when and why, any warning, then each indicator that moved."""
    rows = view.version.moved_rows
    widths = [60, 30, 30, 20, 20]
    per_page = 30
    notices = [(wrap(view.version.line, NOTICE_WRAP), PALETTE["dark_blue"])] + [(wrap(w, NOTICE_WRAP), WARNING_COLOUR) for w in view.warnings]
    for page in range(max(1, math.ceil(len(rows) / per_page))):
        fig = Figure(figsize=PAGE_SIZE)
        fig.text(0.02, 0.955, ABOUT_VERSION + (f" ({page + 1})" if page else ""), fontsize=14, weight="bold", color=PALETTE["dark_blue"])
        y = 0.92
        for text, colour in notices:
            fig.text(0.02, y, text, fontsize=8.5, weight="bold", color=colour, va="top", linespacing=1.3)
            y -= (text.count("\n") + 1) * NOTICE_LINE + 0.015
        fig.text(0.02, y - 0.01, f"Indicators that moved since version {view.version.version - 1}" if rows else "No indicator moved.",
                 fontsize=10, weight="bold", va="top")
        table = ["  ".join(c[:w].ljust(w) for c, w in zip(view.version.moved_columns, widths))]
        table += ["  ".join(str(v)[:w].ljust(w) for v, w in zip(row, widths)) for row in rows[page * per_page:(page + 1) * per_page]]
        if rows:
            fig.text(0.02, y - 0.045, "\n".join(table), fontsize=7.5, va="top", family="DejaVu Sans Mono")
        pdf.savefig(fig)


def write_pack_pdfs(packs: list[tuple[Path, PackView]], png_for: Callable[[ChartSpec], bytes]) -> None:
    """One PDF per (path, view); png_for(spec) gives a chart's PNG (PackWorkers.png). The summary
    pages of every PDF come first: they need no chart, so they are written while the worker
    processes draw the charts."""
    with contextlib.ExitStack() as stack:
        pdfs = []
        for path, view in packs:
            metadata = {"CreationDate": None, "ModDate": None, "Title": f"{view.heading} ({view.audience})",
                        "Creator": "fostering_scorecard", "Producer": "fostering_scorecard"}
            pdfs.append(stack.enter_context(_PackPdf(path, metadata=metadata)))
        for pdf, (_path, view) in zip(pdfs, packs):
            _summary_pages(pdf, view)
            if view.version.reissued:
                _version_pages(pdf, view)
        for pdf, (_path, view) in zip(pdfs, packs):
            for area, charts in view.areas:
                _area_pages(pdf, view, area, charts, png_for)
                if area == DATA_QUALITY_AREA:
                    quality = next(c for c in charts if c.kind == "quality")
                    _table_page(pdf, "Data quality: rows set aside per rule (counts only)", quality.table_columns, quality.table_rows, [16, 42, 8, 60])

