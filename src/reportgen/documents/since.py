""" "Since the last visit": what the profiles date between the previous visit of the same
two cities and this one.

The previous visit is the one the visit names (``previous_visit:``), else the latest
visit profile between the two cities, either direction, that ended before this one
starts. Every profile is read through ``Profiles``: the public edition sees only what
it may, and the fields read become the briefing's inputs, so editing the previous visit
(or a fact printed here) rebuilds the briefing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from reportgen import tracking
from reportgen.documents import Profiles
from reportgen.documents.content import Block, BulletList, Inline, Paragraph, Run, Section, plain
from reportgen.documents.writer import Writer
from reportgen.i18n import N_
from reportgen.models import CityProfile, Visit
from reportgen.models.city import Official
from reportgen.models.common import PopulationFact
from reportgen.models.types import PartialDate, Text
from reportgen.models.visit import EarlierVisit, FollowUp


@dataclass(frozen=True)
class Previous:
    """The previous visit: its profile when it has one, and its title, dates and end."""

    title: Text
    start: PartialDate
    end: PartialDate
    visit: Visit | None = None


def previous_visit(w: Writer, visit: Visit, profiles: Profiles) -> Previous | None:
    """The visit before ``visit`` between the same two cities, if the project knows one."""
    named = visit.previous_visit
    if isinstance(named, EarlierVisit):
        return Previous(named.title, named.date, named.date)
    if isinstance(named, str):
        found = profiles.get("visit", named)
        assert isinstance(found, Visit)
        return Previous(found.title, found.dates.start, found.dates.end, found)
    w.searched = True
    pair = {visit.host, visit.guest}
    start = visit.dates.start.first
    best: tuple[dt.date, str] | None = None
    # the other visits are searched, not printed: their problems are not the briefing's
    with tracking.consulting():
        for entry in profiles.project.entries.values():
            other = entry.profile
            if not isinstance(other, Visit) or other.id == visit.id:
                continue
            if {other.host, other.guest} != pair or other.dates.end.last >= start:
                continue
            key = (other.dates.end.last, other.id)
            if best is None or key > best:
                best = key
    if best is None:
        return None
    found = profiles.get("visit", best[1])
    assert isinstance(found, Visit)
    return Previous(found.title, found.dates.start, found.dates.end, found)


def section(
    w: Writer, visit: Visit, cities: Sequence[CityProfile], profiles: Profiles
) -> Section | None:
    """The section, or None for a first recorded visit."""
    previous = previous_visit(w, visit, profiles)
    if previous is None:
        return None
    after = previous.end.last
    before = min(visit.dates.start.first, w.today)
    span = _Span(after, before)
    dates = w.period(previous.start, previous.end)
    blocks: list[Block] = [
        Paragraph(
            _fill(
                w.t(
                    N_(
                        "Last visit: {title}. What the profiles of the two cities record "
                        "between its end and {date}:"
                    )
                ),
                title=plain(w.text(previous.title)),
                date=plain(w.date(before)),
            ),
            "note",
        )
    ]
    for city in cities:
        lines = _city_lines(w, city, span)
        blocks.append(Paragraph((Run(w.name_text(city.name), "strong"),), "label"))
        if lines:
            blocks.append(BulletList(tuple(lines)))
        else:
            blocks.append(Paragraph(plain(_nothing_new(w, city, span)), "note"))
    if previous.visit is not None:
        w.register_sources(previous.visit)
        actions = [_action(w, a) for a in previous.visit.follow_up]
        if actions:
            label = w.t("Follow-up actions from the last visit")
            blocks.append(Paragraph((Run(label, "strong"),), "label"))
            blocks.append(BulletList(tuple(actions)))
    title = w.t("Since the last visit ({dates})", dates=dates)
    return Section("since", title, 1, tuple(blocks))


@dataclass(frozen=True)
class _Span:
    """The days after the previous visit ended and before ``before``."""

    after: dt.date
    before: dt.date

    def holds(self, date: PartialDate | None) -> bool:
        """Whether all of ``date`` lies inside (2024 does not follow a visit in 2024)."""
        return date is not None and self.after < date.first and date.last < self.before


def _nothing_new(w: Writer, city: CityProfile, span: _Span) -> str:
    """What was looked at, and how old the newest entry is: a profile nobody has kept up
    records nothing new either, which is not the same as nothing having changed."""
    newest = max(
        (d for d in _dates(city) if d.first < span.before), key=lambda d: d.last, default=None
    )
    if newest is None:
        return w.t(
            N_(
                "The profile records nothing after the last visit (checked: office holders, "
                "figures, designations, initiatives, partnerships, events) and has no dated "
                "entries."
            )
        )
    return w.t(
        N_(
            "The profile records nothing after the last visit (checked: office holders, "
            "figures, designations, initiatives, partnerships, events); its newest dated "
            "entry is from {date}."
        ),
        date=w.date(newest),
    )


def _dates(city: CityProfile) -> Iterator[PartialDate]:
    """Every date of the entries the section looks at."""
    for official in city.officials:
        yield from (d for d in (official.as_of, official.since, official.until) if d)
    yield from (fact.as_of for fact in city.population)
    if city.area_km2 is not None:
        yield city.area_km2.as_of
    yield from (d.year for d in city.designations if d.year)
    for initiative in city.initiatives:
        yield from (d for d in (initiative.since, initiative.until) if d)
    yield from (p.established for p in city.partnerships if p.established)
    yield from (event.date for event in city.timeline)


def _city_lines(w: Writer, city: CityProfile, span: _Span) -> list[Inline]:
    dated: list[tuple[dt.date, Inline]] = []
    for official in city.officials:
        change = _office(w, city, official, span)
        if change:
            dated.append(change)
    dated.extend(_figures(w, city, span))
    for designation in city.designations:
        if span.holds(designation.year):
            assert designation.year is not None
            values = {"title": plain(w.text(designation.title))}
            if designation.by is not None:
                message = N_("{title} awarded by {by} ({date})")
                values["by"] = plain(w.text(designation.by))
            else:
                message = N_("{title} awarded ({date})")
            values["date"] = plain(w.date(designation.year))
            line = _fill(w.t(message), **values) + w.ref(city, designation.source)
            dated.append((designation.year.first, line))
    for initiative in city.initiatives:
        for date, message in (
            (initiative.since, N_("Initiative started: {title} ({date})")),
            (initiative.until, N_("Initiative ended: {title} ({date})")),
        ):
            if span.holds(date):
                assert date is not None
                line = _fill(
                    w.t(message), title=plain(w.text(initiative.title)), date=plain(w.date(date))
                )
                dated.append((date.first, line + w.ref(city, initiative.source)))
    for partnership in city.partnerships:
        if span.holds(partnership.established):
            assert partnership.established is not None
            line = _fill(
                w.t(N_("Partnership with {partner} signed ({date})")),
                partner=w.partner(partnership.partner),
                date=plain(w.date(partnership.established)),
            )
            dated.append((partnership.established.first, line + w.ref(city, partnership.source)))
    # an event on the day of a line above is taken to be the same one (a timeline
    # often records the new mayor or the partnership too)
    days = {day for day, _ in dated}
    for event in city.timeline:
        if span.holds(event.date) and event.date.first not in days:
            line = _fill(
                w.t(N_("{date}: {event}")),
                date=plain(w.date(event.date)),
                event=plain(w.text(event.title)),
            )
            dated.append((event.date.first, line + w.ref(city, event.source)))
    dated.sort(key=lambda item: item[0])
    return [line for _, line in dated]


def _office(
    w: Writer, city: CityProfile, official: Official, span: _Span
) -> tuple[dt.date, Inline] | None:
    """A change of office holder in the span: the new holder, and whom they succeeded."""
    predecessor = city.predecessor(official)
    start = city.took_office(official)
    if start is None or not span.holds(start):
        return None
    day = start.precision == "day"
    values = {
        "new": w.name(official.name, city.local_lang),
        "title": plain(w.text(official.title)),
        "date": plain(w.date(start)),
    }
    if predecessor is not None:
        values["old"] = w.name(predecessor.name, city.local_lang)
        message = (
            N_("{new} took office as {title} on {date}, succeeding {old}")
            if day
            else N_("{new} took office as {title} in {date}, succeeding {old}")
        )
    else:
        message = (
            N_("{new} took office as {title} on {date}")
            if day
            else N_("{new} took office as {title} in {date}")
        )
    return start.first, _fill(w.t(message), **values) + w.ref(city, official.source)


def _figures(w: Writer, city: CityProfile, span: _Span) -> list[tuple[dt.date, Inline]]:
    """The newest population figure in the span, against the one current at the last visit;
    an area dated in the span."""
    lines: list[tuple[dt.date, Inline]] = []
    newer = [f for f in city.population if span.holds(f.as_of)]
    if newer:
        new = max(newer, key=lambda f: f.as_of.last)
        old = _current_at(city.population, new, span.after)
        values = {
            "figure": plain(w.t("Population")),
            "new": w.fact(w.number(new.value), new, city, details=[_details(w, new)]),
        }
        if old is not None and old.value:
            change = Decimal(new.value - old.value) / Decimal(old.value)
            values["change"] = plain(percent_change(w, change))
            values["old"] = w.fact(
                w.number(old.value), old, city, current=False, details=[_details(w, old)]
            )
            message = N_("{figure}: {new}, {change} against {old}")
        else:
            message = N_("{figure}: {new}")
        lines.append((new.as_of.first, _fill(w.t(message), **values)))
    area = city.area_km2
    if area is not None and span.holds(area.as_of):
        figure = w.fact(f"{w.number(area.value)} km²", area, city)
        line = _fill(w.t(N_("{figure}: {new}")), figure=plain(w.t("Area")), new=figure)
        lines.append((area.as_of.first, line))
    return lines


def _details(w: Writer, fact: PopulationFact) -> str:
    return w.items([w.term(x) for x in (fact.kind, fact.scope) if x], conjunction=False)


def _current_at(
    figures: Sequence[PopulationFact], new: PopulationFact, day: dt.date
) -> PopulationFact | None:
    """The figure to compare ``new`` with: the latest of its scope known on ``day`` (the
    end of the last visit), when it is of the same kind. A register count is not compared
    with a census, nor with an older figure than the one the last visit knew."""
    known = [f for f in figures if f.as_of.last <= day and f.scope == new.scope]
    latest = max(known, key=lambda f: f.as_of.last, default=None)
    return latest if latest is not None and latest.kind == new.kind else None


def percent_change(w: Writer, change: Decimal) -> str:
    """``+1.2%`` or ``−2.8%``: one decimal, signed, in the language's percent format."""
    return w.percent(change, signed=True)


