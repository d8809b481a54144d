"""Faults an analyst will meet: a run killed halfway, and two runs of the same month started at
once. Each run here is a separate Python process, as it would be in real life. The pack is the
light one (two CSVs) and no indicators are computed: what is tested is the publishing."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from builders import SAMPLE_PROJECT, children_for, write_extracts

MONTH = "2020-03"
SRC = Path(__file__).resolve().parents[1] / "src"

RUN_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from fostering_scorecard import cli, pack, run, tables

    def light_pack(folder, ctx, rows, history, quality_rows, breakdowns=None, release=None):
        tables.write_csv(folder / "scorecard.csv", pack.SCORECARD_COLUMNS, rows)
        if len(sys.argv) > 1:  # the pack is half written: say so, then wait to be killed or released
            import time
            Path(sys.argv[1]).write_text("half written")
            release = Path(sys.argv[2]) if len(sys.argv) > 2 else None
            while release is None or not release.exists():
                time.sleep(0.1)
        tables.write_csv(folder / "scorecard_history.csv", pack.HISTORY_COLUMNS, history)

    pack.write_pack = light_pack
    run.compute = lambda ctx, validated, *rest: run.MonthFigures([], [], [], dict())  # the figures do not matter here
    sys.exit(cli.main(["run", "--no-prefect", "--project", "{project}", "--month", "{month}", "--extracts", "{extracts}", "--output", "{output}"]))
    """
)


def start(tmp_path, *marker):
    extracts = tmp_path / "x"
    if not extracts.exists():
        episodes = [{"CHILD": "C1", "DECOM": "01/01/2019", "RNE": "S"}]  # the data begins in January 2019
        write_extracts(extracts, episodes=episodes, header=children_for(episodes))
    script = RUN_SCRIPT.format(project=SAMPLE_PROJECT, month=MONTH, extracts=extracts, output=tmp_path / "out")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen([sys.executable, "-c", script, *map(str, marker)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, process: subprocess.Popen) -> None:
    """Until the run has reached the marker (or has died, which fails the test)."""
    while not path.exists():
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)


def test_a_run_killed_while_writing_leaves_no_month_and_the_next_run_cleans_up(tmp_path):
    out = tmp_path / "out"
    marker = tmp_path / "half-written"
    run = start(tmp_path, marker)
    wait_for(marker, run)
    run.send_signal(signal.SIGKILL)
    run.wait()

    assert not (out / MONTH).exists()  # nothing an analyst could open as the month
    assert [p.name for p in (out / "versions" / MONTH).iterdir()] == [f".partial-{run.pid}"]

    again = start(tmp_path)
    _, stderr = again.communicate()
    assert again.returncode == 0, stderr
    assert sorted(p.name for p in (out / "versions" / MONTH).iterdir()) == ["v1"]  # leftover removed
    assert (out / MONTH / "scorecard_history.csv").is_file()


def test_a_second_run_of_a_month_being_written_is_turned_away_and_the_first_completes(tmp_path):
    out = tmp_path / "out"
    marker, release = tmp_path / "half-written", tmp_path / "release"
    first = start(tmp_path, marker, release)
    wait_for(marker, first)  # the first run is in the middle of writing the month

    second = start(tmp_path)
    _, stderr = second.communicate()
    assert second.returncode == 1
    assert f"another run of {MONTH} is already writing to {out}" in stderr
    assert "Traceback" not in stderr

    release.write_text("go on")
    stdout, stderr = first.communicate()
    assert first.returncode == 0, stderr
    assert f"{MONTH} published as version 1" in stdout
    assert sorted(p.name for p in (out / "versions" / MONTH).iterdir()) == ["v1"]
    assert (out / MONTH / "scorecard_history.csv").is_file()
