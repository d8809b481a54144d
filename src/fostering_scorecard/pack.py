"""The scorecard pack: tidy CSVs of the indicators, a trend chart per indicator and the PDF.
Everything is drawn from the same rows, so every format shows the same numbers."""

from __future__ import annotations

from pathlib import Path

from .tables import write_csv

SCORECARD_COLUMNS = [
    "metric_id", "title", "area", "period", "period_start", "period_end", "value", "numerator", "denominator",
    "unit", "target", "target_note", "rag", "rag_reason", "direction_of_good", "last_month_value",
    "change_vs_last_month", "same_month_last_year_value", "change_vs_last_year",
]
HISTORY_COLUMNS = ["metric_id", "month", "as_at", "value", "numerator", "denominator", "target", "rag"]


def write_pack(folder: Path, ctx, rows: list[dict], history: list[dict], quality_rows: list[dict]) -> None:
    from . import render  # matplotlib is imported only when there is something to draw

    write_csv(folder / "scorecard.csv", SCORECARD_COLUMNS, rows)
    write_csv(folder / "scorecard_history.csv", HISTORY_COLUMNS, history)

    metrics_by_id = {m.id: m for m in ctx.metrics}
    trend_months = ctx.settings.trend_months
    series = {m.id: [h for h in history if h["metric_id"] == m.id][-(trend_months + 1):] for m in ctx.metrics}
    titles = {row["metric_id"]: render.chart_title(metrics_by_id[row["metric_id"]], row) for row in rows}
    (folder / "charts").mkdir(exist_ok=True)
    for metric in ctx.metrics:
        render.write_chart_png(folder / "charts" / f"{metric.id}.png", metric, series[metric.id], titles[metric.id])

    quality_lines = [f"{r['file']:<18} {r['rule_id']:<45} {r['rows']:>7}  {r['detail']}" for r in quality_rows]
    render.write_pack_pdf(
        folder / "scorecard_pack.pdf",
        f"Fostering scorecard: {ctx.as_at:%B %Y}",
        f"{ctx.settings.council_name}. As at {ctx.as_at:%d %B %Y}; extracts taken {ctx.extract_info.extract_date:%d %B %Y}. "
        "Internal: exact counts, not for publication.",
        rows, ctx.metrics, series, titles, quality_lines,
    )



