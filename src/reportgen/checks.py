"""Rules that a single valid profile must also keep, beyond its types, and stale facts.

Each rule yields ``(loc, message)`` pairs; the project turns them into located issues.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from reportgen.errors import Loc
from reportgen.limits import DEFAULT_STALE_MONTHS
from reportgen.models import CityProfile, Profile, Proposal, Visit
from reportgen.models.city import Official
from reportgen.models.common import Fact
from reportgen.models.types import PartialDate, currency_digits
from reportgen.models.visit import EarlierVisit


@dataclass(frozen=True)
class Staleness:
    """How old a fact may be before it is flagged, judged on one day."""

    today: dt.date
    months: int = DEFAULT_STALE_MONTHS


Finding = tuple[Loc, str]


def walk(node: Any, loc: Loc = ()) -> Iterator[tuple[Loc, BaseModel]]:
    """Every model nested in ``node`` (itself included), with its location."""
    if isinstance(node, BaseModel):
        yield loc, node
        for name in type(node).model_fields:
            yield from walk(getattr(node, name), (*loc, name))
    elif isinstance(node, list | tuple):
        for index, item in enumerate(node):
            yield from walk(item, (*loc, index))


def profile_rules(profile: Profile) -> Iterator[Finding]:
    """Every rule of one file: sources resolve, ids inside it are unique, dates in order
    (and the rules of its kind: ``ProfileKind.rules``)."""
    from reportgen.registry import KINDS, load

    yield from _source_rules(profile)
    rules = KINDS[profile.kind].rules
    if rules is not None:
        yield from load(rules)(profile)


def _duplicates(items: list[Any], key: str, loc: Loc) -> Iterator[Finding]:
    seen: dict[Any, int] = {}
    for index, item in enumerate(items):
        value = getattr(item, key)
        if value is None:
            continue
        if value in seen:
            yield (
                (*loc, index, key),
                f"duplicate {key} '{value}' (also at {loc[-1]}[{seen[value]}])",
            )
        else:
            seen[value] = index


def _source_rules(profile: Profile) -> Iterator[Finding]:
    yield from _duplicates(profile.sources, "id", ("sources",))
    known = {source.id for source in profile.sources}
    for loc, model in walk(profile):
        ref = getattr(model, "source", None)
        if isinstance(ref, str) and ref not in known:
            listed = ", ".join(sorted(known)) or "none"
            yield (*loc, "source"), f"unknown source '{ref}' (sources in this file: {listed})"


def _ordered(start: PartialDate, end: PartialDate, loc: Loc, what: str) -> Iterator[Finding]:
    if end.last < start.first:
        yield loc, f"{what} ends ({end}) before it starts ({start})"


def city_rules(city: CityProfile) -> Iterator[Finding]:
    """A city's own rules: its name in its language, terms in order, no partnering itself."""
    if city.local_lang and not city.name.has(city.local_lang):
        yield ("local_lang",), f"name has no '{city.local_lang}' entry"
    for index, official in enumerate(city.officials):
        if official.until is not None:
            yield from _ordered(
                official.as_of, official.until, ("officials", index, "until"), "the term"
            )
    for index, partnership in enumerate(city.partnerships):
        if partnership.partner == city.id:
            yield ("partnerships", index, "partner"), "a city cannot partner with itself"
    yield from _duplicates(city.initiatives, "id", ("initiatives",))


def months_between(start: PartialDate, end: PartialDate) -> int:
    """Calendar months from the start's month to the end's month, both counted."""
    first, last = start.first, end.last
    return (last.year - first.year) * 12 + last.month - first.month + 1


def format_amount(value: Decimal, currency: str) -> str:
    return f"{currency} {value:,}"


