"""What was known on a day: a profile without what it dates after that day.

A document about the past (a visit's briefing, or any document built ``--as-of DATE``)
prints what was known on its day: figures, designations, initiatives, partnerships,
networks and events dated after it are left out, office holders are those in office
then, and follow-up actions done later are still open. Like the public edition
(``documents.redact``), this is done to the profiles before any builder reads them,
so no builder can print the future because it forgot to look at a date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from pydantic import BaseModel

from reportgen import tracking
from reportgen.models import CityProfile, Profile, Visit
from reportgen.models.city import (
    Designation,
    Initiative,
    Network,
    Official,
    Partnership,
    TimelineEvent,
)
from reportgen.models.common import Fact
from reportgen.models.proposal import Signatory
from reportgen.models.types import PartialDate
from reportgen.models.visit import FollowUp

M = TypeVar("M", bound=BaseModel)


def document_day(profile: Profile, asked: dt.date | None) -> dt.date | None:
    """The day a document made from ``profile`` is written as of: the day asked
    (``--as-of``), and a visit's briefing no later than the visit's end; None: today,
    with everything the profiles hold."""
    days = [asked] if asked is not None else []
    if isinstance(profile, Visit):
        days.append(profile.dates.end.last)
    return min(days, default=None)


def known_on(model: M, day: dt.date) -> M:
    """``model`` as it was known on ``day`` (the same object when nothing changes).

    What this reads is not what a document printed: it is not recorded.
    """
    with tracking.paused():
        return _known(model, day)


def _after(date: PartialDate | None, day: dt.date) -> bool:
    """Whether all of ``date`` lies after ``day`` (2024 is not after 2024-05-02)."""
    return date is not None and date.first > day


def _known(model: M, day: dt.date) -> M:
    updates: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, list):
            kept = [_item(item, day) for item in value]
            kept = [item for item in kept if item is not None]
            if len(kept) != len(value) or any(a is not b for a, b in zip(kept, value, strict=True)):
                updates[name] = kept
        elif isinstance(value, BaseModel):
            item = _item(value, day)
            if item is not value:
                updates[name] = item
    if isinstance(model, CityProfile):
        officials = _officials(model, day)
        if officials != model.officials:
            updates["officials"] = officials
    return model.model_copy(update=updates) if updates else model


def _item(item: Any, day: dt.date) -> Any:
    """A list item or a nested model as known on ``day``; None when it was not yet known."""
    if not isinstance(item, BaseModel) or isinstance(item, Official):
        return item  # officials are judged with their predecessors (``_officials``)
    if isinstance(item, Fact) and _after(item.as_of, day):
        return None
    if isinstance(item, Designation) and _after(item.year, day):
        return None
    if isinstance(item, Partnership) and _after(item.established, day):
        return None
    if isinstance(item, (Network, Initiative)) and _after(item.since, day):
        return None
    if isinstance(item, TimelineEvent) and _after(item.date, day):
        return None
    if isinstance(item, Initiative) and _after(item.until, day):
        item = item.model_copy(update={"until": None})
    if isinstance(item, FollowUp) and _after(item.done_on, day):
        item = item.model_copy(update={"status": "open", "done_on": None})
    if isinstance(item, Signatory) and _after(item.date, day):
        item = item.model_copy(update={"date": None})
    return _known(item, day)


def _officials(city: CityProfile, day: dt.date) -> list[Official]:
    """Office holders as they were on ``day``: those not yet in office are left out, one
    who left later is still in office, as of that day."""
    kept = []
    for official in city.officials:
        if not city.in_office_by(official, day):
            continue
        changes: dict[str, Any] = {}
        if _after(official.until, day):
            changes["until"] = None
        if _after(official.as_of, day):
            changes["as_of"] = PartialDate.parse(day)
        kept.append(official.model_copy(update=changes) if changes else official)
    return kept


__all__ = ["document_day", "known_on"]
