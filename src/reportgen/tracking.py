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
from pathlib import Path
from typing import Any

Used = dict[tuple[str, str], set[str]]
"""``(kind, id)`` of a profile -> names of the top-level fields read from it."""

_RECORDER: ContextVar[Used | None] = ContextVar("reportgen_fields_read", default=None)


def note(kind: str, ident: str, name: str) -> None:
    """Record that field ``name`` of profile ``(kind, ident)`` was read (when recording)."""
    used = _RECORDER.get()
    if used is not None:
        used.setdefault((kind, ident), set()).add(name)


def recording_active() -> bool:
    return _RECORDER.get() is not None


@contextmanager
def recording() -> Iterator[Used]:
    """Record the fields read inside the block; yields the record, filled as it runs."""
    used: Used = {}
    token = _RECORDER.set(used)
    try:
        yield used
    finally:
        _RECORDER.reset(token)


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