def proposal_rules(proposal: Proposal) -> Iterator[Finding]:
    """A proposal's own rules: its activities inside its period and its outputs, its
    programme's limits, a budget its currency can pay."""
    period = proposal.period
    yield from _ordered(period.start, period.end, ("period", "end"), "the period")
    if proposal.lead in proposal.partners:
        index = proposal.partners.index(proposal.lead)
        yield ("partners", index), f"'{proposal.lead}' is the lead; it cannot also be a partner"
    outputs = proposal.logframe.outputs if proposal.logframe else []
    yield from _duplicates(outputs, "id", ("logframe", "outputs"))
    yield from _duplicates(proposal.activities, "id", ("activities",))
    output_ids = [output.id for output in outputs]
    cities = {proposal.lead, *proposal.partners}
    for index, activity in enumerate(proposal.activities):
        loc: Loc = ("activities", index)
        if activity.output not in output_ids:
            listed = ", ".join(output_ids) or "none"
            yield (
                (*loc, "output"),
                f"unknown output '{activity.output}' (logframe outputs: {listed})",
            )
        yield from _ordered(activity.start, activity.end, (*loc, "end"), "the activity")
        if activity.start.first < period.start.first:
            yield (*loc, "start"), f"starts {activity.start}, before the period ({period.start})"
        if activity.end.last > period.end.last:
            yield (*loc, "end"), f"ends {activity.end}, after the period ({period.end})"
        if activity.lead is not None and activity.lead not in cities:
            yield (*loc, "lead"), f"'{activity.lead}' is neither the lead nor a partner"
    yield from _programme_rules(proposal)
    if proposal.budget is not None:
        yield from _budget_rules(proposal)


def _programme_rules(proposal: Proposal) -> Iterator[Finding]:
    programme = proposal.programme
    if programme is None:
        return
    name = programme.name.get("en")
    months = months_between(proposal.period.start, proposal.period.end)
    if programme.max_months is not None and months > programme.max_months:
        yield (
            ("period",),
            (f"the period lasts {months} months; {name} allows at most {programme.max_months}"),
        )
    if programme.min_months is not None and months < programme.min_months:
        yield (
            ("period",),
            (f"the period lasts {months} months; {name} asks for at least {programme.min_months}"),
        )
    limit, budget = programme.max_total, proposal.budget
    if limit is not None and _decimals(limit.amount) > currency_digits(limit.currency):
        yield (
            ("programme", "max_total", "amount"),
            (f"{limit.amount} has more decimals than {limit.currency} allows"),
        )
    if limit is None or budget is None:
        return
    if limit.currency != budget.currency:
        yield (
            ("budget", "currency"),
            (f"the budget is in {budget.currency} but the limit of {name} is in {limit.currency}"),
        )
    elif budget.total > limit.amount:
        yield (
            ("budget",),
            (
                f"the total {format_amount(budget.total, budget.currency)} exceeds the limit of "
                f"{name}: {format_amount(limit.amount, limit.currency)}"
            ),
        )


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _budget_rules(proposal: Proposal) -> Iterator[Finding]:
    assert proposal.budget is not None
    budget = proposal.budget
    digits = currency_digits(budget.currency)
    activity_ids = [activity.id for activity in proposal.activities]
    for index, line in enumerate(budget.lines):
        loc: Loc = ("budget", "lines", index)
        if line.activity is not None and line.activity not in activity_ids:
            listed = ", ".join(activity_ids) or "none"
            yield (*loc, "activity"), f"unknown activity '{line.activity}' (activities: {listed})"
        if _decimals(line.unit_cost) > digits:
            yield (
                (*loc, "unit_cost"),
                (f"{line.unit_cost} has more decimals than {budget.currency} allows ({digits})"),
            )
        elif _decimals(line.total) > digits:
            yield (
                loc,
                (
                    f"the line total {line.total} has more decimals than {budget.currency}"
                    f" allows ({digits})"
                ),
            )


