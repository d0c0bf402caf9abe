"""Scheduled builds: which schedules are due, and the foreground runner.

cron schedules -> what is due since the last recorded run -> batch (one at a time)

Cron expressions are read by croniter on the wall clock of the manifest's time zone;
this module turns wall-clock times into instants itself, so that a daylight-saving
change neither skips a run (a time in the spring gap runs just after the change) nor
doubles one (a time in the autumn fold runs once, at its first occurrence). A schedule
missed during downtime runs once, not once per missed time.
"""

from __future__ import annotations

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

from reportgen.errors import ReportgenError
from reportgen.models import Manifest
from reportgen.models.manifest import Schedule
from reportgen.state import State, StateBusy
from reportgen.workspace import Options, load_manifest

log = logging.getLogger("reportgen")

TRIGGER_PREFIX = "schedule:"
MAX_SLEEP = 60.0
"""Longest single wait, so clock jumps and manifest edits are noticed within a minute."""
RETRY_SECONDS = 10.0
"""Wait before trying again a due schedule whose output folder was busy."""


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
    """One schedule, as ``schedule list`` shows it."""

    schedule: Schedule
    last_started: dt.datetime | None
    last_result: str
    next_run: dt.datetime


def _checked(state: State, name: str) -> dt.datetime | None:
    stamp = state.marker(TRIGGER_PREFIX + name)
    return dt.datetime.fromtimestamp(stamp, dt.UTC) if stamp is not None else None


def statuses(manifest: Manifest, state: State, now: dt.datetime) -> list[Status]:
    zone = zone_of(manifest)
    out = []
    for schedule in manifest.schedules:
        runs = state.runs(limit=1, trigger=TRIGGER_PREFIX + schedule.name)
        last = runs[0] if runs else None
        started = dt.datetime.fromtimestamp(last.started, dt.UTC) if last else None
        if last is None:
            result = "never run"
        elif last.failed:
            result = f"failed {last.failed} (built {last.built}, fresh {last.fresh})"
        else:
            result = f"ok (built {last.built}, fresh {last.fresh})"
        out.append(Status(schedule, started, result, next_fire(schedule.cron, zone, now)))
    return out


def due(manifest: Manifest, state: State, now: dt.datetime) -> list[Schedule]:
    """Schedules that fired since they were last checked; a first sighting only records."""
    zone = zone_of(manifest)
    found = []
    for schedule in manifest.schedules:
        since = _checked(state, schedule.name)
        if since is None:
            state.set_marker(TRIGGER_PREFIX + schedule.name, now.timestamp())
        elif is_due(schedule.cron, zone, since, now):
            found.append(schedule)
    return found


RunBatch = Callable[[Path, Schedule], bool]
"""Runs a schedule's jobs; False when the output folder was busy (try again later)."""


def default_run_batch(should_stop: Callable[[], bool], options: Options | None = None) -> RunBatch:
    """Runs a schedule's jobs as ``reportgen batch --only ...`` would, with ``options``
    (``--strict``, ``--stale-after`` ...), logging every failure and warning."""
    chosen = options or Options()

    def run(manifest_path: Path, schedule: Schedule) -> bool:
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
            try:
                _record_failure(manifest_path, schedule, str(exc))
            except ReportgenError as error:
                log.error("schedule %s: not recorded: %s", schedule.name, error)
            return True
        if should_stop():
            log.info("schedule %s: interrupted; finished outputs are kept", schedule.name)
            return False
        for job, message in result.problems:
            log.error("schedule %s: job %s: %s", schedule.name, job, message)
        for item in result.results:
            if item.status == "failed":
                for line in item.error.splitlines() or ["failed"]:
                    log.error("schedule %s: %s: %s", schedule.name, item.output.path.name, line)
        for warning in result.warnings:
            log.warning("schedule %s: %s", schedule.name, warning)
        log.info("schedule %s: %s", schedule.name, result.summary())
        return True

    return run


def output_state(manifest_path: Path, manifest: Manifest | None = None) -> Any:
    """The build state of a manifest's output folder (a context manager)."""
    manifest = manifest or load_manifest(manifest_path)
    return State.opened(manifest_path.parent / manifest.output)


def _record_failure(manifest_path: Path, schedule: Schedule, message: str) -> None:
    with output_state(manifest_path) as state:
        failure = {"target": "", "job": ",".join(schedule.jobs), "error": message}
        state.record_run(TRIGGER_PREFIX + schedule.name, time.time(), 0.0, (0, 0, 1), [failure])


def run_due(
    manifest_path: Path,
    now: dt.datetime,
    run_batch: RunBatch,
    manifest: Manifest | None = None,
) -> list[str]:
    """Run, once each, the schedules due at ``now``; returns the names that ran.

    ``manifest`` is the manifest already read (the scheduler keeps the last good one
    when the file is being edited); by default it is read from ``manifest_path``.
    """
    manifest = manifest or load_manifest(manifest_path)
    with output_state(manifest_path, manifest) as state:
        pending = due(manifest, state, now)
    ran = []
    for schedule in pending:
        if run_batch(manifest_path, schedule):
            with output_state(manifest_path, manifest) as state:
                state.set_marker(TRIGGER_PREFIX + schedule.name, now.timestamp())
            ran.append(schedule.name)
    return ran


class Scheduler:
    """The foreground runner of ``reportgen schedule run``."""

    def __init__(
        self,
        manifest_path: Path,
        clock: Clock | None = None,
        run_batch: RunBatch | None = None,
        options: Options | None = None,
    ) -> None:
        self.manifest_path = manifest_path
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

    def run_batch(self, manifest_path: Path, schedule: Schedule) -> bool:
        ran = self._run_batch(manifest_path, schedule)
        self.waiting = self.waiting or not ran
        return ran

    def step(self) -> list[str]:
        """One round: reload the manifest if it changed, run what is due."""
        self._maybe_reload()
        self.waiting = False
        return run_due(self.manifest_path, self.clock.now(), self.run_batch, self.manifest)

    def seconds_to_next(self) -> float:
        if self.waiting:
            return RETRY_SECONDS
        now = self.clock.now()
        if not self.manifest.schedules:
            return MAX_SLEEP
        zone = zone_of(self.manifest)
        upcoming = min(next_fire(s.cron, zone, now) for s in self.manifest.schedules)
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
