"""The scorecard pack: every format (PDF, offline HTML, Excel, tidy CSVs, chart SVGs) for two
audiences, drawn from one model of the numbers.

- Internal pack: at the top of the month folder; exact counts and the data-quality page.
- Public pack: in public/; the same files after disclosure control, without the data-quality
  page or any record-level list.

The modules, each importing only those above it (no cycle; the drawing libraries are imported
only when a pack is written, so importing the package is quick):

    style.py        colours (the RAG fills once for every format), fonts, sizes
    formatting.py   how a number, a change and a month are written
    disclosure.py   the DfE small-numbers rule for the public pack
    comparators.py  DfE comparator figures: England, region, statistical neighbours
    chart_specs.py  what each chart shows: data, a title stating the finding, alt text, table
    notices.py      what the pack says before its figures: its version, a re-issue, warnings
    view.py         PackView, the model of one audience's pack (make_views builds both)
    charts.py       drawing one chart as SVG (matplotlib), at its printed size
    pdf.py          the PDF writer
    html.py         the offline HTML writer
    excel.py        the workbook writer
    writer.py       write_pack: both packs, every format, in a fixed order
    pack_process.py a backfill's packs written by a process of two workers
"""

from .view import HISTORY_COLUMNS, SCORECARD_COLUMNS, make_views
from .writer import write_pack

__all__ = [
    "HISTORY_COLUMNS",
    "SCORECARD_COLUMNS",
    "make_views",
    "write_pack",
]
