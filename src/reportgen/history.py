"""The run history and the schedules' bookkeeping of an output folder, in their own file.

``.reportgen-history.sqlite`` sits beside the build state but apart from it, so that
resetting the build state (deleting it, or its being set aside when damaged) costs a
full rebuild and nothing else. It holds:

- ``runs``: one row per batch or scheduled run, written when the run starts (result
  ``running``) and completed when it ends; a row still ``running`` when the next run
  takes the folder's lock belonged to a run that was killed, and becomes ``interrupted``;
- ``markers``: when each schedule was last checked (what is due is counted from there);
- ``failing``: for each schedule whose last run failed, since when, how many attempts,
  the outputs that failed and when the next retry is due.

A damaged history is set aside (renamed, not deleted) and started afresh, with a log line;
one that is busy, read-only or on a full disk is reported (``reportgen.store``).
A run that the history cannot take (its disk is full) is kept in a marker file instead
(``keep_unrecorded``), where ``status`` finds it, and copied in by the next run that is
recorded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.store import Store

log = logging.getLogger("reportgen")

HISTORY_NAME = ".reportgen-history.sqlite"
UNRECORDED_NAME = ".reportgen-unrecorded.json"
"""A run the history could not take: in the output folder, else in reportgen's cache."""
LEGACY_STATE = ".reportgen-state.sqlite"
"""Older versions kept runs and markers in the build state; they are copied once."""

RUNNING, OK, FAILED, INTERRUPTED = "running", "ok", "failed", "interrupted"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trigger TEXT NOT NULL,
    started REAL NOT NULL,
    seconds REAL NOT NULL DEFAULT 0,
    built INTEGER NOT NULL DEFAULT 0,
    fresh INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    failures TEXT NOT NULL DEFAULT '[]',
    result TEXT NOT NULL DEFAULT 'ok',
    warnings INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS markers (name TEXT PRIMARY KEY, value REAL NOT NULL);
