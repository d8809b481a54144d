"""Drawing one chart of the pack (chart_png): a ChartSpec as PNG bytes, with matplotlib.

Deterministic bytes: the Agg backend, no date in the PNG, fixed fonts and sizes (style.py).
Colour is never the only signal: every line has its own marker or dash and a legend, and values
are written on the bars. Importing this module sets matplotlib up for the whole pack (the PDF
pages too), so it is imported only when a pack is drawn.
"""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from .chart_specs import ChartSpec
from .formatting import format_value, month_label
from .style import CHART_DPI, CHART_SIZE, GRID, MATPLOTLIB_SETTINGS, PALETTE, TEXT

matplotlib.rcParams.update(MATPLOTLIB_SETTINGS)
BAR_KINDS = ("funnel", "breakdown", "quality")  # horizontal bars, labelled by category


def _nan(values):
    return [float("nan") if v is None else v for v in values]


def wrap(text: str, width: int) -> str:
    if width <= 0:
        return text
    return "\n".join(wrapped for line in text.split("\n") for wrapped in (textwrap.wrap(line, width) or [""]))


def _month_ticks(ax, months: list[str], every: int = 3) -> None:
    x = list(range(len(months)))
    # Always label the last month: it is the reporting month.
    ticks = sorted(set(x[::-1][::every]))
    ax.set_xticks(ticks, [month_label(months[i]) for i in ticks], rotation=45, ha="right", fontsize=7)


def _draw_trend(ax, spec: ChartSpec) -> None:
    data = spec.data
    x = list(range(len(data["months"])))
    ax.plot(x, _nan(data["values"]), color=PALETTE["dark_blue"], linewidth=2, marker="o", markersize=3, label="value")
    if any(t is not None for t in data["targets"]):
        ax.plot(x, _nan(data["targets"]), color=PALETTE["orange"], linestyle="--", linewidth=1.5, label="target")
    last = data["values"][-1]
    if last is not None:
        ax.annotate(format_value(data["unit"], last), (x[-1], last), textcoords="offset points", xytext=(4, 4), fontsize=8, color=TEXT)
    _month_ticks(ax, data["months"])
    ax.set_ylabel("%" if data["unit"] == "percent" else data["unit"])
    shown = [v for v in data["values"] + data["targets"] if v is not None]
    bottom = min(0.0, min(shown) * 1.15) if shown else 0.0  # net changes can be negative
    ax.set_ylim(bottom=bottom, top=_top(data["values"] + data["targets"], data["unit"]))
    if bottom < 0:
        ax.axhline(0, color="#505a5f", linewidth=0.8)
    _legend_below(ax)


def _legend_below(ax) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.3), frameon=False, fontsize=7, ncol=4)


def _top(values, unit: str) -> float:
    shown = [v for v in values if v is not None]
    if not shown:
        return 1.0
    top = max(shown)
    if top <= 0:
        return 1.0
    if unit == "percent":
        return min(100.0, max(top * 1.15, 5.0)) if top < 100 else 105.0
    return max(top * 1.15, 1.0)


def _draw_cumulative(ax, spec: ChartSpec) -> None:
    data = spec.data
    x = list(range(12))
    ax.plot(x, _nan(data["trajectory"]), color=PALETTE["orange"], linestyle="--", linewidth=1.5, label="trajectory to annual target")
    ax.plot(x, _nan(data["actual"]), color=PALETTE["dark_blue"], linewidth=2, marker="o", markersize=4, label="approved (cumulative)")
    ax.set_xticks(x, [month_label(m)[:3] for m in data["months"]], fontsize=7)
    ax.set_ylim(bottom=0, top=_top(data["actual"] + data["trajectory"], "count"))
    ax.set_ylabel("households")
    ax.legend(loc="upper left", frameon=False, fontsize=7)


