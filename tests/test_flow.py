"""The Prefect side: the monthly deployment is declared with its schedule and parameters, the
reporting month is validated and defaults from the scheduled time, and a real flow run (one,
shared by the module) leaves no child or carer id in its name, parameters, logs or artifacts
and persists no results."""

import asyncio
import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from builders import SAMPLE_PROJECT, children_for, write_extracts

from fostering_scorecard.pack import pack_process
from fostering_scorecard import cli, environment, pack, prefect_api, tables

LONDON = ZoneInfo("Europe/London")
IDS = ["C000123", "C000124", "H00045", "H00046"]


@pytest.fixture(scope="module")
def flows():
    environment.apply(umask=False)
    from fostering_scorecard import commands

    return commands.load_flows()


def test_the_monthly_deployment_runs_at_7_on_the_5th_uk_time_on_the_served_folders(flows):
    deployment = flows.monthly_deployment()
    assert deployment.name == "monthly"
    # Found in the installed package from any folder (no file path, no change of folder).
    assert deployment.entrypoint == "fostering_scorecard.flows.monthly_scorecard.monthly_scorecard"
    [schedule] = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == ("0 7 5 * *", "Europe/London", True)
    assert deployment.parameters == {}  # month: from the schedule; folders: pinned by `scorecard serve`
    assert deployment.concurrency_limit == 1
    month = deployment._parameter_openapi_schema.model_dump()["properties"]["month"]
    assert month["default"] is None
    assert month["anyOf"][0]["pattern"] == flows.MONTH_PATTERN


def test_the_backfill_deployment_has_no_schedule(flows):
    deployment = flows.backfill_deployment()
    assert deployment.schedules == [] and deployment.name == "backfill"


def test_a_served_run_cannot_be_moved_to_another_folder_by_its_parameters(flows, monkeypatch, tmp_path):
    """`prefect deployment run ... --param output_dir=/elsewhere` must not write a month anywhere:
    under `scorecard serve` the folders are the served ones."""
    served = {"SCORECARD_SERVED_PROJECT": str(SAMPLE_PROJECT), "SCORECARD_SERVED_EXTRACTS": str(tmp_path / "landing"),
              "SCORECARD_SERVED_OUTPUT": str(tmp_path / "packs")}
    for name, value in served.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match="output_dir cannot be changed"):
        flows._folders(None, None, str(tmp_path / "elsewhere"))
    assert flows._folders(None, None, None) == (str(SAMPLE_PROJECT), str(tmp_path / "landing"), str(tmp_path / "packs"))
    assert flows._folders(None, None, str(tmp_path / "packs")) == flows._folders(None, None, None)  # naming the served one is fine


def test_a_month_that_is_not_yyyy_mm_is_refused_before_anything_runs(flows):
    from prefect.exceptions import ParameterTypeError

    with pytest.raises(ParameterTypeError, match="month"):
        flows.monthly_scorecard.validate_parameters({"month": "March 2020"})
    assert flows.monthly_scorecard.validate_parameters({"month": "2020-03"})["month"] == "2020-03"


@pytest.mark.parametrize(
    "scheduled, month",
    [
        (dt.datetime(2020, 4, 5, 7, 0, tzinfo=LONDON), "2020-03"),  # the normal schedule
        (dt.datetime(2020, 1, 5, 7, 0, tzinfo=LONDON), "2019-12"),  # across a year end
        # 00:30 on 1 April in London is still 31 March in UTC: the UK date decides.
        (dt.datetime(2020, 3, 31, 23, 30, tzinfo=dt.UTC), "2020-03"),
    ],
)
def test_the_default_month_is_the_month_before_the_scheduled_time(flows, scheduled, month):
    assert flows.month_before(scheduled) == month


def light_pack(folder, ctx, rows, history, quality_rows, breakdowns=None, release=None):
    tables.write_csv(folder / "scorecard.csv", pack.SCORECARD_COLUMNS, rows)


@pytest.fixture(scope="module")
def flow_run(flows, tmp_path_factory):
    """One real run through Prefect (ephemeral server), with ids in every extract."""
    root = tmp_path_factory.mktemp("flow")
    episodes = [
        {"CHILD": "C000123", "DECOM": "01/01/2019", "RNE": "S", "HOUSEHOLD_ID": "H00045"},
        {"CHILD": "C000124", "DECOM": "01/02/2019", "RNE": "S", "PLACE": "not a code"},
    ]
    landing = write_extracts(
        root / "landing",
        episodes=episodes,
        header=children_for(episodes),
        carers=[{"household_id": "H00045", "approval_date": "01/05/2019"}, {"household_id": "H00046", "approval_date": "31/02/2019"}],
        allegations=[{"household_id": "H00045", "date_received": "03/03/2020"}],
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pack, "write_pack", light_pack)
        patch.setattr(pack_process, "WORKERS", 0)  # a backfill's packs written here, by light_pack
        state = flows.monthly_scorecard(
            month="2020-03", project_dir=str(SAMPLE_PROJECT), extracts_dir=str(landing), output_dir=str(root / "out"),
            allow_quarantine=True, return_state=True,  # two of seven rows are planted bad ones
        )
    assert state.is_completed(), state
    return root, state, _read_back_when_logged(state.state_details.flow_run_id, "publish 2020-03:")


