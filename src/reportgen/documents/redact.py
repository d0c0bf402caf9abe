"""The public edition: what an internal reader may see and a public one may not, removed
from the profiles before any document is built.

Items marked ``audience: internal`` leave every list they are in, and a part marked so
(a visit's logistics) is cleared; fields marked internal
in the models (``INTERNAL``: contacts' phone numbers and e-mail addresses, a visit's
sensitivities, dietary needs) are cleared. Builders never filter by audience
themselves, so a new internal field cannot reach a public page because one of them
forgot it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel

from reportgen import placeholders, tracking
from reportgen.errors import Loc
from reportgen.models.types import INTERNAL

M = TypeVar("M", bound=BaseModel)


def redact(model: M) -> M:
    """``model`` as the public may see it (the same object when nothing is withheld).

    What redaction reads is not what a document printed: it is not recorded.
    """
    with tracking.paused():
        return _redact(model)


def _redact(model: M) -> M:
    updates: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("x-audience") == INTERNAL["x-audience"]:
            cleared = info.get_default(call_default_factory=True)
            if value != cleared:
                updates[name] = cleared
            continue
        if _internal(value):
            updates[name] = info.get_default(call_default_factory=True)
            continue
        public = _public(value)
        if public is not value:
            updates[name] = public
    if getattr(model, "funders", None) == "internal":  # a budget: who pays what is withheld
        lines = updates.get("lines", getattr(model, "lines", []))
        updates["lines"] = [line.model_copy(update={"funded_by": None}) for line in lines]
    return model.model_copy(update=updates) if updates else model


def _public(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _redact(value)
    if isinstance(value, list):
        kept = [_public(item) for item in value if not _internal(item)]
        if len(kept) == len(value) and all(a is b for a, b in zip(kept, value, strict=True)):
            return value
        return kept
    return value


def _internal(item: Any) -> bool:
    return isinstance(item, BaseModel) and getattr(item, "audience", None) == "internal"


def unpublishable(model: BaseModel, data: Any, fields: Iterable[str]) -> Iterator[tuple[Loc, str]]:
    """What in the top-level ``fields`` of a profile (``model``, read from ``data``) a
    public edition would print that is not fit to publish: a placeholder of the starters
    (``TODO``, 123456, ``ZZ``, ``XXX``) or a text that says it is not settled ("to be
    confirmed"), each with where it is in the file. What the public edition leaves out
    (internal items and fields) is not looked at."""
    if not isinstance(data, dict):
        return
    with tracking.paused():
        for name in fields:
            if name in data:
                for loc, message in placeholders.findings(data[name], (name,), unsettled=True):
                    if _printed(model, loc):
                        yield loc, message


def _printed(model: BaseModel, loc: Loc) -> bool:
    """Whether the value at ``loc`` (a path in the file) reaches a public edition."""
    node: Any = model
    for part in loc:
        if isinstance(node, BaseModel):
            if _internal(node):
                return False
            info = type(node).model_fields.get(str(part))
            if info is None:
                return True  # a part written as its text alone, or free-form `extra`
            extra = info.json_schema_extra
            if isinstance(extra, dict) and extra.get("x-audience") == INTERNAL["x-audience"]:
                return False
            node = getattr(node, str(part))
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(node, list) and isinstance(part, str) and len(node) == 1:
            node = node[0]  # a single mapping written where a list is accepted
            if not _printed(node, (part,)):
                return False
            node = getattr(node, part, None)
        else:
            return True
    return not _internal(node)
