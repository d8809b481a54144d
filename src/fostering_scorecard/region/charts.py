"""Drawing a key indicator across the region (region_svg): a horizontal bar per council, its
value written at the bar's end, and the regional median and England as labelled vertical lines
where they apply. Drawn with the council pack's chart pieces (pack/charts.py: the same size,
fonts, colours, 8 pt text, text kept as text, ids of its own, deterministic bytes)."""

from __future__ import annotations

from matplotlib.collections import PatchCollection
from matplotlib.patches import Rectangle

from ..pack.chart_specs import ChartSpec
from ..pack.charts import BAR_GAP, BAR_HEIGHT, CHAR_WIDTH, CHART_TEXT_PT, POINTS_PER_INCH, SERIES_STYLES, Chart, nice_ticks, text_width, tick_text, wrap
from ..pack.style import CHART_SIZE, GRID, PALETTE

BAR_COLOUR = PALETTE["dark_blue"]
REFERENCE_STYLES = [  # the regional median, then England: each its own colour and dash
    {"color": PALETTE["orange"], "linestyle": "--", "linewidth": 1.5},
    {"color": SERIES_STYLES[2]["color"], "linestyle": "-.", "linewidth": 1.5},
]
LABEL_ROOM = 0.34  # of the width, for the councils' names left of the bars
ROW = BAR_HEIGHT + BAR_GAP + CHART_TEXT_PT  # points per council: room for a name on two lines
MIN_HEIGHT = 1.6  # inches


def chart_height(spec: ChartSpec) -> float:
    """Inches: a row per council, the legend and the axis labels."""
    rows = len(spec.data["labels"])
    legend = (CHART_TEXT_PT + 8) if spec.data["references"] else 0
    return max(MIN_HEIGHT, (8 + legend + rows * ROW + CHART_TEXT_PT + 14) / POINTS_PER_INCH)


def region_svg(spec: ChartSpec) -> bytes:
    data = spec.data
    unit, labels, values, shown, references = data["unit"], data["labels"], data["values"], data["shown"], data["references"]
    chart = Chart((CHART_SIZE[0], chart_height(spec)))
    top = chart.height - 4
    if references:
        top = chart.legend([(label, style) for (label, _v), style in zip(references, REFERENCE_STYLES)], top)
    numbers = [v for v in values if v is not None] + [v for _label, v in references]
    high = max(numbers + [0.0])
    low = min(numbers + [0.0])
    ticks = nice_ticks(low, min(100.0, high * 1.05) if unit == "percent" and high <= 100 else high * 1.05 or 1.0)
    longest_value = max(text_width(text) for text in shown)
    left = chart.width * LABEL_ROOM
    right = chart.width - 8 - longest_value

    def x(value: float) -> float:
        return left + (value - ticks[0]) * (right - left) / ((ticks[-1] - ticks[0]) or 1)

    bottom = 6 + CHART_TEXT_PT + 6
    for tick in ticks:  # gridlines and their labels under the bars
        chart.line([x(tick), x(tick)], [bottom, top - 2], {"color": GRID, "linewidth": 0.6})
        chart.text(x(tick), bottom - 4, tick_text(unit, tick), ha="center", va="top")
    row = (top - 2 - bottom) / max(len(labels), 1)
    bars = []
    for i, (label, value, words) in enumerate(zip(labels, values, shown)):
        middle = top - 2 - row * (i + 0.5)
        per_line = int((left - 10) / (CHART_TEXT_PT * CHAR_WIDTH))
        name = wrap(label, per_line).split("\n")
        if len(name) > 2:  # two lines at most: the rest is in the table under the chart
            name = [name[0], name[1][: per_line - 1] + "\u2026"]
        chart.text(left - 6, middle, "\n".join(name), ha="right", va="center_baseline" if len(name) == 1 else "center", linespacing=1.1)
        start = x(0.0) if ticks[0] <= 0 <= ticks[-1] else left
        end = x(value) if value is not None else start
        if value is not None and value != 0:
            bars.append(Rectangle((min(start, end), middle - BAR_HEIGHT / 2), abs(end - start), BAR_HEIGHT))
        chart.text(max(start, end) + 4, middle, words, va="center_baseline", weight="bold" if value is not None else "normal")
    chart.figure.add_artist(PatchCollection(bars, facecolor=BAR_COLOUR, edgecolor="none", transform=chart.points))
    for (_label, value), style in zip(references, REFERENCE_STYLES):
        chart.line([x(value), x(value)], [bottom, top - 2], style)
    return chart.save(spec.chart_id)
