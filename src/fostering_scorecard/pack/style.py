"""The pack's look, written once for every format: colours, fonts and sizes.

Colours: the UK Government Analysis Function categorical palette; every one has at least 3:1
contrast with white (WCAG 2.2 non-text contrast); text is near-black or dark blue. The RAG fills
are light, with dark text on each (at least 9.9:1), and are the same in the PDF, the HTML and
the workbook. Plain values only: importing this module imports no drawing library.
"""

from __future__ import annotations

PALETTE = {"dark_blue": "#12436D", "turquoise": "#28A197", "dark_pink": "#801650", "orange": "#F46A25"}
TEXT = "#0B0C0C"
GRID = "#DDDDDD"
RAG_FILL = {"Green": "#A8D5BA", "Amber": "#FFD78A", "Red": "#F4A3A3", "Not rated": "#E6E6E6"}
HEADER_FILL = PALETTE["dark_blue"]  # table headings, white bold text on it
WARNING_COLOUR = "#B00020"  # dark red: 7.5:1 on white (the --allow-quarantine warning)
PANEL = "#F3F2F1"  # the headline block's background
RULE = "#B1B4B6"  # table row lines

# matplotlib settings for every chart and PDF page (applied by charts.py): fixed fonts and sizes,
# and no random ids, so the same numbers give the same bytes.
MATPLOTLIB_SETTINGS = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "text.color": TEXT,
    "axes.labelcolor": TEXT,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "fostering-scorecard",
    "path.simplify": False,
    "pdf.compression": 6,
    # Text is drawn as written: a "$" in a council's name or a re-issue's reason starts no maths.
    "text.parse_math": False,
}
# The PDF places every chart at its own size (typst, scale 1), so a chart's text prints at the
# size it is drawn: three charts a row across the A4-landscape page's content width.
CHART_SIZE = (3.4, 1.9)  # inches: three a row, with two 5 mm gaps, within the 273 mm content width
FONT_FAMILY = "DejaVu Sans"  # charts and text alike; the PDF takes it from matplotlib's data folder
MIN_TEXT_PT = 9  # body text printed on A4
MIN_CHART_TEXT_PT = 8  # chart text printed on A4


def fonts_dir():
    """The folder of the fonts every format uses (DejaVu, from matplotlib's data folder: pinned by
    the lock, never the machine's): the PDF's typst and the PDF's text widths read it."""
    from pathlib import Path

    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"
