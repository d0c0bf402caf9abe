"""The build state of an output folder, in one SQLite file inside it.

It remembers, for each output file, the fingerprint of everything that went into it
and the digest of the bytes written (so unchanged outputs are skipped, and one changed
on disk is rebuilt) and the ids of source files (so planning needs no YAML parsing).
The run history and the schedules' records live apart (``reportgen.history``), so that
resetting this store costs a rebuild and nothing else. A damaged store is set aside
and replaced by an empty one with a log line: the price is one full rebuild, never a
crash. A damaged record costs the rebuild of its target only. A store that is busy
(another process holds it), read-only or on a full disk is reported as such and kept.
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

from reportgen.errors import ReportgenError, display_link, display_path, os_reason

log = logging.getLogger("reportgen")

STATE_NAME = ".reportgen-state.sqlite"
SCHEMA_VERSION = 3
BUSY_TIMEOUT = 10.0
"""Seconds to wait while another process holds the store, before the folder counts as busy."""
DAMAGED_SUFFIX = ".damaged"
"""A damaged store is renamed with this suffix (replacing an older one), not deleted."""


class StateError(ReportgenError):
    """The build state cannot be used: busy, read-only, or its disk is full."""


class StateBusy(StateError):
    """Another process holds the build state longer than ``BUSY_TIMEOUT``."""


_TARGETS = """
CREATE TABLE IF NOT EXISTS targets (
    target TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    inputs TEXT NOT NULL,
    valid_until TEXT,
    warnings TEXT NOT NULL DEFAULT '[]',
    built REAL NOT NULL,
    digest TEXT NOT NULL DEFAULT ''
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
"""


@dataclass(frozen=True)
class TargetRecord:
    fingerprint: str
    inputs: tuple[tuple[str, tuple[str, ...] | None], ...]
    """Each input's path and the fields read from it (None: the whole file)."""
    valid_until: str | None
    warnings: tuple[str, ...] = ()
    digest: str = ""
    """The SHA-256 of the bytes written (empty: not known)."""


class State:
    """The store of one output folder; open with ``State.open(folder)``."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.db = connection
        self.mode: int | None = None
        """The permission bits of its file (the manifest's ``file_mode``), if set."""

    @classmethod
    def open(cls, folder: Path, mode: int | None = None) -> State:
        """The store of ``folder``; with ``mode`` (``file_mode``), its file gets that mode."""
        from reportgen.output import make_folder

        path = folder / STATE_NAME
        try:
            make_folder(folder, mode)
        except OSError as exc:
            raise StateError(f"cannot make {display_path(folder)}: {os_reason(exc)}") from None
        for name in (path, _journal(path)):
            if name.is_symlink():
                raise StateError(
                    f"{display_link(name)} is a symbolic link: reportgen never writes "
                    "through one; remove it and run again"
                )
        try:
            store = cls(path, _connect(path, mode))
        except sqlite3.DatabaseError as exc:
            _raise_unless_damaged(path, exc)
            _set_aside(path, exc)
            store = cls(path, _connect(path, mode))
        store.mode = mode
        return store

    def close(self) -> None:
        self.db.close()

    @classmethod
    @contextmanager
    def opened(cls, folder: Path, mode: int | None = None) -> Iterator[State]:
        """The store of ``folder``, closed when the block ends."""
        state = cls.open(folder, mode)
        try:
            yield state
        finally:
            state.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """A store damaged while in use is set aside for an empty one, with a log line;
        one that is busy, read-only or full is reported (``StateError``)."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            _raise_unless_damaged(self.path, exc)
            self.db.close()
            _set_aside(self.path, exc)
            self.db = _connect(self.path, self.mode)

    # --- targets ---------------------------------------------------------------------------

    def target(self, target: str) -> TargetRecord | None:
        row = None
        with self._guard():
            row = self.db.execute(
                "SELECT fingerprint, inputs, valid_until, warnings, digest FROM targets"
                " WHERE target = ?",
                (target,),
            ).fetchone()
        if row is None:
            return None
        try:
            inputs = tuple(
                (_text(path), None if fields is None else tuple(_text(f) for f in fields))
                for path, fields in json.loads(row[1])
            )
            warnings = tuple(_text(w) for w in json.loads(row[3]))
            fingerprint, valid_until, digest = _text(row[0]), row[2], _text(row[4])
            if valid_until is not None:
                valid_until = _text(valid_until)
        except (TypeError, ValueError):
            log.warning("build state: the record of %s is damaged; it is built again", target)
            return None
        return TargetRecord(fingerprint, inputs, valid_until, warnings, digest)

    def record_target(
        self,
        target: str,
        fingerprint: str,
        inputs: Sequence[tuple[str, Sequence[str] | None]],
        valid_until: str | None,
        warnings: Sequence[str] = (),
        digest: str = "",
    ) -> None:
        stored = [[path, list(fields) if fields is not None else None] for path, fields in inputs]
        with self._guard(), self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO targets VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    target,
                    fingerprint,
                    json.dumps(stored),
                    valid_until,
                    json.dumps(list(warnings)),
                    time.time(),
                    digest,
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
        if not row:
            return None
        try:
            return {_text(k): _text(v) for k, v in dict(json.loads(row[0])).items()}
        except (TypeError, ValueError):
            return None  # a damaged record: the file is read again

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


def _text(value: Any) -> str:
    """A stored value that must be a string; anything else is damage."""
    if not isinstance(value, str):
        raise TypeError(f"expected a string, not {type(value).__name__}")
    return value


def _journal(path: Path) -> Path:
    return path.with_name(path.name + "-journal")


_DAMAGE = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
"""SQLite's names for a file that is not (or no longer) a usable database."""


def _raise_unless_damaged(path: Path, exc: sqlite3.DatabaseError) -> None:
    """Report what is not damage (busy, read-only, full, unopenable); damage returns."""
    name = getattr(exc, "sqlite_errorname", None)
    if name is None or name.startswith(_DAMAGE):
        return  # our own schema check, or a damaged file
    where = display_path(path)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        raise StateBusy(
            f"{where} is in use by another process (waited {BUSY_TIMEOUT:g} s): the output "
            "folder is busy; try again when the other run is done"
        ) from None
    if name.startswith("SQLITE_READONLY"):
        message = "is read-only: make it and its folder writable, or choose another output folder"
        raise StateError(f"{where} {message}") from None
    if name.startswith("SQLITE_FULL"):
        raise StateError(f"cannot write {where}: the disk is full: free some space") from None
    if name.startswith("SQLITE_CANTOPEN"):
        raise StateError(
            f"cannot open {where}: it must be a file in a folder this user can write"
        ) from None
    raise StateError(f"cannot use {where}: {exc}") from None


def _set_aside(path: Path, exc: BaseException) -> None:
    """Rename a damaged store (kept for inspection), so that an empty one replaces it."""
    log.warning("build state %s is damaged (%s); starting afresh", display_path(path), exc)
    try:
        path.replace(path.with_name(path.name + DAMAGED_SUFFIX))
        _journal(path).unlink(missing_ok=True)
    except OSError as error:
        where = display_path(path)
        raise StateError(f"cannot replace the damaged {where}: {os_reason(error)}") from None


def _connect(path: Path, mode: int | None = None) -> sqlite3.Connection:
    from reportgen.output import apply_mode

    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level="DEFERRED")
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
        connection.execute("PRAGMA schema_version").fetchone()  # the file exists from here
        apply_mode(path, mode)  # its journal takes the same mode
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.executescript(_SCHEMA)
        version = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if version is not None and version[0] in ("1", "2"):
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
