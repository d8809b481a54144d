"""Findings on episodes read from several annual returns (docs/data-contract.md, "Reading the
files"). The rows are numbered on from file to file (the row number, `_line`), so a row's number
is not its line in its file: every rule that finds or changes rows goes by the row number, and a
reason naming another row names it by its file and line there.

A file's rows are numbered on from the previous file's last line: below, episodes_2018-19.csv
has its header and 3 (or 2) rows on lines 1 to 4 (or 3), so line 2 of episodes_2019-20.csv is
row 6 (or 5). Nothing is repeated across the two returns, so nothing is superseded, and line 2
of one file and line 2 of the other are two different rows.
"""

from __future__ import annotations

import datetime as dt

from builders import EXTRACTS, write_extracts

from fostering_scorecard import validation
from fostering_scorecard.ingest import read_extract

EPISODES = ",".join(EXTRACTS["episodes"].column_names)
HEADER = ",".join(EXTRACTS["header"].column_names)
EXTRACT_DATE = dt.date(2020, 4, 5)


def episode(child, decom, dec="", rec="", rne="S") -> str:
    values = {"CHILD": child, "DECOM": decom, "RNE": rne, "LS": "C2", "CIN": "N1", "PLACE": "U4", "PLACE_PROVIDER": "PR4",
              "DEC": dec, "REC": rec}
    return ",".join(values.get(c, "") for c in EXTRACTS["episodes"].column_names)


def validated_episodes(tmp_path, suite_runner, returns: dict[str, list[str]]):
    """The episodes validated from these annual returns (no episodes.csv), with every child in
    the header so that no "unknown child" warning gets in the way."""
    folder = write_extracts(tmp_path / "extracts")
    (folder / "episodes.csv").unlink()
    for name, rows in returns.items():
        (folder / name).write_text("\n".join([EPISODES, *rows]) + "\n")
    children = sorted({row.split(",")[0] for rows in returns.values() for row in rows})
    (folder / "header.csv").write_text("\n".join([HEADER, *(f"{c},1,01/01/2010,WBRI,,," for c in children)]) + "\n")
    raws = {name: read_extract(extract, folder) for name, extract in EXTRACTS.items()}
    return validation.validate_extracts(raws, EXTRACT_DATE, suite_runner)["episodes"]


def test_a_repeated_key_names_the_first_copy_by_its_file_and_line(tmp_path, suite_runner):
    # C2's episode from 01/05/2019 is twice in the 2019-20 return (lines 2 and 4; rows 6 and 8).
    # Both copies are in the latest file, so neither is superseded: the second is a repeated
    # key, and its reason names the first copy as line 2 of that file, not "line 6" (row 6
    # would be read as line 6 of some file, which has only 4 lines).
    episodes = validated_episodes(tmp_path, suite_runner, {
        "episodes_2018-19.csv": [episode("C1", "01/04/2018", "01/06/2018", "E11"), episode("C3", "01/02/2019", "01/03/2019", "E11"),
                                 episode("C4", "01/03/2019", "01/04/2019", "E11")],
        "episodes_2019-20.csv": [episode("C2", "01/05/2019"), episode("C5", "01/06/2019"), episode("C2", "01/05/2019")],
    })
    assert episodes.rows_superseded == 0
    assert episodes.quarantine[["file", "line", "_line", "rule_id", "reason"]].values.tolist() == [
        ["episodes_2019-20.csv", 4, 8, "episodes.CHILD+DECOM.duplicate_key",
         "repeats the CHILD+DECOM of line 2 of episodes_2019-20.csv; the first copy is kept"],
    ]


def test_an_overlap_names_the_earlier_episode_by_its_file_and_line(tmp_path, suite_runner):
    # C3's episode from 01/03/2019 is open in the 2018-19 return (line 3; row 3) and is not in the
    # 2019-20 return; there C3 has a new episode from 01/06/2019 (line 2; row 6), which starts
    # while the earlier one is still open. The later episode is set aside; the reason names the
    # earlier one as line 3 of episodes_2018-19.csv.
    episodes = validated_episodes(tmp_path, suite_runner, {
        "episodes_2018-19.csv": [episode("C1", "01/04/2018", "01/06/2018", "E11"), episode("C3", "01/03/2019")],
        "episodes_2019-20.csv": [episode("C3", "01/06/2019"), episode("C2", "01/07/2019")],
    })
    assert episodes.quarantine[["file", "line", "_line", "rule_id", "reason"]].values.tolist() == [
        ["episodes_2019-20.csv", 2, 5, "episodes.DECOM.overlapping_episode",
         "starts on 01/06/2019 before the episode on line 3 of episodes_2018-19.csv (still open, DEC blank); "
         "the earlier episode is kept"],
    ]


def test_an_impossible_end_is_replaced_on_its_own_row_not_on_the_same_line_of_another_file(tmp_path, suite_runner):
    # Line 2 of episodes_2019-20.csv (row 6): C2 from 01/05/2019 with DEC 31/02/2019, not a real
    # date: a warning, and the episode is kept, ending the day C2's next episode starts
    # (01/08/2019, line 3; row 7). Line 2 of episodes_2018-19.csv (row 2) is C1's episode, ended
    # 01/06/2018: it keeps its own DEC. Going by the line (2) instead of the row number (6) would
    # have rewritten C1's DEC and left C2's blank.
    episodes = validated_episodes(tmp_path, suite_runner, {
        "episodes_2018-19.csv": [episode("C1", "01/04/2018", "01/06/2018", "E11"), episode("C3", "01/02/2019", "01/03/2019", "E11"),
                                 episode("C4", "01/03/2019", "01/04/2019", "E11")],
        "episodes_2019-20.csv": [episode("C2", "01/05/2019", "31/02/2019", "E11"), episode("C2", "01/08/2019")],
    })
    assert episodes.quarantine.empty
    assert episodes.warnings[["file", "line", "_line", "rule_id"]].values.tolist() == [
        ["episodes_2019-20.csv", 2, 6, "episodes.DEC.bad_date"],
    ]
    ends = episodes.accepted.set_index("_line")["DEC"].dt.strftime("%d/%m/%Y").fillna("")
    assert ends.to_dict() == {2: "01/06/2018", 3: "01/03/2019", 4: "01/04/2019", 6: "01/08/2019", 7: ""}
