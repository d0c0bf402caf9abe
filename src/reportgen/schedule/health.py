"""What the run history says of each schedule: its status, whether it is failing, its
retries, its recovery, and the summary that ``notify:`` is told.

A run that fails leaves its schedule failing (``reportgen.history``): it is tried again
by the next tick after a backoff (5 minutes, doubling up to an hour) until a run
succeeds, ``schedule due`` exits 1 meanwhile, and ``notify:`` is told of the failure and
of the recovery. A batch run by hand that builds what a schedule failed on clears it too
(``clear_fixed``), which is why this module sits below ``reportgen.batching``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportgen.history import (
    FAILED,
    INTERRUPTED,
    OK,
    Failing,
    History,
    RunRecord,
    Unrecorded,
    unrecorded,
)
from reportgen.models.manifest import Manifest, Schedule
from reportgen.schedule.cron import is_due, next_fire, zone_of

log = logging.getLogger("reportgen")

TRIGGER_PREFIX = "schedule:"
BACKOFF_FIRST = 300.0
"""Wait before the first retry of a failed schedule; it doubles with each failed retry..."""
BACKOFF_MAX = 3600.0
"""...up to this."""
OVERDUE_AFTER = 3600.0
"""A schedule that fired this long ago and has not run since is overdue (cron stopped?)."""
FIXED_PREFIX = "fixed:"
"""The history's marker of when a batch built what a failing schedule had failed on."""
NOTABLE = "notable"
"""A log record with this extra attribute set is shown even by ``--quiet`` (a recovery)."""


def backoff(attempts: int) -> float:
    """Seconds before the next try of a schedule that failed ``attempts`` times in a row."""
    return float(min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Status:
    """One schedule, as ``schedule list`` and ``status`` show it."""

    schedule: Schedule
    last_started: dt.datetime | None
    last_result: str
    next_run: dt.datetime
    last: RunRecord | None = None
    failing: Failing | None = None
    overdue: bool = False
    """It fired more than ``OVERDUE_AFTER`` ago and has not run since."""
    unrecorded: tuple[Unrecorded, ...] = ()
    """Runs in its output folder that the history could not take (a full disk)."""
    fixed: bool = False
    """Its last run failed, and a later batch built what failed."""

    @property
    def ok(self) -> bool:
        """Healthy: its last run succeeded (or failed and a later batch built what failed,
        clearing the failure), or it has not run yet; and it is not overdue."""
        last_ok = self.last is None or (self.last.result == OK and not self.last.failed)
        last_ok = last_ok or self.fixed
        return last_ok and self.failing is None and not self.overdue and not self.unrecorded

    @property
    def next_try(self) -> dt.datetime:
        """The next run, or the retry of a failing schedule when that comes first."""
        if self.failing is not None:
            return min(self.next_run, self.failing.retry_time)
        return self.next_run


def _checked(history: History, name: str) -> dt.datetime | None:
    stamp = history.marker(TRIGGER_PREFIX + name)
    return dt.datetime.fromtimestamp(stamp, dt.UTC) if stamp is not None else None


def result_text(run: RunRecord | None) -> str:
    if run is None:
        return "never run"
    counts = f"(built {run.built}, fresh {run.fresh})"
    if run.result not in (OK, "failed"):
        return f"{run.result} {counts}"
    if run.failed:
        return f"failed {run.failed} {counts}"
    if run.result == FAILED:  # it stopped, or could not be recorded
        return f"failed {counts}"
    return f"ok {counts}"


def statuses(manifest: Manifest, history: History, now: dt.datetime) -> list[Status]:
    zone = zone_of(manifest)
    missing = tuple(unrecorded(history.path.parent))
    out = []
    for schedule in manifest.schedules:
        runs = history.runs(limit=1, trigger=TRIGGER_PREFIX + schedule.name)
        last = runs[0] if runs else None
        started = dt.datetime.fromtimestamp(last.started, dt.UTC) if last else None
        checked = _checked(history, schedule.name)
        overdue = (
            checked is not None
            and (now - next_fire(schedule.cron, zone, checked)).total_seconds() > OVERDUE_AFTER
        )
        failing = history.failing(schedule.name)
        said = result_text(last)
        fixed_at = history.marker(FIXED_PREFIX + schedule.name)
        fixed = last is not None and fixed_at is not None and fixed_at >= last.started
        if fixed:
            said += ", fixed since"
        out.append(
            Status(
                schedule,
                started,
                said,
                next_fire(schedule.cron, zone, now),
                last,
                failing,
                overdue,
                missing,
                fixed,
            )
        )
    return out


def due(
    manifest: Manifest, history: History, now: dt.datetime, *, retry_now: bool = False
) -> list[Schedule]:
    """Schedules that fired since they were last checked, or whose retry is due (every
    failing one with ``retry_now``); a first sighting only records."""
    zone = zone_of(manifest)
    found = []
    for schedule in manifest.schedules:
        since = _checked(history, schedule.name)
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


def send(manifest_path: Path, manifest: Manifest, summary: dict[str, Any]) -> None:
    """Tell ``notify:`` of a run, when it wants to hear of its event."""
    from reportgen import notify

    if manifest.notify is not None and notify.wanted(manifest.notify, summary["event"]):
        notify.send(manifest.notify, summary, manifest_path.parent)


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
            _iso(since, zone),
            attempts,
            _iso(next_try(schedule, failing, zone, now).timestamp(), zone),
        )
    elif before is not None:
        history.clear_failing(schedule.name)
        event = "recovery"
        log.info(
            "schedule %s: recovered (failing since %s, %d failed run%s)",
            schedule.name,
            _iso(before.since, zone),
            before.attempts,
            "s" * (before.attempts != 1),
            extra={NOTABLE: True},
        )
    else:
        event = "success"
    summary = summary_of(manifest_path, manifest, schedule, run, event, failing)
    if failing is not None:
        summary["next_try"] = _iso(next_try(schedule, failing, zone, now).timestamp(), zone)
    return summary


def _iso(stamp: float, zone: ZoneInfo) -> str:
    return dt.datetime.fromtimestamp(stamp, zone).isoformat(timespec="seconds")


def summary_of(
    manifest_path: Path,
    manifest: Manifest,
    schedule: Schedule,
    run: RunRecord,
    event: str,
    failing: Failing | None,
) -> dict[str, Any]:
    """The JSON summary of a scheduled run, as webhooks, commands and ``--json`` get it."""
    import socket

    zone = zone_of(manifest)
    failures = []
    for failure in run.failures:
        lines = [line for line in str(failure.get("error", "")).splitlines() if line.strip()]
        failures.append(
            {
                "target": failure.get("target", ""),
                "job": failure.get("job", ""),
                "problems": lines or ["failed"],
            }
        )
    return {
        "event": event,
        "schedule": schedule.name,
        "manifest": str(manifest_path),
        "host": socket.gethostname(),
        "started": _iso(run.started, zone),
        "seconds": round(run.seconds, 3),
        "result": run.result,
        "built": run.built,
        "fresh": run.fresh,
        "failed": run.failed,
        "warnings": run.warnings,
        "failures": failures,
        "failing_since": _iso(failing.since, zone) if failing else None,
        "attempts": failing.attempts if failing else 0,
        "next_try": _iso(failing.retry_at, zone) if failing else None,
    }


def failing_schedules(manifest: Manifest, history: History) -> list[Failing]:
    """The schedules of ``manifest`` whose last run failed and that are not yet fixed."""
    found = (history.failing(schedule.name) for schedule in manifest.schedules)
    return [failing for failing in found if failing is not None]
