"""Several annual SSDA903 returns supplied as they are (docs/data-contract.md): files named
header_YYYY-YY.csv and episodes_YYYY-YY.csv, taken oldest first, then header.csv / episodes.csv
(the current extract) if present. A record in several files (same CHILD in the header; same
CHILD and DECOM in episodes) is taken from the latest; the copies it replaces are superseded:
read, counted, used nowhere. Per extract: rows read = accepted + set aside + superseded. Every
finding names the file and the line the row came from.
"""

from __future__ import annotations

import datetime as dt

import pytest
from builders import EXTRACTS, write_extracts

from fostering_scorecard import validation
from fostering_scorecard.ingest import ExtractError, check_extract, read_extract

EPISODES = ",".join(EXTRACTS["episodes"].column_names)
HEADER = ",".join(EXTRACTS["header"].column_names)
EXTRACT_DATE = dt.date(2020, 4, 5)


def episode(child, decom, dec="", rec="", place="U4", rne="S") -> str:
    values = {"CHILD": child, "DECOM": decom, "RNE": rne, "LS": "C2", "CIN": "N1", "PLACE": place, "PLACE_PROVIDER": "PR4",
              "DEC": dec, "REC": rec}
    return ",".join(values.get(c, "") for c in EXTRACTS["episodes"].column_names)


def child(child_id, sex="1") -> str:
    return f"{child_id},{sex},01/01/2010,WBRI,,,"


def returns_folder(tmp_path):
    """The worked example: two annual returns of episodes, one of the header and the current
    header extract.

    episodes_2018-19.csv                    episodes_2019-20.csv
      line 2  C1 01/04/2018 open              line 2  C1 01/04/2018 ended 01/10/2019 E11
      line 3  C2 01/06/2018 ended 01/09/2018  line 3  C3 1/2/2019 open (the same day, unpadded)
      line 4  C3 01/02/2019 open              line 4  C4 01/05/2019 PLACE XX (not a code)

    header_2019-20.csv: C1 (sex 1), C2        header.csv (current): C1 (sex 2, corrected), C3, C4
    """
    folder = write_extracts(tmp_path / "extracts")
    (folder / "episodes.csv").unlink()
    (folder / "header.csv").unlink()
    (folder / "episodes_2018-19.csv").write_text("\n".join([
        EPISODES, episode("C1", "01/04/2018"), episode("C2", "01/06/2018", "01/09/2018", "E11"), episode("C3", "01/02/2019"),
    ]) + "\n")
    (folder / "episodes_2019-20.csv").write_text("\n".join([
        EPISODES, episode("C1", "01/04/2018", "01/10/2019", "E11"), episode("C3", "1/2/2019"), episode("C4", "01/05/2019", place="XX"),
    ]) + "\n")
    (folder / "header_2019-20.csv").write_text("\n".join([HEADER, child("C1"), child("C2")]) + "\n")
    (folder / "header.csv").write_text("\n".join([HEADER, child("C1", sex="2"), child("C3"), child("C4")]) + "\n")
    return folder


def test_the_latest_return_wins_and_the_copies_it_replaces_are_superseded(tmp_path):
    raw = read_extract(EXTRACTS["episodes"], returns_folder(tmp_path))
    # Read 6 rows; C1 and C3 of 2018-19 (lines 2 and 4) are superseded by 2019-20's copies.
    assert raw.rows_read == 6 and raw.rows_superseded == 2
    assert [(s.path.name, s.collection_year, s.rows_read, s.rows_superseded) for s in raw.sources] == [
        ("episodes_2018-19.csv", "2018-19", 3, 2),
        ("episodes_2019-20.csv", "2019-20", 3, 0),
    ]
    # The rows kept, in file order: C2 from 2018-19, then C1, C3 and C4 from 2019-20.
    assert raw.rows[["CHILD", "DEC"]].fillna("").values.tolist() == [["C2", "01/09/2018"], ["C1", "01/10/2019"], ["C3", ""], ["C4", ""]]
    # Row numbers run on from file to file (the first file's last line is 4), and give back
    # each row's file and line.
    assert raw.rows["_line"].tolist() == [3, 6, 7, 8]
    assert raw.locate([3, 6, 8]) == (["episodes_2018-19.csv", "episodes_2019-20.csv", "episodes_2019-20.csv"], [3, 2, 4])
    assert raw.line_label(8) == "line 4 of episodes_2019-20.csv"
    assert raw.superseded.tolist() == [2, 4]
    assert raw.file_names == "episodes_2018-19.csv; episodes_2019-20.csv"
    assert raw.notes[0] == ("read from 2 files, oldest first: episodes_2018-19.csv, episodes_2019-20.csv; "
                            "2 row(s) superseded by the same record in a later file")


