"""The build state of an output folder, in one SQLite file inside it.

It remembers, for each output file, the fingerprint of everything that went into it
(so unchanged outputs are skipped), the ids of source files (so planning needs no
YAML parsing), and a history of runs. A missing or damaged store is replaced by an
empty one with a log line: the price is one full rebuild, never a crash.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("reportgen")

STATE_NAME = ".reportgen-state.sqlite"
SCHEMA_VERSION = 2

_TARGETS = """
CREATE TABLE IF NOT EXISTS targets (
    target TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    inputs TEXT NOT NULL,
    valid_until TEXT,
    warnings TEXT NOT NULL DEFAULT '[]',
    built REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    fields TEXT NOT NULL
);
"""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    kind TEXT,
    id TEXT
);
CREATE TABLE IF NOT EXISTS markers (name TEXT PRIMARY KEY, value REAL NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trigger TEXT NOT NULL,
    started REAL NOT NULL,
    seconds REAL NOT NULL,
    built INTEGER NOT NULL,
    fresh INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    failures TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class TargetRecord:
    fingerprint: str
    inputs: tuple[tuple[str, tuple[str, ...] | None], ...]
    """Each input's path and the fields read from it (None: the whole file)."""
    valid_until: str | None
    warnings: tuple[str, ...] = ()


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


class State:
    """The store of one output folder; open with ``State.open(folder)``."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.db = connection

    @classmethod
    def open(cls, folder: Path) -> State:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / STATE_NAME
        try:
            return cls(path, _connect(path))
        except sqlite3.DatabaseError as exc:
            log.warning("build state %s is damaged (%s); starting afresh", path, exc)
            for leftover in (path, path.with_name(path.name + "-journal")):
                leftover.unlink(missing_ok=True)
            return cls(path, _connect(path))

    def close(self) -> None:
        self.db.close()

    @classmethod
    @contextmanager
    def opened(cls, folder: Path) -> Iterator[State]:
        """The store of ``folder``, closed when the block ends."""
        state = cls.open(folder)
        try:
            yield state
        finally:
            state.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn a store damaged while in use into an empty one, with a log line."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            log.warning("build state %s is damaged (%s); starting afresh", self.path, exc)
            self.db.close()
            self.path.unlink(missing_ok=True)
            self.db = _connect(self.path)

    # --- targets ---------------------------------------------------------------------------

    def target(self, target: str) -> TargetRecord | None:
        row = None
        with self._guard():
            row = self.db.execute(
                "SELECT fingerprint, inputs, valid_until, warnings FROM targets WHERE target = ?",
                (target,),
            ).fetchone()
        if row is None:
            return None
        inputs = tuple(
            (str(path), tuple(fields) if fields is not None else None)
            for path, fields in json.loads(row[1])
        )
        return TargetRecord(row[0], inputs, row[2], tuple(json.loads(row[3])))

    def record_target(
        self,
        target: str,
        fingerprint: str,
        inputs: Sequence[tuple[str, Sequence[str] | None]],
        valid_until: str | None,
        warnings: Sequence[str] = (),
    ) -> None:
        stored = [[path, list(fields) if fields is not None else None] for path, fields in inputs]
        with self._guard(), self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO targets VALUES (?, ?, ?, ?, ?, ?)",
                (
                    target,
                    fingerprint,
                    json.dumps(stored),
                    valid_until,
                    json.dumps(list(warnings)),
                    time.time(),
                ),
            )

    def forget_target(self, target: str) -> None:
        with self._guard(), self.db:
            self.db.execute("DELETE FROM targets WHERE target = ?", (target,))

    # --- field digests of profile files ----------------------------------------------------

    def file_fields(self, path: str, digest: str) -> dict[str, str] | None:
        """The digests of a file's top-level fields, when its contents are unchanged."""
        row = None
        with self._guard():
            row = self.db.execute(
                "SELECT fields FROM files WHERE path = ? AND digest = ?", (path, digest)
            ).fetchone()
        return dict(json.loads(row[0])) if row else None

    def record_file_fields(self, path: str, digest: str, fields: dict[str, str]) -> None:
        with self._guard(), self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?)", (path, digest, json.dumps(fields))
            )

    # --- source ids ---------------------------------------------------------------------------

    def source(self, path: str, digest: str) -> tuple[str | None, str | None] | None:
        row = None
        with self._guard():
            row = self.db.execute(
                "SELECT kind, id FROM sources WHERE path = ? AND digest = ?", (path, digest)
            ).fetchone()
        return (row[0], row[1]) if row else None

    def record_source(self, path: str, digest: str, kind: str | None, ident: str | None) -> None:
        with self._guard(), self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)", (path, digest, kind, ident)
            )

    # --- markers (when each schedule was last checked) ------------------------------------

    def marker(self, name: str) -> float | None:
        row = None
        with self._guard():
            row = self.db.execute("SELECT value FROM markers WHERE name = ?", (name,)).fetchone()
        return float(row[0]) if row else None

    def set_marker(self, name: str, value: float) -> None:
        with self._guard(), self.db:
            self.db.execute("INSERT OR REPLACE INTO markers VALUES (?, ?)", (name, value))

    # --- history -----------------------------------------------------------------------------

    def record_run(
        self,
        trigger: str,
        started: float,
        seconds: float,
        counts: tuple[int, int, int],
        failures: Sequence[dict[str, Any]],
    ) -> None:
        with self._guard(), self.db:
            self.db.execute(
                "INSERT INTO runs (trigger, started, seconds, built, fresh, failed, failures)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (trigger, started, seconds, *counts, json.dumps(list(failures))),
            )

    def runs(self, limit: int = 20, trigger: str | None = None) -> list[RunRecord]:
        query = "SELECT * FROM runs"
        args: tuple[Any, ...] = ()
        if trigger is not None:
            query += " WHERE trigger = ?"
            args = (trigger,)
        query += " ORDER BY id DESC LIMIT ?"
        rows: list[Any] = []
        with self._guard():
            rows = self.db.execute(query, (*args, limit)).fetchall()
        return [
            RunRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], tuple(json.loads(r[7])))
            for r in rows
        ]


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30, isolation_level="DEFERRED")
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.executescript(_SCHEMA)
        version = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if version is not None and version[0] == "1":
            # what outputs were made from changed shape; the history and schedules stay
            log.info("build state %s: upgraded; every output is rebuilt once", path)
            connection.executescript("DROP TABLE IF EXISTS targets; DROP TABLE IF EXISTS files;")
            with connection:
                connection.execute("DELETE FROM meta WHERE key = 'schema'")
            version = None
        connection.executescript(_TARGETS)
        if version is None:
            with connection:
                connection.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif version[0] != str(SCHEMA_VERSION):
            raise sqlite3.DatabaseError(f"schema version {version[0]}, expected {SCHEMA_VERSION}")
    except sqlite3.DatabaseError:
        connection.close()
        raise
    return connection
