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

import re
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel

from reportgen import placeholders, tracking
from reportgen.errors import Loc
from reportgen.models.types import INTERNAL, Text

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


_UNSETTLED = re.compile(
    r"(?<!\w)(to be (?:confirmed|determined|decided|announced|completed|added)|TBC|TBD|TBA)(?!\w)"
    r"|未定|調整中|確認中|待定|待确认",
    re.IGNORECASE,
)
"""Words that say a text is not final yet ("to be confirmed", "TBC", 未定, 待定)."""


def unpublishable(model: BaseModel, fields: Iterable[str]) -> Iterator[tuple[Loc, str]]:
    """What in the top-level ``fields`` of ``model`` would reach a public edition that is
    not fit to publish: a placeholder of the starters (``TODO``, 123456, ``ZZ``, ``XXX``)
    or a text that says it is not settled ("to be confirmed"), each with where it is.
    Parts that the public edition leaves out are not looked at."""
    with tracking.paused():
        shown = redact_fields(model)
        for name in fields:
            if name in shown:
                yield from _unpublishable(getattr(model, name), (name,))


def redact_fields(model: BaseModel) -> set[str]:
    """The top-level fields of ``model`` that a public edition may print at all."""
    names = set()
    for name, info in type(model).model_fields.items():
        extra = info.json_schema_extra
        if not (isinstance(extra, dict) and extra.get("x-audience") == INTERNAL["x-audience"]):
            names.add(name)
    return names


def _unpublishable(value: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(value, BaseModel):
        if _internal(value):
            return
        for name, info in type(value).model_fields.items():
            extra = info.json_schema_extra
            if isinstance(extra, dict) and extra.get("x-audience") == INTERNAL["x-audience"]:
                continue
            field = getattr(value, name)
            if name == "country" and field == placeholders.COUNTRY:
                yield (*loc, name), f"{field} (unknown country) is a placeholder"
            elif name == "currency" and field == placeholders.CURRENCY:
                yield (*loc, name), f"{field} (no currency) is a placeholder"
            else:
                yield from _unpublishable(field, (*loc, name))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _unpublishable(item, (*loc, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unpublishable(item, (*loc, key))
    elif isinstance(value, Text):
        texts = [value.default] if value.default is not None else []
        texts += [text for _, text in value.translations]
        for text in texts:
            yield from _unpublishable(text, loc)
    elif isinstance(value, str):
        shown = " ".join(value.split())
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        if placeholders.is_placeholder_text(value):
            yield loc, f'"{shown}" is a placeholder'
        else:
            found = _UNSETTLED.search(value)
            if found:
                yield loc, f'"{shown}" is not final ("{found.group()}")'
    elif isinstance(value, int) and not isinstance(value, bool) and value == placeholders.NUMBER:
        yield loc, f"{value} is the starter's placeholder number"