def _read_back_when_logged(flow_run_id, last_line: str, timeout: float = 60):
    """The run as the server recorded it, once its log holds last_line: Prefect sends logs in
    batches (every 2 s by default), so the last ones can reach the server after the run ends."""
    deadline = time.monotonic() + timeout
    while True:
        recorded = asyncio.run(_read_back(flow_run_id))
        if any(log.message.startswith(last_line) for log in recorded["logs"]) or time.monotonic() > deadline:
            return recorded
        time.sleep(0.5)


async def _read_back(flow_run_id):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )

    async with get_client() as client:
        run = await client.read_flow_run(flow_run_id)
        logs = await client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
        artifacts = await client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
        task_runs = await client.read_task_runs()
    return {"run": run, "logs": logs, "artifacts": artifacts, "task_runs": [t for t in task_runs if t.flow_run_id == flow_run_id]}


def test_the_flow_run_publishes_the_month(flow_run):
    root, _, _ = flow_run
    assert (root / "out" / "2020-03" / "scorecard.csv").is_file()
    assert (root / "out" / "2020-03" / "manifest.json").is_file()


def test_the_run_name_and_parameters_hold_the_month_and_folders_only(flow_run):
    root, _, recorded = flow_run
    run = recorded["run"]
    assert run.name == "scorecard-2020-03"
    assert run.parameters == {
        "month": "2020-03", "project_dir": str(SAMPLE_PROJECT), "extracts_dir": str(root / "landing"), "output_dir": str(root / "out"),
        "allow_quarantine": True, "extract_date": None, "reason": None,
    }
    # One task per step of the run spine, in its order.
    tasks = sorted(recorded["task_runs"], key=lambda t: t.expected_start_time or t.start_time)
    assert [t.name for t in tasks] == ["prepare-2020-03", "ingest-2020-03", "validate-2020-03", "compute-2020-03", "publish-2020-03"]


def test_the_run_log_says_what_each_step_did_in_counts(flow_run):
    _, _, recorded = flow_run
    messages = [log.message for log in recorded["logs"]]
    assert any(m.startswith("ingest 2020-03: 6 files") for m in messages), messages
    assert any(m.startswith("validate 2020-03: ") and "set aside" in m for m in messages)
    assert any(m.strip().startswith("carers.csv: 2 read = 1 accepted + 1 set aside") for m in messages)
    assert any(m.startswith("publish 2020-03: published as version 1") for m in messages)


def test_no_child_or_carer_id_in_the_logs_or_artifacts_and_no_results_persisted(flow_run):
    _, _, recorded = flow_run
    assert recorded["logs"], "the run's logs were read back"
    text = "\n".join(log.message for log in recorded["logs"]) + "\n".join(str(a) for a in recorded["artifacts"])
    text += "\n".join(f"{t.name} {t.task_inputs}" for t in recorded["task_runs"])
    for record_id in IDS:
        assert record_id not in text
    # No result records (nothing pickled to disk): the one artifact is the headline figures.
    [artifact] = recorded["artifacts"]
    assert artifact.type == "markdown" and artifact.key == "fostering-scorecard-2020-03"
    assert "| Approved fostering households | 1 | 900 | Red |" in artifact.data
    # The carers extract begins in May 2019: the financial year to date cannot be counted.
    assert "| New fostering households approved this financial year | no data | 120 | Not rated |" in artifact.data
    assert "Rows read 7; set aside 2." in artifact.data


def test_prefect_result_storage_is_a_private_temporary_folder_removed_after_the_run(flows):
    """Prefect writes a failed run's exception to its result storage even with persistence off;
    the scorecard command points that storage at a folder that does not outlive the run."""
    import os
    import stat

    from prefect.settings import get_current_settings

    with prefect_api.private_storage():
        folder = get_current_settings().results.local_storage_path
        assert os.environ["PREFECT_RESULTS_LOCAL_STORAGE_PATH"] == str(folder)
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert folder.name.startswith("scorecard-prefect-")
    assert not folder.exists()
    assert get_current_settings().results.local_storage_path != folder


def test_the_backfill_flow_publishes_each_month_and_the_series(flows, tmp_path):
    episodes = [{"CHILD": "C000123", "DECOM": "01/01/2019", "RNE": "S", "HOUSEHOLD_ID": "H00045"}]
    landing = write_extracts(
        tmp_path / "landing", episodes=episodes, header=children_for(episodes),
        carers=[{"household_id": "H00045", "approval_date": "01/05/2019"}],
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pack, "write_pack", light_pack)
        patch.setattr(pack_process, "WORKERS", 0)  # a backfill's packs written here, by light_pack
        statuses = flows.backfill_scorecard(
            first_month="2020-02", last_month="2020-03", project_dir=str(SAMPLE_PROJECT), extracts_dir=str(landing), output_dir=str(tmp_path / "out")
        )
    assert statuses == ["2020-02: published v1", "2020-03: published v1"]
    assert (tmp_path / "out" / "scorecard_series.csv").is_file()