def _action(w: Writer, action: FollowUp) -> Inline:
    details = [w.text(action.owner)]
    if action.due is not None:
        details.append(w.t("due {date}", date=w.date(action.due)))
    text = w.parts([d for d in details if d])
    what = list(w.inline(action.action))
    if what and what[-1].text.endswith((".", "。")):  # the sentence goes on after it
        what[-1] = replace(what[-1], text=what[-1].text[:-1])
    values = {"action": tuple(what), "details": plain(text)}
    if action.status == "done":
        values["date"] = plain(w.date(action.done_on)) if action.done_on else ()
        if action.done_on is not None:
            message = (
                N_("{action} ({details}): done on {date}")
                if text
                else N_("{action}: done on {date}")
            )
        else:
            message = N_("{action} ({details}): done") if text else N_("{action}: done")
    else:
        message = N_("{action} ({details}): open") if text else N_("{action}: open")
    return _fill(w.t(message), **values)


_FIELD = re.compile(r"\{(\w+)\}")


def _fill(message: str, **values: Inline) -> Inline:
    """A translated message with its ``{name}`` fields replaced by runs (names keep
    their language marks, references their links)."""
    runs: list[Run] = []
    position = 0
    for match in _FIELD.finditer(message):
        if match.start() > position:
            runs.append(Run(message[position : match.start()]))
        runs.extend(values[match.group(1)])
        position = match.end()
    if position < len(message):
        runs.append(Run(message[position:]))
    return tuple(runs)
