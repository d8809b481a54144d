"""Great Expectations in a process of its own (validation/suite_process.py): a command starts it
first, so that its 4-second import runs on the other core while the extracts are read. It must
find exactly what Great Expectations finds in-process, stop the run as in-process when a rule
cannot run, and never outlive the command."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from builders import EXTRACTS, SAMPLE_PROJECT
from test_validation import approved_places_suite

from fostering_scorecard import ingest, validation
from fostering_scorecard.validation.suite_process import SuiteProcess, SuiteProcessEnded, SuiteProcessError


@pytest.fixture(scope="module")
def suite_process():
    process = SuiteProcess()
    yield process
    process.close()


def test_the_process_finds_what_great_expectations_finds_in_this_process(suite_process, suite_runner):
    # The bundled sample's extracts carry planted errors in every extract (hundreds of rows set
    # aside): every extract's findings, row by row and reason by reason, must be the same.
    folder = SAMPLE_PROJECT / "extracts"
    extract_date = ingest.load_extract_info(folder).extract_date
    raws = {name: ingest.read_extract(extract, folder) for name, extract in EXTRACTS.items()}
    in_process = validation.validate_extracts(raws, extract_date, suite_runner)
    apart = validation.validate_extracts(raws, extract_date, suite_process)
    assert sum(v.rows_quarantined for v in in_process.values()) > 100  # the comparison means something
    for name in raws:
        pd.testing.assert_frame_equal(apart[name].quarantine, in_process[name].quarantine)
        pd.testing.assert_frame_equal(apart[name].warnings, in_process[name].warnings)
        pd.testing.assert_frame_equal(apart[name].accepted, in_process[name].accepted)


def _wrong_bounds():
    """A carers suite whose only rule Great Expectations cannot evaluate (bounds the wrong way
    round): GX reports it as "not met" with no failing rows, which must stop the run."""
    return approved_places_suite("expect_column_values_to_be_between", 5, 1)


def test_a_rule_great_expectations_cannot_run_stops_the_run_as_in_this_process(suite_process):
    typed, suite = _wrong_bounds()
    with pytest.raises(RuntimeError, match="carers.approved_places.out_of_range could not run"):
        suite_process.failures(EXTRACTS["carers"], typed, suite, dt.date(2020, 4, 5))


def test_a_suite_great_expectations_refuses_is_named_and_the_process_goes_on(suite_process):
    # An expectation type GX does not know: GX leaves it out, logging it only (its result would
    # read as if every row passed); the run stops naming the file and the rule, and the process
    # still answers the next extract.
    typed, suite = _wrong_bounds()
    unknown = {**suite, "expectations": [{**suite["expectations"][0], "type": "expect_no_such_thing"}]}
    with pytest.raises(SuiteProcessError, match=r"^carers.csv: the suite could not run: .*did not run carers.approved_places.out_of_range"):
        suite_process.failures(EXTRACTS["carers"], typed, unknown, dt.date(2020, 4, 5))
    fine = {**suite, "expectations": [{**suite["expectations"][0], "kwargs": {"column": "approved_places", "min_value": 1, "max_value": 5}}]}
    # line 3 holds 9 places, above the 5 allowed: one finding, on line 3
    assert [f["line"] for f in suite_process.failures(EXTRACTS["carers"], typed, fine, dt.date(2020, 4, 5))] == [3]


def test_a_process_killed_from_outside_is_not_waited_for_the_suite_is_checked_here():
    # Killed (here by SIGKILL, as the out-of-memory killer would): the command checks the suite in
    # its own process instead, with the same findings (line 3's 9 places are above the 5 allowed).
    typed, suite = approved_places_suite("expect_column_values_to_be_between", 1, 5)
    process = SuiteProcess()
    try:
        os.kill(process.process.pid, signal.SIGKILL)
        process.process.wait()
        assert [f["line"] for f in process.failures(EXTRACTS["carers"], typed, suite, dt.date(2020, 4, 5))] == [3]
    finally:
        process.close()


def test_an_ended_process_is_named_in_words():
    process = SuiteProcess()
    try:
        os.kill(process.process.pid, signal.SIGKILL)
        process.process.wait()
        with pytest.raises(SuiteProcessEnded, match="^the Great Expectations validation process ended with exit code -9 before answering$"):
            process._lanes[0].answer(process._lanes[0].send(("carers", None, {"expectations": []}, {})))
    finally:
        process.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waiting for its parent to reap it is gone
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return [int(child) for child in children.read().split()]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_the_process_and_its_second_worker_die_with_a_command_killed_by_sigkill(tmp_path):
    # A command that started its validation process is killed outright once the process has
    # imported Great Expectations and forked its second worker: the kernel kills both with it.
    code = ("from fostering_scorecard.validation import suite_process; import time; "
            "p = suite_process.start(); print(p.process.pid, flush=True); time.sleep(120)")
    command = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        process = int(command.stdout.readline())
        deadline = time.monotonic() + 60
        while not _children(process) and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = [process, *_children(process)]
        assert len(workers) == 2  # the process and its forked worker
    finally:
        command.kill()
        command.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the second worker is forked on Linux only")
def test_extracts_are_shared_between_the_two_workers_by_their_expectations(suite_process):
    # Each extract goes to the worker with fewer expectations sent so far: suites of 3, 2 and 2
    # expectations go to worker 1 (0 so far), worker 2 (0 < 3), then worker 2 again (2 < 3).
    typed, suite = _wrong_bounds()
    fine = {**suite, "expectations": [{**suite["expectations"][0], "kwargs": {"column": "approved_places", "min_value": 1, "max_value": 5}}]}
    lanes = suite_process._lanes
    before = [lane.load for lane in lanes]
    chosen = []
    for count in (3, 2, 2):
        lightest = min(range(len(lanes)), key=lambda i: lanes[i].load)
        chosen.append(lightest)
        # line 3 holds 9 places, above the 5 allowed, whichever worker checks it
        assert [f["line"] for f in suite_process.failures(EXTRACTS["carers"], typed, {**fine, "expectations": fine["expectations"] * count}, dt.date(2020, 4, 5))] == [3] * count
    assert len(lanes) == 2 and sum(lane.load for lane in lanes) - sum(before) == 7
    assert len(set(chosen)) == 2  # both workers answered


def test_closing_ends_the_process_at_once_even_while_it_imports():
    process = SuiteProcess()
    process.close()
    assert process.process.returncode is not None and not process.running()