def visit_rules(visit: Visit) -> Iterator[Finding]:
    """A visit's own rules: its agenda inside its dates, follow-ups after it."""
    start, end = visit.dates.start, visit.dates.end
    reversed_dates = end.last < start.first
    yield from _ordered(start, end, ("dates", "end"), "the visit")
    if visit.host == visit.guest:
        yield ("guest",), "the guest city must differ from the host"
    for index, item in enumerate(visit.agenda):
        loc: Loc = ("agenda", index)
        # with the dates the wrong way round, that one error says it all
        if not reversed_dates and not start.first <= item.date.first <= end.last:
            yield (*loc, "date"), f"{item.date} is outside the visit ({start} to {end})"
        if item.end is not None and item.end <= item.start:
            yield (
                (*loc, "end"),
                (f"ends at {item.end:%H:%M}, not after it starts ({item.start:%H:%M})"),
            )
    for index, action in enumerate(visit.follow_up):
        if not reversed_dates and action.due is not None and action.due.last < end.last:
            yield (
                ("follow_up", index, "due"),
                (
                    f"due {action.due}, before the visit ends ({end}): a follow-up comes "
                    "after the visit; check the date"
                ),
            )
        if action.done_on is not None and action.status != "done":
            yield (
                ("follow_up", index, "done_on"),
                "a date it was done, but the status is open: add status: done",
            )
    previous = visit.previous_visit
    if previous == visit.id:
        yield ("previous_visit",), "a visit cannot be its own previous visit"
    elif isinstance(previous, EarlierVisit) and previous.date.first >= start.first:
        yield (
            ("previous_visit", "date"),
            f"{previous.date} is not before this visit starts ({start})",
        )


# --- the office's own city ------------------------------------------------------------------


def direction_of(visit: Visit, home: str | None) -> str | None:
    """The direction that host and guest give when ``home`` is one of them, else None.

    "We" are the office whose manifest names its city as ``home``: a visit that we host
    is inbound, one on which we are the guests is outbound.
    """
    if home is None:
        return None
    if visit.host == home:
        return "inbound"
    if visit.guest == home:
        return "outbound"
    return None


def home_rules(profile: Profile, home: str | None) -> Iterator[Finding]:
    """A visit's direction: given, or following from the home city, and never contradicting it."""
    if not isinstance(profile, Visit):
        return
    derived = direction_of(profile, home)
    if profile.direction is None:
        if home is None:
            yield (
                ("direction",),
                (
                    "required, but missing: inbound or outbound (or name your own city as "
                    "home: in reportgen.yaml, and it follows from host and guest)"
                ),
            )
        elif derived is None:
            yield (
                ("direction",),
                (
                    f"required, but missing: neither the host nor the guest is the home "
                    f"city '{home}' (reportgen.yaml), so say inbound or outbound"
                ),
            )
    elif derived is not None and derived != profile.direction:
        role = "host" if derived == "inbound" else "guest"
        yield (
            ("direction",),
            (
                f"{profile.direction} contradicts host and guest: the {role} '{home}' is the "
                f"home city (reportgen.yaml), so the visit is {derived}"
            ),
        )


def with_direction(profile: Profile, home: str | None) -> Profile:
    """``profile``, a visit given the direction that follows from ``home`` if it had none."""
    if isinstance(profile, Visit) and profile.direction is None:
        derived = direction_of(profile, home)
        if derived is not None:
            return profile.model_copy(update={"direction": derived})
    return profile


# --- files that profiles name ---------------------------------------------------------------


def file_rules(profile: Profile, folder: Path) -> Iterator[Finding]:
    """Files a profile names (a city's logo) exist and are images a build can use."""
    from reportgen.assets import ImageError, load_image

    if isinstance(profile, CityProfile) and profile.logo is not None:
        try:
            load_image(folder, profile.logo)
        except ImageError as exc:
            yield ("logo",), f"the image '{profile.logo}' {exc}"


# --- stale facts -----------------------------------------------------------------------------


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's end)."""
    import calendar

    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    if year < dt.MINYEAR:  # --stale-after larger than the calendar: nothing is that old
        return dt.date.min
    if year > dt.MAXYEAR:
        return dt.date.max
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def current_facts(city: CityProfile, day: dt.date | None = None) -> Iterator[tuple[Loc, str, Any]]:
    """The facts that claim to hold today (or on ``day``, a document's day in the past):
    ``(loc, what, fact)``.

    Past office holders (with ``until``) and population figures superseded by a newer
    one of the same scope are history, and do not age; on ``day``, what is dated after
    it was not known yet.
    """

    def known(date: PartialDate | None) -> bool:
        return day is None or date is None or date.first <= day

    for index, official in enumerate(city.officials):
        if day is not None and not city.in_office_by(official, day):
            continue
        if official.until is None or not known(official.until):
            loc: Loc = ("officials", index)
            yield loc, describe(loc, official), official
    newest: dict[str | None, int] = {}
    for index, fact in enumerate(city.population):
        best = newest.get(fact.scope)
        if known(fact.as_of) and (
            best is None or fact.as_of.last > city.population[best].as_of.last
        ):
            newest[fact.scope] = index
    for index in sorted(newest.values()):
        loc = ("population", index)
        yield loc, describe(loc, city.population[index]), city.population[index]
    if city.area_km2 is not None and known(city.area_km2.as_of):
        yield ("area_km2",), describe(("area_km2",), city.area_km2), city.area_km2


