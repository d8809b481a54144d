"""The two readers agree. A well-formed file (every physical line one record with the header's
number of fields) is read by pandas' C parser; any other file record by record with Python's
csv module, which reports each bad line. Whatever the file, when the fast reader takes it, it
must give exactly the lines, values and set-aside rows the record-by-record reader gives."""

import numpy as np
from builders import EXTRACTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fostering_scorecard.ingest import read_extract
from fostering_scorecard.ingest.header import read_header
from fostering_scorecard.ingest.records import read_record_by_record, read_well_formed

WIDTH = 4
cell = st.one_of(
    st.sampled_from(["H1", "01/01/2018", "1,200", "", " ", " East ", "a b", "Café", "\u00a0x\u00a0"]),
    st.text(alphabet=st.sampled_from(list('ab1 ,"\n\r\t\u00a0é')), max_size=6),
)
line = st.one_of(
    st.lists(cell, min_size=WIDTH, max_size=WIDTH).map(",".join),
    st.lists(cell, min_size=WIDTH, max_size=WIDTH).map(lambda cells: ",".join(f'"{c}"' for c in cells)),
    st.lists(cell, min_size=WIDTH, max_size=WIDTH).map(lambda cells: ",".join('"' + c.replace('"', '""') + '"' for c in cells)),
    st.lists(cell, min_size=WIDTH - 1, max_size=WIDTH + 1).map(",".join),
    st.sampled_from(["", " ", ",,,", " , , , ", '"","","",""']),
)


def same_records(fast, slow) -> bool:
    (fast_lines, fast_fields, fast_rejected), (slow_lines, slow_fields, slow_rejected) = fast, slow
    if not np.array_equal(fast_lines, slow_lines) or fast_rejected != slow_rejected:
        return False
    return all(
        fast_fields[i].isna().tolist() == slow_fields[i].isna().tolist()
        and fast_fields[i].dropna().tolist() == slow_fields[i].dropna().tolist()
        and str(fast_fields[i].dtype) == str(slow_fields[i].dtype) == "str"
        for i in range(WIDTH)
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(line, max_size=6), line_end=st.sampled_from(["\n", "\r\n", "\r"]), last_end=st.booleans())
def test_the_fast_reader_reads_what_the_record_by_record_reader_reads(lines, line_end, last_end):
    text = line_end.join(["a,b,c,d", *lines]) + (line_end if last_end else "")
    width = len(read_header(text))
    fast = read_well_formed(text, width)
    if fast is not None:
        assert same_records(fast, read_record_by_record(text, width, [("a", 0)]))


def test_a_plain_file_takes_the_fast_reader_and_a_ragged_one_does_not():
    assert read_well_formed('a,b\n1,"x, y"\r\n 2 ,\n', 2) is not None
    assert read_well_formed("a,b\n1,2\n3\n", 2) is None  # a line short of a field
    assert read_well_formed("a,b\n1,2\n\n3,4\n", 2) is None  # a blank line between records
    assert read_well_formed('a,b\n1,"x\ny"\n', 2) is None  # a value over two lines
    assert read_well_formed('a,b\n1,"x\n', 2) is None  # an unclosed quote
    assert read_well_formed("a,b\r1,2\r", 2) is None  # old Mac line ends


def test_values_are_stripped_and_blank_is_missing_on_both_readers(tmp_path):
    header = ",".join(EXTRACTS["carers"].column_names)
    row = "H1 , mainstream,01/01/2018,,,2,N,N,\u00a0East\u00a0,,active"
    for body in [row + "\n", row + "\nH2,ragged\n"]:  # read fast, then record by record
        (tmp_path / "carers.csv").write_text(header + "\n" + body, encoding="utf-8")
        raw = read_extract(EXTRACTS["carers"], tmp_path)
        assert raw.rows.loc[0, ["household_id", "household_type", "support_team"]].tolist() == ["H1", "mainstream", "East"]
        assert raw.rows.loc[0, ["deregistration_date", "skills_level"]].isna().all()
        assert all(str(raw.rows[c].dtype) == "str" for c in EXTRACTS["carers"].column_names)


# Any separator, and spellings of "no value" (missing.py): the two readers still agree. Position
# 1 reads "NA" as blank too (as a coded column does); the others only NULL, N/A and "-".
NO_VALUE = [frozenset({"NULL", "null", "N/A", "-"}), frozenset({"NULL", "null", "N/A", "-", "NA"}), frozenset(), frozenset({"-"})]
plain_cell = st.one_of(
    st.sampled_from(["H1", "", " ", "NULL", " null ", "N/A", "NA", "na", "-", "--", "Café"]),
    st.text(alphabet=st.sampled_from(list("ab1 -\u00a0")), max_size=4),
)
any_cell = st.one_of(plain_cell, st.text(alphabet=st.sampled_from(list('ab1 ,;|"\n\r\t\u00a0-')), max_size=6))
# Mostly rows the fast reader takes (so the comparison is made), some that send the file to the
# record-by-record reader.
a_row = st.one_of(
    st.lists(plain_cell, min_size=WIDTH, max_size=WIDTH),
    st.lists(plain_cell, min_size=WIDTH, max_size=WIDTH),
    st.lists(any_cell, min_size=WIDTH - 1, max_size=WIDTH + 1),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    separator=st.sampled_from([",", ";", "\t", "|"]),
    rows=st.lists(a_row, min_size=1, max_size=6),
    quote=st.booleans(),
    line_end=st.sampled_from(["\n", "\r\n"]),
)
def test_the_readers_agree_on_any_separator_and_on_no_value_spellings(separator, rows, quote, line_end):
    def line(cells):
        return separator.join('"' + c.replace('"', '""') + '"' if quote else c for c in cells)

    text = line_end.join([separator.join("abcd"), *map(line, rows)]) + line_end
    width = len(read_header(text, separator))
    fast = read_well_formed(text, width, separator, NO_VALUE)
    if fast is not None:
        assert same_records(fast, read_record_by_record(text, width, [("a", 0)], separator, NO_VALUE))


def test_no_value_spellings_are_blank_only_where_listed():
    # Row 2: NULL is blank in positions 0 and 1; NA only in position 1 (the coded column); in
    # position 2 nothing is a spelling of no value, so NULL stays; "-" is blank in position 3.
    text = "a,b,c,d\nNULL,NA,NULL,-\nNA,N/A,x,y\n"
    for read in (read_well_formed(text, WIDTH, ",", NO_VALUE), read_record_by_record(text + "ragged\n", WIDTH, [("a", 0)], ",", NO_VALUE)):
        _lines, fields, _rejected = read
        assert [fields[i][0] if fields[i].notna()[0] else None for i in range(WIDTH)] == [None, None, "NULL", None]
        assert [fields[i][1] if fields[i].notna()[1] else None for i in range(WIDTH)] == ["NA", None, "x", "y"]