def test_the_current_extract_comes_after_every_annual_return(tmp_path):
    raw = read_extract(EXTRACTS["header"], returns_folder(tmp_path))
    # header_2019-20.csv then header.csv: C1 is taken from header.csv (sex 2); C2 only in 2019-20.
    assert [s.path.name for s in raw.sources] == ["header_2019-20.csv", "header.csv"]
    assert raw.rows[["CHILD", "SEX"]].values.tolist() == [["C2", "1"], ["C1", "2"], ["C3", "1"], ["C4", "1"]]
    assert (raw.rows_read, raw.rows_superseded) == (5, 1)


def test_findings_name_the_file_and_line_and_every_row_is_counted(tmp_path, suite_runner):
    folder = returns_folder(tmp_path)
    raws = {name: read_extract(extract, folder) for name, extract in EXTRACTS.items()}
    validated = validation.validate_extracts(raws, EXTRACT_DATE, suite_runner)
    episodes = validated["episodes"]
    # 6 read = 3 accepted (C2, C1, C3) + 1 set aside (C4: PLACE XX) + 2 superseded.
    assert (episodes.rows_read, episodes.rows_accepted, episodes.rows_quarantined, episodes.rows_superseded) == (6, 3, 1, 2)
    assert episodes.rows_in_use == 4
    assert episodes.quarantine[["file", "line", "_line", "rule_id"]].values.tolist() == [
        ["episodes_2019-20.csv", 4, 8, "episodes.PLACE.bad_code"],
    ]
    assert episodes.accepted["CHILD"].tolist() == ["C2", "C1", "C3"]


def test_the_cross_record_checks_skip_a_row_set_aside_in_a_later_return(tmp_path, suite_runner):
    # C4 (line 4 of episodes_2019-20.csv, row 8) is set aside and is not in the header: the
    # checks run on the rows not set aside (by row number, not by line: line 4 of the first
    # file is C3's superseded copy), so no "unknown child" warning for C4.
    folder = returns_folder(tmp_path)
    (folder / "header.csv").write_text("\n".join([HEADER, child("C1", sex="2"), child("C3")]) + "\n")
    raws = {name: read_extract(extract, folder) for name, extract in EXTRACTS.items()}
    episodes = validation.validate_extracts(raws, EXTRACT_DATE, suite_runner)["episodes"]
    assert episodes.quarantine["_line"].tolist() == [8]
    assert episodes.warnings.empty, episodes.warnings[["file", "line", "rule_id"]].values.tolist()


def test_the_quality_report_counts_superseded_rows_and_leaves_them_out_of_shares(tmp_path, suite_runner):
    folder = returns_folder(tmp_path)
    raws = {name: read_extract(extract, folder) for name, extract in EXTRACTS.items()}
    validated = validation.validate_extracts(raws, EXTRACT_DATE, suite_runner)
    out = tmp_path / "2020-03"
    out.mkdir()
    rows = validation.write_quality_outputs(out, validated)
    total = next(r for r in rows if r["extract"] == "episodes" and r["rule_id"] == "(all rows)")
    assert total["file"] == "episodes_2018-19.csv; episodes_2019-20.csv"
    assert total["meaning"] == "rows read = accepted + quarantined + superseded"
    assert total["detail"].startswith("read 6 = accepted 3 + quarantined 1 + superseded 2 (replaced by the same record in a later annual return)")
    assert (total["rows_read"], total["rows_accepted"], total["rows_quarantined"], total["rows_superseded"]) == (6, 3, 1, 2)
    rule = next(r for r in rows if r["rule_id"] == "episodes.PLACE.bad_code")
    assert rule["rows"] == 1 and rule["share_of_rows_percent"] == 25.0  # 1 of the 4 rows in use, not of the 6 read
    quarantine = (out / "internal" / "quarantine.csv").read_text().splitlines()
    assert quarantine[1].startswith("episodes,episodes_2019-20.csv,4,CHILD=C4 DECOM=01/05/2019,PLACE,episodes.PLACE.bad_code")
    assert "_line" not in quarantine[0]


