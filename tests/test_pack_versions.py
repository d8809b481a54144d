"""What a pack tells its readers before its figures, in every format (PDF, HTML, workbook, CSV):
its version; from version 2, when and why it was re-issued and which indicators moved (the
public pack with the small-numbers rule applied); a warning when the month was published with
--allow-quarantine although extracts were over their set-aside limit; and a figure the data
cannot support shown as its reason, never 0 and never Red.

The scorecard is hand-built in test_pack_fixtures.py; the release record is publishing's
(publish/release.py), built here by hand."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import os
import re
import shutil
import subprocess
from types import SimpleNamespace

import pytest
from test_pack_fixtures import BREAKDOWNS, QUALITY_ROWS, case

from fostering_scorecard import pack
from fostering_scorecard.publish.release import Cause, IndicatorFigures, MovedIndicator, Release

MONTH = "2025-03"


def figures(value, numerator, denominator=None, target=None, rag="Not rated"):
    return IndicatorFigures(value, numerator, denominator, target, rag)


# Version 2 of March 2025, re-issued on 20 April 2025. Two indicators moved:
# - core training: 84 of 100 (84.0%) in version 1, 80 of 100 (80.0%) now; large numbers, so the
#   public pack shows them too;
# - children with 3 or more placements: 5 of 1,800 in version 1 (a numerator from 1 to 5: `c` in
#   the public pack, with the 1,800 still shown), 224 of 1,800 (12.4%) now.
REISSUE = Release(
    month=MONTH, version=2, reissued_on=dt.date(2025, 4, 20), reason="Corrected carers extract from the MIU",
    causes=(Cause("inputs", "carers.csv", "carers.csv changed (sha256 ab12 -> cd34); rows accepted 990 -> 1000"),),
    moved=(
        MovedIndicator("core_training_12m", "Core training within 12 months",
                       figures(84.0, 84, 100, 100.0, "Red"), figures(80.0, 80, 100, 100.0, "Red")),
        MovedIndicator("stability_short_term", "Children with 3 or more placements in 12 months",
                       figures(100 * 5 / 1800, 5, 1800), figures(100 * 224 / 1800, 224, 1800)),
    ),
)
# Rows set aside: carers 10 of 1,000 (1.0%, within the 2% limit); allegations 40 of 200 (20.0%,
# over it); enquiries 50 of 50 (every row: the whole file rejected).
OVER_LIMIT_ROWS = QUALITY_ROWS + [
    {"extract": "allegations", "file": "allegations.csv", "rule_id": "(all rows)", "rows": 200,
     "rows_read": 200, "rows_accepted": 160, "rows_quarantined": 40},
    {"extract": "enquiries", "file": "enquiries.csv", "rule_id": "(all rows)", "rows": 50,
     "rows_read": 50, "rows_accepted": 0, "rows_quarantined": 50},
]
INTERNAL_WARNING = (
    "Warning: published although rows set aside were over the limit of 2% (run with --allow-quarantine), so figures from "
    "these extracts may be understated: enquiries.csv 100.0% (50 of 50 rows), the whole file rejected; "
    "allegations.csv 20.0% (40 of 200 rows)."
)
PUBLIC_WARNING = (
    "Warning: published although rows set aside were over the limit of 2% (run with --allow-quarantine), so figures from "
    "these extracts may be understated: enquiries.csv 100.0%, the whole file rejected; allegations.csv 20.0%."
)


def allowing_quarantine(ctx, limit=0.02):
    """The run context of `scorecard run --allow-quarantine`, with a set-aside limit of 2%."""
    settings = dataclasses.replace(ctx.settings, max_set_aside_share=limit)
    return SimpleNamespace(**dict(vars(ctx), settings=settings), options=SimpleNamespace(allow_quarantine=True, reason=None))


def pdf_text(path) -> list[str]:
    """The text of each page of a PDF (pdftotext, from poppler-utils)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext is not installed; scripts/install-browser.sh installs poppler-utils")
        pytest.skip("pdftotext is not installed; run scripts/install-browser.sh")
    text = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=120).stdout
    return [" ".join(page.split()) for page in text.split("\f")]


