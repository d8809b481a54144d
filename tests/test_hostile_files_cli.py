"""Hostile and broken files through the `scorecard` command, as an analyst meets them.

Each kind is run as a separate process (so everything it prints, log lines included, is seen)
on the sample project with the extracts and output folders in a temporary folder, and the test
asserts: the exit code; the message naming the file (and the line, where there is one) and the
fix; no traceback; none of the values planted in the files printed (a child id, a postcode, a
household id, a date of birth); and, when the files are read, rows read = accepted + set aside
+ superseded for every extract. The function-level cases are in test_hostile_files.py.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import zipfile

import pytest
from builders import EXTRACTS, SAMPLE_PROJECT, write_extracts

CHILD, POSTCODE, HOUSEHOLD, BIRTH = "C9Z9Z9", "ZZ9 9ZZ", "HH7Q7Q", "13/07/2009"
PLANTED = (CHILD, POSTCODE, HOUSEHOLD, BIRTH)
HEADER = ",".join(EXTRACTS["header"].column_names)
EPISODES = ",".join(EXTRACTS["episodes"].column_names)
CARERS = ",".join(EXTRACTS["carers"].column_names)


def scorecard(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fostering_scorecard.cli", *args], capture_output=True, text=True,
                          timeout=900, cwd=cwd, env={**os.environ, "COLUMNS": "200"})


def run_month(folder, out, *more: str, project=SAMPLE_PROJECT) -> subprocess.CompletedProcess:
    return scorecard("run", "--project", str(project), "--extracts", str(folder), "--output", str(out), "--no-prefect", *more)


def printed(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def assert_nothing_leaked(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in printed(result), printed(result)
    for value in PLANTED:
        assert value not in printed(result)


def assert_stopped(result, out, *expected: str) -> None:
    """Stopped before anything was written, with one message: the file, the problem, the fix."""
    assert result.returncode == 1, printed(result)
    assert "The run stopped: something needs fixing." in result.stderr and "How to fix: " in result.stderr
    for words in expected:
        assert words in result.stderr, result.stderr
    assert_nothing_leaked(result)
    assert not out.exists()


def planted_folder(tmp_path):
    """Sound extracts that hold the planted values."""
    episodes = [{"CHILD": CHILD, "DECOM": "01/04/2019", "HOME_POST": POSTCODE, "HOUSEHOLD_ID": HOUSEHOLD}]
    return write_extracts(tmp_path / "extracts", header=[{"CHILD": CHILD, "DOB": BIRTH}], episodes=episodes,
                          carers=[{"household_id": HOUSEHOLD, "approval_date": "01/01/2015"}])


def xlsx_of(path) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in csv.reader(io.StringIO(path.read_text())):
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Each kind: (file to spoil, how, the words the message must hold).
STOPPING_KINDS = {
    "an Excel workbook saved as .csv": (
        "header.csv", lambda path: xlsx_of(path), ["header.csv: this is an Excel workbook (.xlsx), not a CSV file", "CSV UTF-8"]),
    "a PNG image saved as .csv": (
        "episodes.csv", lambda path: b"\x89PNG\r\n\x1a\n" + bytes(200), ["episodes.csv: this is a PNG image, not a CSV file"]),
    "a zip archive saved as .csv": (
        "carers.csv", lambda path: _zipped(path), ["carers.csv: this is a zip archive", "extract the CSV file from it"]),
    "a header file without its header line": (
        "header.csv", lambda path: path.read_bytes().split(b"\n", 1)[1], ["header.csv: line 1 is a record, not the header line"]),
    "an episodes file without its header line": (
        "episodes.csv", lambda path: path.read_bytes().split(b"\n", 1)[1], ["episodes.csv: line 1 is a record, not the header line"]),
    "a carers file without its header line": (
        "carers.csv", lambda path: path.read_bytes().split(b"\n", 1)[1], ["carers.csv: line 1 is a record, not the header line"]),
}


def _zipped(path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(path.name, path.read_text())
    return buffer.getvalue()


@pytest.mark.parametrize("kind", list(STOPPING_KINDS))
def test_a_file_that_cannot_be_read_stops_the_run_with_one_message(tmp_path, kind):
    file, spoil, expected = STOPPING_KINDS[kind]
    folder = planted_folder(tmp_path)
    (folder / file).write_bytes(spoil(folder / file))
    result = run_month(folder, tmp_path / "out", "--month", "2020-03")
    assert_stopped(result, tmp_path / "out", *expected)


def test_an_extract_linked_outside_the_folder_is_refused_and_not_shown(tmp_path):
    folder = planted_folder(tmp_path)
    secret = tmp_path / "elsewhere" / "carers.csv"
    secret.parent.mkdir()
    shutil.move(folder / "carers.csv", secret)
    (folder / "carers.csv").symlink_to(secret)
    result = run_month(folder, tmp_path / "out", "--month", "2020-03")
    assert_stopped(result, tmp_path / "out", "carers.csv: is a link to a file outside the extracts folder, so it is not read")
    assert str(secret.parent) not in printed(result)


def test_a_mapping_that_reaches_outside_the_folder_is_refused(tmp_path):
    # A copy of the sample project with a mapping that names a file outside the extracts folder.
    project = tmp_path / "project"
    shutil.copytree(SAMPLE_PROJECT, project, ignore=shutil.ignore_patterns("extracts", "outputs"))
    (project / "mappings" / "evil.toml").write_text('[carers]\nfile = "../outside/secret.csv"\n')
    folder = planted_folder(tmp_path)
    (tmp_path / "outside").mkdir()
    shutil.move(folder / "carers.csv", tmp_path / "outside" / "secret.csv")
    (folder / "extract.toml").write_text('extract_date = 2020-04-05\nmapping = "evil"\n')
    result = run_month(folder, tmp_path / "out", "--month", "2020-03", project=project)
    assert_stopped(result, tmp_path / "out", "evil.toml: [carers] file must be a file name in the extracts folder, not a path")


@pytest.mark.parametrize(
    "content, expected",
    [
        ("extract_date 2020-04-05\n", "extract.toml: is not valid TOML (Expected '=' after a key in a key/value pair (at line 1, column 14))"),
        ("extract_date = 2020-04-05T09:30:00\n", "extract.toml: extract_date is a date and time; it must be a date only"),
        ("extract_date = 2020-02-30\n", "extract.toml: extract_date (line 1) is not a real date written year-month-day"),
        ("extract_date = 2999-01-01\n", "extract.toml: extract_date (2999-01-01) is after today"),
        ('council = "Sample"\n', "extract.toml: has no extract_date"),
    ],
)
@pytest.mark.parametrize("month", [[], ["--month", "2020-03"]], ids=["latest month", "month given"])
def test_a_malformed_extract_toml_stops_the_run_with_one_message(tmp_path, content, expected, month):
    folder = planted_folder(tmp_path)
    (folder / "extract.toml").write_text(content)
    result = run_month(folder, tmp_path / "out", *month)
    assert_stopped(result, tmp_path / "out", expected)


# --- files that are read: a 903-only council's annual returns, saved every which way ------------


def hostile_903_folder(tmp_path):
    """Only the SSDA903 extracts (the fostering extracts left out), as two annual returns and the
    current extract, in the encodings and separators Excel saves, with "no value" spellings.

    header_2019-20.csv  UTF-16, tabs (Excel's Unicode text)   line 2 C9Z9Z9, line 3 C2
    header.csv          UTF-8 with a byte-order mark          line 2 C9Z9Z9 (supersedes), line 3 C3 SEX NULL
    episodes_2018-19.csv  Windows-1252, semicolons            line 2 C9Z9Z9 01/04/2018 open, line 3 C2 01/05/2018 ended
    episodes_2019-20.csv  UTF-8, commas                       line 2 C9Z9Z9 01/04/2018 ended (supersedes), line 3 C3 PLACE N/A

    header:   read 4 = accepted 2 (C2, C9Z9Z9) + set aside 1 (header.csv line 3) + superseded 1
    episodes: read 4 = accepted 2 (C2, C9Z9Z9) + set aside 1 (episodes_2019-20.csv line 3) + superseded 1
    """
    folder = tmp_path / "extracts"
    folder.mkdir()

    def episode(child, decom, dec="", rec="", place="U4"):
        values = {"CHILD": child, "DECOM": decom, "RNE": "S", "LS": "C2", "CIN": "N1", "PLACE": place, "PLACE_PROVIDER": "PR4",
                  "DEC": dec, "REC": rec, "HOME_POST": POSTCODE, "REASON_PLACE_CHANGE": "NULL"}
        return [values.get(c, "") for c in EXTRACTS["episodes"].column_names]

    def child(child_id, sex="1", dob=BIRTH):
        return [child_id, sex, dob, "WBRI", "", "", ""]

    def lines(header, rows, separator=","):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
        writer.writerow(header.split(","))
        writer.writerows(rows)
        return buffer.getvalue()

    (folder / "header_2019-20.csv").write_bytes(lines(HEADER, [child(CHILD), child("C2", dob="01/01/2010")], "\t").encode("utf-16"))
    (folder / "header.csv").write_bytes(lines(HEADER, [child(CHILD, sex="2"), child("C3", sex="NULL")]).encode("utf-8-sig"))
    (folder / "episodes_2018-19.csv").write_bytes(
        lines(EPISODES, [episode(CHILD, "01/04/2018"), episode("C2", "01/05/2018", "01/09/2018", "E11")], ";").encode("cp1252"))
    (folder / "episodes_2019-20.csv").write_text(
        lines(EPISODES, [episode(CHILD, "01/04/2018", "01/10/2019", "E11"), episode("C3", "01/06/2019", place="N/A")]))
    (folder / "extract.toml").write_text("extract_date = 2020-04-05\n")
    return folder


def quality_counts(report_dir) -> dict[str, tuple[str, int, str]]:
    with (report_dir / "data_quality.csv").open(newline="", encoding="utf-8") as f:
        return {r["extract"]: (r["file"], int(r["rows"]), r["detail"]) for r in csv.DictReader(f) if r["rule_id"] == "(all rows)"}


def assert_903_counts(report_dir) -> None:
    counts = quality_counts(report_dir)
    assert counts["header"][:2] == ("header_2019-20.csv; header.csv", 4)
    assert counts["header"][2].startswith("read 4 = accepted 2 + quarantined 1 + superseded 1")
    assert counts["episodes"][:2] == ("episodes_2018-19.csv; episodes_2019-20.csv", 4)
    assert counts["episodes"][2].startswith("read 4 = accepted 2 + quarantined 1 + superseded 1")
    for name in ("carers", "training", "allegations", "enquiries"):
        assert counts[name][1] == 0 and "not supplied" in counts[name][2]
    with (report_dir / "internal" / "quarantine.csv").open(newline="", encoding="utf-8") as f:
        set_aside = [(r["file"], r["line"], r["column"], r["rule_id"]) for r in csv.DictReader(f)]
    assert set_aside == [
        ("header.csv", "3", "SEX", "header.SEX.missing_required"),
        ("episodes_2019-20.csv", "3", "PLACE", "episodes.PLACE.missing_required"),
    ]


def test_check_reads_the_annual_returns_of_a_903_only_council_and_names_each_row_set_aside(tmp_path):
    folder = hostile_903_folder(tmp_path)
    result = scorecard("check", "--project", str(SAMPLE_PROJECT), "--extracts", str(folder), "--output", str(tmp_path / "out"),
                       "--month", "2020-03")
    # 1 of the 3 rows in use of each extract set aside: over the sample project's limit, so the
    # month would not be published (exit 1), and the message names the rule and the line.
    assert result.returncode == 1, printed(result)
    assert "would NOT be published" in result.stdout
    assert "header.SEX.missing_required: 1 rows" in result.stdout
    assert_nothing_leaked(result)
    assert_903_counts(tmp_path / "out" / "checks" / "2020-03")


def test_run_publishes_the_903_only_council_from_its_annual_returns(tmp_path):
    folder = hostile_903_folder(tmp_path)
    result = run_month(folder, tmp_path / "out", "--month", "2020-03", "--allow-quarantine")
    assert result.returncode == 0, printed(result)
    assert_nothing_leaked(result)
    assert_903_counts(tmp_path / "out" / "2020-03")
