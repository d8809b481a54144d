"""Hand-built scorecards for the pack tests (no extracts, no SQL): a small registry, 25 months of
numerators/denominators per metric, and rows derived the way models.scorecard_row derives them.
This module holds builders only; the tests are in test_pack*.py and test_disclosure*.py."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from builders import SAMPLE_PROJECT

from fostering_scorecard import project
from fostering_scorecard.models import indicators
from fostering_scorecard.definitions import Metric, Target
from fostering_scorecard.periods import as_at_date, shift_month

SAMPLE_SETTINGS = project.load(SAMPLE_PROJECT).settings  # the sample council, national layout and rules


def metric(id, area, unit="count", period="rolling_12m", direction="lower", benchmark=None, targets=(), title=None):
    """A registry entry in plain words, as national/metrics.toml writes them (a reader never sees an id)."""
    title = title or id.replace("_", " ").capitalize()
    return Metric(
        id=id, title=title, area=area, definition=f"How the figure is counted: {title.lower()}.",
        numerator="Number counted", unit=unit, period=period, direction=direction, sql=f"{id}.sql",
        denominator="Number it is out of" if unit == "percent" else None, benchmark=benchmark, targets=tuple(targets),
    )


REGISTRY = [
    metric("approvals_fytd", "Recruitment", period="fytd", direction="higher",
           targets=[Target("2023-24", 120, 0.1), Target("2024-25", 120, 0.1)], title="New households approved this financial year"),
    metric("enquiries_12m", "Recruitment", direction="higher", title="Initial enquiries in the last 12 months"),
    metric("applications_12m", "Recruitment", direction="higher", title="Applications in the last 12 months"),
    metric("stability_short_term", "Placement stability", unit="percent", benchmark="dfe_short_term",
           title="Children with 3 or more placements in 12 months"),
    metric("core_training_12m", "Training", unit="percent", direction="higher",
           targets=[Target("2023-24", 100, 0.1), Target("2024-25", 100, 0.1)], title="Core training within 12 months"),
    metric("allegations_month", "Allegations", period="month", title="Allegations received this month"),
    metric("allegations_12m", "Allegations", title="Allegations received in the last 12 months"),
]


def settings_with(**layout):
    """The sample project's settings with some of the pack layout (national [pack]) replaced."""
    return dataclasses.replace(SAMPLE_SETTINGS, layout=dataclasses.replace(SAMPLE_SETTINGS.layout, **layout))


def context(month="2025-03", metrics=REGISTRY, settings=None):
    as_at = as_at_date(month)
    return SimpleNamespace(
        month=month, as_at=as_at, metrics=list(metrics),
        settings=settings or settings_with(funnel=["enquiries_12m", "applications_12m", "approvals_fytd"]),
        extract_info=SimpleNamespace(extract_date=as_at + dt.timedelta(days=5)),
    )


def default_counts(metric_id: str, i: int) -> tuple[int, int | None]:
    """Month i (0 = oldest of 25) -> (numerator, denominator). Simple formulas a reader can redo."""
    if metric_id == "approvals_fytd":
        # 9 approvals a month from April: month index within the financial year times 9.
        return None, None  # filled in by history() from the month
    if metric_id == "enquiries_12m":
        return 1200 + 10 * i, None
    if metric_id == "applications_12m":
        return 150 + i, None
    if metric_id == "stability_short_term":
        return 200 + i, 1800
    if metric_id == "core_training_12m":
        return 80 + (i % 5), 100
    if metric_id == "allegations_month":
        return 8 + (i % 3), None  # 8, 9, 10, 8, ... never small by default
    if metric_id == "allegations_12m":
        return None, None  # the sum of the 12 monthly counts, filled in by history()
    raise KeyError(metric_id)


def history(month="2025-03", metrics=REGISTRY, overrides=None, settings=None):
    """25 monthly points per metric, oldest first; overrides = {(metric_id, month): (num, den)}."""
    overrides = overrides or {}
    settings = settings or settings_with()
    months = [shift_month(month, -back) for back in range(24, -1, -1)]
    counts: dict[tuple[str, str], tuple] = {}
    for m in metrics:
        for i, mon in enumerate(months):
            if m.id == "approvals_fytd":
                counts[(m.id, mon)] = (9 * ((int(mon[5:]) - 4) % 12 + 1), None)
            elif m.id != "allegations_12m":
                counts[(m.id, mon)] = default_counts(m.id, i)
            if (m.id, mon) in overrides:
                counts[(m.id, mon)] = overrides[(m.id, mon)]
    if any(m.id == "allegations_12m" for m in metrics):
        for mon in months:
            window = [shift_month(mon, -b) for b in range(12)]
            # Before the 25 months the monthly count is taken as 9 (the pipeline would know it).
            total = sum(counts.get(("allegations_month", w), (9, None))[0] for w in window)
            counts[("allegations_12m", mon)] = overrides.get(("allegations_12m", mon), (total, None))
    points = []
    for mon in months:
        as_at = as_at_date(mon)
        for m in metrics:
            numerator, denominator = counts[(m.id, mon)]
            value = indicators.compute_value(m, numerator, denominator)
            target, tolerance, note = indicators.target_for_date(m, as_at)
            rag, reason = indicators.rag_status(m.direction, value, target, tolerance)
            points.append({"metric_id": m.id, "month": mon, "as_at": as_at, "numerator": numerator, "denominator": denominator,
                           "value": value, "target": target, "target_note": note, "rag": rag, "rag_reason": reason})
    return points


