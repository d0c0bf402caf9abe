"""Scheduled builds: which schedules are due, and the foreground runner.

cron schedules -> what is due since the last recorded run -> batch (one at a time)

Cron expressions are read by croniter on the wall clock of the manifest's time zone;
this module turns wall-clock times into instants itself, so that a daylight-saving
change neither skips a run (a time in the spring gap runs just after the change) nor
doubles one (a time in the autumn fold runs once, at its first occurrence). A schedule
missed during downtime runs once, not once per missed time.

A run that fails leaves its schedule failing (``reportgen.history``): it is tried again
by the next tick after a backoff (5 minutes, doubling up to an hour) until a run
succeeds, ``schedule due`` exits 1 meanwhile, and ``notify:`` is told of the failure and
of the recovery.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reportgen.errors import ReportgenError, display_path
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
from reportgen.models import Manifest
from reportgen.models.manifest import Schedule
from reportgen.state import StateBusy, StateError
from reportgen.workspace import Options, load_manifest

log = logging.getLogger("reportgen")

TRIGGER_PREFIX = "schedule:"
MAX_SLEEP = 60.0
"""Longest single wait, so clock jumps and manifest edits are noticed within a minute."""
RETRY_SECONDS = 10.0
"""Wait before trying again a due schedule whose output folder was busy."""
BACKOFF_FIRST = 300.0
"""Wait before the first retry of a failed schedule; it doubles with each failed retry..."""
BACKOFF_MAX = 3600.0
"""...up to this."""
OVERDUE_AFTER = 3600.0
"""A schedule that fired this long ago and has not run since is overdue (cron stopped?)."""
WARNINGS_EVERY = 86400.0
"""Seconds between two logs of the warnings of outputs that were fresh (not built)."""
WARNED_PREFIX = "warned:"
"""The history's marker of when a schedule last logged the warnings of its fresh outputs."""
FIXED_PREFIX = "fixed:"
"""The history's marker of when a batch built what a failing schedule had failed on."""
NOTABLE = "notable"
"""A log record with this extra attribute set is shown even by ``--quiet`` (a recovery)."""


def backoff(attempts: int) -> float:
    """Seconds before the next try of a schedule that failed ``attempts`` times in a row."""
    return float(min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1)))


class Clock(Protocol):
    """Where the scheduler gets the time and waits; tests pass a controllable one."""

    def now(self) -> dt.datetime: ...

    def sleep(self, seconds: float, stop: threading.Event) -> None: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        stop.wait(max(0.0, seconds))


def machine_zone() -> ZoneInfo:
    """The machine's IANA time zone: ``TZ``, else ``/etc/localtime``, else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        link = str(Path("/etc/localtime").readlink())
    except OSError:
        link = ""
    if "zoneinfo/" in link:
        candidates.append(link.split("zoneinfo/", 1)[1])
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def zone_of(manifest: Manifest) -> ZoneInfo:
    return ZoneInfo(manifest.timezone) if manifest.timezone else machine_zone()


def _instant(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The instant of a wall-clock time, read with the offset in force before a change.

    A time in the autumn fold is its first occurrence; a time in the spring gap (which
    the clocks skip) is read with the winter offset, so it still runs, just after the
    change (02:30 in a gap from 02:00 to 03:00 runs at 03:30).
    """
    return wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)


def fire_times(cron: str, zone: ZoneInfo, after: dt.datetime) -> Iterator[dt.datetime]:
    """The instants (UTC) at which ``cron`` fires, strictly after ``after``, in order.

    A time in an autumn fold fires once; a time in a spring gap fires after the change.
    """
    from croniter import croniter

    start_wall = after.astimezone(zone).replace(tzinfo=None) - dt.timedelta(hours=3)
    walls = croniter(cron, start_wall)
    last: dt.datetime | None = None
    while True:
        wall = walls.get_next(dt.datetime)
        instant = _instant(wall, zone)
        if instant <= after or (last is not None and instant <= last):
            continue
        last = instant
        yield instant


def next_fire(cron: str, zone: ZoneInfo, after: dt.datetime) -> dt.datetime:
    return next(fire_times(cron, zone, after))


def is_due(cron: str, zone: ZoneInfo, since: dt.datetime, now: dt.datetime) -> bool:
    """Whether ``cron`` fired at least once in (``since``, ``now``]."""
    return next_fire(cron, zone, since) <= now


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


RunBatch = Callable[[Path, Schedule], "bool | RunRecord"]
"""Runs a schedule's jobs; False when the output folder was busy (try again later), True
when it ran, or the run itself when the history could not take it (a full disk)."""


