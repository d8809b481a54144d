"""A month computed from a later extract gives the figures the month's own extract gave, when
history was not corrected in between: every metric ignores what was recorded after the date."""

import csv
import datetime as dt

import pytest

from builders import SAMPLE_EXTRACTS as SAMPLE
from builders import SAMPLE_PROJECT

from fostering_scorecard import definitions, models, project
from fostering_scorecard import run as spine

EARLY_EXTRACT = dt.date(2024, 4, 5)  # a year before the sample's own extract date

# For each extract: the date that decides whether the row existed yet, and the dates (with the
# columns that were only filled in with them) that were still blank on the earlier extract date.
ROW_DATE = {"header": "DOB", "episodes": "DECOM", "carers": "approval_date", "training": "completed_date",
            "allegations": "date_received", "enquiries": "enquiry_date"}
LATER_FIELDS = {
    "episodes": {"DEC": ["REC", "REASON_PLACE_CHANGE"]},
    "carers": {"deregistration_date": ["deregistration_reason"]},
    "allegations": {"lado_referral_date": [], "date_concluded": ["outcome"]},
    "enquiries": {"application_date": [], "approval_date": ["household_id"], "withdrawal_date": []},
}


def parse(text):
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        return None  # a bad date: left as it is, to be quarantined in both extracts alike


def planted_lines() -> set[tuple[str, int]]:
    with (SAMPLE / "_planted_errors.csv").open() as f:
        return {(row["file"], int(row["line"])) for row in csv.DictReader(f)}


def sample_rows(file: str) -> list[dict]:
    """The sample's rows without its planted bad rows: a quarantined row is left out of every
    month, so a bad value recorded after the date would otherwise change earlier months."""
    bad = planted_lines()
    with (SAMPLE / file).open(newline="") as f:
        reader = csv.DictReader(f)
        return [row for row in reader if (file, reader.line_num) not in bad]


def as_extracted_on(date: dt.date, folder, truncate: bool = True):
    """Re-create the clean sample as the case-management system would have shown it on `date`."""
    folder.mkdir()
    for name, extract in definitions.load().extracts.items():
        kept = []
        for row in sample_rows(extract.file):
            if not truncate:
                kept.append(row)
                continue
            started = parse(row.get(ROW_DATE.get(name, ""), "") or "")
            if started and started > date:
                continue
            for column, filled_with in LATER_FIELDS.get(name, {}).items():
                when = parse(row[column]) if row[column] else None
                if when and when > date:
                    row[column] = ""
                    for other in filled_with:
                        row[other] = ""
            if name == "carers" and row["status"] == "deregistered" and not row["deregistration_date"]:
                row["status"] = "active"
            kept.append(row)
        with (folder / extract.file).open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=extract.column_names, lineterminator="\n")
            writer.writeheader()
            writer.writerows(kept)
    (folder / "extract.toml").write_text(f"extract_date = {date.isoformat()}\n")
    return folder


def scorecard(folder, month, runner, out):
    ctx = spine.prepare(project.load(SAMPLE_PROJECT), month, folder, out)
    validated = spine.validate(ctx, spine.read_extracts(ctx), runner)
    con = spine.open_models(ctx, validated)
    try:
        return {v.metric_id: v for v in models.compute_month(con, ctx.metrics, month)}, ctx.metrics
    finally:
        con.close()


@pytest.mark.parametrize("month", ["2024-03", "2023-09"])
def test_a_month_from_a_later_extract_matches_its_own_extract(tmp_path, suite_runner, month):
    early = as_extracted_on(EARLY_EXTRACT, tmp_path / "early")
    later = as_extracted_on(dt.date(2025, 4, 5), tmp_path / "later", truncate=False)
    from_own, metrics = scorecard(early, month, suite_runner, tmp_path / "o1")
    from_later, _ = scorecard(later, month, suite_runner, tmp_path / "o2")
    compared = [m.id for m in metrics if not m.extract_date_only]
    assert len(compared) >= 30
    differences = {
        m: ((from_own[m].numerator, from_own[m].denominator, from_own[m].value), (from_later[m].numerator, from_later[m].denominator, from_later[m].value))
        for m in compared
        if (from_own[m].numerator, from_own[m].denominator, from_own[m].value) != (from_later[m].numerator, from_later[m].denominator, from_later[m].value)
    }
    assert differences == {}
