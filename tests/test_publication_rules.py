"""A month that should not go out does not go out, and says why.

Run through the `scorecard` command as an analyst runs it: the extract date is required and
checked; an extract with too many rows set aside (or rejected whole) stops the month before
anything is published, naming the extract, the share, the commonest rules and the fix;
`scorecard check` reports the same without publishing; a full disk or a folder that cannot be
written gives one message and leaves no partial month."""

import datetime as dt
import errno

import pytest
from builders import SAMPLE_PROJECT, children_for, write_extracts

from fostering_scorecard.pack import pack_process
from fostering_scorecard import cli, project

MONTH = "2020-03"
EPISODES = [{"CHILD": "C7Q7Q7", "DECOM": "01/01/2019", "RNE": "S"}]


def carers(count: int, bad: int, date_format: str = "%d/%m/%Y") -> list[dict]:
    """count households approved in 2019-20; the first `bad` of them with an approval date
    written another way (a mapping that missed a date format)."""
    rows = []
    for number in range(count):
        day = dt.date(2019, 5, 1) + dt.timedelta(days=number)
        written = day.strftime("%Y.%m.%d") if number < bad else day.strftime(date_format)
        rows.append({"household_id": f"HZ{number:04d}", "approval_date": written})
    return rows


def folder_with(tmp_path, carer_rows, **extra):
    return write_extracts(tmp_path / "x", episodes=EPISODES, header=children_for(EPISODES), carers=carer_rows, **extra)


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    """A new project at the national defaults (a 2% limit on rows set aside), the sample's targets."""
    folder = project.init(tmp_path_factory.mktemp("council") / "council", "Sample County Council", "886")
    (folder / "targets.toml").write_bytes((SAMPLE_PROJECT / "targets.toml").read_bytes())
    return folder


@pytest.fixture
def project_args(council):
    return ["--project", str(council)]


def run(args, capsys):
    code = cli.main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_month_without_an_extract_date_is_refused_and_says_how_to_give_one(tmp_path, capsys, project_args):
    folder = folder_with(tmp_path, carers(3, 0))
    (folder / "extract.toml").unlink()
    code, out, err = run(["run", *project_args, "--no-prefect", "--month", MONTH, "--extracts", str(folder), "--output", str(tmp_path / "out")], capsys)
    assert code == 1
    assert "extract.toml: not found" in err and "extract_date = 2020-04-05" in err and "--extract-date" in err
    assert "Traceback" not in err and not (tmp_path / "out" / MONTH).exists()


def test_the_extract_date_can_be_given_on_the_command_line(tmp_path, capsys, project_args):
    folder = folder_with(tmp_path, carers(3, 0))
    (folder / "extract.toml").unlink()
    code, out, err = run(["run", *project_args, "--no-prefect", "--month", MONTH, "--extract-date", "2020-04-05",
                          "--extracts", str(folder), "--output", str(tmp_path / "out")], capsys)
    assert code == 0, err
    assert "published as version 1" in out


def test_an_extract_date_in_the_future_is_refused(tmp_path, capsys, project_args):
    folder = folder_with(tmp_path, carers(3, 0))
    (folder / "extract.toml").write_text("extract_date = 2099-04-05\n")
    code, out, err = run(["run", *project_args, "--no-prefect", "--month", MONTH, "--extracts", str(folder), "--output", str(tmp_path / "out")], capsys)
    assert code == 1 and "extract.toml: extract_date (2099-04-05) is after today" in err and "Traceback" not in err
    (folder / "extract.toml").unlink()
    code, out, err = run(["run", *project_args, "--no-prefect", "--month", MONTH, "--extract-date", "2099-04-05",
                          "--extracts", str(folder), "--output", str(tmp_path / "out")], capsys)
    assert code == 1 and "--extract-date: the extract date (2099-04-05) is after today" in err


def test_an_extract_date_that_disagrees_with_extract_toml_is_refused(tmp_path, capsys, project_args):
    folder = folder_with(tmp_path, carers(3, 0))
    code, out, err = run(["run", *project_args, "--no-prefect", "--month", MONTH, "--extract-date", "2020-04-06",
                          "--extracts", str(folder), "--output", str(tmp_path / "out")], capsys)
    assert code == 1 and "the extract date given (2020-04-06) differs from extract_date in extract.toml (2020-04-05)" in err


def test_a_wrongly_written_extract_date_option_is_explained(tmp_path, capsys, project_args):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["run", *project_args, "--extract-date", "5/4/2020"])
    assert stopped.value.code == 2
    assert "is not a date written YYYY-MM-DD" in capsys.readouterr().err


