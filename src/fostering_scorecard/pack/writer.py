"""write_pack: both audiences' packs, every format, in a fixed order. Nothing in the package
imports this module back; the format writers are imported when a pack is written.

With a release (the version being published, publish/release.py), each folder also gets
version.csv (one row: the version, and from version 2 when and why it was re-issued and which
indicators moved), and a re-issue's public/ gets its change_note.md with the small-numbers rule
applied (the internal change note is written by publishing, beside manifest.json)."""

from __future__ import annotations

from pathlib import Path

from ..tables import format_cell, write_csv
from .chart_specs import ChartSpec
from .disclosure import Rule, public_figures
from .notices import VERSION_COLUMNS
from .view import BENCHMARK_COLUMNS, BREAKDOWN_COLUMNS, HISTORY_COLUMNS, SCORECARD_COLUMNS, PackView, make_views
from .workers import PackWorkers

VERSION_FILE = "version.csv"
CHANGE_NOTE = "change_note.md"


def _write_csvs(folder: Path, view: PackView) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "scorecard.csv", SCORECARD_COLUMNS, view.rows)
    write_csv(folder / "scorecard_history.csv", HISTORY_COLUMNS, view.history)
    write_csv(folder / "benchmarks.csv", BENCHMARK_COLUMNS, view.benchmark_rows)
    if view.breakdowns:
        write_csv(folder / "breakdowns.csv", BREAKDOWN_COLUMNS, view.breakdowns)
    if view.version_rows:
        write_csv(folder / VERSION_FILE, VERSION_COLUMNS, view.version_rows)


def public_change_note(release, ctx) -> str:
    """A re-issue's change_note.md for public/: causes by kind and file only, and the figures
    that moved as the public pack shows them (the small-numbers rule applied)."""
    from ..publish.release import change_note_markdown  # light: no data library

    rule = Rule.from_settings(ctx.settings, {m.id for m in ctx.metrics})

    def shown(metric_id: str, figures, name: str) -> str:
        return format_cell(public_figures(metric_id, figures.to_record(), rule)[name])

    return change_note_markdown(release, public=True, shown=shown)


def _write_chart_pngs(folder: Path, charts: list[ChartSpec], workers: PackWorkers) -> dict[str, bytes]:
    """charts/<metric_id>.png for each indicator's trend; charts/area/<chart_id>.png for the
    area charts (funnel, cumulative, benchmark, breakdown, data quality). Returns the bytes."""
    (folder / "area").mkdir(parents=True, exist_ok=True)
    out = {}
    for spec in charts:
        target = folder / f"{spec.chart_id}.png" if spec.kind == "trend" else folder / "area" / f"{spec.chart_id}.png"
        out[spec.chart_id] = workers.png(spec)
        target.write_bytes(out[spec.chart_id])
    return out


def write_pack(folder: Path, ctx, rows: list[dict], history: list[dict], quality_rows: list[dict],
               breakdowns: list[dict] | None = None, release=None) -> None:
    """The internal pack at the top of folder and the public pack in folder/public.

    release: the version being published (publish.release.Release: month, version, and from
    version 2 reissued_on, reason, causes, moved), stated in every format; None states none.

    Worker processes make the workbooks and the charts; meanwhile this process writes the CSVs
    and the PDFs' summary pages, then the chart pages, the PNGs and the HTML."""
    from .html import write_html  # heavy imports (matplotlib) only when writing
    from .pdf import write_pack_pdfs

    internal, public = make_views(ctx, rows, history, quality_rows, breakdowns, release)
    packs = [(Path(folder), internal), (Path(folder) / "public", public)]
    with PackWorkers(internal.charts + public.charts, [internal, public]) as workers:
        for audience_folder, view in packs:
            _write_csvs(audience_folder, view)
        if release is not None and release.is_reissue:
            (Path(folder) / "public" / CHANGE_NOTE).write_text(public_change_note(release, ctx), encoding="utf-8")
        write_pack_pdfs([(audience_folder / "scorecard_pack.pdf", view) for audience_folder, view in packs], workers.png)
        for audience_folder, view in packs:
            (audience_folder / "scorecard_pack.xlsx").write_bytes(workers.workbook(view))
            pngs = _write_chart_pngs(audience_folder / "charts", view.charts, workers)
            write_html(audience_folder / "scorecard_pack.html", view, pngs)