def default_run_batch(should_stop: Callable[[], bool], options: Options | None = None) -> RunBatch:
    """Runs a schedule's jobs as ``reportgen batch --only ...`` would, with ``options``
    (``--strict``, ``--stale-after`` ...), logging every failure and warning."""
    chosen = options or Options()

    def run(manifest_path: Path, schedule: Schedule) -> bool | RunRecord:
        from reportgen import batching as batches
        from reportgen.workspace import Workspace

        settings = batches.Settings(
            only=tuple(schedule.jobs), trigger=TRIGGER_PREFIX + schedule.name
        )
        try:
            workspace = Workspace.resolve(
                manifest=manifest_path, options=chosen, require_manifest=True
            )
            result = batches.run(workspace, chosen, settings, should_stop=should_stop)
        except (batches.OutputBusy, StateBusy) as exc:
            log.info("schedule %s waits: %s", schedule.name, exc)
            return False
        except Exception as exc:  # a failing run is recorded; the scheduler goes on
            log.error("schedule %s: %s", schedule.name, exc)
            failure = {"target": "", "job": ",".join(schedule.jobs), "error": str(exc)}
            try:
                _record_failure(manifest_path, schedule, failure)
            except ReportgenError as error:
                log.error("schedule %s: not recorded: %s", schedule.name, error)
                unrecorded = {"target": "", "job": "", "error": f"not recorded: {error}"}
                failures = (failure, unrecorded)
                return RunRecord(0, settings.trigger, time.time(), 0.0, 0, 0, 1, failures, FAILED)
            return True
        if should_stop():
            log.info("schedule %s: interrupted; finished outputs are kept", schedule.name)
            return False
        for job, message in result.problems:
            log.error("schedule %s: job %s: %s", schedule.name, job, message)
        if result.lost:  # one line, not one per document it left unbuilt
            log.error("schedule %s: %s", schedule.name, result.lost)
        for item in result.results:
            if item.status == "failed" and not (result.lost and item.error == result.lost):
                for line in item.error.splitlines() or ["failed"]:
                    log.error("schedule %s: %s: %s", schedule.name, item.output.path.name, line)
        for warning in _warnings_to_log(manifest_path, schedule, result):
            log.warning("schedule %s: %s", schedule.name, warning)
        level = logging.INFO if result.ok else logging.ERROR
        log.log(level, "schedule %s: %s", schedule.name, result.summary())
        if result.stopped:
            log.error("schedule %s: the run stopped: %s", schedule.name, result.stopped)
        if not result.unrecorded:
            return True
        kept = f"; kept in {display_path(result.kept)}" if result.kept else ""
        log.error("schedule %s: not recorded: %s%s", schedule.name, result.unrecorded, kept)
        run = result.as_run(settings.trigger)
        reason = {"target": "", "job": "", "error": f"not recorded: {result.unrecorded}"}
        return dataclasses.replace(run, failures=(*run.failures, reason), result=FAILED)

    return run


def _warnings_to_log(manifest_path: Path, schedule: Schedule, result: Any) -> list[str]:
    """The warnings of the outputs a run built, and those of its fresh outputs once a day
    (``WARNINGS_EVERY``), so that a timer every five minutes does not repeat them all day."""
    built = list(
        dict.fromkeys(w for r in result.results if r.status == "built" for w in r.warnings)
    )
    others = [warning for warning in result.warnings if warning not in built]
    if not result.warnings:
        return []
    name, now = WARNED_PREFIX + schedule.name, time.time()
    try:
        with output_history(manifest_path) as history:
            shown = history.marker(name)
            if others and shown is not None and 0 <= now - shown < WARNINGS_EVERY:
                return built
            history.set_marker(name, now)  # every warning is logged now
    except ReportgenError:
        pass  # the history cannot be written: better a warning twice than none
    return list(result.warnings)


def output_history(manifest_path: Path, manifest: Manifest | None = None) -> Any:
    """The run history of a manifest's output folder (a context manager)."""
    manifest = manifest or load_manifest(manifest_path)
    return History.opened(manifest_path.parent / manifest.output, manifest.file_mode)


def _record_failure(manifest_path: Path, schedule: Schedule, failure: dict[str, str]) -> None:
    with output_history(manifest_path) as history:
        history.record_run(TRIGGER_PREFIX + schedule.name, time.time(), 0.0, (0, 0, 1), [failure])


Reported = Callable[[dict[str, Any]], None]
"""Receives the JSON summary of each scheduled run (``--json``)."""


