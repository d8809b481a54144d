"""`scorecard verify` re-runs a month from the files it read, restored from the archive under the
names they were saved with, however the extracts came (docs/data-contract.md, "Reading the
files"):

- as several annual returns: every return is recorded in the manifest, archived and restored,
  not just the latest (the earlier ones hold records the latest does not);
- through a column mapping that renames a file (carers.csv saved as Carers_Export.csv): the
  file is recorded and restored under the name it was saved with, which the mapping reads;
- from an SSDA903-only folder: the fostering extracts left out are recorded as not supplied,
  nothing is archived for them, and the re-run leaves them out too.

The council is tests/publishing.py's (one child, three fostering households); the pack is the
light one and the code version pinned, as in test_verify_kinds.py.
"""

import csv
import shutil

from builders import DEFAULTS, EXTRACTS
from publishing import CARERS, EPISODES, MONTH, council, landing_folder, light_pack_and_pinned_code, run_with  # noqa: F401 (fixtures: council, light_pack_and_pinned_code)

from fostering_scorecard import publish, run

FOSTERING = ["carers", "training", "allegations", "enquiries"]


def write_table(path, extract_name: str, rows: list[dict], columns: dict[str, str] | None = None) -> None:
    """One extract file at path, every column the contract's (renamed by columns: contract name
    -> name in the file), the columns not given taking builders' defaults."""
    extract = EXTRACTS[extract_name]
    columns = columns or {}
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([columns.get(c, c) for c in extract.column_names])
        for row in rows:
            full = {**DEFAULTS[extract_name], **row}
            writer.writerow([full.get(c, "") for c in extract.column_names])


def annual_returns_folder(folder):
    """The council's extracts with its episodes as two annual returns instead of episodes.csv:

        episodes_2018-19.csv  line 2  C000123 from 01/01/2017, open at the 2018-19 year end
        episodes_2019-20.csv  line 2  C000123 from 01/01/2017, ended 01/06/2019 (X1)
                              line 3  C000123 from 01/06/2019, with household H00045

    The 2018-19 copy of the first episode is superseded by the 2019-20 copy: 3 rows read,
    2 accepted, 1 superseded."""
    landing_folder(folder)
    (folder / "episodes.csv").unlink()
    first_open = {**EPISODES[0], "DEC": "", "REC": ""}
    write_table(folder / "episodes_2018-19.csv", "episodes", [first_open])
    write_table(folder / "episodes_2019-20.csv", "episodes", EPISODES)
    return folder


def renamed_carers_folder(folder):
    """The council's extracts with carers.csv as the example_lcs system saves it (the sample
    project's mappings/example_lcs.toml): named Carers_Export.csv, its own column names, dates
    written dd-mm-YYYY, and extract.toml naming the mapping."""
    landing_folder(folder)
    (folder / "carers.csv").unlink()
    columns = {"household_id": "Household_ID", "approval_date": "Date_Approved", "deregistration_date": "Date_Deregistered",
               "deregistration_reason": "Deregistration_Reason"}
    carers = [{**row, "approval_date": row["approval_date"].replace("/", "-")} for row in CARERS]
    write_table(folder / "Carers_Export.csv", "carers", carers, columns)
    info = folder / "extract.toml"
    info.write_text(info.read_text() + 'mapping = "example_lcs"\n')
    return folder


def only_903_folder(folder):
    """The council's SSDA903 return only: header.csv and episodes.csv, no fostering extracts."""
    landing_folder(folder)
    for name in FOSTERING:
        (folder / EXTRACTS[name].file).unlink()
    return folder


def published(tmp_path, council, suite_runner, landing):
    out = tmp_path / "out"
    result = run_with(council, MONTH, landing, out, suite_runner=suite_runner)
    assert result.status == "published"
    return out, publish.read_manifest(out / MONTH)


def archived(out, sha):
    return out / "archive" / "sha256" / sha[:2] / sha


def verified(out, council, suite_runner, scratch):
    """verify, keeping its scratch folder so the restored extracts can be looked at."""
    report = run.verify_month(council, MONTH, out, keep_scratch=scratch, suite_runner=suite_runner)
    restored = sorted(p.name for p in (scratch / "extracts").iterdir())
    return report, restored


def test_a_month_read_from_several_annual_returns_is_reproduced_from_every_return(tmp_path, council, suite_runner):
    landing = annual_returns_folder(tmp_path / "landing")
    out, manifest = published(tmp_path, council, suite_runner, landing)
    episodes = manifest["inputs"]["episodes"]
    # Both returns, oldest first; the pair file/sha256 is the latest one read.
    assert [(f["file"], f["collection_year"], f["rows_read"], f["rows_superseded"]) for f in episodes["files"]] == [
        ("episodes_2018-19.csv", "2018-19", 1, 1),
        ("episodes_2019-20.csv", "2019-20", 2, 0),
    ]
    assert (episodes["supplied"], episodes["file"]) == (True, "episodes_2019-20.csv")
    assert episodes["rows"] == {"read": 3, "accepted": 2, "quarantined": 0, "superseded": 1}
    for f in episodes["files"]:
        assert f["sha256"] == publish.sha256_file(landing / f["file"])
        assert archived(out, f["sha256"]).read_bytes() == (landing / f["file"]).read_bytes()

    shutil.rmtree(landing)  # the landing folder has moved on: verify needs only the output folder
    report, restored = verified(out, council, suite_runner, tmp_path / "scratch")
    assert report.reproduced, report.text()
    assert restored == ["allegations.csv", "carers.csv", "enquiries.csv", "episodes_2018-19.csv", "episodes_2019-20.csv",
                        "extract.toml", "header.csv", "training.csv"]


