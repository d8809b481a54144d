"""Property-based tests: whatever a malformed extract looks like, the run either stops with an
ExtractError naming the file or accounts for every row (rows read = accepted + quarantined,
each line in exactly one of the two). For files written by a proper CSV writer, rows read is
also the number of rows written: nothing is lost.

Reading is fast, so it gets many examples; the full validation (Great Expectations) gets fewer.
"""

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import duckdb
from builders import EXTRACTS, write_extracts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fostering_scorecard.ingest import ExtractError, read_extract
from fostering_scorecard.validation import load_suite, validate_extract

CARERS = EXTRACTS["carers"]
WIDTH = len(CARERS.columns)
EXTRACT_DATE = dt.date(2020, 4, 5)

plausible = st.sampled_from(
    ["H1", "H2", "mainstream", "connected", "01/01/2018", "31/02/2019", "2019-01-01", "43466", "1,200", "2", "Y", "n",
     "East", "active", "", " ", "06/04/2030"]
)
nasty = st.text(alphabet=st.sampled_from(list('ab1/,"\n\r\x00é\ufeff –')), max_size=8)
cell = st.one_of(plausible, plausible, nasty)
row = st.one_of(
    st.lists(cell, min_size=WIDTH, max_size=WIDTH),
    st.lists(cell, min_size=WIDTH, max_size=WIDTH),
    st.lists(cell, min_size=WIDTH - 1, max_size=WIDTH + 1),
)


def validate_bytes(data: bytes, suite_runner, full: bool = True):
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_extracts(Path(tmp) / "x")
        (folder / "carers.csv").write_bytes(data)
        try:
            raw = read_extract(CARERS, folder)
        except ExtractError as error:
            assert str(error).startswith("carers.csv: ")  # a file-level message, never a traceback
            return None
        if not full:
            return raw
        con = duckdb.connect()
        try:
            return validate_extract(con, raw, load_suite(CARERS), suite_runner, EXTRACT_DATE)
        finally:
            con.close()


def assert_every_record_read_once(raw):
    lines = list(raw.rows["_line"]) + [r["_line"] for r in raw.rejected]
    assert raw.rows_read == len(lines) == len(set(lines))
    assert min(lines, default=2) >= 2  # line 1 is the header


def assert_every_row_accounted_for(validated):
    accepted = list(validated.accepted["_line"])
    quarantined = set(validated.quarantine["line"])
    assert validated.rows_read == len(accepted) + len(quarantined)
    assert len(set(accepted)) == len(accepted)
    assert not set(accepted) & quarantined
    assert min([*accepted, *quarantined], default=2) >= 2  # line 1 is the header


SLOW = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

well_formed = dict(rows=st.lists(row, max_size=6), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
malformed = dict(
    rows=st.lists(row, max_size=6),
    line_end=st.sampled_from(["\n", "\r\n", "\r"]),
    cut=st.integers(min_value=0, max_value=15),
    bom=st.booleans(),
)


def well_formed_bytes(rows, encoding) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # quotes any field holding \r or \n
    writer.writerow(CARERS.column_names)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


def malformed_bytes(rows, line_end, cut, bom) -> bytes:
    # Joined without quoting, so commas, quotes and newlines in values break the structure.
    text = line_end.join([",".join(CARERS.column_names), *(",".join(r) for r in rows)]) + line_end
    if cut and len(text) > cut + 100:
        text = text[:-cut]  # a truncated last line
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


@FAST
@given(**well_formed)
def test_reading_a_well_formed_csv_loses_no_row(suite_runner, rows, encoding):
    raw = validate_bytes(well_formed_bytes(rows, encoding), suite_runner, full=False)
    assert_every_record_read_once(raw)
    assert raw.rows_read == len(rows)


@FAST
@given(**malformed)
def test_reading_a_malformed_csv_reads_every_record_once(suite_runner, rows, line_end, cut, bom):
    raw = validate_bytes(malformed_bytes(rows, line_end, cut, bom), suite_runner, full=False)
    if raw is not None:
        assert_every_record_read_once(raw)


@SLOW
@given(**well_formed)
def test_validating_a_well_formed_csv_accounts_for_every_row(suite_runner, rows, encoding):
    validated = validate_bytes(well_formed_bytes(rows, encoding), suite_runner)
    assert_every_row_accounted_for(validated)
    assert validated.rows_read == len(rows)


@SLOW
@given(**malformed)
def test_validating_a_malformed_csv_accounts_for_every_row(suite_runner, rows, line_end, cut, bom):
    validated = validate_bytes(malformed_bytes(rows, line_end, cut, bom), suite_runner)
    if validated is not None:
        assert_every_row_accounted_for(validated)