def _draw_bars(ax, spec: ChartSpec, colour: str) -> None:
    data = spec.data
    # Categories are plain-English labels (the data contract's [labels]), often two lines long.
    labels = [wrap(label, 32) for label in data["labels"]]
    y = list(range(len(labels)))[::-1]
    values = [v if v is not None else 0 for v in data["values"]]
    ax.barh(y, values, color=colour)
    top = max(values + [1])
    for yi, v, shown in zip(y, values, data["shown"]):
        ax.text(v + top * 0.01, yi, shown, va="center", fontsize=8, color=TEXT)
    ax.set_yticks(y, labels, fontsize=7 if len(labels) <= 8 else 6.5)
    ax.set_xlim(0, top * 1.2)
    ax.spines["left"].set_visible(False)


def _draw_benchmark(ax, spec: ChartSpec) -> None:
    data = spec.data
    if not data["years"]:
        ax.axis("off")
        message = f"No DfE figure for this month or earlier: the DfE files in the repository start at 31 March {data['earliest']}."
        ax.text(0.0, 0.5, wrap(message, 60), fontsize=9, va="center", transform=ax.transAxes)
        return
    years = data["years"]
    series = [
        ("this council (DfE)", data["council"], PALETTE["dark_blue"], "o", "-"),
        ("England", data["england"], PALETTE["turquoise"], "s", "-"),
        (data["region_name"], data["region"], PALETTE["dark_pink"], "^", "-."),
        ("neighbours (median)", data["neighbours"], PALETTE["orange"], "D", "--"),
    ]
    for label, values, colour, marker, style in series:
        ax.plot(years, _nan(values), color=colour, marker=marker, linestyle=style, linewidth=1.8, markersize=5, label=label)
    ax.set_xticks(years, [f"Mar {y}" for y in years], fontsize=7)
    all_values = [v for _, vals, *_ in series for v in vals if v is not None]
    ax.set_ylim(0, _top(all_values, "percent"))
    ax.set_ylabel("%")
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.12), frameon=False, fontsize=7, ncol=4)


def draw_chart(ax, spec: ChartSpec) -> None:
    if spec.kind == "trend":
        _draw_trend(ax, spec)
    elif spec.kind == "cumulative":
        _draw_cumulative(ax, spec)
    elif spec.kind == "funnel":
        _draw_bars(ax, spec, PALETTE["dark_blue"])
    elif spec.kind == "benchmark":
        _draw_benchmark(ax, spec)
    elif spec.kind in ("breakdown", "quality"):
        _draw_bars(ax, spec, PALETTE["turquoise"] if spec.kind == "breakdown" else PALETTE["dark_pink"])
    else:
        raise ValueError(f"unknown chart kind {spec.kind!r}")
    ax.grid(axis="x" if spec.kind in BAR_KINDS else "y", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    # A plain text above the axes: set_title would measure the axis on every draw (slow).
    width = 70 if spec.kind in BAR_KINDS else 75  # bar charts' axes start further right (their labels)
    ax.text(0, 1.04, wrap(spec.title, width), transform=ax.transAxes, fontsize=8.5, ha="left", va="bottom", color=TEXT)


def chart_png(spec: ChartSpec) -> bytes:
    """The chart as an RGB PNG (the page is opaque white: no alpha channel, so the PDF can
    embed the PNG's compressed rows as they are, see pdf.PngImage)."""
    fig = Figure(figsize=CHART_SIZE, dpi=CHART_DPI)  # no pyplot: nothing to close, no global state
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    draw_chart(ax, spec)
    # Fixed margins (tight_layout would draw the figure twice): room for a 3-line title, rotated
    # month labels (time charts) or long category labels (bar charts, which need no room below).
    bars = spec.kind in BAR_KINDS
    fig.subplots_adjust(left=0.33 if bars else 0.09, right=0.97, top=0.80, bottom=0.12 if bars else 0.3)
    canvas.draw()
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3]).save(buffer, format="png", dpi=(CHART_DPI, CHART_DPI))
    return buffer.getvalue()
