"""The SQLite plumbing shared by the files reportgen keeps in an output folder.

``Store`` owns one database file: it makes the folder, refuses a symbolic link, opens the
file with a busy timeout, creates its tables and upgrades an older schema, runs each write
as one transaction, and turns SQLite's errors into one-line ``StoreError``\\ s. A damaged
file (not a database, or of a schema it cannot upgrade) is set aside, renamed with
``DAMAGED_SUFFIX`` for inspection, and replaced by an empty one with a log line; a file
that is busy (another process holds it), read-only or on a full disk is reported as such
and kept. ``reportgen.state`` (the build state) and ``reportgen.history`` (the runs and the
schedules' records) are stores.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar, Self

from reportgen.errors import ReportgenError, display_link, display_path, os_reason

log = logging.getLogger("reportgen")

BUSY_TIMEOUT = 10.0
"""Seconds to wait while another process holds a store, before the folder counts as busy."""
DAMAGED_SUFFIX = ".damaged"
"""A damaged store is renamed with this suffix (replacing an older one), not deleted."""

_META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"

_DAMAGE = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
"""SQLite's names for a file that is not (or no longer) a usable database."""


class StoreError(ReportgenError):
    """A store cannot be used: busy, read-only, or its disk is full."""


class StoreBusy(StoreError):
    """Another process holds a store longer than ``BUSY_TIMEOUT``."""


class Store:
    """One SQLite file in an output folder; open with ``open(folder)`` or ``opened(folder)``.

    A subclass names its file (``file_name``), what it is in log lines (``title``), its
    tables (``schema``) and, to have its schema checked, a ``version`` (kept in a ``meta``
    table) with ``upgrade`` for older ones.
    """

    file_name: ClassVar[str]
    title: ClassVar[str]
    """What the store is called in log lines: ``build state``."""
    schema: ClassVar[str]
    """Its tables (``CREATE TABLE IF NOT EXISTS``), made when missing."""
    version: ClassVar[int | None] = None
    """The schema version kept in the file (None: not kept, not checked)."""
    synchronous: ClassVar[str] = "FULL"
    """SQLite's ``synchronous`` setting: NORMAL where a lost write costs only a rebuild."""

    def __init__(self, path: Path, connection: sqlite3.Connection, mode: int | None) -> None:
        self.path = path
        self.db = connection
        self.mode = mode
        """The permission bits of its file (the manifest's ``file_mode``), if set."""

    @classmethod
    def open(cls, folder: Path, mode: int | None = None) -> Self:
        """The store of ``folder``; with ``mode`` (``file_mode``), its file gets that mode."""
        from reportgen.output import make_folder

        path = folder / cls.file_name
        try:
            make_folder(folder, mode)
        except OSError as exc:
            raise StoreError(f"cannot make {display_path(folder)}: {os_reason(exc)}") from None
        for name in (path, _journal(path)):
            if name.is_symlink():
                raise StoreError(
                    f"{display_link(name)} is a symbolic link: reportgen never writes "
                    "through one; remove it and run again"
                )
        fresh = not path.exists()
        try:
            connection = cls._connect(path, mode)
        except sqlite3.DatabaseError as exc:
            _raise_unless_damaged(path, exc)
            cls._set_aside(path, exc)
            connection, fresh = cls._connect(path, mode), False
        store = cls(path, connection, mode)
        if fresh:
            store._created(folder)
        return store

    @classmethod
    @contextmanager
    def opened(cls, folder: Path, mode: int | None = None) -> Iterator[Self]:
        """The store of ``folder``, closed when the block ends."""
        store = cls.open(folder, mode)
        try:
            yield store
        finally:
            store.close()

    def close(self) -> None:
        self.db.close()

    def _created(self, folder: Path) -> None:
        """Called once when the store's file did not exist before (its tables are made)."""

    @classmethod
    def upgrade(cls, connection: sqlite3.Connection, found: str, path: Path) -> bool:
        """Bring the file ``path`` of schema version ``found`` to ``version`` before the tables are
        made; False (the default): it cannot be, and the file counts as damaged."""
        return False

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """A store damaged while in use is set aside for an empty one, with a log line;
        one that is busy, read-only or full is reported (``StoreError``)."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            _raise_unless_damaged(self.path, exc)
            self.db.close()
            self._set_aside(self.path, exc)
            self.db = self._connect(self.path, self.mode)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._guard(), self.db:
            yield self.db

    @classmethod
    def _set_aside(cls, path: Path, exc: BaseException) -> None:
        """Rename a damaged store (kept for inspection), so that an empty one replaces it."""
        log.warning("%s %s is damaged (%s); starting afresh", cls.title, display_path(path), exc)
        try:
            path.replace(path.with_name(path.name + DAMAGED_SUFFIX))
            _journal(path).unlink(missing_ok=True)
        except OSError as error:
            where = display_path(path)
            raise StoreError(f"cannot replace the damaged {where}: {os_reason(error)}") from None

    @classmethod
    def _connect(cls, path: Path, mode: int | None) -> sqlite3.Connection:
        from reportgen.output import apply_mode

        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level="DEFERRED")
        try:
            connection.execute("PRAGMA journal_mode = DELETE")
            connection.execute("PRAGMA schema_version").fetchone()  # the file exists from here
            apply_mode(path, mode)  # its journal takes the same mode
            connection.execute(f"PRAGMA synchronous = {cls.synchronous}")
            if cls.version is None:
                connection.executescript(cls.schema)
            else:
                cls._make_versioned(connection, cls.version, path)
        except sqlite3.DatabaseError:
            connection.close()
            raise
        return connection

    @classmethod
    def _make_versioned(cls, connection: sqlite3.Connection, version: int, path: Path) -> None:
        """Check (or upgrade) the schema version kept in ``meta``, then make the tables."""
        connection.executescript(_META)
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        found = None if row is None else str(row[0])
        if found is not None and found != str(version):
            if not cls.upgrade(connection, found, path):
                raise sqlite3.DatabaseError(f"schema version {found}, expected {version}")
            with connection:
                connection.execute("DELETE FROM meta WHERE key = 'schema'")
            found = None
        connection.executescript(cls.schema)
        if found is None:
            with connection:
                connection.execute("INSERT INTO meta VALUES ('schema', ?)", (str(version),))


def _journal(path: Path) -> Path:
    return path.with_name(path.name + "-journal")


def _raise_unless_damaged(path: Path, exc: sqlite3.DatabaseError) -> None:
    """Report what is not damage (busy, read-only, full, unopenable); damage returns."""
    name = getattr(exc, "sqlite_errorname", None)
    if name is None or name.startswith(_DAMAGE):
        return  # our own schema check, or a damaged file
    where = display_path(path)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        raise StoreBusy(
            f"{where} is in use by another process (waited {BUSY_TIMEOUT:g} s): the output "
            "folder is busy; try again when the other run is done"
        ) from None
    if name.startswith("SQLITE_READONLY"):
        message = "is read-only: make it and its folder writable, or choose another output folder"
        raise StoreError(f"{where} {message}") from None
    if name.startswith("SQLITE_FULL"):
        raise StoreError(f"cannot write {where}: the disk is full: free some space") from None
    if name.startswith("SQLITE_CANTOPEN"):
        raise StoreError(
            f"cannot open {where}: it must be a file in a folder this user can write"
        ) from None
    raise StoreError(f"cannot use {where}: {exc}") from None
