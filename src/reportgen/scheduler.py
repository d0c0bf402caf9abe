"""The foreground runner: which schedules are due, and their batches, one at a time.

cron schedules -> what is due since the last recorded run -> batch (one at a time)

A schedule missed during downtime runs once, not once per missed time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import signal
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from reportgen.errors import ReportgenError, display_path
from reportgen.history import FAILED, History, RunRecord
from reportgen.manifest_checks import load_manifest
from reportgen.models.manifest import Manifest, Schedule
from reportgen.schedule.cron import next_fire, zone_of
from reportgen.schedule.retry import (
    TRIGGER_PREFIX,
    due,
    failing_schedules,
    settle,
    unsettled_summary,
)
from reportgen.schedule.summary import send
from reportgen.store import StoreBusy, StoreError
from reportgen.workspace import Options

if TYPE_CHECKING:
    from reportgen.batching import BatchResult

log = logging.getLogger("reportgen")

MAX_SLEEP = 60.0
"""Longest single wait, so clock jumps and manifest edits are noticed within a minute."""
RETRY_SECONDS = 10.0
"""Wait before trying again a due schedule whose output folder was busy."""
WARNINGS_EVERY = 86400.0
"""Seconds between two logs of the warnings of outputs that were fresh (not built)."""
WARNED_PREFIX = "warned:"
"""The history's marker of when a schedule last logged the warnings of its fresh outputs."""


class WallClock(Protocol):
    """Where the scheduler gets the time and waits; tests pass a controllable one."""

    def now(self) -> dt.datetime: ...

    def sleep(self, seconds: float, stop: threading.Event) -> None: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        stop.wait(max(0.0, seconds))


RunBatch = Callable[[Path, Schedule], "bool | RunRecord"]
"""Runs a schedule's jobs; False when the output folder was busy (try again later), True
when it ran, or the run itself when the history could not take it (a full disk)."""


def default_run_batch(
    should_stop: Callable[[], bool], options: Options | None = None, jobs: int = 0
) -> RunBatch:
    """Runs a schedule's jobs as ``reportgen batch --only ...`` would, with ``options``
    (``--strict``, ``--stale-after`` ...) on ``jobs`` worker processes (0: one per CPU),
    logging every failure and warning."""
    chosen = options or Options()

    def run(manifest_path: Path, schedule: Schedule) -> bool | RunRecord:
        from reportgen import batching as batches
        from reportgen.context import BuildContext

        settings = batches.Settings(
            jobs=jobs, only=tuple(schedule.jobs), trigger=TRIGGER_PREFIX + schedule.name
        )
        try:
            context = BuildContext.resolve(
                manifest=manifest_path, options=chosen, require_manifest=True
            )
            result = batches.run(context, settings=settings, should_stop=should_stop)
        except (batches.OutputBusy, StoreBusy) as exc:
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
        if result.unnumbered:  # the outputs are built, one part left undone (Word's page numbers)
            log.warning("schedule %s: %s", schedule.name, result.unnumbered)
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


def _warnings_to_log(manifest_path: Path, schedule: Schedule, result: BatchResult) -> list[str]:
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


def output_history(
    manifest_path: Path, manifest: Manifest | None = None
) -> AbstractContextManager[History]:
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
                summary = settle(manifest_path, manifest, history, schedule, run, now)
        except StoreError as exc:  # the history cannot be written (a full disk)
            summary = unsettled_summary(manifest_path, manifest, schedule, kept, now, str(exc))
        ran.append(schedule.name)
        if summary is None:
            continue
        if reported is not None:
            reported(summary)
        send(manifest_path, manifest, summary)
    return ran


class Scheduler:
    """The foreground runner of ``reportgen schedule run``."""

    def __init__(
        self,
        manifest_path: Path,
        clock: WallClock | None = None,
        run_batch: RunBatch | None = None,
        options: Options | None = None,
        reported: Reported | None = None,
        jobs: int = 0,
    ) -> None:
        """``jobs``: the worker processes of each run (0: one per CPU)."""
        self.manifest_path = manifest_path
        self.reported = reported
        self.clock = clock or SystemClock()
        self.stop_event = threading.Event()
        self._run_batch = run_batch or default_run_batch(self.stop_event.is_set, options, jobs)
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
