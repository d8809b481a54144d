"""Drawing one chart of the pack (chart_svg): a ChartSpec as SVG bytes, with matplotlib. The
writer draws each chart of a month once and every format (the PDF through typst, the HTML
inline, the charts/ folder) and both audiences use the same bytes.

- Vector, text kept as text (svg.fonttype "none", DejaVu Sans): typst sets it in the PDF with
  the same DejaVu Sans, from matplotlib's data folder; a browser without it uses Verdana, a
  font of the same widths, or its own sans-serif.
- Drawn at the size it is printed (the PDF places a chart at scale 1), so every word of a
  chart prints at the size drawn here: CHART_TEXT_PT (8 pt) or more.
- No title inside the chart: every format writes spec.title as the chart's heading.
- Colour is never the only signal: each line has its own marker and dash, named in a legend;
  bars carry their values as text.
- Deterministic bytes: no date or metadata, a fixed hash salt, and every id prefixed with the
  chart's id, so several charts can sit in one HTML page without an id used twice.

Why no Axes: an Axes with its ticks, spines and autoscaling cost about three times as much to
draw as the chart itself, and the pack draws dozens a month (hundreds in a backfill). So the
plot area, its gridlines and labels are placed here, in points, with plain artists; matplotlib
still lays out and writes every line and word.
"""

from __future__ import annotations

import io
import math
import re
import textwrap

import matplotlib
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.transforms import Affine2D

from .chart_specs import ChartSpec
from .formatting import month_label
from .style import CHART_SIZE, GRID, MATPLOTLIB_SETTINGS, PALETTE, TEXT

CHART_TEXT_PT = 8  # every word of a chart: the least that reads well printed on A4
VALUE_TEXT_PT = 9  # a line's latest value, in bold
LABEL_GAP = 11  # points between the centres of two labels at a line's end
AXIS = "#505A5F"  # the zero line: dark grey, 7:1 on white
FONT_FALLBACK = "Verdana, sans-serif"  # the browser's font when DejaVu Sans is not installed
CHAR_WIDTH = 0.62  # DejaVu Sans' widest common letters, in ems: room for a text without measuring it
MONTH_LABEL_SAMPLE = "Sep 2025"  # as wide as any month label: half of it must fit beside the plot
POINTS_PER_INCH = 72
FINANCIAL_YEAR_LABELS = [0, 3, 6, 9, 11]  # which months of April..March get a label

matplotlib.rcParams.update({**MATPLOTLIB_SETTINGS, "svg.fonttype": "none"})
matplotlib.use("Agg")  # files only, never a window: whatever MPLBACKEND or the machine's default says
# The series of a line chart, in the order of the palette: colour, marker and dash differ.
SERIES_STYLES = [
    {"color": PALETTE["dark_blue"], "marker": "o", "linestyle": "-", "linewidth": 2.0},
    {"color": PALETTE["turquoise"], "marker": "s", "linestyle": "-", "linewidth": 1.5},
    {"color": PALETTE["dark_pink"], "marker": "^", "linestyle": "-.", "linewidth": 1.5},
    {"color": PALETTE["orange"], "marker": "D", "linestyle": "--", "linewidth": 1.5},
]
TARGET_STYLE = {"color": PALETTE["orange"], "marker": "", "linestyle": "--", "linewidth": 1.5}
BAR_COLOURS = {"funnel": PALETTE["dark_blue"], "breakdown": PALETTE["turquoise"]}
BAR_HEIGHT = 10.0  # points
BAR_GAP = 6.0  # points between a bar's row and the next
LINE_PT = CHART_TEXT_PT + 2  # a label's line, in points
LABEL_COLUMN = 0.5  # the bar labels' share of a bar chart's width


def text_width(text: str, size: float = CHART_TEXT_PT) -> float:
    """A generous estimate of a text's width in points (no measuring: it is only for room)."""
    return len(text) * size * CHAR_WIDTH


def nice_ticks(low: float, high: float, most: int = 5, whole: bool = False) -> list[float]:
    """Round gridline values from at most low to at least high, at most `most` of them:
    steps of 1, 2, 2.5 or 5 times a power of ten (0, 25, 50, 75, 100; 0, 200, 400); whole
    numbers only when whole (counts: no 2.5 households)."""
    if high <= low:
        high = low + 1
    step = 10 ** math.floor(math.log10((high - low) / (most - 1)))
    for multiple in (1, 2, 2.5, 5, 10, 20, 25, 50, 100):
        size = multiple * step
        if whole and not float(size).is_integer():
            continue
        first, last = math.floor(low / size + 1e-9), math.ceil(high / size - 1e-9)
        if last - first + 1 <= most:
            return [round(float((first + i) * size), 10) for i in range(last - first + 1)]
    raise AssertionError("unreachable: a step of 100 times the span always fits")


