"""What the run history says of each schedule: its status, as ``schedule list`` and
``status`` show it (last run, result, next run, failing, overdue, not recorded)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportgen.history import FAILED, OK, Failing, History, RunRecord, Unrecorded, unrecorded
from reportgen.models.manifest import Manifest, Schedule
from reportgen.schedule.cron import next_fire, zone_of
from reportgen.schedule.retry import FIXED_PREFIX, TRIGGER_PREFIX, checked

OVERDUE_AFTER = 3600.0
"""A schedule that fired this long ago and has not run since is overdue (cron stopped?)."""


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
        last_checked = checked(history, schedule.name)
        overdue = (
            last_checked is not None
            and (now - next_fire(schedule.cron, zone, last_checked)).total_seconds() > OVERDUE_AFTER
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