def version_csv(folder):
    with (folder / "version.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def first_version(tmp_path_factory):
    ctx, rows, points = case(MONTH)
    folder = tmp_path_factory.mktemp("v1")
    pack.write_pack(folder, ctx, rows, points, QUALITY_ROWS, breakdowns=[dict(b) for b in BREAKDOWNS], release=Release(MONTH, 1))
    return folder


@pytest.fixture(scope="module")
def reissued(tmp_path_factory):
    ctx, rows, points = case(MONTH)
    folder = tmp_path_factory.mktemp("v2")
    pack.write_pack(folder, allowing_quarantine(ctx), rows, points, OVER_LIMIT_ROWS, breakdowns=[dict(b) for b in BREAKDOWNS], release=REISSUE)
    return folder


# ---------------------------------------------------------------------------------------------
# Version 1: the number in every format, nothing else added


@pytest.mark.parametrize("audience", ["", "public/"])
def test_a_first_version_states_its_number_in_every_format(first_version, audience):
    from openpyxl import load_workbook

    folder = first_version / audience
    pages = pdf_text(folder / "scorecard_pack.pdf")
    assert "Version 1" in pages[0]
    # the area pages' corner too: a printed page says which version it comes from
    assert f"{'internal' if not audience else 'public'} pack, version 1" in pages[1]
    assert '<p class="version">Version 1</p>' in (folder / "scorecard_pack.html").read_text()
    wb = load_workbook(folder / "scorecard_pack.xlsx")
    assert wb["Summary"]["A3"].value == "Version 1"
    assert "About this version" not in wb.sheetnames
    assert version_csv(folder) == [{"month": MONTH, "version": "1", "reissued_on": "", "replaces_version": "", "reason": "",
                                    "indicators_moved": "0", "moved_metric_ids": "", "published_over_set_aside_limit": "no"}]
    assert not (folder / "change_note.md").exists()
    # the same pages as a pack written without a release: page 1, the four areas' tables and
    # charts (three a row) on 3 pages; the internal pack's short data-quality tables fit under
    # the last area, so both have 4
    assert len(pages) - 1 == 4  # pdftotext ends the last page with a form feed


# ---------------------------------------------------------------------------------------------
# Version 2: when, why, what moved


def test_a_reissue_is_on_the_pdf_cover_with_a_page_of_what_moved(reissued):
    pages = pdf_text(reissued / "scorecard_pack.pdf")
    cover = pages[0]
    assert "Version 2, re-issued 20 April 2025" in cover  # the corner
    assert ("Version 2, re-issued on 20 April 2025 (replaces version 1): Corrected carers extract from the MIU. "
            "2 indicators moved: listed under About this version.") in cover
    about = next(p for p in pages if p.startswith("About this version"))
    assert re.search(r"Core training within 12 months 84\.0% \(84 of 100\) 80\.0% \(80 of 100\) Red Red", about)
    assert re.search(r"Children with 3 or more placements in 12 months 0\.3% \(5 of 1,800\) 12\.4% \(224 of 1,800\)", about)
    # The notice (2 lines) and the warning (2 lines) take the room of two of the cover's ten
    # summary rows; the 7 indicators still fit, so About this version is the second page.
    assert pages[1].startswith("About this version")


def test_a_reissue_is_in_the_html_header_and_its_own_section(reissued):
    text = (reissued / "scorecard_pack.html").read_text()
    header = text[text.index("<header>"):text.index("</header>")]
    assert ('<p class="version">Version 2, re-issued on 20 April 2025 (replaces version 1): Corrected carers extract from the MIU. '
            '2 indicators moved: listed under <a href="#about-this-version">About this version</a>.</p>') in header
    assert '<a href="#about-this-version">About this version</a>' in text
    section = text[text.index('<section id="about-this-version">'):]
    section = section[:section.index("</section>")]
    assert '<th scope="row">Core training within 12 months</th><td>84.0% (84 of 100)</td><td>80.0% (80 of 100)</td>' in section


def test_a_reissue_is_in_the_workbook_summary_and_its_own_sheet(reissued):
    from openpyxl import load_workbook

    wb = load_workbook(reissued / "scorecard_pack.xlsx")
    assert wb.sheetnames[:2] == ["Summary", "About this version"]
    assert wb["Summary"]["A3"].value.startswith("Version 2, re-issued on 20 April 2025 (replaces version 1): Corrected carers extract")
    about = wb["About this version"]
    rows = [[c for c in r if c is not None] for r in about.iter_rows(values_only=True)]
    assert ["Indicator", "Version 1", "Version 2", "Status, version 1", "Status, version 2"] in rows
    assert ["Core training within 12 months", "84.0% (84 of 100)", "80.0% (80 of 100)", "Red", "Red"] in rows


def test_a_reissue_is_in_version_csv_beside_the_csvs(reissued):
    assert version_csv(reissued) == [{
        "month": MONTH, "version": "2", "reissued_on": "2025-04-20", "replaces_version": "1",
        "reason": "Corrected carers extract from the MIU", "indicators_moved": "2",
        "moved_metric_ids": "core_training_12m stability_short_term", "published_over_set_aside_limit": "yes",
    }]
    assert version_csv(reissued / "public")[0]["version"] == "2"


def test_the_public_pack_shows_what_moved_under_the_small_numbers_rule(reissued):
    # version 1's 5 of 1,800 is c, as its summary row was (the denominator still shown); its
    # status is not shown either
    text = (reissued / "public" / "scorecard_pack.html").read_text()
    assert ('<th scope="row">Children with 3 or more placements in 12 months</th><td>c (c of 1,800)</td>'
            '<td>12.4% (224 of 1,800)</td><td>Not rated</td><td>Not rated</td>') in text
    note = (reissued / "public" / "change_note.md").read_text()
    assert "Reason given: Corrected carers extract from the MIU" in note
    assert "- inputs: carers.csv" in note and "sha256" not in note and "rows accepted" not in note  # causes by kind and file only
    assert "| stability_short_term | c | 12.4444 |  | c/1800 -> 224/1800 | Not rated -> Not rated |" in note
    assert "| core_training_12m | 84 | 80 | -4 | 84/100 -> 80/100 | Red -> Red |" in note


def test_the_internal_change_note_is_left_to_publishing(reissued):
    # publishing writes change_note.md beside manifest.json (it knows the causes in full)
    assert not (reissued / "change_note.md").exists()


# ---------------------------------------------------------------------------------------------
# Published with --allow-quarantine


def test_the_cover_warns_when_extracts_over_the_set_aside_limit_were_published(reissued):
    from openpyxl import load_workbook

    assert INTERNAL_WARNING in pdf_text(reissued / "scorecard_pack.pdf")[0]
    assert PUBLIC_WARNING in pdf_text(reissued / "public" / "scorecard_pack.pdf")[0]
    html = (reissued / "scorecard_pack.html").read_text()
    header = html[html.index("<header>"):html.index("</header>")]
    assert f'<p class="warning"><strong>{INTERNAL_WARNING}</strong></p>' in header
    assert INTERNAL_WARNING in load_workbook(reissued / "scorecard_pack.xlsx")["Summary"]["A3"].value
    assert PUBLIC_WARNING in load_workbook(reissued / "public" / "scorecard_pack.xlsx")["Summary"]["A3"].value


def test_no_warning_without_the_override_or_when_every_extract_was_within_the_limit():
    ctx, rows, points = case(MONTH)
    internal, public = pack.make_views(ctx, rows, points, OVER_LIMIT_ROWS)  # no --allow-quarantine
    assert internal.warnings == public.warnings == []
    # --allow-quarantine, but carers' 10 of 1,000 (1.0%) is within the 2% limit: nothing to warn of
    internal, public = pack.make_views(allowing_quarantine(ctx), rows, points, QUALITY_ROWS)
    assert internal.warnings == public.warnings == []
    internal, public = pack.make_views(allowing_quarantine(ctx), rows, points, OVER_LIMIT_ROWS)
    assert (internal.warnings, public.warnings) == ([INTERNAL_WARNING], [PUBLIC_WARNING])


# ---------------------------------------------------------------------------------------------
# A figure the data cannot support: its reason, never 0, never a status


def test_a_value_without_data_shows_its_reason_never_0_or_red():
    ctx, rows, points = case(MONTH)
    reason = "no data: carers.csv not supplied"
    rows = [dict(r, value=None, numerator=None, denominator=None, rag="Not rated", rag_reason=reason,
                 change_vs_last_month="no comparison", change_vs_last_year="no comparison")
            if r["metric_id"] == "core_training_12m" else r for r in rows]
    # a scorecard row that still says Red for a missing value is not shown as Red either
    rows = [dict(r, value=None, numerator=None, rag="Red") if r["metric_id"] == "approvals_fytd" else r for r in rows]
    history = "insufficient history: the figure reads from April 2022; training.csv covers from April 2023"
    points = [dict(p, value=None, numerator=None, denominator=None, rag="Not rated", rag_reason=history)
              if p["metric_id"] == "core_training_12m" and p["month"] < "2024-04" else p for p in points]
    points = [dict(p, value=None, numerator=None, denominator=None, rag="Not rated", rag_reason=reason)
              if p["metric_id"] == "core_training_12m" and p["month"] == MONTH else p for p in points]
    internal, _public = pack.make_views(ctx, rows, points, [])
    line = next(s for s in internal.indicators if s.metric_id == "core_training_12m")
    assert (line.value, line.counts, line.rag, line.rag_word) == (reason, "", "Not rated", "Not rated (no data)")
    approvals = next(s for s in internal.indicators if s.metric_id == "approvals_fytd")
    assert (approvals.value, approvals.rag, approvals.rag_shape) == ("no data", "Not rated", "\u25cb")
    trend = next(c for c in internal.charts if c.chart_id == "core_training_12m")
    assert trend.title == f"Core training within 12 months, Mar 2025: {reason}"
    assert trend.table_rows[0][:2] == ["Mar 2023", history] and trend.table_rows[-1][:2] == ["Mar 2025", reason]
    assert trend.data["values"][0] is None and trend.data["values"][-1] is None  # gaps in the line, not zeros


def test_the_workbook_shows_the_reason_in_the_value_cell(tmp_path):
    from fostering_scorecard.pack import excel

    ctx, rows, points = case(MONTH)
    reason = "no data: carers.csv not supplied"
    rows = [dict(r, value=None, numerator=None, denominator=None, rag="Not rated", rag_reason=reason)
            if r["metric_id"] == "core_training_12m" else r for r in rows]
    internal, _public = pack.make_views(ctx, rows, points, [])
    (tmp_path / "book.xlsx").write_bytes(excel.workbook_bytes(internal))
    from openpyxl import load_workbook

    summary = load_workbook(tmp_path / "book.xlsx")["Summary"]
    headings = [c.value for c in summary[5]]  # the summary table's header row (under the heading and notice)
    row = dict(zip(headings, next(r for r in summary.iter_rows(min_row=6, values_only=True) if r[0] == "Core training within 12 months")))
    # the value cell says why there is no figure (never 0 or blank), and the status says it is not rated
    assert (row["Value"], row["Numerator"], row["Status"]) == (reason, None, "\u25cb Not rated (no data)")


def test_the_version_line_of_a_view_without_a_release_is_empty():
    ctx, rows, points = case(MONTH)
    internal, public = pack.make_views(ctx, rows, points, [])
    assert internal.version.line == public.version.line == "" and internal.version_rows == []


def test_a_reissue_with_nothing_moved_says_so():
    ctx, rows, points = case(MONTH)
    release = dataclasses.replace(REISSUE, moved=())
    internal, _public = pack.make_views(ctx, rows, points, [], release=release)
    assert internal.version.moved_sentence == "No indicator moved."
    assert internal.version_rows[0]["indicators_moved"] == 0


def test_a_reissued_pack_is_byte_identical_when_written_again(reissued, tmp_path):
    import hashlib

    ctx, rows, points = case(MONTH)
    pack.write_pack(tmp_path, allowing_quarantine(ctx), rows, points, OVER_LIMIT_ROWS, breakdowns=[dict(b) for b in BREAKDOWNS], release=REISSUE)

    def digests(folder):
        return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}

    assert digests(tmp_path) == digests(reissued)
    assert {"version.csv", "public/version.csv", "public/change_note.md"} <= set(digests(tmp_path))
