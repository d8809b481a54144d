"""The `scorecard` command as an analyst meets it: help, clear stops, and a pack."""

import os
import subprocess
import sys

from builders import SAMPLE_PROJECT, children_for, write_extracts

from fostering_scorecard.pack import pack_process
from fostering_scorecard import cli

PROJECT = ["--project", str(SAMPLE_PROJECT)]
EPISODES = [{"CHILD": "C1", "DECOM": "01/01/2019", "RNE": "S"}]  # one child in care: the data begins in January 2019


def test_help_explains_the_outputs_and_the_options():
    result = subprocess.run([sys.executable, "-m", "fostering_scorecard.cli", "run", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for words in ["--month YYYY-MM", "--extracts DIR", "--output DIR", "extract.toml", "examples:"]:
        assert words in result.stdout


def test_help_does_not_import_the_heavy_libraries():
    code = "import sys; from fostering_scorecard import cli; print(sorted(m for m in ('prefect','great_expectations','matplotlib','duckdb','pandas') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]"


def test_the_warm_up_starts_great_expectations_apart_and_imports_the_writers_in_the_background():
    # In a fresh process: Great Expectations runs in a process of its own (so this one never
    # imports it); the thread leaves the pack's writers (matplotlib on its file-only Agg backend,
    # whatever the machine's default) imported here.
    code = (
        "import sys; from fostering_scorecard import run, validation; from fostering_scorecard.pack.writer import WRITER_MODULES; "
        "run.warm_up().join(); import matplotlib; "
        "print(all(m in sys.modules for m in WRITER_MODULES), matplotlib.get_backend(), "
        "validation.suite_process.shared() is not None, 'great_expectations' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "TkAgg"})
    assert result.stdout.split() == ["True", "Agg", "True", "False"], result.stderr


def test_a_missing_file_stops_with_a_message_and_no_traceback(tmp_path, capsys):
    folder = write_extracts(tmp_path / "x")
    (folder / "episodes.csv").unlink()
    assert cli.main(["run", *PROJECT, "--month", "2020-03", "--extracts", str(folder), "--output", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "episodes.csv: file not found" in err and "How to fix" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_badly_written_month_is_explained(tmp_path, capsys):
    folder = write_extracts(tmp_path / "x")
    assert cli.main(["run", *PROJECT, "--month", "March", "--extracts", str(folder)]) == 1
    assert "YYYY-MM" in capsys.readouterr().err


def test_default_month_is_the_last_complete_month_before_the_extract(tmp_path):
    from fostering_scorecard.run import default_month

    folder = write_extracts(tmp_path / "x", extract_date="2020-04-05")
    assert default_month(folder) == "2020-03"


# --- verify, backfill, serve, locks (issue 6) -------------------------------------------------


def light_pack(folder, ctx, rows, history, quality_rows, breakdowns=None, release=None):
    from fostering_scorecard import pack, tables

    tables.write_csv(folder / "scorecard.csv", pack.SCORECARD_COLUMNS, rows)


def test_the_main_help_lists_every_command():
    result = subprocess.run([sys.executable, "-m", "fostering_scorecard.cli", "--help"], capture_output=True, text=True)
    for words in ["run ", "verify ", "backfill ", "serve ", "versions/YYYY-MM/vN", "archive"]:
        assert words in result.stdout


def test_verify_and_backfill_help_explain_what_they_do():
    verify = subprocess.run([sys.executable, "-m", "fostering_scorecard.cli", "verify", "--help"], capture_output=True, text=True).stdout
    assert "--month YYYY-MM" in verify and "--all" in verify and "REPRODUCED" in verify
    assert "3  the figures differ" in verify and "6  a file was edited after it was published" in verify
    backfill = subprocess.run([sys.executable, "-m", "fostering_scorecard.cli", "backfill", "--help"], capture_output=True, text=True).stdout
    assert "--from YYYY-MM" in backfill and "--to YYYY-MM" in backfill and "skipped" in backfill


def test_serve_without_a_prefect_server_says_how_to_start_one(monkeypatch, capsys):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert cli.main(["serve"]) == 1
    assert "prefect server start" in capsys.readouterr().err


def test_a_month_already_being_written_is_refused_with_a_message(tmp_path, capsys):
    from fostering_scorecard import publish

    folder = write_extracts(tmp_path / "x", episodes=EPISODES, header=children_for(EPISODES))
    with publish.month_lock(tmp_path / "out", "2020-03"):  # as another run would hold it
        assert cli.main(["run", *PROJECT, "--no-prefect", "--month", "2020-03", "--extracts", str(folder), "--output", str(tmp_path / "out")]) == 1
    assert "another run of 2020-03 is already writing to" in capsys.readouterr().err


def test_run_then_verify_says_reproduced_and_a_changed_extract_is_not(tmp_path, capsys, monkeypatch):
    from fostering_scorecard import pack, publish

    pinned = publish.manifest.code_version()
    monkeypatch.setattr(publish.manifest, "code_version", lambda: dict(pinned))
    monkeypatch.setattr(pack, "write_pack", light_pack)
    monkeypatch.setattr(pack_process, "WORKERS", 0)  # a backfill's packs written here, by light_pack
    folder = write_extracts(tmp_path / "x", episodes=EPISODES, header=children_for(EPISODES), carers=[{"household_id": "H1", "approval_date": "01/05/2019"}])
    out = tmp_path / "out"
    assert cli.main(["run", *PROJECT, "--no-prefect", "--month", "2020-03", "--extracts", str(folder), "--output", str(out)]) == 0
    assert "2020-03 published as version 1." in capsys.readouterr().out

    assert cli.main(["verify", *PROJECT, "--month", "2020-03", "--output", str(out)]) == 0
    assert "REPRODUCED: 2020-03 version 1" in capsys.readouterr().out

    changed = write_extracts(tmp_path / "y", episodes=EPISODES, header=children_for(EPISODES), carers=[{"household_id": "H1", "approval_date": "01/05/2018"}])
    assert cli.main(["rerun", *PROJECT, "--month", "2020-03", "--output", str(out), "--extracts", str(changed)]) == 3  # the figures differ
    printed = capsys.readouterr().out
    assert "NOT REPRODUCED" in printed and "carers.csv changed" in printed


def test_scorecard_run_starts_its_own_prefect_api_early_and_stops_it(monkeypatch):
    from fostering_scorecard import prefect_api

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(prefect_api, "_server", None)
    server = prefect_api.start_early()
    url = prefect_api.api_url_when_ready(server)
    assert url == f"http://127.0.0.1:{server.port}/api"  # local only
    server.stop()
    assert server.process.poll() is not None


def test_a_configured_prefect_server_is_used_as_it_is(monkeypatch):
    from fostering_scorecard import prefect_api

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert prefect_api.start_early() is None


def test_when_the_early_api_cannot_start_prefect_starts_its_own(monkeypatch, capsys):
    from fostering_scorecard import prefect_api

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(prefect_api, "_server", None)
    monkeypatch.setattr(prefect_api.sys, "executable", "/bin/false")  # exits at once
    assert prefect_api.api_url_when_ready(prefect_api.start_early()) is None
    assert "Prefect starts its own" in capsys.readouterr().err


def test_the_command_shows_one_line_per_step_and_a_summary_and_none_of_prefects_chatter(tmp_path):
    """Through the Prefect flow with its temporary server, as `make run` does: the analyst sees
    each step with its counts, then where the pack is, what was published and the rows set
    aside; no link to a server that is gone after the run, no library messages."""
    episodes = [{"CHILD": "C1", "DECOM": "01/01/2019", "RNE": "S"}]
    folder = write_extracts(
        tmp_path / "x", episodes=episodes, header=children_for(episodes),
        carers=[{"household_id": "H1", "approval_date": "01/05/2019"}, {"household_id": "H2", "approval_date": "31/02/2019"}],
    )
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home")}
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, "-m", "fostering_scorecard.cli", "run", *PROJECT, "--month", "2020-03", "--extracts", str(folder),
               "--output", str(tmp_path / "out"), "--allow-quarantine"]  # one of the two carers is a planted bad row
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    steps = [line.split()[0] for line in lines if line.startswith("  ") and line.rstrip().endswith(" s)")]
    assert steps == ["prepare", "ingest", "validate", "compute", "publish"]
    assert result.stdout.count("published as version 1") == 2  # the publish step, and the summary
    assert any(line.startswith("Done in ") and line.endswith("2020-03 published as version 1.") for line in lines)
    assert f"The pack: {tmp_path / 'out' / '2020-03' / 'scorecard_pack.pdf'}" in result.stdout
    assert "1 of 4 rows set aside" in result.stdout
    everything = result.stdout + result.stderr
    for chatter in ("View at", "http://127.0.0.1", "ephemeral docs site", "Finished in state", "Traceback"):
        assert chatter not in everything, chatter