CREATE TABLE IF NOT EXISTS failing (
    schedule TEXT PRIMARY KEY,
    since REAL NOT NULL,
    attempts INTEGER NOT NULL,
    last_attempt REAL NOT NULL,
    retry_at REAL NOT NULL,
    targets TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class RunRecord:
    id: int
    trigger: str
    started: float
    seconds: float
    built: int
    fresh: int
    failed: int
    failures: tuple[dict[str, Any], ...]
    result: str = OK
    """running, ok, failed or interrupted."""
    warnings: int = 0


@dataclass(frozen=True)
class Failing:
    """A schedule whose last run failed: retried until a run succeeds."""

    schedule: str
    since: float
    attempts: int
    last_attempt: float
    retry_at: float
    targets: tuple[str, ...]

    @property
    def retry_time(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.retry_at, dt.UTC)


class History(Store):
    """The history store of one output folder; open with ``History.opened(folder)``."""

    file_name = HISTORY_NAME
    title = "history"
    schema = _SCHEMA

    def _created(self, folder: Path) -> None:
        self._copy_legacy(folder / LEGACY_STATE)

    def _copy_legacy(self, state: Path) -> None:
        """Runs and markers of a build state from before the history had its own file."""
        if not state.is_file() or state.is_symlink():
            return
        try:
            self.db.execute("ATTACH DATABASE ? AS legacy", (str(state),))
        except sqlite3.DatabaseError:
            return
        try:
            with self.db:
                tables = {
                    row[0] for row in self.db.execute("SELECT name FROM legacy.sqlite_master")
                }
                if "runs" in tables:
                    self.db.execute(
                        "INSERT INTO runs (trigger, started, seconds, built, fresh, failed,"
                        " failures, result) SELECT trigger, started, seconds, built, fresh,"
                        " failed, failures, CASE WHEN failed > 0 THEN 'failed' ELSE 'ok' END"
                        " FROM legacy.runs ORDER BY id"
                    )
                if "markers" in tables:
                    self.db.execute("INSERT OR REPLACE INTO markers SELECT * FROM legacy.markers")
        except sqlite3.DatabaseError as exc:
            log.info("history: the runs of %s could not be copied (%s)", state.name, exc)
        finally:
            self.db.execute("DETACH DATABASE legacy")

    # --- runs ----------------------------------------------------------------------------------

    def start_run(self, trigger: str, started: float) -> int:
        """Record a run as running; rows a killed run left running become interrupted."""
        with self._write() as db:
            db.execute("UPDATE runs SET result = ? WHERE result = ?", (INTERRUPTED, RUNNING))
            cursor = db.execute(
                "INSERT INTO runs (trigger, started, result) VALUES (?, ?, ?)",
                (trigger, started, RUNNING),
            )
            return int(cursor.lastrowid or 0)
        return 0  # the store was damaged and replaced: the run goes unrecorded

    def finish_run(
        self,
        run: int,
        seconds: float,
        counts: tuple[int, int, int],
        failures: Sequence[dict[str, Any]],
        *,
        result: str | None = None,
        warnings: int = 0,
    ) -> None:
        """Complete a started run: its counts, failures and result (by default ok or failed)."""
        outcome = result or (FAILED if counts[2] else OK)
        with self._write() as db:
            db.execute(
                "UPDATE runs SET seconds = ?, built = ?, fresh = ?, failed = ?, failures = ?,"
                " result = ?, warnings = ? WHERE id = ?",
                (seconds, *counts, json.dumps(list(failures)), outcome, warnings, run),
            )

    def record_run(
        self,
        trigger: str,
        started: float,
        seconds: float,
        counts: tuple[int, int, int],
        failures: Sequence[dict[str, Any]],
        *,
        result: str | None = None,
    ) -> None:
        """Record a whole run at once (one that could not start, for instance)."""
        run = self.start_run(trigger, started)
        self.finish_run(run, seconds, counts, failures, result=result)

    def runs(self, limit: int = 20, trigger: str | None = None) -> list[RunRecord]:
        """The newest runs first (of one trigger, when given)."""
        query = (
            "SELECT id, trigger, started, seconds, built, fresh, failed, failures, result,"
            " warnings FROM runs"
        )
        args: tuple[Any, ...] = ()
        if trigger is not None:
            query += " WHERE trigger = ?"
            args = (trigger,)
        rows: list[Any] = []
        with self._guard():
            rows = self.db.execute(query + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [
            RunRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], _failures(r[7]), r[8], r[9])
            for r in rows
        ]

    # --- markers: when each schedule was last checked ----------------------------------------

    def marker(self, name: str) -> float | None:
        row = None
        with self._guard():
            row = self.db.execute("SELECT value FROM markers WHERE name = ?", (name,)).fetchone()
        try:
            return float(row[0]) if row else None
        except (TypeError, ValueError):  # a damaged value: the schedule starts afresh
            return None

    def set_marker(self, name: str, value: float) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO markers VALUES (?, ?)", (name, value))

    # --- failing schedules ---------------------------------------------------------------------

    def failing(self, schedule: str) -> Failing | None:
        row = None
        with self._guard():
            row = self.db.execute(
                "SELECT schedule, since, attempts, last_attempt, retry_at, targets FROM failing"
                " WHERE schedule = ?",
                (schedule,),
            ).fetchone()
        if row is None:
            return None
        try:
            targets = tuple(str(t) for t in json.loads(row[5]))
            return Failing(
                row[0], float(row[1]), int(row[2]), float(row[3]), float(row[4]), targets
            )
        except (TypeError, ValueError):
            return None

    def set_failing(self, failing: Failing) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO failing VALUES (?, ?, ?, ?, ?, ?)",
                (
                    failing.schedule,
                    failing.since,
                    failing.attempts,
                    failing.last_attempt,
                    failing.retry_at,
                    json.dumps(list(failing.targets)),
                ),
            )

    def clear_failing(self, schedule: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM failing WHERE schedule = ?", (schedule,))


@dataclass(frozen=True)
class Unrecorded:
    """A run the history could not take, as its marker file keeps it."""

    run: RunRecord
    reason: str
    """Why it is not in the history: ``cannot write ...: the disk is full ...``."""
    marker: Path


def _markers(folder: Path) -> list[Path]:
    """Where a run the history of ``folder`` could not take is kept: the folder itself,
    else reportgen's cache (often on another disk), under a name of this folder."""
    from reportgen.usercache import folder as cache

    digest = hashlib.sha256(str(folder.absolute()).encode("utf-8")).hexdigest()[:16]
    return [folder / UNRECORDED_NAME, cache() / "unrecorded" / f"{digest}.json"]


def keep_unrecorded(
    folder: Path, run: RunRecord, reason: str, mode: int | None = None
) -> Path | None:
    """Keep ``run`` in a marker file, since the history could not take it; returns where
    it went (None: nowhere, the run lives only in this process's memory). On a full disk
    an empty marker may be all there is room for: it still says that a run is missing."""
    record = {
        "trigger": run.trigger,
        "started": run.started,
        "seconds": run.seconds,
        "counts": [run.built, run.fresh, run.failed],
        "failures": list(run.failures),
        "result": run.result,
        "warnings": run.warnings,
        "reason": reason,
    }
    data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    empty: list[Path] = []
    for marker in _markers(folder):
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(marker, flags, 0o644 if mode is None else mode)
        except OSError:
            continue
        try:
            os.write(fd, data)
        except OSError:
            empty.append(marker)  # full: the empty marker stays; the next place may have room
            continue
        finally:
            os.close(fd)
        for first in empty:  # the whole record is here: an empty one would say it twice
            with contextlib.suppress(OSError):
                first.unlink()
        return marker
    return empty[0] if empty else None


def unrecorded(folder: Path) -> list[Unrecorded]:
    """The runs the history of ``folder`` could not take, oldest first."""
    found = []
    for marker in _markers(folder):
        if marker.is_symlink() or not marker.is_file():
            continue
        try:
            stamp = marker.stat().st_mtime
            text = marker.read_text(encoding="utf-8")
        except OSError:
            continue
        try:
            record = json.loads(text)
            built, fresh, failed = (int(n) for n in record["counts"])
            failures = tuple(f for f in record["failures"] if isinstance(f, dict))
            run = RunRecord(
                0,
                str(record["trigger"]),
                float(record["started"]),
                float(record["seconds"]),
                built,
                fresh,
                failed,
                failures,
                str(record["result"]),
                int(record["warnings"]),
            )
            reason = str(record["reason"])
        except (ValueError, KeyError, TypeError):  # empty: written on a full disk
            run = RunRecord(0, "", stamp, 0.0, 0, 0, 0, (), FAILED)
            reason = "a run could not be recorded (the disk was full)"
        found.append(Unrecorded(run, reason, marker))
    return sorted(found, key=lambda item: item.run.started)


def forget_unrecorded(folder: Path, history: History) -> None:
    """Copy the runs kept in markers into ``history`` (it can be written again), then
    remove the markers."""
    for item in unrecorded(folder):
        run = item.run
        if run.trigger:
            counts = (run.built, run.fresh, run.failed)
            failures = [*run.failures, {"target": "", "job": "", "error": item.reason}]
            history.record_run(
                run.trigger, run.started, run.seconds, counts, failures, result=FAILED
            )
        schedule = run.trigger.removeprefix("schedule:")
        if schedule != run.trigger and history.failing(schedule) is None:
            # a scheduled run that failed unseen: retried by the next tick, and its
            # recovery told
            targets = tuple(str(f.get("target") or f.get("job") or "") for f in failures)
            now = dt.datetime.now(dt.UTC).timestamp()
            history.set_failing(Failing(schedule, run.started, 1, run.started, now, targets))
        with contextlib.suppress(OSError):
            item.marker.unlink()


def _failures(stored: Any) -> tuple[dict[str, Any], ...]:
    try:
        found = json.loads(stored)
    except (TypeError, ValueError):
        return ({"error": "(this record of the history is damaged)"},)
    if not isinstance(found, list):
        return ()
    return tuple(item for item in found if isinstance(item, dict))