def describe(loc: Loc, figure: Any) -> str:
    """A dated figure as a reader names it: "population 7,450,785", "Mayor Chen Shaowang"."""
    value = getattr(figure, "value", None)
    if value is None:  # an office holder
        return f"{figure.title.get('en')} {figure.name.get('en')}"
    shown = f"{value:,}" if isinstance(value, int) else str(value)
    what = next((part for part in reversed(loc) if isinstance(part, str)), "figure")
    if what == "area_km2":
        return f"area {shown} km²"
    return f"{what.replace('_', ' ')} {shown}"


def unsourced_figures(profile: Profile) -> Iterator[Finding]:
    """A warning for each dated figure that names no source: a reader could not check it.

    Dated figures are the facts that age (population, area) and office holders; a
    logframe baseline is the project's own starting point, checked by its means of
    verification instead.
    """
    for loc, model in walk(profile):
        if not isinstance(model, Fact | Official) or model.source is not None:
            continue
        as_of = model.as_of
        listed = ", ".join(source.id for source in profile.sources)
        where = (
            f"one of this file's sources ({listed})" if listed else "a source listed under sources:"
        )
        yield (
            loc,
            (
                f"{describe(loc, model)} (as of {as_of}) has no source: add source: with "
                f"the id of {where}"
            ),
        )


def stale_months(fact: Any, months: int) -> int:
    """How long ``fact`` stays current: ``months``, or longer for a kind that ages slowly."""
    own = getattr(type(fact), "stale_months", None)
    return max(months, own) if isinstance(own, int) else months


def is_stale_fact(fact: Any, staleness: Staleness) -> bool:
    """True when a current fact is older than its kind's limit (``stale_months``)."""
    limit = stale_months(fact, staleness.months)
    return is_stale(fact.as_of, months_before(staleness.today, limit))


def stale_facts(profile: Profile, staleness: Staleness) -> Iterator[Finding]:
    """A warning for each current fact dated more than its limit before the run's day."""
    if not isinstance(profile, CityProfile):
        return
    months = staleness.months
    for loc, what, fact in current_facts(profile, staleness.today):
        if is_stale_fact(fact, staleness):
            limit = stale_months(fact, months)
            source = f" (source: {fact.source})" if fact.source else " (no source)"
            yield (
                (*loc, "as_of"),
                (
                    f"{what} is dated {fact.as_of}{source}, more than {limit} "
                    f"month{'s' if limit != 1 else ''} ago: verify it"
                ),
            )


def is_stale(as_of: PartialDate, cutoff: dt.date) -> bool:
    """True when a fact's date, read as late as its precision allows, is before ``cutoff``."""
    return as_of.last < cutoff


def add_months(day: dt.date, months: int) -> dt.date:
    return months_before(day, -months)


def next_staleness_change(profiles: Iterable[Profile], staleness: Staleness) -> dt.date | None:
    """The first day after the run's on which a current fact of these profiles turns stale.

    A document printed with "verify" marks is out of date from that day on.
    """
    months, today = staleness.months, staleness.today
    changes = [
        add_months(fact.as_of.last, stale_months(fact, months)) + dt.timedelta(days=1)
        for profile in profiles
        if isinstance(profile, CityProfile)
        for _, _, fact in current_facts(profile)
        if add_months(fact.as_of.last, stale_months(fact, months)) < dt.date.max
    ]
    future = [day for day in changes if day > today]
    return min(future, default=None)
