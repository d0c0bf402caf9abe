"""The public edition: what an internal reader may see and a public one may not, removed
from the profiles before any document is built.

Items marked ``audience: internal`` leave every list they are in; fields marked internal
in the models (``INTERNAL``: contacts' phone numbers and e-mail addresses, a visit's
sensitivities, dietary needs) are cleared. Builders never filter by audience
themselves, so a new internal field cannot reach a public page because one of them
forgot it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from reportgen import tracking
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
        public = _public(value)
        if public is not value:
            updates[name] = public
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
