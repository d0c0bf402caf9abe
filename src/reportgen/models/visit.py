"""The delegation visit (``kind: visit``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from reportgen.audience import Audience
from reportgen.errors import Loc
from reportgen.models.common import Sourced
from reportgen.models.types import (
    INTERNAL,
    FullDate,
    Id,
    Lang,
    LocalTime,
    Model,
    PartialDate,
    Text,
    TimeZoneName,
)


class VisitDates(Model):
    """First and last day of the visit."""

    start: FullDate
    """First day."""
    end: FullDate
    """Last day."""


class Person(Model):
    """A member of the delegation or of the hosts."""

    name: Text | None = None
    """Name, in English and in the person's own script; may be left out with `official`."""
    official: str | None = Field(default=None, min_length=1, max_length=60)
    """The role of an office holder in the profile of the person's city (`head` for the
    mayor; the guest city's for the delegation, the host city's for the hosts): the name and
    title are those of its holder at the time of the visit, so they stay right when the
    office changes hands."""
    title: Text | None = None
    """Job title (else the office holder's title, with `official`)."""
    organisation: Text | None = None
    """Organisation."""
    role: Text | None = None
    """Role in the visit: head of delegation, interpreter ..."""
    address_as: Text | None = None
    """How to address the person."""
    languages: list[Lang] = []
    """Languages the person speaks."""
    dietary: Text | None = Field(default=None, json_schema_extra=INTERNAL)
    """Dietary needs."""
    audience: Audience = "public"
    """`internal` people are left out of public documents."""

    @model_validator(mode="after")
    def _named(self) -> Person:
        if self.name is None and self.official is None:
            raise PydanticCustomError(
                "person_unnamed",
                "give the person's name, or `official` (such as head) to take it from the"
                " city's profile",
            )
        return self


class AgendaItem(Model):
    """One appointment in the programme."""

    date: FullDate
    """Day, inside the visit's dates."""
    start: LocalTime
    """Start time, HH:MM in the visit's time zone (quote it: "09:30")."""
    end: LocalTime | None = None
    """End time, after the start."""
    title: Text
    """What happens."""
    type: Text | None = None
    """Kind of appointment: courtesy call, site visit, meeting, dinner ... (the catalogs
    translate these; any other kind is a text to translate)."""
    location: Text | None = None
    """Where."""
    participants: list[Text] = []
    """Who takes part."""
    notes: Text | None = None
    """Practical notes."""
    audience: Audience = "internal"
    """Movements, with their times and venues, are internal: an appointment is printed in a
    public edition only when marked `public`."""


class TalkingPoint(Model):
    """A point to make in talks."""

    point: Text
    """The point."""
    priority: Literal["raise", "if-raised", "defensive"]
    """raise: bring it up; if-raised: answer when asked; defensive: hold the line."""
    audience: Audience = "internal"
    """Talking points are internal unless marked public."""


class FollowUp(Model):
    """An action agreed for after the visit."""

    action: Text
    """What is to be done."""
    owner: Text | None = None
    """Who does it."""
    due: FullDate | None = None
    """By when."""
    status: Literal["open", "done"] = "open"
    """open until the action is done; the next visit's briefing lists open ones as open."""
    done_on: FullDate | None = None
    """When it was done (with `status: done`)."""
    audience: Audience = "internal"
    """Follow-up actions are internal: one is printed in a public edition only when marked
    `public`."""


class Logistics(Model):
    """Travel, hotel and transport arrangements, and who may read them."""

    text: Text
    """The arrangements (Markdown: a list of items reads best)."""
    audience: Audience = "internal"
    """Logistics are internal: printed in a public edition only when marked `public`."""

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Text alone, or the text with its audience."""
        text = Text.__get_pydantic_json_schema__(schema, handler)
        return {"anyOf": [*text["anyOf"], handler(schema)]}


def _logistics(value: Any) -> Any:
    """Logistics written as text alone are that text, internal."""
    if isinstance(value, str) or (isinstance(value, dict) and "text" not in value):
        return {"text": value}
    return value


class EarlierVisit(Model):
    """A visit that has no profile in the project, named by its date and title."""

    date: PartialDate
    """When it took place: 2024-05-20, 2024-05 or 2024 (its last day counts as its end)."""
    title: Text
    """What it was."""


class Visit(Sourced):
    """A delegation visit between two cities."""

    kind: Literal["visit"]
    """Always `visit`."""
    id: Id
    """Unique id of the visit."""
    title: Text
    """Title of the visit."""
    direction: Literal["inbound", "outbound"] | None = None
    """inbound: we are the host and receive the guest; outbound: we are the guest and travel.
    "We" are the office whose city the manifest names as `home`; with `home` set, the
    direction follows from host and guest and may be left out (one given must agree)."""
    host: Id
    """City id of the host city (must resolve)."""
    guest: Id
    """City id of the visiting city (must resolve), not the host."""
    dates: VisitDates
    """First and last day."""
    timezone: TimeZoneName
    """IANA zone that agenda times are local to (Asia/Tokyo)."""
    purpose: Text
    """Why the visit takes place."""
    objectives: list[Text] = []
    """What it should achieve."""
    delegation: list[Person] = []
    """Visitors, in protocol order (the first is the head)."""
    hosts: list[Person] = []
    """Hosts, in protocol order."""
    agenda: list[AgendaItem] = []
    """The programme."""
    talking_points: list[TalkingPoint] = []
    """Points for the talks, by priority."""
    sensitivities: list[Text] = Field(default=[], json_schema_extra=INTERNAL)
    """Protocol notes; always internal."""
    logistics: Annotated[Logistics, BeforeValidator(_logistics)] | None = None
    """Travel, hotel, transport: text, or `{text: ..., audience: public}` to print it in a
    public edition (it is internal otherwise)."""
    follow_up: list[FollowUp] = []
    """Actions after the visit."""
    proposals: list[Id] = []
    """Ids of related proposals (must resolve)."""
    status: Literal["draft", "final"] = "final"
    """`draft` while the visit is being prepared: every page of its briefing is marked
    DRAFT, and no public edition can be built from it."""
    version: str | None = Field(default=None, min_length=1, max_length=40)
    """The version of the briefing this file makes (1, 2.1, 2027-05-b), printed with the
    issue control on the cover and at the foot of every page."""
    previous_visit: Id | EarlierVisit | None = None
    """The last visit between the same two cities, for "Since the last visit": the id of
    its profile, or its date and title when it has none. Without it, the latest visit
    profile between the two cities (either direction) that ended before this one starts."""


def references(visit: Visit) -> Iterator[tuple[Loc, str, str]]:
    """The profiles a visit names by id: its cities, its proposals, the visit before it."""
    yield ("host",), "city", visit.host
    yield ("guest",), "city", visit.guest
    for index, proposal in enumerate(visit.proposals):
        yield ("proposals", index), "proposal", proposal
    if isinstance(visit.previous_visit, str):
        yield ("previous_visit",), "visit", visit.previous_visit