def tick_text(unit: str, value: float) -> str:
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{number}%" if unit == "percent" else number


def month_ticks(count: int) -> list[int]:
    """Which of `count` months get a label: at most six, evenly spaced, always the last (the
    reporting month)."""
    every = next(step for step in (1, 2, 3, 6, 12, 24) if (count - 1) // step + 1 <= 6)
    return sorted(range(count - 1, -1, -every))


class Chart:
    """One chart being drawn: a figure of the printed size, and a plot area in points."""

    def __init__(self, size: tuple[float, float]) -> None:
        self.figure = Figure(figsize=size, dpi=POINTS_PER_INCH)
        self.width, self.height = size[0] * POINTS_PER_INCH, size[1] * POINTS_PER_INCH
        # Points -> the display, at whatever resolution the figure is saved (72 for SVG).
        self.points = Affine2D().scale(1 / POINTS_PER_INCH) + self.figure.dpi_scale_trans

    def text(self, x: float, y: float, words: str, size: float = CHART_TEXT_PT, **options) -> None:
        self.figure.text(x, y, words, transform=self.points, fontsize=size, color=options.pop("color", TEXT), **options)

    def line(self, xs, ys, style: dict, markersize: float = 4.0) -> None:
        self.figure.add_artist(Line2D(xs, ys, transform=self.points, markersize=markersize, clip_on=False, **style))

    def legend(self, entries: list[tuple[str, dict]], top: float) -> float:
        """A legend in rows from the left, starting at `top`: a short line with its marker, then
        the words. Returns the bottom of the last row."""
        x, y, row = 6.0, top - CHART_TEXT_PT / 2 - 1, CHART_TEXT_PT + 5
        for words, style in entries:
            room = 24 + text_width(words) + 12
            if x > 6 and x + room > self.width - 6:
                x, y = 6.0, y - row
            self.line([x, x + 18], [y, y], {**style, "marker": ""})
            if style.get("marker"):
                self.line([x + 9], [y], {**style, "linestyle": "none"}, markersize=4)
            self.text(x + 24, y, words, va="center_baseline")
            x += room
        return y - CHART_TEXT_PT / 2 - 3

    def save(self, chart_id: str) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
        return _own_ids(buffer.getvalue(), chart_id)


class Plot:
    """The plot area of a chart: data -> points. Gridlines and their labels on the left."""

    def __init__(self, chart: Chart, left: float, bottom: float, right: float, top: float,
                 x_range: tuple[float, float], y_ticks: list[float]) -> None:
        self.chart, self.left, self.bottom, self.right, self.top = chart, left, bottom, right, top
        self.x0, self.x1 = x_range
        self.y0, self.y1 = y_ticks[0], y_ticks[-1]
        self.y_ticks = y_ticks

    def x(self, value: float) -> float:
        span = (self.x1 - self.x0) or 1
        return self.left + (value - self.x0) * (self.right - self.left) / span

    def y(self, value: float) -> float:
        return self.bottom + (value - self.y0) * (self.top - self.bottom) / ((self.y1 - self.y0) or 1)

    def grid(self, unit: str) -> None:
        lines = [[(self.left, self.y(v)), (self.right, self.y(v))] for v in self.y_ticks if v != 0]
        self.chart.figure.add_artist(LineCollection(lines, colors=GRID, linewidths=0.6, transform=self.chart.points))
        if self.y0 <= 0 <= self.y1:  # the zero line, darker: counts can be negative (net change)
            self.chart.line([self.left, self.right], [self.y(0), self.y(0)], {"color": AXIS, "linewidth": 0.8})
        for v in self.y_ticks:
            self.chart.text(self.left - 5, self.y(v), tick_text(unit, v), ha="right", va="center_baseline")

    def series(self, xs, values, style: dict, markersize: float = 4.0) -> None:
        """A line through the values that are numbers; None leaves a gap (and a lone point its marker)."""
        points = [(self.x(x), self.y(v) if v is not None else math.nan) for x, v in zip(xs, values)]
        self.chart.line([p[0] for p in points], [p[1] for p in points], style, markersize)

    def x_labels(self, positions: list[float], labels: list[str]) -> None:
        for position, label in zip(positions, labels):
            self.chart.text(self.x(position), self.bottom - 5, label, ha="center", va="top")


def _y_ticks(values, unit: str) -> list[float]:
    """Gridlines from 0 (or below, for a negative figure) to a little above the largest."""
    shown = [v for v in values if v is not None]
    low = min([0.0] + shown)
    high = max(shown, default=1.0)
    if unit == "percent":
        high = min(100.0, max(high * 1.08, 5.0)) if high <= 100 else high
    else:
        high = max(high * 1.08, 1.0)
    return nice_ticks(low * 1.08 if low < 0 else low, high, whole=unit == "count")


def _plot_area(chart: Chart, ticks: list[float], unit: str, legend_bottom: float, right_room: float,
               x_label: str = "") -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of the plot area: room on the left for the gridlines' labels
    and half the first x label, on the right for the end labels and half the last x label."""
    half_label = text_width(x_label) / 2 + 4
    left = max(6 + max(text_width(tick_text(unit, v)) for v in ticks) + 6, half_label)
    return left, 6 + CHART_TEXT_PT + 8, chart.width - max(right_room, half_label), legend_bottom - 8


def _draw_trend(chart: Chart, spec: ChartSpec) -> None:
    data = spec.data
    unit, months, values, targets = data["unit"], data["months"], data["values"], data["targets"]
    entries = [(data.get("label", "Figure"), SERIES_STYLES[0])]
    if any(t is not None for t in targets):
        entries.append(("Target", TARGET_STYLE))
    legend_bottom = chart.legend(entries, chart.height - 4)
    ticks = _y_ticks(values + targets, unit)
    right_room = 10 + text_width(data["last_text"], VALUE_TEXT_PT) if values[-1] is not None else 14
    plot = Plot(chart, *_plot_area(chart, ticks, unit, legend_bottom, right_room, MONTH_LABEL_SAMPLE), (0, len(months) - 1), ticks)
    plot.grid(unit)
    xs = list(range(len(months)))
    if any(t is not None for t in targets):
        plot.series(xs, targets, {**TARGET_STYLE, "drawstyle": "steps-post"})
    plot.series(xs, values, SERIES_STYLES[0], markersize=3.5)
    if values[-1] is not None:  # the reporting month's figure, at the line's end
        chart.text(plot.x(xs[-1]) + 6, plot.y(values[-1]), data["last_text"], size=VALUE_TEXT_PT, weight="bold", va="center_baseline")
    shown = month_ticks(len(months))
    plot.x_labels(shown, [month_label(months[i]) for i in shown])


def _draw_financial_year(chart: Chart, spec: ChartSpec) -> None:
    """This financial year to date against last year and the trajectory to this year's target:
    April to March, each year its own line (never joined across years)."""
    data = spec.data
    lines = [(data["this_year_label"], data["this_year"], SERIES_STYLES[0]), (data["last_year_label"], data["last_year"], SERIES_STYLES[1])]
    entries = [(label, style) for label, values, style in lines if any(v is not None for v in values)]
    if data["trajectory"]:
        entries.append((data["trajectory_label"], TARGET_STYLE))
    legend_bottom = chart.legend(entries, chart.height - 4)
    ticks = _y_ticks(data["this_year"] + data["last_year"] + (data["trajectory"] or []), data["unit"])
    right_room = 10 + max(text_width(data["this_year_text"], VALUE_TEXT_PT), text_width(data["last_year_text"]))
    plot = Plot(chart, *_plot_area(chart, ticks, data["unit"], legend_bottom, right_room, "Mar"), (0, 11), ticks)
    plot.grid(data["unit"])
    xs = list(range(12))
    if data["trajectory"]:
        plot.series(xs, data["trajectory"], TARGET_STYLE)
    plot.series(xs, data["last_year"], SERIES_STYLES[1], markersize=3.5)
    plot.series(xs, data["this_year"], SERIES_STYLES[0], markersize=4)
    latest = max((i for i, v in enumerate(data["this_year"]) if v is not None), default=None)
    this_y = plot.y(data["this_year"][latest]) if latest is not None else None
    last_y = plot.y(data["last_year"][11]) if data["last_year"][11] is not None else None
    if this_y is not None and last_y is not None and latest == 11 and abs(this_y - last_y) < LABEL_GAP:
        middle, sign = (this_y + last_y) / 2, (1 if this_y >= last_y else -1)  # pushed apart, the order kept
        this_y, last_y = middle + sign * LABEL_GAP / 2, middle - sign * LABEL_GAP / 2
    if this_y is not None:
        chart.text(plot.x(latest) + 6, this_y, data["this_year_text"], size=VALUE_TEXT_PT, weight="bold", va="center_baseline")
    if last_y is not None:
        chart.text(plot.x(11) + 6, last_y, data["last_year_text"], va="center_baseline")
    # Apr, Jul, Oct, Jan and Mar: twelve month names do not fit side by side at 8 pt
    shown = FINANCIAL_YEAR_LABELS
    plot.x_labels(shown, [month_label(data["months"][i])[:3] for i in shown])


def _draw_benchmark(chart: Chart, spec: ChartSpec) -> None:
    data = spec.data
    series = [(name, values, SERIES_STYLES[i]) for i, (name, values) in enumerate(data["series"])]
    legend_bottom = chart.legend([(name, style) for name, values, style in series if any(v is not None for v in values)],
                                 chart.height - 4)
    ticks = _y_ticks([v for _, values, _ in series for v in values], "percent")
    years = data["years"]
    plot = Plot(chart, *_plot_area(chart, ticks, "percent", legend_bottom, 14, MONTH_LABEL_SAMPLE), (years[0] - 0.25, years[-1] + 0.25), ticks)
    plot.grid("percent")
    for _name, values, style in reversed(series):  # the council's line drawn last, on top
        plot.series(years, values, style, markersize=4.5)
    plot.x_labels(years, [f"Mar {y}" for y in years])


def _draw_bars(chart: Chart, spec: ChartSpec) -> None:
    """Horizontal bars, each beside its label (long plain-English words, wrapped in a column on
    the left), the value written at the bar's end; a value not shown ("c") has no bar, only its
    text."""
    data = spec.data
    values, shown = data["values"], data["shown"]
    largest = max([v for v in values if v is not None] + [1])
    longest_value = max(text_width(s, CHART_TEXT_PT) for s in shown)
    labels_width = chart.width * LABEL_COLUMN
    left, right = 6.0 + labels_width + 6, chart.width - 10 - longest_value
    y = chart.height - 4
    bars = []
    for label, value, words in zip(data["labels"], values, shown):
        lines = _label_lines(label, labels_width)
        row = max(len(lines) * LINE_PT, BAR_HEIGHT)
        for i, line in enumerate(lines):
            chart.text(6.0, y - (i + 1) * LINE_PT + 2, line, va="baseline")
        middle = y - row / 2
        length = (right - left) * (value or 0) / largest
        if value:
            bars.append(Rectangle((left, middle - BAR_HEIGHT / 2), length, BAR_HEIGHT))
        chart.text(left + length + 4, middle, words, va="center_baseline", weight="bold" if value is not None else "normal")
        y -= row + BAR_GAP
    chart.figure.add_artist(PatchCollection(bars, facecolor=BAR_COLOURS[spec.kind], edgecolor="none", transform=chart.points))


def _label_lines(label: str, width_pt: float) -> list[str]:
    return wrap(label, int(width_pt / (CHART_TEXT_PT * CHAR_WIDTH))).split("\n")


def bar_chart_height(labels: list[str], width: float) -> float:
    """The height in inches a bar chart needs: a row per label (its lines, wrapped to the label
    column, or the bar if taller) and a gap between rows."""
    rows = [max(len(_label_lines(label, width * POINTS_PER_INCH * LABEL_COLUMN)) * LINE_PT, BAR_HEIGHT) for label in labels]
    return (4 + sum(rows) + BAR_GAP * (len(rows) - 1) + 4) / POINTS_PER_INCH


def wrap(text: str, width: int) -> str:
    if width <= 0:
        return text
    return "\n".join(wrapped for line in text.split("\n") for wrapped in (textwrap.wrap(line, width) or [""]))


DRAWERS = {
    "trend": _draw_trend,
    "cumulative": _draw_financial_year,
    "benchmark": _draw_benchmark,
    "funnel": _draw_bars,
    "breakdown": _draw_bars,
}

_ID_REFERENCE = re.compile(rb'(\bid="|href="#|url\(#)')
_FONT = b"font-family: 'DejaVu Sans'"


def _own_ids(svg: bytes, chart_id: str) -> bytes:
    """Every id and reference to one prefixed with the chart's id (charts share an HTML page),
    and a fallback font for browsers without DejaVu Sans."""
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", f"chart-{chart_id}-").encode()
    svg = _ID_REFERENCE.sub(lambda match: match.group(1) + prefix, svg)
    return svg.replace(_FONT, _FONT + b", " + FONT_FALLBACK.encode())


def chart_size(spec: ChartSpec) -> tuple[float, float]:
    """Inches, as printed: the pack's chart size; a bar chart as tall as its bars need."""
    if spec.kind in ("funnel", "breakdown"):
        return CHART_SIZE[0], bar_chart_height(spec.data["labels"], CHART_SIZE[0])
    return CHART_SIZE


def chart_svg(spec: ChartSpec) -> bytes:
    """The chart as SVG bytes, drawn at its printed size (chart_size)."""
    if spec.kind not in DRAWERS:
        raise ValueError(f"unknown chart kind {spec.kind!r}")
    chart = Chart(chart_size(spec))
    DRAWERS[spec.kind](chart, spec)
    return chart.save(spec.chart_id)
