"""The build state of an output folder, in one SQLite file inside it.

It remembers, for each output file, the fingerprint of everything that went into it
and the digest of the bytes written (so unchanged outputs are skipped, and one changed
on disk is rebuilt) and the ids of source files (so planning needs no YAML parsing).
The run history and the schedules' records live apart (``reportgen.history``), so that
resetting this store costs a rebuild and nothing else. A damaged store is set aside
and replaced by an empty one with a log line: the price is one full rebuild, never a
crash. A damaged record costs the rebuild of its target only. A store that is busy
(another process holds it), read-only or on a full disk is reported as such and kept
(``reportgen.store``).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.store import Store

log = logging.getLogger("reportgen")

STATE_NAME = ".reportgen-state.sqlite"
SCHEMA_VERSION = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    kind TEXT,
    id TEXT
);
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


@dataclass(frozen=True)
class TargetRecord:
    fingerprint: str
    inputs: tuple[tuple[str, tuple[str, ...] | None], ...]
    """Each input's path and the fields read from it (None: the whole file)."""
    valid_until: str | None
    warnings: tuple[str, ...] = ()
    digest: str = ""
    """The SHA-256 of the bytes written (empty: not known)."""


class BuildState(Store):
    """The build state of one output folder; open with ``BuildState.open(folder)``."""

    file_name = STATE_NAME
    title = "build state"
    schema = _SCHEMA
    version = SCHEMA_VERSION
    synchronous = "NORMAL"

    @classmethod
    def upgrade(cls, connection: sqlite3.Connection, found: str, path: Path) -> bool:
        """Versions 1 and 2 recorded what outputs were made from in another shape: those
        records are dropped (every output is rebuilt once); the source ids stay."""
        if found not in ("1", "2"):
            return False
        log.info("build state %s: upgraded; every output is rebuilt once", path)
        connection.executescript("DROP TABLE IF EXISTS targets; DROP TABLE IF EXISTS files;")
        return True

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
        with self._write() as db:
            db.execute(
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
        with self._write() as db:
            db.execute("DELETE FROM targets WHERE target = ?", (target,))

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
        with self._write() as db:
            db.execute(
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
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)", (path, digest, kind, ident)
            )


def _text(value: Any) -> str:
    """A stored value that must be a string; anything else is damage."""
    if not isinstance(value, str):
        raise TypeError(f"expected a string, not {type(value).__name__}")
    return value
