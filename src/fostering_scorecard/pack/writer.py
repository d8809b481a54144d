"""write_pack: both audiences' packs, every format, in a fixed order. Nothing in the package
imports this module back; the format writers (and matplotlib, typst, XlsxWriter) are imported
when a pack is written.

Each chart of the month is drawn once (Drawings): the PDF, the HTML and charts/<chart>.svg of
both audiences use the same SVG, and the public pack shares the internal pack's drawing
wherever suppression changed nothing in a chart (chart_specs.drawing_key).

A pack is made in one process: drawing a month's charts takes a few tenths of a second, less
than starting worker processes and sending them the figures would (docs/performance.md). A
backfill of many months writes whole packs in a pack process of two workers instead
(pack_process.py), each the same as here. The two PDFs are typeset in a second thread while
this one makes the workbooks and the HTML: typst lets go of Python's lock while it works, so
that costs no more CPU and saves its time.

With a release (the version being published, publish/release.py), each folder also gets
version.csv (one row: the version, and from version 2 when and why it was re-issued and which
indicators moved), and a re-issue's public/ gets its change_note.md with the small-numbers rule
applied (the internal change note is written by publishing, beside manifest.json)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..tables import format_cell, write_csv
from .chart_specs import ChartSpec, drawing_key
from .disclosure import Rule, public_figures
from .notices import VERSION_COLUMNS
from .view import BENCHMARK_COLUMNS, BREAKDOWN_COLUMNS, HISTORY_COLUMNS, SCORECARD_COLUMNS, PackView, make_views

VERSION_FILE = "version.csv"
CHANGE_NOTE = "change_note.md"
CHARTS_FOLDER = "charts"
# What writing a pack imports (matplotlib through charts.py, then XlsxWriter, typst and Jinja2):
# a run can import them early, in a background thread (load_writers), so that its pack starts
# at once; about 0.7 s, matplotlib most of it.
WRITER_MODULES = ("fostering_scorecard.pack.charts", "xlsxwriter", "typst", "jinja2")


def load_writers() -> None:
    """Import WRITER_MODULES now rather than in the first write_pack (the same result)."""
    import importlib

    for module in WRITER_MODULES:
        importlib.import_module(module)


class Drawings:
    """Each distinct chart drawn once, on first use (charts.chart_svg), then reused. Only the
    thread that draws may ask for a chart not drawn yet (matplotlib is not thread-safe):
    drawn() is for the others."""

    def __init__(self) -> None:
        from .charts import chart_svg  # heavy (matplotlib): only when a pack is written

        self._draw = chart_svg
        self._svgs: dict[str, bytes] = {}

    def svg(self, spec: ChartSpec) -> bytes:
        key = drawing_key(spec)
        if key not in self._svgs:
            self._svgs[key] = self._draw(spec)
        return self._svgs[key]

    def drawn_svg(self, spec: ChartSpec) -> bytes:
        """A chart already drawn (KeyError otherwise): safe from another thread."""
        return self._svgs[drawing_key(spec)]

    @property
    def drawn(self) -> int:
        return len(self._svgs)


def _write_csvs(folder: Path, view: PackView) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "scorecard.csv", SCORECARD_COLUMNS, view.rows)
    write_csv(folder / "scorecard_history.csv", HISTORY_COLUMNS, view.history)
    write_csv(folder / "benchmarks.csv", BENCHMARK_COLUMNS, view.benchmark_rows)
    if view.breakdowns:
        write_csv(folder / "breakdowns.csv", BREAKDOWN_COLUMNS, view.breakdowns)
    if view.version_rows:
        write_csv(folder / VERSION_FILE, VERSION_COLUMNS, view.version_rows)


def _write_chart_files(folder: Path, view: PackView, drawings: Drawings) -> None:
    """charts/<chart_id>.svg: each chart of the pack, for a reader to reuse (committee papers)."""
    folder.mkdir(parents=True, exist_ok=True)
    for spec in view.charts:
        (folder / f"{spec.chart_id}.svg").write_bytes(drawings.svg(spec))


def public_change_note(release, ctx) -> str:
    """A re-issue's change_note.md for public/: causes by kind and file only, and the figures
    that moved as the public pack shows them (the small-numbers rule applied)."""
    from ..publish.release import change_note_markdown  # light: no data library

    rule = Rule.from_settings(ctx.settings, {m.id for m in ctx.metrics})

    def shown(metric_id: str, figures, name: str) -> str:
        return format_cell(public_figures(metric_id, figures.to_record(), rule)[name])

    return change_note_markdown(release, public=True, shown=shown)


def write_pack(folder: Path, ctx, rows: list[dict], history: list[dict], quality_rows: list[dict],
               breakdowns: list[dict] | None = None, release=None) -> None:
    """The internal pack at the top of folder and the public pack in folder/public: the CSVs,
    charts/*.svg, scorecard_pack.pdf, scorecard_pack.xlsx and scorecard_pack.html of each.

    release: the version being published (publish.release.Release: month, version, and from
    version 2 reissued_on, reason, causes, moved), stated in every format; None states none."""
    from .excel import workbook_bytes  # heavy imports (typst, XlsxWriter, jinja2) only when writing
    from .html import write_html
    from .pdf import write_pack_pdfs

    internal, public = make_views(ctx, rows, history, quality_rows, breakdowns, release)
    packs = [(Path(folder), internal), (Path(folder) / "public", public)]
    drawings = Drawings()
    for audience_folder, view in packs:
        _write_csvs(audience_folder, view)
        _write_chart_files(audience_folder / CHARTS_FOLDER, view, drawings)  # every chart drawn here, first
    if release is not None and release.is_reissue:
        (Path(folder) / "public" / CHANGE_NOTE).write_text(public_change_note(release, ctx), encoding="utf-8")
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-pdf") as typesetter:
        pdfs = typesetter.submit(write_pack_pdfs, [(audience_folder / "scorecard_pack.pdf", view) for audience_folder, view in packs],
                                 drawings.drawn_svg)
        for audience_folder, view in packs:
            (audience_folder / "scorecard_pack.xlsx").write_bytes(workbook_bytes(view))
            write_html(audience_folder / "scorecard_pack.html", view, drawings.drawn_svg)
        pdfs.result()  # the PDFs' error, if any, is raised here