def run_due(
    manifest_path: Path,
    now: dt.datetime,
    run_batch: RunBatch,
    manifest: Manifest | None = None,
    *,
    reported: Reported | None = None,
    retry_now: bool = False,
) -> list[str]:
    """Run, once each, the schedules due at ``now`` (retries included, every failing one
    with ``retry_now``); returns the names that ran.

    ``manifest`` is the manifest already read (the scheduler keeps the last good one
    when the file is being edited); by default it is read from ``manifest_path``.
    """
    manifest = manifest or load_manifest(manifest_path)
    with output_history(manifest_path, manifest) as history:
        pending = due(manifest, history, now, retry_now=retry_now)
        newest = history.runs(1)
    last_id = newest[0].id if newest else 0
    ran = []
    for schedule in pending:
        outcome = run_batch(manifest_path, schedule)
        if outcome is False:
            continue
        kept = outcome if isinstance(outcome, RunRecord) else None
        try:
            with output_history(manifest_path, manifest) as history:
                history.set_marker(TRIGGER_PREFIX + schedule.name, now.timestamp())
                runs = history.runs(1, TRIGGER_PREFIX + schedule.name)
                run = runs[0] if runs and runs[0].id > last_id else kept
                summary = _settle(manifest_path, manifest, history, schedule, run, now)
        except StateError as exc:  # the history cannot be written (a full disk)
            summary = _unsettled(manifest_path, manifest, schedule, kept, now, str(exc))
        ran.append(schedule.name)
        if summary is None:
            continue
        if reported is not None:
            reported(summary)
        send(manifest_path, manifest, summary)
    return ran


def _unsettled(
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


def _settle(
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


class Scheduler:
    """The foreground runner of ``reportgen schedule run``."""

    def __init__(
        self,
        manifest_path: Path,
        clock: Clock | None = None,
        run_batch: RunBatch | None = None,
        options: Options | None = None,
        reported: Reported | None = None,
    ) -> None:
        self.manifest_path = manifest_path
        self.reported = reported
        self.clock = clock or SystemClock()
        self.stop_event = threading.Event()
        self._run_batch = run_batch or default_run_batch(self.stop_event.is_set, options)
        self.waiting = False
        """A due schedule could not run (its output folder was busy): retry soon."""
        self.stopped_by: int | None = None
        """The signal that stopped the runner, if one did."""
        self._manifest_mtime = 0.0
        self.manifest = self._reload()

    def _reload(self) -> Manifest:
        self._manifest_mtime = self.manifest_path.stat().st_mtime
        return load_manifest(self.manifest_path)

    def _maybe_reload(self) -> None:
        try:
            mtime = self.manifest_path.stat().st_mtime
        except OSError:
            return
        if mtime != self._manifest_mtime:
            try:
                self.manifest = self._reload()
                log.info("reloaded %s", self.manifest_path.name)
            except Exception as exc:  # keep the last good manifest
                self._manifest_mtime = mtime
                log.error("%s: not reloaded: %s", self.manifest_path.name, exc)

    def stop(self, signum: int | None = None, *_: object) -> None:
        if signum is not None and self.stopped_by is None:
            self.stopped_by = signum
        self.stop_event.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run_batch(self, manifest_path: Path, schedule: Schedule) -> bool | RunRecord:
        ran = self._run_batch(manifest_path, schedule)
        self.waiting = self.waiting or ran is False
        return ran

    def step(self) -> list[str]:
        """One round: reload the manifest if it changed, run what is due."""
        self._maybe_reload()
        self.waiting = False
        return run_due(
            self.manifest_path,
            self.clock.now(),
            self.run_batch,
            self.manifest,
            reported=self.reported,
        )

    def seconds_to_next(self) -> float:
        if self.waiting:
            return RETRY_SECONDS
        now = self.clock.now()
        if not self.manifest.schedules:
            return MAX_SLEEP
        zone = zone_of(self.manifest)
        upcoming = min(next_fire(s.cron, zone, now) for s in self.manifest.schedules)
        with output_history(self.manifest_path, self.manifest) as history:
            retries = [f.retry_time for f in failing_schedules(self.manifest, history)]
        upcoming = min([upcoming, *retries])
        return min(MAX_SLEEP, max(0.0, (upcoming - now).total_seconds()))

    def run(self, *, rounds: int | None = None) -> None:
        """Run until stopped (or for ``rounds`` rounds, for tests)."""
        done = 0
        while not self.stop_event.is_set():
            self.step()
            done += 1
            if rounds is not None and done >= rounds:
                return
            self.clock.sleep(self.seconds_to_next(), self.stop_event)
