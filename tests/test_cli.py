"""The `scorecard` command as an analyst meets it: help, clear stops, and a pack."""

import subprocess
import sys

from builders import write_extracts

from fostering_scorecard import cli


def test_help_explains_the_outputs_and_the_options():
    result = subprocess.run([sys.executable, "-m", "fostering_scorecard.cli", "run", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for words in ["--month YYYY-MM", "--extracts DIR", "--output DIR", "extract.toml", "examples:"]:
        assert words in result.stdout


def test_help_does_not_import_the_heavy_libraries():
    code = "import sys; from fostering_scorecard import cli; print(sorted(m for m in ('prefect','great_expectations','matplotlib','duckdb','pandas') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]"


def test_a_missing_file_stops_with_a_message_and_no_traceback(tmp_path, capsys):
    folder = write_extracts(tmp_path / "x")
    (folder / "episodes.csv").unlink()
    assert cli.main(["run", "--month", "2020-03", "--extracts", str(folder), "--output", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "episodes.csv: file not found" in err and "How to fix" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_badly_written_month_is_explained(tmp_path, capsys):
    folder = write_extracts(tmp_path / "x")
    assert cli.main(["run", "--month", "March", "--extracts", str(folder)]) == 1
    assert "YYYY-MM" in capsys.readouterr().err


def test_default_month_is_the_last_complete_month_before_the_extract(tmp_path):
    from fostering_scorecard.pipeline import default_month

    folder = write_extracts(tmp_path / "x", extract_date="2020-04-05")
    assert default_month(folder) == "2020-03"