def test_a_record_with_part_of_its_key_blank_is_never_superseded(tmp_path):
    # CHILD blank on line 2 of both returns: the rows cannot be matched, so both are kept (and
    # later set aside as missing CHILD).
    folder = write_extracts(tmp_path / "extracts")
    (folder / "episodes.csv").unlink()
    for year in ("2018-19", "2019-20"):
        (folder / f"episodes_{year}.csv").write_text(f"{EPISODES}\n{episode('', '01/04/2018')}\n")
    raw = read_extract(EXTRACTS["episodes"], folder)
    assert (raw.rows_read, raw.rows_superseded, len(raw.rows)) == (2, 0, 2)


def test_a_badly_named_annual_return_is_named_not_guessed(tmp_path):
    folder = write_extracts(tmp_path / "extracts")
    for name in ("episodes_old.csv", "episodes_2019-21.csv", "episodes_2019.csv"):
        (folder / name).write_text(f"{EPISODES}\n")
        with pytest.raises(ExtractError) as error:
            check_extract(EXTRACTS["episodes"], folder)
        assert str(error.value).startswith(f"{name}: looks like an annual return (its name starts episodes_) but has no collection year")
        assert "name each annual return episodes_YYYY-YY.csv (e.g. episodes_2019-20.csv)" in str(error.value)
        (folder / name).unlink()


def test_each_annual_return_is_checked_up_front(tmp_path):
    folder = returns_folder(tmp_path)
    (folder / "episodes_2019-20.csv").write_text("CHILD,DECOM\n")
    with pytest.raises(ExtractError, match="episodes_2019-20.csv: required column\\(s\\) missing: RNE"):
        check_extract(EXTRACTS["episodes"], folder)


def test_a_single_file_reads_as_before(tmp_path):
    folder = write_extracts(tmp_path / "extracts", episodes=[{"CHILD": "C1", "DECOM": "01/04/2018"}])
    raw = read_extract(EXTRACTS["episodes"], folder)
    assert raw.rows["_line"].tolist() == [2] and raw.rows_superseded == 0 and raw.file_names == "episodes.csv"
    assert [(s.path.name, s.rows_read, s.first_row) for s in raw.sources] == [("episodes.csv", 1, 0)]
    assert raw.locate([2]) == (["episodes.csv"], [2])


def test_a_line_unreadable_in_a_later_return_is_named_by_its_own_file_and_line(tmp_path, suite_runner):
    # episodes_2019-20.csv line 3 has two fields: set aside as it is read, and reported with
    # that file and line (its row number is 3 + the first file's 2 lines = 5).
    folder = write_extracts(tmp_path / "extracts", header=[{"CHILD": "C1"}, {"CHILD": "C2"}])
    (folder / "episodes.csv").unlink()
    (folder / "episodes_2018-19.csv").write_text(f"{EPISODES}\n{episode('C1', '01/04/2018')}\n")
    (folder / "episodes_2019-20.csv").write_text(f"{EPISODES}\n{episode('C2', '01/04/2019')}\nC3,01/05/2019\n")
    raws = {name: read_extract(extract, folder) for name, extract in EXTRACTS.items()}
    episodes = validation.validate_extracts(raws, EXTRACT_DATE, suite_runner)["episodes"]
    assert episodes.quarantine[["file", "line", "_line", "record_key", "rule_id"]].values.tolist() == [
        ["episodes_2019-20.csv", 3, 5, "CHILD=C3 DECOM=01/05/2019", "episodes.wrong_field_count"],
    ]
    assert (episodes.rows_read, episodes.rows_accepted, episodes.rows_quarantined, episodes.rows_superseded) == (3, 2, 1, 0)
