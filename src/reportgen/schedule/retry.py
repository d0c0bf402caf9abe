"""Failing schedules and their retries: a run that fails leaves its schedule failing
(``reportgen.history``) until a run succeeds or a batch builds what it failed on.

A failing schedule is tried again by the next tick after a backoff (5 minutes, doubling
up to an hour), ``schedule due`` exits 1 meanwhile, and ``notify:`` is told of the failure
and of the recovery. A batch run by hand that builds what a schedule failed on clears it
too (``clear_fixed``), which is why this module sits below ``reportgen.batching``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportgen.history import FAILED, INTERRUPTED, OK, Failing, History, RunRecord
from reportgen.models.manifest import Manifest, Schedule
from reportgen.schedule.cron import is_due, next_fire, zone_of
from reportgen.schedule.summary import iso, summary_of

log = logging.getLogger("reportgen")

TRIGGER_PREFIX = "schedule:"
"""The history's trigger of a scheduled run, and its marker of when it was last checked."""
BACKOFF_FIRST = 300.0
"""Wait before the first retry of a failed schedule; it doubles with each failed retry..."""
BACKOFF_MAX = 3600.0
"""...up to this."""
FIXED_PREFIX = "fixed:"
"""The history's marker of when a batch built what a failing schedule had failed on."""
NOTABLE = "notable"
"""A log record with this extra attribute set is shown even by ``--quiet`` (a recovery)."""


def backoff(attempts: int) -> float:
    """Seconds before the next try of a schedule that failed ``attempts`` times in a row."""
    return float(min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1)))


def checked(history: History, name: str) -> dt.datetime | None:
    """When the schedule ``name`` was last checked for being due (None: never)."""
    stamp = history.marker(TRIGGER_PREFIX + name)
    return dt.datetime.fromtimestamp(stamp, dt.UTC) if stamp is not None else None


def due(
    manifest: Manifest, history: History, now: dt.datetime, *, retry_now: bool = False
) -> list[Schedule]:
    """Schedules that fired since they were last checked, or whose retry is due (every
    failing one with ``retry_now``); a first sighting only records."""
    zone = zone_of(manifest)
    found = []
    for schedule in manifest.schedules:
        since = checked(history, schedule.name)
        failing = history.failing(schedule.name)
        retry = failing is not None and (retry_now or failing.retry_time <= now)
        if since is None and not retry:
            history.set_marker(TRIGGER_PREFIX + schedule.name, now.timestamp())
        elif retry or (since is not None and is_due(schedule.cron, zone, since, now)):
            found.append(schedule)
    return found


def next_try(
    schedule: Schedule, failing: Failing | None, zone: ZoneInfo, now: dt.datetime
) -> dt.datetime:
    """When ``schedule`` runs next: its next time, or its retry when failing and sooner."""
    upcoming = next_fire(schedule.cron, zone, now)
    return min(upcoming, failing.retry_time) if failing is not None else upcoming


def settle(
    manifest_path: Path,
    manifest: Manifest,
    history: History,
    schedule: Schedule,
    run: RunRecord | None,
    now: dt.datetime,
) -> dict[str, Any] | None:
    """Record whether ``schedule`` is failing after ``run``; returns the run's summary,
    whose ``event`` is failure, recovery or success (None: no run was recorded)."""
    if run is None or run.result == INTERRUPTED:
        return None
    before = history.failing(schedule.name)
    zone = zone_of(manifest)
    failed = bool(run.failed) or run.result != OK
    failing: Failing | None = None
    if failed:
        targets = tuple(str(f.get("target") or f.get("job") or "") for f in run.failures)
        attempts = before.attempts + 1 if before else 1
        retry = now.timestamp() + backoff(attempts)
        since = before.since if before else run.started
        failing = Failing(schedule.name, since, attempts, now.timestamp(), retry, targets)
        history.set_failing(failing)
        cron_fired = before is None or is_due(
            schedule.cron, zone, dt.datetime.fromtimestamp(before.last_attempt, dt.UTC), now
        )
        changed = before is None or before.targets != targets
        event = "failure" if cron_fired or changed else "still-failing"
        log.error(
            "schedule %s: failing since %s (attempt %d); next try at %s",
            schedule.name,
            iso(since, zone),
            attempts,
            iso(next_try(schedule, failing, zone, now).timestamp(), zone),
        )
    elif before is not None:
        history.clear_failing(schedule.name)
        event = "recovery"
        log.info(
            "schedule %s: recovered (failing since %s, %d failed run%s)",
            schedule.name,
            iso(before.since, zone),
            before.attempts,
            "s" * (before.attempts != 1),
            extra={NOTABLE: True},
        )
    else:
        event = "success"
    summary = summary_of(manifest_path, manifest, schedule, run, event, failing)
    if failing is not None:
        summary["next_try"] = iso(next_try(schedule, failing, zone, now).timestamp(), zone)
    return summary


def unsettled_summary(
    manifest_path: Path,
    manifest: Manifest,
    schedule: Schedule,
    run: RunRecord | None,
    now: dt.datetime,
    reason: str,
) -> dict[str, Any]:
    """The summary of a run whose outcome the history could not take: a failure, told
    from memory (the notification is how anyone hears of a full disk)."""
    said = {"target": "", "job": "", "error": f"not recorded: {reason}"}
    if run is None:  # the run was recorded, what followed was not
        log.error("schedule %s: not recorded: %s", schedule.name, reason)
        run = RunRecord(0, TRIGGER_PREFIX + schedule.name, now.timestamp(), 0.0, 0, 0, 0, ())
        run = dataclasses.replace(run, failures=(said,), result=FAILED)
    return summary_of(manifest_path, manifest, schedule, run, "failure", None)


def clear_fixed(
    manifest_path: Path,
    manifest: Manifest,
    history: History,
    run: RunRecord | None,
    fixed: Callable[[Failing], bool],
) -> tuple[list[str], list[dict[str, Any]]]:
    """Clear the failing schedules whose failed outputs a batch built (``fixed``); returns
    their names, and the summaries of their recovery for ``notify:``."""
    names, summaries = [], []
    for schedule in manifest.schedules:
        before = history.failing(schedule.name)
        if before is None or not fixed(before):
            continue
        history.clear_failing(schedule.name)
        history.set_marker(FIXED_PREFIX + schedule.name, time.time())
        names.append(schedule.name)
        if run is not None:
            summaries.append(summary_of(manifest_path, manifest, schedule, run, "recovery", None))
    return names, summaries


def failing_schedules(manifest: Manifest, history: History) -> list[Failing]:
    """The schedules of ``manifest`` whose last run failed and that are not yet fixed."""
    found = (history.failing(schedule.name) for schedule in manifest.schedules)
    return [failing for failing in found if failing is not None]
