"""write_pack: both audiences' packs, every format, in a fixed order. Nothing in the package
imports this module back; the format writers are imported when a pack is written."""

from __future__ import annotations

from pathlib import Path

from ..tables import write_csv
from .chart_specs import ChartSpec
from .view import BENCHMARK_COLUMNS, BREAKDOWN_COLUMNS, HISTORY_COLUMNS, SCORECARD_COLUMNS, PackView, make_views
from .workers import PackWorkers


def _write_csvs(folder: Path, view: PackView) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "scorecard.csv", SCORECARD_COLUMNS, view.rows)
    write_csv(folder / "scorecard_history.csv", HISTORY_COLUMNS, view.history)
    write_csv(folder / "benchmarks.csv", BENCHMARK_COLUMNS, view.benchmark_rows)
    if view.breakdowns:
        write_csv(folder / "breakdowns.csv", BREAKDOWN_COLUMNS, view.breakdowns)


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


def write_pack(folder: Path, ctx, rows: list[dict], history: list[dict], quality_rows: list[dict], breakdowns: list[dict] | None = None) -> None:
    """The internal pack at the top of folder and the public pack in folder/public.

    Worker processes make the workbooks and the charts; meanwhile this process writes the CSVs
    and the PDFs' summary pages, then the chart pages, the PNGs and the HTML."""
    from .html import write_html  # heavy imports (matplotlib) only when writing
    from .pdf import write_pack_pdfs

    internal, public = make_views(ctx, rows, history, quality_rows, breakdowns)
    packs = [(Path(folder), internal), (Path(folder) / "public", public)]
    with PackWorkers(internal.charts + public.charts, [internal, public]) as workers:
        for audience_folder, view in packs:
            _write_csvs(audience_folder, view)
        write_pack_pdfs([(audience_folder / "scorecard_pack.pdf", view) for audience_folder, view in packs], workers.png)
        for audience_folder, view in packs:
            (audience_folder / "scorecard_pack.xlsx").write_bytes(workers.workbook(view))
            pngs = _write_chart_pngs(audience_folder / "charts", view.charts, workers)
            write_html(audience_folder / "scorecard_pack.html", view, pngs)