def test_a_carers_file_set_aside_whole_stops_the_month_with_the_rule_and_the_fix(tmp_path, capsys, project_args):
    # Every approval date written 2019.05.01: 40 of 40 carers rows set aside (the whole file).
    folder = folder_with(tmp_path, carers(40, 40))
    out_dir = tmp_path / "out"
    code, out, err = run(["run", *project_args, "--no-prefect", "--month", MONTH, "--extracts", str(folder), "--output", str(out_dir)], capsys)
    assert code == 1
    assert "carers.csv: every one of its 40 rows was set aside (the whole file was rejected)" in err
    assert "carers.approval_date.bad_date: 40 rows (for example line 2)" in err
    assert "fix:" in err and "--allow-quarantine" in err
    assert "HZ0000" not in out + err and "2019.05.01" not in out + err  # names rules and lines, never values
    assert not (out_dir / MONTH).exists() and not list(out_dir.glob("versions/*/v*"))


def test_a_share_over_the_limit_stops_the_month_and_one_under_it_does_not(tmp_path, capsys, project_args):
    # 2 of 50 carers rows bad = 4.0% > 2%: stopped. 1 of 50 = 2.0%, not over 2%: published.
    over = folder_with(tmp_path, carers(50, 2))
    code, out, err = run(["run", *project_args, "--no-prefect", "--month", MONTH, "--extracts", str(over), "--output", str(tmp_path / "o1")], capsys)
    assert code == 1 and "carers.csv: 4.0% of its rows were set aside (2 of 50), over the limit of 2.0%" in err
    (tmp_path / "x").rename(tmp_path / "over")
    under = folder_with(tmp_path, carers(50, 1))
    code, out, err = run(["run", *project_args, "--no-prefect", "--month", MONTH, "--extracts", str(under), "--output", str(tmp_path / "o2")], capsys)
    assert code == 0, err


def test_allow_quarantine_publishes_anyway(tmp_path, capsys, project_args):
    folder = folder_with(tmp_path, carers(40, 40))
    code, out, err = run(["run", *project_args, "--no-prefect", "--month", MONTH, "--allow-quarantine",
                          "--extracts", str(folder), "--output", str(tmp_path / "out")], capsys)
    assert code == 0, err
    assert "published as version 1" in out and "40 of" in out


def test_check_says_whether_the_month_would_be_published_and_publishes_nothing(tmp_path, capsys, project_args):
    folder = folder_with(tmp_path, carers(40, 40))
    out_dir = tmp_path / "out"
    code, out, err = run(["check", *project_args, "--month", MONTH, "--extracts", str(folder), "--output", str(out_dir)], capsys)
    assert code == 1
    assert f"{MONTH} would NOT be published" in out and "carers.approval_date.bad_date: 40 rows" in out
    report = out_dir / "checks" / MONTH
    assert (report / "data_quality.csv").is_file() and (report / "internal" / "quarantine.csv").is_file()
    assert not (out_dir / MONTH).exists() and not (out_dir / "versions").exists()

    (tmp_path / "x").rename(tmp_path / "bad")
    clean = folder_with(tmp_path, carers(40, 0))
    code, out, err = run(["check", *project_args, "--month", MONTH, "--extracts", str(clean), "--output", str(out_dir)], capsys)
    assert code == 0 and f"{MONTH} would be published" in out


def test_a_full_disk_while_writing_the_pack_leaves_no_partial_month(tmp_path, capsys, monkeypatch, project_args):
    from fostering_scorecard import pack

    def full_disk(folder, *args, **kwargs):
        (folder / "scorecard.csv").write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "charts" / "approvals_fytd.png"))

    monkeypatch.setattr(pack, "write_pack", full_disk)
    monkeypatch.setattr(pack_process, "WORKERS", 0)  # a backfill's packs written here, by full_disk
    folder = folder_with(tmp_path, carers(3, 0))
    out_dir = tmp_path / "out"
    code, out, err = run(["run", *project_args, "--no-prefect", "--month", MONTH, "--extracts", str(folder), "--output", str(out_dir)], capsys)
    assert code == 1
    assert "the disk is full" in err and "Nothing of this month was published" in err and "How to fix" in err
    assert "Traceback" not in err
    assert not (out_dir / MONTH).exists()
    assert not [p for p in out_dir.rglob("*") if p.name.startswith(".partial")]


def test_an_output_folder_that_cannot_be_made_is_one_message(tmp_path, capsys, project_args):
    folder = folder_with(tmp_path, carers(3, 0))
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    code, out, err = run(["run", *project_args, "--no-prefect", "--month", MONTH, "--extracts", str(folder), "--output", str(blocked / "packs")], capsys)
    assert code == 1 and "could not read or write a file" in err and "Traceback" not in err