def rows_from(history_points, month, metrics=REGISTRY, settings=None):
    """Scorecard rows as models.scorecard_row builds them."""
    settings = settings or settings_with()
    by_key = {(h["metric_id"], h["month"]): h for h in history_points}
    rows = []
    for m in metrics:
        now, last, year = (by_key[(m.id, shift_month(month, -b))] for b in (0, 1, 12))
        rows.append({
            "metric_id": m.id, "title": m.title, "area": m.area, "period": indicators.PERIOD_WORDS[m.period],
            "period_start": indicators.period_start(m, now["as_at"]).isoformat(), "period_end": now["as_at"].isoformat(),
            "value": now["value"], "numerator": now["numerator"], "denominator": now["denominator"], "unit": m.unit,
            "target": now["target"], "target_note": now["target_note"], "rag": now["rag"], "rag_reason": now["rag_reason"],
            "direction_of_good": m.direction, "last_month_value": last["value"],
            "change_vs_last_month": "not compared (cumulative)" if m.period == "fytd" else indicators.describe_change(m, now["value"], last["value"], settings),
            "same_month_last_year_value": year["value"],
            "change_vs_last_year": indicators.describe_change(m, now["value"], year["value"], settings),
        })
    return rows


QUALITY_ROWS = [
    {"extract": "carers", "file": "carers.csv", "rule_id": "(all rows)", "rows": 1000, "detail": "read 1000 = accepted 990 + quarantined 10",
     "rows_read": 1000, "rows_accepted": 990, "rows_quarantined": 10},
    {"extract": "carers", "file": "carers.csv", "rule_id": "approval_date_is_date", "severity": "error", "rows": 10, "detail": "not a date"},
]

BREAKDOWNS = [  # allegations in the 12 months by outcome; total 108 = allegations_12m in March 2025
    {"metric_id": "allegations_12m", "category": "unsubstantiated", "count": 60},
    {"metric_id": "allegations_12m", "category": "unfounded", "count": 30},
    {"metric_id": "allegations_12m", "category": "substantiated", "count": 15},
    {"metric_id": "allegations_12m", "category": "malicious", "count": 3},
    {"metric_id": "allegations_12m", "category": "false", "count": 0},
]


def case(month="2025-03", overrides=None, settings=None):
    """(ctx, rows, history) for month."""
    ctx = context(month, settings=settings)
    points = history(month, overrides=overrides, settings=ctx.settings)
    return ctx, rows_from(points, month, settings=ctx.settings), points


# ---------------------------------------------------------------------------------------------
# Headless Chromium over the DevTools protocol, for tests/test_pack.py. Chromium comes from
# Debian's packages (scripts/install-browser.sh). Without it the test skips with the reason,
# except in CI (CI set), where it fails.

SCREENSHOT_DIR = Path(os.environ.get("PACK_SCREENSHOT_DIR", tempfile.gettempdir())) / "fostering_scorecard_screenshots"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
    '--host-resolver-rules=MAP * ~NOTFOUND', "--remote-debugging-port=0", "--window-size=1280,900",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (CI must have it): run scripts/install-browser.sh")
    pytest.skip("chromium is not installed: run scripts/install-browser.sh to run the browser test")


class DevTools:
    """A minimal Chrome DevTools Protocol client over one websocket (flattened sessions)."""

    def __init__(self, url: str):
        from websockets.sync.client import connect

        self.ws = connect(url, max_size=None, proxy=None, open_timeout=30)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, session: str | None = None, **params) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv(timeout=60))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, event: str) -> dict:
        for seen in self.events:
            if seen.get("method") == event:
                return seen
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            self.events.append(message)
            if message.get("method") == event:
                return message


@contextlib.contextmanager
def chromium_page(html_file: Path):
    """Headless Chromium with html_file loaded: (DevTools, session id). Chromium and its profile
    folder are gone afterwards."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    process = subprocess.Popen([chromium(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        for line in process.stderr:  # "DevTools listening on ws://127.0.0.1:<port>/devtools/browser/<id>"
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            if match:
                url = match.group(1)
                break
        assert url, "chromium did not start its DevTools endpoint"
        tools = DevTools(url)
        target = tools.call("Target.createTarget", url="about:blank")["targetId"]
        session = tools.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        tools.call("Network.enable", session)
        tools.call("Page.enable", session)
        tools.call("Page.navigate", session, url=html_file.resolve().as_uri())
        tools.wait_for("Page.loadEventFired")
        yield tools, session
        tools.ws.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(profile, ignore_errors=True)
