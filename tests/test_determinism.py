"""Same inputs and code give byte-identical outputs (CSV, PNG, PDF, manifest)."""

import hashlib

from builders import children_for, write_extracts

from fostering_scorecard import pipeline


def digests(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_runs_write_the_same_bytes(tmp_path):
    episodes = [
        {"CHILD": "C1", "DECOM": "01/01/2017", "RNE": "S", "DEC": "01/06/2019", "REC": "X1"},
        {"CHILD": "C1", "DECOM": "01/06/2019", "RNE": "P"},
    ]
    folder = write_extracts(
        tmp_path / "x",
        episodes=episodes,
        header=children_for(episodes),
        carers=[{"household_id": "H1", "approval_date": "01/05/2019"}, {"household_id": "H1", "approval_date": "bad"}],
        allegations=[{"household_id": "H1", "date_received": "03/03/2020"}],
    )
    first = pipeline.run_month("2020-03", folder, tmp_path / "a").month_dir
    second = pipeline.run_month("2020-03", folder, tmp_path / "b").month_dir
    assert digests(first) == digests(second)
    assert len(digests(first)) >= 11  # 4 CSVs, 6 charts, PDF, manifest


def test_re_running_a_month_replaces_it_whole(tmp_path):
    folder = write_extracts(tmp_path / "x")
    out = tmp_path / "out"
    pipeline.run_month("2020-03", folder, out)
    pipeline.run_month("2020-03", folder, out)
    assert sorted(p.name for p in out.iterdir()) == ["2020-03"]  # no partial or replaced folders left
