"""The cooperation proposal (``kind: proposal``)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Literal

from pydantic import Field

from reportgen.audience import Audience
from reportgen.errors import Loc
from reportgen.models.common import Sourced
from reportgen.models.types import (
    Amount,
    Currency,
    Id,
    Model,
    Money,
    PartialDate,
    PartnerRef,
    SdgList,
    SourceRef,
    Text,
    Url,
)

Level = Literal["low", "medium", "high"]


class Programme(Model):
    """The funding programme the proposal is written for, with its limits."""

    name: Text
    """Name of the programme."""
    max_months: int | None = Field(default=None, gt=0)
    """Longest period the programme allows."""
    min_months: int | None = Field(default=None, gt=0)
    """Shortest period the programme asks for."""
    max_total: Money | None = None
    """Largest total budget the programme allows."""
    url: Url | None = None
    """Programme page."""


class Period(Model):
    """Start and end, each a month or a day."""

    start: PartialDate
    """First month (or day)."""
    end: PartialDate
    """Last month (or day)."""


class Baseline(Model):
    """Where an indicator stands before the project."""

    value: Decimal
    """Measured value."""
    as_of: PartialDate | None = None
    """When it was measured."""
    source: SourceRef | None = None
    """Id of the entry in `sources`."""


class Target(Model):
    """Where an indicator should stand."""

    value: Decimal
    """Target value."""
    by: PartialDate | None = None
    """When it is to be reached."""


class Indicator(Model):
    """How progress on an output is measured."""

    indicator: Text
    """What is measured."""
    unit: Text | None = None
    """Unit of measure (µg/m³, persons, %): a text to translate unless the catalogs know it."""
    baseline: Baseline | None = None
    """Value before the project."""
    target: Target | None = None
    """Value the project aims for."""
    verification: Text | None = None
    """Means of verification."""
    audience: Audience = "public"
    """`internal` entries are left out of public documents."""


class Output(Model):
    """A result the project delivers."""

    id: Id
    """Referenced by activities' `output`."""
    title: Text
    """The output."""
    indicators: list[Indicator] = []
    """How it is measured."""
    audience: Audience = "public"
    """`internal` entries are left out of public documents."""


class Logframe(Model):
    """The logical framework: goal, purpose, outputs."""

    goal: Text
    """The long-term change the project contributes to."""
    purpose: Text
    """What the project itself achieves."""
    outputs: list[Output] = []
    """What it delivers."""


class Activity(Model):
    """A piece of work, placed in time."""

    id: Id
    """Referenced by budget lines' `activity`."""
    output: Id
    """Id of the logframe output it serves."""
    title: Text
    """What is done."""
    description: Text | None = None
    """More detail."""
    start: PartialDate
    """First month (inside the period)."""
    end: PartialDate
    """Last month (inside the period)."""
    lead: Id | None = None
    """City id of the city in charge (the lead or a partner)."""
    outputs: list[Text] = []
    """Deliverables of this activity."""
    audience: Audience = "public"
    """`internal` entries are left out of public documents."""


class BudgetLine(Model):
    """One costed item. Its total is quantity × unit cost, always computed."""

    item: Text
    """What is paid for."""
    category: str = Field(min_length=1, max_length=60)
    """Category for subtotals: experts, travel, equipment, training ..."""
    quantity: Decimal = Field(gt=0, max_digits=12)
    """How many units."""
    unit: Text | None = None
    """Unit of the quantity (person-months, trips, sets): a text to translate unless the
    catalogs know it."""
    unit_cost: Amount
    """Cost of one unit, in the budget's currency."""
    funded_by: PartnerRef | None = None
    """City id of the funding city, or the funder's name."""
    activity: Id | None = None
    """Id of the activity it belongs to."""
    note: Text | None = None
    """A remark."""

    @property
    def total(self) -> Decimal:
        return self.quantity * self.unit_cost

    audience: Audience = "public"
    """`internal` entries are left out of public documents."""


class Budget(Model):
    """The budget, in one currency."""

    currency: Currency
    """ISO 4217 code of every amount."""
    lines: list[BudgetLine] = []
    """Costed items; totals are computed."""

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal(0))

    funders: Audience = "internal"
    """Who pays for what (the "Funded by" column and the totals by funder) is internal:
    a public edition shows it only with `funders: public`."""


class Risk(Model):
    """A risk and what is done about it."""

    risk: Text
    """What could go wrong."""
    likelihood: Level
    """low, medium or high."""
    impact: Level
    """low, medium or high."""
    mitigation: Text | None = None
    """What reduces it."""
    owner: PartnerRef | None = None
    """Who watches it: a city id or a name."""
    audience: Audience = "internal"
    """A risk register is internal: a risk is printed in a public edition only when marked
    `public`."""


class Signatory(Model):
    """A person who signs the proposal."""

    name: Text
    """Name, or a placeholder such as "(to be confirmed)"."""
    title: Text
    """Title."""
    organisation: Text
    """Organisation."""
    date: PartialDate | None = None
    """Date of signature."""
    audience: Audience = "public"
    """`internal` entries are left out of public documents."""


class Proposal(Sourced):
    """A joint project proposed by a lead city and its partners."""

    kind: Literal["proposal"]
    """Always `proposal`."""
    id: Id
    """Unique id of the proposal."""
    title: Text
    """Title of the project."""
    lead: Id
    """City id of the lead city (must resolve)."""
    partners: list[Id] = Field(min_length=1)
    """City ids of the partner cities (must resolve), none equal to `lead`."""
    programme: Programme | None = None
    """Funding programme and its limits."""
    period: Period
    """When the project runs."""
    status: Literal["draft", "submitted", "approved", "rejected"] = "draft"
    """Where the proposal stands; while it is a `draft`, every page is marked DRAFT and no
    public edition can be built from it."""
    version: str | None = Field(default=None, min_length=1, max_length=40)
    """The version of the proposal (1, 2.1, 2027-05-b), printed with the issue control on
    the cover and at the foot of every page."""
    summary: Text
    """The project in a paragraph."""
    background: Text | None = None
    """What led to it."""
    problem: Text | None = None
    """The problem it addresses."""
    logframe: Logframe | None = None
    """Goal, purpose, outputs and indicators."""
    activities: list[Activity] = []
    """The work plan."""
    budget: Budget | None = None
    """Costed lines; totals are computed."""
    sdgs: SdgList = []
    """Goals the project serves."""
    risks: list[Risk] = []
    """Risks and mitigation."""
    governance: Text | None = None
    """Who steers the project and how."""
    sign_off: list[Signatory] = []
    """Who signs."""


def references(proposal: Proposal) -> Iterator[tuple[Loc, str, str]]:
    """The cities a proposal names by id: its lead and its partners."""
    yield ("lead",), "city", proposal.lead
    for index, partner in enumerate(proposal.partners):
        yield ("partners", index), "city", partner
