"""Prefect flow: one month's fostering scorecard. Thin: each task calls one pipeline step.

Privacy and audit choices, on purpose:
- no task caching and no result persistence: Prefect would otherwise pickle DataFrames of
  personal data to disk;
- the flow run's name and parameters carry only the month and folder paths, never record ids.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from fostering_scorecard import pipeline
from fostering_scorecard.config import DEFAULT_EXTRACTS_DIR, DEFAULT_OUTPUT_DIR

TASK_OPTIONS = {"cache_policy": None, "persist_result": False, "retries": 0}


@task(name="prepare", **TASK_OPTIONS)
def prepare(month: str, extracts_dir: str, output_dir: str) -> pipeline.RunContext:
    return pipeline.prepare(month, Path(extracts_dir), Path(output_dir))


@task(name="ingest", **TASK_OPTIONS)
def ingest(ctx):
    return pipeline.ingest(ctx)


@task(name="validate", **TASK_OPTIONS)
def validate(ctx, raws):
    return pipeline.validate(ctx, raws)


@task(name="compute metrics", **TASK_OPTIONS)
def compute(ctx, validated):
    return pipeline.compute(ctx, validated)


@task(name="publish pack", **TASK_OPTIONS)
def publish(ctx, validated, rows, history):
    return pipeline.publish(ctx, validated, rows, history)


@flow(
    name="monthly-fostering-scorecard",
    flow_run_name="scorecard-{month}",
    persist_result=False,
    validate_parameters=True,
    log_prints=False,
)
def monthly_scorecard(
    month: str,
    extracts_dir: str = str(DEFAULT_EXTRACTS_DIR),
    output_dir: str = str(DEFAULT_OUTPUT_DIR),
) -> str:
    """Ingest, validate, compute and publish the scorecard for `month` (YYYY-MM)."""
    ctx = prepare(month, extracts_dir, output_dir)
    raws = ingest(ctx)
    validated = validate(ctx, raws)
    rows, history = compute(ctx, validated)
    result = publish(ctx, validated, rows, history)
    return str(result.month_dir)
