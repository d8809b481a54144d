import contextlib
import logging
import os
import tempfile
import sys
from pathlib import Path

import pytest

from fostering_scorecard import environment  # noqa: E402

environment.apply(umask=False)
# Each test session gets its own Prefect database, so concurrent sessions never share one.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="prefect-home-"))
sys.path.insert(0, str(Path(__file__).parent))
# Prefect stops its ephemeral server at interpreter exit, after pytest has closed the captured
# streams: without this, logging prints a harmless "I/O operation on closed file" traceback.
logging.raiseExceptions = False

from fostering_scorecard import models, periods, project  # noqa: E402
from fostering_scorecard import run as spine  # noqa: E402
from builders import SAMPLE_PROJECT  # noqa: E402


@pytest.fixture(scope="session")
def sample_project():
    """The bundled sample council's project (data/sample): its settings and targets."""
    return project.load(SAMPLE_PROJECT)


@pytest.fixture(scope="session")
def suite_runner():
    """One Great Expectations context for the whole test session (it is slow to start)."""
    from fostering_scorecard.validation import SuiteRunner

    return SuiteRunner()


@pytest.fixture
def validated_extracts(tmp_path, suite_runner, sample_project):
    """Write hand-built extracts, then ingest and validate them: returns (ctx, validated)."""

    def run(month: str, **tables):
        from builders import write_extracts

        folder = write_extracts(tmp_path / "extracts", **tables)
        ctx = spine.prepare(sample_project, month, folder, tmp_path / "out")
        return ctx, spine.validate(ctx, spine.read_extracts(ctx), suite_runner)

    return run


@pytest.fixture
def models_for(validated_extracts):
    """Hand-built extracts, validated and loaded into the SQL models: yields (ctx, connection)."""

    @contextlib.contextmanager
    def models(month: str, **tables):
        ctx, validated = validated_extracts(month, **tables)
        con = spine.open_models(ctx, validated)
        try:
            yield ctx, con
        finally:
            con.close()

    return models


@pytest.fixture
def scorecard_for(models_for):
    """The scorecard as at the end of `month` for hand-built extracts: {metric_id: MetricValue}."""

    def run(month: str, **tables):
        with models_for(month, **tables) as (ctx, con):
            latest = periods.latest_complete_month(ctx.extract_info.extract_date)
            return {v.metric_id: v for v in models.compute_month(con, ctx.metrics, month, latest)}

    return run


@pytest.fixture
def breakdowns_for(models_for):
    """Breakdown counts as at the end of `month`: {metric_id: {category: count}}."""

    def run(month: str, **tables):
        with models_for(month, **tables) as (ctx, con):
            result: dict[str, dict[str, int]] = {}
            for row in models.compute_breakdowns(con, ctx.metrics, month):
                result.setdefault(row["metric_id"], {})[row["category"]] = row["count"]
            return result

    return run
