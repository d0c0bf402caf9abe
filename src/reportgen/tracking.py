"""Which fields of which profiles a document printed: the basis of precise rebuilds.

While a document is being built, every top-level field read from a profile is recorded
(``profile.population`` records ``("city", "dalian", "population")``). Nested values
are only reachable through their top-level field, so that level is exact. A batch then
rebuilds a document only when a field it read has changed: a new population figure
rebuilds the documents that print it, not a proposal that prints the city's name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Used = dict[tuple[str, str], set[str]]
"""``(kind, id)`` of a profile -> names of the top-level fields read from it."""


@dataclass
class Reads:
    """What a document read: the fields it printed from, and those it only consulted.

    A consulted field decided what to print without being printed (the dates of every
    visit, searched for the previous one): it counts for freshness, but its profile is
    not one the document draws on, and its problems are not the document's.
    """

    printed: Used = field(default_factory=dict)
    consulted: Used = field(default_factory=dict)

    def all(self) -> Used:
        """Every field read, printed or consulted."""
        merged: Used = {key: set(names) for key, names in self.printed.items()}
        for key, names in self.consulted.items():
            merged.setdefault(key, set()).update(names)
        return merged


_RECORDER: ContextVar[Reads | None] = ContextVar("reportgen_fields_read", default=None)
_CONSULTING: ContextVar[bool] = ContextVar("reportgen_consulting", default=False)


def note(kind: str, ident: str, name: str) -> None:
    """Record that field ``name`` of profile ``(kind, ident)`` was read (when recording)."""
    reads = _RECORDER.get()
    if reads is not None:
        used = reads.consulted if _CONSULTING.get() else reads.printed
        used.setdefault((kind, ident), set()).add(name)


def recording_active() -> bool:
    return _RECORDER.get() is not None


@contextmanager
def recording() -> Iterator[Reads]:
    """Record the fields read inside the block; yields the record, filled as it runs."""
    reads = Reads()
    token = _RECORDER.set(reads)
    try:
        yield reads
    finally:
        _RECORDER.reset(token)


@contextmanager
def consulting() -> Iterator[None]:
    """Record what the block reads as consulted, not printed (a search among profiles)."""
    token = _CONSULTING.set(True)
    try:
        yield
    finally:
        _CONSULTING.reset(token)


@contextmanager
def paused() -> Iterator[None]:
    """Read without recording (checks that look at every field, not what is printed)."""
    token = _RECORDER.set(None)
    try:
        yield
    finally:
        _RECORDER.reset(token)


def field_digests(data: Any) -> dict[str, str]:
    """A digest of each top-level value of a loaded profile (its YAML mapping)."""
    if not isinstance(data, Mapping):
        return {}
    return {str(key): value_digest(value) for key, value in data.items()}


def value_digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes; empty when it cannot be read (it then never matches)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


ABSENT = value_digest(None)
"""The digest of a field the file does not have."""
