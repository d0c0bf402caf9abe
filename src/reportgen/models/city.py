"""The city profile (``kind: city``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from reportgen.audience import Audience
from reportgen.models.common import AreaFact, PopulationFact, Sourced
from reportgen.models.types import (
    Country,
    Id,
    Lang,
    Model,
    PartialDate,
    PartnerRef,
    RelativePath,
    SdgList,
    SourceRef,
    Text,
)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value


class Official(Model):
    """A holder of office, dated like any other fact."""

    role: str = Field(min_length=1, max_length=60)
    """`head` for the head of government; any other role as a word (deputy, chair ...)."""
    title: Text
    """Title of the office: Mayor, Governor ..."""
    name: Text
    """Name, in English and in the local script."""
    as_of: PartialDate
    """When this was known to hold."""
    since: PartialDate | None = None
    """When the term began (else the predecessor's `until` says it)."""
    until: PartialDate | None = None
    """When the term ended; set for past office holders kept as history."""
    source: SourceRef | None = None
    """Id of the entry in `sources`."""
    audience: Audience = "public"
    """`internal` entries are left out of public documents."""


class Designation(Model):
    """An award, label or designation the city holds."""

    title: Text
    """Name of the designation."""
    by: Text | None = None
    """Who awarded it."""
    year: PartialDate | None = None
    """When it was awarded."""
    source: SourceRef | None = None
    """Id of the entry in `sources`."""
    note: Text | None = None
    """A remark, such as "first in Asia"."""
    audience: Audience = "public"
    """`internal` entries are left out of public documents."""


class Initiative(Model):
    """A programme or project the city runs."""

    id: Id | None = None
    """Optional id, for references from other files."""
    title: Text
    """Name of the initiative."""
    summary: Text | None = None
    """What it does."""
    since: PartialDate | None = None
    """When it began."""
    until: PartialDate | None = None
    """When it ended, if it did."""
    sdgs: SdgList = []
    """Goals it serves."""
    partners: list[PartnerRef] = []
    """City ids or free names of partners."""
    source: SourceRef | None = None
    """Id of the entry in `sources`."""
    audience: Audience = "public"
    """`internal` entries are left out of public documents."""


class Goal(Model):
    """A target the city has set itself."""

    title: Text
    """The goal."""
    target_year: int | None = Field(default=None, ge=1900, le=2200)
    """Year by which it is to be reached."""
    sdgs: SdgList = []
    """Goals it serves."""
    note: Text | None = None
    """Details, figures."""
    source: SourceRef | None = None
    """Id of the entry in `sources`."""
    audience: Audience = "public"
    """`internal` entries are left out of public documents."""


class Partnership(Model):
    """A formal tie with another city."""

    partner: PartnerRef
    """City id when a profile exists, otherwise the partner's name."""
    type: Literal["sister", "friendship", "exchange", "project", "network"]
    """Kind of tie."""
    established: PartialDate | None = None
    """When it was signed."""
    status: Literal["active", "inactive", "ended", "planned"] = "active"
    """Whether the tie is alive."""
    themes: list[Text] = []
    """Fields of cooperation."""
    note: Text | None = None
    """History, anniversaries."""
    source: SourceRef | None = None
    """Id of the entry in `sources`."""
    audience: Audience = "public"
    """`internal` entries are left out of public documents."""


class Network(Model):
    """A city network the city belongs to."""

    name: Text
    """Name of the network (ICLEI, CityNet ...)."""
    since: PartialDate | None = None
    """Member since."""
    role: Text | None = None
    """Role in the network, if any."""
    audience: Audience = "public"
    """`internal` entries are left out of public documents."""


class TimelineEvent(Model):
    """A dated event in the city's international relations."""

    date: PartialDate
    """When it happened."""
    title: Text
    """What happened, in one line."""
    partners: list[PartnerRef] = []
    """City ids or free names involved."""
    description: Text | None = None
    """More detail."""
    source: SourceRef | None = None
    """Id of the entry in `sources`."""
    audience: Audience = "public"
    """`internal` entries are left out of public documents."""


class CityProfile(Sourced):
    """A city: who governs it, its figures, its work and its partners."""

    kind: Literal["city"]
    """Always `city`."""
    id: Id
    """Unique id of the city, used in file names and references."""
    name: Text
    """Name in English and in the local script: `{en: Kitakyushu City, ja: 北九州市}`."""
    local_lang: Lang | None = None
    """Which key of `name` is the local script."""
    country: Country
    """ISO 3166-1 alpha-2 code."""
    region: Text | None = None
    """Province, prefecture or state."""
    municipality_type: Text | None = None
    """Legal status of the municipality."""
    officials: list[Official] = []
    """Office holders, current and past (past ones carry `until`)."""
    population: Annotated[list[PopulationFact], BeforeValidator(_as_list)] = []
    """One population fact or a list of them (census, estimates ...)."""
    area_km2: AreaFact | None = None
    """Land area in km²."""
    summary: Text
    """One or two paragraphs: who the city is."""
    overview: Text | None = None
    """Longer: geography, economy, history."""
    industries: list[Text] = []
    """Main industries."""
    designations: list[Designation] = []
    """Awards and labels."""
    sdg_focus: SdgList = []
    """Goals the city puts first."""
    initiatives: list[Initiative] = []
    """Programmes and projects."""
    goals: list[Goal] = []
    """Targets the city has set."""
    partnerships: list[Partnership] = []
    """Sister, friendship and other formal ties."""
    networks: list[Network] = []
    """City networks it belongs to."""
    timeline: list[TimelineEvent] = []
    """Events in its international relations."""
    logo: RelativePath | None = None
    """Image file relative to this profile (PNG, JPEG or SVG)."""

    def predecessor(self, official: Official) -> Official | None:
        """Who held ``official``'s office before them: the same role, ended last before."""
        began = (official.since or official.as_of).last
        earlier = [
            o
            for o in self.officials
            if o is not official
            and o.role == official.role
            and o.until is not None
            and o.until.last <= began
        ]
        return max(earlier, key=lambda o: o.until.last if o.until else dt.date.min, default=None)

    def took_office(self, official: Official) -> PartialDate | None:
        """When ``official``'s term began: their ``since``, else the day (month, year) after
        their predecessor's ``until``; None when neither says."""
        if official.since is not None:
            return official.since
        predecessor = self.predecessor(official)
        if predecessor is None or predecessor.until is None:
            return None
        return predecessor.until.following()

    def in_office_by(self, official: Official, day: dt.date) -> bool:
        """Whether ``official`` had taken office by ``day`` (as far as the record says:
        without a start, the day it is known to hold)."""
        start = self.took_office(official) or official.as_of
        return start.first <= day

    def head(self) -> Official | None:
        """The current head of government: the newest `head` official without `until`."""
        current = [o for o in self.officials if o.role == "head" and o.until is None]
        return max(current, key=lambda o: o.as_of.last, default=None)
