"""Parts that every kind of profile shares: facts, sources, contacts."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import Field

from reportgen import tracking
from reportgen.audience import Audience
from reportgen.models.types import (
    INTERNAL,
    Email,
    Id,
    Model,
    PartialDate,
    SourceRef,
    Text,
    Url,
)

T = TypeVar("T")


class Fact(Model, Generic[T]):
    """A figure that ages: its value, the date it held, and where it comes from."""

    stale_months: ClassVar[int | None] = None
    """How many months this kind of figure stays current; None: ``--stale-after``."""

    value: T
    """The figure itself."""
    as_of: PartialDate
    """When the figure held: 2019-05-01, 2019-05 or 2019."""
    source: SourceRef | None = None
    """Id of the entry in `sources` that the figure comes from."""
    note: Text | None = None
    """A remark printed beside the figure."""


class PopulationFact(Fact[int]):
    """A population figure with what kind of count it is and what area it covers."""

    value: int = Field(ge=0)
    """Number of inhabitants."""
    kind: str | None = Field(default=None, max_length=60)
    """What kind of figure: census, estimate, register ..."""
    scope: str | None = Field(default=None, max_length=60)
    """What area it counts: city, metro, prefecture ..."""
    audience: Audience = "public"
    """`internal` entries are left out of public documents."""


class AreaFact(Fact[Decimal]):
    """An area in square kilometres."""

    stale_months: ClassVar[int] = 120
    """An area changes with a merger or a new survey, not with each census: it is to be
    verified after ten years (or after ``--stale-after``, if that is longer)."""

    value: Decimal = Field(gt=0)
    """Area in km²."""


class Source(Model):
    """A document that figures are taken from."""

    id: Id
    """Referenced by `source:` fields in this file."""
    title: Text
    """Title of the document or page."""
    publisher: Text | None = None
    """Who published it."""
    url: Url | None = None
    """Where to find it (http or https)."""
    accessed: PartialDate | None = None
    """When it was read."""
    note: Text | None = None
    """A remark, for example that the copy is unverified."""
    audience: Audience = "public"
    """`internal` entries are left out of public documents."""


class Contact(Model):
    """A person or office to contact."""

    name: Text | None = None
    """Name of the person (omit for an office)."""
    title: Text | None = None
    """Job title."""
    unit: Text | None = None
    """Department or office."""
    address: Text | None = None
    """Postal address."""
    email: Email | None = Field(default=None, json_schema_extra=INTERNAL)
    """E-mail address (left out of public documents)."""
    phone: str | None = Field(
        default=None, pattern=r"^\+?[0-9][0-9 ()./-]{3,30}$", json_schema_extra=INTERNAL
    )
    """Telephone number in international form (left out of public documents)."""
    url: Url | None = None
    """Web page."""
    audience: Audience = "internal"
    """Contacts are internal: one is printed in a public edition only when marked `public`
    (and then without its phone number and e-mail address)."""


class Sourced(Model):
    """Base for profile kinds: the sources, contacts and free-form extra they all carry.

    While a document is being built, each top-level field read from a profile is
    recorded (``reportgen.tracking``), so that a batch rebuilds only the documents that
    printed a changed field.
    """

    if not TYPE_CHECKING:  # type checkers keep seeing the declared fields

        def __getattribute__(self, name: str) -> Any:
            if name[0] != "_" and tracking.recording_active():
                values = object.__getattribute__(self, "__dict__")
                if name in values:
                    tracking.note(values.get("kind", ""), values.get("id", ""), name)
            return super().__getattribute__(name)

    contacts: list[Contact] = []
    """People and offices to contact."""
    sources: list[Source] = []
    """Documents that the figures in this file come from."""
    extra: dict[str, object] = {}
    """Free-form values handed to templates as they are; not checked."""
