"""Charts (PNG) and the multi-page PDF pack, drawn with matplotlib from scorecard rows.

Deterministic bytes: the Agg backend, no creation date in the PDF, fixed fonts and sizes.
Colour is never the only signal: every status is also a word and a shape.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402

from .config import Metric  # noqa: E402

# UK Government Analysis Function palette (categorical) and RAG fills with dark text (AA contrast).
PALETTE = {"dark_blue": "#12436D", "turquoise": "#28A197", "dark_pink": "#801650", "orange": "#F46A25"}
RAG_STYLE = {
    "Green": ("#A8D5BA", "\u25cf Met"),
    "Amber": ("#FFD78A", "\u25b2 Close"),
    "Red": ("#F4A3A3", "\u25a0 Missed"),
    "Not rated": ("#E6E6E6", "\u25cb Not rated"),
}
PAGE_SIZE = (11.69, 8.27)  # A4 landscape, inches

plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.hashsalt": "fostering-scorecard",
        "path.simplify": False,
    }
)


def format_value(metric: Metric, value: float | None) -> str:
    if value is None:
        return "no data"
    return f"{value:.1f}%" if metric.unit == "percent" else f"{value:,.0f}"


def chart_title(metric: Metric, row: dict) -> str:
    """A title that states the finding, built from the numbers."""
    value = format_value(metric, row["value"])
    parts = [f"{metric.title}: {value}"]
    if row["change_vs_last_year"] not in ("no comparison",):
        parts.append(f"{row['change_vs_last_year']} than a year ago" if row["change_vs_last_year"] in ("better", "worse") else "no material change on a year ago")
    if row["rag"] != "Not rated":
        parts.append({"Green": "target met", "Amber": "close to target", "Red": "target missed"}[row["rag"]])
    return ", ".join(parts)


def alt_text(metric: Metric, series: list[dict]) -> str:
    first, last = series[0], series[-1]
    return (
        f"Line chart of {metric.title.lower()} by month from {first['month']} to {last['month']}: "
        f"{format_value(metric, first['value'])} in {first['month']}, {format_value(metric, last['value'])} in {last['month']}."
    )


def draw_trend(ax, metric: Metric, series: list[dict], title: str) -> None:
    months = [s["month"] for s in series]
    x = list(range(len(months)))
    values = [s["value"] for s in series]
    ax.plot(x, [v if v is not None else float("nan") for v in values], color=PALETTE["dark_blue"], linewidth=2, marker="o", markersize=3, label=metric.title if len(metric.title) < 40 else "value")
    targets = [s["target"] for s in series]
    if any(t is not None for t in targets):
        ax.plot(x, [t if t is not None else float("nan") for t in targets], color=PALETTE["orange"], linestyle="--", linewidth=1.5, label="target")
        ax.legend(loc="best", frameon=False, fontsize=8)
    ax.set_xticks(x[::3], [m for m in months[::3]], rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("%" if metric.unit == "percent" else "count")
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.5)
    ax.set_title("\n".join(textwrap.wrap(title, 70)), fontsize=9, loc="left")


def write_chart_png(path: Path, metric: Metric, series: list[dict], title: str) -> None:
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    draw_trend(ax, metric, series, title)
    fig.tight_layout()
    fig.savefig(path, format="png", metadata={"Software": None})
    plt.close(fig)


def _summary_page(pdf: PdfPages, heading: str, subheading: str, rows: list[dict], metrics: dict[str, Metric]) -> None:
    fig = plt.figure(figsize=PAGE_SIZE)
    fig.text(0.04, 0.94, heading, fontsize=16, weight="bold", color=PALETTE["dark_blue"])
    fig.text(0.04, 0.905, subheading, fontsize=9)
    columns = ["Indicator", "Value", "Target", "Status", "Good is", "vs last month", "vs last year"]
    cells, colours = [], []
    for row in rows:
        metric = metrics[row["metric_id"]]
        value = format_value(metric, row["value"])
        if row["denominator"] is not None:
            value += f"  ({row['numerator']:,}/{row['denominator']:,})"
        target = "-" if row["target"] is None else format_value(metric, row["target"])
        fill, label = RAG_STYLE[row["rag"]]
        cells.append(["\n".join(textwrap.wrap(metric.title, 48)), value, target, label, metric.direction, row["change_vs_last_month"], row["change_vs_last_year"]])
        colours.append(["white", "white", "white", fill, "white", "white", "white"])
    ax = fig.add_axes([0.04, 0.08, 0.92, 0.8])
    ax.axis("off")
    table = ax.table(cellText=cells, colLabels=columns, cellColours=colours, loc="upper left", cellLoc="left", colLoc="left", colWidths=[0.34, 0.15, 0.08, 0.1, 0.07, 0.13, 0.13])
    table.auto_set_font_size(False)
    table.set_fontsize(8.5)
    table.scale(1, 2.6)
    for (r, _c), cell in table.get_celld().items():
        cell.set_edgecolor("#BBBBBB")
        if r == 0:
            cell.set_text_props(weight="bold", color="white")
            cell.set_facecolor(PALETTE["dark_blue"])
    fig.text(0.04, 0.03, "Status: \u25cf Met = target met; \u25b2 Close = within tolerance; \u25a0 Missed = beyond tolerance; \u25cb Not rated = no target. "
             "Change words use the direction of good.", fontsize=7.5)
    pdf.savefig(fig)
    plt.close(fig)


def _area_page(pdf: PdfPages, area: str, items: list[tuple[Metric, list[dict], str]]) -> None:
    fig = plt.figure(figsize=PAGE_SIZE)
    fig.text(0.04, 0.95, area, fontsize=14, weight="bold", color=PALETTE["dark_blue"])
    n = len(items)
    for i, (metric, series, title) in enumerate(items):
        ax = fig.add_axes([0.07 + i * (0.9 / n), 0.3, 0.9 / n - 0.07, 0.55])
        draw_trend(ax, metric, series, title)
        definition = "\n".join(textwrap.wrap(metric.definition, int(150 / n)))
        fig.text(0.07 + i * (0.9 / n), 0.04, definition, fontsize=7, va="bottom")
    pdf.savefig(fig)
    plt.close(fig)


def _text_page(pdf: PdfPages, heading: str, lines: list[str]) -> None:
    fig = plt.figure(figsize=PAGE_SIZE)
    fig.text(0.04, 0.95, heading, fontsize=14, weight="bold", color=PALETTE["dark_blue"])
    wrapped = []
    for line in lines:
        wrapped += textwrap.wrap(line, 150) or [""]
    fig.text(0.04, 0.9, "\n".join(wrapped[:60]), fontsize=8, va="top", family="DejaVu Sans Mono")
    pdf.savefig(fig)
    plt.close(fig)


def write_pack_pdf(
    path: Path,
    heading: str,
    subheading: str,
    rows: list[dict],
    metrics: list[Metric],
    history: dict[str, list[dict]],
    titles: dict[str, str],
    quality_lines: list[str],
) -> None:
    by_id = {m.id: m for m in metrics}
    with PdfPages(path, metadata={"CreationDate": None, "ModDate": None, "Title": heading, "Creator": "fostering_scorecard"}) as pdf:
        _summary_page(pdf, heading, subheading, rows, by_id)
        areas: dict[str, list[Metric]] = {}
        for metric in metrics:
            areas.setdefault(metric.area, []).append(metric)
        for area, area_metrics in areas.items():
            for start in range(0, len(area_metrics), 2):
                chunk = area_metrics[start : start + 2]
                _area_page(pdf, area, [(m, history[m.id], titles[m.id]) for m in chunk])
        _text_page(pdf, "Data quality", quality_lines)