def test_a_month_read_through_a_mapping_that_renames_a_file_is_restored_under_that_name(tmp_path, council, suite_runner):
    landing = renamed_carers_folder(tmp_path / "landing")
    out, manifest = published(tmp_path, council, suite_runner, landing)
    carers = manifest["inputs"]["carers"]
    # Recorded as saved, not as the contract names it (restored as carers.csv, the mapping would
    # find no Carers_Export.csv and the re-run would read no carers at all).
    assert carers["file"] == "Carers_Export.csv"
    assert [f["file"] for f in carers["files"]] == ["Carers_Export.csv"]
    assert carers["rows"] == {"read": 4, "accepted": 3, "quarantined": 1, "superseded": 0}

    shutil.rmtree(landing)
    report, restored = verified(out, council, suite_runner, tmp_path / "scratch")
    assert report.reproduced, report.text()
    assert "Carers_Export.csv" in restored and "carers.csv" not in restored


def test_a_903_only_month_records_the_fostering_extracts_as_not_supplied_and_is_reproduced(tmp_path, council, suite_runner):
    landing = only_903_folder(tmp_path / "landing")
    out, manifest = published(tmp_path, council, suite_runner, landing)
    for name in FOSTERING:
        assert manifest["inputs"][name] == {
            "supplied": False, "file": EXTRACTS[name].file, "sha256": None, "files": [],
            "rows": {"read": 0, "accepted": 0, "quarantined": 0, "superseded": 0},
        }, name
    # The archive holds the two extracts, extract.toml and the project's files: nothing else.
    recorded = {manifest["inputs"][name]["sha256"] for name in ("header", "episodes")} | {manifest["extract_info"]["sha256"]}
    recorded |= set(manifest["configuration"]["project_files"].values())
    assert {p.name for p in (out / "archive" / "sha256").rglob("*") if p.is_file()} == recorded

    shutil.rmtree(landing)
    report, restored = verified(out, council, suite_runner, tmp_path / "scratch")
    assert report.reproduced, report.text()
    assert restored == ["episodes.csv", "extract.toml", "header.csv"]


# --- why two runs differ, with the files of each extract recorded ------------------------------


def entry(*files, supplied=True, read=3, superseded=0):
    """An "inputs" entry: files as (name, sha256) pairs, oldest first."""
    rows = {"read": read, "accepted": read - superseded, "quarantined": 0, "superseded": superseded}
    if not supplied:
        return {"supplied": False, "file": files[0][0], "sha256": None, "files": [], "rows": rows}
    listed = [{"file": name, "sha256": sha, "collection_year": "", "rows_read": 0, "rows_superseded": 0} for name, sha in files]
    return {"supplied": True, "file": files[-1][0], "sha256": files[-1][1], "files": listed, "rows": rows}


def causes(old_entry, new_entry):
    return [(c.subject, c.detail) for c in publish.explain({"inputs": {"episodes": old_entry}}, {"inputs": {"episodes": new_entry}})]


def test_a_changed_or_added_annual_return_is_named_file_by_file():
    old = entry(("episodes_2018-19.csv", "a" * 64), ("episodes_2019-20.csv", "b" * 64), read=6, superseded=2)
    corrected = entry(("episodes_2018-19.csv", "a" * 64), ("episodes_2019-20.csv", "c" * 64), read=6, superseded=2)
    assert causes(old, corrected) == [
        ("episodes_2018-19.csv; episodes_2019-20.csv", "episodes_2019-20.csv changed (sha256 bbbbbbbbbbbb -> cccccccccccc)"),
    ]
    # The current extract saved beside the returns: 2 more rows read, both superseding a return's copy.
    more = entry(("episodes_2018-19.csv", "a" * 64), ("episodes_2019-20.csv", "b" * 64), ("episodes.csv", "d" * 64), read=8, superseded=4)
    assert causes(old, more) == [
        ("episodes_2018-19.csv; episodes_2019-20.csv; episodes.csv", "episodes.csv added; rows read 6 -> 8, superseded 2 -> 4"),
    ]


def test_an_extract_left_out_or_supplied_again_is_named_as_such():
    supplied = entry(("carers.csv", "e" * 64))
    left_out = entry(("carers.csv", ""), supplied=False, read=0)
    assert causes(supplied, left_out) == [("carers.csv", "carers.csv left out (not supplied); rows read 3 -> 0, accepted 3 -> 0")]
    assert causes(left_out, supplied) == [("carers.csv", "carers.csv supplied (left out before); rows read 0 -> 3, accepted 0 -> 3")]


def test_the_same_files_counted_differently_and_an_older_record_layout_are_told_apart():
    # The same carers.csv, read under a changed contract: 4 rows now where 3 were.
    same = entry(("carers.csv", "e" * 64))
    assert causes(same, entry(("carers.csv", "e" * 64), read=4)) == [("carers.csv", "carers.csv; rows read 3 -> 4, accepted 3 -> 4")]
    # A month recorded before every file was listed (no "files", "supplied" or superseded count)
    # against a re-run that read the very same file: nothing read differs, only the layout.
    older = {"file": "carers.csv", "sha256": "e" * 64, "rows": {"read": 3, "accepted": 3, "quarantined": 0}}
    assert causes(older, same) == [
        ("carers.csv", "carers.csv: the same files and counts, recorded in another layout (another version of the tool)"),
    ]
